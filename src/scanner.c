/*
 * The scan engine: prefilter, patterns, checks, findings. See scanner.h.
 *
 * Per line: the Aho-Corasick prefilter marks the rules whose keywords occur;
 * only those patterns run (JIT-compiled when the system allows it). Every
 * match is checked (entropy floor, validator, allowlists); a span claimed by
 * an earlier rule in the table, valid or not, hides later overlapping
 * matches so a generic rule never re-reports what a specific rule judged.
 */
#include "autoconf.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "awskeyid.h"
#include "log.h"
#include "scanner.h"
#include "scanner_decode.h"
#include "scanner_int.h"
#include "util.h"
#include "xmalloc.h"

#define SPANS_MAX	64	/* matches kept per line window */
#define MATCHES_PER_RULE 32
#define PEM_LINES_MAX	400	/* body lines followed before giving up */
#define PEM_MIN_B64	64	/* base64 bytes that make a key body */

/* A compiled gitleaks allowlist. */
struct allow_rt {
	int			 and, other;
	enum scanner_target	 target;
	pcre2_code		**re;
	size_t			 nre;
	char			**stop;
	size_t			 nstop;
};

struct scanner_rule {
	char			*id;
	pcre2_code		*re;
	double			 entropy;
	unsigned int		 prefix;
	enum scanner_validator	 validator;
	unsigned int		 flags;
	int			 secret_group;	/* SCANNER_F_GITLEAKS */
	struct allow_rt		*allow;
	size_t			 nallow;
};

struct span {
	size_t		rule, off, len;
	int		valid;
};

/* Buffers of one level of decoding (scanner_decode.h). */
struct decode_level {
	unsigned char	 b64[SCANNER_DECODE_B64_MAX];
	char		 pct[SCANNER_DECODE_PCT_MAX];
	uint32_t	 map[SCANNER_DECODE_PCT_MAX + 1];
};

struct scanner {
	struct scanner_rule	*rules;
	size_t			 nrules;
	size_t			 private_key_rule;
	char			**keywords;	/* every rule's, for scanner_keywords */
	size_t			 nkeywords;
	struct scanner_ac	*ac;
	uint64_t		*hits;
	pcre2_match_data	*md;
	pcre2_match_context	*mctx;
	pcre2_jit_stack		*jstack;
	int			 jit;
	pcre2_code		**allow_re;
	size_t			 nallow_re;
	struct allow_rt		*gallow;	/* gitleaks global allowlists */
	size_t			 ngallow;
	char			**allow_val;
	size_t			 nallow_val;
	unsigned char		 key[32];
	EVP_MAC			*mac;
	EVP_MAC_CTX		*macctx;
	struct span		 spans[SPANS_MAX];
	size_t			 nspans;
	size_t			 decode_rule;	/* prefilter bit: base64 text */
	int			 decode_hit;
	struct span		 plain[SPANS_MAX]; /* reported spans of the line */
	size_t			 nplain;
	struct decode_level	*dec;		/* SCANNER_DECODE_DEPTH */
	/* a multi-line PEM private key being followed */
	int			 pem_active;
	size_t			 pem_lines, pem_b64, pem_off, pem_len;
	char			 pem_redacted[64];
	EVP_MAC_CTX		*pem_mac;
};

static const char *const generic_prefixes[] = {
	"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "npm_",
	"glpat-", "sk_live_", "sk_test_", "rk_live_", "rk_test_", "pk_live_",
	"pk_test_", "sk-", "xox", "AKIA", "ASIA", "AIza", "hf_", "SG.", "EAAA",
	"shpat_", "shpss_", "shpca_", "shppa_", "hvs.", "hvb.", "pypi-", "eyJ",
	"key-", "HRKU-", "-----BEGIN", "ssh-", "AGPA", "AROA", "AIDA", NULL
};

static const char *const placeholder_words[] = {
	"xxxx", "****", "${", "$(", "{{", "<", ">", "your_", "your-",
	"yourkey", "your key", "changeme", "change_me", "placeholder",
	"redacted", "example", "dummy", "replace_me", "replaceme", "...",
	"insert_", "todo", "abcdefgh", NULL
};

static const char *const reference_prefixes[] = {
	"$", "%", "{", "[", "(", "#{", "arn:", "ssm:", "process.env",
	"os.environ", "os.getenv", "env.", "env:", "vault:", "secretsmanager",
	"secret:", "aws:", "!ref", "!sub", "@", "file:", "sm://", NULL
};

static const char *const weak_values[] = {
	"password", "passwd", "pass", "secret", "pwd", "null", "none", "nil",
	"true", "false", "undefined", "empty", "string", "changeme", "admin",
	"user", "username", "test", "token", "value", "hidden", "masked",
	"default", "root", "guest", "apikey", "api_key", "secretkey", NULL
};

static int
has_prefix(const char *s, size_t len, const char *p)
{
	size_t	n = strlen(p);

	return len >= n && memcmp(s, p, n) == 0;
}

static int
has_prefix_ci(const char *s, size_t len, const char *p)
{
	size_t	n = strlen(p);

	return len >= n && strncasecmp(s, p, n) == 0;
}

static int
contains_ci(const char *s, size_t len, const char *w)
{
	size_t		n = strlen(w), i;
	unsigned char	c0, c;

	if (n > len || n == 0)
		return n == 0;
	/* The first byte inline: strncasecmp only where it can match. */
	c0 = (unsigned char)w[0] | 0x20;
	for (i = 0; i + n <= len; i++) {
		c = (unsigned char)s[i];
		if ((c | 0x20) == c0 && strncasecmp(s + i, w, n) == 0)
			return 1;
	}
	return 0;
}

/* log2 without libm: exponent by halving, then 2 atanh((m-1)/(m+1)). */
static double
xlog2(double x)
{
	double	z, z2, t, s = 0;
	int	e = 0, k;

	if (x <= 0)
		return 0;
	while (x >= 2) {
		x /= 2;
		e++;
	}
	while (x < 1) {
		x *= 2;
		e--;
	}
	z = (x - 1) / (x + 1);
	z2 = z * z;
	t = z;
	for (k = 1; k < 24; k += 2) {
		s += t / k;
		t *= z2;
	}
	return e + 2 * s / 0.69314718055994530942;
}

double
scanner_entropy(const char *s, size_t len)
{
	size_t	count[256], i;
	double	h = 0, p;

	if (len == 0)
		return 0;
	memset(count, 0, sizeof count);
	for (i = 0; i < len; i++)
		count[(unsigned char)s[i]]++;
	for (i = 0; i < 256; i++) {
		if (count[i] == 0)
			continue;
		p = (double)count[i] / (double)len;
		h -= p * xlog2(p);
	}
	return h;
}

static uint32_t
crc32_bytes(const char *s, size_t len)
{
	uint32_t	crc = 0xffffffffu;
	size_t		i;
	int		k;

	for (i = 0; i < len; i++) {
		crc ^= (unsigned char)s[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* GitHub classic / npm: body of 30 + base62(CRC32(body)) in 6 chars. */
static int
valid_crc32_b62(const char *s, size_t len, size_t prefix)
{
	static const char	b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz";
	char			want[6];
	uint32_t		crc;
	int			i;

	if (len != prefix + 36)
		return 0;
	crc = crc32_bytes(s + prefix, 30);
	for (i = 5; i >= 0; i--) {
		want[i] = b62[crc % 62];
		crc /= 62;
	}
	return memcmp(want, s + prefix + 30, 6) == 0;
}

/* Standard or URL-safe base64, padding ignored; -1 if bad or too long. */
static ssize_t
b64_decode(const char *s, size_t len, unsigned char *out, size_t outlen)
{
	uint32_t	acc = 0;
	size_t		i, o = 0;
	int		bits = 0, v;

	for (i = 0; i < len; i++) {
		if (s[i] == '=')
			break;
		if ((v = scanner_decode_b64_value((unsigned char)s[i])) < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == outlen)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return (ssize_t)o;
}

static int	valid_jwt(const char *, size_t);

/* Base64 of a JWT: the decoded text must be one (a bounded prefix). */
static int
valid_jwt_b64(const char *s, size_t len)
{
	unsigned char	dec[1024];
	ssize_t		n;
	int		ok;

	n = b64_decode(s, len > 1360 ? 1360 : len, dec, sizeof dec);
	ok = n > 20 && memchr(dec, '.', (size_t)n) != NULL &&
	    valid_jwt((char *)dec, (size_t)n);
	util_wipe(dec, sizeof dec);
	return ok;
}

static int
valid_jwt(const char *s, size_t len)
{
	unsigned char	hdr[512];
	const char	*dot;
	ssize_t		n;
	int		ok;

	if ((dot = memchr(s, '.', len)) == NULL)
		return 0;
	n = b64_decode(s, (size_t)(dot - s), hdr, sizeof hdr);
	ok = n > 6 && hdr[0] == '{' && contains_ci((char *)hdr, (size_t)n,
	    "\"alg\"");
	return ok;
}

/* Free-form values (passwords, generic keys): no references, no fillers. */
static int
plausible_value(const char *s, size_t len, int generic)
{
	size_t	i;
	int	same = 1;

	for (i = 0; reference_prefixes[i] != NULL; i++)
		if (has_prefix_ci(s, len, reference_prefixes[i]))
			return 0;
	if (contains_ci(s, len, "secretsmanager") ||
	    contains_ci(s, len, "resolve:") || contains_ci(s, len, "getenv") ||
	    contains_ci(s, len, "os.environ"))
		return 0;
	for (i = 0; weak_values[i] != NULL; i++)
		if (strlen(weak_values[i]) == len &&
		    strncasecmp(s, weak_values[i], len) == 0)
			return 0;
	if (generic)
		for (i = 0; generic_prefixes[i] != NULL; i++)
			if (has_prefix(s, len, generic_prefixes[i]))
				return 0;
	for (i = 1; i < len; i++)
		if (s[i] != s[0])
			same = 0;
	return !same;
}

static int
valid_basic(const char *s, size_t len)
{
	unsigned char	dec[256];
	ssize_t		n, i, colon = -1;
	int		ok = 0;

	n = b64_decode(s, len, dec, sizeof dec);
	if (n < 3)
		goto out;
	for (i = 0; i < n; i++) {
		if (dec[i] < 0x20 || dec[i] >= 0x7f)
			goto out;
		if (dec[i] == ':' && colon < 0)
			colon = i;
	}
	if (colon < 1 || colon == n - 1)
		goto out;
	ok = plausible_value((char *)dec + colon + 1, (size_t)(n - colon - 1),
	    0);
	for (i = 0; placeholder_words[i] != NULL && ok; i++)
		if (contains_ci((char *)dec + colon + 1,
		    (size_t)(n - colon - 1), placeholder_words[i]))
			ok = 0;
out:
	util_wipe(dec, sizeof dec);
	return ok;
}

static int
mixed_classes(const char *s, size_t len)
{
	int	up = 0, lo = 0, di = 0;
	size_t	i;

	for (i = 0; i < len; i++) {
		if (s[i] >= 'A' && s[i] <= 'Z')
			up = 1;
		else if (s[i] >= 'a' && s[i] <= 'z')
			lo = 1;
		else if (s[i] >= '0' && s[i] <= '9')
			di = 1;
	}
	return up + lo + di >= 2;
}

static int
has_digit(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (s[i] >= '0' && s[i] <= '9')
			return 1;
	return 0;
}

/* Telegram bot token: 5 to 16 digits of bot id, ':', 'A' and 34 more. */
static int
valid_telegram(const char *s, size_t len)
{
	const char	*c = memchr(s, ':', len);
	size_t		 id;

	if (c == NULL)
		return 0;
	id = (size_t)(c - s);
	return id >= 5 && id <= 16 && len == id + 36 && c[1] == 'A';
}

/* 1 if s is one of the known public sample keys (by SHA-256). */
static int
known_sample(const char *s, size_t len)
{
	static const char	hex[] = "0123456789abcdef";
	unsigned char		md[32];
	char			txt[65];
	unsigned int		mdlen = 0;
	size_t			i;

	if (len < 20 || len > 64)
		return 0;
	if (!EVP_Digest(s, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return 0;
	for (i = 0; i < 32; i++) {
		txt[2 * i] = hex[md[i] >> 4];
		txt[2 * i + 1] = hex[md[i] & 15];
	}
	txt[64] = '\0';
	for (i = 0; scanner_known_samples[i] != NULL; i++)
		if (strcmp(txt, scanner_known_samples[i]) == 0)
			break;
	util_wipe(md, sizeof md);
	util_wipe(txt, sizeof txt);
	return scanner_known_samples[i] != NULL;
}

/* 1 if the secret is allowlisted (documentation key, placeholder...). */
static int
allowed(struct scanner *sc, const char *s, size_t len)
{
	size_t	i;
	int	rc;

	if (memmem(s, len, "EXAMPLE", 7) != NULL)
		return 1;
	if (known_sample(s, len))
		return 1;
	for (i = 0; placeholder_words[i] != NULL; i++)
		if (contains_ci(s, len, placeholder_words[i]))
			return 1;
	for (i = 0; i < sc->nallow_val; i++)
		if (strlen(sc->allow_val[i]) == len &&
		    memcmp(sc->allow_val[i], s, len) == 0)
			return 1;
	for (i = 0; i < sc->nallow_re; i++) {
		rc = pcre2_match(sc->allow_re[i], (PCRE2_SPTR)s, len, 0, 0,
		    sc->md, sc->mctx);
		if (rc >= 0)
			return 1;
	}
	return 0;
}

static size_t
pem_header_len(const char *s, size_t len)
{
	const char	*p;

	if (!has_prefix(s, len, "-----BEGIN"))
		return 0;
	p = memmem(s + 10, len - 10, "-----", 5);
	return p == NULL ? 0 : (size_t)(p - s) + 5;
}

static int
check_secret(struct scanner *sc, const struct scanner_rule *r,
    const char *s, size_t len)
{
	size_t	body = r->prefix < len ? r->prefix : 0;
	double	e = 0;

	if (allowed(sc, s, len))
		return 0;
	if (r->entropy > 0 && (e = scanner_entropy(s + body, len - body)) <
	    r->entropy)
		return 0;
	if ((r->flags & SCANNER_F_GITLEAKS) && r->entropy > 0 &&
	    e <= r->entropy)
		return 0;	/* gitleaks: the entropy must exceed it */
	if ((r->flags & SCANNER_F_MIXED) && !mixed_classes(s, len))
		return 0;
	if ((r->flags & SCANNER_F_DIGIT) && !has_digit(s, len))
		return 0;
	switch (r->validator) {
	case SCANNER_V_CRC32_B62:
		return valid_crc32_b62(s, len, r->prefix);
	case SCANNER_V_JWT:
		return valid_jwt(s, len);
	case SCANNER_V_JWT_B64:
		return valid_jwt_b64(s, len);
	case SCANNER_V_TELEGRAM:
		return valid_telegram(s, len);
	case SCANNER_V_BASIC:
		return valid_basic(s, len);
	case SCANNER_V_PASSWORD:
		return plausible_value(s, len, r->flags & SCANNER_F_GENERIC);
	case SCANNER_V_NONE:
		break;
	}
	return 1;
}

static void
fingerprint(struct scanner *sc, const char *id, const char *s, size_t len,
    unsigned char out[32])
{
	OSSL_PARAM	params[2];
	size_t		outl = 0;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	memset(out, 0, 32);
	if (!EVP_MAC_init(sc->macctx, sc->key, sizeof sc->key, params) ||
	    !EVP_MAC_update(sc->macctx, (const unsigned char *)id,
	    strlen(id) + 1) ||
	    !EVP_MAC_update(sc->macctx, (const unsigned char *)s, len) ||
	    !EVP_MAC_final(sc->macctx, out, &outl, 32))
		fatal("scanner: HMAC-SHA256 failed");
}

static int
emit(struct scanner *sc, size_t rule, const char *line, size_t off,
    size_t len, size_t base, scanner_cb cb, void *arg)
{
	struct scanner_finding	 f;
	const struct scanner_rule *r = &sc->rules[rule];
	const char		*s = line + off;
	size_t			 keep = r->prefix;
	int			 rc;

	memset(&f, 0, sizeof f);
	f.rule = r->id;
	f.offset = base + off;
	f.length = len;
	if (rule == sc->private_key_rule)
		keep = pem_header_len(s, len);
	log_redact(s, len, keep, f.redacted, sizeof f.redacted);
	fingerprint(sc, r->id, s, len, f.fingerprint);
	if (strcmp(r->id, "aws-access-key-id") == 0)
		(void)awskeyid_account(s, len, f.aws_account);
	rc = cb(&f, arg);
	util_wipe(&f, sizeof f);
	return rc;
}

static int
span_overlaps(const struct scanner *sc, size_t off, size_t len)
{
	size_t	i;

	for (i = 0; i < sc->nspans; i++)
		if (off < sc->spans[i].off + sc->spans[i].len &&
		    sc->spans[i].off < off + len)
			return 1;
	return 0;
}

/* 1 if a gitleaks allowlist lets this finding go. */
static int
allow_hit(struct scanner *sc, const struct allow_rt *a, const char *line,
    size_t linelen, size_t moff, size_t mlen, const char *s, size_t slen)
{
	const char	*t = s;
	size_t		 tl = slen, i;
	int		 re_hit = 0, stop_hit = 0;

	if (a->target == SCANNER_T_MATCH) {
		t = line + moff;
		tl = mlen;
	} else if (a->target == SCANNER_T_LINE) {
		t = line;
		tl = linelen;
	}
	for (i = 0; i < a->nre && !re_hit; i++)
		re_hit = pcre2_match(a->re[i], (PCRE2_SPTR)t, tl, 0, 0, sc->md,
		    sc->mctx) >= 0;
	for (i = 0; i < a->nstop && !stop_hit; i++)
		stop_hit = contains_ci(s, slen, a->stop[i]);
	if (a->and)
		return !a->other && (a->nre == 0 || re_hit) &&
		    (a->nstop == 0 || stop_hit);
	return re_hit || stop_hit;
}

static int
gitleaks_allowed(struct scanner *sc, const struct scanner_rule *r,
    const char *line, size_t linelen, size_t moff, size_t mlen, size_t off,
    size_t slen)
{
	size_t	i;

	for (i = 0; i < sc->ngallow; i++)
		if (allow_hit(sc, &sc->gallow[i], line, linelen, moff, mlen,
		    line + off, slen))
			return 1;
	for (i = 0; i < r->nallow; i++)
		if (allow_hit(sc, &r->allow[i], line, linelen, moff, mlen,
		    line + off, slen))
			return 1;
	return 0;
}

/* gitleaks: secretGroup, else the first non-empty group, else the match. */
static void
gitleaks_group(const struct scanner_rule *r, const PCRE2_SIZE *ov, int rc,
    PCRE2_SIZE *off, PCRE2_SIZE *slen)
{
	int	g;

	*off = ov[0];
	*slen = ov[1] - ov[0];
	if (r->secret_group > 0) {
		g = r->secret_group;
		if (g < rc && ov[2 * g] != PCRE2_UNSET) {
			*off = ov[2 * g];
			*slen = ov[2 * g + 1] - ov[2 * g];
		} else
			*slen = 0;	/* the group did not take part */
		return;
	}
	for (g = 1; g < rc; g++)
		if (ov[2 * g] != PCRE2_UNSET && ov[2 * g + 1] > ov[2 * g]) {
			*off = ov[2 * g];
			*slen = ov[2 * g + 1] - ov[2 * g];
			return;
		}
}

static void
run_rule(struct scanner *sc, size_t rule, const char *buf, size_t len)
{
	const struct scanner_rule *r = &sc->rules[rule];
	PCRE2_SIZE	*ov, start = 0, off, slen, moff, mlen;
	int		 rc, n = 0;
	struct span	*sp;

	while (start <= len && n++ < MATCHES_PER_RULE &&
	    sc->nspans < SPANS_MAX) {
		rc = pcre2_match(r->re, (PCRE2_SPTR)buf, len, start, 0, sc->md,
		    sc->mctx);
		if (rc < 0)
			return;	/* no match, or a match limit: next rule */
		ov = pcre2_get_ovector_pointer(sc->md);
		moff = ov[0];
		mlen = ov[1] - ov[0];
		if (r->flags & SCANNER_F_GITLEAKS)
			gitleaks_group(r, ov, rc, &off, &slen);
		else if (rc >= 2 && ov[2] != PCRE2_UNSET) {
			off = ov[2];
			slen = ov[3] - ov[2];
		} else {
			off = ov[0];
			slen = ov[1] - ov[0];
		}
		start = ov[1] > start ? ov[1] : start + 1;
		if (slen == 0 || span_overlaps(sc, off, slen))
			continue;
		sp = &sc->spans[sc->nspans++];
		sp->rule = rule;
		sp->off = off;
		sp->len = slen;
		sp->valid = check_secret(sc, r, buf + off, slen);
		if (sp->valid && (sc->ngallow > 0 || r->nallow > 0) &&
		    gitleaks_allowed(sc, r, buf, len, moff, mlen, off, slen))
			sp->valid = 0;
	}
}

/*
 * An inline marker: the line's author says its match is not a secret
 * (gitleaks's marker is honoured too, so annotated code scans alike).
 */
static int
allow_marker(const char *buf, size_t len)
{
	return memmem(buf, len, "cwguard:allow", 13) != NULL ||
	    memmem(buf, len, "gitleaks:allow", 14) != NULL;
}

/*
 * Scans buf[0..len) (a window of a line starting at byte base); reports
 * the findings that start before limit. Returns the count or -1.
 */
static int
scan_window(struct scanner *sc, const char *buf, size_t len, size_t base,
    size_t limit, int *pem_begin, scanner_cb cb, void *arg)
{
	size_t	words = scanner_ac_words(sc->ac), w, i, j, rule;
	struct span tmp;
	int	count = 0, pk_seen = 0, marked = -1;

	sc->nspans = 0;
	sc->decode_hit = 0;
	memset(sc->hits, 0, words * sizeof *sc->hits);
	if (!scanner_ac_scan(sc->ac, buf, len, sc->hits))
		return 0;
	for (w = 0; w < words; w++) {
		while (sc->hits[w] != 0) {
			rule = w * 64 + (size_t)__builtin_ctzll(sc->hits[w]);
			sc->hits[w] &= sc->hits[w] - 1;
			if (rule < sc->nrules)
				run_rule(sc, rule, buf, len);
			else if (rule == sc->decode_rule)
				sc->decode_hit = 1;
			if (rule == sc->private_key_rule)
				pk_seen = 1;
		}
	}
	/* Report in line order. */
	for (i = 1; i < sc->nspans; i++)
		for (j = i; j > 0 && sc->spans[j - 1].off > sc->spans[j].off;
		    j--) {
			tmp = sc->spans[j];
			sc->spans[j] = sc->spans[j - 1];
			sc->spans[j - 1] = tmp;
		}
	for (i = 0; i < sc->nspans; i++) {
		if (sc->spans[i].rule == sc->private_key_rule)
			pk_seen = 2;
		if (!sc->spans[i].valid || sc->spans[i].off >= limit)
			continue;
		/* Looked for only when there is something to report. */
		if (marked == -1)
			marked = allow_marker(buf, len);
		if (marked)
			break;
		if (emit(sc, sc->spans[i].rule, buf, sc->spans[i].off,
		    sc->spans[i].len, base, cb, arg) != 0)
			return -1;
		count++;
	}
	if (pem_begin != NULL)
		*pem_begin = pk_seen == 1;
	return count;
}

static void
pem_stop(struct scanner *sc)
{
	sc->pem_active = 0;
	sc->pem_lines = sc->pem_b64 = 0;
}

/* Reports the pending key if it had a body; resets. */
static int
pem_report(struct scanner *sc, scanner_cb cb, void *arg)
{
	struct scanner_finding	f;
	size_t			outl = 0;
	int			rc = 0;

	if (sc->pem_active && sc->pem_b64 >= PEM_MIN_B64) {
		memset(&f, 0, sizeof f);
		f.rule = sc->rules[sc->private_key_rule].id;
		f.lines_back = sc->pem_lines;
		f.offset = sc->pem_off;
		f.length = sc->pem_len;
		memcpy(f.redacted, sc->pem_redacted, sizeof f.redacted);
		if (!EVP_MAC_final(sc->pem_mac, f.fingerprint, &outl, 32))
			fatal("scanner: HMAC-SHA256 failed");
		rc = cb(&f, arg) != 0 ? -1 : 1;
		util_wipe(&f, sizeof f);
	}
	pem_stop(sc);
	return rc;
}

static int
is_b64_line(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > 128)
		return 0;
	for (i = 0; i < len; i++)
		if (scanner_decode_b64_value((unsigned char)s[i]) < 0 &&
		    s[i] != '=')
			return 0;
	return 1;
}

/* Feeds one line to a pending multi-line key. Returns 0, 1 or -1. */
static int
pem_feed(struct scanner *sc, const char *line, size_t len, scanner_cb cb,
    void *arg)
{
	size_t	a = 0, b = len;

	while (a < b && (line[a] == ' ' || line[a] == '\t'))
		a++;
	while (b > a && (line[b - 1] == ' ' || line[b - 1] == '\t'))
		b--;
	sc->pem_lines++;
	if (memmem(line + a, b - a, "-----END", 8) != NULL)
		return pem_report(sc, cb, arg);
	if (is_b64_line(line + a, b - a)) {
		sc->pem_b64 += b - a;
		if (!EVP_MAC_update(sc->pem_mac,
		    (const unsigned char *)line + a, b - a))
			fatal("scanner: HMAC-SHA256 failed");
	} else if (!(a == b || has_prefix(line + a, b - a, "Proc-Type:") ||
	    has_prefix(line + a, b - a, "DEK-Info:") ||
	    (sc->pem_b64 == 0 && (has_prefix(line + a, b - a, "Version:") ||
	    has_prefix(line + a, b - a, "Comment:") ||
	    has_prefix(line + a, b - a, "Charset:"))))) {
		/* Not a key body line: the block ended without END. */
		sc->pem_lines--;
		return pem_report(sc, cb, arg);
	}
	if (sc->pem_lines >= PEM_LINES_MAX)
		return pem_report(sc, cb, arg);
	return 0;
}

/* A BEGIN ... PRIVATE KEY----- header that ends the line starts a block. */
static void
pem_start(struct scanner *sc, const char *line, size_t len)
{
	OSSL_PARAM	 params[2];
	const char	*p, *q, *id;
	size_t		 end = len;

	while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t' ||
	    line[end - 1] == '"' || line[end - 1] == '\''))
		end--;
	/* PEM, or an OpenPGP armored private key block. */
	if ((end < 16 || memcmp(line + end - 16, "PRIVATE KEY-----", 16) != 0) &&
	    (end < 22 ||
	    memcmp(line + end - 22, "PRIVATE KEY BLOCK-----", 22) != 0))
		return;
	for (p = NULL, q = line; (q = memmem(q, (size_t)(line + end - q),
	    "-----BEGIN", 10)) != NULL; q++)
		p = q;
	if (p == NULL)
		return;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	id = sc->rules[sc->private_key_rule].id;
	if (!EVP_MAC_init(sc->pem_mac, sc->key, sizeof sc->key, params) ||
	    !EVP_MAC_update(sc->pem_mac, (const unsigned char *)id,
	    strlen(id) + 1))
		fatal("scanner: HMAC-SHA256 failed");
	sc->pem_active = 1;
	sc->pem_lines = sc->pem_b64 = 0;
	sc->pem_off = (size_t)(p - line);
	sc->pem_len = (size_t)(line + end - p);
	log_redact(p, sc->pem_len, sc->pem_len, sc->pem_redacted,
	    sizeof sc->pem_redacted);
}

/* A finding inside decoded text, reported against the encoded line. */
struct decode_map {
	scanner_cb	 cb;
	void		*arg;
	const char	*encoding;
	size_t		 off, len;	/* base64: the run */
	const uint32_t	*map;		/* percent: decoded to line offsets */
	size_t		 maplen;
	struct scanner	*plain;		/* depth 0: the plain pass's spans */
};

static int
plain_overlaps(const struct scanner *sc, size_t off, size_t len)
{
	size_t	i;

	for (i = 0; i < sc->nplain; i++)
		if (off < sc->plain[i].off + sc->plain[i].len &&
		    sc->plain[i].off < off + len)
			return 1;
	return 0;
}

static int
decode_report(const struct scanner_finding *f, void *arg)
{
	struct decode_map	*m = arg;
	struct scanner_finding	 g = *f;
	size_t			 a, b;
	int			 rc;

	if (m->map != NULL) {
		if (f->offset + f->length > m->maplen)
			return 0;
		a = m->map[f->offset];
		b = m->map[f->offset + f->length];
		if (b - a == f->length)
			return 0;	/* no escape in it: reported plain */
		if (m->plain != NULL && plain_overlaps(m->plain, a, b - a))
			return 0;	/* the same secret, found escaped */
		g.offset = a;
		g.length = b - a;
	} else {
		g.offset = m->off;
		g.length = m->len;
	}
	g.encoding = m->encoding;
	rc = m->cb(&g, m->arg);
	util_wipe(&g, sizeof g);
	return rc;
}

/*
 * Scans the decoded base64 runs and percent escapes of buf, at most
 * SCANNER_DECODE_DEPTH levels deep. Returns the findings or -1.
 */
static int
decode_line(struct scanner *sc, const char *buf, size_t len, int depth,
    scanner_cb cb, void *arg)
{
	struct decode_level	*dl;
	struct decode_map	 m;
	size_t			 pos = 0, off, slen, dlen, nseg = 0, esc;
	int			 n, total = 0;

	if (depth >= SCANNER_DECODE_DEPTH)
		return 0;
	dl = &sc->dec[depth];
	while (nseg++ < SCANNER_DECODE_SEGMENTS &&
	    scanner_decode_next_b64(buf, len, &pos, &off, &slen)) {
		dlen = scanner_decode_b64(buf + off, slen, dl->b64,
		    sizeof dl->b64);
		if (!scanner_decode_text_like(dl->b64, dlen))
			continue;
		memset(&m, 0, sizeof m);
		m.cb = cb;
		m.arg = arg;
		m.encoding = "base64";
		m.off = off;
		m.len = slen;
		if ((n = scan_window(sc, (const char *)dl->b64, dlen, 0, dlen,
		    NULL, decode_report, &m)) < 0)
			goto stop;
		total += n;
		if ((n = decode_line(sc, (const char *)dl->b64, dlen,
		    depth + 1, decode_report, &m)) < 0)
			goto stop;
		total += n;
		util_wipe(dl->b64, dlen);
	}
	if (memchr(buf, '%', len) != NULL) {
		dlen = scanner_decode_percent(buf, len, dl->pct, dl->map,
		    sizeof dl->pct, &esc);
		if (esc > 0) {
			memset(&m, 0, sizeof m);
			m.cb = cb;
			m.arg = arg;
			m.encoding = "percent";
			m.map = dl->map;
			m.maplen = dlen;
			m.plain = depth == 0 ? sc : NULL;
			if ((n = scan_window(sc, dl->pct, dlen, 0, dlen, NULL,
			    decode_report, &m)) < 0)
				goto stop;
			total += n;
			if ((n = decode_line(sc, dl->pct, dlen, depth + 1,
			    decode_report, &m)) < 0)
				goto stop;
			total += n;
		}
		util_wipe(dl->pct, dlen);
	}
	return total;
stop:
	util_wipe(dl, sizeof *dl);
	return -1;
}

int
scanner_scan_line(struct scanner *sc, const char *line, size_t len,
    scanner_cb cb, void *arg)
{
	size_t	start, wlen, step = SCANNER_CHUNK_MAX - SCANNER_CHUNK_OVERLAP, i;
	int	n, total = 0, pem_begin = 0;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (sc->pem_active) {
		if ((n = pem_feed(sc, line, len, cb, arg)) < 0)
			return -1;
		total += n;
		if (sc->pem_active)
			return total;	/* a body line holds nothing else */
	}
	if (len <= SCANNER_CHUNK_MAX) {
		if ((n = scan_window(sc, line, len, 0, len, &pem_begin, cb,
		    arg)) < 0)
			return -1;
		if (pem_begin)
			pem_start(sc, line, len);
		total += n;
		/* Encoded text: a prefilter hit on a wrapped prefix, or '%'. */
		if ((sc->decode_hit || memchr(line, '%', len) != NULL) &&
		    !allow_marker(line, len)) {
			sc->nplain = 0;
			for (i = 0; i < sc->nspans; i++)
				if (sc->spans[i].valid)
					sc->plain[sc->nplain++] = sc->spans[i];
			if ((n = decode_line(sc, line, len, 0, cb, arg)) < 0)
				return -1;
			total += n;
		}
		return total;
	}
	for (start = 0; start < len; start += step) {
		wlen = len - start;
		if (wlen > SCANNER_CHUNK_MAX)
			wlen = SCANNER_CHUNK_MAX;
		/* Matches starting in the overlap belong to the next window. */
		n = scan_window(sc, line + start, wlen, start,
		    start + wlen == len ? wlen : step, NULL, cb, arg);
		if (n < 0)
			return -1;
		total += n;
		if (start + wlen == len)
			break;
	}
	return total;
}

size_t
scanner_skip(struct scanner *sc, const char *buf, size_t len)
{
	const char	*nl;
	size_t		 off;

	if (sc->pem_active)
		return 0;
	if ((off = scanner_ac_first(sc->ac, buf, len)) >= len)
		return len;
	nl = off > 0 ? memrchr(buf, '\n', off) : NULL;
	return nl == NULL ? 0 : (size_t)(nl - buf) + 1;
}

int
scanner_prefilter_impl(struct scanner *sc, int want)
{
	return scanner_ac_impl(sc->ac, want);
}

int
scanner_finish(struct scanner *sc, scanner_cb cb, void *arg)
{
	return pem_report(sc, cb, arg);
}

void
scanner_reset(struct scanner *sc)
{
	pem_stop(sc);
}

void
scanner_set_key(struct scanner *sc, const unsigned char key[32])
{
	memcpy(sc->key, key, sizeof sc->key);
}

int
scanner_jit(const struct scanner *sc)
{
	return sc->jit;
}

void
scanner_keywords(const struct scanner *sc,
    void (*cb)(const char *, void *), void *arg)
{
	size_t	i;

	for (i = 0; i < sc->nkeywords; i++)
		cb(sc->keywords[i], arg);
}

size_t
scanner_rule_count(const struct scanner *sc)
{
	return sc->nrules;
}

const char *
scanner_rule_id(const struct scanner *sc, size_t i)
{
	return i < sc->nrules ? sc->rules[i].id : NULL;
}

static pcre2_code *
compile(const char *pattern, int *jit, char *err, size_t errlen)
{
	pcre2_code	*re;
	PCRE2_UCHAR	 msg[256];
	PCRE2_SIZE	 eoff;
	int		 ecode;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0,
	    &ecode, &eoff, NULL);
	if (re == NULL) {
		pcre2_get_error_message(ecode, msg, sizeof msg);
		snprintf(err, errlen, "%s at offset %zu", (char *)msg,
		    (size_t)eoff);
		return NULL;
	}
	/* No executable memory (e.g. MDWE): the interpreter is used. */
	if (pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) != 0)
		*jit = 0;
	return re;
}

/* Compiles a gitleaks allowlist; 0 or -1 with err. */
static int
compile_allow(struct scanner *sc, const struct scanner_allowlist *a,
    struct allow_rt *out, char *err, size_t errlen)
{
	size_t	i;

	memset(out, 0, sizeof *out);
	out->and = a->and;
	out->other = a->other;
	out->target = a->target;
	out->re = xcalloc(a->nregexes + 1, sizeof *out->re);
	for (i = 0; i < a->nregexes; i++) {
		if ((out->re[i] = compile(a->regexes[i], &sc->jit, err,
		    errlen)) == NULL)
			return -1;
		out->nre++;
	}
	out->stop = xcalloc(a->nstopwords + 1, sizeof *out->stop);
	for (i = 0; i < a->nstopwords; i++)
		out->stop[out->nstop++] = xstrdup(a->stopwords[i]);
	return 0;
}

static void
allow_rt_cleanup(struct allow_rt *a)
{
	size_t	i;

	for (i = 0; i < a->nre; i++)
		pcre2_code_free(a->re[i]);
	free(a->re);
	for (i = 0; i < a->nstop; i++)
		free(a->stop[i]);
	free(a->stop);
}

static void
add_rule(struct scanner *sc, const struct scanner_rule_def *d, pcre2_code *re)
{
	struct scanner_rule	*r = &sc->rules[sc->nrules];
	size_t			 k;

	r->id = xstrdup(d->id);
	r->re = re;
	r->entropy = d->entropy;
	r->prefix = d->prefix;
	r->validator = d->validator;
	r->flags = d->flags;
	for (k = 0; k < SCANNER_KEYWORDS_MAX && d->keywords[k] != NULL; k++) {
		(void)scanner_ac_add(sc->ac, d->keywords[k],
		    strlen(d->keywords[k]), sc->nrules);
		sc->keywords = xreallocarray(sc->keywords, sc->nkeywords + 1,
		    sizeof *sc->keywords);
		sc->keywords[sc->nkeywords++] = xstrdup(d->keywords[k]);
	}
	sc->nrules++;
}

static void
add_decode_keyword(const char *kw, size_t len, void *arg)
{
	struct scanner	*sc = arg;
	char		*copy;

	if (scanner_ac_add(sc->ac, kw, len, sc->decode_rule) == -1)
		return;
	/* Exported too: a logs source's query must let such lines in. */
	copy = xmalloc(len + 1);
	memcpy(copy, kw, len);
	copy[len] = '\0';
	sc->keywords = xreallocarray(sc->keywords, sc->nkeywords + 1,
	    sizeof *sc->keywords);
	sc->keywords[sc->nkeywords++] = copy;
}

/* The gitleaks parts of the rule just added. */
static int
add_gitleaks(struct scanner *sc, const struct scanner_gitleaks_rule *g,
    char *err, size_t errlen)
{
	struct scanner_rule	*r = &sc->rules[sc->nrules - 1];
	char			 msg[300];
	size_t			 k;

	r->secret_group = g->secret_group;
	r->allow = xcalloc(g->nallow + 1, sizeof *r->allow);
	for (k = 0; k < g->nallow; k++) {
		if (compile_allow(sc, &g->allow[k], &r->allow[k], msg,
		    sizeof msg) == -1) {
			r->nallow = k + 1;
			snprintf(err, errlen, "rule %s: allowlist: %s", r->id,
			    msg);
			return -1;
		}
		r->nallow = k + 1;
	}
	return 0;
}

/* 1 if a built-in rule is left out by a gitleaks config's [extend]. */
static int
builtin_skipped(const struct scanner_rules *extra, const char *id)
{
	size_t	i;

	if (extra == NULL)
		return 0;
	if (extra->no_builtin)
		return 1;
	for (i = 0; i < extra->ndisabled; i++)
		if (strcmp(extra->disabled[i], id) == 0)
			return 1;
	return 0;
}

struct scanner *
scanner_new(const struct scanner_rules *extra, char *err, size_t errlen)
{
	struct scanner	*sc;
	size_t		 i, n, nextra = extra ? extra->nrules : 0, generic;
	pcre2_code	*re;
	char		 msg[300];

	sc = xcalloc(1, sizeof *sc);
	sc->jit = 1;
	n = scanner_builtin_count + nextra;
	sc->rules = xcalloc(n, sizeof *sc->rules);
	sc->ac = scanner_ac_new(n + 1);	/* and the decode bit */
	sc->dec = xcalloc(SCANNER_DECODE_DEPTH, sizeof *sc->dec);
	sc->private_key_rule = (size_t)-1;
	/* Built-in specific rules, then extra rules, then the generic ones. */
	for (generic = 0; generic < scanner_builtin_count; generic++)
		if (scanner_builtin[generic].flags & SCANNER_F_GENERIC)
			break;
	for (i = 0; i < generic; i++) {
		if (builtin_skipped(extra, scanner_builtin[i].id))
			continue;
		if ((re = compile(scanner_builtin[i].pattern, &sc->jit, msg,
		    sizeof msg)) == NULL) {
			snprintf(err, errlen, "built-in rule %s: %s",
			    scanner_builtin[i].id, msg);
			goto fail;
		}
		if (strcmp(scanner_builtin[i].id, "private-key") == 0)
			sc->private_key_rule = sc->nrules;
		add_rule(sc, &scanner_builtin[i], re);
	}
	for (i = 0; i < nextra; i++) {
		if ((re = compile(extra->rules[i].pattern, &sc->jit, msg,
		    sizeof msg)) == NULL) {
			snprintf(err, errlen, "rule %s: %s", extra->rules[i].id,
			    msg);
			goto fail;
		}
		add_rule(sc, &extra->rules[i], re);
		if (extra->gl != NULL && add_gitleaks(sc, &extra->gl[i], err,
		    errlen) == -1)
			goto fail;
	}
	for (i = generic; i < scanner_builtin_count; i++) {
		if (builtin_skipped(extra, scanner_builtin[i].id))
			continue;
		if ((re = compile(scanner_builtin[i].pattern, &sc->jit, msg,
		    sizeof msg)) == NULL) {
			snprintf(err, errlen, "built-in rule %s: %s",
			    scanner_builtin[i].id, msg);
			goto fail;
		}
		add_rule(sc, &scanner_builtin[i], re);
	}
	sc->decode_rule = sc->nrules;
	scanner_decode_keywords(add_decode_keyword, sc);
	scanner_ac_build(sc->ac);
	sc->hits = xcalloc(scanner_ac_words(sc->ac), sizeof *sc->hits);
	if (extra != NULL) {
		sc->allow_re = xcalloc(extra->nallow_patterns + 1,
		    sizeof *sc->allow_re);
		for (i = 0; i < extra->nallow_patterns; i++) {
			if ((re = compile(extra->allow_patterns[i], &sc->jit,
			    msg, sizeof msg)) == NULL) {
				snprintf(err, errlen, "allow pattern: %s", msg);
				goto fail;
			}
			sc->allow_re[sc->nallow_re++] = re;
		}
		sc->gallow = xcalloc(extra->nallowlists + 1,
		    sizeof *sc->gallow);
		for (i = 0; i < extra->nallowlists; i++) {
			sc->ngallow = i + 1;
			if (compile_allow(sc, &extra->allowlists[i],
			    &sc->gallow[i], msg, sizeof msg) == -1) {
				snprintf(err, errlen, "allowlist: %s", msg);
				goto fail;
			}
		}
		sc->allow_val = xcalloc(extra->nallow_values + 1,
		    sizeof *sc->allow_val);
		for (i = 0; i < extra->nallow_values; i++)
			sc->allow_val[sc->nallow_val++] =
			    xstrdup(extra->allow_values[i]);
	}
	sc->md = pcre2_match_data_create(10, NULL);
	sc->mctx = pcre2_match_context_create(NULL);
	if (sc->md == NULL || sc->mctx == NULL)
		fatal("scanner: out of memory");
	/* Bound the work a hostile line can cause in the interpreter. */
	pcre2_set_match_limit(sc->mctx, 200000);
	pcre2_set_depth_limit(sc->mctx, 10000);
	if (sc->jit) {
		sc->jstack = pcre2_jit_stack_create(32 * 1024, 512 * 1024,
		    NULL);
		if (sc->jstack != NULL)
			pcre2_jit_stack_assign(sc->mctx, NULL, sc->jstack);
	}
	if ((sc->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (sc->macctx = EVP_MAC_CTX_new(sc->mac)) == NULL ||
	    (sc->pem_mac = EVP_MAC_CTX_new(sc->mac)) == NULL) {
		snprintf(err, errlen, "HMAC-SHA256 is not available");
		goto fail;
	}
	return sc;
fail:
	scanner_free(sc);
	return NULL;
}

void
scanner_free(struct scanner *sc)
{
	size_t	i, k;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->nrules; i++) {
		free(sc->rules[i].id);
		pcre2_code_free(sc->rules[i].re);
		for (k = 0; k < sc->rules[i].nallow; k++)
			allow_rt_cleanup(&sc->rules[i].allow[k]);
		free(sc->rules[i].allow);
	}
	for (i = 0; i < sc->ngallow; i++)
		allow_rt_cleanup(&sc->gallow[i]);
	free(sc->gallow);
	free(sc->rules);
	for (i = 0; i < sc->nkeywords; i++)
		free(sc->keywords[i]);
	free(sc->keywords);
	for (i = 0; i < sc->nallow_re; i++)
		pcre2_code_free(sc->allow_re[i]);
	free(sc->allow_re);
	for (i = 0; i < sc->nallow_val; i++)
		util_free_secret(sc->allow_val[i]);
	free(sc->allow_val);
	scanner_ac_free(sc->ac);
	free(sc->hits);
	pcre2_match_data_free(sc->md);
	pcre2_match_context_free(sc->mctx);
	pcre2_jit_stack_free(sc->jstack);
	EVP_MAC_CTX_free(sc->macctx);
	EVP_MAC_CTX_free(sc->pem_mac);
	EVP_MAC_free(sc->mac);
	util_wipe(sc->key, sizeof sc->key);
	util_wipe(sc->spans, sizeof sc->spans);
	if (sc->dec != NULL)
		util_wipe(sc->dec, SCANNER_DECODE_DEPTH * sizeof *sc->dec);
	free(sc->dec);
	free(sc);
}
