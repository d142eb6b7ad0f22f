/* libFuzzer: arbitrary text as a rules file, then a scan with it. */
#include "autoconf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner.h"

static int
sink(const struct scanner_finding *f, void *arg)
{
	(void)f;
	(void)arg;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scanner_rules	*r;
	struct scanner		*sc;
	char			*text, err[512];
	static const char	 line[] = "x=acme_0123456789abcdefghij key=AKIA"
	    "ABCDEFGHIJKLMNOP password=hunter2hunter2";

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	r = scanner_rules_parse(text, "fuzz.rules", err, sizeof err);
	if (r != NULL) {
		if ((sc = scanner_new(r, err, sizeof err)) != NULL) {
			scanner_scan_line(sc, line, sizeof line - 1, sink, NULL);
			scanner_free(sc);
		}
		scanner_rules_free(r);
	}
	free(text);
	return 0;
}
