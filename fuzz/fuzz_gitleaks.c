/*
 * libFuzzer: arbitrary text as a TOML document (toml.c), then as a
 * gitleaks config (scanner_gitleaks.c) and a scan with what it loads.
 */
#include "autoconf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner.h"
#include "toml.h"

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
	struct toml		*t;
	char			*text, err[512];
	static const char	 line[] = "x=acme_0123456789abcdefghij key=AKIA"
	    "RLPXUTKI6Q7JXL4S orbit_key = \"Ab3dE5gH7jK9mN1pQ3sT\" "
	    "QUtJQVJMUFhVVEtJNlE3SlhMNFM= a%3Db";

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	t = toml_parse(text, size, "fuzz.toml", err, sizeof err);
	toml_free(t);
	r = scanner_rules_parse(text, "fuzz.toml", err, sizeof err);
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
