/*
 * cwguard test-alert [SINK]...: a clearly marked test notification through
 * each (or the named) sink, by the real path: an outbox row in the state
 * database first, then a flush. Notifications still pending for those
 * sinks go first (in order, whether due or not: the operator asked for a
 * delivery now), then the test. One line per sink: "delivered" or the
 * error. Exit 0 all delivered, 1 otherwise, 64 unknown sink, 78 bad
 * config.
 */
#include "autoconf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "aws.h"
#include "aws_creds.h"
#include "awsstack.h"
#include "cmd.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "outbox.h"
#include "secretref.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define TEST_TIMEOUT	120.0
#define TEST_LOCK_WAIT	10.0

struct test_row {
	struct config_sink	*sink;
	char			 id[STORE_ID_LEN + 1];
	int			 status;	/* store_outbox_status, -1 */
	long long		 attempts;
	char			 error[STORE_MESSAGE_MAX];
};

struct test_state {
	int			 waiting;
	struct test_row		*rows;
	size_t			 nrows;
	int			 secrets_failed;
	char			 secret_error[400];
};

static int
test_done(void *arg)
{
	return ((struct test_state *)arg)->waiting == 0;
}

static void
test_flushed(void *arg)
{
	((struct test_state *)arg)->waiting--;
}

static void
test_secrets(int nfailed, const char *err, void *arg)
{
	struct test_state	*t = arg;

	t->waiting--;
	t->secrets_failed = nfailed;
	if (nfailed > 0)
		util_strlcpy(t->secret_error, err != NULL ? err : "failed",
		    sizeof t->secret_error);
}

static void
test_queued(void *arg, const char *sink, const char *id)
{
	struct test_state	*t = arg;
	size_t			 i;

	for (i = 0; i < t->nrows; i++)
		if (strcmp(t->rows[i].sink->name, sink) == 0)
			util_strlcpy(t->rows[i].id, id, sizeof t->rows[i].id);
}

static int
test_row_cb(void *arg, const struct store_outbox *r)
{
	struct test_row	*row = arg;

	row->status = (int)r->status;
	row->attempts = r->attempts;
	util_strlcpy(row->error, r->last_error, sizeof row->error);
	return 0;
}

static void
test_usage(FILE *fp)
{
	fprintf(fp, "usage: cwguard test-alert [SINK]...\n");
}

static void
test_help(void)
{
	test_usage(stdout);
	fputs("\nSend a clearly marked test notification through every sink "
	    "of the config,\nor the SINKs named, by the real delivery path "
	    "(the outbox, with retries),\nand report each one delivered or "
	    "not. Exit 0 when all were delivered, 1\nwhen one was not, 78 "
	    "when the config is invalid.\n", stdout);
}

/* 1 when a sink needs the AWS client (SNS, or a secretsmanager value). */
static int
test_needs_aws(const struct config_sink *s)
{
	size_t	i;

	if (s->type == CONFIG_SINK_SNS ||
	    s->url.source == CONFIG_SECRET_SECRETSMANAGER ||
	    s->hmac_key.source == CONFIG_SECRET_SECRETSMANAGER ||
	    s->smtp_url.source == CONFIG_SECRET_SECRETSMANAGER ||
	    s->password.source == CONFIG_SECRET_SECRETSMANAGER ||
	    s->key.source == CONFIG_SECRET_SECRETSMANAGER)
		return 1;
	for (i = 0; i < s->nheaders; i++)
		if (s->headers[i].value.source == CONFIG_SECRET_SECRETSMANAGER)
			return 1;
	return 0;
}

int
cmd_test_alert(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct config		*cfg = NULL;
	struct config_sink	*cs, **sinks = NULL;
	struct awsstack		 stack;
	struct http		*http = NULL;
	struct aws		*aws = NULL;
	struct secretref	*sr = NULL;
	struct store		*st = NULL;
	struct outbox		*ob = NULL;
	struct alert_batch	*batch = NULL;
	struct http_options	 ho;
	struct alert_context	 actx;
	struct alert		 a;
	struct test_state	 t;
	const char		**names = NULL, *region = NULL;
	char			*cause = NULL, err[600], esc[700];
	size_t			 i, n = 0;
	int			 c, rc = 1, needs_aws = 0;

	memset(&t, 0, sizeof t);
	memset(&stack, 0, sizeof stack);
	optind = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			test_help();
			return CMD_EX_OK;
		default:
			test_usage(stderr);
			return CMD_EX_USAGE;
		}
	}
	if ((cfg = cmd_config_load(ctx, &cause)) == NULL) {
		fprintf(stderr, "%s", cause != NULL ? cause : "config error\n");
		free(cause);
		return CMD_EX_CONFIG;
	}
	/* The sinks: those named, in order, else every one. */
	TAILQ_FOREACH(cs, &cfg->sinks, entry)
		n++;
	sinks = xcalloc(n + (size_t)argc + 1, sizeof *sinks);
	names = xcalloc(n + (size_t)argc + 1, sizeof *names);
	n = 0;
	if (optind < argc) {
		for (c = optind; c < argc; c++) {
			if ((cs = config_sink_find(cfg, argv[c])) == NULL) {
				fprintf(stderr, "cwguard: test-alert: no sink "
				    "named %s\n", log_escape(argv[c],
				    strlen(argv[c]), esc, sizeof esc));
				rc = CMD_EX_USAGE;
				goto out;
			}
			for (i = 0; i < n; i++)
				if (sinks[i] == cs)
					break;
			if (i == n)
				sinks[n++] = cs;
		}
	} else
		TAILQ_FOREACH(cs, &cfg->sinks, entry)
			sinks[n++] = cs;
	if (n == 0) {
		fprintf(stderr, "cwguard: test-alert: no [sink] in %s\n",
		    cfg->path);
		rc = CMD_EX_CONFIG;
		goto out;
	}
	t.rows = xcalloc(n, sizeof *t.rows);
	t.nrows = n;
	for (i = 0; i < n; i++) {
		names[i] = sinks[i]->name;
		t.rows[i].sink = sinks[i];
		t.rows[i].status = -1;
		needs_aws |= test_needs_aws(sinks[i]);
	}

	/* Webhook, Slack and email sinks need no AWS credentials at all. */
	region = cfg->aws.region;
	if (!needs_aws) {
		memset(&ho, 0, sizeof ho);
		ho.max_concurrency = (size_t)cfg->aws.max_concurrency;
		ho.ca_file = cfg->aws.ca_file;
		if ((http = http_new(loop_get(), &ho, err, sizeof err)) == NULL)
			goto fail;
	} else {
		if (awsstack_open(&stack, cfg, 0, err, sizeof err) == -1)
			goto fail;
		http = stack.http;
		aws = stack.aws;
		region = stack.region;
		sr = secretref_new(aws, cfg->secret_ttl);
		t.waiting++;
		(void)secretref_resolve(sr, cfg, time(NULL), test_secrets, &t);
		if (t.waiting > 0 &&
		    loop_run_until(test_done, &t, TEST_TIMEOUT) == -1) {
			snprintf(err, sizeof err, "secret references: no "
			    "answer within %.0f s", TEST_TIMEOUT);
			goto fail;
		}
		if (t.secrets_failed > 0) {
			snprintf(err, sizeof err, "secret references: %s",
			    t.secret_error);
			goto fail;
		}
	}

	if ((st = store_open(cfg->state, STORE_CREATE, err, sizeof err)) ==
	    NULL)
		goto fail;
	if (store_lock(st, TEST_LOCK_WAIT, err, sizeof err) == -1)
		goto fail;

	alert_init(&a, ALERT_SPIKE);
	a.test = 1;
	a.at = time(NULL);
	util_strlcpy(a.watch, "test-alert", sizeof a.watch);
	util_strlcpy(a.entity, "cwguard", sizeof a.entity);
	util_strlcpy(a.signal, "test", sizeof a.signal);
	a.value = 0;
	a.baseline = 0;
	a.errors = 0;
	a.requests = 0;
	memset(&actx, 0, sizeof actx);
	actx.account = "";
	actx.region = region != NULL ? region : "";
	batch = alert_batch_new();
	alert_batch_add(batch, &a, sinks);
	if (store_begin(st) == -1) {
		snprintf(err, sizeof err, "%s", store_error(st));
		goto fail;
	}
	if (alert_batch_enqueue_cb(batch, st, &actx, time(NULL), test_queued,
	    &t, err, sizeof err) == -1) {
		(void)store_rollback(st);
		goto fail;
	}
	if (store_commit(st) == -1) {
		snprintf(err, sizeof err, "%s", store_error(st));
		goto fail;
	}

	if ((ob = outbox_new(st, cfg, http, aws, err, sizeof err)) == NULL)
		goto fail;
	outbox_only(ob, names);
	outbox_set_force(ob, 1);
	t.waiting = 1;
	if (outbox_flush(ob, time(NULL), test_flushed, &t, err,
	    sizeof err) == -1)
		goto fail;
	if (loop_run_until(test_done, &t, TEST_TIMEOUT) == -1) {
		snprintf(err, sizeof err, "deliveries did not end within "
		    "%.0f s", TEST_TIMEOUT);
		http_cancel_all(http);
		goto fail;
	}

	rc = 0;
	for (i = 0; i < t.nrows; i++) {
		struct test_row	*row = &t.rows[i];

		if (store_outbox_get(st, row->id, test_row_cb, row) != 1)
			row->status = -1;
		if (row->status == STORE_OUTBOX_DELIVERED) {
			printf("%s: delivered (notification %s)\n",
			    row->sink->name, row->id);
			continue;
		}
		rc = 1;
		if (row->status == STORE_OUTBOX_PENDING && row->attempts == 0)
			printf("%s: not delivered: waiting behind an earlier "
			    "notification: %s (notification %s)\n",
			    row->sink->name, log_escape(outbox_last_error(ob,
			    row->sink->name), strlen(outbox_last_error(ob,
			    row->sink->name)), esc, sizeof esc), row->id);
		else
			printf("%s: %s: %s (notification %s)\n",
			    row->sink->name, row->status ==
			    STORE_OUTBOX_PENDING ? "not delivered, will retry" :
			    row->status >= 0 ? store_outbox_status_name(
			    (enum store_outbox_status)row->status) : "lost",
			    log_escape(row->error, strlen(row->error), esc,
			    sizeof esc), row->id);
	}
	fflush(stdout);
	goto out;
fail:
	fprintf(stderr, "cwguard: test-alert: %s\n", log_escape(err,
	    strlen(err), esc, sizeof esc));
	rc = 1;
out:
	alert_batch_free(batch);
	outbox_free(ob);
	store_close(st);
	secretref_free(sr);
	if (stack.http != NULL)
		awsstack_close(&stack);
	else
		http_free(http);
	alert_cleanup();
	config_free(cfg);
	free(t.rows);
	free(sinks);
	free(names);
	return rc;
}
