#include "autoconf.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "aws_sigv4.h"
#include "buf.h"
#include "util.h"
#include "xmalloc.h"

#define SIGV4_ALGO		"AWS4-HMAC-SHA256"
#define SIGV4_MAX_CREQ		(256 * 1024)	/* canonical request cap */
#define SIGV4_MAX_PATH		(16 * 1024)
#define SIGV4_MAX_QUERY		(32 * 1024)
#define SIGV4_MAX_QUERY_PAIRS	1000
#define SIGV4_MAX_NAME		256
#define SIGV4_MAX_VALUE		(16 * 1024)
#define SIGV4_MAX_TOKEN		(8 * 1024)
#define SIGV4_MAX_SECRET	256

/* Headers botocore never signs (they may change in transit). */
static const char *const sigv4_unsigned[] = {
	"authorization", "connection", "expect", "keep-alive",
	"proxy-authenticate", "proxy-authorization", "te", "trailer",
	"transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
	"x-amz-date", NULL
};

struct sigv4_hdr {
	char	*name;		/* lower-case */
	char	*value;		/* canonical value */
	size_t	 order;		/* position in the request, for stable sort */
};

struct sigv4_pair {
	char	*name;		/* encoded */
	char	*value;		/* encoded */
};

static void
seterr(char *err, size_t errlen, const char *fmt, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, fmt, what);
}

static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '~';
}

/* RFC 7230 tchar. */
static int
is_tchar(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\v' || c == '\f';
}

/* A bounded string made only of bytes accepted by ok(). */
static int
check_str(const char *s, size_t min, size_t max, int (*ok)(unsigned char))
{
	size_t	i;

	if (s == NULL)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= max || !ok((unsigned char)s[i]))
			return -1;
	}
	return i < min ? -1 : 0;
}

static int
ok_scope(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.';
}

static int
ok_alnum(unsigned char c)
{
	return isalnum(c);
}

static int
ok_printable(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

static int
ok_method(unsigned char c)
{
	return isalpha(c) || c == '-';
}

static int
check_amz_date(const char *d)
{
	int	i;

	if (d == NULL || strlen(d) != 16)
		return -1;
	for (i = 0; i < 16; i++) {
		if (i == 8) {
			if (d[i] != 'T')
				return -1;
		} else if (i == 15) {
			if (d[i] != 'Z')
				return -1;
		} else if (!isdigit((unsigned char)d[i]))
			return -1;
	}
	return 0;
}

static int
check_date8(const char *d)
{
	int	i;

	if (d == NULL || strlen(d) != 8)
		return -1;
	for (i = 0; i < 8; i++)
		if (!isdigit((unsigned char)d[i]))
			return -1;
	return 0;
}

void
aws_sigv4_payload_hash(const void *p, size_t n, char out[AWS_SIGV4_HEX_LEN + 1])
{
	unsigned char	md[SHA256_DIGEST_LENGTH];

	SHA256(p != NULL ? p : (const void *)"", n, md);
	util_hex(md, sizeof md, out);
}

static int
hmac256(const void *key, size_t keylen, const void *msg, size_t len,
    unsigned char out[AWS_SIGV4_KEY_LEN])
{
	unsigned int	olen = 0;

	if (HMAC(EVP_sha256(), key, (int)keylen, msg, len, out, &olen) ==
	    NULL || olen != AWS_SIGV4_KEY_LEN)
		return -1;
	return 0;
}

int
aws_sigv4_signing_key(const char *secret, const char *date8,
    const char *region, const char *service,
    unsigned char out[AWS_SIGV4_KEY_LEN])
{
	char		ksecret[4 + SIGV4_MAX_SECRET + 1];
	unsigned char	k[AWS_SIGV4_KEY_LEN];
	size_t		slen;
	int		rc = -1;

	memset(out, 0, AWS_SIGV4_KEY_LEN);
	if (check_str(secret, 1, SIGV4_MAX_SECRET, ok_printable) == -1 ||
	    check_date8(date8) == -1 ||
	    check_str(region, 1, 64, ok_scope) == -1 ||
	    check_str(service, 1, 64, ok_scope) == -1)
		return -1;
	slen = strlen(secret);
	memcpy(ksecret, "AWS4", 4);
	memcpy(ksecret + 4, secret, slen);
	if (hmac256(ksecret, 4 + slen, date8, 8, k) == -1 ||
	    hmac256(k, sizeof k, region, strlen(region), k) == -1 ||
	    hmac256(k, sizeof k, service, strlen(service), k) == -1 ||
	    hmac256(k, sizeof k, "aws4_request", 12, out) == -1)
		goto fail;
	rc = 0;
fail:
	util_wipe(ksecret, sizeof ksecret);
	util_wipe(k, sizeof k);
	if (rc == -1)
		memset(out, 0, AWS_SIGV4_KEY_LEN);
	return rc;
}

int
aws_sigv4_uri_encode(struct buf *b, const char *s, size_t n, int keep_slash)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			i;
	unsigned char		c;
	char			esc[3];

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (is_unreserved(c) || (keep_slash && c == '/')) {
			if (buf_putc(b, (char)c) == -1)
				return -1;
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 15];
		if (buf_append(b, esc, 3) == -1)
			return -1;
	}
	return 0;
}

int
aws_sigv4_canonical_uri(struct buf *b, const char *path, char *err,
    size_t errlen)
{
	const char	*p, *seg, **stack = NULL;
	size_t		 n, i, len, seglen, nstack = 0;
	int		 rc = -1;

	if (path == NULL)
		path = "";
	len = strlen(path);
	if (len > SIGV4_MAX_PATH) {
		seterr(err, errlen, "%s", "path too long");
		return -1;
	}
	if (len > 0 && path[0] != '/') {
		seterr(err, errlen, "%s", "path does not start with '/'");
		return -1;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)path[i] < 0x20 || path[i] == 0x7f ||
		    path[i] == '?' || path[i] == '#') {
			seterr(err, errlen, "%s",
			    "path holds a control byte, '?' or '#'");
			return -1;
		}
	}
	/* Segments are pointers into path; at most len/2+1 of them. */
	stack = xcalloc(len / 2 + 2, sizeof *stack);
	for (p = path; *p != '\0'; p = seg + seglen) {
		while (*p == '/')
			p++;
		seg = p;
		seglen = strcspn(seg, "/");
		if (seglen == 0 || (seglen == 1 && seg[0] == '.'))
			continue;
		if (seglen == 2 && seg[0] == '.' && seg[1] == '.') {
			if (nstack > 0)
				nstack--;
			continue;
		}
		stack[nstack++] = seg;
	}
	if (buf_putc(b, '/') == -1)
		goto full;
	for (i = 0; i < nstack; i++) {
		n = strcspn(stack[i], "/");
		if (i > 0 && buf_putc(b, '/') == -1)
			goto full;
		if (aws_sigv4_uri_encode(b, stack[i], n, 0) == -1)
			goto full;
	}
	/* A trailing slash survives unless the result is the root. */
	if (nstack > 0 && len > 0 && path[len - 1] == '/' &&
	    buf_putc(b, '/') == -1)
		goto full;
	rc = 0;
	goto out;
full:
	seterr(err, errlen, "%s", "canonical URI too long");
out:
	free(stack);
	return rc;
}

/*
 * Decodes a form-encoded name or value ('+' is a space, a bad '%' stays
 * literal, as Python's parse_qsl) then encodes it strictly into a new
 * string.
 */
static char *
query_reencode(const char *s, size_t n)
{
	struct buf	dec, enc;
	size_t		i;
	int		hi, lo;
	char		c;

	buf_init(&dec, SIGV4_MAX_QUERY);
	buf_init(&enc, 3 * SIGV4_MAX_QUERY);
	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%' && i + 2 < n &&
		    (hi = util_hex_value((unsigned char)s[i + 1])) != -1 &&
		    (lo = util_hex_value((unsigned char)s[i + 2])) != -1) {
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		(void)buf_putc(&dec, c);	/* n is within the cap */
	}
	(void)aws_sigv4_uri_encode(&enc, dec.data != NULL ? dec.data : "",
	    dec.len, 0);
	buf_cleanup(&dec);
	if (enc.data == NULL)
		return xstrdup("");
	return buf_steal(&enc, NULL);
}

static int
pair_cmp(const void *a, const void *b)
{
	const struct sigv4_pair	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return strcmp(x->value, y->value);
}

int
aws_sigv4_canonical_query(struct buf *b, const char *query, char *err,
    size_t errlen)
{
	struct sigv4_pair	*pairs = NULL;
	const char		*p, *amp, *eq;
	size_t			 npairs = 0, i, len;
	int			 rc = -1;

	if (query == NULL || *query == '\0')
		return 0;
	if ((len = strlen(query)) > SIGV4_MAX_QUERY) {
		seterr(err, errlen, "%s", "query too long");
		return -1;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)query[i] < 0x20 || query[i] == 0x7f ||
		    query[i] == '#') {
			seterr(err, errlen, "%s",
			    "query holds a control byte or '#'");
			return -1;
		}
	}
	pairs = xcalloc(SIGV4_MAX_QUERY_PAIRS, sizeof *pairs);
	for (p = query; *p != '\0'; p = *amp == '&' ? amp + 1 : amp) {
		amp = p + strcspn(p, "&");
		if (amp == p)
			continue;	/* "a=1&&b=2": blank pieces skipped */
		if (npairs == SIGV4_MAX_QUERY_PAIRS) {
			seterr(err, errlen, "%s", "too many query parameters");
			goto out;
		}
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL) {
			pairs[npairs].name = query_reencode(p,
			    (size_t)(amp - p));
			pairs[npairs].value = xstrdup("");
		} else {
			pairs[npairs].name = query_reencode(p,
			    (size_t)(eq - p));
			pairs[npairs].value = query_reencode(eq + 1,
			    (size_t)(amp - eq - 1));
		}
		npairs++;
	}
	qsort(pairs, npairs, sizeof *pairs, pair_cmp);
	for (i = 0; i < npairs; i++) {
		if ((i > 0 && buf_putc(b, '&') == -1) ||
		    buf_puts(b, pairs[i].name) == -1 ||
		    buf_putc(b, '=') == -1 ||
		    buf_puts(b, pairs[i].value) == -1) {
			seterr(err, errlen, "%s", "canonical query too long");
			goto out;
		}
	}
	rc = 0;
out:
	for (i = 0; i < npairs; i++) {
		free(pairs[i].name);
		free(pairs[i].value);
	}
	free(pairs);
	return rc;
}

/* Trims and collapses every white-space run to one space. */
static char *
header_value_canon(const char *v)
{
	size_t	 i, o = 0, n = strlen(v);
	char	*out = xmalloc(n + 1);
	int	 pending = 0;

	for (i = 0; i < n; i++) {
		if (is_ws((unsigned char)v[i])) {
			pending = o > 0;
			continue;
		}
		if (pending)
			out[o++] = ' ';
		pending = 0;
		out[o++] = v[i];
	}
	out[o] = '\0';
	return out;
}

static int
header_value_ok(const char *v)
{
	size_t		i;
	unsigned char	c;

	for (i = 0; v[i] != '\0'; i++) {
		if (i >= SIGV4_MAX_VALUE)
			return -1;
		c = (unsigned char)v[i];
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') ||
		    c == 0x7f)
			return -1;
	}
	return 0;
}

static int
hdr_cmp(const void *a, const void *b)
{
	const struct sigv4_hdr	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int
is_unsigned_header(const char *lname, int have_token)
{
	size_t	i;

	for (i = 0; sigv4_unsigned[i] != NULL; i++)
		if (strcmp(lname, sigv4_unsigned[i]) == 0)
			return 1;
	/* A token of our own replaces any the caller set. */
	return have_token && strcmp(lname, "x-amz-security-token") == 0;
}

static void
result_zero(struct aws_sigv4_result *res)
{
	memset(res, 0, sizeof *res);
}

void
aws_sigv4_result_cleanup(struct aws_sigv4_result *res)
{
	if (res == NULL)
		return;
	util_free_secret(res->canonical_request);
	util_free_secret(res->string_to_sign);
	util_free_secret(res->signed_headers);
	util_free_secret(res->authorization);
	util_free_secret(res->security_token);
	util_wipe(res, sizeof *res);
}

/* Builds the sorted, canonical header list; returns count or -1. */
static int
collect_headers(const struct aws_sigv4_request *req,
    const struct aws_sigv4_params *pa, struct sigv4_hdr *h, char *err,
    size_t errlen)
{
	const char	*name;
	size_t		 i, j, n = 0;
	int		 have_token = pa->session_token != NULL, have_host = 0;

	if (req->nheaders > AWS_SIGV4_MAX_HEADERS) {
		seterr(err, errlen, "%s", "too many headers");
		return -1;
	}
	for (i = 0; i < req->nheaders; i++) {
		name = req->headers[i].name;
		if (check_str(name, 1, SIGV4_MAX_NAME,
		    is_tchar) == -1) {
			seterr(err, errlen, "%s", "bad header name");
			goto fail;
		}
		if (req->headers[i].value == NULL ||
		    header_value_ok(req->headers[i].value) == -1) {
			seterr(err, errlen, "%s", "bad header value");
			goto fail;
		}
		h[n].name = xstrdup(name);
		for (j = 0; h[n].name[j] != '\0'; j++)
			h[n].name[j] = (char)tolower((unsigned char)name[j]);
		if (is_unsigned_header(h[n].name, have_token)) {
			free(h[n].name);
			continue;
		}
		if (strcmp(h[n].name, "host") == 0)
			have_host = 1;
		h[n].value = header_value_canon(req->headers[i].value);
		h[n].order = n;
		n++;
	}
	if (!have_host) {
		seterr(err, errlen, "%s", "no Host header");
		goto fail;
	}
	h[n].name = xstrdup("x-amz-date");
	h[n].value = xstrdup(pa->amz_date);
	h[n].order = n;
	n++;
	if (have_token) {
		h[n].name = xstrdup("x-amz-security-token");
		h[n].value = xstrdup(pa->session_token);
		h[n].order = n;
		n++;
	}
	qsort(h, n, sizeof *h, hdr_cmp);
	return (int)n;
fail:
	for (i = 0; i < n; i++) {
		free(h[i].name);
		util_free_secret(h[i].value);
	}
	return -1;
}

static int
check_params(const struct aws_sigv4_request *req,
    const struct aws_sigv4_params *pa, char *err, size_t errlen)
{
	const char	*what = NULL;
	size_t		 i;

	if (req == NULL || pa == NULL)
		what = "no request";
	else if (check_str(req->method, 1, 16, ok_method) == -1)
		what = "bad method";
	else if (check_amz_date(pa->amz_date) == -1)
		what = "bad amz-date (want YYYYMMDDTHHMMSSZ)";
	else if (check_str(pa->region, 1, 64, ok_scope) == -1)
		what = "bad region";
	else if (check_str(pa->service, 1, 64, ok_scope) == -1)
		what = "bad service";
	else if (check_str(pa->access_key, 1, 128, ok_alnum) == -1)
		what = "bad access key id";
	else if (pa->signing_key == NULL &&
	    check_str(pa->secret_key, 1, SIGV4_MAX_SECRET, ok_printable) == -1)
		what = "bad secret key";
	else if (pa->session_token != NULL &&
	    check_str(pa->session_token, 1, SIGV4_MAX_TOKEN,
	    ok_printable) == -1)
		what = "bad session token";
	else if (req->nheaders > 0 && req->headers == NULL)
		what = "no headers";
	else if (req->payload == NULL && req->payload_len > 0)
		what = "no payload";
	else if (req->payload_hash != NULL) {
		if (strlen(req->payload_hash) != AWS_SIGV4_HEX_LEN)
			what = "bad payload hash";
		for (i = 0; what == NULL && i < AWS_SIGV4_HEX_LEN; i++)
			if (!isdigit((unsigned char)req->payload_hash[i]) &&
			    (req->payload_hash[i] < 'a' ||
			    req->payload_hash[i] > 'f'))
				what = "bad payload hash";
	}
	if (what != NULL) {
		seterr(err, errlen, "%s", what);
		return -1;
	}
	return 0;
}

int
aws_sigv4_sign(const struct aws_sigv4_request *req,
    const struct aws_sigv4_params *pa, struct aws_sigv4_result *res,
    char *err, size_t errlen)
{
	struct sigv4_hdr	 hdrs[AWS_SIGV4_MAX_HEADERS + 2];
	struct buf		 creq, sts, sh, auth;
	unsigned char		 key[AWS_SIGV4_KEY_LEN], mac[AWS_SIGV4_KEY_LEN];
	char			 hash[AWS_SIGV4_HEX_LEN + 1], date8[9];
	const char		*m;
	int			 nh = 0, i, rc = -1;

	result_zero(res);
	buf_init(&creq, SIGV4_MAX_CREQ);
	buf_init(&sts, 4096);
	buf_init(&sh, 64 * 1024);
	buf_init(&auth, 80 * 1024);
	if (check_params(req, pa, err, errlen) == -1)
		goto fail;
	memcpy(date8, pa->amz_date, 8);
	date8[8] = '\0';

	for (m = req->method; *m != '\0'; m++)
		(void)buf_putc(&creq, (char)toupper((unsigned char)*m));
	(void)buf_putc(&creq, '\n');
	if (aws_sigv4_canonical_uri(&creq, req->path, err, errlen) == -1 ||
	    buf_putc(&creq, '\n') == -1 ||
	    aws_sigv4_canonical_query(&creq, req->query, err, errlen) == -1 ||
	    buf_putc(&creq, '\n') == -1)
		goto fail;
	if ((nh = collect_headers(req, pa, hdrs, err, errlen)) == -1) {
		nh = 0;
		goto fail;
	}
	for (i = 0; i < nh; i++) {
		/* Repeated names: one line, values joined in order. */
		if (i == 0 || strcmp(hdrs[i].name, hdrs[i - 1].name) != 0) {
			if (i > 0 && (buf_putc(&creq, '\n') == -1 ||
			    buf_putc(&sh, ';') == -1))
				goto toolong;
			if (buf_puts(&creq, hdrs[i].name) == -1 ||
			    buf_putc(&creq, ':') == -1 ||
			    buf_puts(&sh, hdrs[i].name) == -1)
				goto toolong;
		} else if (buf_putc(&creq, ',') == -1)
			goto toolong;
		if (buf_puts(&creq, hdrs[i].value) == -1)
			goto toolong;
	}
	if (req->payload_hash != NULL)
		util_strlcpy(hash, req->payload_hash, sizeof hash);
	else
		aws_sigv4_payload_hash(req->payload, req->payload_len, hash);
	if (buf_printf(&creq, "\n\n%s\n%s", buf_cstr(&sh), hash) == -1)
		goto toolong;

	aws_sigv4_payload_hash(creq.data, creq.len, hash);
	if (buf_printf(&sts, "%s\n%s\n%s/%s/%s/aws4_request\n%s", SIGV4_ALGO,
	    pa->amz_date, date8, pa->region, pa->service, hash) == -1)
		goto toolong;

	if (pa->signing_key != NULL)
		memcpy(key, pa->signing_key, sizeof key);
	else if (aws_sigv4_signing_key(pa->secret_key, date8, pa->region,
	    pa->service, key) == -1) {
		seterr(err, errlen, "%s", "signing key derivation failed");
		goto fail;
	}
	if (hmac256(key, sizeof key, sts.data, sts.len, mac) == -1) {
		seterr(err, errlen, "%s", "HMAC failed");
		goto fail;
	}
	util_hex(mac, sizeof mac, res->signature);
	if (buf_printf(&auth, "%s Credential=%s/%s/%s/%s/aws4_request, "
	    "SignedHeaders=%s, Signature=%s", SIGV4_ALGO, pa->access_key,
	    date8, pa->region, pa->service, buf_cstr(&sh),
	    res->signature) == -1)
		goto toolong;

	res->canonical_request = buf_steal(&creq, NULL);
	res->string_to_sign = buf_steal(&sts, NULL);
	res->signed_headers = buf_steal(&sh, NULL);
	res->authorization = buf_steal(&auth, NULL);
	util_strlcpy(res->amz_date, pa->amz_date, sizeof res->amz_date);
	res->add[0].name = "Authorization";
	res->add[0].value = res->authorization;
	res->add[1].name = "X-Amz-Date";
	res->add[1].value = res->amz_date;
	res->nadd = 2;
	if (pa->session_token != NULL) {
		res->security_token = xstrdup(pa->session_token);
		res->add[2].name = "X-Amz-Security-Token";
		res->add[2].value = res->security_token;
		res->nadd = 3;
	}
	rc = 0;
	goto out;
toolong:
	seterr(err, errlen, "%s", "request too large to sign");
fail:
	aws_sigv4_result_cleanup(res);
out:
	for (i = 0; i < nh; i++) {
		free(hdrs[i].name);
		util_free_secret(hdrs[i].value);
	}
	util_wipe(key, sizeof key);
	util_wipe(mac, sizeof mac);
	buf_cleanup(&creq);
	buf_cleanup(&sts);
	buf_cleanup(&sh);
	buf_cleanup(&auth);
	return rc;
}
