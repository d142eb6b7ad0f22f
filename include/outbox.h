/*
 * Delivery of the notifications queued in the store's outbox: a scheduler
 * (not a retry loop) that sends due rows through their sink, marks them
 * delivered, or reschedules them with backoff base * attempts^2 (capped)
 * until they expire (sink `expiry`, default 24 h: one log line and a
 * counter). At-least-once: a row is only marked delivered after the sink
 * answered success; a restart resumes what is pending. Per-sink rate limit
 * (`rate_limit` messages per minute) and in-order delivery per sink.
 */
#ifndef CWG_OUTBOX_H
#define CWG_OUTBOX_H

#include <stdint.h>
#include <time.h>

struct aws;
struct config;
struct http;
struct store;
struct outbox;

struct outbox_stats {
	long long	 sent;		/* attempts made */
	long long	 delivered;
	long long	 retried;
	long long	 failed;	/* permanent failures (e.g. 4xx) */
	long long	 expired;
	long long	 depth;		/* pending rows (from the store) */
	long long	 oldest_age;	/* seconds, oldest pending row */
};

/* aws may be NULL when no sns sink is configured. */
struct outbox *outbox_new(struct store *, const struct config *,
	    struct http *, struct aws *, char *err, size_t errlen);
/* Not while sends are in flight: outbox_stop() and let them end first. */
void	 outbox_free(struct outbox *);

/*
 * Sends every row due at now (as the rate limits allow). done runs once
 * from the loop when nothing is left in flight. 0, or -1 with err.
 */
int	 outbox_flush(struct outbox *, time_t now, void (*done)(void *),
	    void *arg, char *err, size_t errlen);
/* Daemon mode: an ev timer flushes whenever the next row is due. */
void	 outbox_start(struct outbox *);
void	 outbox_stop(struct outbox *);
/* Call after rows were enqueued so that the timer re-arms now. */
void	 outbox_kick(struct outbox *);
/* In-flight sends. */
int	 outbox_busy(const struct outbox *);
void	 outbox_get_stats(struct outbox *, time_t now, struct outbox_stats *);

/*
 * Additions by the alert module (issue 6).
 */
#define OUTBOX_BACKOFF_BASE	10		/* seconds */
#define OUTBOX_BACKOFF_CAP	(30 * 60)	/* seconds */

/* Delay before the next attempt after `attempts` failed ones (>= 1). */
int64_t	 outbox_backoff(int64_t attempts);
/*
 * Restricts this outbox to the named sinks (NULL-terminated; NULL: all).
 * Names not in the config are ignored.
 */
void	 outbox_only(struct outbox *, const char *const *names);
/*
 * Force: a flush sends every pending row once, due or not (operator
 * action: `test-alert`); rate limits and order still apply.
 */
void	 outbox_set_force(struct outbox *, int);
/* The last delivery error of a sink ("" if none). */
const char *outbox_last_error(const struct outbox *, const char *sink);

#endif
