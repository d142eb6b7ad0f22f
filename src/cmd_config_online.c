/*
 * `cwguard config check --online`: after the offline checks, resolve the
 * credentials (naming the provider that won), call sts:GetCallerIdentity,
 * resolve the ${secretsmanager:} references, and report the account,
 * region and every endpoint in use. Nothing secret is printed.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws.h"
#include "aws_creds.h"
#include "awsstack.h"
#include "buf.h"
#include "cmd.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "secretref.h"
#include "util.h"

#define ONLINE_TIMEOUT	60.0

struct online {
	int		 json;
	int		 steps;		/* still running */
	int		 failed;
	char		 account[64];
	char		 arn[512];
	char		 sts_error[600];
	int		 nsecrets;
	int		 secrets_failed;
	char		 secret_error[400];
};

static int
online_done(void *arg)
{
	struct online	*o = arg;

	return o->steps == 0;
}

static void
online_identity(const struct aws_result *r, void *arg)
{
	struct online	*o = arg;
	struct aws_xml	*x = NULL;
	struct aws_reply reply;
	struct aws_error ae;
	const char	*v;
	char		 e[600];

	o->steps--;
	if (!r->ok) {
		o->failed++;
		snprintf(o->sts_error, sizeof o->sts_error, "%s",
		    aws_error_format(&r->error, e, sizeof e));
		return;
	}
	memset(&reply, 0, sizeof reply);
	reply.http_status = r->http_status;
	reply.body = r->body;
	reply.len = r->len;
	if (aws_xml_reply(&reply, "sts", &x, &ae) == -1) {
		o->failed++;
		snprintf(o->sts_error, sizeof o->sts_error, "%s",
		    aws_error_format(&ae, e, sizeof e));
		return;
	}
	if ((v = aws_xml_get(x, "GetCallerIdentityResponse/"
	    "GetCallerIdentityResult/Account")) != NULL)
		log_escape(v, strlen(v), o->account, sizeof o->account);
	if ((v = aws_xml_get(x, "GetCallerIdentityResponse/"
	    "GetCallerIdentityResult/Arn")) != NULL)
		log_escape(v, strlen(v), o->arn, sizeof o->arn);
	if (o->account[0] == '\0') {
		o->failed++;
		snprintf(o->sts_error, sizeof o->sts_error,
		    "GetCallerIdentity reply has no Account");
	}
	aws_xml_free(x);
}

static void
online_secrets(int nfailed, const char *err, void *arg)
{
	struct online	*o = arg;

	o->steps--;
	o->secrets_failed = nfailed;
	if (nfailed > 0) {
		o->failed++;
		util_strlcpy(o->secret_error, err != NULL ? err : "failed",
		    sizeof o->secret_error);
	}
}

/* Prints one "key: value" line, or a JSON member, value escaped. */
static void
online_line(const struct online *o, int *first, const char *key,
    const char *value)
{
	char	esc[1200];

	log_escape(value, strlen(value), esc, sizeof esc);
	if (o->json) {
		printf("%s\"%s\":\"%s\"", *first ? "" : ",", key, esc);
		*first = 0;
	} else
		printf("%-24s %s\n", key, esc);
}

int
cmd_config_online(struct cmd_ctx *ctx, struct config *cfg)
{
	struct online		 o;
	struct awsstack		 st;
	struct aws		*aws;
	struct secretref	*sr = NULL;
	struct aws_endpoint	 ep;
	struct buf		 body;
	const char		*region;
	char			 err[600], key[64];
	int			 first = 1, rc = 1, svc;

	memset(&o, 0, sizeof o);
	o.json = ctx->json;
	if (awsstack_open(&st, cfg, 0, err, sizeof err) == -1)
		goto fail;
	aws = st.aws;
	region = st.region;

	buf_init(&body, 4096);
	aws_query_begin(&body, "GetCallerIdentity", "2011-06-15");
	o.steps++;
	if (aws_call_query(aws, AWS_SVC_STS, "GetCallerIdentity", body.data,
	    body.len, online_identity, &o, err, sizeof err) == -1) {
		o.steps--;
		buf_cleanup(&body);
		goto fail;
	}
	buf_cleanup(&body);
	sr = secretref_new(aws, cfg->secret_ttl);
	o.steps++;
	o.nsecrets = secretref_resolve(sr, cfg, time(NULL), online_secrets, &o);
	if (o.steps > 0 &&
	    loop_run_until(online_done, &o, ONLINE_TIMEOUT) == -1) {
		snprintf(err, sizeof err, "AWS did not answer within %.0f s",
		    ONLINE_TIMEOUT);
		goto fail;
	}

	if (o.json)
		printf("{\"type\":\"online\",");
	online_line(&o, &first, "credentials", aws_creds_provider(st.creds));
	online_line(&o, &first, "region", region);
	if (st.ca_bundle[0] != '\0')
		online_line(&o, &first, "ca bundle", st.ca_bundle);
	online_line(&o, &first, "account", o.account[0] ? o.account :
	    "(unknown)");
	if (o.arn[0])
		online_line(&o, &first, "identity", o.arn);
	for (svc = 0; svc < AWS_SVC_COUNT; svc++) {
		if (aws_endpoint(aws, (enum aws_service)svc, &ep, err,
		    sizeof err) == -1)
			continue;
		snprintf(key, sizeof key, "endpoint %s",
		    aws_service_info((enum aws_service)svc)->name);
		online_line(&o, &first, key, ep.url);
	}
	snprintf(key, sizeof key, "%d", o.nsecrets - o.secrets_failed);
	online_line(&o, &first, "secret references resolved", key);
	if (o.sts_error[0])
		online_line(&o, &first, "error sts", o.sts_error);
	if (o.secret_error[0])
		online_line(&o, &first, "error secretsmanager", o.secret_error);
	if (o.json)
		printf(",\"ok\":%s}\n", o.failed ? "false" : "true");
	fflush(stdout);
	rc = o.failed ? 1 : 0;
	if (o.failed)
		fprintf(stderr, "cwguard: config check --online: %d check%s "
		    "failed\n", o.failed, o.failed == 1 ? "" : "s");
	goto done;
fail:
	fprintf(stderr, "cwguard: config check --online: %s\n", err);
done:
	secretref_free(sr);
	awsstack_close(&st);
	return rc;
}
