/*
 * The sequential test's state per (watch, entity, signal) (detector_seq):
 * the evidence accumulated so far survives restarts, so a `check` run
 * every minute keeps adding to it.
 */
#include "autoconf.h"

#include <string.h>

#include "store_int.h"

int
store_seq_get(struct store *s, const char *watch, const char *entity,
    const char *signal, struct store_seq *out)
{
	sqlite3_stmt	*st;
	int64_t		 series;
	int		 rc;

	memset(out, 0, sizeof *out);
	if ((rc = store_series(s, watch, entity, signal, 0, &series)) <= 0)
		return rc;
	if ((st = store_stmt(s, STMT_SEQ_GET, "SELECT llr, since, periods, "
	    "requests, errors, alarm FROM seqstate WHERE series = ?1")) ==
	    NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, series) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->llr = sqlite3_column_double(st, 0);
		out->since = sqlite3_column_int64(st, 1);
		out->periods = sqlite3_column_int64(st, 2);
		out->requests = sqlite3_column_int64(st, 3);
		out->errors = sqlite3_column_int64(st, 4);
		out->alarm = sqlite3_column_int(st, 5) != 0;
	}
	store_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_dberr(s, "sequential state read");
	return rc == SQLITE_ROW;
}

int
store_seq_put(struct store *s, const char *watch, const char *entity,
    const char *signal, const struct store_seq *q)
{
	sqlite3_stmt	*st;
	int64_t		 series;

	if (!(q->llr >= 0 && q->llr <= 1e6) || q->periods < 0 ||
	    q->requests < 0 || q->errors < 0 || q->errors > q->requests)
		return store_seterr(s, "%s: bad sequential state for %s %s",
		    s->path, entity, signal);
	if (store_series(s, watch, entity, signal, 1, &series) == -1)
		return -1;
	if ((st = store_stmt(s, STMT_SEQ_PUT, "INSERT INTO seqstate (series, "
	    "llr, since, periods, requests, errors, alarm) VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7) ON CONFLICT (series) DO UPDATE SET "
	    "llr = excluded.llr, since = excluded.since, "
	    "periods = excluded.periods, requests = excluded.requests, "
	    "errors = excluded.errors, alarm = excluded.alarm")) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, series) != SQLITE_OK ||
	    sqlite3_bind_double(st, 2, q->llr) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, q->since) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, q->periods) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, q->requests) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 6, q->errors) != SQLITE_OK ||
	    sqlite3_bind_int(st, 7, q->alarm != 0) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	return store_exec_stmt(s, st, "sequential state write");
}

int
store_rollup_dispersion(struct store *s, const char *watch,
    const char *entity, const char *signal, int64_t from, int64_t to,
    double p, double min_expected, double *sum, int64_t *hours)
{
	sqlite3_stmt	*st;
	int64_t		 series;
	int		 rc;

	*sum = 0;
	*hours = 0;
	if (!(p > 0 && p < 1))
		return 0;
	if ((rc = store_series(s, watch, entity, signal, 0, &series)) <= 0)
		return rc;
	if ((st = store_stmt(s, STMT_ROLLUP_DISP, "SELECT coalesce(sum("
	    "(e - n * ?4) * (e - n * ?4) / (n * ?4 * (1 - ?4))), 0), count(*) "
	    "FROM (SELECT CAST(requests - anomalous_requests AS REAL) AS n, "
	    "errors - anomalous_errors AS e FROM rollup WHERE series = ?1 AND "
	    "hour >= ?2 AND hour < ?3) WHERE n * ?4 >= ?5")) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, series) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, from) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, to) != SQLITE_OK ||
	    sqlite3_bind_double(st, 4, p) != SQLITE_OK ||
	    sqlite3_bind_double(st, 5, min_expected) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*sum = sqlite3_column_double(st, 0);
		*hours = sqlite3_column_int64(st, 1);
	}
	store_done(st);
	if (rc != SQLITE_ROW)
		return store_dberr(s, "rollup dispersion");
	return 0;
}

int
store_rollup_tod(struct store *s, const char *watch, const char *entity,
    const char *signal, int64_t from, int64_t to, int64_t band_start,
    int64_t band_seconds, struct store_window *out)
{
	sqlite3_stmt	*st;
	int64_t		 series;
	int		 rc;

	memset(out, 0, sizeof *out);
	if ((rc = store_series(s, watch, entity, signal, 0, &series)) <= 0)
		return rc;
	if ((st = store_stmt(s, STMT_ROLLUP_TOD, "SELECT "
	    "coalesce(sum(requests - anomalous_requests), 0), "
	    "coalesce(sum(errors - anomalous_errors), 0), count(*) "
	    "FROM rollup WHERE series = ?1 AND hour >= ?2 AND hour < ?3 "
	    "AND ((hour - ?4) % 86400 + 86400) % 86400 < ?5")) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, series) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, from) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, to) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, band_start) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, band_seconds) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	return store_window_step(s, st, out, "rollup time-of-day window");
}
