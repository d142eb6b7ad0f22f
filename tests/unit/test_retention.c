/*
 * Retention against a real state file: the policy a config gives, then a
 * database with 20 days of a small fleet's data (5-minute periods, their
 * rollups, outbox rows, findings, log ptrs, a vanished entity) pruned to
 * the bound, the sums of the rollups kept unchanged, and the file shrunk.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "detector.h"
#include "retention.h"
#include "store.h"
#include "tap.h"

#define DAYS		20
#define ENTITIES	12
#define P		300
#define T0		1767225600	/* 2026-01-01T00:00:00Z */
#define NOW		(T0 + DAYS * 86400)

static char	dir[256];
static char	err[512];

static char *
path_in(const char *name)
{
	static char	buf[4][512];
	static int	n;

	n = (n + 1) % 4;
	snprintf(buf[n], sizeof buf[n], "%s/%s", dir, name);
	return buf[n];
}

static long long
file_size(const char *path)
{
	struct stat	sb;

	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* One integer from SQL on a private connection (-1 on error). */
static long long
sql_int(const char *db, const char *sql)
{
	sqlite3		*h = NULL;
	sqlite3_stmt	*st = NULL;
	long long	 v = -1;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static int
sql_exec(const char *db, const char *sql)
{
	sqlite3	*h = NULL;
	int	 rc;

	rc = sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
	sqlite3_close(h);
	return rc == SQLITE_OK ? 0 : -1;
}

static int
rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

static struct config *
load_conf(const char *text)
{
	struct config	*cfg;
	char		*cause = NULL;
	FILE		*f;

	if ((f = fopen(path_in("c.conf"), "w")) == NULL)
		abort();
	fputs(text, f);
	fclose(f);
	chmod(path_in("c.conf"), 0600);
	if ((cfg = config_load(path_in("c.conf"), &cause)) == NULL)
		tap_diag("config: %s", cause != NULL ? cause : "?");
	free(cause);
	return cfg;
}

static const struct retention_watch *
policy_watch(const struct retention_policy *p, const char *name)
{
	size_t	i;

	for (i = 0; i < p->nwatches; i++)
		if (strcmp(p->watches[i].name, name) == 0)
			return &p->watches[i];
	return NULL;
}

static void
test_policy(void)
{
	const struct retention_watch	*w;
	struct retention_policy		 p;
	struct detector_params		 dp;
	struct config			*cfg;

	cfg = load_conf("[cwguard]\nstate = /nonexistent/x.db\n"
	    "[aws]\nregion = us-east-1\n"
	    "[watch fns]\nkind = lambda\nfunctions = *\n"
	    "[watch slow]\nkind = lambda\nfunctions = *\nperiod = 5m\n"
	    "baseline = 14d\n"
	    "[watch q]\nkind = metric\nnamespace = AWS/SQS\n"
	    "metric = ApproximateAgeOfOldestMessage\nbaseline = 3d\n"
	    "[logs app]\nlog_groups = /aws/lambda/x\nlookback = 2d\n");
	ok(cfg != NULL, "policy: config loads");
	if (cfg == NULL)
		return;
	detector_params_default(&dp);
	retention_policy_init(&p, cfg);
	is_int(p.nwatches, 3, "policy: one entry per watch");
	w = policy_watch(&p, "fns");
	/* catch-up 6 h + max_span periods + reread + lag + 1 period + 1 h */
	is_int(w != NULL ? w->keep : -1,
	    6 * 3600 + dp.max_span * 60 + 600 + 180 + 60 + 3600,
	    "policy: count watch keeps catch-up, window, reread, lag, margin");
	w = policy_watch(&p, "slow");
	is_int(w != NULL ? w->keep : -1,
	    6 * 3600 + dp.max_span * 300 + 600 + 180 + 300 + 3600,
	    "policy: the window scales with the period");
	w = policy_watch(&p, "q");
	is_int(w != NULL ? w->keep : -1, 3 * 86400 + 600 + 180 + 60 + 3600,
	    "policy: a metric watch keeps its baseline");
	is_int(p.keep_other, 3 * 86400 + 600 + 180 + 60 + 3600,
	    "policy: unknown watches keep the longest");
	is_int(p.rollup_keep, 15 * 86400, "policy: rollups: longest baseline "
	    "+ 1 day");
	is_int(p.ptr_keep, 2 * 86400 + 120 + 7 * 86400,
	    "policy: log ptrs: lookback + overlap + 7 days");
	is_int(p.outbox_keep, 7 * 86400, "policy: outbox 7 days");
	is_int(p.finding_keep, 90 * 86400, "policy: findings 90 days");
	retention_policy_cleanup(&p);
	config_free(cfg);
}

struct count {
	int64_t	 n, oldest;
};

static int
count_cb(void *arg, const struct store_datapoint *d)
{
	struct count	*c = arg;

	if (c->n++ == 0)
		c->oldest = d->period_start;
	return 0;
}

static void
test_prune(void)
{
	struct retention_watch	 rw = { "fns", 12 * 3600 };
	struct retention_policy	 p;
	struct retention_result	 r;
	struct store_datapoint	 dp;
	struct store_window	 before, after;
	struct store_alert	 a;
	struct store		*s;
	struct count		 c;
	char			 ent[32], db[512], v[128];
	long long		 size0, size1;
	int64_t			 t;
	int			 i, okput = 1, rc;

	snprintf(db, sizeof db, "%s", path_in("fleet.db"));
	if ((s = store_open(db, STORE_CREATE, err, sizeof err)) == NULL) {
		ok(0, "open: %s", err);
		return;
	}
	ok(store_begin(s) == 0, "fill: begin");
	memset(&dp, 0, sizeof dp);
	dp.period_seconds = P;
	dp.value = NAN;
	for (i = 0; i < ENTITIES && okput; i++) {
		snprintf(ent, sizeof ent, "fn-%05d", i);
		for (t = T0; t < NOW && okput; t += P) {
			dp.period_start = t;
			dp.requests = 100 + (t / P + i) % 7;
			dp.errors = (t / P) % 3;
			okput = store_datapoint_put(s, "fns", ent, "errors",
			    &dp) == 0;
		}
	}
	/* an entity that vanished on day 2, with its alert ok */
	for (t = T0; t < T0 + 2 * 86400 && okput; t += P) {
		dp.period_start = t;
		okput = store_datapoint_put(s, "fns", "gone", "errors",
		    &dp) == 0;
	}
	ok(okput, "fill: 20 days of %d entities every %d s", ENTITIES, P);
	ok(store_alert_get(s, "fns", "gone", "errors", &a) == 0 &&
	    (a.last_period = T0 + 2 * 86400 - P) > 0 &&
	    store_alert_put(s, &a) == 0, "fill: the vanished entity's alert");
	/* a watch no longer configured */
	dp.period_start = NOW - 9 * 86400;
	ok(store_datapoint_put(s, "removed", "x", "errors", &dp) == 0,
	    "fill: a removed watch's datapoint");
	ok(store_outbox_enqueue(s, "hook", "{}", NOW - 10 * 86400,
	    NOW - 9 * 86400, NULL) == 0 &&
	    store_outbox_expire(s, NOW, NULL) == 0 &&
	    store_outbox_enqueue(s, "hook", "{}", NOW - 10 * 86400,
	    NOW + 86400, NULL) == 0 &&
	    store_outbox_enqueue(s, "hook", "{}", NOW - 3600, NOW + 86400,
	    NULL) == 0, "fill: outbox rows");
	ok(store_finding_seen(s, "0123456789abcdef", "aws-access-key-id", "/g",
	    "AKIA****", NOW - 100 * 86400, 86400, NULL, NULL) == 0 &&
	    store_finding_seen(s, "fedcba9876543210", "aws-access-key-id", "/g",
	    "AKIA****", NOW - 86400, 86400, NULL, NULL) == 0,
	    "fill: findings");
	/* pace rows: the vanished entity, a live idle one, a live busy one */
	snprintf(v, sizeof v, "boot=%lld polled=%lld traffic=%lld",
	    (long long)T0, (long long)T0 + 86400, (long long)T0 + 2 * 86400);
	ok(store_meta_put(s, "watch:fns:0:gone", v) == 0, "fill: gone's pace");
	snprintf(v, sizeof v, "boot=%lld polled=%lld traffic=%lld",
	    (long long)T0, (long long)NOW - 900, (long long)T0);
	ok(store_meta_put(s, "watch:fns:0:idle", v) == 0, "fill: idle pace");
	snprintf(v, sizeof v, "boot=%lld polled=%lld traffic=%lld",
	    (long long)T0, (long long)T0, (long long)NOW - 60);
	ok(store_meta_put(s, "watch:fns:1:busy:a:b", v) == 0,
	    "fill: busy pace (a name with colons)");
	ok(store_meta_put(s, "watch:bytes_scanned", "12345") == 0 &&
	    store_meta_put(s, "watch:bytes_since", "1") == 0,
	    "fill: meta rows of another form under \"watch:\"");
	ok(store_ptr_seen(s, "/g", "ptr-old", NOW - 30 * 86400) == 0 &&
	    store_ptr_seen(s, "/g", "ptr-new", NOW - 60) == 0,
	    "fill: log ptrs");
	ok(store_commit(s) == 0, "fill: commit");
	ok(store_rollup_window(s, "fns", "fn-00003", "errors",
	    NOW - 8 * 86400, NOW, &before) == 0, "rollup window before");

	/* a file made before auto_vacuum was set */
	store_close(s);
	ok(sql_exec(db, "PRAGMA auto_vacuum = NONE; VACUUM") == 0 &&
	    sql_int(db, "PRAGMA auto_vacuum") == 0, "file without auto_vacuum");
	size0 = file_size(db);
	if ((s = store_open(db, 0, err, sizeof err)) == NULL) {
		ok(0, "reopen: %s", err);
		return;
	}

	memset(&p, 0, sizeof p);
	p.watches = &rw;
	p.nwatches = 1;
	p.keep_other = 2 * 3600;	/* shorter than fns: fns wins */
	p.rollup_keep = 8 * 86400;
	p.outbox_keep = 7 * 86400;
	p.finding_keep = 90 * 86400;
	p.ptr_keep = 7 * 86400;
	p.vacuum_free = 0.10;
	rc = retention_run(s, &p, NOW, &r, err, sizeof err);
	ok(rc == 0, "retention runs");
	if (rc == -1)
		tap_diag("%s", err);
	is_int(r.datapoints, (int64_t)ENTITIES * (DAYS * 86400 - 12 * 3600) / P
	    + 2 * 86400 / P + 1, "every datapoint older than 12 h went");
	is_int(r.rollups, (int64_t)(ENTITIES * (DAYS - 8) + 2) * 24 + 1,
	    "every rollup older than 8 days went");
	is_int(r.outbox, 1, "the old expired notification went");
	is_int(r.findings, 1, "the finding not seen for 90 days went");
	is_int(r.ptrs, 1, "the old log ptr went");
	is_int(r.series, 2, "the vanished entity and the removed watch's "
	    "series went");
	is_int(r.paces, 1, "one pace row went");
	ok(store_meta_get(s, "watch:fns:0:gone", v, sizeof v) == 0,
	    "the vanished entity's pace row went");
	ok(store_meta_get(s, "watch:fns:0:idle", v, sizeof v) == 1 &&
	    store_meta_get(s, "watch:fns:1:busy:a:b", v, sizeof v) == 1,
	    "an idle entity polled lately and a busy one stay");
	ok(store_meta_get(s, "watch:bytes_scanned", v, sizeof v) == 1 &&
	    strcmp(v, "12345") == 0 &&
	    store_meta_get(s, "watch:bytes_since", v, sizeof v) == 1,
	    "rows of another shape under \"watch:\" are left alone");
	memset(&c, 0, sizeof c);
	ok(store_datapoint_range(s, "fns", "fn-00003", "errors", 0, NOW + 1,
	    0, count_cb, &c) == 0, "range after");
	is_int(c.n, 12 * 3600 / P, "12 hours of datapoints stay");
	is_int(c.oldest, NOW - 12 * 3600, "the oldest is 12 hours old");
	ok(store_rollup_window(s, "fns", "fn-00003", "errors",
	    NOW - 8 * 86400, NOW, &after) == 0 &&
	    after.requests == before.requests && after.errors ==
	    before.errors && after.hours == 8 * 24,
	    "the baseline window of the rollups is unchanged");
	ok(store_meta_get(s, RETENTION_META_KEY, v, sizeof v) == 1 &&
	    atoll(v) == NOW, "the run is recorded");
	ok(retention_maybe(s, NULL, NOW + 60, NULL, err, sizeof err) == 0,
	    "maybe: not due a minute later");
	store_close(s);
	size1 = file_size(db);
	ok(size1 > 0 && size1 * 4 < size0, "the file shrank: %lld -> %lld "
	    "bytes", size0, size1);
	ok(r.pages_freed > 0, "pages freed reported");
	is_int(sql_int(db, "PRAGMA auto_vacuum"), 2,
	    "the file is incremental now");
	is_int(sql_int(db, "SELECT count(*) FROM pragma_integrity_check "
	    "WHERE integrity_check = 'ok'"), 1, "integrity_check says ok");
}

static void
test_maybe(void)
{
	struct config		*cfg;
	struct store		*s;
	char			 v[32];

	cfg = load_conf("[cwguard]\nstate = /nonexistent/x.db\n"
	    "[aws]\nregion = us-east-1\n"
	    "[watch fns]\nkind = lambda\nfunctions = *\n");
	s = store_open(path_in("maybe.db"), STORE_CREATE, err, sizeof err);
	ok(s != NULL && cfg != NULL, "maybe: store and config");
	if (s == NULL || cfg == NULL)
		goto done;
	ok(sql_int(path_in("maybe.db"), "PRAGMA auto_vacuum") == 2,
	    "a new file is made with incremental auto_vacuum");
	is_int(retention_maybe(s, cfg, NOW, NULL, err, sizeof err), 1,
	    "maybe: first time runs");
	is_int(retention_maybe(s, cfg, NOW + 3599, NULL, err, sizeof err), 0,
	    "maybe: not within the hour");
	is_int(retention_maybe(s, cfg, NOW + 3600, NULL, err, sizeof err), 1,
	    "maybe: runs an hour later");
	is_int(retention_maybe(s, cfg, NOW - 86400, NULL, err, sizeof err), 1,
	    "maybe: a clock set back runs it");
	ok(store_meta_get(s, RETENTION_META_KEY, v, sizeof v) == 1 &&
	    atoll(v) == NOW - 86400, "maybe: the last run is recorded");
	ok(store_begin(s) == 0, "open a transaction");
	is_int(retention_maybe(s, cfg, NOW + 7200, NULL, err, sizeof err), -1,
	    "maybe: refused inside a transaction");
	ok(strstr(err, "retention") != NULL, "the error names retention");
	store_rollback(s);
done:
	store_close(s);
	config_free(cfg);
}

int
main(void)
{
	const char	*tmp = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/cwg-retention-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_policy();
	test_prune();
	test_maybe();
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
