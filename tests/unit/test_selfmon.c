/*
 * cwguard's own health (selfmon.c) against a real state database and
 * config: credentials errors recognised, "failing" after self_after
 * failures in a row, "behind" from a logs source's cursor, "expired" from
 * the outbox, each notified once when it starts and once when it ends,
 * to the self_sinks only.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "config.h"
#include "selfmon.h"
#include "store.h"
#include "tap.h"
#include "util.h"

static char	dir[256];
static char	err[512];

struct seen {
	int	 n;
	char	 last[2048];
};

static int
seen_cb(void *arg, const struct store_outbox *o)
{
	struct seen	*s = arg;

	s->n++;
	util_strlcpy(s->last, o->payload, sizeof s->last);
	return 0;
}

/* Rows of sink queued so far (marked delivered so the next call sees new
 * ones only); the last payload in s->last. */
static int
rows(struct store *st, const char *sink, struct seen *s)
{
	struct seen	tmp;

	memset(&tmp, 0, sizeof tmp);
	(void)store_outbox_due(st, sink, 1767226600LL, 0, seen_cb, &tmp);
	*s = tmp;
	return tmp.n;
}

static int
done_cb(void *arg, const struct store_outbox *o)
{
	(void)store_outbox_delivered(arg, o->id);
	return 0;
}

static void
clear(struct store *st, const char *sink)
{
	(void)store_outbox_due(st, sink, 1767226600LL, 0, done_cb, st);
}

int
main(void)
{
	struct config	*cfg;
	struct store	*st;
	struct seen	 s;
	char		 path[512], cmd[600], *cause = NULL;
	time_t		 t = 1767225600;
	FILE		*f;
	int		 i;

	ok(selfmon_is_credentials("watch fns: GetMetricData: ExpiredToken "
	    "(HTTP 403)"), "ExpiredToken is a credentials error");
	ok(selfmon_is_credentials("UnrecognizedClientException: bad"),
	    "UnrecognizedClientException too");
	ok(selfmon_is_credentials("credentials: none found"),
	    "no credentials at all");
	ok(!selfmon_is_credentials("GetMetricData: AccessDenied (HTTP 400)"),
	    "AccessDenied is not");
	ok(!selfmon_is_credentials(NULL), "NULL is not");

	snprintf(dir, sizeof dir, "/tmp/test_selfmon.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/c.conf", dir);
	f = fopen(path, "w");
	fprintf(f, "[cwguard]\nstate = %s/s.db\nself_sinks = ops\n"
	    "self_after = 3\ninterval = 60s\nlag = 3m\n[watch fns]\n"
	    "kind = lambda\nfunctions = *\nsinks = team\n[logs app]\n"
	    "log_groups = /aws/lambda/*\ninterval = 5m\nsinks = team\n"
	    "[sink ops]\ntype = webhook\nurl = https://ops.example.com/x\n"
	    "[sink team]\ntype = webhook\nurl = https://team.example.com/x\n",
	    dir);
	fclose(f);
	chmod(path, 0600);
	cfg = config_load(path, &cause);
	ok(cfg != NULL, "config loads");
	if (cfg == NULL) {
		tap_diag("%s", cause);
		return tap_done();
	}
	snprintf(path, sizeof path, "%s/s.db", dir);
	st = store_open(path, STORE_CREATE, err, sizeof err);
	ok(st != NULL, "store opens");

	/* failing: at the third failure in a row, once */
	for (i = 0; i < 2; i++)
		(void)selfmon_cycle(st, cfg, NULL, "watch", "fns", 0,
		    "GetMetricData: AccessDenied", t + i, err, sizeof err);
	ok(rows(st, "ops", &s) == 0, "two failures: nothing yet");
	ok(selfmon_cycle(st, cfg, NULL, "watch", "fns", 0,
	    "GetMetricData: AccessDenied", t + 2, err, sizeof err) == 0,
	    "third failure");
	ok(rows(st, "ops", &s) == 1 && strstr(s.last, "\"kind\":\"self\"") &&
	    strstr(s.last, "\"entity\":\"watch fns\"") &&
	    strstr(s.last, "\"signal\":\"failing\"") &&
	    strstr(s.last, "3 cycles in a row failed"),
	    "self_after = 3: one self alert, watch fns failing");
	ok(rows(st, "team", &s) == 0, "not to the other sinks");
	clear(st, "ops");
	(void)selfmon_cycle(st, cfg, NULL, "watch", "fns", 0, "AccessDenied",
	    t + 3, err, sizeof err);
	ok(rows(st, "ops", &s) == 0, "a fourth failure: nothing new");
	(void)selfmon_cycle(st, cfg, NULL, "watch", "fns", 1, NULL, t + 4,
	    err, sizeof err);
	ok(rows(st, "ops", &s) == 1 && strstr(s.last, "\"status\":"
	    "\"resolved\"") && strstr(s.last, "watch fns"),
	    "a success resolves it");
	clear(st, "ops");

	/* credentials: at once, resolved at the next success */
	(void)selfmon_cycle(st, cfg, NULL, "watch", "fns", 0,
	    "ListMetrics: ExpiredToken (HTTP 403)", t + 5, err, sizeof err);
	ok(rows(st, "ops", &s) == 1 && strstr(s.last, "\"entity\":"
	    "\"credentials\"") && strstr(s.last, "firing"),
	    "credentials rejected: at the first failure");
	clear(st, "ops");
	(void)selfmon_cycle(st, cfg, NULL, "watch", "fns", 1, NULL, t + 6,
	    err, sizeof err);
	ok(rows(st, "ops", &s) == 1 && strstr(s.last, "credentials") &&
	    strstr(s.last, "resolved"), "credentials resolved");
	clear(st, "ops");

	/* behind: the cursor of logs:app against lag + 3 intervals (18m) */
	(void)store_cursor_put(st, "logs:app", (int64_t)t - 3600);
	(void)selfmon_cycle(st, cfg, NULL, "logs", "app", 1, NULL, t, err,
	    sizeof err);
	ok(rows(st, "ops", &s) == 1 && strstr(s.last, "\"signal\":"
	    "\"behind\"") && strstr(s.last, "logs app") &&
	    strstr(s.last, "3600 s behind"), "an hour-old cursor: behind");
	clear(st, "ops");
	(void)store_cursor_put(st, "logs:app", (int64_t)t - 300);
	(void)selfmon_cycle(st, cfg, NULL, "logs", "app", 1, NULL, t, err,
	    sizeof err);
	ok(rows(st, "ops", &s) == 1 && strstr(s.last, "behind") &&
	    strstr(s.last, "resolved"), "caught up: resolved");
	clear(st, "ops");

	/* expired: a notification that expired undelivered */
	(void)store_outbox_enqueue(st, "team", "{}", (int64_t)t - 100,
	    (int64_t)t - 10, NULL);
	(void)store_outbox_expire(st, (int64_t)t, NULL);
	(void)selfmon_cycle(st, cfg, NULL, "watch", "fns", 1, NULL, t, err,
	    sizeof err);
	ok(rows(st, "ops", &s) == 1 && strstr(s.last, "\"signal\":"
	    "\"expired\"") && strstr(s.last, "1 notification expired"),
	    "an expired notification: told");
	clear(st, "ops");
	(void)selfmon_cycle(st, cfg, NULL, "watch", "fns", 1, NULL, t + 60,
	    err, sizeof err);
	ok(rows(st, "ops", &s) == 1 && strstr(s.last, "expired") &&
	    strstr(s.last, "resolved"), "no new expiry: resolved");

	store_close(st);
	config_free(cfg);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", dir);
	return tap_done();
}
