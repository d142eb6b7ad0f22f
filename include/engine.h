/*
 * The engine: everything one configuration needs to run cycles (the
 * state store, http, credentials, the AWS client, every watch and logs
 * source, the outbox), and one cycle of every source at once. `check`
 * runs one cycle; the daemon (`run`) reuses the parts with its own timers
 * (engine_watch()/engine_logsrc() give each source for a per-source
 * cycle: they are independent of each other).
 */
#ifndef CWG_ENGINE_H
#define CWG_ENGINE_H

#include <stddef.h>
#include <time.h>

struct alert_batch;
struct alert_context;
struct aws;
struct config;
struct engine;
struct http;
struct logsrc;
struct outbox;
struct store;
struct watch;

#define ENGINE_DRY_RUN		0x1	/* no state change, nothing sent */

struct engine_options {
	const char	*state;		/* NULL: the config's [cwguard] state */
	double		 lock_wait;	/* store_lock wait, s; < 0: no lock */
	int		 no_logs;	/* build no logs source */
	int		 no_outbox;	/* build no outbox (backtest) */
};

/*
 * Builds everything from cfg (borrowed: it must outlive the engine).
 * NULL with err (naming the part that failed: state database, lock,
 * credentials, region, a watch...) on failure.
 */
struct engine	*engine_new(const struct config *,
		    const struct engine_options *, char *err, size_t errlen);
/* Cancels what is in flight, then frees. NULL is fine. */
void		 engine_free(struct engine *);

/*
 * Restricts engine_cycle_once() to the watches and logs sources named
 * (NULL-terminated; NULL or empty: all). -1 with err naming an unknown
 * source.
 */
int		 engine_select(struct engine *, char *const *names, char *err,
		    size_t errlen);

/* What one cycle did, for the caller's output. */
struct engine_result {
	int		 sources;	/* sources cycled */
	int		 failed;	/* sources whose cycle failed */
	char		 error[512];	/* "watch NAME: reason; ..." */
	long long	 entities;
	long long	 metrics_requested;
	long long	 pending;
	long long	 firing;
	long long	 findings;	/* secret alerts raised this cycle */
	int		 outbox_failed;	/* outbox_flush could not start */
};
typedef void (*engine_cb)(const struct engine_result *, void *arg);

/*
 * One cycle of every selected watch and logs source at now, all at once;
 * when all are done, the outbox is flushed (not with ENGINE_DRY_RUN), then
 * done runs once (from the loop; before this returns only when no source
 * could start, each failure then noted in the result). Alerts raised also
 * go to report (may be NULL). 0, or -1 with err (a cycle is already
 * running; done will not run).
 */
int		 engine_cycle_once(struct engine *, time_t now, int flags,
		    struct alert_batch *report, engine_cb done, void *arg,
		    char *err, size_t errlen);

struct store	*engine_store(struct engine *);
struct aws	*engine_aws(struct engine *);
struct http	*engine_http(struct engine *);
struct outbox	*engine_outbox(struct engine *);
const struct alert_context *engine_alert_context(struct engine *);
size_t		 engine_nwatches(const struct engine *);
struct watch	*engine_watch(struct engine *, size_t);
size_t		 engine_nlogsrcs(const struct engine *);
struct logsrc	*engine_logsrc(struct engine *, size_t);

#endif
