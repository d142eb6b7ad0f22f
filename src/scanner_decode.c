/*
 * Encoded segments of a line (see scanner_decode.h): base64 runs and
 * percent escapes, decoded into caller buffers with hard caps, so that the
 * scanner can look inside them. Pure functions, no state.
 *
 * The prefilter needs to know which lines may hold a wrapped secret: the
 * base64 text of a known prefix depends on its alignment in the encoded
 * data (3 cases), and for each the characters fully determined by the
 * prefix are a literal that every such encoding contains. Those literals
 * become prefilter keywords of their own (scanner_decode_keywords).
 */
#include "autoconf.h"

#include <stdint.h>
#include <string.h>

#include "scanner_decode.h"

/*
 * Case-exact prefixes of formats worth finding inside base64: the ones
 * that leak wrapped in Basic auth, Kubernetes secrets, env dumps, CI
 * variables and JSON blobs. Short enough a list that the prefilter stays
 * fast; the decoded text is then matched by every rule.
 */
static const char *const wrapped_prefixes[] = {
	"AKIA", "ASIA", "aws_secret_access_key", "AWS_SECRET_ACCESS_KEY",
	"ghp_", "gho_", "ghs_", "github_pat_", "glpat-", "sk_live_",
	"rk_live_", "xoxb-", "xoxp-", "npm_", "AIza", "-----BEGIN",
	"hooks.slack.com", "sk-ant-", "sk-proj-", "hf_", "pypi-", "shpat_",
	"hvs.", "eyJhbGci", NULL
};

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
scanner_decode_keywords(void (*cb)(const char *, size_t, void *), void *arg)
{
	char		 enc[SCANNER_DECODE_KW_MAX];
	unsigned char	 bytes[SCANNER_DECODE_KW_MAX];
	size_t		 i, len, s, nb, first, last, k, bit, n;
	unsigned int	 v;

	for (i = 0; wrapped_prefixes[i] != NULL; i++) {
		len = strlen(wrapped_prefixes[i]);
		for (s = 0; s < 3; s++) {
			/* s unknown bytes, then the prefix. */
			nb = s + len;
			if (nb > sizeof bytes)
				continue;
			memset(bytes, 0, s);
			memcpy(bytes + s, wrapped_prefixes[i], len);
			/* Sextets wholly inside the prefix's bits. */
			first = (8 * s + 5) / 6;
			last = (8 * nb) / 6;	/* exclusive */
			if (last <= first || last - first < 4)
				continue;
			n = 0;
			for (k = first; k < last && n + 1 < sizeof enc; k++) {
				bit = 6 * k;
				v = (unsigned int)bytes[bit / 8] << 8;
				if (bit / 8 + 1 < nb)
					v |= bytes[bit / 8 + 1];
				v = (v >> (10 - bit % 8)) & 0x3f;
				enc[n++] = b64_alphabet[v];
			}
			cb(enc, n, arg);
		}
	}
}

static int
b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '-' ||
	    c == '_';
}

int
scanner_decode_b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

int
scanner_decode_next_b64(const char *s, size_t len, size_t *pos,
    size_t *off, size_t *seglen)
{
	size_t	i = *pos, a, b;

	while (i < len) {
		while (i < len && !b64_char((unsigned char)s[i]))
			i++;
		a = i;
		while (i < len && b64_char((unsigned char)s[i]))
			i++;
		b = i;
		/* Padding belongs to the run; it never starts one. */
		while (i < len && i - b < 2 && s[i] == '=')
			i++;
		if (b - a >= SCANNER_DECODE_B64_MIN &&
		    b - a <= SCANNER_DECODE_B64_MAX) {
			*off = a;
			*seglen = i - a;
			*pos = i;
			return 1;
		}
	}
	*pos = len;
	return 0;
}

size_t
scanner_decode_b64(const char *s, size_t len, unsigned char *out,
    size_t outlen)
{
	uint32_t	acc = 0;
	size_t		i, o = 0;
	int		bits = 0, v;

	for (i = 0; i < len && o < outlen; i++) {
		if ((v = scanner_decode_b64_value((unsigned char)s[i])) < 0)
			break;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return o;
}

int
scanner_decode_text_like(const unsigned char *s, size_t len)
{
	size_t	i, printable = 0;

	if (len < SCANNER_DECODE_TEXT_MIN)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == 0)
			return 0;
		if ((s[i] >= 0x20 && s[i] < 0x7f) || s[i] == '\t' ||
		    s[i] == '\n' || s[i] == '\r')
			printable++;
	}
	/* Random bytes are ~37 % printable; text is all of it. */
	return printable * 100 >= len * 95;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t
scanner_decode_percent(const char *s, size_t len, char *out,
    uint32_t *map, size_t outlen, size_t *escapes)
{
	size_t	i = 0, o = 0;
	int	hi, lo;

	*escapes = 0;
	while (i < len && o < outlen) {
		if (s[i] == '%' && i + 2 < len &&
		    (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0) {
			map[o] = (uint32_t)i;
			out[o++] = (char)(hi << 4 | lo);
			(*escapes)++;
			i += 3;
		} else {
			map[o] = (uint32_t)i;
			out[o++] = s[i++];
		}
	}
	map[o] = (uint32_t)i;	/* where the decoded end maps */
	return o;
}
