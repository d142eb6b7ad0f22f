/* libFuzzer: arbitrary bytes as a stream of lines through the scanner. */
#include "autoconf.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "scanner.h"

static int
sink(const struct scanner_finding *f, void *arg)
{
	size_t	*n = arg;

	if (f->rule == NULL || strlen(f->redacted) >= sizeof f->redacted)
		__builtin_trap();
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct scanner	*sc;
	const char		*p = (const char *)data, *end = p + size, *nl;
	char			 err[256];
	size_t			 n = 0;

	if (sc == NULL && (sc = scanner_new(NULL, err, sizeof err)) == NULL)
		__builtin_trap();
	scanner_reset(sc);
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		scanner_scan_line(sc, p, (size_t)(nl - p), sink, &n);
	}
	scanner_finish(sc, sink, &n);
	return 0;
}
