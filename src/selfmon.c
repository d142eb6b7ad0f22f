/*
 * cwguard's own health, see selfmon.h. Four conditions, each a self alert
 * (a spike alert with self set: watch "cwguard", entity the subject,
 * signal the condition) that fires once when the condition starts and
 * resolves once when it ends:
 *   credentials  a cycle failed because AWS rejected (or there were no)
 *                credentials; ends at the next successful cycle
 *   failing      a source failed self_after cycles in a row; ends when it
 *                succeeds
 *   behind       a logs source's cursor is more than lag + 3 intervals
 *                old; ends when it has caught up
 *   expired      notifications expired undelivered since the last look;
 *                ends at the next look without new ones
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "aws_proto.h"
#include "config.h"
#include "log.h"
#include "selfmon.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

int
selfmon_is_credentials(const char *error)
{
	char	tok[64];
	size_t	n;

	if (error == NULL)
		return 0;
	if (strncmp(error, "credentials", 11) == 0 ||
	    strstr(error, "no credentials") != NULL ||
	    strstr(error, ": credentials") != NULL)
		return 1;
	/* Any word of the error that is an AWS credentials error code. */
	while (*error != '\0') {
		while (*error != '\0' && !isalnum((unsigned char)*error))
			error++;
		for (n = 0; isalnum((unsigned char)error[n]); n++)
			;
		if (n > 0 && n < sizeof tok) {
			memcpy(tok, error, n);
			tok[n] = '\0';
			if (aws_error_is_credential_code(tok))
				return 1;
		}
		error += n;
	}
	return 0;
}

struct selfmon {
	struct store		*st;
	const struct config	*cfg;
	struct alert_batch	*batch;
	time_t			 now;
	char			*err;
	size_t			 errlen;
};

/*
 * Moves condition (subject, signal) to on or off; a change notifies the
 * self_sinks with message. 0 or -1.
 */
static int
selfmon_set(struct selfmon *m, const char *subject, const char *signal,
    int on, const char *message)
{
	struct alert	a;
	char		key[STORE_NAME_MAX], v[8];
	int		rc, was;

	snprintf(key, sizeof key, "self.firing.%s.%s", signal, subject);
	if ((rc = store_meta_get(m->st, key, v, sizeof v)) == -1)
		goto dberr;
	was = rc == 1 && strcmp(v, "1") == 0;
	if (was == on)
		return 0;
	if (store_meta_put(m->st, key, on ? "1" : "0") == -1)
		goto dberr;
	alert_init(&a, ALERT_SPIKE);
	a.self = 1;
	a.status = on ? ALERT_FIRING : ALERT_RESOLVED;
	a.at = m->now;
	util_strlcpy(a.watch, "cwguard", sizeof a.watch);
	util_strlcpy(a.entity, subject, sizeof a.entity);
	util_strlcpy(a.signal, signal, sizeof a.signal);
	util_strlcpy(a.message, message, sizeof a.message);
	if (on)
		log_warn("self: %s %s: %s", subject, signal, message);
	else
		log_info("self: %s %s: resolved", subject, signal);
	alert_batch_add(m->batch, &a, m->cfg->self_sink_ptrs);
	return 0;
dberr:
	snprintf(m->err, m->errlen, "self health: %s", store_error(m->st));
	return -1;
}

static int
selfmon_count(struct selfmon *m, const char *key, int64_t *v, int put,
    int64_t value)
{
	char	buf[32];
	int	rc;

	if (put) {
		snprintf(buf, sizeof buf, "%lld", (long long)value);
		rc = store_meta_put(m->st, key, buf);
	} else {
		*v = 0;
		if ((rc = store_meta_get(m->st, key, buf, sizeof buf)) == 1)
			*v = strtoll(buf, NULL, 10);
	}
	if (rc == -1)
		snprintf(m->err, m->errlen, "self health: %s",
		    store_error(m->st));
	return rc == -1 ? -1 : 0;
}

/* Failures in a row, and the credentials condition. */
static int
selfmon_source(struct selfmon *m, const char *kind, const char *name, int ok,
    const char *error)
{
	char		 key[STORE_NAME_MAX], subject[300],
			 msg[256];
	int64_t		 fails;

	snprintf(subject, sizeof subject, "%s %s", kind, name);
	snprintf(key, sizeof key, "self.fails.%s", subject);
	if (selfmon_count(m, key, &fails, 0, 0) == -1)
		return -1;
	fails = ok ? 0 : fails + 1;
	if (selfmon_count(m, key, NULL, 1, fails) == -1)
		return -1;
	snprintf(msg, sizeof msg, "%lld cycles in a row failed: %s",
	    (long long)fails, error != NULL ? error : "failed");
	if (selfmon_set(m, subject, "failing", fails >= m->cfg->self_after,
	    msg) == -1)
		return -1;
	if (!ok && selfmon_is_credentials(error)) {
		snprintf(msg, sizeof msg, "AWS credentials rejected (%s %s): "
		    "%s", kind, name, error);
		return selfmon_set(m, "credentials", "credentials", 1, msg);
	}
	if (ok)
		return selfmon_set(m, "credentials", "credentials", 0,
		    "credentials accepted again");
	return 0;
}

/* A logs source's cursor against the clock. */
static int
selfmon_behind(struct selfmon *m, const char *name)
{
	const struct config_logs	*lg;
	char				 src[STORE_NAME_MAX], subject[300],
					 msg[256];
	int64_t				 cursor, late;
	int				 rc;

	TAILQ_FOREACH(lg, &m->cfg->logs, entry)
		if (strcmp(lg->name, name) == 0)
			break;
	if (lg == NULL)
		return 0;
	snprintf(src, sizeof src, "logs:%s", name);
	if ((rc = store_cursor_get(m->st, src, &cursor)) == -1) {
		snprintf(m->err, m->errlen, "self health: %s",
		    store_error(m->st));
		return -1;
	}
	if (rc == 0)
		return 0;
	late = (int64_t)m->now - cursor;
	snprintf(subject, sizeof subject, "logs %s", name);
	snprintf(msg, sizeof msg, "reading %lld s behind (more than lag + 3 "
	    "intervals, %lld s)", (long long)late, (long long)(m->cfg->lag +
	    3 * lg->interval));
	return selfmon_set(m, subject, "behind", late > m->cfg->lag +
	    3 * lg->interval, msg);
}

/* Notifications that expired undelivered since the last look. */
static int
selfmon_expired(struct selfmon *m)
{
	int64_t	counts[STORE_OUTBOX_NSTATUS], seen;
	char	msg[256];

	if (store_outbox_counts(m->st, NULL, counts) == -1) {
		snprintf(m->err, m->errlen, "self health: %s",
		    store_error(m->st));
		return -1;
	}
	if (selfmon_count(m, "self.expired_seen", &seen, 0, 0) == -1)
		return -1;
	/* Pruning removes old rows: never count below what is left. */
	if (counts[STORE_OUTBOX_EXPIRED] < seen)
		seen = counts[STORE_OUTBOX_EXPIRED];
	snprintf(msg, sizeof msg, "%lld notification%s expired undelivered",
	    (long long)(counts[STORE_OUTBOX_EXPIRED] - seen),
	    counts[STORE_OUTBOX_EXPIRED] - seen == 1 ? "" : "s");
	if (selfmon_set(m, "outbox", "expired",
	    counts[STORE_OUTBOX_EXPIRED] > seen, msg) == -1)
		return -1;
	return selfmon_count(m, "self.expired_seen", NULL, 1,
	    counts[STORE_OUTBOX_EXPIRED]);
}

int
selfmon_cycle(struct store *st, const struct config *cfg,
    const struct alert_context *ctx, const char *kind, const char *name,
    int ok, const char *error, time_t now, char *err, size_t errlen)
{
	struct selfmon	m;

	memset(&m, 0, sizeof m);
	m.st = st;
	m.cfg = cfg;
	m.now = now;
	m.err = err;
	m.errlen = errlen;
	if (store_begin(st) == -1) {
		snprintf(err, errlen, "self health: %s", store_error(st));
		return -1;
	}
	m.batch = alert_batch_new();
	if (selfmon_source(&m, kind, name, ok, error) == -1 ||
	    (strcmp(kind, "logs") == 0 && selfmon_behind(&m, name) == -1) ||
	    selfmon_expired(&m) == -1)
		goto fail;
	if (alert_batch_count(m.batch) > 0 && alert_batch_enqueue(m.batch, st,
	    ctx, now, err, errlen) == -1)
		goto fail;
	if (store_commit(st) == -1) {
		snprintf(err, errlen, "self health: %s", store_error(st));
		goto fail;
	}
	alert_batch_free(m.batch);
	return 0;
fail:
	store_rollback(st);
	alert_batch_free(m.batch);
	return -1;
}
