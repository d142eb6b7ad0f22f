/*
 * The outbox scheduler (DESIGN section 8): every notification is a row of
 * the store's outbox before any send. Per sink, rows go out one at a time
 * in the order they were queued; a row is marked delivered only after the
 * sink answered success (at-least-once), rescheduled with backoff
 * base * attempts^2 (capped) after a transient failure, marked failed
 * after a permanent one, and expired after the sink's expiry. A restart
 * resumes what is pending: all the state that matters is in the store.
 *
 * Order: the head of a sink is its oldest pending row (by creation, then
 * the "seq" key of the stored message), due or not; while the head waits
 * for its retry, the rows behind it wait too.
 */
#include "autoconf.h"

#include <cjson/cJSON.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "aws.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "outbox.h"
#include "sink.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define OUTBOX_WAKE_MAX		30.0	/* daemon: look again at least this often */
#define OUTBOX_RATE_WINDOW	60.0	/* rate_limit is per minute */
#define OUTBOX_TIMEOUT_MS	30000L	/* one delivery attempt */

struct outbox_sink {
	struct outbox		*ob;
	struct config_sink	*cfg;
	const struct sink_ops	*ops;
	int			 enabled;
	int			 busy;
	int			 stalled;	/* failed in this round */
	char			 inflight[STORE_ID_LEN + 1];
	int64_t			 attempts;	/* of the row in flight */
	double			 wake;		/* wall time it may send, 0: now */
	double			*sent;		/* ring of send times */
	size_t			 nsent, sent_head;
	char			 last_error[STORE_MESSAGE_MAX];
	char			 label[64];
};

struct outbox {
	struct store		*store;
	const struct config	*cfg;
	struct http		*http;
	struct aws		*aws;
	struct outbox_sink	*sinks;
	size_t			 nsinks;
	int			 force;
	int			 flushing;
	int			 started;
	void			(*done)(void *);
	void			*done_arg;
	ev_timer		 done_timer;
	ev_timer		 wake_timer;
	struct outbox_stats	 stats;
};

static void	outbox_pump(struct outbox *);

/* ---------------------------------------------------------------- */
/* Helpers shared by the sinks                                       */

const struct sink_ops *
sink_ops_get(enum config_sink_type t)
{
	switch (t) {
	case CONFIG_SINK_SLACK:
		return &sink_slack_ops;
	case CONFIG_SINK_WEBHOOK:
		return &sink_webhook_ops;
	case CONFIG_SINK_SNS:
		return &sink_sns_ops;
	case CONFIG_SINK_EMAIL:
		return &sink_email_ops;
	case CONFIG_SINK_PAGERDUTY:
		return &sink_pagerduty_ops;
	case CONFIG_SINK_OPSGENIE:
		return &sink_opsgenie_ops;
	case CONFIG_SINK_TEAMS:
		return &sink_teams_ops;
	}
	return NULL;
}

int
sink_per_alert(enum config_sink_type t)
{
	return t == CONFIG_SINK_PAGERDUTY || t == CONFIG_SINK_OPSGENIE;
}

size_t
sink_utf8_chars(const char *s, size_t max)
{
	size_t	i = 0, n = 0;

	while (s[i] != '\0' && n < max) {
		i++;
		while (((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		n++;
	}
	return i;
}

void
sink_out_init(struct sink_out *o)
{
	memset(o, 0, sizeof *o);
	buf_init(&o->body, SINK_BODY_MAX);
}

void
sink_out_cleanup(struct sink_out *o)
{
	size_t	i;

	for (i = 0; i < o->nowned; i++)
		util_free_secret(o->owned[i]);
	util_free_secret(o->url_owned);
	buf_cleanup(&o->body);
	memset(o, 0, sizeof *o);
}

int
sink_out_header(struct sink_out *o, const char *name, const char *value)
{
	if (o->nheaders >= SINK_HEADERS_MAX)
		return -1;
	o->owned[o->nowned++] = xstrdup(name);
	o->owned[o->nowned++] = xstrdup(value);
	o->headers[o->nheaders].name = o->owned[o->nowned - 2];
	o->headers[o->nheaders].value = o->owned[o->nowned - 1];
	o->nheaders++;
	return 0;
}

enum sink_result
sink_classify_http(const struct sink_answer *a, char *why, size_t whylen)
{
	char	 esc[160];

	if (a->ok) {
		why[0] = '\0';
		return SINK_DELIVERED;
	}
	if (a->status > 0 && a->body != NULL && a->body_len > 0) {
		log_escape(a->body, a->body_len > 120 ? 120 : a->body_len, esc,
		    sizeof esc);
		snprintf(why, whylen, "%s: %s", a->error != NULL && a->error[0] ?
		    a->error : "failed", esc);
	} else
		snprintf(why, whylen, "%s", a->error != NULL && a->error[0] ?
		    a->error : "failed");
	if (a->status == 0 || a->status == 408 || a->status == 429 ||
	    a->status >= 500)
		return SINK_RETRY;
	return SINK_PERMANENT;	/* 4xx (and stray 1xx/3xx): not retried */
}

/* ---------------------------------------------------------------- */

int64_t
outbox_backoff(int64_t attempts)
{
	int64_t	d;

	if (attempts < 1)
		attempts = 1;
	if (attempts > 1000)
		return OUTBOX_BACKOFF_CAP;
	d = OUTBOX_BACKOFF_BASE * attempts * attempts;
	return d > OUTBOX_BACKOFF_CAP ? OUTBOX_BACKOFF_CAP : d;
}

static void
outbox_done_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct outbox	*ob = w->data;
	void		(*done)(void *) = ob->done;

	(void)loop;
	(void)revents;
	ob->flushing = 0;
	ob->done = NULL;
	if (done != NULL)
		done(ob->done_arg);
}

static void
outbox_wake_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct outbox	*ob = w->data;
	size_t		 i;

	(void)loop;
	(void)revents;
	for (i = 0; i < ob->nsinks; i++)
		ob->sinks[i].stalled = 0;
	outbox_pump(ob);
}

struct outbox *
outbox_new(struct store *st, const struct config *cfg, struct http *http,
    struct aws *aws, char *err, size_t errlen)
{
	struct outbox		*ob;
	struct config_sink	*cs;
	struct outbox_sink	*s;
	size_t			 n = 0;

	if (st == NULL || cfg == NULL || http == NULL) {
		snprintf(err, errlen, "outbox: store, config and http needed");
		return NULL;
	}
	ob = xcalloc(1, sizeof *ob);
	ob->store = st;
	ob->cfg = cfg;
	ob->http = http;
	ob->aws = aws;
	TAILQ_FOREACH(cs, &cfg->sinks, entry)
		n++;
	ob->sinks = xcalloc(n > 0 ? n : 1, sizeof *ob->sinks);
	TAILQ_FOREACH(cs, &cfg->sinks, entry) {
		s = &ob->sinks[ob->nsinks++];
		s->ob = ob;
		s->cfg = cs;
		s->ops = sink_ops_get(cs->type);
		s->enabled = 1;
		s->sent = xcalloc(cs->rate_limit > 0 ? (size_t)cs->rate_limit :
		    1, sizeof *s->sent);
		snprintf(s->label, sizeof s->label, "sink:%s",
		    config_sink_type_name(cs->type));
	}
	ev_timer_init(&ob->done_timer, outbox_done_cb, 0., 0.);
	ob->done_timer.data = ob;
	ev_timer_init(&ob->wake_timer, outbox_wake_cb, 0., 0.);
	ob->wake_timer.data = ob;
	return ob;
}

void
outbox_free(struct outbox *ob)
{
	size_t	i;

	if (ob == NULL)
		return;
	outbox_stop(ob);
	ev_timer_stop(loop_get(), &ob->done_timer);
	for (i = 0; i < ob->nsinks; i++)
		free(ob->sinks[i].sent);
	free(ob->sinks);
	free(ob);
}

void
outbox_only(struct outbox *ob, const char *const *names)
{
	size_t	i, k;

	for (i = 0; i < ob->nsinks; i++) {
		ob->sinks[i].enabled = names == NULL;
		for (k = 0; names != NULL && names[k] != NULL; k++)
			if (strcmp(names[k], ob->sinks[i].cfg->name) == 0)
				ob->sinks[i].enabled = 1;
	}
}

void
outbox_set_force(struct outbox *ob, int force)
{
	ob->force = force;
}

const char *
outbox_last_error(const struct outbox *ob, const char *sink)
{
	size_t	i;

	for (i = 0; i < ob->nsinks; i++)
		if (strcmp(ob->sinks[i].cfg->name, sink) == 0)
			return ob->sinks[i].last_error;
	return "";
}

int
outbox_busy(const struct outbox *ob)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < ob->nsinks; i++)
		n += ob->sinks[i].busy;
	return n;
}

void
outbox_get_stats(struct outbox *ob, time_t now, struct outbox_stats *out)
{
	int64_t	depth = 0, oldest = 0;

	*out = ob->stats;
	if (store_outbox_stats(ob->store, NULL, (int64_t)now, &depth,
	    &oldest) == 0) {
		out->depth = depth;
		out->oldest_age = oldest;
	}
}

/* ---------------------------------------------------------------- */
/* Picking the head of a sink                                        */

struct outbox_head {
	int		 have;
	char		 id[STORE_ID_LEN + 1];
	int64_t		 created, due, attempts;
	double		 seq;
	char		*payload;	/* from store_outbox_get() */
};

static double
stored_seq(const char *payload)
{
	if (strncmp(payload, "{\"seq\":", 7) != 0)
		return 0;
	return strtod(payload + 7, NULL);
}

static int
head_cb(void *arg, const struct store_outbox *r)
{
	struct outbox_head	*h = arg;
	double			 seq = stored_seq(r->payload);

	if (!h->have || r->created < h->created || (r->created ==
	    h->created && seq < h->seq)) {
		h->have = 1;
		util_strlcpy(h->id, r->id, sizeof h->id);
		h->created = r->created;
		h->due = r->due;
		h->attempts = r->attempts;
		h->seq = seq;
	}
	return 0;
}

static int
row_cb(void *arg, const struct store_outbox *r)
{
	struct outbox_head	*h = arg;

	free(h->payload);
	h->payload = xstrdup(r->payload);
	h->attempts = r->attempts;
	h->due = r->due;
	return 0;
}

/*
 * The oldest pending row of s: every pending row is due within the
 * backoff cap, so one query with that horizon sees them all (but those
 * expiring sooner, which the second query sees when due).
 */
static int
outbox_head(struct outbox *ob, struct outbox_sink *s, int64_t now,
    struct outbox_head *h)
{
	memset(h, 0, sizeof *h);
	if (store_outbox_due(ob->store, s->cfg->name, now +
	    OUTBOX_BACKOFF_CAP + 60, 0, head_cb, h) == -1 ||
	    store_outbox_due(ob->store, s->cfg->name, now, 0, head_cb,
	    h) == -1) {
		log_error("outbox: sink %s: %s", s->cfg->name,
		    store_error(ob->store));
		return -1;
	}
	if (!h->have)
		return 0;
	if (store_outbox_get(ob->store, h->id, row_cb, h) != 1) {
		log_error("outbox: sink %s: notification %s vanished",
		    s->cfg->name, h->id);
		return -1;
	}
	return 1;
}

/* ---------------------------------------------------------------- */
/* Sending and answers                                               */

static void
outbox_complete(struct outbox_sink *s, const struct sink_answer *a)
{
	struct outbox	*ob = s->ob;
	char		 why[STORE_MESSAGE_MAX];
	int64_t		 delay;
	int		 rc = 0;

	s->busy = 0;
	if (a->flags & HTTP_F_CANCELLED) {
		/* Shutdown: the row stays pending for the next start. */
		s->stalled = 1;
		util_strlcpy(s->last_error, "cancelled", sizeof s->last_error);
		goto next;
	}
	switch (s->ops->classify(a, why, sizeof why)) {
	case SINK_DELIVERED:
		rc = store_outbox_delivered(ob->store, s->inflight);
		ob->stats.delivered++;
		s->last_error[0] = '\0';
		log_info("outbox: sink %s: notification %s delivered",
		    s->cfg->name, s->inflight);
		break;
	case SINK_RETRY:
		delay = outbox_backoff(s->attempts + 1);
		rc = store_outbox_retry(ob->store, s->inflight,
		    (int64_t)time(NULL) + delay, why);
		ob->stats.retried++;
		s->stalled = 1;
		util_strlcpy(s->last_error, why, sizeof s->last_error);
		log_warn("outbox: sink %s: notification %s not delivered "
		    "(%s); next attempt in %llds", s->cfg->name, s->inflight,
		    why, (long long)delay);
		break;
	case SINK_PERMANENT:
		rc = store_outbox_fail(ob->store, s->inflight, why);
		ob->stats.failed++;
		util_strlcpy(s->last_error, why, sizeof s->last_error);
		log_error("outbox: sink %s: notification %s refused, not "
		    "retried: %s", s->cfg->name, s->inflight, why);
		break;
	}
	if (rc == -1) {
		s->stalled = 1;
		log_error("outbox: sink %s: %s", s->cfg->name,
		    store_error(ob->store));
	}
next:
	s->inflight[0] = '\0';
	outbox_pump(ob);
}

static void
outbox_http_cb(const struct http_response *r, void *arg)
{
	struct sink_answer	 a;

	memset(&a, 0, sizeof a);
	a.ok = http_response_ok(r);
	a.status = r->status;
	a.flags = r->flags;
	a.error = r->error;
	a.body = r->body;
	a.body_len = r->body_len;
	outbox_complete(arg, &a);
}

static void
outbox_aws_cb(const struct aws_result *r, void *arg)
{
	struct sink_answer	 a;

	memset(&a, 0, sizeof a);
	a.ok = r->ok;
	a.status = r->http_status;
	a.aws = r->ok ? NULL : &r->error;
	a.error = r->ok ? "" : r->error.message;
	if (!r->ok && strcmp(r->error.code, "cancelled") == 0)
		a.flags |= HTTP_F_CANCELLED;
	outbox_complete(arg, &a);
}

/* 1 when s may send at now (rate limit); else its wake time is set. */
static int
outbox_rate_ok(struct outbox_sink *s, double now)
{
	size_t	cap = s->cfg->rate_limit > 0 ? (size_t)s->cfg->rate_limit : 1;
	double	oldest;

	if (s->nsent < cap)
		return 1;
	oldest = s->sent[s->sent_head];		/* the ring is full */
	if (now - oldest >= OUTBOX_RATE_WINDOW)
		return 1;
	s->wake = util_now() + (OUTBOX_RATE_WINDOW - (now - oldest));
	return 0;
}

static void
outbox_rate_note(struct outbox_sink *s, double now)
{
	size_t	cap = s->cfg->rate_limit > 0 ? (size_t)s->cfg->rate_limit : 1;

	if (s->nsent < cap) {
		s->sent[(s->sent_head + s->nsent) % cap] = now;
		s->nsent++;
	} else {
		s->sent[s->sent_head] = now;
		s->sent_head = (s->sent_head + 1) % cap;
	}
}

/*
 * Renders and submits row h of s. 1 submitted (s busy), 0 the row was
 * settled without a send (render failure: permanent), -1 give up on s
 * for this round.
 */
static int
outbox_send(struct outbox *ob, struct outbox_sink *s, struct outbox_head *h)
{
	struct sink_msg		 m;
	struct sink_out		 o;
	struct http_request	 req;
	cJSON			*stored;
	char			 err[512];
	int			 rc = -1;

	sink_out_init(&o);
	if ((stored = cJSON_Parse(h->payload)) == NULL) {
		snprintf(err, sizeof err, "stored notification is not JSON");
		goto permanent;
	}
	m.id = h->id;
	m.stored = stored;
	m.now = time(NULL);
	if (s->ops->render(s->cfg, &m, &o, err, sizeof err) == -1)
		goto permanent;
	util_strlcpy(s->inflight, h->id, sizeof s->inflight);
	s->attempts = h->attempts;
	if (o.aws) {
		if (ob->aws == NULL) {
			snprintf(err, sizeof err, "no AWS client for SNS");
			goto retry;
		}
		if (aws_call_query(ob->aws, AWS_SVC_SNS, "Publish", o.body.data,
		    o.body.len, outbox_aws_cb, s, err, sizeof err) == -1)
			goto retry;
	} else {
		memset(&req, 0, sizeof req);
		req.url = o.url;
		req.headers = o.headers;
		req.nheaders = o.nheaders;
		req.body = o.body.data;
		req.body_len = o.body.len;
		req.label = s->label;
		req.body_max = 64 * 1024;
		req.total_timeout_ms = OUTBOX_TIMEOUT_MS;
		req.cb = outbox_http_cb;
		req.arg = s;
		if (o.mail_from != NULL) {
			req.mail_from = o.mail_from;
			req.mail_rcpt = o.rcpt;
			req.nrcpt = o.nrcpt;
			req.mail_require_tls = o.require_tls;
			req.username = o.username;
			req.password = o.password;
		} else
			req.method = "POST";
		if (http_submit(ob->http, &req, err, sizeof err) == -1)
			goto retry;
	}
	s->busy = 1;
	ob->stats.sent++;
	outbox_rate_note(s, util_monotonic());
	log_debug("outbox: sink %s: sending notification %s (attempt %lld)",
	    s->cfg->name, h->id, (long long)h->attempts + 1);
	rc = 1;
	goto done;
permanent:
	(void)store_outbox_fail(ob->store, h->id, err);
	ob->stats.failed++;
	util_strlcpy(s->last_error, err, sizeof s->last_error);
	log_error("outbox: sink %s: notification %s cannot be sent: %s",
	    s->cfg->name, h->id, err);
	rc = 0;
	goto done;
retry:
	(void)store_outbox_retry(ob->store, h->id, (int64_t)time(NULL) +
	    outbox_backoff(h->attempts + 1), err);
	ob->stats.retried++;
	s->stalled = 1;
	s->inflight[0] = '\0';
	util_strlcpy(s->last_error, err, sizeof s->last_error);
	log_warn("outbox: sink %s: notification %s not sent: %s",
	    s->cfg->name, h->id, err);
done:
	cJSON_Delete(stored);
	sink_out_cleanup(&o);
	return rc;
}

static void
outbox_pump_sink(struct outbox *ob, struct outbox_sink *s)
{
	struct outbox_head	 h;
	int64_t			 now;
	int			 r;

	s->wake = 0;
	while (s->enabled && !s->busy && !s->stalled && s->ops != NULL) {
		now = (int64_t)time(NULL);
		if ((r = outbox_head(ob, s, now, &h)) <= 0) {
			s->stalled = r == -1;
			break;
		}
		if (h.due > now && !ob->force) {
			s->wake = (double)h.due;
			free(h.payload);
			break;
		}
		if (!outbox_rate_ok(s, util_monotonic())) {
			free(h.payload);
			break;
		}
		r = outbox_send(ob, s, &h);
		free(h.payload);
		if (r != 0)
			break;
	}
}

static void
outbox_pump(struct outbox *ob)
{
	struct ev_loop	*loop = loop_get();
	size_t		 i;
	double		 wake = 0, now;

	for (i = 0; i < ob->nsinks; i++)
		outbox_pump_sink(ob, &ob->sinks[i]);
	if (outbox_busy(ob) > 0)
		return;
	if (ob->flushing && !ev_is_active(&ob->done_timer)) {
		ev_timer_set(&ob->done_timer, 0., 0.);
		ev_timer_start(loop, &ob->done_timer);
	}
	if (!ob->started)
		return;
	for (i = 0; i < ob->nsinks; i++)
		if (ob->sinks[i].wake > 0 && (wake == 0 ||
		    ob->sinks[i].wake < wake))
			wake = ob->sinks[i].wake;
	now = util_now();
	wake = wake == 0 ? OUTBOX_WAKE_MAX : wake - now;
	if (wake < 0.01)
		wake = 0.01;
	if (wake > OUTBOX_WAKE_MAX)
		wake = OUTBOX_WAKE_MAX;
	ev_timer_stop(loop, &ob->wake_timer);
	ev_timer_set(&ob->wake_timer, wake, 0.);
	ev_timer_start(loop, &ob->wake_timer);
}

static void
outbox_expire(struct outbox *ob, time_t now)
{
	int64_t	n = 0;

	if (store_outbox_expire(ob->store, (int64_t)now, &n) == -1) {
		log_error("outbox: %s", store_error(ob->store));
		return;
	}
	if (n > 0) {
		ob->stats.expired += n;
		log_warn("outbox: %lld notification%s expired undelivered",
		    (long long)n, n == 1 ? "" : "s");
	}
}

int
outbox_flush(struct outbox *ob, time_t now, void (*done)(void *), void *arg,
    char *err, size_t errlen)
{
	size_t	i;

	if (ob->flushing) {
		snprintf(err, errlen, "outbox: a flush is already running");
		return -1;
	}
	ob->flushing = 1;
	ob->done = done;
	ob->done_arg = arg;
	outbox_expire(ob, now);
	for (i = 0; i < ob->nsinks; i++)
		ob->sinks[i].stalled = 0;
	outbox_pump(ob);
	return 0;
}

void
outbox_start(struct outbox *ob)
{
	ob->started = 1;
	outbox_kick(ob);
}

void
outbox_stop(struct outbox *ob)
{
	ob->started = 0;
	ev_timer_stop(loop_get(), &ob->wake_timer);
}

void
outbox_kick(struct outbox *ob)
{
	struct ev_loop	*loop = loop_get();

	if (!ob->started)
		return;
	outbox_expire(ob, time(NULL));
	ev_timer_stop(loop, &ob->wake_timer);
	ev_timer_set(&ob->wake_timer, 0., 0.);
	ev_timer_start(loop, &ob->wake_timer);
}
