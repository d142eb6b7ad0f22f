/*
 * SigV4 against the official AWS test suite (tests/data/sigv4) and a
 * few vectors produced by botocore's own signer.
 */
#include "autoconf.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aws_sigv4.h"
#include "buf.h"
#include "tap.h"
#include "util.h"
#include "xmalloc.h"

#define AKID	"AKIDEXAMPLE"
#define SECRET	"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define REGION	"us-east-1"
#define SERVICE	"service"
#define AMZDATE	"20150830T123600Z"

/*
 * botocore's tests/unit/auth/test_sigv4.py (TESTS_TO_IGNORE) skips exactly
 * these; so do we, with its reasons.
 */
static const struct {
	const char *name, *why;
} skips[] = {
	{ "normalize-path/get-space",
	    "bad request-line syntax (raw space in the path); botocore skips" },
	{ "get-vanilla-query-order-key-case",
	    "repeated query keys, not supported by the SDKs; botocore skips" },
	{ "get-vanilla-query-order-key",
	    "repeated query keys, not supported by the SDKs; botocore skips" },
	{ "get-vanilla-query-order-value",
	    "repeated query keys, not supported by the SDKs; botocore skips" },
};

static int ncases, nrun, nskipped, nfailed;

static char *
slurp(const char *path)
{
	FILE	*f;
	struct buf b;
	char	 chunk[4096];
	size_t	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	buf_init(&b, 1024 * 1024);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		(void)buf_append(&b, chunk, n);
	fclose(f);
	if (b.data == NULL)
		return xstrdup("");
	return buf_steal(&b, NULL);
}

struct parsed {
	char	*method, *path, *query;
	struct aws_sigv4_header h[AWS_SIGV4_MAX_HEADERS];
	size_t	 nh;
	char	*body;
	char	*token;
};

static void
parsed_free(struct parsed *p)
{
	size_t	i;

	free(p->method);
	free(p->path);
	free(p->query);
	for (i = 0; i < p->nh; i++) {
		free((char *)p->h[i].name);
		free((char *)p->h[i].value);
	}
	free(p->body);
	free(p->token);
}

/* The .req format: request line, "Name:value" lines, folded lines, body. */
static int
parse_req(const char *text, struct parsed *p)
{
	const char	*line = text, *nl, *sp1, *sp2, *colon, *q;
	char		*v;
	size_t		 len;

	memset(p, 0, sizeof *p);
	nl = strchr(line, '\n');
	len = nl ? (size_t)(nl - line) : strlen(line);
	sp1 = memchr(line, ' ', len);
	if (sp1 == NULL)
		return -1;
	for (sp2 = line + len; sp2 > sp1 && *sp2 != ' '; sp2--)
		;
	if (sp2 == sp1)
		return -1;
	p->method = xstrndup(line, (size_t)(sp1 - line));
	q = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1));
	if (q != NULL) {
		p->path = xstrndup(sp1 + 1, (size_t)(q - sp1 - 1));
		p->query = xstrndup(q + 1, (size_t)(sp2 - q - 1));
	} else
		p->path = xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	while (nl != NULL) {
		line = nl + 1;
		nl = strchr(line, '\n');
		len = nl ? (size_t)(nl - line) : strlen(line);
		if (len == 0)
			break;
		if ((line[0] == ' ' || line[0] == '\t') && p->nh > 0) {
			v = xasprintf("%s\n%.*s", p->h[p->nh - 1].value,
			    (int)len, line);
			free((char *)p->h[p->nh - 1].value);
			p->h[p->nh - 1].value = v;
			continue;
		}
		if ((colon = memchr(line, ':', len)) == NULL ||
		    p->nh == AWS_SIGV4_MAX_HEADERS)
			return -1;
		p->h[p->nh].name = xstrndup(line, (size_t)(colon - line));
		p->h[p->nh].value = xstrndup(colon + 1,
		    len - (size_t)(colon - line) - 1);
		p->nh++;
	}
	p->body = xstrdup(nl != NULL ? nl + 1 : "");
	return 0;
}

static void
run_case(const char *root, const char *rel)
{
	char			*base, *req = NULL, *creq = NULL, *sts = NULL;
	char			*authz = NULL, *tok, err[256], path[4096];
	const char		*slash;
	struct parsed		 p;
	struct aws_sigv4_request r;
	struct aws_sigv4_params	 pa;
	struct aws_sigv4_result	 res;
	size_t			 i;
	int			 before = tap_failed;

	ncases++;
	for (i = 0; i < sizeof skips / sizeof skips[0]; i++) {
		if (strcmp(rel, skips[i].name) == 0) {
			printf("ok %d - %s # SKIP %s\n", ++tap_count, rel,
			    skips[i].why);
			nskipped++;
			return;
		}
	}
	nrun++;
	slash = strrchr(rel, '/');
	base = xasprintf("%s/%s/%s", root, rel, slash ? slash + 1 : rel);
#define LOAD(var, ext) do {						\
	snprintf(path, sizeof path, "%s.%s", base, ext);		\
	var = slurp(path);						\
} while (0)
	LOAD(req, "req");
	LOAD(creq, "creq");
	LOAD(sts, "sts");
	LOAD(authz, "authz");
	if (!ok(req && creq && sts && authz && parse_req(req, &p) == 0,
	    "%s: suite files read and parsed", rel)) {
		nfailed++;
		goto out;
	}
	/* As botocore's runner: the token is whatever the .creq signs. */
	if ((tok = strstr(creq, "\nx-amz-security-token:")) != NULL) {
		tok += strlen("\nx-amz-security-token:");
		p.token = xstrndup(tok, strcspn(tok, "\n"));
	}
	memset(&r, 0, sizeof r);
	r.method = p.method;
	r.path = p.path;
	r.query = p.query;
	r.headers = p.h;
	r.nheaders = p.nh;
	r.payload = p.body;
	r.payload_len = strlen(p.body);
	memset(&pa, 0, sizeof pa);
	pa.region = REGION;
	pa.service = SERVICE;
	pa.amz_date = AMZDATE;
	pa.access_key = AKID;
	pa.secret_key = SECRET;
	pa.session_token = p.token;
	if (!ok(aws_sigv4_sign(&r, &pa, &res, err, sizeof err) == 0,
	    "%s: signs", rel)) {
		tap_diag("%s", err);
	} else {
		is_str(res.canonical_request, creq, "canonical request");
		is_str(res.string_to_sign, sts, "string to sign");
		is_str(res.authorization, authz, "authorization");
		aws_sigv4_result_cleanup(&res);
	}
	parsed_free(&p);
	if (tap_failed != before)
		nfailed++;
out:
	free(base);
	free(req);
	free(creq);
	free(sts);
	free(authz);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every folder holding <basename>.req, recursively, sorted. */
static void
find_cases(const char *root, const char *rel, char ***list, size_t *n)
{
	char		*dir, *sub, *req;
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	const char	*base;

	dir = rel[0] ? xasprintf("%s/%s", root, rel) : xstrdup(root);
	if ((d = opendir(dir)) == NULL) {
		free(dir);
		return;
	}
	base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	req = xasprintf("%s/%s.req", dir, base);
	if (rel[0] && stat(req, &st) == 0) {
		*list = xreallocarray(*list, *n + 1, sizeof **list);
		(*list)[(*n)++] = xstrdup(rel);
	}
	free(req);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		sub = xasprintf("%s/%s", dir, de->d_name);
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
			free(sub);
			sub = rel[0] ? xasprintf("%s/%s", rel, de->d_name) :
			    xstrdup(de->d_name);
			find_cases(root, sub, list, n);
		}
		free(sub);
	}
	closedir(d);
	free(dir);
}

static void
test_suite(void)
{
	const char	*srcdir = getenv("SRCDIR");
	char		*root, **list = NULL;
	size_t		 n = 0, i;

	root = xasprintf("%s/tests/data/sigv4", srcdir ? srcdir : ".");
	find_cases(root, "", &list, &n);
	qsort(list, n, sizeof *list, name_cmp);
	/* The suite has 34 cases; fewer means a broken path or copy. */
	if (!ok(n == 34, "found the 34 suite cases under %s", root))
		tap_diag("found %zu", n);
	for (i = 0; i < n; i++) {
		run_case(root, list[i]);
		free(list[i]);
	}
	free(list);
	free(root);
	tap_diag("suite: %d cases, %d run, %d skipped (botocore's list), "
	    "%d failed", ncases, nrun, nskipped, nfailed);
	is_int(nskipped, 4, "exactly botocore's four skips");
}

static void
test_signing_key(void)
{
	unsigned char	k[AWS_SIGV4_KEY_LEN], z[AWS_SIGV4_KEY_LEN];
	char		hex[2 * AWS_SIGV4_KEY_LEN + 1];

	/* AWS documentation example (checked with Python's hmac). */
	ok(aws_sigv4_signing_key(SECRET, "20120215", "us-east-1", "iam",
	    k) == 0, "signing key derives");
	util_hex(k, sizeof k, hex);
	is_str(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d4"
	    "14db404d", "signing key value");
	memset(z, 0, sizeof z);
	ok(aws_sigv4_signing_key(SECRET, "2012021", "us-east-1", "iam",
	    k) == -1 && memcmp(k, z, sizeof z) == 0,
	    "short date refused, key zeroed");
	ok(aws_sigv4_signing_key(SECRET, "20120215", "us/east", "iam",
	    k) == -1, "'/' in region refused");
	ok(aws_sigv4_signing_key("", "20120215", "us-east-1", "iam",
	    k) == -1, "empty secret refused");
	ok(aws_sigv4_signing_key(NULL, "20120215", "us-east-1", "iam",
	    k) == -1, "NULL secret refused");
}

static void
init_sts(struct aws_sigv4_request *r, struct aws_sigv4_params *pa,
    struct aws_sigv4_header *h)
{
	static const char body[] = "Action=GetCallerIdentity&Version=2011-06-15";

	h[0].name = "Content-Type";
	h[0].value = "application/x-www-form-urlencoded; charset=utf-8";
	h[1].name = "User-Agent";
	h[1].value = "cwguard/0.1";
	h[2].name = "Host";
	h[2].value = "sts.us-east-1.amazonaws.com";
	memset(r, 0, sizeof *r);
	r->method = "POST";
	r->path = "/";
	r->headers = h;
	r->nheaders = 3;
	r->payload = body;
	r->payload_len = strlen(body);
	memset(pa, 0, sizeof *pa);
	pa->region = "us-east-1";
	pa->service = "sts";
	pa->amz_date = "20261101T120000Z";
	pa->access_key = AKID;
	pa->secret_key = SECRET;
	pa->session_token = "FQoGZXIvYXdzEXAMPLE//token+/=";
}

/* Expected values come from botocore's SigV4Auth on the same input. */
static void
test_botocore_vectors(void)
{
	struct aws_sigv4_header	 h[4];
	struct aws_sigv4_request r;
	struct aws_sigv4_params	 pa;
	struct aws_sigv4_result	 res;
	unsigned char		 key[AWS_SIGV4_KEY_LEN];
	char			 err[256], want[65];

	init_sts(&r, &pa, h);
	ok(aws_sigv4_sign(&r, &pa, &res, err, sizeof err) == 0,
	    "sts query POST with token signs");
	is_str(res.signature, "791262db1671d4e332636978ad76ad940dc1b940945376"
	    "15bc371b22e37c26c3", "sts signature as botocore");
	is_str(res.signed_headers,
	    "content-type;host;x-amz-date;x-amz-security-token",
	    "user-agent not signed, token signed");
	is_int(res.nadd, 3, "three headers to add");
	is_str(res.add[0].name, "Authorization", "add[0] Authorization");
	is_str(res.add[1].value, "20261101T120000Z", "add[1] X-Amz-Date");
	is_str(res.add[2].name, "X-Amz-Security-Token", "add[2] token name");
	is_str(res.add[2].value, pa.session_token, "add[2] token value");
	util_strlcpy(want, res.signature, sizeof want);
	aws_sigv4_result_cleanup(&res);

	/* A cached signing key gives the same signature. */
	ok(aws_sigv4_signing_key(SECRET, "20261101", "us-east-1", "sts",
	    key) == 0, "derive sts key");
	pa.secret_key = NULL;
	pa.signing_key = key;
	ok(aws_sigv4_sign(&r, &pa, &res, err, sizeof err) == 0 &&
	    strcmp(res.signature, want) == 0, "cached key, same signature");
	aws_sigv4_result_cleanup(&res);
	util_wipe(key, sizeof key);

	/* Precomputed payload hash instead of the bytes. */
	pa.secret_key = SECRET;
	pa.signing_key = NULL;
	{
		char	ph[65];

		aws_sigv4_payload_hash(r.payload, r.payload_len, ph);
		r.payload = NULL;
		r.payload_len = 0;
		r.payload_hash = ph;
		ok(aws_sigv4_sign(&r, &pa, &res, err, sizeof err) == 0 &&
		    strcmp(res.signature, want) == 0,
		    "payload hash given, same signature");
		aws_sigv4_result_cleanup(&res);
	}

	/* Lambda REST path with an encoded ARN: encoded a second time. */
	h[0].name = "Host";
	h[0].value = "lambda.eu-west-1.amazonaws.com";
	memset(&r, 0, sizeof r);
	r.method = "GET";
	r.path = "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A"
	    "123456789012%3Afunction%3Amy-fn/configuration";
	r.query = "Qualifier=%24LATEST";
	r.headers = h;
	r.nheaders = 1;
	pa.region = "eu-west-1";
	pa.service = "lambda";
	pa.session_token = NULL;
	ok(aws_sigv4_sign(&r, &pa, &res, err, sizeof err) == 0,
	    "lambda GET signs");
	is_str(res.signature, "8fd013419885fdd903b3517bd3608be51d74da14bcfbd3"
	    "00715c865bc40f709e", "lambda signature as botocore");
	ok(strstr(res.canonical_request, "arn%253Aaws%253A") != NULL,
	    "path double-encoded");
	is_int(res.nadd, 2, "no token header without a token");
	aws_sigv4_result_cleanup(&res);
}

static void
test_pieces(void)
{
	struct buf	b;
	char		err[128];

	buf_init(&b, 0);
	ok(aws_sigv4_canonical_uri(&b, "", err, sizeof err) == 0 &&
	    strcmp(buf_cstr(&b), "/") == 0, "empty path is /");
	buf_reset(&b);
	ok(aws_sigv4_canonical_uri(&b, "/a/./b/../../c//d/", err,
	    sizeof err) == 0 && strcmp(buf_cstr(&b), "/c/d/") == 0,
	    "dot segments and slashes");
	buf_reset(&b);
	ok(aws_sigv4_canonical_uri(&b, "/../../..", err, sizeof err) == 0 &&
	    strcmp(buf_cstr(&b), "/") == 0, ".. above root stays at root");
	buf_reset(&b);
	ok(aws_sigv4_canonical_uri(&b, "relative", err, sizeof err) == -1,
	    "relative path refused");
	ok(aws_sigv4_canonical_uri(&b, "/a\r\nb", err, sizeof err) == -1,
	    "CR LF in path refused");
	ok(aws_sigv4_canonical_query(&b, "a=1#frag", err, sizeof err) == -1,
	    "fragment in query refused");
	buf_reset(&b);
	ok(aws_sigv4_canonical_query(&b, "b=2&&a&c=x+y%2fz%zz", err,
	    sizeof err) == 0 && strcmp(buf_cstr(&b), "a=&b=2&c=x%20y%2Fz%25zz")
	    == 0, "query: blank piece, bare key, '+', bad escape");
	buf_reset(&b);
	ok(aws_sigv4_uri_encode(&b, "a b/~\xff", 7, 1) == 0 &&
	    strcmp(buf_cstr(&b), "a%20b/~%FF%00") == 0,
	    "uri encode keeps slash, encodes NUL and high bytes");
	buf_cleanup(&b);
}

static void
test_errors(void)
{
	struct aws_sigv4_header	 h[AWS_SIGV4_MAX_HEADERS + 1];
	struct aws_sigv4_request r;
	struct aws_sigv4_params	 pa;
	struct aws_sigv4_result	 res;
	char			 err[256];
	size_t			 i;

	init_sts(&r, &pa, h);
	r.nheaders = 2;		/* no Host */
	ok(aws_sigv4_sign(&r, &pa, &res, err, sizeof err) == -1 &&
	    strstr(err, "Host") != NULL && res.authorization == NULL,
	    "missing Host refused");
	aws_sigv4_result_cleanup(&res);
	init_sts(&r, &pa, h);
	pa.amz_date = "2026-11-01T12:00:00Z";
	ok(aws_sigv4_sign(&r, &pa, &res, err, sizeof err) == -1,
	    "bad amz-date refused");
	init_sts(&r, &pa, h);
	h[1].name = "Bad Name";
	ok(aws_sigv4_sign(&r, &pa, &res, err, sizeof err) == -1,
	    "space in header name refused");
	init_sts(&r, &pa, h);
	h[1].value = "a\001b";
	ok(aws_sigv4_sign(&r, &pa, &res, err, sizeof err) == -1,
	    "control byte in header value refused");
	init_sts(&r, &pa, h);
	pa.session_token = "tok\nen";
	ok(aws_sigv4_sign(&r, &pa, &res, err, sizeof err) == -1,
	    "newline in token refused");
	init_sts(&r, &pa, h);
	pa.secret_key = NULL;
	ok(aws_sigv4_sign(&r, &pa, &res, err, sizeof err) == -1,
	    "no secret and no key refused");
	init_sts(&r, &pa, h);
	r.payload_hash = "E3B0";
	ok(aws_sigv4_sign(&r, &pa, &res, err, sizeof err) == -1,
	    "bad payload hash refused");
	init_sts(&r, &pa, h);
	for (i = 0; i <= AWS_SIGV4_MAX_HEADERS; i++) {
		h[i].name = "Host";
		h[i].value = "x";
	}
	r.nheaders = AWS_SIGV4_MAX_HEADERS + 1;
	ok(aws_sigv4_sign(&r, &pa, &res, err, sizeof err) == -1,
	    "too many headers refused");
	init_sts(&r, &pa, h);
	h[1].name = "X-Amz-Date";
	h[1].value = "19990101T000000Z";
	ok(aws_sigv4_sign(&r, &pa, &res, err, sizeof err) == 0 &&
	    strstr(res.canonical_request, "1999") == NULL,
	    "caller's X-Amz-Date replaced by the signer's");
	aws_sigv4_result_cleanup(&res);
	aws_sigv4_result_cleanup(NULL);
}

int
main(void)
{
	test_suite();
	test_signing_key();
	test_botocore_vectors();
	test_pieces();
	test_errors();
	return tap_done();
}
