/*
 * The state database: open/close, the lock, transactions, the statement
 * cache and the small tables (meta, installation key, last cycles). The
 * series tables live in store_series.c, alerts in store_alert.c, the
 * outbox in store_outbox.c, findings and log cursors in store_finding.c,
 * the schema and its checks in store_schema.c.
 */
#include "autoconf.h"

#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store_int.h"
#include "util.h"
#include "xmalloc.h"

#define STORE_BUSY_MS	5000	/* wait for another writer this long */
#define STORE_HEADER	100	/* bytes of an SQLite file header */

static const char sqlite_magic[16] = "SQLite format 3";	/* NUL included */

int
store_seterr(struct store *s, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof s->error, fmt, ap);
	va_end(ap);
	return -1;
}

int
store_dberr(struct store *s, const char *what)
{
	return store_seterr(s, "%s: %s: %s", s->path, what,
	    sqlite3_errmsg(s->db));
}

const char *
store_error(const struct store *s)
{
	return s->error;
}

const char *
store_path(const struct store *s)
{
	return s->path;
}

sqlite3_stmt *
store_stmt(struct store *s, enum store_stmt_id id, const char *sql)
{
	sqlite3_stmt	*st = s->stmt[id];

	if (st == NULL) {
		if (sqlite3_prepare_v3(s->db, sql, -1,
		    SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
			store_dberr(s, "prepare");
			return NULL;
		}
		s->stmt[id] = st;
		return st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

void
store_done(sqlite3_stmt *st)
{
	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

int
store_bind_text(struct store *s, sqlite3_stmt *st, int i, const char *v)
{
	int	rc;

	if (v == NULL)
		rc = sqlite3_bind_null(st, i);
	else
		rc = sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	if (rc != SQLITE_OK)
		return store_dberr(s, "bind");
	return 0;
}

int
store_check_name(struct store *s, const char *what, const char *name,
    size_t max)
{
	if (name == NULL || *name == '\0')
		return store_seterr(s, "%s: empty %s", s->path, what);
	if (strlen(name) >= max)
		return store_seterr(s, "%s: %s longer than %zu bytes", s->path,
		    what, max - 1);
	return 0;
}

void
store_column_copy(sqlite3_stmt *st, int i, char *out, size_t outlen)
{
	const char	*v = (const char *)sqlite3_column_text(st, i);

	util_strlcpy(out, v != NULL ? v : "", outlen);
}

int
store_exec_stmt(struct store *s, sqlite3_stmt *st, const char *what)
{
	int	rc;

	rc = sqlite3_step(st);
	store_done(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_dberr(s, what);
	return 0;
}

int
store_prune_stmt(struct store *s, sqlite3_stmt *st, const char *text,
    int64_t before, int64_t *removed)
{
	if (removed != NULL)
		*removed = 0;
	if (st == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, before) != SQLITE_OK ||
	    (text != NULL && store_bind_text(s, st, 2, text) == -1)) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	if (store_exec_stmt(s, st, "prune") == -1)
		return -1;
	if (removed != NULL)
		*removed = sqlite3_changes(s->db);
	return 0;
}

int
store_savepoint(struct store *s)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, STMT_SAVEPOINT, "SAVEPOINT store")) == NULL)
		return -1;
	return store_exec_stmt(s, st, "savepoint");
}

int
store_release(struct store *s)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, STMT_RELEASE, "RELEASE store")) == NULL)
		return -1;
	return store_exec_stmt(s, st, "release savepoint");
}

void
store_rollback_to(struct store *s)
{
	sqlite3_stmt	*st;
	char		 saved[sizeof s->error];

	/* Keep the reason of the failure, not that of the cleanup. */
	memcpy(saved, s->error, sizeof saved);
	if ((st = store_stmt(s, STMT_ROLLBACK_TO,
	    "ROLLBACK TO store")) != NULL)
		store_exec_stmt(s, st, "rollback to savepoint");
	store_release(s);
	memcpy(s->error, saved, sizeof saved);
}

int
store_series(struct store *s, const char *watch, const char *entity,
    const char *signal, int create, int64_t *id)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (store_check_name(s, "watch", watch, STORE_NAME_MAX) == -1 ||
	    store_check_name(s, "entity", entity, STORE_NAME_MAX) == -1 ||
	    store_check_name(s, "signal", signal, STORE_NAME_MAX) == -1)
		return -1;
	if ((st = store_stmt(s, STMT_SERIES_GET, "SELECT id FROM series "
	    "WHERE watch = ?1 AND entity = ?2 AND signal = ?3")) == NULL)
		return -1;
	if (store_bind_text(s, st, 1, watch) == -1 ||
	    store_bind_text(s, st, 2, entity) == -1 ||
	    store_bind_text(s, st, 3, signal) == -1)
		goto fail;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		store_done(st);
		return 1;
	}
	if (rc != SQLITE_DONE) {
		store_dberr(s, "series lookup");
		goto fail;
	}
	store_done(st);
	*id = 0;
	if (!create)
		return 0;

	if ((st = store_stmt(s, STMT_SERIES_ADD, "INSERT INTO series "
	    "(watch, entity, signal) VALUES (?1, ?2, ?3)")) == NULL)
		return -1;
	if (store_bind_text(s, st, 1, watch) == -1 ||
	    store_bind_text(s, st, 2, entity) == -1 ||
	    store_bind_text(s, st, 3, signal) == -1)
		goto fail;
	if (store_exec_stmt(s, st, "series insert") == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(s->db);
	return 1;
fail:
	store_done(st);
	return -1;
}

/*
 * Checks the first bytes of an existing file so that a file which is not a
 * cwguard database is refused before SQLite touches it. The application_id
 * in the header is authoritative: the schema (and the id) is first written
 * in rollback-journal mode, straight into the main file.
 */
static int
store_check_header(const char *path, int *empty, char *err, size_t errlen)
{
	unsigned char	hdr[STORE_HEADER];
	struct stat	sb;
	uint32_t	appid;
	ssize_t		n;
	int		fd;

	*empty = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "cannot open state database %s: %s",
		    path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "not a cwguard state database: %s "
		    "(not a regular file)", path);
		goto fail;
	}
	if (sb.st_size == 0) {
		*empty = 1;
		close(fd);
		return 0;
	}
	n = read(fd, hdr, sizeof hdr);
	if (n != (ssize_t)sizeof hdr ||
	    memcmp(hdr, sqlite_magic, sizeof sqlite_magic) != 0) {
		snprintf(err, errlen, "not a cwguard state database: %s "
		    "(not an SQLite 3 file)", path);
		goto fail;
	}
	appid = (uint32_t)hdr[68] << 24 | (uint32_t)hdr[69] << 16 |
	    (uint32_t)hdr[70] << 8 | hdr[71];
	if (appid != 0 && appid != STORE_APPLICATION_ID) {
		snprintf(err, errlen, "not a cwguard state database: %s "
		    "(SQLite application_id 0x%08x belongs to another "
		    "application)", path, appid);
		goto fail;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

/* Creates path with mode 0600, or explains why it cannot. */
static int
store_create_file(const char *path, char *err, size_t errlen)
{
	struct stat	 sb;
	char		*dir, *slash;
	int		 fd;

	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL) {
		free(dir);
		dir = xstrdup(".");
	} else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &sb) == -1) {
		snprintf(err, errlen, "cannot create state database %s: "
		    "directory %s: %s", path, dir, strerror(errno));
		goto fail;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "cannot create state database %s: "
		    "%s is not a directory", path, dir);
		goto fail;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "cannot create state database %s: %s",
		    path, strerror(errno));
		goto fail;
	}
	/* The umask may only remove bits; make sure no group/other bit. */
	(void)fchmod(fd, 0600);
	close(fd);
	free(dir);
	return 0;
fail:
	free(dir);
	return -1;
}

/*
 * SQLite creates PATH-wal and PATH-shm as whoever opens the database first.
 * When root runs `status` or `check` by hand against the daemon's state
 * (a DynamicUser), give those files to the database's owner so that the
 * daemon can still open them afterwards.
 */
static void
store_match_owner(const char *path)
{
	static const char	*sfx[] = { "-wal", "-shm" };
	struct stat		 db, sb;
	char			 side[PATH_MAX];
	size_t			 i;

	if (geteuid() != 0 || stat(path, &db) == -1 || db.st_uid == 0)
		return;
	for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		if ((size_t)snprintf(side, sizeof side, "%s%s", path, sfx[i]) >=
		    sizeof side || lstat(side, &sb) == -1 ||
		    !S_ISREG(sb.st_mode) ||
		    (sb.st_uid == db.st_uid && sb.st_gid == db.st_gid))
			continue;
		if (chown(side, db.st_uid, db.st_gid) == -1)
			log_warn("%s: cannot give it to uid %u: %s", side,
			    (unsigned)db.st_uid, strerror(errno));
	}
}

/*
 * SQLite says "disk I/O error" when it cannot make PATH-shm on a full
 * file system: when the directory has (almost) no space left, say so.
 */
static void
store_disk_note(const char *path, char *err, size_t errlen)
{
	struct statvfs	 vfs;
	char		*dir, *slash;
	size_t		 len = strlen(err);
	unsigned long long free_bytes;

	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL) {
		free(dir);
		dir = xstrdup(".");
	} else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (statvfs(dir, &vfs) == 0 && (free_bytes = (unsigned long long)
	    vfs.f_bavail * vfs.f_frsize) < 1024 * 1024 && len + 1 < errlen)
		snprintf(err + len, errlen - len, " (the file system of %s is "
		    "full: %llu bytes free)", dir, free_bytes);
	free(dir);
}

struct store *
store_open(const char *path, int flags, char *err, size_t errlen)
{
	struct store	*s = NULL;
	struct stat	 sb;
	int		 created = 0, empty = 0, oflags;

	if (path == NULL || *path == '\0') {
		snprintf(err, errlen, "no state database path");
		return NULL;
	}
	if (stat(path, &sb) == -1) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "state database %s: %s", path,
			    strerror(errno));
			return NULL;
		}
		if ((flags & STORE_READONLY) || !(flags & STORE_CREATE)) {
			snprintf(err, errlen, "state database %s does not "
			    "exist", path);
			return NULL;
		}
		if (store_create_file(path, err, errlen) == -1)
			return NULL;
		created = empty = 1;
	} else if (store_check_header(path, &empty, err, errlen) == -1)
		return NULL;
	else if ((sb.st_mode & 077) != 0)
		/*
		 * Used, not refused (a refusal would stop a running install
		 * on upgrade), but said: the file holds the fingerprint key.
		 */
		log_warn("state database %s is accessible to group/others "
		    "(mode %04o): it holds the fingerprint key and finding "
		    "previews; chmod 600 %s", path,
		    (unsigned)(sb.st_mode & 07777), path);
	if (empty && (flags & STORE_READONLY)) {
		snprintf(err, errlen, "state database %s is empty (never "
		    "initialised)", path);
		return NULL;
	}

	s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	s->flags = flags;
	s->lock_fd = -1;
	oflags = (flags & STORE_READONLY) ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE;
	if (sqlite3_open_v2(path, &s->db, oflags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open state database %s: %s",
		    path, s->db != NULL ? sqlite3_errmsg(s->db) :
		    "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	if (store_schema_open(s, err, errlen) == -1)
		goto fail;
	store_match_owner(path);
	return s;
fail:
	store_disk_note(path, err, errlen);
	store_close(s);
	if (created)
		unlink(path);
	return NULL;
}

void
store_close(struct store *s)
{
	int	i;

	if (s == NULL)
		return;
	if (s->db != NULL) {
		if (!sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		for (i = 0; i < STMT_COUNT; i++)
			sqlite3_finalize(s->stmt[i]);
		sqlite3_close(s->db);
	}
	if (s->lock_fd != -1)
		close(s->lock_fd);
	free(s->path);
	free(s);
}

/* The pid the holder wrote into the lock file, or 0. */
static long
store_lock_holder(int fd)
{
	char		buf[32];
	long long	pid;
	ssize_t		n;

	if ((n = pread(fd, buf, sizeof buf - 1, 0)) <= 0)
		return 0;
	buf[n] = '\0';
	util_trim(buf);
	if (util_parse_int(buf, 1, 0x7fffffff, &pid, NULL, 0) == -1)
		return 0;
	return (long)pid;
}

int
store_lock(struct store *s, double wait_seconds, char *err, size_t errlen)
{
	struct timespec	 ts;
	char		*lockpath, pidbuf[32];
	double		 deadline, left;
	long		 holder;
	int		 fd, n;

	if (s->lock_fd != -1)
		return 0;
	if (s->flags & STORE_READONLY) {
		/* Creating PATH.lock would be a write. */
		snprintf(err, errlen, "state database %s is open read-only; "
		    "not locking it", s->path);
		return -1;
	}
	lockpath = xasprintf("%s.lock", s->path);
	fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "cannot open lock file %s: %s",
		    lockpath, strerror(errno));
		goto fail;
	}
	deadline = util_monotonic() + (wait_seconds > 0 ? wait_seconds : 0);
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, errlen, "cannot lock %s: %s", lockpath,
			    strerror(errno));
			goto fail;
		}
		left = deadline - util_monotonic();
		if (left <= 0) {
			holder = store_lock_holder(fd);
			if (holder > 0)
				snprintf(err, errlen, "state database %s is "
				    "locked by another cwguard (pid %ld); gave "
				    "up after %.1fs", s->path, holder,
				    wait_seconds);
			else
				snprintf(err, errlen, "state database %s is "
				    "locked by another cwguard; gave up after "
				    "%.1fs", s->path, wait_seconds);
			goto fail;
		}
		if (left > 0.05)
			left = 0.05;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(left * 1e9);
		nanosleep(&ts, NULL);
	}
	n = snprintf(pidbuf, sizeof pidbuf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, pidbuf, n, 0) != n) {
		/* The lock holds; only the holder's pid is lost. */
	}
	s->lock_fd = fd;
	free(lockpath);
	return 0;
fail:
	if (fd != -1)
		close(fd);
	free(lockpath);
	return -1;
}

static int
store_tx(struct store *s, enum store_stmt_id id, const char *sql,
    const char *what)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, id, sql)) == NULL)
		return -1;
	return store_exec_stmt(s, st, what);
}

int
store_begin(struct store *s)
{
	if (s->in_tx)
		return store_seterr(s, "%s: transaction already open",
		    s->path);
	/* A reader never takes the write lock. */
	if (store_tx(s, STMT_BEGIN, (s->flags & STORE_READONLY) ? "BEGIN" :
	    "BEGIN IMMEDIATE", "begin") == -1)
		return -1;
	s->in_tx = 1;
	return 0;
}

int
store_commit(struct store *s)
{
	if (!s->in_tx)
		return store_seterr(s, "%s: no transaction to commit",
		    s->path);
	if (store_tx(s, STMT_COMMIT, "COMMIT", "commit") == -1) {
		store_rollback(s);
		return -1;
	}
	s->in_tx = 0;
	return 0;
}

int
store_rollback(struct store *s)
{
	if (!s->in_tx)
		return 0;
	s->in_tx = 0;
	if (sqlite3_get_autocommit(s->db))
		return 0;	/* SQLite already rolled back */
	return store_tx(s, STMT_ROLLBACK, "ROLLBACK", "rollback");
}

int
store_random_id(char *out, size_t outlen)
{
	unsigned char	raw[STORE_ID_LEN / 2];
	size_t		got = 0;
	ssize_t		n;

	if (outlen < STORE_ID_LEN + 1)
		return -1;
	while (got < sizeof raw) {
		n = getrandom(raw + got, sizeof raw - got, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += n;
	}
	util_hex(raw, sizeof raw, out);
	return 0;
}

int
store_install_key(struct store *s, unsigned char out[STORE_KEY_LEN])
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, STMT_KEY_GET,
	    "SELECT key FROM install_key WHERE id = 1")) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			store_seterr(s, "%s: no installation key", s->path);
		else
			store_dberr(s, "installation key");
		store_done(st);
		return -1;
	}
	if (sqlite3_column_bytes(st, 0) != STORE_KEY_LEN) {
		store_done(st);
		return store_seterr(s, "%s: installation key has the wrong "
		    "length", s->path);
	}
	memcpy(out, sqlite3_column_blob(st, 0), STORE_KEY_LEN);
	store_done(st);
	return 0;
}

int
store_meta_get(struct store *s, const char *key, char *out, size_t outlen)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (outlen > 0)
		*out = '\0';
	if (store_check_name(s, "meta key", key, STORE_NAME_MAX) == -1)
		return -1;
	if ((st = store_stmt(s, STMT_META_GET,
	    "SELECT value FROM meta WHERE key = ?1")) == NULL)
		return -1;
	if (store_bind_text(s, st, 1, key) == -1)
		goto fail;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		store_column_copy(st, 0, out, outlen);
		store_done(st);
		return 1;
	}
	if (rc != SQLITE_DONE) {
		store_dberr(s, "meta");
		goto fail;
	}
	store_done(st);
	return 0;
fail:
	store_done(st);
	return -1;
}

int
store_meta_put(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt	*st;

	if (store_check_name(s, "meta key", key, STORE_NAME_MAX) == -1)
		return -1;
	if ((st = store_stmt(s, STMT_META_PUT, "INSERT INTO meta (key, value) "
	    "VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET "
	    "value = excluded.value")) == NULL)
		return -1;
	if (store_bind_text(s, st, 1, key) == -1 ||
	    store_bind_text(s, st, 2, value != NULL ? value : "") == -1) {
		store_done(st);
		return -1;
	}
	return store_exec_stmt(s, st, "meta");
}

int
store_cycle_put(struct store *s, const char *source, int64_t time, int ok,
    const char *message)
{
	sqlite3_stmt	*st;
	char		 msg[STORE_MESSAGE_MAX];

	if (store_check_name(s, "source", source, STORE_NAME_MAX) == -1)
		return -1;
	util_strlcpy(msg, message != NULL ? message : "", sizeof msg);
	if ((st = store_stmt(s, STMT_CYCLE_PUT, "INSERT INTO cycle "
	    "(source, time, ok, message) VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT (source) DO UPDATE SET time = excluded.time, "
	    "ok = excluded.ok, message = excluded.message")) == NULL)
		return -1;
	if (store_bind_text(s, st, 1, source) == -1 ||
	    sqlite3_bind_int64(st, 2, time) != SQLITE_OK ||
	    sqlite3_bind_int(st, 3, ok != 0) != SQLITE_OK ||
	    store_bind_text(s, st, 4, msg) == -1) {
		store_done(st);
		return store_dberr(s, "bind");
	}
	return store_exec_stmt(s, st, "cycle");
}

int
store_cycle_list(struct store *s, store_cycle_cb cb, void *arg)
{
	struct store_cycle	 c;
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = store_stmt(s, STMT_CYCLE_LIST, "SELECT source, time, ok, "
	    "message FROM cycle ORDER BY source")) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		c.source = (const char *)sqlite3_column_text(st, 0);
		c.time = sqlite3_column_int64(st, 1);
		c.ok = sqlite3_column_int(st, 2);
		c.message = (const char *)sqlite3_column_text(st, 3);
		if (c.message == NULL)
			c.message = "";
		if (cb(arg, &c) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	store_done(st);
	if (rc != SQLITE_DONE)
		return store_dberr(s, "cycle list");
	return 0;
}
