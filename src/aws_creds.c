#include "autoconf.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws_creds.h"
#include "aws_endpoint.h"
#include "aws_profile.h"
#include "aws_sso.h"
#include "aws_proto.h"
#include "aws_req.h"
#include "buf.h"
#include "http.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define CREDS_ADVISORY		(15 * 60)	/* refresh in the background */
#define CREDS_MANDATORY		(10 * 60)	/* refuse to use past this */
#define CREDS_PROCESS_TIMEOUT	30.0
#define CREDS_PROCESS_MAX	(64 * 1024)
#define CREDS_TOKEN_MAX		(64 * 1024)
#define CREDS_MAX_HOPS		2
#define CREDS_MAX_WAITERS	1024
#define CREDS_IMDS_DEFAULT	"http://169.254.169.254"
#define CREDS_ECS_HOST		"http://169.254.170.2"

enum creds_kind {
	CREDS_ENV,
	CREDS_STATIC,
	CREDS_PROCESS,
	CREDS_WEB_IDENTITY,
	CREDS_CONTAINER,
	CREDS_IMDS,
	CREDS_SSO
};

struct creds_hop {
	char	*role_arn;
	char	*external_id;
	long	 duration;
};

struct creds_waiter {
	aws_creds_cb	 cb;
	void		*arg;
};

struct aws_creds {
	struct http		*http;
	enum creds_kind		 kind;
	char			 provider[160];
	char			*region;
	char			*session_name;
	struct aws_profile	 profile;	/* the selected profile */
	struct aws_profile	 source;	/* source_profile's keys */
	char			*web_token_file;
	char			*web_role_arn;
	struct aws_sso_config	 sso;
	struct creds_hop	 hops[CREDS_MAX_HOPS];
	int			 nhops;

	struct aws_credentials	 current;	/* what callers use */
	int			 have;
	struct aws_credentials	 step;		/* chain in progress */
	int			 hop;		/* next hop to apply */
	int			 refreshing;
	char			*imds_token;
	char			*imds_role;
	char			 error[512];
	struct creds_waiter	*waiters;
	size_t			 nwaiters;
};

static void	creds_fetch_base(struct aws_creds *);
static void	creds_next_hop(struct aws_creds *);

void
aws_credentials_copy(struct aws_credentials *dst,
    const struct aws_credentials *src)
{
	dst->access_key = src->access_key ? xstrdup(src->access_key) : NULL;
	dst->secret_key = src->secret_key ? xstrdup(src->secret_key) : NULL;
	dst->session_token = src->session_token ?
	    xstrdup(src->session_token) : NULL;
	dst->expiration = src->expiration;
}

void
aws_credentials_cleanup(struct aws_credentials *c)
{
	free(c->access_key);
	util_free_secret(c->secret_key);
	util_free_secret(c->session_token);
	memset(c, 0, sizeof *c);
}

static int
creds_parse_expiration(const char *s, time_t *out, char *err, size_t errlen)
{
	char	e[200];

	if (util_parse_time(s, time(NULL), out, e, sizeof e) == -1 ||
	    strchr(s, '-') == NULL) {
		snprintf(err, errlen, "bad Expiration in credentials");
		return -1;
	}
	return 0;
}

int
aws_credentials_from_json(const char *body, size_t len,
    struct aws_credentials *c, char *err, size_t errlen)
{
	cJSON		*j, *ak, *sk, *tok, *exp, *ver, *code;
	int		 rc = -1;

	memset(c, 0, sizeof *c);
	if ((j = cJSON_ParseWithLength(body, len)) == NULL ||
	    !cJSON_IsObject(j)) {
		snprintf(err, errlen, "credentials reply is not a JSON object");
		goto done;
	}
	ver = cJSON_GetObjectItemCaseSensitive(j, "Version");
	if (ver != NULL && !(cJSON_IsNumber(ver) && ver->valuedouble == 1)) {
		snprintf(err, errlen, "credentials JSON Version must be 1");
		goto done;
	}
	ak = cJSON_GetObjectItemCaseSensitive(j, "AccessKeyId");
	sk = cJSON_GetObjectItemCaseSensitive(j, "SecretAccessKey");
	tok = cJSON_GetObjectItemCaseSensitive(j, "Token");
	if (tok == NULL)
		tok = cJSON_GetObjectItemCaseSensitive(j, "SessionToken");
	exp = cJSON_GetObjectItemCaseSensitive(j, "Expiration");
	if (!cJSON_IsString(ak) || !cJSON_IsString(sk) ||
	    *ak->valuestring == '\0' || *sk->valuestring == '\0') {
		code = cJSON_GetObjectItemCaseSensitive(j, "Code");
		snprintf(err, errlen, "credentials reply has no keys%s%s",
		    cJSON_IsString(code) ? ": Code " : "",
		    cJSON_IsString(code) ? "(present)" : "");
		goto done;
	}
	if (tok != NULL && !cJSON_IsString(tok) && !cJSON_IsNull(tok)) {
		snprintf(err, errlen, "credentials Token is not a string");
		goto done;
	}
	c->access_key = xstrdup(ak->valuestring);
	c->secret_key = xstrdup(sk->valuestring);
	if (cJSON_IsString(tok) && *tok->valuestring != '\0')
		c->session_token = xstrdup(tok->valuestring);
	if (cJSON_IsString(exp) && creds_parse_expiration(exp->valuestring,
	    &c->expiration, err, errlen) == -1)
		goto done;
	rc = 0;
done:
	if (j != NULL) {
		/* Wipe the secret strings inside the parsed tree. */
		if ((sk = cJSON_GetObjectItemCaseSensitive(j,
		    "SecretAccessKey")) != NULL && cJSON_IsString(sk))
			util_wipe(sk->valuestring, strlen(sk->valuestring));
		cJSON_Delete(j);
	}
	if (rc == -1)
		aws_credentials_cleanup(c);
	return rc;
}

static void
creds_hop_add(struct aws_creds *c, const char *arn, const char *ext,
    long duration)
{
	struct creds_hop	*h = &c->hops[c->nhops++];

	h->role_arn = xstrdup(arn);
	h->external_id = ext != NULL && *ext != '\0' ? xstrdup(ext) : NULL;
	h->duration = duration;
}

static int
creds_env_set(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0';
}

struct aws_creds *
aws_creds_new(struct http *http, const struct aws_creds_options *o,
    char *err, size_t errlen)
{
	struct aws_creds	*c;
	char			*cpath, *fpath;
	const char		*name, *region, *v;
	int			 explicit_profile, n;

	c = xcalloc(1, sizeof *c);
	c->http = http;
	explicit_profile = o->profile != NULL && *o->profile != '\0';
	name = explicit_profile ? o->profile : aws_profile_name();
	cpath = aws_profile_credentials_path();
	fpath = aws_profile_config_path();
	if (aws_profile_load(cpath, fpath, name, &c->profile, err, errlen) ==
	    -1)
		goto fail;
	/* As botocore: a profile named (config, AWS_PROFILE) must exist. */
	if (!c->profile.found && strcmp(name, "default") != 0) {
		snprintf(err, errlen, "AWS profile '%s'%s not found in %s or "
		    "%s", name, explicit_profile ? "" : " (AWS_PROFILE or "
		    "AWS_DEFAULT_PROFILE)", fpath != NULL ? fpath :
		    "~/.aws/config", cpath != NULL ? cpath :
		    "~/.aws/credentials");
		goto fail;
	}
	region = aws_endpoint_region(o->region, c->profile.region);
	c->region = region != NULL ? xstrdup(region) : NULL;
	c->session_name = o->session_name != NULL ?
	    xstrdup(o->session_name) : xasprintf("cwguard-%lld",
	    (long long)time(NULL));

	if (!explicit_profile && creds_env_set("AWS_ACCESS_KEY_ID") &&
	    creds_env_set("AWS_SECRET_ACCESS_KEY")) {
		c->kind = CREDS_ENV;
		snprintf(c->provider, sizeof c->provider, "env");
	} else if (c->profile.role_arn != NULL &&
	    (c->profile.source_profile != NULL ||
	    c->profile.credential_source != NULL)) {
		if (c->profile.source_profile != NULL) {
			if (aws_profile_load(cpath, fpath,
			    c->profile.source_profile, &c->source, err,
			    errlen) == -1)
				goto fail;
			if (c->source.access_key == NULL ||
			    c->source.secret_key == NULL) {
				snprintf(err, errlen, "profile %s: "
				    "source_profile %s has no keys", name,
				    c->profile.source_profile);
				goto fail;
			}
			c->kind = CREDS_STATIC;
		} else if (strcmp(c->profile.credential_source,
		    "Environment") == 0)
			c->kind = CREDS_ENV;
		else if (strcmp(c->profile.credential_source,
		    "Ec2InstanceMetadata") == 0)
			c->kind = CREDS_IMDS;
		else if (strcmp(c->profile.credential_source,
		    "EcsContainer") == 0)
			c->kind = CREDS_CONTAINER;
		else {
			snprintf(err, errlen, "profile %s: unknown "
			    "credential_source", name);
			goto fail;
		}
		creds_hop_add(c, c->profile.role_arn, c->profile.external_id,
		    c->profile.duration_seconds);
		snprintf(c->provider, sizeof c->provider,
		    "assume-role profile %s", name);
	} else if ((n = aws_sso_config_load(&c->profile, fpath, &c->sso, err,
	    errlen)) != 0) {
		if (n == -1)
			goto fail;
		c->kind = CREDS_SSO;
		snprintf(c->provider, sizeof c->provider, "sso profile %s%s%s",
		    name, c->sso.session != NULL ? ", session " : "",
		    c->sso.session != NULL ? c->sso.session : "");
	} else if ((c->profile.web_identity_token_file != NULL &&
	    c->profile.role_arn != NULL) ||
	    (creds_env_set("AWS_WEB_IDENTITY_TOKEN_FILE") &&
	    creds_env_set("AWS_ROLE_ARN"))) {
		c->kind = CREDS_WEB_IDENTITY;
		if (c->profile.web_identity_token_file != NULL &&
		    c->profile.role_arn != NULL) {
			c->web_token_file =
			    xstrdup(c->profile.web_identity_token_file);
			c->web_role_arn = xstrdup(c->profile.role_arn);
		} else {
			c->web_token_file =
			    xstrdup(getenv("AWS_WEB_IDENTITY_TOKEN_FILE"));
			c->web_role_arn = xstrdup(getenv("AWS_ROLE_ARN"));
		}
		if ((v = getenv("AWS_ROLE_SESSION_NAME")) != NULL &&
		    *v != '\0') {
			free(c->session_name);
			c->session_name = xstrdup(v);
		}
		snprintf(c->provider, sizeof c->provider, "web-identity");
	} else if (c->profile.access_key != NULL &&
	    c->profile.secret_key != NULL &&
	    c->profile.creds_from_credentials_file) {
		c->kind = CREDS_STATIC;
		snprintf(c->provider, sizeof c->provider,
		    "shared-credentials-file profile %s", name);
	} else if (c->profile.credential_process != NULL) {
		c->kind = CREDS_PROCESS;
		snprintf(c->provider, sizeof c->provider,
		    "credential_process profile %s", name);
	} else if (c->profile.access_key != NULL &&
	    c->profile.secret_key != NULL) {
		c->kind = CREDS_STATIC;
		snprintf(c->provider, sizeof c->provider,
		    "config-file profile %s", name);
	} else if (explicit_profile && c->profile.found == 0) {
		snprintf(err, errlen, "AWS profile '%s' not found", name);
		goto fail;
	} else if (creds_env_set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") ||
	    creds_env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
		c->kind = CREDS_CONTAINER;
		snprintf(c->provider, sizeof c->provider, "container");
	} else if ((v = getenv("AWS_EC2_METADATA_DISABLED")) == NULL ||
	    strcasecmp(v, "true") != 0) {
		c->kind = CREDS_IMDS;
		snprintf(c->provider, sizeof c->provider, "imds");
	} else {
		snprintf(err, errlen, "no AWS credentials: set AWS_ACCESS_KEY_ID"
		    "/AWS_SECRET_ACCESS_KEY, a profile, web identity, or run on "
		    "ECS/EC2 (IMDS is disabled)");
		goto fail;
	}
	if (o->role_arn != NULL && *o->role_arn != '\0') {
		creds_hop_add(c, o->role_arn, o->external_id, 0);
		snprintf(c->provider + strlen(c->provider),
		    sizeof c->provider - strlen(c->provider),
		    " + assume-role %s", o->role_arn);
	}
	free(cpath);
	free(fpath);
	return c;
fail:
	free(cpath);
	free(fpath);
	aws_creds_free(c);
	return NULL;
}

void
aws_creds_free(struct aws_creds *c)
{
	size_t	i;
	int	h;

	if (c == NULL)
		return;
	/* Nobody is left to tell: waiters hear that we stopped. */
	for (i = 0; i < c->nwaiters; i++)
		c->waiters[i].cb(NULL, "credentials provider stopped",
		    c->waiters[i].arg);
	free(c->waiters);
	aws_profile_cleanup(&c->profile);
	aws_profile_cleanup(&c->source);
	aws_credentials_cleanup(&c->current);
	aws_credentials_cleanup(&c->step);
	for (h = 0; h < c->nhops; h++) {
		free(c->hops[h].role_arn);
		free(c->hops[h].external_id);
	}
	free(c->region);
	free(c->session_name);
	free(c->web_token_file);
	free(c->web_role_arn);
	aws_sso_config_free(&c->sso);
	util_free_secret(c->imds_token);
	free(c->imds_role);
	free(c);
}

const char *
aws_creds_provider(const struct aws_creds *c)
{
	return c->provider;
}

const char *
aws_creds_region(const struct aws_creds *c)
{
	return c->region;
}

static int
creds_usable(const struct aws_creds *c, time_t now)
{
	return c->have && (c->current.expiration == 0 ||
	    c->current.expiration - now > CREDS_MANDATORY);
}

static void
creds_finish(struct aws_creds *c, const char *error)
{
	struct creds_waiter	*w;
	size_t			 n, i;

	c->refreshing = 0;
	if (error == NULL) {
		aws_credentials_cleanup(&c->current);
		c->current = c->step;
		memset(&c->step, 0, sizeof c->step);
		c->have = 1;
		c->error[0] = '\0';
		log_debug("aws credentials from %s%s", c->provider,
		    c->current.expiration ? " (temporary)" : "");
	} else {
		aws_credentials_cleanup(&c->step);
		util_strlcpy(c->error, error, sizeof c->error);
		log_warn("aws credentials (%s): %s", c->provider, error);
	}
	/* Callbacks may queue new waiters: take the list first. */
	w = c->waiters;
	n = c->nwaiters;
	c->waiters = NULL;
	c->nwaiters = 0;
	for (i = 0; i < n; i++) {
		if (error == NULL || creds_usable(c, time(NULL)))
			w[i].cb(&c->current, NULL, w[i].arg);
		else
			w[i].cb(NULL, c->error, w[i].arg);
	}
	free(w);
}

static void
creds_start_refresh(struct aws_creds *c)
{
	if (c->refreshing)
		return;
	c->refreshing = 1;
	c->hop = 0;
	aws_credentials_cleanup(&c->step);
	creds_fetch_base(c);
}

const struct aws_credentials *
aws_creds_peek(struct aws_creds *c, time_t now)
{
	if (c->have && c->current.expiration != 0 &&
	    c->current.expiration - now <= CREDS_ADVISORY)
		creds_start_refresh(c);
	return creds_usable(c, now) ? &c->current : NULL;
}

int
aws_creds_get(struct aws_creds *c, time_t now, aws_creds_cb cb, void *arg,
    char *err, size_t errlen)
{
	const struct aws_credentials	*cur;

	if ((cur = aws_creds_peek(c, now)) != NULL) {
		cb(cur, NULL, arg);
		return 0;
	}
	if (c->nwaiters == CREDS_MAX_WAITERS) {
		snprintf(err, errlen, "too many requests waiting for "
		    "credentials");
		return -1;
	}
	c->waiters = xreallocarray(c->waiters, c->nwaiters + 1,
	    sizeof *c->waiters);
	c->waiters[c->nwaiters].cb = cb;
	c->waiters[c->nwaiters].arg = arg;
	c->nwaiters++;
	creds_start_refresh(c);
	return 0;
}

void
aws_creds_invalidate(struct aws_creds *c)
{
	/* Long-term keys cannot be refetched; temporary ones can. */
	if (c->kind == CREDS_ENV && c->nhops == 0)
		return;
	if (c->kind == CREDS_STATIC && c->nhops == 0)
		return;
	c->have = 0;
}

/* --- the providers --------------------------------------------------- */

static void
creds_base_done(struct aws_creds *c, const char *error)
{
	if (error != NULL) {
		creds_finish(c, error);
		return;
	}
	creds_next_hop(c);
}

static void
creds_fetch_env(struct aws_creds *c)
{
	const char	*tok, *exp;
	char		 err[128];

	if (!creds_env_set("AWS_ACCESS_KEY_ID") ||
	    !creds_env_set("AWS_SECRET_ACCESS_KEY")) {
		creds_base_done(c, "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
		    "are not set");
		return;
	}
	c->step.access_key = xstrdup(getenv("AWS_ACCESS_KEY_ID"));
	c->step.secret_key = xstrdup(getenv("AWS_SECRET_ACCESS_KEY"));
	if ((tok = getenv("AWS_SESSION_TOKEN")) == NULL || *tok == '\0')
		tok = getenv("AWS_SECURITY_TOKEN");
	if (tok != NULL && *tok != '\0')
		c->step.session_token = xstrdup(tok);
	if ((exp = getenv("AWS_CREDENTIAL_EXPIRATION")) != NULL &&
	    *exp != '\0' && creds_parse_expiration(exp, &c->step.expiration,
	    err, sizeof err) == -1) {
		creds_base_done(c, "AWS_CREDENTIAL_EXPIRATION is not a date");
		return;
	}
	creds_base_done(c, NULL);
}

static void
creds_fetch_static(struct aws_creds *c)
{
	const struct aws_profile	*p = c->source.access_key != NULL ?
	    &c->source : &c->profile;

	c->step.access_key = xstrdup(p->access_key);
	c->step.secret_key = xstrdup(p->secret_key);
	if (p->session_token != NULL)
		c->step.session_token = xstrdup(p->session_token);
	creds_base_done(c, NULL);
}

/*
 * credential_process runs without a shell and is waited for with a
 * timeout. It is rare (start-up and expiry) and local, so it is run to
 * completion here rather than through the loop.
 */
static void
creds_fetch_process(struct aws_creds *c)
{
	char		**argv, err[300], chunk[4096];
	int		  out[2] = { -1, -1 }, status = 0, rc;
	pid_t		  pid;
	struct buf	  b;
	double		  deadline;
	ssize_t		  n;
	struct pollfd	  pfd;

	buf_init(&b, CREDS_PROCESS_MAX);
	if ((argv = aws_profile_split_command(c->profile.credential_process,
	    err, sizeof err)) == NULL) {
		creds_base_done(c, err);
		return;
	}
	if (pipe2(out, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		snprintf(err, sizeof err, "credential_process: %s",
		    strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	out[1] = -1;
	deadline = util_monotonic() + CREDS_PROCESS_TIMEOUT;
	for (;;) {
		double	left = deadline - util_monotonic();

		if (left <= 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			snprintf(err, sizeof err, "credential_process: timed "
			    "out after %.0f s", CREDS_PROCESS_TIMEOUT);
			goto fail;
		}
		pfd.fd = out[0];
		pfd.events = POLLIN;
		if ((rc = poll(&pfd, 1, (int)(left * 1000) + 1)) == -1 &&
		    errno != EINTR)
			break;
		if (rc <= 0)
			continue;
		if ((n = read(out[0], chunk, sizeof chunk)) <= 0)
			break;
		if (buf_append(&b, chunk, (size_t)n) == -1) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			snprintf(err, sizeof err, "credential_process: output "
			    "over %d bytes", CREDS_PROCESS_MAX);
			goto fail;
		}
	}
	util_wipe(chunk, sizeof chunk);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, sizeof err, "credential_process: %s exited with "
		    "status %d", argv[0], WIFEXITED(status) ?
		    WEXITSTATUS(status) : 128 + WTERMSIG(status));
		goto fail;
	}
	if (aws_credentials_from_json(b.data == NULL ? "" : b.data, b.len,
	    &c->step, err, sizeof err) == -1) {
		char	e2[sizeof err];

		util_strlcpy(e2, err, sizeof e2);
		snprintf(err, sizeof err, "credential_process: %.200s", e2);
		goto fail;
	}
	close(out[0]);
	buf_cleanup(&b);
	aws_profile_argv_free(argv);
	creds_base_done(c, NULL);
	return;
fail:
	if (out[0] != -1)
		close(out[0]);
	if (out[1] != -1)
		close(out[1]);
	buf_cleanup(&b);
	aws_profile_argv_free(argv);
	creds_base_done(c, err);
}

/* Reads a small token file (web identity, container auth), trimmed. */
static char *
creds_read_token(const char *path, char *err, size_t errlen)
{
	FILE		*f;
	struct buf	 b;
	char		 chunk[1024];
	size_t		 n;
	char		*s;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf_init(&b, CREDS_TOKEN_MAX);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (buf_append(&b, chunk, n) == -1) {
			snprintf(err, errlen, "%s: token over %d bytes", path,
			    CREDS_TOKEN_MAX);
			fclose(f);
			buf_cleanup(&b);
			return NULL;
		}
	}
	fclose(f);
	util_wipe(chunk, sizeof chunk);
	s = buf_steal(&b, NULL);
	return util_trim(s);
}

/* --- STS: AssumeRole (signed) and AssumeRoleWithWebIdentity ---------- */

static void
creds_sts_done(const struct http_response *r, void *arg)
{
	struct aws_creds	*c = arg;
	struct aws_reply	 reply;
	struct aws_error	 ae;
	struct aws_xml		*x = NULL;
	const struct aws_xml_node *root, *cr;
	const char		*ak, *sk, *tok, *exp;
	char			 err[600], e[300];

	memset(&reply, 0, sizeof reply);
	reply.http_status = (int)r->status;
	reply.request_id = http_response_header(r, "x-amzn-RequestId");
	reply.body = r->body;
	reply.len = r->body_len;
	if (r->status == 0) {
		snprintf(err, sizeof err, "sts: %s", r->error);
		goto fail;
	}
	if (aws_xml_reply(&reply, "sts", &x, &ae) == -1) {
		snprintf(err, sizeof err, "sts: %s",
		    aws_error_format(&ae, e, sizeof e));
		goto fail;
	}
	root = aws_xml_root(x);
	cr = aws_xml_first_child(root);	/* ...Result */
	while (cr != NULL && strstr(aws_xml_name(cr), "Result") == NULL)
		cr = aws_xml_next(cr);
	if (cr == NULL || (cr = aws_xml_node_find(cr, "Credentials")) == NULL) {
		snprintf(err, sizeof err, "sts: reply has no Credentials");
		goto fail;
	}
	ak = aws_xml_text(aws_xml_node_find(cr, "AccessKeyId"));
	sk = aws_xml_text(aws_xml_node_find(cr, "SecretAccessKey"));
	tok = aws_xml_text(aws_xml_node_find(cr, "SessionToken"));
	exp = aws_xml_text(aws_xml_node_find(cr, "Expiration"));
	if (ak == NULL || sk == NULL || tok == NULL || exp == NULL ||
	    *ak == '\0' || *sk == '\0') {
		snprintf(err, sizeof err, "sts: incomplete Credentials");
		goto fail;
	}
	aws_credentials_cleanup(&c->step);
	c->step.access_key = xstrdup(ak);
	c->step.secret_key = xstrdup(sk);
	c->step.session_token = xstrdup(tok);
	if (creds_parse_expiration(exp, &c->step.expiration, err,
	    sizeof err) == -1)
		goto fail;
	aws_xml_free(x);
	creds_next_hop(c);
	return;
fail:
	aws_xml_free(x);
	creds_finish(c, err);
}

static int
creds_sts_submit(struct aws_creds *c, struct buf *body, int sign,
    char *err, size_t errlen)
{
	const struct aws_service_info	*si = aws_service_info(AWS_SVC_STS);
	struct aws_endpoint		 ep;
	struct aws_req			 req;
	struct http_request		 hr;
	struct http_header		 h[1];
	static const struct http_retry	 retry = { .max_attempts = 3,
	    .base = 0.2, .cap = 5, .retry_after_max = 10 };
	int				 rc = -1;

	if (aws_endpoint_resolve(AWS_SVC_STS, c->region, &ep, err, errlen) ==
	    -1)
		return -1;
	h[0].name = "Content-Type";
	h[0].value = si->content_type;
	if (aws_req_prepare(&req, &ep, si->signing_name, "POST", "/", NULL,
	    h, 1, body->data, body->len, sign ? &c->step : NULL, time(NULL),
	    err, errlen) == -1)
		goto done;
	memset(&hr, 0, sizeof hr);
	hr.method = "POST";
	hr.url = req.url;
	hr.headers = req.headers;
	hr.nheaders = req.nheaders;
	hr.body = body->data;
	hr.body_len = body->len;
	hr.label = "sts";
	hr.retry = &retry;
	hr.cb = creds_sts_done;
	hr.arg = c;
	rc = http_submit(c->http, &hr, err, errlen);
done:
	aws_req_cleanup(&req);
	return rc;
}

static void
creds_next_hop(struct aws_creds *c)
{
	struct creds_hop	*h;
	struct buf		 body;
	char			 dur[24], err[400];

	if (c->hop >= c->nhops) {
		creds_finish(c, NULL);
		return;
	}
	h = &c->hops[c->hop++];
	buf_init(&body, 64 * 1024);
	aws_query_begin(&body, "AssumeRole", "2011-06-15");
	aws_query_add(&body, "RoleArn", h->role_arn);
	aws_query_add(&body, "RoleSessionName", c->session_name);
	if (h->external_id != NULL)
		aws_query_add(&body, "ExternalId", h->external_id);
	if (h->duration > 0) {
		snprintf(dur, sizeof dur, "%ld", h->duration);
		aws_query_add(&body, "DurationSeconds", dur);
	}
	if (creds_sts_submit(c, &body, 1, err, sizeof err) == -1)
		creds_finish(c, err);
	buf_cleanup(&body);
}

static void
creds_fetch_web_identity(struct aws_creds *c)
{
	struct buf	 body;
	char		*token, err[400];

	/* The token file is re-read on every refresh: it rotates. */
	if ((token = creds_read_token(c->web_token_file, err, sizeof err)) ==
	    NULL) {
		creds_base_done(c, err);
		return;
	}
	buf_init(&body, 128 * 1024);
	aws_query_begin(&body, "AssumeRoleWithWebIdentity", "2011-06-15");
	aws_query_add(&body, "RoleArn", c->web_role_arn);
	aws_query_add(&body, "RoleSessionName", c->session_name);
	aws_query_add(&body, "WebIdentityToken", token);
	util_free_secret(token);
	if (creds_sts_submit(c, &body, 0, err, sizeof err) == -1)
		creds_base_done(c, err);
	buf_cleanup(&body);
}

/* --- container and IMDS ---------------------------------------------- */

static void
creds_json_done(const struct http_response *r, void *arg)
{
	struct aws_creds	*c = arg;
	char			 err[400], e[300];

	if (!http_response_ok(r)) {
		snprintf(err, sizeof err, "%s: %s", c->kind == CREDS_IMDS ?
		    "imds" : "container", r->error);
		creds_base_done(c, err);
		return;
	}
	if (aws_credentials_from_json(r->body, r->body_len, &c->step, e,
	    sizeof e) == -1) {
		snprintf(err, sizeof err, "%s: %s", c->kind == CREDS_IMDS ?
		    "imds" : "container", e);
		creds_base_done(c, err);
		return;
	}
	creds_base_done(c, NULL);
}

static int
creds_http_get(struct aws_creds *c, const char *url, const char *method,
    const struct http_header *h, size_t nh, const char *label,
    void (*cb)(const struct http_response *, void *), char *err,
    size_t errlen)
{
	struct http_request	hr;
	static const struct http_retry retry = { .max_attempts = 3,
	    .base = 0.5, .cap = 2, .retry_after_max = 2 };

	memset(&hr, 0, sizeof hr);
	hr.method = method;
	hr.url = url;
	hr.headers = h;
	hr.nheaders = nh;
	hr.label = label;
	hr.connect_timeout_ms = 2000;
	hr.total_timeout_ms = 5000;
	hr.body_max = 64 * 1024;
	hr.retry = &retry;
	hr.cb = cb;
	hr.arg = c;
	return http_submit(c->http, &hr, err, errlen);
}

static void
creds_fetch_container(struct aws_creds *c)
{
	const char		*rel, *full, *tokfile, *tok;
	char			*url, *token = NULL, err[400];
	struct http_header	 h[2];
	size_t			 nh = 0;

	rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	if (rel != NULL && *rel != '\0')
		url = xasprintf("%s%s", CREDS_ECS_HOST, rel);
	else if (full != NULL && *full != '\0')
		url = xstrdup(full);
	else {
		creds_base_done(c, "container: no credentials URI in the "
		    "environment");
		return;
	}
	tokfile = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	tok = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	if (tokfile != NULL && *tokfile != '\0') {
		if ((token = creds_read_token(tokfile, err, sizeof err)) ==
		    NULL) {
			free(url);
			creds_base_done(c, err);
			return;
		}
	} else if (tok != NULL && *tok != '\0')
		token = xstrdup(tok);
	if (token != NULL && strpbrk(token, "\r\n") != NULL) {
		util_free_secret(token);
		free(url);
		creds_base_done(c, "container: authorization token holds a "
		    "line break");
		return;
	}
	h[nh].name = "Accept";
	h[nh++].value = "application/json";
	if (token != NULL) {
		h[nh].name = "Authorization";
		h[nh++].value = token;
	}
	if (creds_http_get(c, url, "GET", h, nh, "container-credentials",
	    creds_json_done, err, sizeof err) == -1)
		creds_base_done(c, err);
	util_free_secret(token);
	free(url);
}

static const char *
creds_imds_base(void)
{
	const char	*v = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");

	return v != NULL && *v != '\0' ? v : CREDS_IMDS_DEFAULT;
}

static char *
creds_imds_url(const char *path)
{
	const char	*base = creds_imds_base();
	size_t		 n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return xasprintf("%.*s%s", (int)n, base, path);
}

static void
creds_imds_role_done(const struct http_response *r, void *arg)
{
	struct aws_creds	*c = arg;
	struct http_header	 h[1];
	char			*url, *tmp, *role, err[400];

	if (!http_response_ok(r)) {
		snprintf(err, sizeof err, "imds: no instance role: %s",
		    r->error);
		creds_base_done(c, err);
		return;
	}
	role = xstrndup(r->body, r->body_len);
	role[strcspn(role, "\r\n")] = '\0';
	util_trim(role);
	if (*role == '\0' || strpbrk(role, "/?#% ") != NULL) {
		free(role);
		creds_base_done(c, "imds: bad instance role name");
		return;
	}
	free(c->imds_role);
	c->imds_role = role;
	tmp = creds_imds_url("/latest/meta-data/iam/security-credentials/");
	url = xasprintf("%s%s", tmp, role);
	free(tmp);
	h[0].name = "x-aws-ec2-metadata-token";
	h[0].value = c->imds_token;
	if (creds_http_get(c, url, "GET", h, 1, "imds", creds_json_done, err,
	    sizeof err) == -1)
		creds_base_done(c, err);
	free(url);
}

static void
creds_imds_token_done(const struct http_response *r, void *arg)
{
	struct aws_creds	*c = arg;
	struct http_header	 h[1];
	char			*url, err[400];

	if (!http_response_ok(r)) {
		/* IMDSv1 fallback is deliberately not offered. */
		snprintf(err, sizeof err, "imds: no IMDSv2 token: %s",
		    r->error);
		creds_base_done(c, err);
		return;
	}
	util_free_secret(c->imds_token);
	c->imds_token = xstrndup(r->body, r->body_len);
	util_trim(c->imds_token);
	h[0].name = "x-aws-ec2-metadata-token";
	h[0].value = c->imds_token;
	url = creds_imds_url("/latest/meta-data/iam/security-credentials/");
	if (creds_http_get(c, url, "GET", h, 1, "imds", creds_imds_role_done,
	    err, sizeof err) == -1)
		creds_base_done(c, err);
	free(url);
}

static void
creds_fetch_imds(struct aws_creds *c)
{
	struct http_header	 h[1];
	char			*url, err[400];

	h[0].name = "x-aws-ec2-metadata-token-ttl-seconds";
	h[0].value = "21600";
	url = creds_imds_url("/latest/api/token");
	if (creds_http_get(c, url, "PUT", h, 1, "imds", creds_imds_token_done,
	    err, sizeof err) == -1)
		creds_base_done(c, err);
	free(url);
}

/* --- IAM Identity Center ------------------------------------------- */

static void
creds_sso_done(const struct aws_credentials *cr, const char *error,
    void *arg)
{
	struct aws_creds	*c = arg;

	if (cr == NULL) {
		creds_base_done(c, error);
		return;
	}
	aws_credentials_cleanup(&c->step);
	aws_credentials_copy(&c->step, cr);
	creds_base_done(c, NULL);
}

static void
creds_fetch_sso(struct aws_creds *c)
{
	char	err[400];

	if (aws_sso_fetch(c->http, &c->sso, creds_sso_done, c, err,
	    sizeof err) == -1)
		creds_base_done(c, err);
}

static void
creds_fetch_base(struct aws_creds *c)
{
	switch (c->kind) {
	case CREDS_ENV:
		creds_fetch_env(c);
		break;
	case CREDS_STATIC:
		creds_fetch_static(c);
		break;
	case CREDS_PROCESS:
		creds_fetch_process(c);
		break;
	case CREDS_WEB_IDENTITY:
		creds_fetch_web_identity(c);
		break;
	case CREDS_CONTAINER:
		creds_fetch_container(c);
		break;
	case CREDS_SSO:
		creds_fetch_sso(c);
		break;
	case CREDS_IMDS:
		creds_fetch_imds(c);
		break;
	}
}
