/*
 * The schema of the state database and its checks at open: the
 * application_id that marks a cwguard file, user_version migrations applied
 * in order in one transaction, and the installation key made on creation.
 */
#include "autoconf.h"

#include <sys/random.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

/* STORE_APPLICATION_ID in decimal: PRAGMA values cannot be bound. */
#define APPLICATION_ID_SQL	"PRAGMA application_id = 1129793348"

/*
 * migrations[v] takes a database from version v - 1 to v and sets
 * user_version; append only, never edit a released entry.
 */
static const char *const migrations[STORE_SCHEMA_VERSION + 1] = {
	NULL,
	/* 1: the first schema. */
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE install_key ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  key BLOB NOT NULL CHECK (length(key) = 32));"
	"CREATE TABLE series ("
	"  id INTEGER PRIMARY KEY,"
	"  watch TEXT NOT NULL, entity TEXT NOT NULL, signal TEXT NOT NULL,"
	"  UNIQUE (watch, entity, signal));"
	"CREATE TABLE datapoint ("
	"  series INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,"
	"  period_start INTEGER NOT NULL,"
	"  period_seconds INTEGER NOT NULL CHECK (period_seconds > 0),"
	"  requests INTEGER, errors INTEGER, value REAL,"
	"  anomalous INTEGER NOT NULL DEFAULT 0 CHECK (anomalous IN (0, 1)),"
	"  PRIMARY KEY (series, period_start, period_seconds)) WITHOUT ROWID;"
	"CREATE INDEX datapoint_start ON datapoint (period_start);"
	"CREATE TABLE rollup ("
	"  series INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,"
	"  hour INTEGER NOT NULL,"
	"  requests INTEGER NOT NULL DEFAULT 0,"
	"  errors INTEGER NOT NULL DEFAULT 0,"
	"  anomalous_requests INTEGER NOT NULL DEFAULT 0,"
	"  anomalous_errors INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (series, hour)) WITHOUT ROWID;"
	"CREATE INDEX rollup_hour ON rollup (hour);"
	"CREATE TABLE alert ("
	"  series INTEGER PRIMARY KEY REFERENCES series (id) ON DELETE CASCADE,"
	"  state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 3),"
	"  consecutive_anomalous INTEGER NOT NULL,"
	"  consecutive_normal INTEGER NOT NULL,"
	"  since INTEGER NOT NULL, last_notified INTEGER NOT NULL,"
	"  last_period INTEGER NOT NULL, last_value REAL, last_baseline REAL);"
	"CREATE TABLE outbox ("
	"  id TEXT PRIMARY KEY, sink TEXT NOT NULL,"
	"  created INTEGER NOT NULL, due INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
	"  status INTEGER NOT NULL DEFAULT 0 CHECK (status BETWEEN 0 AND 3),"
	"  last_error TEXT NOT NULL DEFAULT '', payload TEXT NOT NULL);"
	"CREATE INDEX outbox_due ON outbox (status, sink, due, created);"
	"CREATE TABLE finding ("
	"  fingerprint TEXT NOT NULL, source TEXT NOT NULL,"
	"  rule TEXT NOT NULL, redacted TEXT NOT NULL,"
	"  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	"  count INTEGER NOT NULL, last_notified INTEGER NOT NULL,"
	"  PRIMARY KEY (fingerprint, source)) WITHOUT ROWID;"
	"CREATE INDEX finding_last_seen ON finding (last_seen);"
	"CREATE TABLE log_cursor ("
	"  source TEXT PRIMARY KEY, cursor INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE log_ptr ("
	"  source TEXT NOT NULL, ptr TEXT NOT NULL, ts INTEGER NOT NULL,"
	"  PRIMARY KEY (source, ptr)) WITHOUT ROWID;"
	"CREATE INDEX log_ptr_ts ON log_ptr (ts);"
	"CREATE TABLE cycle ("
	"  source TEXT PRIMARY KEY, time INTEGER NOT NULL,"
	"  ok INTEGER NOT NULL, message TEXT NOT NULL) WITHOUT ROWID;"
	"PRAGMA user_version = 1;",
	/*
	 * 2: no index by time on datapoint and rollup (40 % of a fleet's
	 * file); pruning goes series by series along the primary keys.
	 */
	"DROP INDEX datapoint_start;"
	"DROP INDEX rollup_hour;"
	"PRAGMA user_version = 2;",
	/*
	 * 3: silences (`cwguard silence`) and the notifications they and
	 * the mute windows hold back, one per alert id.
	 */
	"CREATE TABLE silence ("
	"  id TEXT PRIMARY KEY, watch TEXT NOT NULL, entity TEXT NOT NULL,"
	"  signal TEXT NOT NULL, kind TEXT NOT NULL,"
	"  starts INTEGER NOT NULL, ends INTEGER NOT NULL,"
	"  created INTEGER NOT NULL, comment TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE held ("
	"  id TEXT PRIMARY KEY, firing INTEGER NOT NULL CHECK (firing IN (0, 1)),"
	"  since INTEGER NOT NULL, alert TEXT NOT NULL) WITHOUT ROWID;"
	"PRAGMA user_version = 3;",
	/*
	 * 4: known findings. An operator's verdict on a fingerprint (acked:
	 * no repeat notifications; allowed: never reported), kept apart from
	 * the sightings so that retention never forgets a verdict.
	 */
	"CREATE TABLE finding_mark ("
	"  fingerprint TEXT PRIMARY KEY,"
	"  state INTEGER NOT NULL CHECK (state IN (1, 2)),"
	"  comment TEXT NOT NULL DEFAULT '',"
	"  at INTEGER NOT NULL) WITHOUT ROWID;"
	"PRAGMA user_version = 4;",
	/* 5: the sequential test's evidence per series (detector_seq). */
	"CREATE TABLE seqstate ("
	"  series INTEGER PRIMARY KEY REFERENCES series (id) ON DELETE CASCADE,"
	"  llr REAL NOT NULL CHECK (llr >= 0),"
	"  since INTEGER NOT NULL, periods INTEGER NOT NULL,"
	"  requests INTEGER NOT NULL, errors INTEGER NOT NULL,"
	"  alarm INTEGER NOT NULL CHECK (alarm IN (0, 1)));"
	"PRAGMA user_version = 5;",
};

/* Runs a one-row integer query (a PRAGMA or count). */
static int
schema_int(struct store *s, const char *sql, long long *v)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Runs constant SQL (statements without binds); 0 or -1 with err. */
static int
schema_exec(struct store *s, const char *sql, char *err, size_t errlen)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "state database %s: %s", s->path,
		    sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

static int
schema_add_key(struct store *s, char *err, size_t errlen)
{
	unsigned char	 key[STORE_KEY_LEN];
	sqlite3_stmt	*st = NULL;
	size_t		 got = 0;
	ssize_t		 n;
	int		 rc;

	while (got < sizeof key) {
		if ((n = getrandom(key + got, sizeof key - got, 0)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "getrandom: %s", strerror(errno));
			goto fail;
		}
		got += n;
	}
	if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO install_key "
	    "(id, key) VALUES (1, ?1)", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 1, key, sizeof key, SQLITE_TRANSIENT) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "state database %s: %s", s->path,
		    sqlite3_errmsg(s->db));
		goto fail;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "state database %s: installation key: "
		    "%s", s->path, sqlite3_errmsg(s->db));
		goto fail;
	}
	sqlite3_finalize(st);
	util_wipe(key, sizeof key);
	return 0;
fail:
	sqlite3_finalize(st);
	util_wipe(key, sizeof key);
	return -1;
}

/*
 * Reads application_id, the table count and user_version; refuses files of
 * other applications and of newer schemas. *fresh is set when the file has
 * no cwguard schema yet.
 */
static int
schema_check(struct store *s, int *fresh, long long *version, char *err,
    size_t errlen)
{
	long long	appid, tables;

	if (schema_int(s, "PRAGMA application_id", &appid) == -1) {
		int	code = sqlite3_errcode(s->db) & 0xff;

		if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
			snprintf(err, errlen, "not a cwguard state database: "
			    "%s (%s)", s->path, sqlite3_errmsg(s->db));
		else
			snprintf(err, errlen, "cannot read state database %s: "
			    "%s", s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	*fresh = 0;
	if (appid != STORE_APPLICATION_ID) {
		if (appid != 0) {
			snprintf(err, errlen, "not a cwguard state database: "
			    "%s (SQLite application_id 0x%08llx belongs to "
			    "another application)", s->path,
			    (unsigned long long)appid & 0xffffffffULL);
			return -1;
		}
		if (schema_int(s, "SELECT count(*) FROM sqlite_master",
		    &tables) == -1) {
			snprintf(err, errlen, "cannot read state database %s: "
			    "%s", s->path, sqlite3_errmsg(s->db));
			return -1;
		}
		if (tables > 0) {
			snprintf(err, errlen, "not a cwguard state database: "
			    "%s (an SQLite database of another application: "
			    "it has tables but no cwguard application_id)",
			    s->path);
			return -1;
		}
		*fresh = 1;
	}
	if (schema_int(s, "PRAGMA user_version", version) == -1) {
		snprintf(err, errlen, "cannot read state database %s: %s",
		    s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	if (*version > STORE_SCHEMA_VERSION || *version < 0) {
		snprintf(err, errlen, "state database %s has schema version "
		    "%lld, newer than version %d of this cwguard; upgrade "
		    "cwguard", s->path, *version, STORE_SCHEMA_VERSION);
		return -1;
	}
	if (*fresh && *version != 0) {
		snprintf(err, errlen, "not a cwguard state database: %s "
		    "(user_version %lld without cwguard application_id)",
		    s->path, *version);
		return -1;
	}
	return 0;
}

int
store_schema_open(struct store *s, char *err, size_t errlen)
{
	long long	version;
	int		fresh, v;

	if (schema_check(s, &fresh, &version, err, errlen) == -1)
		return -1;
	if (s->flags & STORE_READONLY) {
		if (fresh) {
			snprintf(err, errlen, "state database %s was never "
			    "initialised", s->path);
			return -1;
		}
		if (version < STORE_SCHEMA_VERSION) {
			snprintf(err, errlen, "state database %s has schema "
			    "version %lld, older than version %d; run cwguard "
			    "check once to migrate it", s->path, version,
			    STORE_SCHEMA_VERSION);
			return -1;
		}
		return schema_exec(s, "PRAGMA foreign_keys = ON", err,
		    errlen);
	}
	/* SQLite quietly opens a file it may not write read-only. */
	if (sqlite3_db_readonly(s->db, "main") == 1) {
		snprintf(err, errlen, "state database %s is not writable",
		    s->path);
		return -1;
	}
	if (schema_exec(s, "PRAGMA foreign_keys = ON", err, errlen) == -1)
		return -1;
	/*
	 * A new file gets its schema (and application_id) in rollback-journal
	 * mode, so the id is in the main file's header before WAL is on.
	 */
	if (!fresh && schema_exec(s, "PRAGMA journal_mode = WAL; "
	    "PRAGMA synchronous = NORMAL", err, errlen) == -1)
		return -1;
	if (!fresh && version == STORE_SCHEMA_VERSION)
		return 0;
	/*
	 * A new file gives pages freed by pruning back (store_vacuum); the
	 * mode can be chosen only before the first table exists.
	 */
	if (fresh && schema_exec(s, "PRAGMA auto_vacuum = INCREMENTAL", err,
	    errlen) == -1)
		return -1;

	if (schema_exec(s, "BEGIN IMMEDIATE", err, errlen) == -1)
		return -1;
	/* Another process may have migrated while we waited for the lock. */
	if (schema_check(s, &fresh, &version, err, errlen) == -1)
		goto fail;
	if (fresh && schema_exec(s, APPLICATION_ID_SQL, err, errlen) == -1)
		goto fail;
	for (v = (int)version + 1; v <= STORE_SCHEMA_VERSION; v++)
		if (schema_exec(s, migrations[v], err, errlen) == -1)
			goto fail;
	if (fresh && schema_add_key(s, err, errlen) == -1)
		goto fail;
	if (schema_exec(s, "COMMIT", err, errlen) == -1)
		goto fail;
	if (schema_exec(s, "PRAGMA journal_mode = WAL; "
	    "PRAGMA synchronous = NORMAL", err, errlen) == -1)
		return -1;
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
store_vacuum(struct store *s, double min_free, int64_t *freed)
{
	long long	pages, free_pages, mode, after;
	const char	*sql;
	char		 err[512];

	if (freed != NULL)
		*freed = 0;
	if ((s->flags & STORE_READONLY) || s->in_tx)
		return store_seterr(s, "%s: vacuum needs a writable store "
		    "outside a transaction", s->path);
	if (schema_int(s, "PRAGMA page_count", &pages) == -1 ||
	    schema_int(s, "PRAGMA freelist_count", &free_pages) == -1 ||
	    schema_int(s, "PRAGMA auto_vacuum", &mode) == -1)
		return store_dberr(s, "vacuum");
	if (free_pages == 0 || (double)free_pages < min_free * (double)pages)
		return 0;
	/*
	 * A file made before auto_vacuum was set is converted once: VACUUM
	 * rewrites it (and so frees everything at once).
	 */
	sql = mode == 2 ? "PRAGMA incremental_vacuum" :
	    "PRAGMA auto_vacuum = INCREMENTAL; VACUUM";
	if (schema_exec(s, sql, err, sizeof err) == -1)
		return store_seterr(s, "%s", err);
	/* In WAL mode the main file shrinks at the checkpoint. */
	if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    NULL, NULL) != SQLITE_OK)
		log_debug("%s: checkpoint after vacuum: %s", s->path,
		    sqlite3_errmsg(s->db));
	if (schema_int(s, "PRAGMA page_count", &after) == -1)
		return store_dberr(s, "vacuum");
	if (freed != NULL)
		*freed = pages - after;
	return 0;
}
