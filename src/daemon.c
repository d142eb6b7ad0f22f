/*
 * `cwguard run`: the daemon. One libev loop; every watch and logs source
 * on its own timer, aligned to its interval with a small per-source jitter,
 * never overlapping itself; the outbox scheduler; secret references
 * refreshed every secret_ttl; sd_notify READY/STATUS/WATCHDOG; the
 * optional /metrics and /healthz responder. SIGTERM/SIGINT stop the timers
 * and let what is in flight finish for up to 10 s; SIGHUP re-reads the
 * config and swaps it in only if it is valid.
 */
#include "autoconf.h"

#include <sys/queue.h>

#include <ev.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "buf.h"
#include "config.h"
#include "daemon.h"
#include "engine.h"
#include "http.h"
#include "log.h"
#include "logsrc.h"
#include "loop.h"
#include "metrics.h"
#include "outbox.h"
#include "retention.h"
#include "sdnotify.h"
#include "secretref.h"
#include "selfmon.h"
#include "silence.h"
#include "store.h"
#include "util.h"
#include "watch.h"
#include "xmalloc.h"

#define DAEMON_DRAIN		10.0	/* seconds for in-flight work at stop */
#define DAEMON_LOCK_WAIT	5.0
#define DAEMON_HEALTH_INTERVALS	3	/* /healthz: a success within this many */
#define DAEMON_JITTER_MAX	10.0	/* seconds, at most a tenth of interval */

enum daemon_kind { DAEMON_WATCH, DAEMON_LOGS };

struct daemon;

struct daemon_source {
	struct daemon		*d;
	enum daemon_kind	 kind;
	char			*name;
	void			*obj;		/* struct watch / struct logsrc */
	double			 interval;
	double			 jitter;
	ev_timer		 timer;
	int			 running;
	double			 started;	/* monotonic, of the running cycle */
	long long		 cycles;
	long long		 failures;
	long long		 skipped;	/* ticks while still running */
	double			 last_duration;
	time_t			 last_ok;
	time_t			 last_end;
	char			 last_error[256];
};

struct daemon {
	const char		*config_path;	/* re-read on SIGHUP */
	struct config		*cfg;
	struct engine		*eng;
	struct secretref	*secrets;
	struct metrics		*metrics;
	struct daemon_source	*sources;
	size_t			 nsources;
	time_t			 started;

	ev_signal		 sigterm, sigint, sighup;
	ev_timer		 watchdog;
	ev_timer		 secret_timer;
	ev_timer		 drain_timer;
	ev_timer		 settle_timer;
	ev_timer		 retention_timer;
	int			 stopping;
	int			 reload_wanted;
	int			 secrets_busy;
	int			 watchdog_starved;
	long long		 reloads, reload_failures;
	int			 exit_code;
};

/* A stable jitter per source name, so a fleet of daemons does not align. */
static double
daemon_jitter(const char *name, double interval)
{
	unsigned	h = 2166136261u;
	double		span;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	span = fmin(interval / 10, DAEMON_JITTER_MAX);
	return span * (h % 1000) / 1000.0;
}

/* Seconds until the next multiple of interval (plus jitter). */
static double
daemon_next(const struct daemon_source *s)
{
	double	now = util_now(), at;

	at = floor(now / s->interval) * s->interval + s->interval + s->jitter;
	while (at - now < 0.05)
		at += s->interval;
	return at - now;
}

static int
daemon_busy(const struct daemon *d)
{
	size_t	i;

	for (i = 0; i < d->nsources; i++)
		if (d->sources[i].running)
			return 1;
	if (d->secrets_busy)
		return 1;
	if (d->eng == NULL)
		return 0;
	/* Requests still in flight (a StopQuery at shutdown among them). */
	return (engine_outbox(d->eng) != NULL &&
	    outbox_busy(engine_outbox(d->eng))) ||
	    http_pending(engine_http(d->eng)) > 0;
}

static int
daemon_busy_cb(void *arg)
{
	return !daemon_busy(arg);
}

static void	daemon_arm(struct daemon_source *);
static void	daemon_finish_stop(struct daemon *);
static void	daemon_do_reload(struct daemon *);

static void
daemon_status(struct daemon *d)
{
	long long	cycles = 0, failures = 0;
	size_t		i;

	for (i = 0; i < d->nsources; i++) {
		cycles += d->sources[i].cycles;
		failures += d->sources[i].failures;
	}
	sdnotify_status("%zu sources, %lld cycles, %lld failed", d->nsources,
	    cycles, failures);
}

/*
 * After any piece of work ends: finish a stop or a reload waiting on it.
 * Called from completion callbacks, so the work itself is deferred to a
 * fresh loop iteration: a reload frees the objects whose callback this is.
 */
static void
daemon_settle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon	*d = w->data;

	if (daemon_busy(d))
		return;		/* the timer repeats until nothing is in flight */
	ev_timer_stop(loop, &d->settle_timer);
	if (d->stopping)
		daemon_finish_stop(d);
	else if (d->reload_wanted)
		daemon_do_reload(d);
}

static void
daemon_settle(struct daemon *d)
{
	if ((!d->stopping && !d->reload_wanted) ||
	    ev_is_active(&d->settle_timer))
		return;
	ev_timer_set(&d->settle_timer, 0, 0.05);
	ev_timer_start(loop_get(), &d->settle_timer);
}

static void
daemon_cycle_done(int ok, const char *error, void *arg)
{
	struct daemon_source	*s = arg;
	struct daemon		*d = s->d;
	char			 err[512];

	s->running = 0;
	s->cycles++;
	s->last_end = time(NULL);
	s->last_duration = util_monotonic() - s->started;
	if (ok) {
		s->last_ok = s->last_end;
		s->last_error[0] = '\0';
	} else {
		s->failures++;
		util_strlcpy(s->last_error, error != NULL ? error : "failed",
		    sizeof s->last_error);
		log_warn("%s %s: cycle failed: %s", s->kind == DAEMON_WATCH ?
		    "watch" : "logs", s->name, s->last_error);
	}
	if (selfmon_cycle(engine_store(d->eng), d->cfg,
	    engine_alert_context(d->eng), s->kind == DAEMON_WATCH ? "watch" :
	    "logs", s->name, ok, error, time(NULL), err, sizeof err) == -1)
		log_warn("%s", err);
	if (engine_outbox(d->eng) != NULL) {
		/* Notifications whose silence or mute window has ended. */
		if (silence_release(engine_store(d->eng), d->cfg,
		    engine_alert_context(d->eng), time(NULL), NULL, err,
		    sizeof err) == -1)
			log_warn("%s", err);
		outbox_kick(engine_outbox(d->eng));
	}
	daemon_status(d);
	daemon_settle(d);
}

static void
daemon_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon_source	*s = w->data;
	struct daemon		*d = s->d;
	char			 err[512];
	int			 rc;

	daemon_arm(s);
	if (d->stopping || d->reload_wanted)
		return;
	if (s->running) {
		/* Cycles never overlap for one source. */
		s->skipped++;
		log_warn("%s %s: previous cycle still running after %.0f s; "
		    "skipping this one", s->kind == DAEMON_WATCH ? "watch" :
		    "logs", s->name, util_monotonic() - s->started);
		return;
	}
	s->running = 1;
	s->started = util_monotonic();
	if (s->kind == DAEMON_WATCH)
		rc = watch_cycle(s->obj, time(NULL), 0,
		    engine_alert_context(d->eng), NULL, daemon_cycle_done, s,
		    err, sizeof err);
	else
		rc = logsrc_cycle(s->obj, time(NULL), d->cfg->lag, 0,
		    engine_alert_context(d->eng), NULL, daemon_cycle_done, s,
		    err, sizeof err);
	if (rc == -1)
		daemon_cycle_done(0, err, s);
}

static void
daemon_arm(struct daemon_source *s)
{
	struct ev_loop	*loop = loop_get();

	ev_timer_stop(loop, &s->timer);
	ev_timer_set(&s->timer, daemon_next(s), 0);
	ev_timer_start(loop, &s->timer);
}

static void
daemon_secrets_done(int nfailed, const char *error, void *arg)
{
	struct daemon	*d = arg;

	d->secrets_busy = 0;
	if (nfailed > 0)
		log_warn("secret references: %d not resolved (%s); keeping "
		    "cached values", nfailed, error != NULL ? error : "?");
	daemon_settle(d);
}

static void
daemon_secret_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon	*d = w->data;

	if (d->stopping || d->secrets_busy)
		return;
	d->secrets_busy = 1;
	(void)secretref_resolve(d->secrets, d->cfg, time(NULL),
	    daemon_secrets_done, d);
}

/* Hourly pruning (retention_maybe keeps the time in the store). */
static void
daemon_retention_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon	*d = w->data;
	char		 err[512];

	if (d->stopping || d->reload_wanted || d->eng == NULL)
		return;
	if (retention_maybe(engine_store(d->eng), d->cfg, time(NULL), NULL,
	    err, sizeof err) == -1)
		log_warn("%s", err);
}

static int	daemon_health(char *, size_t, void *);

/*
 * The systemd watchdog is fed only while the daemon is healthy by the
 * same test as /healthz: every source had a successful cycle within the
 * last three intervals. A daemon whose cycles all fail is restarted.
 */
static void
daemon_watchdog_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon	*d = w->data;
	char		 msg[512];

	if (d->eng == NULL || daemon_health(msg, sizeof msg, d)) {
		if (d->watchdog_starved)
			log_info("watchdog: healthy again, feeding it");
		d->watchdog_starved = 0;
		sdnotify_send("WATCHDOG=1");
		return;
	}
	if (!d->watchdog_starved)
		log_warn("watchdog: not fed while unhealthy: %s", msg);
	d->watchdog_starved = 1;
}

/* --- self-metrics ---------------------------------------------------- */

struct daemon_alert_count {
	long long	 by_state[4];
};

static int
daemon_count_alert(void *arg, const struct store_alert *a)
{
	struct daemon_alert_count	*c = arg;

	if ((int)a->state >= 0 && (int)a->state < 4)
		c->by_state[a->state]++;
	return 0;
}

struct daemon_http_ctx {
	struct buf	*b;
	int		 family;
};

static void
daemon_http_counter(const struct http_counters *hc, void *arg)
{
	struct daemon_http_ctx	*h = arg;
	double			 v;

	switch (h->family) {
	case 0: v = (double)hc->requests; break;
	case 1: v = (double)hc->retries; break;
	case 2: v = (double)hc->throttles; break;
	default: v = (double)hc->failures; break;
	}
	metrics_sample(h->b, h->family == 0 ? "cwguard_aws_requests_total" :
	    h->family == 1 ? "cwguard_aws_retries_total" : h->family == 2 ?
	    "cwguard_aws_throttles_total" : "cwguard_aws_failures_total", v,
	    "api", hc->label, (char *)NULL);
}

static int
daemon_count_silence(void *arg, const struct store_silence *si)
{
	(*(long long *)arg)++;
	return 0;
}

/* Silences and mute windows in force, held and released notifications. */
static void
daemon_render_silences(struct buf *b, struct daemon *d)
{
	const struct config_mute	*mu;
	struct silence_schedule		 sch;
	long long			 active = 0, windows = 0;
	int64_t				 held = 0;
	char				 err[256];
	time_t				 now = time(NULL);

	(void)store_silence_list(engine_store(d->eng), (int64_t)now,
	    daemon_count_silence, &active);
	TAILQ_FOREACH(mu, &d->cfg->mutes, entry)
		if (silence_schedule_parse(mu->schedule, &sch, err,
		    sizeof err) == 0 && silence_schedule_active(&sch, now))
			windows++;
	(void)store_held_count(engine_store(d->eng), &held);
	metrics_help(b, "cwguard_silences_active", "gauge",
	    "Silences in force.");
	metrics_sample(b, "cwguard_silences_active", (double)active,
	    (char *)NULL);
	metrics_help(b, "cwguard_mute_windows_active", "gauge",
	    "[mute] windows open now.");
	metrics_sample(b, "cwguard_mute_windows_active", (double)windows,
	    (char *)NULL);
	metrics_help(b, "cwguard_notifications_held", "gauge",
	    "Notifications held back by a silence or mute window.");
	metrics_sample(b, "cwguard_notifications_held", (double)held,
	    (char *)NULL);
	metrics_help(b, "cwguard_notifications_silenced_total", "counter",
	    "Notifications held back (muted) since start.");
	metrics_sample(b, "cwguard_notifications_silenced_total",
	    (double)silence_held_total(), (char *)NULL);
	metrics_help(b, "cwguard_notifications_released_total", "counter",
	    "Held notifications sent when their mute ended.");
	metrics_sample(b, "cwguard_notifications_released_total",
	    (double)silence_released_total(), (char *)NULL);
}

/* The poll = auto and budget gauges of each watch, one family at a time. */
static void
daemon_watch_gauges(struct daemon *d, struct buf *b)
{
	static const char *const fam[][2] = {
		{ "cwguard_entities_quiet",
		  "Entities of a watch polled less often than every cycle." },
		{ "cwguard_entities_skipped",
		  "Entities of a watch not polled by its last cycle." },
		{ "cwguard_entities_budget_stretched",
		  "Entities whose poll gap the budget lengthened." },
		{ "cwguard_getmetricdata_usd_month",
		  "GetMetricData USD a month a watch projects at its gaps." },
	};
	const struct watch_stats	*ws;
	double				 v;
	size_t				 i, f;

	for (f = 0; f < sizeof fam / sizeof fam[0]; f++) {
		metrics_help(b, fam[f][0], "gauge", fam[f][1]);
		for (i = 0; i < engine_nwatches(d->eng); i++) {
			ws = watch_stats(engine_watch(d->eng, i));
			v = f == 0 ? (double)ws->quiet : f == 1 ?
			    (double)ws->skipped : f == 2 ?
			    (double)ws->stretched : ws->projected_usd;
			metrics_sample(b, fam[f][0], v, "watch",
			    watch_name(engine_watch(d->eng, i)), (char *)NULL);
		}
	}
}

static void
daemon_render(struct buf *b, void *arg)
{
	static const char	*fam[][2] = {
		{ "cwguard_aws_requests_total", "AWS requests by API." },
		{ "cwguard_aws_retries_total", "Retries by API." },
		{ "cwguard_aws_throttles_total", "Throttling answers by API." },
		{ "cwguard_aws_failures_total", "Requests that finally failed." },
	};
	struct daemon			*d = arg;
	struct daemon_alert_count	 ac;
	struct daemon_http_ctx		 hc;
	struct outbox_stats		 os;
	const struct watch_stats	*ws;
	const struct logsrc_stats	*ls;
	struct daemon_source		*s;
	const char			*kind;
	size_t				 i;
	int				 f;

	/* No cwguard_up: Prometheus's own up is the liveness signal. */
	metrics_help(b, "cwguard_build_info", "gauge",
	    "Always 1; the version of the running cwguard as a label.");
	metrics_sample(b, "cwguard_build_info", 1, "version", PACKAGE_VERSION,
	    (char *)NULL);
	metrics_help(b, "cwguard_start_time_seconds", "gauge",
	    "Start of the daemon, epoch seconds.");
	metrics_sample(b, "cwguard_start_time_seconds", (double)d->started,
	    (char *)NULL);
	metrics_help(b, "cwguard_reloads_total", "counter",
	    "Configuration reloads (SIGHUP), by result.");
	metrics_sample(b, "cwguard_reloads_total", (double)d->reloads,
	    "result", "ok", (char *)NULL);
	metrics_sample(b, "cwguard_reloads_total", (double)d->reload_failures,
	    "result", "failed", (char *)NULL);

	metrics_help(b, "cwguard_cycles_total", "counter",
	    "Cycles run, by source and result.");
	for (i = 0; i < d->nsources; i++) {
		s = &d->sources[i];
		kind = s->kind == DAEMON_WATCH ? "watch" : "logs";
		metrics_sample(b, "cwguard_cycles_total",
		    (double)(s->cycles - s->failures), "kind", kind, "source",
		    s->name, "result", "ok", (char *)NULL);
		metrics_sample(b, "cwguard_cycles_total", (double)s->failures,
		    "kind", kind, "source", s->name, "result", "failed",
		    (char *)NULL);
	}
	metrics_help(b, "cwguard_cycles_skipped_total", "counter",
	    "Ticks skipped because the previous cycle was still running.");
	for (i = 0; i < d->nsources; i++)
		metrics_sample(b, "cwguard_cycles_skipped_total",
		    (double)d->sources[i].skipped, "source",
		    d->sources[i].name, (char *)NULL);
	metrics_help(b, "cwguard_cycle_duration_seconds", "gauge",
	    "Duration of the last cycle.");
	for (i = 0; i < d->nsources; i++)
		metrics_sample(b, "cwguard_cycle_duration_seconds",
		    d->sources[i].last_duration, "source", d->sources[i].name,
		    (char *)NULL);
	metrics_help(b, "cwguard_last_success_time_seconds", "gauge",
	    "End of the last successful cycle, epoch seconds (0: none).");
	for (i = 0; i < d->nsources; i++)
		metrics_sample(b, "cwguard_last_success_time_seconds",
		    (double)d->sources[i].last_ok, "source", d->sources[i].name,
		    (char *)NULL);

	metrics_help(b, "cwguard_metrics_requested", "gauge",
	    "CloudWatch metrics requested by the last cycle of a watch.");
	metrics_help(b, "cwguard_entities", "gauge",
	    "Entities a watch knows.");
	for (i = 0; i < engine_nwatches(d->eng); i++) {
		ws = watch_stats(engine_watch(d->eng, i));
		metrics_sample(b, "cwguard_metrics_requested",
		    (double)ws->metrics_requested, "watch",
		    watch_name(engine_watch(d->eng, i)), (char *)NULL);
		metrics_sample(b, "cwguard_entities", (double)ws->entities,
		    "watch", watch_name(engine_watch(d->eng, i)), (char *)NULL);
	}
	daemon_watch_gauges(d, b);
	metrics_help(b, "cwguard_logs_bytes_scanned_total", "counter",
	    "Logs Insights bytes scanned.");
	metrics_help(b, "cwguard_findings_total", "counter",
	    "Secret findings in logs.");
	for (i = 0; i < engine_nlogsrcs(d->eng); i++) {
		ls = logsrc_stats(engine_logsrc(d->eng, i));
		metrics_sample(b, "cwguard_logs_bytes_scanned_total",
		    ls->bytes_scanned, "source",
		    logsrc_name(engine_logsrc(d->eng, i)), (char *)NULL);
		metrics_sample(b, "cwguard_findings_total",
		    (double)ls->findings, "source",
		    logsrc_name(engine_logsrc(d->eng, i)), (char *)NULL);
	}

	for (f = 0; f < 4; f++) {
		metrics_help(b, fam[f][0], "counter", fam[f][1]);
		hc.b = b;
		hc.family = f;
		http_counters_foreach(engine_http(d->eng), daemon_http_counter,
		    &hc);
	}

	memset(&ac, 0, sizeof ac);
	(void)store_alert_list(engine_store(d->eng), daemon_count_alert, &ac);
	metrics_help(b, "cwguard_alerts", "gauge",
	    "Series by alert state.");
	for (f = 0; f < 4; f++)
		metrics_sample(b, "cwguard_alerts", (double)ac.by_state[f],
		    "state", store_alert_state_name((enum store_alert_state)f),
		    (char *)NULL);
	if (engine_outbox(d->eng) != NULL) {
		outbox_get_stats(engine_outbox(d->eng), time(NULL), &os);
		metrics_help(b, "cwguard_outbox_depth", "gauge",
		    "Notifications waiting to be delivered.");
		metrics_sample(b, "cwguard_outbox_depth", (double)os.depth,
		    (char *)NULL);
		metrics_help(b, "cwguard_outbox_oldest_age_seconds", "gauge",
		    "Age of the oldest waiting notification.");
		metrics_sample(b, "cwguard_outbox_oldest_age_seconds",
		    (double)os.oldest_age, (char *)NULL);
		metrics_help(b, "cwguard_notifications_total", "counter",
		    "Notifications by outcome.");
		metrics_sample(b, "cwguard_notifications_total",
		    (double)os.delivered, "result", "delivered", (char *)NULL);
		metrics_sample(b, "cwguard_notifications_total",
		    (double)os.failed, "result", "failed", (char *)NULL);
		metrics_sample(b, "cwguard_notifications_total",
		    (double)os.expired, "result", "expired", (char *)NULL);
		metrics_sample(b, "cwguard_notifications_total",
		    (double)os.retried, "result", "retried", (char *)NULL);
	}
	daemon_render_silences(b, d);
}

static int
daemon_health(char *msg, size_t msglen, void *arg)
{
	struct daemon		*d = arg;
	struct daemon_source	*s;
	time_t			 now = time(NULL);
	size_t			 i;

	for (i = 0; i < d->nsources; i++) {
		s = &d->sources[i];
		/* A source gets three intervals from the start to succeed. */
		if (now - (s->last_ok ? s->last_ok : d->started) >
		    DAEMON_HEALTH_INTERVALS * s->interval) {
			snprintf(msg, msglen, "%s %s: no successful cycle for "
			    "%.0f s%s%s", s->kind == DAEMON_WATCH ? "watch" :
			    "logs", s->name, difftime(now, s->last_ok ?
			    s->last_ok : d->started), s->last_error[0] ?
			    ": " : "", s->last_error);
			return 0;
		}
	}
	return 1;
}

/* --- start, stop, reload --------------------------------------------- */

static void
daemon_sources_free(struct daemon *d)
{
	size_t	i;

	for (i = 0; i < d->nsources; i++) {
		ev_timer_stop(loop_get(), &d->sources[i].timer);
		free(d->sources[i].name);
	}
	free(d->sources);
	d->sources = NULL;
	d->nsources = 0;
}

/* Builds the engine and the sources' timers from d->cfg. 0 or -1. */
static int
daemon_build(struct daemon *d, char *err, size_t errlen)
{
	struct engine_options	 eo;
	struct config_logs	*cl;
	struct daemon_source	*s;
	size_t			 i, n;
	char			 e[512];

	memset(&eo, 0, sizeof eo);
	eo.lock_wait = DAEMON_LOCK_WAIT;
	if ((d->eng = engine_new(d->cfg, &eo, e, sizeof e)) == NULL) {
		snprintf(err, errlen, "%s", e);
		return -1;
	}
	d->secrets = secretref_new(engine_aws(d->eng), d->cfg->secret_ttl);
	n = engine_nwatches(d->eng) + engine_nlogsrcs(d->eng);
	d->sources = xcalloc(n == 0 ? 1 : n, sizeof *d->sources);
	for (i = 0; i < engine_nwatches(d->eng); i++) {
		s = &d->sources[d->nsources++];
		s->kind = DAEMON_WATCH;
		s->obj = engine_watch(d->eng, i);
		s->name = xstrdup(watch_name(s->obj));
		s->interval = (double)d->cfg->interval;
	}
	for (i = 0; i < engine_nlogsrcs(d->eng); i++) {
		s = &d->sources[d->nsources++];
		s->kind = DAEMON_LOGS;
		s->obj = engine_logsrc(d->eng, i);
		s->name = xstrdup(logsrc_name(s->obj));
		s->interval = 300;
		TAILQ_FOREACH(cl, &d->cfg->logs, entry)
			if (strcmp(cl->name, s->name) == 0)
				s->interval = (double)cl->interval;
	}
	for (i = 0; i < d->nsources; i++) {
		s = &d->sources[i];
		s->d = d;
		s->jitter = daemon_jitter(s->name, s->interval);
		ev_init(&s->timer, daemon_tick);
		s->timer.data = s;
	}
	return 0;
}

static void
daemon_teardown(struct daemon *d)
{
	daemon_sources_free(d);
	if (d->eng != NULL && engine_outbox(d->eng) != NULL)
		outbox_stop(engine_outbox(d->eng));
	metrics_free(d->metrics);
	d->metrics = NULL;
	secretref_free(d->secrets);
	d->secrets = NULL;
	engine_free(d->eng);
	d->eng = NULL;
}

/* Starts what daemon_build() made: secrets first, then the timers. */
static int
daemon_start(struct daemon *d, char *err, size_t errlen)
{
	struct ev_loop	*loop = loop_get();
	size_t		 i;
	int		 refs;

	d->secrets_busy = 1;
	refs = secretref_resolve(d->secrets, d->cfg, time(NULL),
	    daemon_secrets_done, d);
	if (refs > 0 && d->secrets_busy &&
	    loop_run_until(daemon_busy_cb, d, 60) == -1)
		log_warn("secret references: not resolved within 60 s; "
		    "notifications to sinks that need them wait");
	if (d->cfg->metrics_listen.host != NULL &&
	    (d->metrics = metrics_new(loop, d->cfg->metrics_listen.host,
	    d->cfg->metrics_listen.port, daemon_render, daemon_health, d,
	    err, errlen)) == NULL)
		return -1;
	ev_timer_stop(loop, &d->secret_timer);
	ev_timer_set(&d->secret_timer, (double)d->cfg->secret_ttl,
	    (double)d->cfg->secret_ttl);
	ev_timer_start(loop, &d->secret_timer);
	ev_timer_stop(loop, &d->retention_timer);
	ev_timer_set(&d->retention_timer, 60, RETENTION_INTERVAL / 6);
	ev_timer_start(loop, &d->retention_timer);
	if (engine_outbox(d->eng) != NULL)
		outbox_start(engine_outbox(d->eng));
	for (i = 0; i < d->nsources; i++)
		daemon_arm(&d->sources[i]);
	log_info("running: %zu watches, %zu logs sources, interval %lld s%s",
	    engine_nwatches(d->eng), engine_nlogsrcs(d->eng),
	    (long long)d->cfg->interval, d->metrics != NULL ?
	    ", metrics on" : "");
	return 0;
}

static void
daemon_finish_stop(struct daemon *d)
{
	ev_timer_stop(loop_get(), &d->drain_timer);
	loop_break();
}

static void
daemon_drain_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon	*d = w->data;
	size_t		 i;

	log_warn("stop: work still in flight after %.0f s; abandoning it",
	    DAEMON_DRAIN);
	for (i = 0; i < d->nsources; i++)
		if (d->sources[i].running && d->sources[i].kind == DAEMON_LOGS)
			logsrc_stop(d->sources[i].obj);
	loop_break();
}

static void
daemon_stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon	*d = w->data;
	size_t		 i;

	if (d->stopping)
		return;
	log_info("stopping (signal %d)", w->signum);
	sdnotify_send("STOPPING=1");
	d->stopping = 1;
	for (i = 0; i < d->nsources; i++) {
		ev_timer_stop(loop, &d->sources[i].timer);
		/* A Logs query is abandoned (StopQuery), its rows unread. */
		if (d->sources[i].running && d->sources[i].kind == DAEMON_LOGS)
			logsrc_stop(d->sources[i].obj);
	}
	ev_timer_stop(loop, &d->secret_timer);
	ev_timer_stop(loop, &d->retention_timer);
	if (engine_outbox(d->eng) != NULL)
		outbox_stop(engine_outbox(d->eng));
	ev_timer_set(&d->drain_timer, DAEMON_DRAIN, 0);
	ev_timer_start(loop, &d->drain_timer);
	daemon_settle(d);
}

/*
 * A reload rebuilds the sources; their counters (monotonic for Prometheus)
 * carry over to the source of the same kind and name in the new config.
 */
struct daemon_counts {
	enum daemon_kind	 kind;
	char			*name;
	long long		 cycles, failures, skipped;
	double			 last_duration;
	time_t			 last_ok;
};

static struct daemon_counts *
daemon_counts_save(const struct daemon *d, size_t *np)
{
	struct daemon_counts	*c;
	size_t			 i;

	c = xcalloc(d->nsources + 1, sizeof *c);
	for (i = 0; i < d->nsources; i++) {
		c[i].kind = d->sources[i].kind;
		c[i].name = xstrdup(d->sources[i].name);
		c[i].cycles = d->sources[i].cycles;
		c[i].failures = d->sources[i].failures;
		c[i].skipped = d->sources[i].skipped;
		c[i].last_duration = d->sources[i].last_duration;
		c[i].last_ok = d->sources[i].last_ok;
	}
	*np = d->nsources;
	return c;
}

static void
daemon_counts_restore(struct daemon *d, const struct daemon_counts *c,
    size_t n)
{
	struct daemon_source	*s;
	size_t			 i, k;

	for (i = 0; i < d->nsources; i++) {
		s = &d->sources[i];
		for (k = 0; k < n; k++) {
			if (c[k].kind != s->kind ||
			    strcmp(c[k].name, s->name) != 0)
				continue;
			s->cycles = c[k].cycles;
			s->failures = c[k].failures;
			s->skipped = c[k].skipped;
			s->last_duration = c[k].last_duration;
			s->last_ok = c[k].last_ok;
			break;
		}
	}
}

/* daemon_build() and daemon_start(), the counters of c carried over. */
static int
daemon_rebuild(struct daemon *d, const struct daemon_counts *c, size_t n,
    char *err, size_t errlen)
{
	if (daemon_build(d, err, errlen) == -1)
		return -1;
	daemon_counts_restore(d, c, n);
	return daemon_start(d, err, errlen);
}

static void
daemon_counts_free(struct daemon_counts *c, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(c[i].name);
	free(c);
}

/*
 * The errors of a config that did not load, one log record each: cause
 * holds one "file:line: message" per line, and a record is one line.
 */
static void
daemon_log_reload_errors(const char *path, const char *cause)
{
	const char	*p, *nl;
	size_t		 n;

	log_error("reload: %s is not valid, keeping the running config",
	    path);
	for (p = cause != NULL ? cause : ""; *p != '\0'; p = nl) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		n = (size_t)(nl - p);
		if (n > 0)
			log_error("reload: %.*s", (int)(n > 1000 ? 1000 : n), p);
		if (*nl == '\n')
			nl++;
	}
}

/* Swaps the config in once nothing is in flight. */
static void
daemon_do_reload(struct daemon *d)
{
	struct config		*ncfg, *ocfg = d->cfg;
	struct daemon_counts	*counts;
	char			*cause = NULL, err[512];
	size_t			 ncounts;

	d->reload_wanted = 0;
	if ((ncfg = config_load(d->config_path, &cause)) == NULL) {
		d->reload_failures++;
		daemon_log_reload_errors(d->config_path, cause);
		free(cause);
		goto resume;
	}
	counts = daemon_counts_save(d, &ncounts);
	daemon_teardown(d);
	d->cfg = ncfg;
	if (daemon_rebuild(d, counts, ncounts, err, sizeof err) == 0) {
		daemon_counts_free(counts, ncounts);
		d->reloads++;
		config_free(ocfg);
		log_set_level(d->cfg->log_level);
		log_set_json(d->cfg->log_format == CONFIG_LOG_JSON);
		log_info("reload: new config in use");
		sdnotify_send("READY=1");
		return;
	}
	/* The new config parsed but could not start: back to the old one. */
	d->reload_failures++;
	log_error("reload: cannot start with the new config (%s); keeping "
	    "the running one", err);
	daemon_teardown(d);
	config_free(ncfg);
	d->cfg = ocfg;
	if (daemon_rebuild(d, counts, ncounts, err, sizeof err) == -1) {
		daemon_counts_free(counts, ncounts);
		log_error("reload: cannot restart the old config either: %s",
		    err);
		d->exit_code = 1;
		loop_break();
		return;
	}
	daemon_counts_free(counts, ncounts);
	return;
resume:
	sdnotify_send("READY=1");
}

static void
daemon_hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon	*d = w->data;

	if (d->stopping)
		return;
	log_info("reload requested (SIGHUP)");
	sdnotify_send("RELOADING=1");
	d->reload_wanted = 1;
	/* In-flight cycles finish on the old config; then it is swapped. */
	daemon_settle(d);
}

int
daemon_main(const char *config_path, int verbosity)
{
	struct ev_loop	*loop;
	struct daemon	 d;
	char		*cause = NULL, err[512];
	double		 wd;

	memset(&d, 0, sizeof d);
	d.config_path = config_path;
	d.started = time(NULL);
	if ((d.cfg = config_load(config_path, &cause)) == NULL) {
		fprintf(stderr, "%s", cause != NULL ? cause : "");
		free(cause);
		return DAEMON_EX_CONFIG;
	}
	if (verbosity == 0)
		log_set_level(d.cfg->log_level);
	log_set_json(d.cfg->log_format == CONFIG_LOG_JSON);
	loop = loop_get();
	signal(SIGPIPE, SIG_IGN);
	ev_signal_init(&d.sigterm, daemon_stop_cb, SIGTERM);
	ev_signal_init(&d.sigint, daemon_stop_cb, SIGINT);
	ev_signal_init(&d.sighup, daemon_hup_cb, SIGHUP);
	d.sigterm.data = d.sigint.data = d.sighup.data = &d;
	ev_signal_start(loop, &d.sigterm);
	ev_signal_start(loop, &d.sigint);
	ev_signal_start(loop, &d.sighup);
	ev_init(&d.secret_timer, daemon_secret_tick);
	d.secret_timer.data = &d;
	ev_init(&d.drain_timer, daemon_drain_timeout);
	d.drain_timer.data = &d;
	ev_init(&d.settle_timer, daemon_settle_cb);
	d.settle_timer.data = &d;
	ev_init(&d.retention_timer, daemon_retention_tick);
	d.retention_timer.data = &d;
	if ((wd = sdnotify_watchdog_interval()) > 0) {
		ev_timer_init(&d.watchdog, daemon_watchdog_tick, wd / 2, wd / 2);
		d.watchdog.data = &d;
		ev_timer_start(loop, &d.watchdog);
	}
	if (daemon_build(&d, err, sizeof err) == -1 ||
	    daemon_start(&d, err, sizeof err) == -1) {
		log_error("run: %s", err);
		d.exit_code = 1;
		goto done;
	}
	sdnotify_send("READY=1");
	daemon_status(&d);
	loop_run();
	log_info("stopped");
done:
	ev_signal_stop(loop, &d.sigterm);
	ev_signal_stop(loop, &d.sigint);
	ev_signal_stop(loop, &d.sighup);
	ev_timer_stop(loop, &d.watchdog);
	ev_timer_stop(loop, &d.secret_timer);
	ev_timer_stop(loop, &d.drain_timer);
	ev_timer_stop(loop, &d.settle_timer);
	ev_timer_stop(loop, &d.retention_timer);
	daemon_teardown(&d);
	config_free(d.cfg);
	loop_shutdown();
	return d.exit_code;
}
