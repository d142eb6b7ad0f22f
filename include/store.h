/*
 * The state database (DESIGN sections 4, 6, 7, 8): the only SQLite user.
 *
 * One struct store per open database file. Every function that can fail
 * returns 0 (or 1 where "found"/"new" is reported) and -1 on failure; the
 * reason of the last failure is then in store_error(). Strings passed in are
 * copied (bound) before the call returns; strings handed to callbacks are
 * valid only during the callback. Times are epoch seconds.
 *
 * Listing functions call a callback per row; a callback may call other
 * store functions but not the listing function it was called from (each
 * SQL statement is prepared once and reused). Not thread-safe: one store
 * per thread.
 *
 * Series are named by (watch, entity, signal); each name is at most
 * STORE_NAME_MAX - 1 bytes. No raw secret may be passed to any function
 * here: findings carry a fingerprint and a redacted preview only, and
 * outbox errors must not contain webhook URLs or credentials.
 */
#ifndef CWG_STORE_H
#define CWG_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* PRAGMA application_id of a cwguard state database: "CWGD". */
#define STORE_APPLICATION_ID	0x43574744
/* PRAGMA user_version this build writes and reads. */
#define STORE_SCHEMA_VERSION	5

#define STORE_NAME_MAX		512	/* watch, entity, signal, sink, source */
#define STORE_ID_LEN		32	/* outbox id: 128 random bits in hex */
#define STORE_KEY_LEN		32	/* per-installation key */
#define STORE_FINGERPRINT_MAX	129	/* hex, NUL included */
#define STORE_RULE_MAX		128
#define STORE_REDACTED_MAX	128
#define STORE_MESSAGE_MAX	512	/* last_error, cycle message */

/* store_open() flags. */
#define STORE_READONLY	0x01	/* never writes, never creates */
#define STORE_CREATE	0x02	/* create the file if missing (mode 0600) */

/*
 * Opens (and with STORE_CREATE creates) the state database at path: WAL,
 * busy timeout, foreign keys, migrations to STORE_SCHEMA_VERSION in one
 * transaction, per-installation key made on first open. Refuses, without
 * modifying it, a file that is not SQLite, an SQLite file of another
 * application, or one of a newer schema. Returns a store to pass to
 * store_close(), or NULL with the reason in err.
 */
struct store	*store_open(const char *path, int flags, char *err,
		    size_t errlen);
/* Rolls back an open transaction, finalizes statements, releases the lock. */
void		 store_close(struct store *);
/* The reason of the last failure ("" if none). Owned by the store. */
const char	*store_error(const struct store *);
const char	*store_path(const struct store *);

/*
 * Takes an exclusive lock on the sidecar file PATH.lock (flock), waiting at
 * most wait_seconds (0: try once). On failure err names the holder's pid
 * when known. Released by store_close() (or when the process exits).
 * Refused on a STORE_READONLY store (it would create PATH.lock).
 */
int	 store_lock(struct store *, double wait_seconds, char *err,
	    size_t errlen);

/* One transaction per cycle: BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int	 store_begin(struct store *);
int	 store_commit(struct store *);
int	 store_rollback(struct store *);

/* Fills out with 32 random bytes made at first open. Never log them. */
int	 store_install_key(struct store *, unsigned char out[STORE_KEY_LEN]);
/* 128 random bits as 32 lower-case hex digits (out: STORE_ID_LEN + 1). */
int	 store_random_id(char *out, size_t outlen);

/* Small key/value table. get: 1 found, 0 missing (out ""), -1 error. */
int	 store_meta_get(struct store *, const char *key, char *out,
	    size_t outlen);
int	 store_meta_put(struct store *, const char *key, const char *value);

/*
 * Datapoints per (watch, entity, signal, period_start, period_seconds).
 * Count watches set requests and errors (value NAN); metric watches set
 * value (requests and errors -1). Absent fields are stored as NULL.
 */
struct store_datapoint {
	int64_t	 period_start;
	int64_t	 period_seconds;
	int64_t	 requests;	/* -1: none */
	int64_t	 errors;	/* -1: none */
	double	 value;		/* NAN: none */
	int	 anomalous;	/* read only: set by store_datapoint_mark() */
};
/* Callbacks return 0 to go on, anything else to stop (not an error). */
typedef int	(*store_datapoint_cb)(void *, const struct store_datapoint *);

/*
 * Inserts or replaces (same key: the new values win, so late CloudWatch
 * data converges). The anomalous flag of an existing row is kept. The
 * hourly rollup of the hour holding period_start is adjusted by the
 * difference, so rollups always equal the sum of their datapoints.
 */
int	 store_datapoint_put(struct store *, const char *watch,
	    const char *entity, const char *signal,
	    const struct store_datapoint *);
/*
 * Marks a stored period anomalous (1) or normal (0) and moves its counts
 * to or from the rollup's anomalous part. Returns 1 if the row exists, 0
 * if not, -1 on error.
 */
int	 store_datapoint_mark(struct store *, const char *watch,
	    const char *entity, const char *signal, int64_t period_start,
	    int64_t period_seconds, int anomalous);
/*
 * Calls cb for each datapoint with from <= period_start < to, oldest
 * first; period_seconds 0 matches any period length.
 */
int	 store_datapoint_range(struct store *, const char *watch,
	    const char *entity, const char *signal, int64_t from, int64_t to,
	    int64_t period_seconds, store_datapoint_cb, void *);
/* Deletes datapoints with period_start < before; *removed may be NULL. */
int	 store_datapoint_prune(struct store *, int64_t before,
	    int64_t *removed);
/* The same for the series of one watch only. */
int	 store_datapoint_prune_watch(struct store *, const char *watch,
	    int64_t before, int64_t *removed);
/*
 * Deletes series rows left without datapoints and rollups whose alert row
 * is absent, or OK with last_period < before (that row goes too): what an
 * entity that vanished leaves once its data is pruned.
 */
int	 store_series_prune(struct store *, int64_t before, int64_t *removed);
/* Drops watch pace rows (meta "watch:...") of entities last seen before. */
int	 store_pace_prune(struct store *, int64_t before, int64_t *removed);

/* Hourly rollups per (watch, entity, signal, hour). */
struct store_rollup {
	int64_t	 hour;			/* multiple of 3600 */
	int64_t	 requests;		/* all periods of the hour */
	int64_t	 errors;
	int64_t	 anomalous_requests;	/* the part from anomalous periods */
	int64_t	 anomalous_errors;
};
/* Adds r's counts to the row of r->hour (created at zero if missing). */
int	 store_rollup_add(struct store *, const char *watch,
	    const char *entity, const char *signal, const struct store_rollup *);
/* 1 found, 0 missing (out zeroed), -1 error. */
int	 store_rollup_get(struct store *, const char *watch,
	    const char *entity, const char *signal, int64_t hour,
	    struct store_rollup *out);
/*
 * Baseline sums over hours from <= hour < to, anomalous parts excluded:
 * requests and errors of normal periods, and the number of hours with
 * any row.
 */
struct store_window {
	int64_t	 requests;
	int64_t	 errors;
	int64_t	 hours;
};
int	 store_rollup_window(struct store *, const char *watch,
	    const char *entity, const char *signal, int64_t from, int64_t to,
	    struct store_window *out);
int	 store_rollup_prune(struct store *, int64_t before, int64_t *removed);

/* Alert state per (watch, entity, signal). */
enum store_alert_state {
	STORE_ALERT_OK = 0,
	STORE_ALERT_PENDING = 1,
	STORE_ALERT_FIRING = 2,
	STORE_ALERT_RESOLVED = 3
};
struct store_alert {
	char			 watch[STORE_NAME_MAX];
	char			 entity[STORE_NAME_MAX];
	char			 signal[STORE_NAME_MAX];
	enum store_alert_state	 state;
	int64_t			 consecutive_anomalous;
	int64_t			 consecutive_normal;
	int64_t			 since;		/* entered this state */
	int64_t			 last_notified;	/* 0: never */
	int64_t			 last_period;	/* start of last judged period */
	double			 last_value;	/* NAN: none */
	double			 last_baseline;	/* NAN: none */
};
typedef int	(*store_alert_cb)(void *, const struct store_alert *);

/* "ok", "pending", "firing", "resolved" ("?" if out of range). */
const char	*store_alert_state_name(enum store_alert_state);
/*
 * 1 found, 0 missing (out set to state OK, zero counters, NAN values, the
 * three names filled in), -1 error.
 */
int	 store_alert_get(struct store *, const char *watch, const char *entity,
	    const char *signal, struct store_alert *out);
/* Inserts or replaces the row named by a's watch, entity and signal. */
int	 store_alert_put(struct store *, const struct store_alert *);
int	 store_alert_delete(struct store *, const char *watch,
	    const char *entity, const char *signal);
/* Every alert row, ordered by watch, entity, signal. */
int	 store_alert_list(struct store *, store_alert_cb, void *);

/*
 * The sequential test's state per (watch, entity, signal) (detector_seq,
 * schema 3): S, the run's first period, periods, requests and errors.
 */
struct store_seq {
	double			 llr;
	int			 alarm;
	int64_t			 since;
	int64_t			 periods;
	int64_t			 requests;
	int64_t			 errors;
};
/* 1 found, 0 missing (out zeroed), -1 error. */
int	 store_seq_get(struct store *, const char *watch, const char *entity,
	    const char *signal, struct store_seq *out);
/* Inserts or replaces; refuses a negative or inconsistent state. */
int	 store_seq_put(struct store *, const char *watch, const char *entity,
	    const char *signal, const struct store_seq *);

/*
 * The rollups of [from, to) whose hour of the day falls in the band of
 * band_seconds from band_start's time of day (wrapping at midnight), as
 * store_rollup_window(): the time-of-day baseline.
 */
int	 store_rollup_tod(struct store *, const char *watch,
	    const char *entity, const char *signal, int64_t from, int64_t to,
	    int64_t band_start, int64_t band_seconds, struct store_window *out);

/*
 * Pearson's statistic of the hourly rollups of [from, to) against rate p:
 * the sum of (E - N p)^2 / (N p (1 - p)) over the hours whose expected
 * errors N p are at least min_expected, and the number of those hours.
 * sum / hours estimates the overdispersion of the counts (1: binomial).
 */
int	 store_rollup_dispersion(struct store *, const char *watch,
	    const char *entity, const char *signal, int64_t from, int64_t to,
	    double p, double min_expected, double *sum, int64_t *hours);

/* The outbox: every notification is a row before it is sent. */
enum store_outbox_status {
	STORE_OUTBOX_PENDING = 0,
	STORE_OUTBOX_DELIVERED = 1,
	STORE_OUTBOX_EXPIRED = 2,
	STORE_OUTBOX_FAILED = 3		/* permanent, not retried */
#define STORE_OUTBOX_NSTATUS	4
};
struct store_outbox {
	char			 id[STORE_ID_LEN + 1];
	const char		*sink;
	int64_t			 created;
	int64_t			 due;
	int64_t			 expires;
	int64_t			 attempts;
	enum store_outbox_status status;
	const char		*last_error;	/* "" if none */
	const char		*payload;	/* JSON text */
};
/* The pointers in the row are valid only during the callback. */
typedef int	(*store_outbox_cb)(void *, const struct store_outbox *);

const char	*store_outbox_status_name(enum store_outbox_status);
/*
 * Adds a pending row due at now, expiring at expires, with a new random id
 * written to id (STORE_ID_LEN + 1 bytes; may be NULL).
 */
int	 store_outbox_enqueue(struct store *, const char *sink,
	    const char *payload, int64_t now, int64_t expires, char *id);
/*
 * Pending rows of sink (NULL: every sink) with due <= now and expires >
 * now, ordered by due then created, at most limit (0: no limit).
 */
int	 store_outbox_due(struct store *, const char *sink, int64_t now,
	    int limit, store_outbox_cb, void *);
/* 1 found (cb called), 0 missing, -1 error. */
int	 store_outbox_get(struct store *, const char *id, store_outbox_cb,
	    void *);
/* Marks delivered; attempts counts this delivery. 1 if the row exists. */
int	 store_outbox_delivered(struct store *, const char *id);
/*
 * A failed attempt: attempts + 1, last_error kept (truncated to
 * STORE_MESSAGE_MAX - 1), due = next_due; if next_due >= expires the row
 * becomes expired instead. 1 if the row exists and was pending.
 */
int	 store_outbox_retry(struct store *, const char *id, int64_t next_due,
	    const char *error);
/* A permanent failure (not retried). 1 if the row exists and was pending. */
int	 store_outbox_fail(struct store *, const char *id, const char *error);
/* Pending rows with expires <= now become expired; *expired may be NULL. */
int	 store_outbox_expire(struct store *, int64_t now, int64_t *expired);
/* Rows per status (indexed by enum store_outbox_status), one sink or all. */
int	 store_outbox_counts(struct store *, const char *sink,
	    int64_t counts[STORE_OUTBOX_NSTATUS]);
/*
 * Pending rows of sink (NULL: all) and the age at now of the oldest one
 * (0 if none).
 */
int	 store_outbox_stats(struct store *, const char *sink, int64_t now,
	    int64_t *depth, int64_t *oldest_age);
/* Deletes rows no longer pending created before before. */
int	 store_outbox_prune(struct store *, int64_t before, int64_t *removed);

/* Secret findings, by (fingerprint, source). */
struct store_finding {
	char	 fingerprint[STORE_FINGERPRINT_MAX];
	char	 source[STORE_NAME_MAX];	/* log group or path */
	char	 rule[STORE_RULE_MAX];
	char	 redacted[STORE_REDACTED_MAX];
	int64_t	 first_seen;
	int64_t	 last_seen;
	int64_t	 count;
	int64_t	 last_notified;		/* 0: never */
	int	 mark;			/* enum store_finding_mark */
	char	 comment[STORE_MESSAGE_MAX];	/* of the mark */
	int64_t	 marked_at;		/* 0: no mark */
};
typedef int	(*store_finding_cb)(void *, const struct store_finding *);

/* An operator's verdict on a fingerprint (`cwguard findings`). */
enum store_finding_mark {
	STORE_MARK_NONE = 0,
	STORE_MARK_ACK = 1,	/* still recorded, repeats do not notify */
	STORE_MARK_ALLOW = 2	/* never recorded, reported or notified */
};

/*
 * Records one sighting at now. *is_new is 1 if the (fingerprint, source)
 * was never seen; *notify is 1 if it is new or its last notification is at
 * least repeat seconds old, and then last_notified becomes now (so the
 * caller enqueues the notification in the same transaction). Either out
 * pointer may be NULL. An acked fingerprint notifies only where it is new;
 * an allowed one is not recorded at all (both out values 0).
 */
int	 store_finding_seen(struct store *, const char *fingerprint,
	    const char *rule, const char *source, const char *redacted,
	    int64_t now, int64_t repeat, int *is_new, int *notify);
int	 store_finding_get(struct store *, const char *fingerprint,
	    const char *source, struct store_finding *out);
/* Ordered by last_seen, newest first; limit 0: all. */
int	 store_finding_list(struct store *, int limit, store_finding_cb,
	    void *);
/*
 * Sightings of source (NULL: every source) last seen at or after since,
 * newest first, each with its fingerprint's mark; then, when source is
 * NULL, the marks set at or after since of fingerprints without any
 * sighting (source and rule "").
 */
int	 store_finding_select(struct store *, const char *source,
	    int64_t since, store_finding_cb, void *);
/*
 * Sets (STORE_MARK_ACK, STORE_MARK_ALLOW) or with STORE_MARK_NONE removes
 * the mark of a fingerprint (64 lower-case hex). comment may be NULL.
 * Returns 0 or -1.
 */
int	 store_finding_mark(struct store *, const char *fingerprint, int mark,
	    const char *comment, int64_t now);
/* The mark of fingerprint: STORE_MARK_* (0 if none), or -1 on error. */
int	 store_finding_mark_get(struct store *, const char *fingerprint);
int	 store_finding_prune(struct store *, int64_t before, int64_t *removed);

/* Logs sources: cursor and recently seen @ptr values. */
/* 1 found, 0 missing (*cursor 0), -1 error. */
int	 store_cursor_get(struct store *, const char *source, int64_t *cursor);
int	 store_cursor_put(struct store *, const char *source, int64_t cursor);
/*
 * Records ptr (with the row's timestamp ts) for source. Returns 1 if it was
 * already recorded (a duplicate row), 0 if new, -1 on error.
 */
int	 store_ptr_seen(struct store *, const char *source, const char *ptr,
	    int64_t ts);
/* Forgets ptrs of source (NULL: all) with ts < before. */
int	 store_ptr_prune(struct store *, const char *source, int64_t before,
	    int64_t *removed);

/*
 * Outside a transaction: when free pages are at least min_free (0..1) of
 * the file, gives them back to the file system (incremental vacuum; a
 * file made without auto_vacuum is converted once with a full VACUUM),
 * then checkpoints the WAL so the file shrinks. *freed (may be NULL): the
 * pages the file lost. 0, or -1 with store_error().
 */
int	 store_vacuum(struct store *, double min_free, int64_t *freed);

/* Last cycle per source (a watch, a logs source, "outbox"...). */
struct store_cycle {
	const char	*source;
	int64_t		 time;
	int		 ok;
	const char	*message;
};
typedef int	(*store_cycle_cb)(void *, const struct store_cycle *);

int	 store_cycle_put(struct store *, const char *source, int64_t time,
	    int ok, const char *message);
/* Ordered by source; pointers valid during the callback only. */
int	 store_cycle_list(struct store *, store_cycle_cb, void *);

/*
 * Silences (`cwguard silence`): matchers ("" matches anything), the time
 * span [starts, ends) and a comment. Ids are 12 hex digits.
 */
#define STORE_SILENCE_ID_LEN	12
struct store_silence {
	char		 id[STORE_SILENCE_ID_LEN + 1];
	char		 watch[STORE_NAME_MAX];
	char		 entity[STORE_NAME_MAX];	/* a glob */
	char		 signal[STORE_NAME_MAX];
	char		 kind[16];		/* "", "spike", "secret" */
	int64_t		 starts, ends, created;
	char		 comment[STORE_MESSAGE_MAX];
};
typedef int	(*store_silence_cb)(void *, const struct store_silence *);

/* Adds s with a new id (written into s->id). 0 or -1. */
int	 store_silence_add(struct store *, struct store_silence *);
/*
 * The silences in force at `at` (starts <= at < ends), or every one when
 * at is -1, ordered by starts then id. The callback returning non-zero
 * stops the walk.
 */
int	 store_silence_list(struct store *, int64_t at, store_silence_cb,
	    void *);
/* Ends silence id at now: 1 done, 0 no such silence in force, -1 error. */
int	 store_silence_expire(struct store *, const char *id, int64_t now);
/* Forgets silences that ended before `before`. */
int	 store_silence_prune(struct store *, int64_t before, int64_t *removed);

/*
 * Notifications held back by a silence or mute window, one per alert id:
 * the latest alert object (JSON), whether it is a firing, and since when
 * the alert has been held.
 */
struct store_held {
	char		 id[64];
	int		 firing;
	int64_t		 since;
	const char	*alert;		/* valid during the callback only */
};
typedef int	(*store_held_cb)(void *, const struct store_held *);

/* 1 found (*alert: heap JSON, caller frees), 0 missing, -1 error. */
int	 store_held_get(struct store *, const char *id, int *firing,
	    int64_t *since, char **alert);
int	 store_held_put(struct store *, const char *id, int firing,
	    int64_t since, const char *alert);
int	 store_held_delete(struct store *, const char *id);
int	 store_held_list(struct store *, store_held_cb, void *);
int	 store_held_count(struct store *, int64_t *n);

#endif
