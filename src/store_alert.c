/* Alert state per (watch, entity, signal); it survives restarts. */
#include "autoconf.h"

#include <math.h>
#include <string.h>

#include "store_int.h"
#include "util.h"

static const char *const alert_names[] = { "ok", "pending", "firing",
    "resolved" };

const char *
store_alert_state_name(enum store_alert_state state)
{
	if ((int)state < 0 || (int)state > STORE_ALERT_RESOLVED)
		return "?";
	return alert_names[state];
}

static double
column_double_or_nan(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NAN;
	return sqlite3_column_double(st, i);
}

static int
bind_double_or_null(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_double(st, i, v);
}

/* Columns from index first: state .. last_baseline. */
static void
alert_columns(sqlite3_stmt *st, int first, struct store_alert *a)
{
	int	state = sqlite3_column_int(st, first);

	a->state = state >= 0 && state <= STORE_ALERT_RESOLVED ? state :
	    STORE_ALERT_OK;
	a->consecutive_anomalous = sqlite3_column_int64(st, first + 1);
	a->consecutive_normal = sqlite3_column_int64(st, first + 2);
	a->since = sqlite3_column_int64(st, first + 3);
	a->last_notified = sqlite3_column_int64(st, first + 4);
	a->last_period = sqlite3_column_int64(st, first + 5);
	a->last_value = column_double_or_nan(st, first + 6);
	a->last_baseline = column_double_or_nan(st, first + 7);
}

int
store_alert_get(struct store *s, const char *watch, const char *entity,
    const char *signal, struct store_alert *out)
{
	sqlite3_stmt	*st;
	int64_t		 series;
	int		 rc;

	memset(out, 0, sizeof *out);
	out->state = STORE_ALERT_OK;
	out->last_value = out->last_baseline = NAN;
	if ((rc = store_series(s, watch, entity, signal, 0, &series)) == -1)
		return -1;
	util_strlcpy(out->watch, watch, sizeof out->watch);
	util_strlcpy(out->entity, entity, sizeof out->entity);
	util_strlcpy(out->signal, signal, sizeof out->signal);
	if (rc == 0)
		return 0;
	if ((st = store_stmt(s, STMT_ALERT_GET, "SELECT state, "
	    "consecutive_anomalous, consecutive_normal, since, last_notified, "
	    "last_period, last_value, last_baseline FROM alert "
	    "WHERE series = ?1")) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, series) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		alert_columns(st, 0, out);
	store_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_dberr(s, "alert read");
	return rc == SQLITE_ROW;
}

int
store_alert_put(struct store *s, const struct store_alert *a)
{
	sqlite3_stmt	*st;
	int64_t		 series;

	if ((int)a->state < 0 || (int)a->state > STORE_ALERT_RESOLVED)
		return store_seterr(s, "%s: bad alert state %d", s->path,
		    (int)a->state);
	if (store_series(s, a->watch, a->entity, a->signal, 1, &series) == -1)
		return -1;
	if ((st = store_stmt(s, STMT_ALERT_PUT, "INSERT INTO alert (series, "
	    "state, consecutive_anomalous, consecutive_normal, since, "
	    "last_notified, last_period, last_value, last_baseline) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (series) DO "
	    "UPDATE SET state = excluded.state, "
	    "consecutive_anomalous = excluded.consecutive_anomalous, "
	    "consecutive_normal = excluded.consecutive_normal, "
	    "since = excluded.since, last_notified = excluded.last_notified, "
	    "last_period = excluded.last_period, "
	    "last_value = excluded.last_value, "
	    "last_baseline = excluded.last_baseline")) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, series) != SQLITE_OK ||
	    sqlite3_bind_int(st, 2, a->state) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, a->consecutive_anomalous) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, a->consecutive_normal) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, a->since) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 6, a->last_notified) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 7, a->last_period) != SQLITE_OK ||
	    bind_double_or_null(st, 8, a->last_value) != SQLITE_OK ||
	    bind_double_or_null(st, 9, a->last_baseline) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	return store_exec_stmt(s, st, "alert write");
}

int
store_alert_delete(struct store *s, const char *watch, const char *entity,
    const char *signal)
{
	sqlite3_stmt	*st;
	int64_t		 series;
	int		 rc;

	if ((rc = store_series(s, watch, entity, signal, 0, &series)) <= 0)
		return rc;
	if ((st = store_stmt(s, STMT_ALERT_DELETE,
	    "DELETE FROM alert WHERE series = ?1")) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, series) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	return store_exec_stmt(s, st, "alert delete");
}

int
store_alert_list(struct store *s, store_alert_cb cb, void *arg)
{
	struct store_alert	 a;
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = store_stmt(s, STMT_ALERT_LIST, "SELECT s.watch, s.entity, "
	    "s.signal, a.state, a.consecutive_anomalous, a.consecutive_normal, "
	    "a.since, a.last_notified, a.last_period, a.last_value, "
	    "a.last_baseline FROM alert a JOIN series s ON s.id = a.series "
	    "ORDER BY s.watch, s.entity, s.signal")) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_column_copy(st, 0, a.watch, sizeof a.watch);
		store_column_copy(st, 1, a.entity, sizeof a.entity);
		store_column_copy(st, 2, a.signal, sizeof a.signal);
		alert_columns(st, 3, &a);
		if (cb(arg, &a) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	store_done(st);
	if (rc != SQLITE_DONE)
		return store_dberr(s, "alert list");
	return 0;
}
