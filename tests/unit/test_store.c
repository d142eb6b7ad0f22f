/*
 * The state database against real files in a temporary directory: schema
 * and refusals, every table's API, and the lock between two processes.
 */
#include "autoconf.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "tap.h"

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

static unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char	*p;
	struct stat	 sb;
	int		 fd;

	*len = 0;
	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &sb) == -1)
		return NULL;
	p = malloc(sb.st_size + 1);
	if (read(fd, p, sb.st_size) != sb.st_size) {
		free(p);
		close(fd);
		return NULL;
	}
	close(fd);
	*len = sb.st_size;
	return p;
}

static void
spew(const char *path, const void *p, size_t len)
{
	int	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd == -1 || write(fd, p, len) != (ssize_t)len)
		abort();
	close(fd);
}

static int
exists(const char *path)
{
	struct stat	sb;

	return stat(path, &sb) == 0;
}

/* Copies src to dst with 4 big-endian bytes at off replaced by v. */
static void
copy_patched(const char *src, const char *dst, size_t off, uint32_t v)
{
	unsigned char	*p;
	size_t		 len;

	if ((p = slurp(src, &len)) == NULL || len < 100)
		abort();
	p[off] = v >> 24;
	p[off + 1] = v >> 16;
	p[off + 2] = v >> 8;
	p[off + 3] = v;
	spew(dst, p, len);
	free(p);
}

/* Opening path must fail with want in the message and leave it unchanged. */
static void
refused_unchanged(const char *path, int flags, const char *want,
    const char *name)
{
	struct store	*s;
	unsigned char	*before, *after;
	size_t		 blen, alen;

	before = slurp(path, &blen);
	err[0] = '\0';
	s = store_open(path, flags, err, sizeof err);
	ok(s == NULL, "%s: refused", name);
	store_close(s);
	ok(strstr(err, want) != NULL, "%s: message has '%s'", name, want);
	if (strstr(err, want) == NULL)
		tap_diag("got: %s", err);
	after = slurp(path, &alen);
	ok(before != NULL && after != NULL && blen == alen &&
	    memcmp(before, after, blen) == 0, "%s: bytes unchanged", name);
	free(before);
	free(after);
}

static uint32_t
header_u32(const char *path, size_t off)
{
	unsigned char	*p;
	size_t		 len;
	uint32_t	 v;

	if ((p = slurp(path, &len)) == NULL || len < 100)
		return 0;
	v = (uint32_t)p[off] << 24 | (uint32_t)p[off + 1] << 16 |
	    (uint32_t)p[off + 2] << 8 | p[off + 3];
	free(p);
	return v;
}

static void
test_open(void)
{
	struct store	*s;
	struct stat	 sb;
	unsigned char	 key1[STORE_KEY_LEN], key2[STORE_KEY_LEN], zero[32];
	char		 val[64], db[512];
	mode_t		 old;

	snprintf(db, sizeof db, "%s", path_in("state.db"));

	s = store_open(path_in("none.db"), STORE_READONLY, err, sizeof err);
	ok(s == NULL && !exists(path_in("none.db")),
	    "readonly open of a missing file fails and creates nothing");
	ok(strstr(err, "does not exist") != NULL, "... says it does not exist");
	s = store_open(path_in("none.db"), 0, err, sizeof err);
	ok(s == NULL && !exists(path_in("none.db")),
	    "open without STORE_CREATE creates nothing");
	s = store_open(path_in("nodir/x.db"), STORE_CREATE, err, sizeof err);
	ok(s == NULL && strstr(err, "nodir") != NULL &&
	    strstr(err, "directory") != NULL,
	    "missing parent directory: clear error");
	tap_diag("%s", err);

	old = umask(022);
	s = store_open(db, STORE_CREATE, err, sizeof err);
	umask(old);
	ok(s != NULL, "create a new database");
	if (s == NULL) {
		tap_diag("%s", err);
		exit(tap_done());
	}
	ok(stat(db, &sb) == 0 && (sb.st_mode & 0777) == 0600, "mode 0600");
	ok(store_install_key(s, key1) == 0, "install key read");
	memset(zero, 0, sizeof zero);
	ok(memcmp(key1, zero, sizeof zero) != 0, "install key not all zero");
	is_int(store_meta_get(s, "greeting", val, sizeof val), 0,
	    "meta missing");
	ok(store_meta_put(s, "greeting", "hello") == 0, "meta put");
	ok(store_meta_put(s, "greeting", "hello again") == 0, "meta replace");
	store_close(s);

	is_int(header_u32(db, 68), STORE_APPLICATION_ID,
	    "application_id in the file header");
	is_int(header_u32(db, 60), STORE_SCHEMA_VERSION,
	    "user_version in the file header");

	s = store_open(db, STORE_CREATE, err, sizeof err);
	ok(s != NULL, "reopen");
	is_int(s ? store_meta_get(s, "greeting", val, sizeof val) : -1, 1,
	    "meta survives reopen");
	is_str(val, "hello again", "meta value is the latest");
	ok(s && store_install_key(s, key2) == 0 &&
	    memcmp(key1, key2, sizeof key1) == 0,
	    "install key stable across reopen");
	store_close(s);

	s = store_open(db, STORE_READONLY, err, sizeof err);
	ok(s != NULL, "readonly open of an existing database");
	ok(s && store_install_key(s, key2) == 0 &&
	    memcmp(key1, key2, sizeof key1) == 0, "readonly: same install key");
	ok(s && store_meta_put(s, "x", "y") == -1, "readonly: writes fail");
	ok(s && store_lock(s, 0, err, sizeof err) == -1 &&
	    !exists(path_in("state.db.lock")), "readonly: no lock file made");
	ok(s && strstr(store_error(s), "readonly") != NULL,
	    "readonly: store_error says why");
	store_close(s);

	/* A file this user may not write is refused, not opened read-only. */
	if (geteuid() != 0) {
		copy_patched(db, path_in("ro.db"), 60, STORE_SCHEMA_VERSION);
		chmod(path_in("ro.db"), 0400);
		refused_unchanged(path_in("ro.db"), 0, "not writable",
		    "read-only file");
	} else
		ok(1, "# SKIP read-only file: running as root");

	/* An empty file is a new database. */
	spew(path_in("empty.db"), "", 0);
	s = store_open(path_in("empty.db"), 0, err, sizeof err);
	ok(s != NULL, "an empty existing file is migrated");
	store_close(s);
	is_int(header_u32(path_in("empty.db"), 68), STORE_APPLICATION_ID,
	    "empty file now has the application_id");
}

static void
test_refusals(void)
{
	char	db[512], garbage[4096], want[64];
	size_t	i;

	snprintf(db, sizeof db, "%s", path_in("state.db"));

	copy_patched(db, path_in("newer.db"), 60, STORE_SCHEMA_VERSION + 7);
	refused_unchanged(path_in("newer.db"), STORE_CREATE, "newer",
	    "newer schema");
	snprintf(want, sizeof want, "version %d, newer than version %d",
	    STORE_SCHEMA_VERSION + 7, STORE_SCHEMA_VERSION);
	ok(strstr(err, want) != NULL, "newer schema: names both versions");
	refused_unchanged(path_in("newer.db"), STORE_READONLY, "newer",
	    "newer schema, readonly");

	copy_patched(db, path_in("fossil.db"), 68, 0x0f055112);
	refused_unchanged(path_in("fossil.db"), STORE_CREATE,
	    "not a cwguard state database", "foreign application_id");
	ok(strstr(err, "0x0f055112") != NULL, "foreign id named");

	copy_patched(db, path_in("noid.db"), 68, 0);
	refused_unchanged(path_in("noid.db"), STORE_CREATE,
	    "not a cwguard state database", "tables without cwguard id");
	ok(strstr(err, "has tables") != NULL, "... says it has tables");

	for (i = 0; i < sizeof garbage; i++)
		garbage[i] = "garbage\n"[i % 8];
	spew(path_in("garbage.db"), garbage, sizeof garbage);
	refused_unchanged(path_in("garbage.db"), STORE_CREATE,
	    "not a cwguard state database", "garbage file");
	spew(path_in("short.db"), "SQLite", 6);
	refused_unchanged(path_in("short.db"), STORE_CREATE,
	    "not a cwguard state database", "short file");
	/* Right magic, nonsense header: SQLite itself must say no. */
	memcpy(garbage, "SQLite format 3", 16);
	spew(path_in("corrupt.db"), garbage, sizeof garbage);
	refused_unchanged(path_in("corrupt.db"), STORE_CREATE,
	    "not a cwguard state database", "corrupt header");
	ok(!exists(path_in("corrupt.db-wal")), "corrupt: no WAL made");
}

static void
test_transactions(struct store *s)
{
	char	val[32];

	ok(store_begin(s) == 0, "begin");
	ok(store_begin(s) == -1, "nested begin refused");
	ok(store_meta_put(s, "tx", "1") == 0, "write in transaction");
	ok(store_rollback(s) == 0, "rollback");
	is_int(store_meta_get(s, "tx", val, sizeof val), 0,
	    "rolled back write is gone");
	ok(store_begin(s) == 0 && store_meta_put(s, "tx", "2") == 0 &&
	    store_commit(s) == 0, "begin, write, commit");
	is_int(store_meta_get(s, "tx", val, sizeof val), 1,
	    "committed write stays");
	ok(store_commit(s) == -1, "commit without begin refused");
}

struct dps {
	int			n;
	struct store_datapoint	dp[16];
};

static int
collect_dp(void *arg, const struct store_datapoint *dp)
{
	struct dps	*d = arg;

	if (d->n < 16)
		d->dp[d->n++] = *dp;
	return 0;
}

static struct store_datapoint
dp_make(int64_t start, int64_t req, int64_t errs)
{
	struct store_datapoint	dp;

	memset(&dp, 0, sizeof dp);
	dp.period_start = start;
	dp.period_seconds = 60;
	dp.requests = req;
	dp.errors = errs;
	dp.value = NAN;
	return dp;
}

static void
test_series(struct store *s)
{
	struct store_datapoint	dp;
	struct store_rollup	r;
	struct store_window	w;
	struct dps		d;
	const int64_t		h = 1700000000 - 1700000000 % 3600;
	int64_t			removed;
	char			longname[STORE_NAME_MAX + 8];

	ok(store_begin(s) == 0, "series: begin");
	dp = dp_make(h + 60, 100, 5);
	ok(store_datapoint_put(s, "api", "fn", "5xx", &dp) == 0, "dp put");
	dp = dp_make(h + 60, 120, 7);
	ok(store_datapoint_put(s, "api", "fn", "5xx", &dp) == 0,
	    "dp put again, same key");
	ok(store_datapoint_put(s, "api", "fn", "5xx", &dp) == 0,
	    "dp put a third time, same values");
	memset(&d, 0, sizeof d);
	ok(store_datapoint_range(s, "api", "fn", "5xx", h, h + 3600, 0,
	    collect_dp, &d) == 0, "dp range");
	is_int(d.n, 1, "same key twice: one row");
	is_int(d.dp[0].requests, 120, "latest requests win");
	is_int(d.dp[0].errors, 7, "latest errors win");
	is_int(store_rollup_get(s, "api", "fn", "5xx", h + 1234, &r), 1,
	    "rollup row exists");
	is_int(r.requests, 120, "rollup converged to latest requests");
	is_int(r.errors, 7, "rollup converged to latest errors");

	/* Out of order, another hour, a metric and another series. */
	dp = dp_make(h + 0, 80, 0);
	store_datapoint_put(s, "api", "fn", "5xx", &dp);
	dp = dp_make(h + 3600 + 120, 100, 50);
	store_datapoint_put(s, "api", "fn", "5xx", &dp);
	dp = dp_make(h + 3600, 100, 1);
	store_datapoint_put(s, "api", "fn", "5xx", &dp);
	dp = dp_make(h + 120, 1000, 1000);
	store_datapoint_put(s, "api", "other", "5xx", &dp);
	dp = dp_make(h + 60, -1, -1);
	dp.value = 42.5;
	ok(store_datapoint_put(s, "cpu", "i-1", "value", &dp) == 0,
	    "metric dp put");
	memset(&d, 0, sizeof d);
	store_datapoint_range(s, "api", "fn", "5xx", 0, h + 7200, 0,
	    collect_dp, &d);
	is_int(d.n, 4, "range: four periods of this series only");
	ok(d.n == 4 && d.dp[0].period_start == h &&
	    d.dp[1].period_start == h + 60 &&
	    d.dp[2].period_start == h + 3600 &&
	    d.dp[3].period_start == h + 3720, "range: ordered by time");
	memset(&d, 0, sizeof d);
	store_datapoint_range(s, "api", "fn", "5xx", h + 60, h + 3600, 0,
	    collect_dp, &d);
	is_int(d.n, 1, "range: from inclusive, to exclusive");
	memset(&d, 0, sizeof d);
	store_datapoint_range(s, "cpu", "i-1", "value", 0, h + 7200, 0,
	    collect_dp, &d);
	ok(d.n == 1 && d.dp[0].requests == -1 && d.dp[0].errors == -1 &&
	    d.dp[0].value == 42.5, "metric dp: value only");
	memset(&d, 0, sizeof d);
	ok(store_datapoint_range(s, "nope", "fn", "5xx", 0, h + 7200, 0,
	    collect_dp, &d) == 0 && d.n == 0, "range of unknown series empty");

	/* Baseline window: anomalous periods excluded. */
	is_int(store_datapoint_mark(s, "api", "fn", "5xx", h + 3720, 60, 1), 1,
	    "mark anomalous");
	ok(store_rollup_window(s, "api", "fn", "5xx", h, h + 7200, &w) == 0,
	    "window");
	is_int(w.requests, 80 + 120 + 100, "window requests exclude anomalous");
	is_int(w.errors, 0 + 7 + 1, "window errors exclude anomalous");
	is_int(w.hours, 2, "window hours");
	dp = dp_make(h + 3720, 110, 60);
	store_datapoint_put(s, "api", "fn", "5xx", &dp);
	store_rollup_get(s, "api", "fn", "5xx", h + 3600, &r);
	ok(r.requests == 210 && r.errors == 61 && r.anomalous_requests == 110 &&
	    r.anomalous_errors == 60,
	    "re-read of an anomalous period keeps it excluded");
	store_rollup_window(s, "api", "fn", "5xx", h, h + 7200, &w);
	ok(w.requests == 300 && w.errors == 8, "window unchanged by re-read");
	store_rollup_window(s, "api", "fn", "5xx", h + 3600, h + 7200, &w);
	ok(w.requests == 100 && w.errors == 1 && w.hours == 1,
	    "window bounds by hour");
	is_int(store_datapoint_mark(s, "api", "fn", "5xx", h + 3720, 60, 0), 1,
	    "unmark");
	store_rollup_window(s, "api", "fn", "5xx", h, h + 7200, &w);
	ok(w.requests == 410 && w.errors == 68, "unmarked period counts again");
	is_int(store_datapoint_mark(s, "api", "fn", "5xx", h + 9999, 60, 1), 0,
	    "mark of a missing period: 0");

	r.hour = h + 7200;
	r.requests = 10;
	r.errors = 2;
	r.anomalous_requests = 4;
	r.anomalous_errors = 1;
	ok(store_rollup_add(s, "api", "fn", "5xx", &r) == 0 &&
	    store_rollup_add(s, "api", "fn", "5xx", &r) == 0, "rollup add x2");
	store_rollup_window(s, "api", "fn", "5xx", h + 7200, h + 10800, &w);
	ok(w.requests == 12 && w.errors == 2, "rollup add accumulates");

	ok(store_datapoint_prune(s, h + 3600, &removed) == 0, "dp prune");
	is_int(removed, 4, "dp prune count (three series)");
	memset(&d, 0, sizeof d);
	store_datapoint_range(s, "api", "fn", "5xx", 0, h + 7200, 0,
	    collect_dp, &d);
	is_int(d.n, 2, "pruned periods gone");
	store_rollup_window(s, "api", "fn", "5xx", h, h + 7200, &w);
	is_int(w.requests, 410, "rollups outlive datapoints");
	ok(store_rollup_prune(s, h + 3600, &removed) == 0 && removed == 2,
	    "rollup prune");

	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	dp = dp_make(h, 1, 1);
	ok(store_datapoint_put(s, "api", longname, "5xx", &dp) == -1 &&
	    strstr(store_error(s), "longer") != NULL, "over-long name refused");
	ok(store_datapoint_put(s, "api", "", "5xx", &dp) == -1,
	    "empty name refused");
	ok(store_commit(s) == 0, "series: commit");
}

struct alerts {
	int			n;
	struct store_alert	a[4];
};

static int
collect_alert(void *arg, const struct store_alert *a)
{
	struct alerts	*l = arg;

	if (l->n < 4)
		l->a[l->n++] = *a;
	return 0;
}

static void
test_alerts(struct store *s)
{
	struct store_alert	a, b;
	struct alerts		l;

	is_int(store_alert_get(s, "api", "fn", "5xx", &a), 0, "alert missing");
	ok(a.state == STORE_ALERT_OK && isnan(a.last_value) &&
	    strcmp(a.entity, "fn") == 0, "missing alert: ok state, names set");
	a.state = STORE_ALERT_FIRING;
	a.consecutive_anomalous = 3;
	a.consecutive_normal = 0;
	a.since = 1000;
	a.last_notified = 1060;
	a.last_period = 1120;
	a.last_value = 0.12;
	a.last_baseline = 0.004;
	ok(store_alert_put(s, &a) == 0, "alert put");
	is_int(store_alert_get(s, "api", "fn", "5xx", &b), 1, "alert found");
	ok(b.state == STORE_ALERT_FIRING && b.consecutive_anomalous == 3 &&
	    b.consecutive_normal == 0 && b.since == 1000 &&
	    b.last_notified == 1060 && b.last_period == 1120 &&
	    b.last_value == 0.12 && b.last_baseline == 0.004,
	    "alert round-trip");
	a.state = STORE_ALERT_RESOLVED;
	a.last_baseline = NAN;
	ok(store_alert_put(s, &a) == 0, "alert replace");
	store_alert_get(s, "api", "fn", "5xx", &b);
	ok(b.state == STORE_ALERT_RESOLVED && isnan(b.last_baseline),
	    "alert replaced, NAN kept");
	memcpy(b.entity, "aaa", 4);
	b.state = STORE_ALERT_PENDING;
	store_alert_put(s, &b);
	a.state = 9;
	ok(store_alert_put(s, &a) == -1, "bad state refused");
	memset(&l, 0, sizeof l);
	ok(store_alert_list(s, collect_alert, &l) == 0, "alert list");
	ok(l.n == 2 && strcmp(l.a[0].entity, "aaa") == 0 &&
	    l.a[0].state == STORE_ALERT_PENDING &&
	    strcmp(l.a[1].entity, "fn") == 0, "alert list ordered");
	is_str(store_alert_state_name(STORE_ALERT_FIRING), "firing",
	    "state name");
	ok(store_alert_delete(s, "api", "aaa", "5xx") == 0 &&
	    store_alert_get(s, "api", "aaa", "5xx", &b) == 0, "alert delete");
}

struct rows {
	int	n;
	char	id[8][STORE_ID_LEN + 1];
	int64_t	attempts[8];
	int	status[8];
	char	last_error[8][64];
	char	payload[8][64];
};

static int
collect_row(void *arg, const struct store_outbox *o)
{
	struct rows	*r = arg;

	if (r->n < 8) {
		memcpy(r->id[r->n], o->id, sizeof o->id);
		r->attempts[r->n] = o->attempts;
		r->status[r->n] = o->status;
		snprintf(r->last_error[r->n], 64, "%s", o->last_error);
		snprintf(r->payload[r->n], 64, "%s", o->payload);
		r->n++;
	}
	return 0;
}

static int
ishex(const char *p)
{
	if (strlen(p) != STORE_ID_LEN)
		return 0;
	for (; *p != '\0'; p++)
		if (strchr("0123456789abcdef", *p) == NULL)
			return 0;
	return 1;
}

static void
test_outbox(struct store *s)
{
	struct rows	r;
	char		a[STORE_ID_LEN + 1], b[STORE_ID_LEN + 1];
	char		c[STORE_ID_LEN + 1], d[STORE_ID_LEN + 1];
	int64_t		depth, age, n;

	ok(store_outbox_enqueue(s, "slack", "{\"n\":1}", 1000, 1000 + 86400,
	    a) == 0, "enqueue a");
	ok(store_outbox_enqueue(s, "slack", "{\"n\":2}", 1001, 1001 + 86400,
	    b) == 0, "enqueue b");
	ok(store_outbox_enqueue(s, "sns", "{\"n\":3}", 999, 999 + 86400,
	    c) == 0, "enqueue c");
	ok(ishex(a) && ishex(b) && strcmp(a, b) != 0, "ids: 128-bit hex, "
	    "distinct");
	memset(&r, 0, sizeof r);
	ok(store_outbox_due(s, "slack", 1001, 0, collect_row, &r) == 0,
	    "due");
	ok(r.n == 2 && strcmp(r.id[0], a) == 0 && strcmp(r.id[1], b) == 0,
	    "due: this sink, ordered by due");
	is_str(r.payload[0], "{\"n\":1}", "payload round-trip");
	memset(&r, 0, sizeof r);
	store_outbox_due(s, "slack", 1000, 0, collect_row, &r);
	is_int(r.n, 1, "not yet due is not listed");
	memset(&r, 0, sizeof r);
	store_outbox_due(s, NULL, 1001, 2, collect_row, &r);
	ok(r.n == 2 && strcmp(r.id[0], c) == 0 && strcmp(r.id[1], a) == 0,
	    "due, all sinks, limit 2");

	is_int(store_outbox_retry(s, a, 1100, "HTTP 500"), 1, "retry a");
	memset(&r, 0, sizeof r);
	store_outbox_due(s, "slack", 1050, 0, collect_row, &r);
	ok(r.n == 1 && strcmp(r.id[0], b) == 0, "retried row waits");
	memset(&r, 0, sizeof r);
	store_outbox_due(s, "slack", 1100, 0, collect_row, &r);
	ok(r.n == 2 && strcmp(r.id[0], b) == 0 && strcmp(r.id[1], a) == 0 &&
	    r.attempts[1] == 1 && strcmp(r.last_error[1], "HTTP 500") == 0,
	    "retried row due again, after b, attempts and error kept");

	ok(store_outbox_stats(s, "slack", 1100, &depth, &age) == 0 &&
	    depth == 2 && age == 100, "stats: depth and oldest age");
	is_int(store_outbox_delivered(s, b), 1, "delivered b");
	store_outbox_stats(s, "slack", 1100, &depth, &age);
	ok(depth == 1 && age == 100, "delivered row leaves the depth");
	is_int(store_outbox_retry(s, b, 1200, "late"), 0,
	    "retry of a delivered row does nothing");

	is_int(store_outbox_retry(s, a, 1000 + 86400, "HTTP 503"), 1,
	    "retry past expiry");
	memset(&r, 0, sizeof r);
	is_int(store_outbox_get(s, a, collect_row, &r), 1, "get a");
	ok(r.n == 1 && r.status[0] == STORE_OUTBOX_EXPIRED &&
	    r.attempts[0] == 2, "retry past expiry expires");
	store_outbox_stats(s, "slack", 1100, &depth, &age);
	ok(depth == 0 && age == 0, "slack empty");

	ok(store_outbox_enqueue(s, "hook", "{}", 2000, 2100, d) == 0,
	    "enqueue d");
	memset(&r, 0, sizeof r);
	store_outbox_due(s, "hook", 2100, 0, collect_row, &r);
	is_int(r.n, 0, "expired row not due");
	ok(store_outbox_expire(s, 2100, &n) == 0 && n == 1,
	    "expire marks one row");
	memset(&r, 0, sizeof r);
	store_outbox_get(s, d, collect_row, &r);
	ok(r.n == 1 && r.status[0] == STORE_OUTBOX_EXPIRED, "d expired");

	is_int(store_outbox_fail(s, c, "HTTP 404"), 1, "permanent failure");
	memset(&r, 0, sizeof r);
	store_outbox_get(s, c, collect_row, &r);
	ok(r.status[0] == STORE_OUTBOX_FAILED, "c failed");
	{
		int64_t	cnt[STORE_OUTBOX_NSTATUS], all[STORE_OUTBOX_NSTATUS];

		ok(store_outbox_counts(s, "hook", cnt) == 0 &&
		    cnt[STORE_OUTBOX_EXPIRED] == 1 &&
		    cnt[STORE_OUTBOX_PENDING] == 0, "counts per sink");
		ok(store_outbox_counts(s, NULL, all) == 0 &&
		    all[STORE_OUTBOX_FAILED] == 1 &&
		    all[STORE_OUTBOX_EXPIRED] >= 1 &&
		    all[STORE_OUTBOX_DELIVERED] + all[STORE_OUTBOX_PENDING] +
		    all[STORE_OUTBOX_EXPIRED] + all[STORE_OUTBOX_FAILED] == 4,
		    "counts over every sink");
	}
	is_int(store_outbox_get(s, "0123", collect_row, &r), 0, "get missing");
	ok(store_outbox_prune(s, 1001, &n) == 0 && n == 2,
	    "prune: finished rows created before");
	is_str(store_outbox_status_name(STORE_OUTBOX_DELIVERED), "delivered",
	    "status name");
}

static void
test_findings(struct store *s)
{
	struct store_finding	f;
	const char		*fp = "9f86d081884c7d659a2feaa0c55ad015";
	int			is_new, notify;

	ok(store_finding_seen(s, fp, "aws-access-key-id", "/aws/lambda/a",
	    "AKIA************WXYZ", 100, 3600, &is_new, &notify) == 0,
	    "finding seen");
	ok(is_new && notify, "first sighting: new, notify");
	store_finding_seen(s, fp, "aws-access-key-id", "/aws/lambda/a",
	    "AKIA************WXYZ", 200, 3600, &is_new, &notify);
	ok(!is_new && !notify, "second sighting in the window: quiet");
	store_finding_seen(s, fp, "aws-access-key-id", "/aws/lambda/a",
	    "AKIA************WXYZ", 3699, 3600, &is_new, &notify);
	ok(!is_new && !notify, "just before the repeat: quiet");
	store_finding_seen(s, fp, "aws-access-key-id", "/aws/lambda/a",
	    "AKIA************WXYZ", 3700, 3600, &is_new, &notify);
	ok(!is_new && notify, "after the repeat window: notify again");
	store_finding_seen(s, fp, "aws-access-key-id", "/aws/lambda/b",
	    "AKIA************WXYZ", 3800, 3600, &is_new, &notify);
	ok(is_new && notify, "same secret, other log group: new");
	is_int(store_finding_get(s, fp, "/aws/lambda/a", &f), 1, "get");
	ok(f.count == 4 && f.first_seen == 100 && f.last_seen == 3700 &&
	    f.last_notified == 3700 &&
	    strcmp(f.redacted, "AKIA************WXYZ") == 0 &&
	    strcmp(f.rule, "aws-access-key-id") == 0, "finding row");
	ok(store_finding_seen(s, "not-hex!", "r", "src", "x", 1, 1, NULL,
	    NULL) == -1, "non-hex fingerprint refused");
}

static int
count_select(void *arg, const struct store_finding *f)
{
	int	*n = arg;

	(*n)++;
	if (f->mark == STORE_MARK_ALLOW && f->source[0] == '\0')
		*n += 100;	/* a verdict without a sighting */
	return 0;
}

static void
test_finding_marks(struct store *s)
{
	const char	*a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	const char	*b = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
	const char	*c = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
	struct store_finding	f;
	int			is_new, notify, n;

	store_finding_seen(s, a, "stripe-key", "/g1", "sk_live_***", 100,
	    3600, &is_new, &notify);
	ok(store_finding_mark(s, a, STORE_MARK_ACK, "rotated", 150) == 0,
	    "ack");
	is_int(store_finding_mark_get(s, a), STORE_MARK_ACK, "mark read");
	store_finding_seen(s, a, "stripe-key", "/g1", "sk_live_***", 9000,
	    3600, &is_new, &notify);
	ok(!is_new && !notify, "acked: a repeat past the window is quiet");
	ok(store_finding_get(s, a, "/g1", &f) == 1 && f.count == 2,
	    "acked: still counted");
	store_finding_seen(s, a, "stripe-key", "/g2", "sk_live_***", 9100,
	    3600, &is_new, &notify);
	ok(is_new && notify, "acked: a new log group notifies once");
	ok(store_finding_mark(s, b, STORE_MARK_ALLOW, NULL, 200) == 0,
	    "allow before any sighting");
	ok(store_finding_seen(s, b, "stripe-key", "/g1", "sk_live_***", 300,
	    3600, &is_new, &notify) == 0 && !is_new && !notify,
	    "allowed: neither new nor notified");
	is_int(store_finding_get(s, b, "/g1", &f), 0, "allowed: not recorded");
	n = 0;
	is_int(store_finding_select(s, NULL, 0, count_select, &n), 0,
	    "select");
	ok(n == 105, "select: four sightings and the lone verdict");
	n = 0;
	ok(store_finding_select(s, "/g2", 0, count_select, &n) == 0 && n == 1,
	    "select by source");
	n = 0;
	ok(store_finding_select(s, NULL, 9050, count_select, &n) == 0 &&
	    n == 1, "select since");
	ok(store_finding_mark(s, b, STORE_MARK_NONE, NULL, 400) == 0 &&
	    store_finding_mark_get(s, b) == STORE_MARK_NONE, "reset");
	ok(store_finding_mark(s, "ABC", STORE_MARK_ACK, NULL, 1) == -1 &&
	    store_finding_mark(s, c, 7, NULL, 1) == -1,
	    "bad fingerprint or mark refused");
}

static void
test_cursors(struct store *s)
{
	int64_t	cursor, n;

	is_int(store_cursor_get(s, "lambda", &cursor), 0, "cursor missing");
	ok(store_cursor_put(s, "lambda", 5000) == 0 &&
	    store_cursor_put(s, "lambda", 6000) == 0, "cursor put");
	ok(store_cursor_get(s, "lambda", &cursor) == 1 && cursor == 6000,
	    "cursor get");
	is_int(store_ptr_seen(s, "lambda", "CmAKJgoiMTIz", 5900), 0,
	    "ptr new");
	is_int(store_ptr_seen(s, "lambda", "CmAKJgoiMTIz", 5900), 1,
	    "same ptr: duplicate");
	is_int(store_ptr_seen(s, "other", "CmAKJgoiMTIz", 5900), 0,
	    "same ptr, other source: new");
	is_int(store_ptr_seen(s, "lambda", "CmAKJgoiNDU2", 5990), 0,
	    "second ptr new");
	ok(store_ptr_prune(s, "lambda", 5950, &n) == 0 && n == 1,
	    "prune ptrs older than the overlap");
	is_int(store_ptr_seen(s, "lambda", "CmAKJgoiNDU2", 5990), 1,
	    "recent ptr kept");
	is_int(store_ptr_seen(s, "other", "CmAKJgoiMTIz", 5900), 1,
	    "other source untouched by prune");
}

static int
count_cycle(void *arg, const struct store_cycle *c)
{
	int	*n = arg;

	if (strcmp(c->source, "api") == 0 && c->ok == 0 &&
	    strcmp(c->message, "ThrottlingException") == 0 && c->time == 77)
		(*n)++;
	return 0;
}

static void
test_cycles(struct store *s)
{
	int	n = 0;

	ok(store_cycle_put(s, "api", 70, 1, "") == 0 &&
	    store_cycle_put(s, "api", 77, 0, "ThrottlingException") == 0,
	    "cycle put");
	ok(store_cycle_list(s, count_cycle, &n) == 0 && n == 1,
	    "cycle list has the latest");
}

static void
test_lock(void)
{
	struct store	*s;
	char		 c, want[64];
	int		 up[2], down[2], status;
	pid_t		 pid;

	if (pipe(up) == -1 || pipe(down) == -1)
		abort();
	fflush(stdout);
	if ((pid = fork()) == -1)
		abort();
	if (pid == 0) {
		struct store	*cs;
		char		 cerr[256];

		close(up[0]);
		close(down[1]);
		cs = store_open(path_in("state.db"), 0, cerr, sizeof cerr);
		if (cs == NULL || store_lock(cs, 0, cerr, sizeof cerr) == -1)
			_exit(1);
		if (write(up[1], "L", 1) != 1)
			_exit(1);
		if (read(down[0], &c, 1) != 1)
			_exit(1);
		store_close(cs);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	s = store_open(path_in("state.db"), 0, err, sizeof err);
	ok(s != NULL, "lock: parent opens");
	ok(read(up[0], &c, 1) == 1, "lock: child holds the lock");
	ok(s && store_lock(s, 0.2, err, sizeof err) == -1,
	    "lock: parent's short wait fails");
	snprintf(want, sizeof want, "pid %ld", (long)pid);
	ok(strstr(err, "locked") != NULL && strstr(err, want) != NULL,
	    "lock: message names the holder's pid");
	tap_diag("%s", err);
	if (write(down[1], "R", 1) != 1)
		abort();
	/* The child releases now; the wait covers the hand-over. */
	ok(s && store_lock(s, 30, err, sizeof err) == 0,
	    "lock: succeeds after the child releases");
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "lock: child ok");
	store_close(s);
	close(up[0]);
	close(down[1]);
}

static int
rm_entry(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	return remove(p);
}

/* Per-watch datapoint pruning, series left without data, vacuum. */
static void
test_prune_series(struct store *s)
{
	struct store_datapoint	 dp;
	struct store_alert	 a;
	struct store_window	 win;
	int64_t			 n, freed;
	int			 i;

	memset(&dp, 0, sizeof dp);
	dp.period_seconds = 60;
	dp.errors = 1;
	dp.value = NAN;
	ok(store_begin(s) == 0, "prune: begin");
	for (i = 0; i < 10; i++) {
		dp.period_start = 100000 + i * 60;
		dp.requests = 10;
		ok(store_datapoint_put(s, "pw", "gone", "errors", &dp) == 0 &&
		    store_datapoint_put(s, "pw", "firing", "errors", &dp) == 0 &&
		    store_datapoint_put(s, "other", "e", "errors", &dp) == 0,
		    "prune: put period %d", i);
	}
	ok(store_alert_get(s, "pw", "gone", "errors", &a) == 0, "alert: gone");
	a.state = STORE_ALERT_OK;
	a.last_period = 100540;
	ok(store_alert_put(s, &a) == 0, "alert put: gone, ok");
	ok(store_alert_get(s, "pw", "firing", "errors", &a) == 0, "alert: f");
	a.state = STORE_ALERT_FIRING;
	a.last_period = 100540;
	ok(store_alert_put(s, &a) == 0, "alert put: firing");

	ok(store_datapoint_prune_watch(s, "pw", 100300, &n) == 0,
	    "prune one watch");
	is_int(n, 10, "5 periods of 2 series of that watch pruned");
	ok(store_datapoint_prune_watch(s, "", 100300, &n) == -1,
	    "empty watch name refused");
	ok(store_rollup_window(s, "pw", "gone", "errors", 0, 200000,
	    &win) == 0 && win.requests == 100, "rollups are not touched");
	n = -1;
	ok(store_series_prune(s, 200000, &n) == 0 && n == 0,
	    "no series pruned while rollups remain");
	ok(store_datapoint_prune(s, 200000, NULL) == 0 &&
	    store_rollup_prune(s, 200000, NULL) == 0, "prune all data");
	ok(store_series_prune(s, 100000, &n) == 0 && n == 1,
	    "only the series without an alert row goes while last_period "
	    "is newer than before");
	ok(store_series_prune(s, 200000, &n) == 0, "series prune");
	is_int(n, 1, "the series whose alert is ok and old goes");
	is_int(store_alert_get(s, "pw", "gone", "errors", &a), 0,
	    "its alert row went with it");
	is_int(store_alert_get(s, "pw", "firing", "errors", &a), 1,
	    "a firing series stays");
	ok(store_vacuum(s, 0, &freed) == -1, "vacuum refused in a transaction");
	ok(store_commit(s) == 0, "prune: commit");
	ok(store_vacuum(s, 0, &freed) == 0 && freed >= 0, "vacuum");
	ok(store_vacuum(s, 1.1, &freed) == 0 && freed == 0,
	    "vacuum below the free fraction does nothing");
}

int
main(void)
{
	struct store	*s;
	const char	*tmp = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/cwg-store-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_open();
	test_refusals();
	s = store_open(path_in("state.db"), STORE_CREATE, err, sizeof err);
	ok(s != NULL, "open for the table tests");
	if (s != NULL) {
		test_transactions(s);
		test_series(s);
		test_alerts(s);
		test_outbox(s);
		test_findings(s);
	test_finding_marks(s);
		test_cursors(s);
		test_cycles(s);
		store_close(s);
	}
	s = store_open(path_in("prune.db"), STORE_CREATE, err, sizeof err);
	ok(s != NULL, "open for the prune tests");
	if (s != NULL) {
		test_prune_series(s);
		store_close(s);
	}
	test_lock();
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
