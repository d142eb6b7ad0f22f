/*
 * Secret findings (by fingerprint and source, never the secret itself) and
 * the cursors and recently seen @ptr values of logs sources.
 */
#include "autoconf.h"

#include <ctype.h>
#include <string.h>

#include "store_int.h"
#include "util.h"

static int
check_fingerprint(struct store *s, const char *fp)
{
	const char	*p;

	if (store_check_name(s, "fingerprint", fp, STORE_FINGERPRINT_MAX) ==
	    -1)
		return -1;
	for (p = fp; *p != '\0'; p++)
		if (!isxdigit((unsigned char)*p))
			return store_seterr(s, "%s: fingerprint is not hex",
			    s->path);
	return 0;
}

int
store_finding_seen(struct store *s, const char *fingerprint,
    const char *rule, const char *source, const char *redacted, int64_t now,
    int64_t repeat, int *is_new, int *notify)
{
	sqlite3_stmt	*st;
	char		 preview[STORE_REDACTED_MAX];
	int64_t		 last_notified = 0;
	int		 rc, found, due, mark;

	if (is_new != NULL)
		*is_new = 0;
	if (notify != NULL)
		*notify = 0;
	if (check_fingerprint(s, fingerprint) == -1 ||
	    store_check_name(s, "rule", rule, STORE_RULE_MAX) == -1 ||
	    store_check_name(s, "source", source, STORE_NAME_MAX) == -1)
		return -1;
	util_strlcpy(preview, redacted != NULL ? redacted : "",
	    sizeof preview);
	if ((mark = store_finding_mark_get(s, fingerprint)) == -1)
		return -1;
	if (mark == STORE_MARK_ALLOW)
		return 0;
	if (store_savepoint(s) == -1)
		return -1;

	if ((st = store_stmt(s, STMT_FINDING_GET, "SELECT last_notified, "
	    "fingerprint, source, rule, redacted, first_seen, last_seen, count "
	    "FROM finding WHERE fingerprint = ?1 AND source = ?2")) == NULL)
		goto fail;
	if (store_bind_text(s, st, 1, fingerprint) == -1 ||
	    store_bind_text(s, st, 2, source) == -1) {
		store_done(st);
		goto fail;
	}
	rc = sqlite3_step(st);
	found = rc == SQLITE_ROW;
	if (found)
		last_notified = sqlite3_column_int64(st, 0);
	store_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_dberr(s, "finding read");
		goto fail;
	}
	due = !found || last_notified == 0 || now - last_notified >= repeat;
	if (found && mark == STORE_MARK_ACK)
		due = 0;

	if (!found)
		st = store_stmt(s, STMT_FINDING_ADD, "INSERT INTO finding "
		    "(fingerprint, source, rule, redacted, first_seen, "
		    "last_seen, count, last_notified) VALUES "
		    "(?1, ?2, ?3, ?4, ?5, ?5, 1, ?5)");
	else
		st = store_stmt(s, STMT_FINDING_UPDATE, "UPDATE finding SET "
		    "rule = ?3, redacted = ?4, last_seen = max(last_seen, ?5), "
		    "count = count + 1, last_notified = CASE WHEN ?6 THEN ?5 "
		    "ELSE last_notified END "
		    "WHERE fingerprint = ?1 AND source = ?2");
	if (st == NULL)
		goto fail;
	if (store_bind_text(s, st, 1, fingerprint) == -1 ||
	    store_bind_text(s, st, 2, source) == -1 ||
	    store_bind_text(s, st, 3, rule) == -1 ||
	    store_bind_text(s, st, 4, preview) == -1 ||
	    sqlite3_bind_int64(st, 5, now) != SQLITE_OK ||
	    (found && sqlite3_bind_int(st, 6, due) != SQLITE_OK)) {
		store_done(st);
		store_dberr(s, "bind");
		goto fail;
	}
	if (store_exec_stmt(s, st, "finding write") == -1)
		goto fail;
	if (store_release(s) == -1)
		return -1;
	if (is_new != NULL)
		*is_new = !found;
	if (notify != NULL)
		*notify = due;
	return 0;
fail:
	store_rollback_to(s);
	return -1;
}

static void
finding_columns(sqlite3_stmt *st, struct store_finding *f)
{
	memset(f, 0, sizeof *f);
	f->last_notified = sqlite3_column_int64(st, 0);
	store_column_copy(st, 1, f->fingerprint, sizeof f->fingerprint);
	store_column_copy(st, 2, f->source, sizeof f->source);
	store_column_copy(st, 3, f->rule, sizeof f->rule);
	store_column_copy(st, 4, f->redacted, sizeof f->redacted);
	f->first_seen = sqlite3_column_int64(st, 5);
	f->last_seen = sqlite3_column_int64(st, 6);
	f->count = sqlite3_column_int64(st, 7);
}

int
store_finding_get(struct store *s, const char *fingerprint,
    const char *source, struct store_finding *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(out, 0, sizeof *out);
	if ((st = store_stmt(s, STMT_FINDING_GET, "SELECT last_notified, "
	    "fingerprint, source, rule, redacted, first_seen, last_seen, count "
	    "FROM finding WHERE fingerprint = ?1 AND source = ?2")) == NULL)
		return -1;
	if (store_bind_text(s, st, 1, fingerprint) == -1 ||
	    store_bind_text(s, st, 2, source) == -1) {
		store_done(st);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		finding_columns(st, out);
	store_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_dberr(s, "finding read");
	return rc == SQLITE_ROW;
}

int
store_finding_list(struct store *s, int limit, store_finding_cb cb,
    void *arg)
{
	struct store_finding	 f;
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = store_stmt(s, STMT_FINDING_LIST, "SELECT last_notified, "
	    "fingerprint, source, rule, redacted, first_seen, last_seen, count "
	    "FROM finding ORDER BY last_seen DESC, fingerprint, source "
	    "LIMIT ?1")) == NULL)
		return -1;
	if (sqlite3_bind_int(st, 1, limit > 0 ? limit : -1) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		finding_columns(st, &f);
		if (cb(arg, &f) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	store_done(st);
	if (rc != SQLITE_DONE)
		return store_dberr(s, "finding list");
	return 0;
}

int
store_finding_select(struct store *s, const char *source, int64_t since,
    store_finding_cb cb, void *arg)
{
	struct store_finding	 f;
	sqlite3_stmt		*st;
	int			 rc;

	if (source != NULL && store_check_name(s, "source", source,
	    STORE_NAME_MAX) == -1)
		return -1;
	/* ?1 NULL: every source, and the marks without a sighting. */
	if ((st = store_stmt(s, STMT_FINDING_SELECT, "SELECT f.last_notified, "
	    "f.fingerprint, f.source, f.rule, f.redacted, f.first_seen, "
	    "f.last_seen, f.count, coalesce(m.state, 0), "
	    "coalesce(m.comment, ''), coalesce(m.at, 0), 0 AS k "
	    "FROM finding f LEFT JOIN finding_mark m USING (fingerprint) "
	    "WHERE (?1 IS NULL OR f.source = ?1) AND f.last_seen >= ?2 "
	    "UNION ALL SELECT 0, m.fingerprint, '', '', '', 0, 0, 0, m.state, "
	    "m.comment, m.at, 1 FROM finding_mark m WHERE ?1 IS NULL AND "
	    "m.at >= ?2 AND NOT EXISTS (SELECT 1 FROM finding x WHERE "
	    "x.fingerprint = m.fingerprint) "
	    "ORDER BY k, 7 DESC, 11 DESC, 2, 3")) == NULL)
		return -1;
	if (store_bind_text(s, st, 1, source) == -1 ||
	    sqlite3_bind_int64(st, 2, since) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		finding_columns(st, &f);
		f.mark = sqlite3_column_int(st, 8);
		store_column_copy(st, 9, f.comment, sizeof f.comment);
		f.marked_at = sqlite3_column_int64(st, 10);
		if (cb(arg, &f) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	store_done(st);
	if (rc != SQLITE_DONE)
		return store_dberr(s, "finding list");
	return 0;
}

/* 64 lower-case hex digits: what the scanner's fingerprints print as. */
static int
check_mark_fingerprint(struct store *s, const char *fp)
{
	size_t	i;

	for (i = 0; fp[i] != '\0'; i++)
		if (!((fp[i] >= '0' && fp[i] <= '9') ||
		    (fp[i] >= 'a' && fp[i] <= 'f')))
			break;
	if (i != 64 || fp[i] != '\0')
		return store_seterr(s, "fingerprint must be 64 lower-case "
		    "hex digits");
	return 0;
}

int
store_finding_mark(struct store *s, const char *fingerprint, int mark,
    const char *comment, int64_t now)
{
	sqlite3_stmt	*st;

	if (check_mark_fingerprint(s, fingerprint) == -1)
		return -1;
	if (comment != NULL && *comment != '\0' && store_check_name(s, "comment", comment,
	    STORE_MESSAGE_MAX) == -1)
		return -1;
	if (mark == STORE_MARK_NONE) {
		if ((st = store_stmt(s, STMT_MARK_DELETE, "DELETE FROM "
		    "finding_mark WHERE fingerprint = ?1")) == NULL)
			return -1;
		if (store_bind_text(s, st, 1, fingerprint) == -1) {
			store_done(st);
			return -1;
		}
		return store_exec_stmt(s, st, "finding mark");
	}
	if (mark != STORE_MARK_ACK && mark != STORE_MARK_ALLOW)
		return store_seterr(s, "bad finding mark %d", mark);
	if ((st = store_stmt(s, STMT_MARK_PUT, "INSERT INTO finding_mark "
	    "(fingerprint, state, comment, at) VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT (fingerprint) DO UPDATE SET state = excluded.state, "
	    "comment = excluded.comment, at = excluded.at")) == NULL)
		return -1;
	if (store_bind_text(s, st, 1, fingerprint) == -1 ||
	    sqlite3_bind_int(st, 2, mark) != SQLITE_OK ||
	    store_bind_text(s, st, 3, comment != NULL ? comment : "") == -1 ||
	    sqlite3_bind_int64(st, 4, now) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	return store_exec_stmt(s, st, "finding mark");
}

int
store_finding_mark_get(struct store *s, const char *fingerprint)
{
	sqlite3_stmt	*st;
	int		 rc, mark = STORE_MARK_NONE;

	if ((st = store_stmt(s, STMT_MARK_GET, "SELECT state FROM "
	    "finding_mark WHERE fingerprint = ?1")) == NULL)
		return -1;
	if (store_bind_text(s, st, 1, fingerprint) == -1) {
		store_done(st);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		mark = sqlite3_column_int(st, 0);
	store_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_dberr(s, "finding mark read");
	return mark;
}

int
store_finding_prune(struct store *s, int64_t before, int64_t *removed)
{
	return store_prune_stmt(s, store_stmt(s, STMT_FINDING_PRUNE,
	    "DELETE FROM finding WHERE last_seen < ?1"), NULL, before,
	    removed);
}

int
store_cursor_get(struct store *s, const char *source, int64_t *cursor)
{
	sqlite3_stmt	*st;
	int		 rc;

	*cursor = 0;
	if (store_check_name(s, "source", source, STORE_NAME_MAX) == -1)
		return -1;
	if ((st = store_stmt(s, STMT_CURSOR_GET,
	    "SELECT cursor FROM log_cursor WHERE source = ?1")) == NULL)
		return -1;
	if (store_bind_text(s, st, 1, source) == -1) {
		store_done(st);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*cursor = sqlite3_column_int64(st, 0);
	store_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_dberr(s, "cursor read");
	return rc == SQLITE_ROW;
}

int
store_cursor_put(struct store *s, const char *source, int64_t cursor)
{
	sqlite3_stmt	*st;

	if (store_check_name(s, "source", source, STORE_NAME_MAX) == -1)
		return -1;
	if ((st = store_stmt(s, STMT_CURSOR_PUT, "INSERT INTO log_cursor "
	    "(source, cursor) VALUES (?1, ?2) ON CONFLICT (source) DO UPDATE "
	    "SET cursor = excluded.cursor")) == NULL)
		return -1;
	if (store_bind_text(s, st, 1, source) == -1 ||
	    sqlite3_bind_int64(st, 2, cursor) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	return store_exec_stmt(s, st, "cursor write");
}

int
store_ptr_seen(struct store *s, const char *source, const char *ptr,
    int64_t ts)
{
	sqlite3_stmt	*st;

	if (store_check_name(s, "source", source, STORE_NAME_MAX) == -1 ||
	    store_check_name(s, "@ptr", ptr, STORE_NAME_MAX) == -1)
		return -1;
	/* A duplicate keeps its first timestamp: changes() tells them apart. */
	if ((st = store_stmt(s, STMT_PTR_ADD, "INSERT INTO log_ptr "
	    "(source, ptr, ts) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING"))
	    == NULL)
		return -1;
	if (store_bind_text(s, st, 1, source) == -1 ||
	    store_bind_text(s, st, 2, ptr) == -1 ||
	    sqlite3_bind_int64(st, 3, ts) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	if (store_exec_stmt(s, st, "@ptr write") == -1)
		return -1;
	return sqlite3_changes(s->db) == 0;
}

int
store_ptr_prune(struct store *s, const char *source, int64_t before,
    int64_t *removed)
{
	if (source != NULL)
		return store_prune_stmt(s, store_stmt(s, STMT_PTR_PRUNE,
		    "DELETE FROM log_ptr WHERE ts < ?1 AND source = ?2"),
		    source, before, removed);
	return store_prune_stmt(s, store_stmt(s, STMT_PTR_PRUNE_ALL,
	    "DELETE FROM log_ptr WHERE ts < ?1"), NULL, before, removed);
}
