/*
 * The least-privilege IAM policy of a config (see include/iampolicy.h).
 * Resource formats follow the AWS Service Authorization Reference:
 * log groups are arn:P:logs:R:A:log-group:NAME (StartQuery names the group,
 * the streams below it are NAME:*), secrets arn:P:secretsmanager:R:A:
 * secret:NAME-?????? (AWS appends six random characters to the name).
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "iampolicy.h"
#include "xmalloc.h"

struct ip_list {
	char	**v;
	size_t	  n;
};

struct ip_stmt {
	const char	*sid;
	struct ip_list	 actions;
	struct ip_list	 resources;
};

#define IP_MAX_STMTS	16

struct ip_doc {
	struct ip_stmt	 stmt[IP_MAX_STMTS];
	size_t		 n;
	const char	*partition;
	const char	*region;
	const char	*account;
};

static void
ip_list_add(struct ip_list *l, char *s)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		if (strcmp(l->v[i], s) == 0) {
			free(s);
			return;
		}
	}
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = s;
}

static void
ip_list_free(struct ip_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
ip_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
ip_stmtcmp(const void *a, const void *b)
{
	return strcmp(((const struct ip_stmt *)a)->sid,
	    ((const struct ip_stmt *)b)->sid);
}

/* A new statement with a NULL-terminated list of actions. */
static struct ip_stmt *
ip_stmt_new(struct ip_doc *d, const char *sid, const char *const *actions)
{
	struct ip_stmt	*st;

	if (d->n == IP_MAX_STMTS)
		abort();	/* a broken invariant: the table is fixed */
	st = &d->stmt[d->n++];
	memset(st, 0, sizeof *st);
	st->sid = sid;
	for (; *actions != NULL; actions++)
		ip_list_add(&st->actions, xstrdup(*actions));
	return st;
}

const char *
iampolicy_partition(const char *region)
{
	if (region == NULL)
		return "aws";
	if (strncmp(region, "cn-", 3) == 0)
		return "aws-cn";
	if (strncmp(region, "us-gov-", 7) == 0)
		return "aws-us-gov";
	return "aws";
}

static void
ip_log_group(struct ip_doc *d, struct ip_stmt *st, const char *name)
{
	size_t	len = strlen(name);

	/* A prefix glob already matches the group and its streams. */
	ip_list_add(&st->resources, xasprintf("arn:%s:logs:%s:%s:log-group:%s",
	    d->partition, d->region, d->account, name));
	if (len == 0 || name[len - 1] != '*')
		ip_list_add(&st->resources,
		    xasprintf("arn:%s:logs:%s:%s:log-group:%s:*",
		    d->partition, d->region, d->account, name));
}

static void
ip_secret(struct ip_doc *d, struct ip_stmt **st,
    const struct config_secret *sec)
{
	static const char *const get[] = { "secretsmanager:GetSecretValue",
	    NULL };

	if (sec->source != CONFIG_SECRET_SECRETSMANAGER || sec->id == NULL)
		return;
	if (*st == NULL)
		*st = ip_stmt_new(d, "SecretsManagerRead", get);
	/* An ARN is used as written; a name gets AWS's random suffix. */
	if (strncmp(sec->id, "arn:", 4) == 0)
		ip_list_add(&(*st)->resources, xstrdup(sec->id));
	else
		ip_list_add(&(*st)->resources,
		    xasprintf("arn:%s:secretsmanager:%s:%s:secret:%s-??????",
		    d->partition, d->region, d->account, sec->id));
}

static void
ip_daemon(struct ip_doc *d, const struct config *cfg)
{
	static const char *const metrics[] = { "cloudwatch:GetMetricData",
	    "cloudwatch:ListMetrics", NULL };
	static const char *const describe[] = { "logs:DescribeLogGroups",
	    NULL };
	static const char *const start[] = { "logs:StartQuery", NULL };
	static const char *const results[] = { "logs:GetQueryResults",
	    "logs:StopQuery", NULL };
	static const char *const publish[] = { "sns:Publish", NULL };
	static const char *const assume[] = { "sts:AssumeRole", NULL };
	const struct config_logs	*lg;
	const struct config_sink	*sk;
	struct ip_stmt			*st, *sns = NULL, *sec = NULL;
	size_t				 i;

	if (!TAILQ_EMPTY(&cfg->watches)) {
		st = ip_stmt_new(d, "CloudWatchReadMetrics", metrics);
		ip_list_add(&st->resources, xstrdup("*"));
	}
	if (!TAILQ_EMPTY(&cfg->logs)) {
		st = ip_stmt_new(d, "LogsDescribeLogGroups", describe);
		ip_list_add(&st->resources,
		    xasprintf("arn:%s:logs:%s:%s:log-group:*", d->partition,
		    d->region, d->account));
		st = ip_stmt_new(d, "LogsStartQuery", start);
		TAILQ_FOREACH(lg, &cfg->logs, entry) {
			for (i = 0; lg->log_groups != NULL &&
			    lg->log_groups[i] != NULL; i++)
				ip_log_group(d, st, lg->log_groups[i]);
		}
		st = ip_stmt_new(d, "LogsQueryResults", results);
		ip_list_add(&st->resources, xstrdup("*"));
	}
	TAILQ_FOREACH(sk, &cfg->sinks, entry) {
		if (sk->type == CONFIG_SINK_SNS && sk->topic_arn != NULL) {
			if (sns == NULL)
				sns = ip_stmt_new(d, "SnsPublish", publish);
			ip_list_add(&sns->resources, xstrdup(sk->topic_arn));
		}
		ip_secret(d, &sec, &sk->url);
		ip_secret(d, &sec, &sk->hmac_key);
		ip_secret(d, &sec, &sk->smtp_url);
		ip_secret(d, &sec, &sk->password);
		for (i = 0; i < sk->nheaders; i++)
			ip_secret(d, &sec, &sk->headers[i].value);
	}
	if (cfg->aws.role_arn != NULL) {
		st = ip_stmt_new(d, "StsAssumeRole", assume);
		ip_list_add(&st->resources, xstrdup(cfg->aws.role_arn));
	}
}

/* What `cwguard audit` reads, apart from the daemon's policy. */
static void
ip_audit(struct ip_doc *d)
{
	static const char *const list[] = { "lambda:ListFunctions", NULL };
	static const char *const metrics[] = { "cloudwatch:ListMetrics", NULL };
	static const char *const roles[] = { "iam:GetRolePolicy",
	    "iam:ListAttachedRolePolicies", "iam:ListRolePolicies", NULL };
	static const char *const pols[] = { "iam:GetPolicy",
	    "iam:GetPolicyVersion", NULL };
	struct ip_stmt	*st;

	st = ip_stmt_new(d, "AuditLambdaList", list);
	ip_list_add(&st->resources, xstrdup("*"));
	/* API stages are found from their CloudWatch metrics. */
	st = ip_stmt_new(d, "AuditApiStages", metrics);
	ip_list_add(&st->resources, xstrdup("*"));
	st = ip_stmt_new(d, "AuditRolePolicies", roles);
	ip_list_add(&st->resources, xasprintf("arn:%s:iam::%s:role/*",
	    d->partition, d->account));
	/* Roles attach customer and AWS managed policies. */
	st = ip_stmt_new(d, "AuditManagedPolicies", pols);
	ip_list_add(&st->resources, xasprintf("arn:%s:iam::%s:policy/*",
	    d->partition, d->account));
	ip_list_add(&st->resources, xasprintf("arn:%s:iam::aws:policy/*",
	    d->partition));
}

/* A JSON string: quotes, backslash and control bytes escaped. */
static void
ip_put_string(FILE *f, const char *s)
{
	const unsigned char	*p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* Line break and indent of depth levels, or nothing when compact. */
static void
ip_nl(FILE *f, int pretty, int depth)
{
	if (pretty)
		fprintf(f, "\n%*s", depth * 2, "");
}

/* "key": a string, or an array of strings when there are several. */
static void
ip_put_list(FILE *f, int pretty, const char *key, const struct ip_list *l)
{
	size_t	i;

	ip_put_string(f, key);
	fputs(pretty ? ": " : ":", f);
	if (l->n == 1) {
		ip_put_string(f, l->v[0]);
		return;
	}
	fputc('[', f);
	for (i = 0; i < l->n; i++) {
		ip_nl(f, pretty, 4);
		ip_put_string(f, l->v[i]);
		if (i + 1 < l->n)
			fputc(',', f);
	}
	ip_nl(f, pretty, 3);
	fputc(']', f);
}

char *
iampolicy_json(const struct config *cfg, const char *account, int flags)
{
	struct ip_doc	 d;
	struct ip_stmt	*st;
	FILE		*f;
	char		*out = NULL;
	size_t		 i, len = 0, nout = 0;
	int		 pretty = !(flags & IAMPOLICY_COMPACT);
	const char	*sep = pretty ? ": " : ":";

	memset(&d, 0, sizeof d);
	d.region = cfg->aws.region != NULL ? cfg->aws.region : "*";
	d.partition = iampolicy_partition(cfg->aws.region);
	d.account = account != NULL ? account : IAMPOLICY_ACCOUNT_PLACEHOLDER;
	if (flags & IAMPOLICY_AUDIT)
		ip_audit(&d);
	else
		ip_daemon(&d, cfg);
	qsort(d.stmt, d.n, sizeof d.stmt[0], ip_stmtcmp);

	if ((f = open_memstream(&out, &len)) == NULL)
		abort();	/* only fails without memory */
	fprintf(f, "{");
	ip_nl(f, pretty, 1);
	fprintf(f, "\"Version\"%s\"2012-10-17\",", sep);
	ip_nl(f, pretty, 1);
	fprintf(f, "\"Statement\"%s[", sep);
	for (i = 0; i < d.n; i++) {
		st = &d.stmt[i];
		if (st->resources.n == 0)
			continue;	/* e.g. [logs] without groups */
		qsort(st->actions.v, st->actions.n, sizeof *st->actions.v,
		    ip_strcmp);
		qsort(st->resources.v, st->resources.n,
		    sizeof *st->resources.v, ip_strcmp);
		if (nout++ > 0)
			fputc(',', f);
		ip_nl(f, pretty, 2);
		fputc('{', f);
		ip_nl(f, pretty, 3);
		fprintf(f, "\"Sid\"%s", sep);
		ip_put_string(f, st->sid);
		fputc(',', f);
		ip_nl(f, pretty, 3);
		fprintf(f, "\"Effect\"%s\"Allow\",", sep);
		ip_nl(f, pretty, 3);
		ip_put_list(f, pretty, "Action", &st->actions);
		fputc(',', f);
		ip_nl(f, pretty, 3);
		ip_put_list(f, pretty, "Resource", &st->resources);
		ip_nl(f, pretty, 2);
		fputc('}', f);
	}
	if (nout > 0)
		ip_nl(f, pretty, 1);
	fputc(']', f);
	ip_nl(f, pretty, 0);
	fputs("}\n", f);
	if (fclose(f) != 0 || out == NULL)
		abort();
	for (i = 0; i < d.n; i++) {
		ip_list_free(&d.stmt[i].actions);
		ip_list_free(&d.stmt[i].resources);
	}
	return out;
}
