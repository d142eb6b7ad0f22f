/*
 * Encoded segments of a line for the scanner (private to the scanner
 * module and its tests): base64 runs and percent escapes, decoded with
 * hard caps so that a wrapped secret is matched like a plain one.
 */
#ifndef CWG_SCANNER_DECODE_H
#define CWG_SCANNER_DECODE_H

#include <stddef.h>
#include <stdint.h>

#define SCANNER_DECODE_DEPTH	2	/* decodings nested in one another */
#define SCANNER_DECODE_B64_MIN	20	/* shorter runs are not decoded */
#define SCANNER_DECODE_B64_MAX	4096	/* nor longer ones */
#define SCANNER_DECODE_SEGMENTS	16	/* base64 runs decoded per line */
#define SCANNER_DECODE_PCT_MAX	16384	/* bytes of a line percent-decoded */
#define SCANNER_DECODE_TEXT_MIN	8	/* decoded bytes worth a look */
#define SCANNER_DECODE_KW_MAX	64

/*
 * Calls cb with each literal that the base64 encoding of a wrapped
 * prefix holds whatever its alignment (prefilter keywords).
 */
void	 scanner_decode_keywords(void (*cb)(const char *, size_t, void *),
	    void *);
/*
 * The next base64 run (standard or URL-safe alphabet, padding included)
 * of SCANNER_DECODE_B64_MIN to _MAX characters at or after *pos: 1 with
 * its place in *off, *seglen and *pos moved past it, or 0 at the end.
 */
int	 scanner_decode_next_b64(const char *, size_t len, size_t *pos,
	    size_t *off, size_t *seglen);
/* Decodes a run into out (at most outlen bytes); returns the bytes made. */
size_t	 scanner_decode_b64(const char *, size_t, unsigned char *out,
	    size_t outlen);
/* 1 if decoded bytes look like text (no NUL, >= 95 % printable). */
int	 scanner_decode_text_like(const unsigned char *, size_t);
/* The 6-bit value of a base64 or base64url character, or -1. */
int	 scanner_decode_b64_value(unsigned char);
/*
 * Percent-decodes s into out (at most outlen bytes); map (outlen + 1
 * entries) gets, for each decoded byte, the offset in s it came from, and
 * for the end the offset after the last byte used. *escapes counts the
 * %XX decoded. Returns the decoded length.
 */
size_t	 scanner_decode_percent(const char *s, size_t len, char *out,
	    uint32_t *map, size_t outlen, size_t *escapes);

#endif
