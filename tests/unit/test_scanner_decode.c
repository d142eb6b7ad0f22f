/*
 * The decoder of encoded line segments (scanner_decode.c) and its use by
 * the scanner: base64 runs at every alignment, percent escapes mapped
 * back to the line, bounds, and the prefilter literals.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "scanner.h"
#include "scanner_decode.h"
#include "tap.h"

struct kw_seen {
	int	found_qutj;	/* "QUtJQ": AKIA at alignment 0 */
	int	n, bad;
};

static void
kw_cb(const char *kw, size_t len, void *arg)
{
	struct kw_seen	*k = arg;

	k->n++;
	if (len < 4 || len >= SCANNER_DECODE_KW_MAX)
		k->bad++;
	if (len == 5 && memcmp(kw, "QUtJQ", 5) == 0)
		k->found_qutj = 1;
}

struct found {
	char	rule[64];
	char	encoding[16];
	size_t	offset, length;
	int	n;
};

static int
found_cb(const struct scanner_finding *f, void *arg)
{
	struct found	*fd = arg;

	if (fd->n++ == 0) {
		snprintf(fd->rule, sizeof fd->rule, "%s", f->rule);
		snprintf(fd->encoding, sizeof fd->encoding, "%s",
		    f->encoding != NULL ? f->encoding : "");
		fd->offset = f->offset;
		fd->length = f->length;
	}
	return 0;
}

static struct found
scan(struct scanner *sc, const char *line)
{
	struct found	fd;

	memset(&fd, 0, sizeof fd);
	scanner_reset(sc);
	(void)scanner_scan_line(sc, line, strlen(line), found_cb, &fd);
	return fd;
}

int
main(void)
{
	struct kw_seen	 k;
	struct scanner	*sc;
	struct found	 fd;
	unsigned char	 out[64];
	char		 pct[64], err[256], line[256];
	uint32_t	 map[65];
	size_t		 pos, off, len, n, esc;
	/* base64 of "AKIARLPXUTKI6Q7JXL4S" after 0, 1 and 2 bytes */
	static const char *const wrapped[] = {
		"creds QUtJQVJMUFhVVEtJNlE3SlhMNFM= end",
		"x aWQ9QUtJQVJMUFhVVEtJNlE3SlhMNFM=",
		"y eHg6IEFLSUFSTFBYVVRLSTZRN0pYTDRT",
	};
	static const size_t wrapped_off[] = { 6, 2, 2 };
	static const size_t wrapped_len[] = { 28, 32, 32 };
	int		 i;

	memset(&k, 0, sizeof k);
	scanner_decode_keywords(kw_cb, &k);
	ok(k.n > 30 && k.bad == 0, "prefilter literals: %d, 4 bytes or more",
	    k.n);
	ok(k.found_qutj, "AKIA at alignment 0 gives QUtJQ");

	pos = 0;
	ok(scanner_decode_next_b64("a=b token=QUtJQVJMUFhVVEtJNlE3SlhMNFM= x",
	    41, &pos, &off, &len) == 1 && off == 10 && len == 28,
	    "a run starts after '=' and keeps its padding");
	pos = 0;
	ok(scanner_decode_next_b64("short QUtJQVJM only", 19, &pos, &off,
	    &len) == 0, "runs under 20 characters are not decoded");
	n = scanner_decode_b64("QUtJQVJMUFhVVEtJNlE3SlhMNFM=", 28, out,
	    sizeof out);
	ok(n == 20 && memcmp(out, "AKIARLPXUTKI6Q7JXL4S", 20) == 0,
	    "decodes standard base64");
	n = scanner_decode_b64("QUtJQVJMUFhVVEtJNlE3SlhMNFM=", 28, out, 8);
	ok(n == 8, "output capped at its buffer");
	ok(scanner_decode_text_like((const unsigned char *)"hello world", 11),
	    "text is text");
	ok(!scanner_decode_text_like((const unsigned char *)"\x8f\x01\xff"
	    "\x90\x12\x34\x99\xaa\xbb", 9), "binary is not");
	n = scanner_decode_percent("a%3Db%2Fc%zz%4", 14, pct, map,
	    sizeof pct, &esc);
	ok(n == 10 && memcmp(pct, "a=b/c%zz%4", 10) == 0 && esc == 2,
	    "percent escapes decoded, bad ones kept");
	ok(map[1] == 1 && map[2] == 4 && map[3] == 5 && map[8] == 12,
	    "decoded bytes map to line offsets");
	n = scanner_decode_percent("%41%41%41%41", 12, pct, map, 2, &esc);
	ok(n == 2 && map[2] == 6, "percent output capped");

	if ((sc = scanner_new(NULL, err, sizeof err)) == NULL) {
		printf("not ok - scanner_new: %s\n", err);
		return 1;
	}
	for (i = 0; i < 3; i++) {
		fd = scan(sc, wrapped[i]);
		ok(fd.n == 1 && strcmp(fd.rule, "aws-access-key-id") == 0 &&
		    strcmp(fd.encoding, "base64") == 0 &&
		    fd.offset == wrapped_off[i] && fd.length == wrapped_len[i],
		    "base64-wrapped AWS key id, alignment %d, reported at the "
		    "run", i);
	}
	fd = scan(sc, "plain AKIARLPXUTKI6Q7JXL4S");
	ok(fd.n == 1 && fd.encoding[0] == '\0', "a plain key: no encoding");
	fd = scan(sc, "QUtJQVJMUFhVVEtJNlE3SlhMNFM= cwguard:allow");
	ok(fd.n == 0, "a marked line is not decoded either");
	fd = scan(sc, "aws_secret_access_key%3DwJalrXUtnFEMI%2FK7MDENG"
	    "%2FbPxRfiCYzzzzKEY12%2B");
	ok(fd.n == 1 && strcmp(fd.rule, "aws-secret-access-key") == 0 &&
	    strcmp(fd.encoding, "percent") == 0 && fd.offset == 24 &&
	    fd.length == 46, "percent-encoded secret key: its escaped span");
	fd = scan(sc, "url?k=sk_live_8A80wmLLA8rhz303f9yl9bHg%26x");
	ok(fd.n == 1 && fd.encoding[0] == '\0',
	    "escapes elsewhere on the line: reported once, plain");
	/* Random base64 decodes to binary: nothing, no crash. */
	snprintf(line, sizeof line, "QUtJQ%s",
	    "+lPEGX1VZAPVt5gIwyV//GLVO3Yor3c+qjjP/c7JFZER2CEyo+EY2nzmx5g2h2R");
	fd = scan(sc, line);
	ok(fd.n == 0, "random base64 after a literal: nothing");
	scanner_free(sc);
	return tap_done();
}
