/*
 * Datapoints and hourly rollups. A rollup row is kept equal to the sum of
 * the datapoints of its hour: every datapoint write adjusts it by the
 * difference between the new and the old row, so re-reading late
 * CloudWatch data converges instead of counting twice.
 */
#include "autoconf.h"

#include <math.h>
#include <string.h>

#include "store_int.h"

struct dp_old {
	int	 found;
	int64_t	 requests;	/* 0 when NULL */
	int64_t	 errors;
	int	 counted;	/* requests or errors not NULL */
	int	 anomalous;
};

static int64_t
hour_of(int64_t t)
{
	return t - ((t % 3600) + 3600) % 3600;
}

static int
rollup_add_id(struct store *s, int64_t series, const struct store_rollup *r)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, STMT_ROLLUP_ADD, "INSERT INTO rollup (series, "
	    "hour, requests, errors, anomalous_requests, anomalous_errors) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (series, hour) DO "
	    "UPDATE SET requests = requests + excluded.requests, "
	    "errors = errors + excluded.errors, "
	    "anomalous_requests = anomalous_requests + "
	    "excluded.anomalous_requests, "
	    "anomalous_errors = anomalous_errors + excluded.anomalous_errors"))
	    == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, series) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, hour_of(r->hour)) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, r->requests) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, r->errors) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, r->anomalous_requests) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 6, r->anomalous_errors) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	return store_exec_stmt(s, st, "rollup");
}

static int
dp_get_old(struct store *s, int64_t series, int64_t start, int64_t secs,
    struct dp_old *old)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(old, 0, sizeof *old);
	if ((st = store_stmt(s, STMT_DP_GET, "SELECT requests, errors, "
	    "anomalous FROM datapoint WHERE series = ?1 AND "
	    "period_start = ?2 AND period_seconds = ?3")) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, series) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, start) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, secs) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		old->found = 1;
		old->counted = sqlite3_column_type(st, 0) != SQLITE_NULL ||
		    sqlite3_column_type(st, 1) != SQLITE_NULL;
		old->requests = sqlite3_column_int64(st, 0);
		old->errors = sqlite3_column_int64(st, 1);
		old->anomalous = sqlite3_column_int(st, 2);
	}
	store_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_dberr(s, "datapoint read");
	return 0;
}

int
store_datapoint_put(struct store *s, const char *watch, const char *entity,
    const char *signal, const struct store_datapoint *dp)
{
	struct store_rollup	 delta;
	struct dp_old		 old;
	sqlite3_stmt		*st;
	int64_t			 series, req, errs;
	int			 counted;

	if (dp->period_seconds <= 0)
		return store_seterr(s, "%s: datapoint period must be positive",
		    s->path);
	if (store_savepoint(s) == -1)
		return -1;
	if (store_series(s, watch, entity, signal, 1, &series) == -1 ||
	    dp_get_old(s, series, dp->period_start, dp->period_seconds,
	    &old) == -1)
		goto fail;

	if ((st = store_stmt(s, STMT_DP_PUT, "INSERT INTO datapoint (series, "
	    "period_start, period_seconds, requests, errors, value) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (series, period_start, "
	    "period_seconds) DO UPDATE SET requests = excluded.requests, "
	    "errors = excluded.errors, value = excluded.value")) == NULL)
		goto fail;
	if (sqlite3_bind_int64(st, 1, series) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, dp->period_start) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, dp->period_seconds) != SQLITE_OK ||
	    (dp->requests >= 0 ? sqlite3_bind_int64(st, 4, dp->requests) :
	    sqlite3_bind_null(st, 4)) != SQLITE_OK ||
	    (dp->errors >= 0 ? sqlite3_bind_int64(st, 5, dp->errors) :
	    sqlite3_bind_null(st, 5)) != SQLITE_OK ||
	    (!isnan(dp->value) ? sqlite3_bind_double(st, 6, dp->value) :
	    sqlite3_bind_null(st, 6)) != SQLITE_OK) {
		store_done(st);
		store_dberr(s, "bind");
		goto fail;
	}
	if (store_exec_stmt(s, st, "datapoint write") == -1)
		goto fail;

	req = dp->requests >= 0 ? dp->requests : 0;
	errs = dp->errors >= 0 ? dp->errors : 0;
	counted = dp->requests >= 0 || dp->errors >= 0;
	if (counted || old.counted) {
		memset(&delta, 0, sizeof delta);
		delta.hour = dp->period_start;
		delta.requests = req - old.requests;
		delta.errors = errs - old.errors;
		if (old.anomalous) {
			delta.anomalous_requests = delta.requests;
			delta.anomalous_errors = delta.errors;
		}
		if (rollup_add_id(s, series, &delta) == -1)
			goto fail;
	}
	return store_release(s);
fail:
	store_rollback_to(s);
	return -1;
}

int
store_datapoint_mark(struct store *s, const char *watch, const char *entity,
    const char *signal, int64_t period_start, int64_t period_seconds,
    int anomalous)
{
	struct store_rollup	 delta;
	struct dp_old		 old;
	sqlite3_stmt		*st;
	int64_t			 series;
	int			 rc;

	anomalous = anomalous != 0;
	if (store_savepoint(s) == -1)
		return -1;
	if ((rc = store_series(s, watch, entity, signal, 0, &series)) == -1)
		goto fail;
	if (rc == 0)
		return store_release(s) == -1 ? -1 : 0;
	if (dp_get_old(s, series, period_start, period_seconds, &old) == -1)
		goto fail;
	if (!old.found)
		return store_release(s) == -1 ? -1 : 0;
	if (old.anomalous == anomalous)
		return store_release(s) == -1 ? -1 : 1;

	if ((st = store_stmt(s, STMT_DP_MARK, "UPDATE datapoint SET "
	    "anomalous = ?4 WHERE series = ?1 AND period_start = ?2 AND "
	    "period_seconds = ?3")) == NULL)
		goto fail;
	if (sqlite3_bind_int64(st, 1, series) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, period_start) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, period_seconds) != SQLITE_OK ||
	    sqlite3_bind_int(st, 4, anomalous) != SQLITE_OK) {
		store_done(st);
		store_dberr(s, "bind");
		goto fail;
	}
	if (store_exec_stmt(s, st, "datapoint mark") == -1)
		goto fail;
	if (old.counted) {
		memset(&delta, 0, sizeof delta);
		delta.hour = period_start;
		delta.anomalous_requests = anomalous ? old.requests :
		    -old.requests;
		delta.anomalous_errors = anomalous ? old.errors : -old.errors;
		if (rollup_add_id(s, series, &delta) == -1)
			goto fail;
	}
	return store_release(s) == -1 ? -1 : 1;
fail:
	store_rollback_to(s);
	return -1;
}

int
store_datapoint_range(struct store *s, const char *watch, const char *entity,
    const char *signal, int64_t from, int64_t to, int64_t period_seconds,
    store_datapoint_cb cb, void *arg)
{
	struct store_datapoint	 dp;
	sqlite3_stmt		*st;
	int64_t			 series;
	int			 rc;

	if ((rc = store_series(s, watch, entity, signal, 0, &series)) <= 0)
		return rc;
	if ((st = store_stmt(s, STMT_DP_RANGE, "SELECT period_start, "
	    "period_seconds, requests, errors, value, anomalous FROM datapoint "
	    "WHERE series = ?1 AND period_start >= ?2 AND period_start < ?3 "
	    "AND (?4 = 0 OR period_seconds = ?4) "
	    "ORDER BY period_start, period_seconds")) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, series) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, from) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, to) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, period_seconds) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		dp.period_start = sqlite3_column_int64(st, 0);
		dp.period_seconds = sqlite3_column_int64(st, 1);
		dp.requests = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(st, 2);
		dp.errors = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(st, 3);
		dp.value = sqlite3_column_type(st, 4) == SQLITE_NULL ? NAN :
		    sqlite3_column_double(st, 4);
		dp.anomalous = sqlite3_column_int(st, 5);
		if (cb(arg, &dp) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	store_done(st);
	if (rc != SQLITE_DONE)
		return store_dberr(s, "datapoint range");
	return 0;
}

static int
prune(struct store *s, enum store_stmt_id id, const char *sql,
    int64_t before, int64_t *removed)
{
	return store_prune_stmt(s, store_stmt(s, id, sql), NULL, before,
	    removed);
}

int
store_datapoint_prune(struct store *s, int64_t before, int64_t *removed)
{
	return prune(s, STMT_DP_PRUNE,
	    "DELETE FROM datapoint WHERE series IN (SELECT id FROM series) "
	    "AND period_start < ?1", before, removed);
}

int
store_rollup_add(struct store *s, const char *watch, const char *entity,
    const char *signal, const struct store_rollup *r)
{
	int64_t	series;

	if (store_series(s, watch, entity, signal, 1, &series) == -1)
		return -1;
	return rollup_add_id(s, series, r);
}

int
store_rollup_get(struct store *s, const char *watch, const char *entity,
    const char *signal, int64_t hour, struct store_rollup *out)
{
	sqlite3_stmt	*st;
	int64_t		 series;
	int		 rc;

	memset(out, 0, sizeof *out);
	out->hour = hour_of(hour);
	if ((rc = store_series(s, watch, entity, signal, 0, &series)) <= 0)
		return rc;
	if ((st = store_stmt(s, STMT_ROLLUP_GET, "SELECT requests, errors, "
	    "anomalous_requests, anomalous_errors FROM rollup "
	    "WHERE series = ?1 AND hour = ?2")) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, series) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, out->hour) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->requests = sqlite3_column_int64(st, 0);
		out->errors = sqlite3_column_int64(st, 1);
		out->anomalous_requests = sqlite3_column_int64(st, 2);
		out->anomalous_errors = sqlite3_column_int64(st, 3);
	}
	store_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_dberr(s, "rollup read");
	return rc == SQLITE_ROW;
}

int
store_rollup_window(struct store *s, const char *watch, const char *entity,
    const char *signal, int64_t from, int64_t to, struct store_window *out)
{
	sqlite3_stmt	*st;
	int64_t		 series;
	int		 rc;

	memset(out, 0, sizeof *out);
	if ((rc = store_series(s, watch, entity, signal, 0, &series)) <= 0)
		return rc;
	if ((st = store_stmt(s, STMT_ROLLUP_WINDOW, "SELECT "
	    "coalesce(sum(requests - anomalous_requests), 0), "
	    "coalesce(sum(errors - anomalous_errors), 0), count(*) "
	    "FROM rollup WHERE series = ?1 AND hour >= ?2 AND hour < ?3"))
	    == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, series) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, from) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, to) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	return store_window_step(s, st, out, "rollup window");
}

/*
 * Steps st, a bound query of (requests, errors, hours) sums over rollup
 * rows, into out; finalizes it. 0, or -1 naming what.
 */
int
store_window_step(struct store *s, sqlite3_stmt *st, struct store_window *out,
    const char *what)
{
	int	rc;

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->requests = sqlite3_column_int64(st, 0);
		out->errors = sqlite3_column_int64(st, 1);
		out->hours = sqlite3_column_int64(st, 2);
	}
	store_done(st);
	if (rc != SQLITE_ROW)
		return store_dberr(s, what);
	return 0;
}

int
store_rollup_prune(struct store *s, int64_t before, int64_t *removed)
{
	return prune(s, STMT_ROLLUP_PRUNE,
	    "DELETE FROM rollup WHERE series IN (SELECT id FROM series) "
	    "AND hour < ?1", before, removed);
}

/* Runs a one-off statement (hourly pruning: not worth a cache slot). */
static int
once_exec(struct store *s, const char *sql, const char *text, int64_t before,
    int64_t *removed, const char *what)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (removed != NULL)
		*removed = 0;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_dberr(s, what);
	if (sqlite3_bind_int64(st, 1, before) != SQLITE_OK ||
	    (text != NULL && sqlite3_bind_text(st, 2, text, -1,
	    SQLITE_TRANSIENT) != SQLITE_OK)) {
		sqlite3_finalize(st);
		return store_dberr(s, "bind");
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_dberr(s, what);
	if (removed != NULL)
		*removed = sqlite3_changes(s->db);
	return 0;
}

int
store_datapoint_prune_watch(struct store *s, const char *watch,
    int64_t before, int64_t *removed)
{
	if (store_check_name(s, "watch", watch, STORE_NAME_MAX) == -1)
		return -1;
	/* per series, a range of the primary key */
	return once_exec(s, "DELETE FROM datapoint WHERE series IN "
	    "(SELECT id FROM series WHERE watch = ?2) AND period_start < ?1",
	    watch, before, removed, "datapoint prune");
}

int
store_pace_prune(struct store *s, int64_t before, int64_t *removed)
{
	/*
	 * A watch's pace row ("watch:" key, "boot=B polled=P traffic=T") says
	 * when its entity was last seen: written as it is polled idle or shows
	 * traffic.  One with all three older than before is an entity no watch
	 * finds any more (deleted, excluded, or its watch removed).  CAST
	 * reads the number at the front of each substring.
	 */
	return once_exec(s, "DELETE FROM meta WHERE key >= 'watch:' AND "
	    "key < 'watch;' AND value GLOB 'boot=* polled=* traffic=*' AND "
	    "max(CAST(substr(value, 6) AS INTEGER), "
	    "CAST(substr(value, instr(value, ' polled=') + 8) AS INTEGER), "
	    "CAST(substr(value, instr(value, ' traffic=') + 9) AS INTEGER)) < ?1",
	    NULL, before, removed, "pace prune");
}

int
store_series_prune(struct store *s, int64_t before, int64_t *removed)
{
	/* the alert row goes with the series (ON DELETE CASCADE) */
	return once_exec(s, "DELETE FROM series WHERE "
	    "NOT EXISTS (SELECT 1 FROM datapoint d WHERE d.series = series.id) "
	    "AND NOT EXISTS (SELECT 1 FROM rollup r WHERE r.series = series.id) "
	    "AND NOT EXISTS (SELECT 1 FROM alert a WHERE a.series = series.id "
	    "AND (a.state <> 0 OR a.last_period >= ?1))",
	    NULL, before, removed, "series prune");
}
