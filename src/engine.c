/*
 * The engine: one configuration's store, transport, AWS client, watches,
 * logs sources and outbox, and one cycle of all of them at once.
 */
#include "autoconf.h"

#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "aws.h"
#include "aws_creds.h"
#include "aws_proto.h"
#include "awsstack.h"
#include "buf.h"
#include "config.h"
#include "engine.h"
#include "http.h"
#include "log.h"
#include "logsrc.h"
#include "loop.h"
#include "outbox.h"
#include "selfmon.h"
#include "silence.h"
#include "store.h"
#include "util.h"
#include "watch.h"
#include "xmalloc.h"

struct engine {
	const struct config	*cfg;
	struct store		*store;
	struct awsstack		 stack;		/* owns http, creds, aws */
	struct http		*http;
	struct aws_creds	*creds;
	struct aws		*aws;
	struct outbox		*outbox;
	struct watch		**watches;
	size_t			 nwatches;
	struct logsrc		**logsrcs;
	size_t			 nlogsrcs;
	char			*wsel;		/* selected, one byte each */
	char			*lsel;
	char			 region[64];
	char			 account[32];
	struct alert_context	 actx;

	/* the cycle in flight */
	int			 dying;		/* engine_free: no more steps */
	int			 busy;
	int			 pending;
	int			 flags;
	time_t			 now;
	struct alert_batch	*report;
	struct alert_batch	*own_report;
	size_t			 report_base;
	struct engine_result	 res;
	engine_cb		 done;
	void			*done_arg;
};

/*
 * Holds PATH.lock while the database is opened: store_open() creates and
 * migrates a new file before store_lock() can be taken, and two cron runs
 * creating the same file at once would otherwise race. Returns the fd
 * (close it to release) or -1 with err.
 */
static int
engine_open_lock(const char *path, double wait, char *err, size_t errlen)
{
	struct timespec	 ts = { 0, 50 * 1000 * 1000 };
	char		 lockpath[1100];
	double		 deadline;
	int		 fd;

	snprintf(lockpath, sizeof lockpath, "%s.lock", path);
	fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "cannot open lock file %s: %s", lockpath,
		    strerror(errno));
		return -1;
	}
	deadline = util_monotonic() + wait;
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if ((errno != EWOULDBLOCK && errno != EINTR) ||
		    util_monotonic() >= deadline) {
			snprintf(err, errlen, "state database %s is locked by "
			    "another cwguard; gave up after %.1fs", path, wait);
			close(fd);
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	return fd;
}

struct engine_identity {
	int	 done;
	char	 account[32];
};

static void
engine_identity_done(const struct aws_result *r, void *arg)
{
	struct engine_identity	*id = arg;
	struct aws_reply	 reply;
	struct aws_error	 ae;
	struct aws_xml		*x;
	const char		*v;
	size_t			 i;

	id->done = 1;
	if (!r->ok)
		return;
	memset(&reply, 0, sizeof reply);
	reply.http_status = r->http_status;
	reply.body = r->body;
	reply.len = r->len;
	if (aws_xml_reply(&reply, "sts", &x, &ae) == -1)
		return;
	v = aws_xml_get(x, "GetCallerIdentityResponse/GetCallerIdentityResult/"
	    "Account");
	/* An account id is 12 digits; anything else is not shown. */
	if (v != NULL && strlen(v) == 12) {
		for (i = 0; i < 12 && v[i] >= '0' && v[i] <= '9'; i++)
			;
		if (i == 12)
			util_strlcpy(id->account, v, sizeof id->account);
	}
	aws_xml_free(x);
}

static int
engine_identity_finished(void *arg)
{
	return ((struct engine_identity *)arg)->done;
}

/*
 * The account id for alert payloads, from sts:GetCallerIdentity (free, no
 * permission needed). A failure leaves it empty: credentials problems
 * surface in the cycles themselves, with their own messages.
 */
static void
engine_identify(struct engine *e)
{
	struct engine_identity	*id;
	struct buf		 body;
	char			 err[256];

	id = xcalloc(1, sizeof *id);
	buf_init(&body, 1024);
	aws_query_begin(&body, "GetCallerIdentity", "2011-06-15");
	if (aws_call_query(e->aws, AWS_SVC_STS, "GetCallerIdentity",
	    body.data, body.len, engine_identity_done, id, err,
	    sizeof err) == 0 && !id->done)
		(void)loop_run_until(engine_identity_finished, id, 15);
	buf_cleanup(&body);
	if (!id->done) {
		/* Still in flight: the callback will write into id later. */
		log_debug("sts: GetCallerIdentity did not answer in time");
		return;
	}
	util_strlcpy(e->account, id->account, sizeof e->account);
	if (e->account[0] == '\0')
		log_debug("sts: account unknown (GetCallerIdentity failed)");
	free(id);
}

struct engine *
engine_new(const struct config *cfg, const struct engine_options *opt,
    char *err, size_t errlen)
{
	struct engine		*e;
	struct engine_options	 defopt;
	struct config_watch	*cw;
	struct config_logs	*cl;
	unsigned char		 key[STORE_KEY_LEN];
	const char		*path;
	char			 e2[400];
	size_t			 n;
	int			 lockfd = -1;

	if (opt == NULL) {
		memset(&defopt, 0, sizeof defopt);
		defopt.lock_wait = -1;
		opt = &defopt;
	}
	e = xcalloc(1, sizeof *e);
	e->cfg = cfg;
	path = opt->state != NULL ? opt->state : cfg->state;
	if (opt->lock_wait >= 0 && (lockfd = engine_open_lock(path,
	    opt->lock_wait, err, errlen)) == -1)
		goto fail;
	e->store = store_open(path, STORE_CREATE, e2, sizeof e2);
	if (lockfd != -1)
		close(lockfd);
	if (e->store == NULL) {
		snprintf(err, errlen, "state database: %s", e2);
		goto fail;
	}
	if (opt->lock_wait >= 0 && store_lock(e->store, opt->lock_wait, e2,
	    sizeof e2) == -1) {
		snprintf(err, errlen, "%s", e2);
		goto fail;
	}
	if (awsstack_open(&e->stack, cfg, 0, e2, sizeof e2) == -1) {
		snprintf(err, errlen, "%s", e2);
		goto fail;
	}
	e->http = e->stack.http;
	e->creds = e->stack.creds;
	e->aws = e->stack.aws;
	util_strlcpy(e->region, e->stack.region, sizeof e->region);
	engine_identify(e);
	e->actx.account = e->account;
	e->actx.region = e->region;
	/* Silences and mute windows hold notifications back. */
	if (!opt->no_outbox)
		alert_hold_set(silence_hold, (void *)cfg);

	n = 0;
	TAILQ_FOREACH(cw, &cfg->watches, entry)
		n++;
	e->watches = xcalloc(n + 1, sizeof *e->watches);
	e->wsel = xcalloc(n + 1, 1);
	TAILQ_FOREACH(cw, &cfg->watches, entry) {
		if ((e->watches[e->nwatches] = watch_new(cfg, cw, e->aws,
		    e->store, e2, sizeof e2)) == NULL) {
			snprintf(err, errlen, "watch %s: %s", cw->name, e2);
			goto fail;
		}
		e->wsel[e->nwatches++] = 1;
	}
	n = 0;
	TAILQ_FOREACH(cl, &cfg->logs, entry)
		n++;
	e->logsrcs = xcalloc(n + 1, sizeof *e->logsrcs);
	e->lsel = xcalloc(n + 1, 1);
	if (!opt->no_logs && n > 0) {
		if (store_install_key(e->store, key) == -1) {
			snprintf(err, errlen, "state database: %s",
			    store_error(e->store));
			goto fail;
		}
		TAILQ_FOREACH(cl, &cfg->logs, entry) {
			if ((e->logsrcs[e->nlogsrcs] = logsrc_new(cl, e->aws,
			    e->store, key, e2, sizeof e2)) == NULL) {
				util_wipe(key, sizeof key);
				snprintf(err, errlen, "logs %s: %s", cl->name,
				    e2);
				goto fail;
			}
			e->lsel[e->nlogsrcs++] = 1;
		}
		util_wipe(key, sizeof key);
	}
	if (!opt->no_outbox && (e->outbox = outbox_new(e->store, cfg, e->http,
	    e->aws, e2, sizeof e2)) == NULL) {
		snprintf(err, errlen, "outbox: %s", e2);
		goto fail;
	}
	return e;
fail:
	engine_free(e);
	return NULL;
}

void
engine_free(struct engine *e)
{
	size_t	i;

	if (e == NULL)
		return;
	alert_hold_clear((void *)e->cfg);
	e->dying = 1;
	for (i = 0; i < e->nlogsrcs; i++)
		logsrc_stop(e->logsrcs[i]);
	if (e->outbox != NULL)
		outbox_stop(e->outbox);
	/* cancel what is in flight; callbacks see "cancelled" */
	if (e->http != NULL)
		http_cancel_all(e->http);
	for (i = 0; i < e->nlogsrcs; i++)
		logsrc_free(e->logsrcs[i]);
	free(e->logsrcs);
	free(e->lsel);
	for (i = 0; i < e->nwatches; i++)
		watch_free(e->watches[i]);
	free(e->watches);
	free(e->wsel);
	outbox_free(e->outbox);
	alert_batch_free(e->own_report);
	awsstack_close(&e->stack);
	store_close(e->store);
	free(e);
}

int
engine_select(struct engine *e, char *const *names, char *err, size_t errlen)
{
	size_t	i;
	int	found;

	for (i = 0; i < e->nwatches; i++)
		e->wsel[i] = names == NULL || names[0] == NULL;
	for (i = 0; i < e->nlogsrcs; i++)
		e->lsel[i] = names == NULL || names[0] == NULL;
	for (; names != NULL && *names != NULL; names++) {
		found = 0;
		for (i = 0; i < e->nwatches; i++)
			if (strcmp(watch_name(e->watches[i]), *names) == 0)
				e->wsel[i] = found = 1;
		for (i = 0; i < e->nlogsrcs; i++)
			if (strcmp(logsrc_name(e->logsrcs[i]), *names) == 0)
				e->lsel[i] = found = 1;
		if (!found) {
			snprintf(err, errlen, "no [watch %s] or [logs %s] in "
			    "the config", *names, *names);
			return -1;
		}
	}
	return 0;
}

static void
engine_note_error(struct engine *e, const char *what, const char *name,
    const char *error)
{
	static const char	 more[] = "; and more";
	size_t			 len = strlen(e->res.error), room;
	int			 n;


	e->res.failed++;
	if (len >= sizeof more - 1 &&
	    strcmp(e->res.error + len - (sizeof more - 1), more) == 0)
		return;
	/* Whole errors only, and room kept to say some were left out. */
	room = sizeof e->res.error - len - (sizeof more - 1);
	n = snprintf(e->res.error + len, room, "%s%s %s: %s", len ? "; " : "",
	    what, name, error != NULL ? error : "failed");
	if (n >= 0 && (size_t)n < room)
		return;
	if (len > 0) {
		memcpy(e->res.error + len, more, sizeof more);
		return;
	}
	/* The first error alone is too long: cut it after a word. */
	len = alert_utf8_cut(e->res.error, strlen(e->res.error), room - 5);
	while (len > room / 2 && e->res.error[len - 1] != ' ')
		len--;
	while (len > 0 && e->res.error[len - 1] == ' ')
		len--;
	memcpy(e->res.error + len, " ...", 5);
}

static void
engine_finish(struct engine *e)
{
	engine_cb	 done = e->done;
	void		*arg = e->done_arg;
	const struct alert *a;
	size_t		 i, n;

	for (i = 0; i < e->nwatches; i++) {
		const struct watch_stats *st;

		if (!e->wsel[i])
			continue;
		st = watch_stats(e->watches[i]);
		e->res.entities += st->entities;
		e->res.metrics_requested += st->metrics_requested;
		e->res.pending += st->pending;
		e->res.firing += st->firing;
	}
	n = alert_batch_count(e->report);
	for (i = e->report_base; i < n; i++) {
		a = alert_batch_get(e->report, i);
		if (a != NULL && a->kind == ALERT_SECRET)
			e->res.findings++;
	}
	e->busy = 0;
	if (done != NULL)
		done(&e->res, arg);
}

static void
engine_outbox_done(void *arg)
{
	engine_finish(arg);
}

/* One source is done; the last one flushes the outbox. */
static void
engine_source_done(struct engine *e)
{
	char	err[256];

	if (--e->pending > 0 || e->dying)
		return;
	if (e->outbox != NULL && !(e->flags & ENGINE_DRY_RUN) &&
	    silence_release(e->store, e->cfg, &e->actx, time(NULL), NULL, err,
	    sizeof err) == -1)
		log_warn("%s", err);
	if (e->outbox != NULL && !(e->flags & ENGINE_DRY_RUN)) {
		if (outbox_flush(e->outbox, time(NULL), engine_outbox_done, e, err,
		    sizeof err) == 0)
			return;
		log_warn("outbox: %s", err);
		e->res.outbox_failed = 1;
	}
	engine_finish(e);
}

struct engine_src {
	struct engine	*e;
	const char	*what;
	const char	*name;
};

static void
engine_src_cb(int ok, const char *error, void *arg)
{
	struct engine_src	*s = arg;
	struct engine		*e = s->e;
	char			 err[512];

	if (!ok)
		engine_note_error(e, s->what, s->name, error);
	/* cwguard's own health (not for a dry run or a backtest) */
	if (e->outbox != NULL && !(e->flags & ENGINE_DRY_RUN) &&
	    selfmon_cycle(e->store, e->cfg, &e->actx, s->what, s->name, ok,
	    error, time(NULL), err, sizeof err) == -1)
		log_warn("%s", err);
	free(s);
	engine_source_done(e);
}

int
engine_cycle_once(struct engine *e, time_t now, int flags,
    struct alert_batch *report, engine_cb done, void *arg, char *err,
    size_t errlen)
{
	struct engine_src	*s;
	char			 e2[400];
	size_t			 i;

	if (e->busy) {
		snprintf(err, errlen, "a cycle is already running");
		return -1;
	}
	memset(&e->res, 0, sizeof e->res);
	if (report == NULL) {
		if (e->own_report == NULL)
			e->own_report = alert_batch_new();
		report = e->own_report;
	}
	e->report = report;
	e->report_base = alert_batch_count(report);
	e->flags = flags;
	e->now = now;
	e->done = done;
	e->done_arg = arg;
	e->busy = 1;
	e->pending = 1;		/* held until every source has started */
	for (i = 0; i < e->nwatches; i++) {
		if (!e->wsel[i])
			continue;
		s = xcalloc(1, sizeof *s);
		s->e = e;
		s->what = "watch";
		s->name = watch_name(e->watches[i]);
		e->res.sources++;
		e->pending++;
		if (watch_cycle(e->watches[i], now, (flags & ENGINE_DRY_RUN) ?
		    WATCH_DRY_RUN : 0, &e->actx, report, engine_src_cb, s, e2,
		    sizeof e2) == -1) {
			engine_note_error(e, "watch", s->name, e2);
			free(s);
			e->pending--;
		}
	}
	for (i = 0; i < e->nlogsrcs; i++) {
		if (!e->lsel[i])
			continue;
		s = xcalloc(1, sizeof *s);
		s->e = e;
		s->what = "logs";
		s->name = logsrc_name(e->logsrcs[i]);
		e->res.sources++;
		e->pending++;
		if (logsrc_cycle(e->logsrcs[i], now, e->cfg->lag,
		    (flags & ENGINE_DRY_RUN) ? LOGSRC_DRY_RUN : 0, &e->actx,
		    report, engine_src_cb, s, e2, sizeof e2) == -1) {
			engine_note_error(e, "logs", s->name, e2);
			free(s);
			e->pending--;
		}
	}
	/* drop the hold: with nothing in flight this finishes now */
	engine_source_done(e);
	return 0;
}

struct store *
engine_store(struct engine *e)
{
	return e->store;
}

struct aws *
engine_aws(struct engine *e)
{
	return e->aws;
}

struct http *
engine_http(struct engine *e)
{
	return e->http;
}

struct outbox *
engine_outbox(struct engine *e)
{
	return e->outbox;
}

const struct alert_context *
engine_alert_context(struct engine *e)
{
	return &e->actx;
}

size_t
engine_nwatches(const struct engine *e)
{
	return e->nwatches;
}

struct watch *
engine_watch(struct engine *e, size_t i)
{
	return i < e->nwatches ? e->watches[i] : NULL;
}

size_t
engine_nlogsrcs(const struct engine *e)
{
	return e->nlogsrcs;
}

struct logsrc *
engine_logsrc(struct engine *e, size_t i)
{
	return i < e->nlogsrcs ? e->logsrcs[i] : NULL;
}
