/*
 * IAM Identity Center credentials (include/aws_sso.h): the token cache of
 * `aws sso login`, its refresh through the OIDC CreateToken, and the
 * portal's GetRoleCredentials. Both calls are unsigned REST-JSON (the
 * botocore models sso and sso-oidc); the access token goes in the
 * x-amz-sso_bearer_token header and is never logged.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "aws_creds.h"
#include "aws_endpoint.h"
#include "aws_profile.h"
#include "aws_sigv4.h"
#include "aws_sso.h"
#include "buf.h"
#include "http.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define SSO_CACHE_MAX		(64 * 1024)
#define SSO_TOKEN_MARGIN	60	/* a token this close to expiry is old */

struct aws_sso_fetch {
	struct http		*http;
	struct aws_sso_config	 cfg;
	char			*cache;		/* the cache file's path */
	cJSON			*doc;		/* its contents */
	char			*token;		/* access token (secret) */
	aws_sso_cb		 cb;
	void			*arg;
};

int
aws_sso_config_load(const struct aws_profile *p, const char *config_path,
    struct aws_sso_config *cfg, char *err, size_t errlen)
{
	char	 sect[300], *url = NULL, *region = NULL;

	memset(cfg, 0, sizeof *cfg);
	if (p->sso_session == NULL && p->sso_start_url == NULL)
		return 0;
	cfg->profile = xstrdup(p->name);
	if (p->sso_session != NULL) {
		cfg->session = xstrdup(p->sso_session);
		snprintf(sect, sizeof sect, "sso-session %s", p->sso_session);
		if (aws_profile_section_value(config_path, sect, NULL,
		    "sso_start_url", &url, err, errlen) == -1 ||
		    aws_profile_section_value(config_path, sect, NULL,
		    "sso_region", &region, err, errlen) == -1)
			goto fail;
		if (url == NULL || region == NULL) {
			snprintf(err, errlen, "profile %s: [sso-session %s] "
			    "needs sso_start_url and sso_region", p->name,
			    p->sso_session);
			goto fail;
		}
		cfg->start_url = url;
		cfg->region = region;
		url = region = NULL;
	} else {
		cfg->start_url = xstrdup(p->sso_start_url);
		if (p->sso_region == NULL) {
			snprintf(err, errlen, "profile %s: sso_start_url "
			    "needs sso_region", p->name);
			goto fail;
		}
		cfg->region = xstrdup(p->sso_region);
	}
	if (p->sso_account_id == NULL || p->sso_role_name == NULL) {
		snprintf(err, errlen, "profile %s: an SSO profile needs "
		    "sso_account_id and sso_role_name", p->name);
		goto fail;
	}
	cfg->account_id = xstrdup(p->sso_account_id);
	cfg->role_name = xstrdup(p->sso_role_name);
	return 1;
fail:
	free(url);
	free(region);
	aws_sso_config_free(cfg);
	return -1;
}

void
aws_sso_config_free(struct aws_sso_config *cfg)
{
	free((char *)cfg->profile);
	free((char *)cfg->session);
	free((char *)cfg->start_url);
	free((char *)cfg->region);
	free((char *)cfg->account_id);
	free((char *)cfg->role_name);
	memset(cfg, 0, sizeof *cfg);
}

static void
sso_config_copy(struct aws_sso_config *dst, const struct aws_sso_config *src)
{
#define DUP(f)	dst->f = src->f != NULL ? xstrdup(src->f) : NULL
	DUP(profile);
	DUP(session);
	DUP(start_url);
	DUP(region);
	DUP(account_id);
	DUP(role_name);
#undef DUP
}

char *
aws_sso_cache_path(const struct aws_sso_config *cfg)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	char		 hex[2 * EVP_MAX_MD_SIZE + 1];
	const char	*home = getenv("HOME"), *key;

	/* As AWS CLI v2: the session's name, or a legacy start URL. */
	key = cfg->session != NULL ? cfg->session : cfg->start_url;
	if (home == NULL || *home == '\0' || key == NULL ||
	    EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha1(), NULL) != 1)
		return NULL;
	util_hex(md, mdlen, hex);
	return xasprintf("%s/.aws/sso/cache/%s.json", home, hex);
}

static void
sso_fetch_free(struct aws_sso_fetch *f)
{
	cJSON	*t;

	if (f->doc != NULL) {
		if ((t = cJSON_GetObjectItemCaseSensitive(f->doc,
		    "accessToken")) != NULL && cJSON_IsString(t))
			util_wipe(t->valuestring, strlen(t->valuestring));
		if ((t = cJSON_GetObjectItemCaseSensitive(f->doc,
		    "refreshToken")) != NULL && cJSON_IsString(t))
			util_wipe(t->valuestring, strlen(t->valuestring));
		if ((t = cJSON_GetObjectItemCaseSensitive(f->doc,
		    "clientSecret")) != NULL && cJSON_IsString(t))
			util_wipe(t->valuestring, strlen(t->valuestring));
		cJSON_Delete(f->doc);
	}
	util_free_secret(f->token);
	free(f->cache);
	aws_sso_config_free(&f->cfg);
	free(f);
}

/* Ends the fetch with an error that says what to do. */
static void
sso_fail(struct aws_sso_fetch *f, const char *why)
{
	char	err[700];

	snprintf(err, sizeof err, "SSO profile %s: %s; run `aws sso login "
	    "--profile %s`", f->cfg.profile, why, f->cfg.profile);
	f->cb(NULL, err, f->arg);
	sso_fetch_free(f);
}

static const char *
sso_str(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) && v->valuestring[0] != '\0' ?
	    v->valuestring : NULL;
}

/* An expiresAt of the cache: RFC 3339, or the older "...UTC" form. */
static int
sso_time(const char *s, time_t *out)
{
	char	buf[64], e[64];
	size_t	n;

	if (s == NULL || (n = strlen(s)) >= sizeof buf - 1)
		return -1;
	memcpy(buf, s, n + 1);
	if (n > 3 && strcmp(buf + n - 3, "UTC") == 0)
		memcpy(buf + n - 3, "Z", 2);
	return util_parse_time(buf, time(NULL), out, e, sizeof e) == -1 ||
	    strchr(buf, 'T') == NULL ? -1 : 0;
}

/* The endpoint URL of svc in the SSO region, path appended. Heap. */
static char *
sso_url(struct aws_sso_fetch *f, enum aws_service svc, const char *path,
    char *err, size_t errlen)
{
	struct aws_endpoint	ep;

	if (aws_endpoint_resolve(svc, f->cfg.region, &ep, err, errlen) == -1)
		return NULL;
	return xasprintf("%s%s%s", ep.url, ep.base_path, path);
}

static int
sso_submit(struct aws_sso_fetch *f, const char *method, const char *url,
    const struct http_header *h, size_t nh, const char *body,
    const char *label, void (*cb)(const struct http_response *, void *),
    char *err, size_t errlen)
{
	static const struct http_retry retry = { .max_attempts = 3,
	    .base = 0.5, .cap = 2, .retry_after_max = 2 };
	struct http_request	hr;

	memset(&hr, 0, sizeof hr);
	hr.method = method;
	hr.url = url;
	hr.headers = h;
	hr.nheaders = nh;
	hr.body = body;
	hr.body_len = body != NULL ? strlen(body) : 0;
	hr.label = label;
	hr.connect_timeout_ms = 5000;
	hr.total_timeout_ms = 15000;
	hr.body_max = 64 * 1024;
	hr.retry = &retry;
	hr.cb = cb;
	hr.arg = f;
	return http_submit(f->http, &hr, err, errlen);
}

/* The x-amzn-ErrorType of an answer, or its status. */
static void
sso_answer_error(const struct http_response *r, char *out, size_t outlen)
{
	const char	*t = http_response_header(r, "x-amzn-ErrorType");

	if (r->status == 0)
		snprintf(out, outlen, "%s", r->error);
	else
		snprintf(out, outlen, "HTTP %ld%s%.*s", (long)r->status,
		    t != NULL ? " " : "", t != NULL ? (int)strcspn(t, ":") : 0,
		    t != NULL ? t : "");
}

static void
sso_role_done(const struct http_response *r, void *arg)
{
	struct aws_sso_fetch	*f = arg;
	struct aws_credentials	 c;
	cJSON			*j = NULL, *rc, *exp, *sk;
	const char		*ak, *sec, *tok;
	char			 why[400];

	memset(&c, 0, sizeof c);
	if (!http_response_ok(r)) {
		sso_answer_error(r, why, sizeof why);
		if (r->status == 401 || r->status == 403) {
			char	m[500];

			snprintf(m, sizeof m, "GetRoleCredentials refused the "
			    "cached token (%s)", why);
			sso_fail(f, m);
			return;
		}
		{
			char	m[500];

			snprintf(m, sizeof m, "sso: GetRoleCredentials: %s",
			    why);
			f->cb(NULL, m, f->arg);
		}
		sso_fetch_free(f);
		return;
	}
	if ((j = cJSON_ParseWithLength(r->body, r->body_len)) == NULL ||
	    (rc = cJSON_GetObjectItemCaseSensitive(j, "roleCredentials")) ==
	    NULL || (ak = sso_str(rc, "accessKeyId")) == NULL ||
	    (sec = sso_str(rc, "secretAccessKey")) == NULL) {
		cJSON_Delete(j);
		f->cb(NULL, "sso: GetRoleCredentials reply has no "
		    "roleCredentials", f->arg);
		sso_fetch_free(f);
		return;
	}
	tok = sso_str(rc, "sessionToken");
	exp = cJSON_GetObjectItemCaseSensitive(rc, "expiration");
	c.access_key = xstrdup(ak);
	c.secret_key = xstrdup(sec);
	c.session_token = tok != NULL ? xstrdup(tok) : NULL;
	/* expiration: epoch milliseconds (the model's Long). */
	c.expiration = cJSON_IsNumber(exp) ? (time_t)(exp->valuedouble /
	    1000) : 0;
	if ((sk = cJSON_GetObjectItemCaseSensitive(rc, "secretAccessKey")) !=
	    NULL)
		util_wipe(sk->valuestring, strlen(sk->valuestring));
	if ((sk = cJSON_GetObjectItemCaseSensitive(rc, "sessionToken")) !=
	    NULL && cJSON_IsString(sk))
		util_wipe(sk->valuestring, strlen(sk->valuestring));
	cJSON_Delete(j);
	f->cb(&c, NULL, f->arg);
	aws_credentials_cleanup(&c);
	sso_fetch_free(f);
}

static void
sso_get_role(struct aws_sso_fetch *f)
{
	struct http_header	 h[2];
	struct buf		 q;
	char			*base, *url, err[400];

	if ((base = sso_url(f, AWS_SVC_SSO, "/federation/credentials", err,
	    sizeof err)) == NULL) {
		f->cb(NULL, err, f->arg);
		sso_fetch_free(f);
		return;
	}
	buf_init(&q, 4096);
	buf_puts(&q, "?account_id=");
	(void)aws_sigv4_uri_encode(&q, f->cfg.account_id,
	    strlen(f->cfg.account_id), 1);
	buf_puts(&q, "&role_name=");
	(void)aws_sigv4_uri_encode(&q, f->cfg.role_name,
	    strlen(f->cfg.role_name), 1);
	url = xasprintf("%s%s", base, buf_cstr(&q));
	buf_cleanup(&q);
	free(base);
	h[0].name = "x-amz-sso_bearer_token";
	h[0].value = f->token;
	h[1].name = "Accept";
	h[1].value = "application/json";
	if (sso_submit(f, "GET", url, h, 2, NULL, "sso:GetRoleCredentials",
	    sso_role_done, err, sizeof err) == -1) {
		f->cb(NULL, err, f->arg);
		sso_fetch_free(f);
	}
	free(url);
}

/* Writes the cache back (a temporary file renamed over it, mode 0600). */
static void
sso_cache_write(struct aws_sso_fetch *f)
{
	char	*js, *tmp;
	int	 fd;
	size_t	 n;

	if ((js = cJSON_PrintUnformatted(f->doc)) == NULL)
		return;
	tmp = xasprintf("%s.cwguard.%ld", f->cache, (long)getpid());
	n = strlen(js);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1 || write(fd, js, n) != (ssize_t)n || fsync(fd) == -1 ||
	    close(fd) == -1 || rename(tmp, f->cache) == -1) {
		log_warn("sso: cannot update the token cache %s: %s", f->cache,
		    strerror(errno));
		(void)unlink(tmp);
	}
	util_wipe(js, n);
	cJSON_free(js);
	free(tmp);
}

static void
sso_token_done(const struct http_response *r, void *arg)
{
	struct aws_sso_fetch	*f = arg;
	cJSON			*j;
	const cJSON		*ttl;
	const char		*tok, *rt;
	char			 why[300], when[32], m[400];

	if (!http_response_ok(r)) {
		sso_answer_error(r, why, sizeof why);
		snprintf(m, sizeof m, "the cached token expired and could not "
		    "be refreshed (CreateToken: %s)", why);
		sso_fail(f, m);
		return;
	}
	if ((j = cJSON_ParseWithLength(r->body, r->body_len)) == NULL ||
	    (tok = sso_str(j, "accessToken")) == NULL ||
	    !cJSON_IsNumber(ttl = cJSON_GetObjectItemCaseSensitive(j,
	    "expiresIn"))) {
		cJSON_Delete(j);
		sso_fail(f, "the token refresh answered without a token");
		return;
	}
	util_free_secret(f->token);
	f->token = xstrdup(tok);
	cJSON_ReplaceItemInObjectCaseSensitive(f->doc, "accessToken",
	    cJSON_CreateString(tok));
	util_format_rfc3339(time(NULL) + (time_t)ttl->valuedouble, when,
	    sizeof when);
	cJSON_ReplaceItemInObjectCaseSensitive(f->doc, "expiresAt",
	    cJSON_CreateString(when));
	if ((rt = sso_str(j, "refreshToken")) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(f->doc, "refreshToken",
		    cJSON_CreateString(rt));
	util_wipe((char *)tok, strlen(tok));
	if (rt != NULL)
		util_wipe((char *)rt, strlen(rt));
	cJSON_Delete(j);
	sso_cache_write(f);
	log_info("sso: profile %s: token refreshed", f->cfg.profile);
	sso_get_role(f);
}

/* The expired token of an sso_session: CreateToken with refresh_token. */
static void
sso_refresh(struct aws_sso_fetch *f)
{
	const char	*cid, *csec, *rt, *rexp;
	struct http_header h[1];
	time_t		 until;
	cJSON		*o;
	char		*url, *body, err[400];

	cid = sso_str(f->doc, "clientId");
	csec = sso_str(f->doc, "clientSecret");
	rt = sso_str(f->doc, "refreshToken");
	rexp = sso_str(f->doc, "registrationExpiresAt");
	if (f->cfg.session == NULL || cid == NULL || csec == NULL ||
	    rt == NULL) {
		sso_fail(f, "the cached token has expired");
		return;
	}
	if (rexp != NULL && sso_time(rexp, &until) == 0 &&
	    until <= time(NULL)) {
		sso_fail(f, "the cached token and its client registration "
		    "have expired");
		return;
	}
	if ((url = sso_url(f, AWS_SVC_SSO_OIDC, "/token", err,
	    sizeof err)) == NULL) {
		f->cb(NULL, err, f->arg);
		sso_fetch_free(f);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "clientId", cid);
	cJSON_AddStringToObject(o, "clientSecret", csec);
	cJSON_AddStringToObject(o, "grantType", "refresh_token");
	cJSON_AddStringToObject(o, "refreshToken", rt);
	body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	h[0].name = "Content-Type";
	h[0].value = "application/json";
	if (body == NULL || sso_submit(f, "POST", url, h, 1, body,
	    "sso-oidc:CreateToken", sso_token_done, err, sizeof err) == -1) {
		f->cb(NULL, body == NULL ? "out of memory" : err, f->arg);
		sso_fetch_free(f);
	}
	if (body != NULL) {
		util_wipe(body, strlen(body));
		cJSON_free(body);
	}
	free(url);
}

/* Reads the cache file into f->doc: 0, or -1 (missing or not JSON). */
static int
sso_cache_read(struct aws_sso_fetch *f)
{
	struct buf	 b;
	char		 chunk[4096];
	ssize_t		 n;
	int		 fd, rc = -1;

	if ((fd = open(f->cache, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	buf_init(&b, SSO_CACHE_MAX);
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		if (buf_append(&b, chunk, (size_t)n) == -1)
			goto done;
	if (n == 0 && (f->doc = cJSON_ParseWithLength(b.data != NULL ?
	    b.data : "", b.len)) != NULL && cJSON_IsObject(f->doc))
		rc = 0;
done:
	util_wipe(chunk, sizeof chunk);
	buf_cleanup(&b);
	close(fd);
	return rc;
}

int
aws_sso_fetch(struct http *http, const struct aws_sso_config *cfg,
    aws_sso_cb cb, void *arg, char *err, size_t errlen)
{
	struct aws_sso_fetch	*f;
	const char		*tok, *url;
	time_t			 exp;

	f = xcalloc(1, sizeof *f);
	f->http = http;
	f->cb = cb;
	f->arg = arg;
	sso_config_copy(&f->cfg, cfg);
	if ((f->cache = aws_sso_cache_path(cfg)) == NULL) {
		snprintf(err, errlen, "SSO profile %s: no token cache ($HOME "
		    "is unset)", cfg->profile);
		sso_fetch_free(f);
		return -1;
	}
	if (sso_cache_read(f) == -1) {
		sso_fail(f, "no cached SSO token");
		return 0;
	}
	/* A cache of another start URL is not ours (the CLI checks too). */
	url = sso_str(f->doc, "startUrl");
	if (url != NULL && strcmp(url, cfg->start_url) != 0) {
		sso_fail(f, "the cached token is for another start URL");
		return 0;
	}
	if ((tok = sso_str(f->doc, "accessToken")) != NULL)
		f->token = xstrdup(tok);
	if (f->token != NULL && sso_time(sso_str(f->doc, "expiresAt"),
	    &exp) == 0 && exp - SSO_TOKEN_MARGIN > time(NULL)) {
		sso_get_role(f);
		return 0;
	}
	sso_refresh(f);
	return 0;
}
