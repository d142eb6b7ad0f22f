/*
 * Silences and the notifications held back while an alert is muted (by a
 * silence or a [mute NAME] window). The matching itself is silence.c's.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "util.h"
#include "xmalloc.h"

#define SILENCE_COLUMNS	"id, watch, entity, signal, kind, starts, ends, " \
			"created, comment"

int
store_silence_add(struct store *s, struct store_silence *si)
{
	sqlite3_stmt	*st;
	char		 id[STORE_ID_LEN + 1];

	if (store_random_id(id, sizeof id) == -1)
		return store_seterr(s, "%s: no random bytes for a silence id",
		    s->path);
	memcpy(si->id, id, STORE_SILENCE_ID_LEN);
	si->id[STORE_SILENCE_ID_LEN] = '\0';
	if ((st = store_stmt(s, STMT_SILENCE_ADD, "INSERT INTO silence ("
	    SILENCE_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")) ==
	    NULL)
		return -1;
	if (store_bind_text(s, st, 1, si->id) == -1 ||
	    store_bind_text(s, st, 2, si->watch) == -1 ||
	    store_bind_text(s, st, 3, si->entity) == -1 ||
	    store_bind_text(s, st, 4, si->signal) == -1 ||
	    store_bind_text(s, st, 5, si->kind) == -1 ||
	    sqlite3_bind_int64(st, 6, si->starts) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 7, si->ends) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 8, si->created) != SQLITE_OK ||
	    store_bind_text(s, st, 9, si->comment) == -1) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	return store_exec_stmt(s, st, "silence add");
}

int
store_silence_list(struct store *s, int64_t at, store_silence_cb cb,
    void *arg)
{
	struct store_silence	*si;
	sqlite3_stmt		*st;
	int			 rc;

	if (at >= 0)
		st = store_stmt(s, STMT_SILENCE_LIST, "SELECT " SILENCE_COLUMNS
		    " FROM silence WHERE starts <= ?1 AND ends > ?1 "
		    "ORDER BY starts, id");
	else
		st = store_stmt(s, STMT_SILENCE_LIST_ALL, "SELECT "
		    SILENCE_COLUMNS " FROM silence ORDER BY starts, id");
	if (st == NULL)
		return -1;
	if (at >= 0 && sqlite3_bind_int64(st, 1, at) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	si = xcalloc(1, sizeof *si);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_column_copy(st, 0, si->id, sizeof si->id);
		store_column_copy(st, 1, si->watch, sizeof si->watch);
		store_column_copy(st, 2, si->entity, sizeof si->entity);
		store_column_copy(st, 3, si->signal, sizeof si->signal);
		store_column_copy(st, 4, si->kind, sizeof si->kind);
		si->starts = sqlite3_column_int64(st, 5);
		si->ends = sqlite3_column_int64(st, 6);
		si->created = sqlite3_column_int64(st, 7);
		store_column_copy(st, 8, si->comment, sizeof si->comment);
		if (cb(arg, si) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	store_done(st);
	free(si);
	if (rc != SQLITE_DONE)
		return store_dberr(s, "silence list");
	return 0;
}

int
store_silence_expire(struct store *s, const char *id, int64_t now)
{
	sqlite3_stmt	*st;

	if (store_check_name(s, "silence id", id, STORE_NAME_MAX) == -1)
		return -1;
	if ((st = store_stmt(s, STMT_SILENCE_EXPIRE, "UPDATE silence SET "
	    "ends = max(starts, ?2) WHERE id = ?1 AND ends > ?2")) == NULL)
		return -1;
	if (store_bind_text(s, st, 1, id) == -1 ||
	    sqlite3_bind_int64(st, 2, now) != SQLITE_OK) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	if (store_exec_stmt(s, st, "silence expire") == -1)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

int
store_silence_prune(struct store *s, int64_t before, int64_t *removed)
{
	return store_prune_stmt(s, store_stmt(s, STMT_SILENCE_PRUNE,
	    "DELETE FROM silence WHERE ends < ?1"), NULL, before, removed);
}

int
store_held_get(struct store *s, const char *id, int *firing, int64_t *since,
    char **alert)
{
	sqlite3_stmt	*st;
	const char	*text;
	int		 rc;

	*alert = NULL;
	if ((st = store_stmt(s, STMT_HELD_GET, "SELECT firing, since, alert "
	    "FROM held WHERE id = ?1")) == NULL)
		return -1;
	if (store_bind_text(s, st, 1, id) == -1) {
		store_done(st);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*firing = sqlite3_column_int(st, 0);
		*since = sqlite3_column_int64(st, 1);
		text = (const char *)sqlite3_column_text(st, 2);
		*alert = xstrdup(text != NULL ? text : "");
	}
	store_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_dberr(s, "held read");
	return rc == SQLITE_ROW;
}

int
store_held_put(struct store *s, const char *id, int firing, int64_t since,
    const char *alert)
{
	sqlite3_stmt	*st;

	if (store_check_name(s, "alert id", id, 64) == -1)
		return -1;
	if ((st = store_stmt(s, STMT_HELD_PUT, "INSERT OR REPLACE INTO held "
	    "(id, firing, since, alert) VALUES (?1, ?2, ?3, ?4)")) == NULL)
		return -1;
	if (store_bind_text(s, st, 1, id) == -1 ||
	    sqlite3_bind_int(st, 2, firing != 0) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, since) != SQLITE_OK ||
	    store_bind_text(s, st, 4, alert) == -1) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	return store_exec_stmt(s, st, "held write");
}

int
store_held_delete(struct store *s, const char *id)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, STMT_HELD_DELETE,
	    "DELETE FROM held WHERE id = ?1")) == NULL)
		return -1;
	if (store_bind_text(s, st, 1, id) == -1) {
		store_done(st);
		return -1;
	}
	return store_exec_stmt(s, st, "held delete");
}

int
store_held_list(struct store *s, store_held_cb cb, void *arg)
{
	struct store_held	 h;
	sqlite3_stmt		*st;
	const char		*text;
	int			 rc;

	if ((st = store_stmt(s, STMT_HELD_LIST, "SELECT id, firing, since, "
	    "alert FROM held ORDER BY since, id")) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&h, 0, sizeof h);
		store_column_copy(st, 0, h.id, sizeof h.id);
		h.firing = sqlite3_column_int(st, 1);
		h.since = sqlite3_column_int64(st, 2);
		text = (const char *)sqlite3_column_text(st, 3);
		h.alert = text != NULL ? text : "";
		if (cb(arg, &h) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	store_done(st);
	if (rc != SQLITE_DONE)
		return store_dberr(s, "held list");
	return 0;
}

int
store_held_count(struct store *s, int64_t *n)
{
	sqlite3_stmt	*st;
	int		 rc;

	*n = 0;
	if ((st = store_stmt(s, STMT_HELD_COUNT,
	    "SELECT count(*) FROM held")) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	store_done(st);
	if (rc != SQLITE_ROW)
		return store_dberr(s, "held count");
	return 0;
}
