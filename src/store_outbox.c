/*
 * The outbox: every notification is a row before it is sent; deliveries
 * are retried until success or expiry, and survive restarts.
 */
#include "autoconf.h"

#include <string.h>

#include "store_int.h"
#include "util.h"

#define OUTBOX_COLUMNS	"id, sink, created, due, expires, attempts, " \
	"status, last_error, payload"

static const char *const outbox_names[] = { "pending", "delivered",
    "expired", "failed" };

const char *
store_outbox_status_name(enum store_outbox_status status)
{
	if ((int)status < 0 || (int)status > STORE_OUTBOX_FAILED)
		return "?";
	return outbox_names[status];
}

static const char *
column_text(sqlite3_stmt *st, int i)
{
	const char	*v = (const char *)sqlite3_column_text(st, i);

	return v != NULL ? v : "";
}

/* Steps st (selecting OUTBOX_COLUMNS) and calls cb per row. */
static int
outbox_rows(struct store *s, sqlite3_stmt *st, store_outbox_cb cb, void *arg,
    int *rows)
{
	struct store_outbox	 o;
	int			 rc, status;

	*rows = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&o, 0, sizeof o);
		util_strlcpy(o.id, column_text(st, 0), sizeof o.id);
		o.sink = column_text(st, 1);
		o.created = sqlite3_column_int64(st, 2);
		o.due = sqlite3_column_int64(st, 3);
		o.expires = sqlite3_column_int64(st, 4);
		o.attempts = sqlite3_column_int64(st, 5);
		status = sqlite3_column_int(st, 6);
		o.status = status >= 0 && status <= STORE_OUTBOX_FAILED ?
		    status : STORE_OUTBOX_FAILED;
		o.last_error = column_text(st, 7);
		o.payload = column_text(st, 8);
		(*rows)++;
		if (cb(arg, &o) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	store_done(st);
	if (rc != SQLITE_DONE)
		return store_dberr(s, "outbox read");
	return 0;
}

int
store_outbox_enqueue(struct store *s, const char *sink, const char *payload,
    int64_t now, int64_t expires, char *id)
{
	sqlite3_stmt	*st;
	char		 newid[STORE_ID_LEN + 1];

	if (store_check_name(s, "sink", sink, STORE_NAME_MAX) == -1)
		return -1;
	if (payload == NULL)
		return store_seterr(s, "%s: outbox payload missing", s->path);
	if (store_random_id(newid, sizeof newid) == -1)
		return store_seterr(s, "%s: no random bytes for an outbox id",
		    s->path);
	if ((st = store_stmt(s, STMT_OUTBOX_ADD, "INSERT INTO outbox (id, "
	    "sink, created, due, expires, payload) VALUES "
	    "(?1, ?2, ?3, ?3, ?4, ?5)")) == NULL)
		return -1;
	if (store_bind_text(s, st, 1, newid) == -1 ||
	    store_bind_text(s, st, 2, sink) == -1 ||
	    sqlite3_bind_int64(st, 3, now) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, expires) != SQLITE_OK ||
	    store_bind_text(s, st, 5, payload) == -1) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	if (store_exec_stmt(s, st, "outbox enqueue") == -1)
		return -1;
	if (id != NULL)
		memcpy(id, newid, sizeof newid);
	return 0;
}

int
store_outbox_due(struct store *s, const char *sink, int64_t now, int limit,
    store_outbox_cb cb, void *arg)
{
	sqlite3_stmt	*st;
	int		 rows;

	if (sink != NULL)
		st = store_stmt(s, STMT_OUTBOX_DUE, "SELECT " OUTBOX_COLUMNS
		    " FROM outbox WHERE status = 0 AND sink = ?1 AND "
		    "due <= ?2 AND expires > ?2 ORDER BY due, created, rowid "
		    "LIMIT ?3");
	else
		st = store_stmt(s, STMT_OUTBOX_DUE_ALL, "SELECT "
		    OUTBOX_COLUMNS " FROM outbox WHERE status = 0 AND "
		    "due <= ?2 AND expires > ?2 ORDER BY due, created, rowid "
		    "LIMIT ?3");
	if (st == NULL)
		return -1;
	if ((sink != NULL && store_bind_text(s, st, 1, sink) == -1) ||
	    sqlite3_bind_int64(st, 2, now) != SQLITE_OK ||
	    sqlite3_bind_int(st, 3, limit > 0 ? limit : -1) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	return outbox_rows(s, st, cb, arg, &rows);
}

int
store_outbox_get(struct store *s, const char *id, store_outbox_cb cb,
    void *arg)
{
	sqlite3_stmt	*st;
	int		 rows;

	if ((st = store_stmt(s, STMT_OUTBOX_GET, "SELECT " OUTBOX_COLUMNS
	    " FROM outbox WHERE id = ?1")) == NULL)
		return -1;
	if (store_bind_text(s, st, 1, id) == -1) {
		store_done(st);
		return -1;
	}
	if (outbox_rows(s, st, cb, arg, &rows) == -1)
		return -1;
	return rows > 0;
}

/* Runs an update bound with (id, ...); returns 1 if a row changed. */
static int
outbox_update(struct store *s, sqlite3_stmt *st, const char *what)
{
	if (store_exec_stmt(s, st, what) == -1)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

int
store_outbox_delivered(struct store *s, const char *id)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, STMT_OUTBOX_DELIVERED, "UPDATE outbox SET "
	    "status = 1, attempts = attempts + 1, last_error = '' "
	    "WHERE id = ?1")) == NULL)
		return -1;
	if (store_bind_text(s, st, 1, id) == -1) {
		store_done(st);
		return -1;
	}
	return outbox_update(s, st, "outbox delivered");
}

int
store_outbox_retry(struct store *s, const char *id, int64_t next_due,
    const char *error)
{
	sqlite3_stmt	*st;
	char		 msg[STORE_MESSAGE_MAX];

	util_strlcpy(msg, error != NULL ? error : "", sizeof msg);
	if ((st = store_stmt(s, STMT_OUTBOX_RETRY, "UPDATE outbox SET "
	    "attempts = attempts + 1, last_error = ?3, due = ?2, "
	    "status = CASE WHEN ?2 >= expires THEN 2 ELSE 0 END "
	    "WHERE id = ?1 AND status = 0")) == NULL)
		return -1;
	if (store_bind_text(s, st, 1, id) == -1 ||
	    sqlite3_bind_int64(st, 2, next_due) != SQLITE_OK ||
	    store_bind_text(s, st, 3, msg) == -1) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	return outbox_update(s, st, "outbox retry");
}

int
store_outbox_fail(struct store *s, const char *id, const char *error)
{
	sqlite3_stmt	*st;
	char		 msg[STORE_MESSAGE_MAX];

	util_strlcpy(msg, error != NULL ? error : "", sizeof msg);
	if ((st = store_stmt(s, STMT_OUTBOX_FAIL, "UPDATE outbox SET "
	    "attempts = attempts + 1, last_error = ?2, status = 3 "
	    "WHERE id = ?1 AND status = 0")) == NULL)
		return -1;
	if (store_bind_text(s, st, 1, id) == -1 ||
	    store_bind_text(s, st, 2, msg) == -1) {
		store_done(st);
		return -1;
	}
	return outbox_update(s, st, "outbox fail");
}

int
store_outbox_expire(struct store *s, int64_t now, int64_t *expired)
{
	sqlite3_stmt	*st;

	if (expired != NULL)
		*expired = 0;
	if ((st = store_stmt(s, STMT_OUTBOX_EXPIRE, "UPDATE outbox SET "
	    "status = 2 WHERE status = 0 AND expires <= ?1")) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, now) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	if (store_exec_stmt(s, st, "outbox expire") == -1)
		return -1;
	if (expired != NULL)
		*expired = sqlite3_changes(s->db);
	return 0;
}

int
store_outbox_stats(struct store *s, const char *sink, int64_t now,
    int64_t *depth, int64_t *oldest_age)
{
	sqlite3_stmt	*st;
	int		 rc;

	*depth = *oldest_age = 0;
	if (sink != NULL)
		st = store_stmt(s, STMT_OUTBOX_STATS, "SELECT count(*), "
		    "min(created) FROM outbox WHERE status = 0 AND sink = ?1");
	else
		st = store_stmt(s, STMT_OUTBOX_STATS_ALL, "SELECT count(*), "
		    "min(created) FROM outbox WHERE status = 0");
	if (st == NULL)
		return -1;
	if (sink != NULL && store_bind_text(s, st, 1, sink) == -1) {
		store_done(st);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*depth = sqlite3_column_int64(st, 0);
		if (*depth > 0 && now > sqlite3_column_int64(st, 1))
			*oldest_age = now - sqlite3_column_int64(st, 1);
	}
	store_done(st);
	if (rc != SQLITE_ROW)
		return store_dberr(s, "outbox stats");
	return 0;
}

int
store_outbox_counts(struct store *s, const char *sink,
    int64_t counts[STORE_OUTBOX_NSTATUS])
{
	sqlite3_stmt	*st;
	int		 rc, status;

	memset(counts, 0, sizeof counts[0] * STORE_OUTBOX_NSTATUS);
	if (sink != NULL)
		st = store_stmt(s, STMT_OUTBOX_COUNTS, "SELECT status, count(*) "
		    "FROM outbox WHERE sink = ?1 GROUP BY status");
	else
		st = store_stmt(s, STMT_OUTBOX_COUNTS_ALL, "SELECT status, "
		    "count(*) FROM outbox GROUP BY status");
	if (st == NULL)
		return -1;
	if (sink != NULL && store_bind_text(s, st, 1, sink) == -1) {
		store_done(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		status = sqlite3_column_int(st, 0);
		if (status >= 0 && status < STORE_OUTBOX_NSTATUS)
			counts[status] = sqlite3_column_int64(st, 1);
	}
	store_done(st);
	if (rc != SQLITE_DONE)
		return store_dberr(s, "outbox counts");
	return 0;
}

int
store_outbox_prune(struct store *s, int64_t before, int64_t *removed)
{
	sqlite3_stmt	*st;

	if (removed != NULL)
		*removed = 0;
	if ((st = store_stmt(s, STMT_OUTBOX_PRUNE, "DELETE FROM outbox "
	    "WHERE status <> 0 AND created < ?1")) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, before) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	if (store_exec_stmt(s, st, "outbox prune") == -1)
		return -1;
	if (removed != NULL)
		*removed = sqlite3_changes(s->db);
	return 0;
}
