/*
 * Private to the store module (src/store*.c): the struct, the prepared
 * statement cache and small helpers. Only store files include sqlite3.h.
 */
#ifndef CWG_STORE_INT_H
#define CWG_STORE_INT_H

#include <sqlite3.h>
#include <stdint.h>

#include "store.h"

/* One slot per SQL statement; each is prepared once and kept until close. */
enum store_stmt_id {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_SAVEPOINT,
	STMT_RELEASE,
	STMT_ROLLBACK_TO,
	STMT_META_GET,
	STMT_META_PUT,
	STMT_KEY_GET,
	STMT_SERIES_GET,
	STMT_SERIES_ADD,
	STMT_DP_GET,
	STMT_DP_PUT,
	STMT_DP_MARK,
	STMT_DP_RANGE,
	STMT_DP_PRUNE,
	STMT_ROLLUP_ADD,
	STMT_ROLLUP_GET,
	STMT_ROLLUP_WINDOW,
	STMT_ROLLUP_PRUNE,
	STMT_ALERT_GET,
	STMT_ALERT_PUT,
	STMT_ALERT_DELETE,
	STMT_ALERT_LIST,
	STMT_OUTBOX_ADD,
	STMT_OUTBOX_DUE,
	STMT_OUTBOX_DUE_ALL,
	STMT_OUTBOX_GET,
	STMT_OUTBOX_DELIVERED,
	STMT_OUTBOX_RETRY,
	STMT_OUTBOX_FAIL,
	STMT_OUTBOX_EXPIRE,
	STMT_OUTBOX_STATS,
	STMT_OUTBOX_STATS_ALL,
	STMT_OUTBOX_COUNTS,
	STMT_OUTBOX_COUNTS_ALL,
	STMT_OUTBOX_PRUNE,
	STMT_FINDING_GET,
	STMT_FINDING_ADD,
	STMT_FINDING_UPDATE,
	STMT_FINDING_LIST,
	STMT_FINDING_PRUNE,
	STMT_FINDING_SELECT,
	STMT_MARK_GET,
	STMT_MARK_PUT,
	STMT_MARK_DELETE,
	STMT_CURSOR_GET,
	STMT_CURSOR_PUT,
	STMT_PTR_ADD,
	STMT_PTR_PRUNE,
	STMT_PTR_PRUNE_ALL,
	STMT_CYCLE_PUT,
	STMT_CYCLE_LIST,
	STMT_SILENCE_ADD,
	STMT_SILENCE_LIST,
	STMT_SILENCE_LIST_ALL,
	STMT_SILENCE_EXPIRE,
	STMT_SILENCE_PRUNE,
	STMT_HELD_GET,
	STMT_HELD_PUT,
	STMT_HELD_DELETE,
	STMT_HELD_LIST,
	STMT_HELD_COUNT,
	STMT_SEQ_GET,
	STMT_SEQ_PUT,
	STMT_ROLLUP_TOD,
	STMT_ROLLUP_DISP,
	STMT_COUNT
};

struct store {
	sqlite3		*db;
	char		*path;
	int		 flags;
	int		 in_tx;
	int		 lock_fd;
	sqlite3_stmt	*stmt[STMT_COUNT];
	char		 error[512];
};

/* Sets the error text (printf-style); returns -1. */
int	 store_seterr(struct store *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* "what: <sqlite message>"; returns -1. */
int	 store_dberr(struct store *, const char *what);
int	 store_window_step(struct store *, sqlite3_stmt *, struct store_window *,
	    const char *what);
/*
 * The cached statement id (prepared from sql on first use), reset and with
 * no bindings; NULL with the error set on failure.
 */
sqlite3_stmt *store_stmt(struct store *, enum store_stmt_id, const char *sql);
/* Resets a statement after use so it holds no read transaction. */
void	 store_done(sqlite3_stmt *);
/* Binds text (copied); NULL binds SQL NULL. 0 or -1. */
int	 store_bind_text(struct store *, sqlite3_stmt *, int, const char *);
/* Refuses NULL, empty or over-long names: 0 or -1 with the error set. */
int	 store_check_name(struct store *, const char *what, const char *name,
	    size_t max);
/* Copies column i (text, NULL as "") into out, truncating. */
void	 store_column_copy(sqlite3_stmt *, int, char *out, size_t outlen);
/* Runs a statement that returns no rows; 0 or -1. */
int	 store_exec_stmt(struct store *, sqlite3_stmt *, const char *what);
/*
 * Runs a DELETE st (from store_stmt(); NULL: its error stands) with ?1 =
 * before and, when text is not NULL, ?2 = text; the rows deleted go to
 * *removed. 0 or -1.
 */
int	 store_prune_stmt(struct store *, sqlite3_stmt *, const char *text,
	    int64_t before, int64_t *removed);
/* SAVEPOINT store / RELEASE / ROLLBACK TO + RELEASE. */
int	 store_savepoint(struct store *);
int	 store_release(struct store *);
void	 store_rollback_to(struct store *);
/*
 * The id of series (watch, entity, signal): 1 found, 0 missing (create 0),
 * -1 error. With create, a missing series is added (and 1 returned).
 */
int	 store_series(struct store *, const char *watch, const char *entity,
	    const char *signal, int create, int64_t *id);

/* store_schema.c: checks and migrates a freshly opened database. */
int	 store_schema_open(struct store *, char *err, size_t errlen);

#endif
