/*
 * A logs source (see logsrc.h): resolve the log groups, run Logs Insights
 * queries over the cycle's window (at most 50 groups per query, a few
 * queries in flight), split windows whose query came back full, scan the
 * rows and record findings, then move the cursor.
 *
 * Each finished query's rows are stored in their own transaction (with
 * their @ptr, so a re-read row is skipped); the transaction of the last
 * one also moves the cursor, so the cursor never passes a row that was not
 * processed. A failed cycle leaves the cursor where it was.
 *
 * Every AWS call carries a small struct call; logsrc_stop() detaches them,
 * so a reply that arrives after the source is gone only frees memory (and
 * stops a query that had just started).
 */
#include "autoconf.h"

#include <sys/queue.h>

#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "alert.h"
#include "aws.h"
#include "config.h"
#include "log.h"
#include "logsrc.h"
#include "loop.h"
#include "scanner.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define GROUPS_TTL		600	/* DescribeLogGroups cache, seconds */
#define GROUPS_MAX		20000
#define DESCRIBE_PAGES_MAX	1000
#define PARALLEL_DEFAULT	4
#define POLL_FIRST		0.2	/* GetQueryResults backoff, seconds */
#define POLL_FACTOR		1.5
#define POLL_CAP		5.0
#define QUERY_TIMEOUT		(20 * 60.0)
#define LIMIT_RETRIES		6	/* LimitExceededException on StartQuery */
#define LIMIT_DELAY_FIRST	1.0
#define LIMIT_DELAY_CAP		30.0
#define LINE_MAX_SCAN		(256 * 1024)

enum task_state {
	TASK_QUEUED = 0,
	TASK_STARTING,		/* StartQuery in flight */
	TASK_WAIT_START,	/* backing off after LimitExceededException */
	TASK_WAIT_POLL,		/* poll timer armed */
	TASK_POLLING		/* GetQueryResults in flight */
};

struct logsrc;

/* One query: a batch of groups over one window. */
struct task {
	TAILQ_ENTRY(task)	 entry;
	struct logsrc		*ls;
	size_t			 first, ngroups;	/* into ls->groups */
	int64_t			 start, end;		/* inclusive seconds */
	enum task_state		 state;
	char			*query_id;
	int			 limit_retries;
	double			 poll_delay;
	double			 started;		/* monotonic */
	ev_timer		 timer;
};
TAILQ_HEAD(tasks, task);

enum call_kind {
	CALL_DESCRIBE = 0,
	CALL_START,
	CALL_RESULTS,
	CALL_STOP
};

/* An AWS call in flight; ls is NULL once the source has let go. */
struct call {
	LIST_ENTRY(call)	 entry;
	struct logsrc		*ls;
	struct task		*task;
	struct aws		*aws;
	enum call_kind		 kind;
};
LIST_HEAD(calls, call);

struct logsrc {
	const struct config_logs *cfg;
	struct aws		*aws;
	struct store		*store;
	struct scanner		*scanner;
	char			*source;	/* "logs:NAME" */
	char			*query;
	int			 limit;
	int			 parallel;
	struct logsrc_stats	 stats;

	/* log groups: the cache, and a resolution in progress */
	char			**groups;
	size_t			 ngroups;
	time_t			 groups_at;
	char			**rgroups;
	size_t			 nrgroups;
	size_t			 rpattern;
	int			 rpages;

	/* the cycle in flight */
	int			 busy;
	time_t			 now;
	int			 flags;
	const struct alert_context *ctx;
	struct alert_batch	*report;
	logsrc_cb		 done;
	void			*done_arg;
	int64_t			 start, end;
	int			 have_window;
	int			 stored_end;	/* cursor stored with rows */
	struct tasks		 queue;
	struct tasks		 running;
	size_t			 inflight;
	int			 failed;
	char			 error[256];
	double			 bytes;		/* this cycle */
	long long		 cycle_rows;	/* rows returned this cycle */
	struct calls		 calls;
	ev_timer		 kick;		/* starts a cycle from the loop */
};

static void	resolve_next(struct logsrc *);
static void	pump(struct logsrc *);
static void	task_start(struct task *);
static void	task_end(struct task *);
static size_t	keep_and_split(struct task *, const struct logsrc_results *);
static void	cycle_finish(struct logsrc *);
static void	plan(struct logsrc *);

static struct config_sink *const no_sinks[] = { NULL };

static void
collect_keyword(const char *kw, void *arg)
{
	struct {
		char	**v;
		size_t	  n;
	} *k = arg;
	size_t	i;

	for (i = 0; i < k->n; i++)
		if (strcmp(k->v[i], kw) == 0)
			return;
	k->v = xreallocarray(k->v, k->n + 1, sizeof *k->v);
	k->v[k->n++] = xstrdup(kw);
}

static int
build_query(struct logsrc *ls, char *err, size_t errlen)
{
	struct {
		char	**v;
		size_t	  n;
	} k = { NULL, 0 };
	size_t	i;
	char	e[200];

	free(ls->query);
	ls->query = NULL;
	if (ls->cfg->prefilter && ls->cfg->secrets)
		scanner_keywords(ls->scanner, collect_keyword, &k);
	ls->query = logsrc_query_string((const char *const *)k.v, k.n,
	    ls->limit, e, sizeof e);
	if (ls->query == NULL && k.n > 0) {
		log_warn("logs %s: prefilter off: %s", ls->cfg->name, e);
		ls->query = logsrc_query_string(NULL, 0, ls->limit, e,
		    sizeof e);
	}
	for (i = 0; i < k.n; i++)
		free(k.v[i]);
	free(k.v);
	if (ls->query == NULL) {
		snprintf(err, errlen, "logs %s: %s", ls->cfg->name, e);
		return -1;
	}
	return 0;
}

static void	kick_cb(struct ev_loop *, ev_timer *, int);

struct logsrc *
logsrc_new(const struct config_logs *cfg, struct aws *aws,
    struct store *store, const unsigned char key[32], char *err,
    size_t errlen)
{
	struct logsrc		*ls;
	struct scanner_rules	*rules = NULL;
	char			 e[400];

	ls = xcalloc(1, sizeof *ls);
	ls->cfg = cfg;
	ls->aws = aws;
	ls->store = store;
	ls->limit = LOGSRC_LIMIT;
	ls->parallel = PARALLEL_DEFAULT;
	ls->source = xasprintf("logs:%s", cfg->name);
	TAILQ_INIT(&ls->queue);
	TAILQ_INIT(&ls->running);
	LIST_INIT(&ls->calls);
	ev_timer_init(&ls->kick, kick_cb, 0., 0.);
	ls->kick.data = ls;
	if (cfg->rules != NULL &&
	    (rules = scanner_rules_load(cfg->rules, e, sizeof e)) == NULL) {
		snprintf(err, errlen, "logs %s: %s", cfg->name, e);
		goto fail;
	}
	ls->scanner = scanner_new(rules, e, sizeof e);
	scanner_rules_free(rules);
	if (ls->scanner == NULL) {
		snprintf(err, errlen, "logs %s: %s", cfg->name, e);
		goto fail;
	}
	scanner_set_key(ls->scanner, key);
	if (build_query(ls, err, errlen) == -1)
		goto fail;
	return ls;
fail:
	logsrc_free(ls);
	return NULL;
}

static void
free_list(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
task_free(struct task *t)
{
	if (t == NULL)
		return;
	if (t->ls != NULL)
		ev_timer_stop(loop_get(), &t->timer);
	free(t->query_id);
	free(t);
}

void
logsrc_free(struct logsrc *ls)
{
	struct task	*t;

	if (ls == NULL)
		return;
	logsrc_stop(ls);
	while ((t = TAILQ_FIRST(&ls->queue)) != NULL) {
		TAILQ_REMOVE(&ls->queue, t, entry);
		task_free(t);
	}
	ev_timer_stop(loop_get(), &ls->kick);
	scanner_free(ls->scanner);
	free_list(ls->groups, ls->ngroups);
	free_list(ls->rgroups, ls->nrgroups);
	free(ls->query);
	free(ls->source);
	free(ls);
}

void
logsrc_set_limit(struct logsrc *ls, int limit)
{
	char	e[200];
	int	old = ls->limit;

	ls->limit = limit;
	if (build_query(ls, e, sizeof e) == -1) {
		log_warn("%s", e);
		ls->limit = old;
		(void)build_query(ls, e, sizeof e);
	}
}

void
logsrc_set_parallel(struct logsrc *ls, int n)
{
	ls->parallel = n < 1 ? 1 : n;
}

const struct logsrc_stats *
logsrc_stats(const struct logsrc *ls)
{
	return &ls->stats;
}

const char *
logsrc_name(const struct logsrc *ls)
{
	return ls->cfg->name;
}

const char *
logsrc_source(const struct logsrc *ls)
{
	return ls->source;
}

/* --- AWS calls --------------------------------------------------------- */

static void	call_done(const struct aws_result *, void *);

static int
call_json(struct logsrc *ls, struct task *t, enum call_kind kind,
    const char *op, cJSON *req, char *err, size_t errlen)
{
	struct call	*c;
	char		*body;
	int		 rc;

	body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (body == NULL)
		fatal("cJSON: out of memory");
	c = xcalloc(1, sizeof *c);
	c->ls = ls;
	c->task = t;
	c->aws = ls->aws;
	c->kind = kind;
	LIST_INSERT_HEAD(&ls->calls, c, entry);
	rc = aws_call_json(ls->aws, AWS_SVC_LOGS, op, body, call_done, c,
	    err, errlen);
	free(body);
	if (rc == -1) {
		LIST_REMOVE(c, entry);
		free(c);
	}
	return rc;
}

/* StopQuery, fire and forget. */
static void
stop_query(struct aws *aws, const char *id)
{
	struct call	*c;
	cJSON		*req;
	char		*body, e[200];

	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "queryId", id);
	body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (body == NULL)
		fatal("cJSON: out of memory");
	c = xcalloc(1, sizeof *c);
	c->aws = aws;
	c->kind = CALL_STOP;
	if (aws_call_json(aws, AWS_SVC_LOGS, "StopQuery", body, call_done, c,
	    e, sizeof e) == -1)
		free(c);
	free(body);
}

static void
cycle_fail(struct logsrc *ls, const char *fmt, const char *detail)
{
	char	msg[sizeof ls->error];

	snprintf(msg, sizeof msg, fmt, detail);
	if (!ls->failed) {
		util_strlcpy(ls->error, msg, sizeof ls->error);
		log_error("logs %s: %s", ls->cfg->name, msg);
	} else
		log_debug("logs %s: %s", ls->cfg->name, msg);
	ls->failed = 1;
}

/* --- log groups -------------------------------------------------------- */

static int
group_wanted(const struct logsrc *ls, const char *name)
{
	char	**p, prefix[2];

	for (p = ls->cfg->log_groups; p != NULL && *p != NULL; p++) {
		if (logsrc_glob_prefix(*p, prefix, sizeof prefix) ?
		    util_glob_match(*p, name) : strcmp(*p, name) == 0)
			return 1;
	}
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
resolve_done(struct logsrc *ls)
{
	size_t	i, j;

	qsort(ls->rgroups, ls->nrgroups, sizeof *ls->rgroups, cmp_str);
	for (i = 0, j = 0; i < ls->nrgroups; i++) {
		if (j > 0 && strcmp(ls->rgroups[j - 1], ls->rgroups[i]) == 0)
			free(ls->rgroups[i]);
		else
			ls->rgroups[j++] = ls->rgroups[i];
	}
	free_list(ls->groups, ls->ngroups);
	ls->groups = ls->rgroups;
	ls->ngroups = j;
	ls->rgroups = NULL;
	ls->nrgroups = 0;
	ls->groups_at = ls->now;
	if (ls->ngroups == 0)
		log_warn("logs %s: no log group matches", ls->cfg->name);
	else
		log_debug("logs %s: %zu log groups", ls->cfg->name,
		    ls->ngroups);
}

static void
describe(struct logsrc *ls, const char *token)
{
	cJSON	*req;
	char	 prefix[600], err[300];

	logsrc_glob_prefix(ls->cfg->log_groups[ls->rpattern], prefix,
	    sizeof prefix);
	req = cJSON_CreateObject();
	if (prefix[0] != '\0')
		cJSON_AddStringToObject(req, "logGroupNamePrefix", prefix);
	cJSON_AddNumberToObject(req, "limit", 50);
	if (token != NULL)
		cJSON_AddStringToObject(req, "nextToken", token);
	ls->rpages++;
	if (call_json(ls, NULL, CALL_DESCRIBE, "DescribeLogGroups", req, err,
	    sizeof err) == -1) {
		cycle_fail(ls, "DescribeLogGroups: %s", err);
		pump(ls);
	}
}

/* The next pattern, or the end of the resolution. */
static void
resolve_next(struct logsrc *ls)
{
	if (ls->cfg->log_groups != NULL &&
	    ls->cfg->log_groups[ls->rpattern] != NULL) {
		describe(ls, NULL);
		return;
	}
	resolve_done(ls);
	plan(ls);
	pump(ls);
}

static void
describe_reply(struct logsrc *ls, const struct aws_result *r)
{
	struct aws_reply	 reply;
	struct aws_error	 ae;
	cJSON			*doc = NULL;
	const cJSON		*g, *name, *token;
	char			 e[600];

	if (!r->ok) {
		aws_error_format(&r->error, e, sizeof e);
		goto fail;
	}
	memset(&reply, 0, sizeof reply);
	reply.http_status = r->http_status;
	reply.body = r->body;
	reply.len = r->len;
	if (aws_json_reply(&reply, "logs", &doc, &ae) == -1) {
		aws_error_format(&ae, e, sizeof e);
		goto fail;
	}
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(doc,
	    "logGroups")) {
		name = cJSON_GetObjectItemCaseSensitive(g, "logGroupName");
		if (!cJSON_IsString(name) || !group_wanted(ls,
		    name->valuestring))
			continue;
		if (ls->nrgroups >= GROUPS_MAX) {
			snprintf(e, sizeof e, "more than %d log groups",
			    GROUPS_MAX);
			goto fail;
		}
		ls->rgroups = xreallocarray(ls->rgroups, ls->nrgroups + 1,
		    sizeof *ls->rgroups);
		ls->rgroups[ls->nrgroups++] = xstrdup(name->valuestring);
	}
	token = cJSON_GetObjectItemCaseSensitive(doc, "nextToken");
	if (cJSON_IsString(token) && token->valuestring[0] != '\0') {
		if (ls->rpages >= DESCRIBE_PAGES_MAX) {
			snprintf(e, sizeof e, "more than %d pages",
			    DESCRIBE_PAGES_MAX);
			goto fail;
		}
		describe(ls, token->valuestring);
	} else {
		ls->rpattern++;
		resolve_next(ls);
	}
	cJSON_Delete(doc);
	return;
fail:
	cJSON_Delete(doc);
	free_list(ls->rgroups, ls->nrgroups);
	ls->rgroups = NULL;
	ls->nrgroups = 0;
	if (ls->groups != NULL) {
		/* A stale list beats no scan at all. */
		log_warn("logs %s: DescribeLogGroups: %s; using the list of "
		    "%zu groups from before", ls->cfg->name, e, ls->ngroups);
		plan(ls);
		pump(ls);
		return;
	}
	cycle_fail(ls, "DescribeLogGroups: %s", e);
	pump(ls);
}

/* --- queries ----------------------------------------------------------- */

static void
task_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct task	*t = w->data;
	cJSON		*req;
	char		 err[300];

	(void)loop;
	(void)revents;
	if (t->state == TASK_WAIT_START) {
		task_start(t);
		return;
	}
	t->state = TASK_POLLING;
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "queryId", t->query_id);
	if (call_json(t->ls, t, CALL_RESULTS, "GetQueryResults", req, err,
	    sizeof err) == -1) {
		cycle_fail(t->ls, "GetQueryResults: %s", err);
		task_end(t);
	}
}

static struct task *
task_new(struct logsrc *ls, size_t first, size_t n, int64_t start,
    int64_t end)
{
	struct task	*t;

	t = xcalloc(1, sizeof *t);
	t->ls = ls;
	t->first = first;
	t->ngroups = n;
	t->start = start;
	t->end = end;
	ev_timer_init(&t->timer, task_timer_cb, 0., 0.);
	t->timer.data = t;
	return t;
}

static void
task_start(struct task *t)
{
	struct logsrc	*ls = t->ls;
	cJSON		*req, *names;
	size_t		 i;
	char		 err[300];

	req = cJSON_CreateObject();
	names = cJSON_AddArrayToObject(req, "logGroupNames");
	for (i = 0; i < t->ngroups; i++)
		cJSON_AddItemToArray(names,
		    cJSON_CreateString(ls->groups[t->first + i]));
	cJSON_AddNumberToObject(req, "startTime", (double)t->start);
	cJSON_AddNumberToObject(req, "endTime", (double)t->end);
	cJSON_AddStringToObject(req, "queryString", ls->query);
	cJSON_AddNumberToObject(req, "limit", ls->limit);
	t->state = TASK_STARTING;
	ls->stats.queries++;
	if (call_json(ls, t, CALL_START, "StartQuery", req, err,
	    sizeof err) == -1) {
		cycle_fail(ls, "StartQuery: %s", err);
		task_end(t);
	}
}

/* A task is over (done or failed): start the next ones, or finish. */
static void
task_end(struct task *t)
{
	struct logsrc	*ls = t->ls;

	TAILQ_REMOVE(&ls->running, t, entry);
	ls->inflight--;
	task_free(t);
	pump(ls);
}

static void
start_reply(struct task *t, const struct aws_result *r)
{
	struct logsrc		*ls = t->ls;
	struct aws_reply	 reply;
	struct aws_error	 ae;
	cJSON			*doc = NULL;
	const cJSON		*id;
	double			 delay;
	char			 e[600];
	int			 i;

	if (!r->ok) {
		if (strcmp(r->error.code, "LimitExceededException") == 0 &&
		    t->limit_retries < LIMIT_RETRIES && !ls->failed) {
			/* The account's concurrent query quota: later. */
			delay = LIMIT_DELAY_FIRST;
			for (i = 0; i < t->limit_retries; i++)
				delay *= 2;
			if (delay > LIMIT_DELAY_CAP)
				delay = LIMIT_DELAY_CAP;
			t->limit_retries++;
			ls->stats.limit_retries++;
			log_info("logs %s: concurrent query limit reached; "
			    "retrying in %.0f s", ls->cfg->name, delay);
			t->state = TASK_WAIT_START;
			ev_timer_set(&t->timer, delay, 0.);
			ev_timer_start(loop_get(), &t->timer);
			return;
		}
		cycle_fail(ls, "StartQuery: %s",
		    aws_error_format(&r->error, e, sizeof e));
		if (strcmp(r->error.code, "ResourceNotFoundException") == 0)
			ls->groups_at = 0;	/* a group went away */
		task_end(t);
		return;
	}
	memset(&reply, 0, sizeof reply);
	reply.http_status = r->http_status;
	reply.body = r->body;
	reply.len = r->len;
	if (aws_json_reply(&reply, "logs", &doc, &ae) == -1) {
		cycle_fail(ls, "StartQuery: %s",
		    aws_error_format(&ae, e, sizeof e));
		task_end(t);
		return;
	}
	id = cJSON_GetObjectItemCaseSensitive(doc, "queryId");
	if (!cJSON_IsString(id) || id->valuestring[0] == '\0' ||
	    strlen(id->valuestring) > 256) {
		cJSON_Delete(doc);
		cycle_fail(ls, "StartQuery: %s", "reply without a queryId");
		task_end(t);
		return;
	}
	t->query_id = xstrdup(id->valuestring);
	cJSON_Delete(doc);
	t->started = util_monotonic();
	t->poll_delay = POLL_FIRST;
	t->state = TASK_WAIT_POLL;
	ev_timer_set(&t->timer, t->poll_delay, 0.);
	ev_timer_start(loop_get(), &t->timer);
}

/* --- rows -------------------------------------------------------------- */

struct scan_ctx {
	struct logsrc		*ls;
	const struct logsrc_row	*row;
	const char		*group;
	struct alert_batch	*batch;
	int			 error;
};

static int
on_finding(const struct scanner_finding *f, void *arg)
{
	struct scan_ctx		*sc = arg;
	struct logsrc		*ls = sc->ls;
	struct store_finding	 sf;
	struct alert		 a;
	char			 fp[65];
	int			 is_new = 0, notify = 0;

	ls->stats.findings++;
	util_hex(f->fingerprint, sizeof f->fingerprint, fp);
	if (store_finding_seen(ls->store, fp, f->rule, sc->group, f->redacted,
	    (int64_t)ls->now, ls->cfg->repeat, &is_new, &notify) == -1) {
		sc->error = 1;
		return 1;
	}
	if (!notify)
		return 0;
	alert_init(&a, ALERT_SECRET);
	a.status = ALERT_FIRING;
	a.repeat = !is_new;
	a.at = (time_t)(sc->row->ts_ms / 1000);
	util_strlcpy(a.source, ls->cfg->name, sizeof a.source);
	util_strlcpy(a.rule, f->rule, sizeof a.rule);
	util_strlcpy(a.log_group, sc->group, sizeof a.log_group);
	util_strlcpy(a.log_stream, sc->row->stream, sizeof a.log_stream);
	util_strlcpy(a.redacted, f->redacted, sizeof a.redacted);
	util_strlcpy(a.fingerprint, fp, sizeof a.fingerprint);
	util_strlcpy(a.aws_account, f->aws_account, sizeof a.aws_account);
	a.count = 1;
	if (store_finding_get(ls->store, fp, sc->group, &sf) == 1)
		a.count = sf.count;
	alert_links_logs(&a, ls->cfg, ls->ctx != NULL ? ls->ctx->region : "");
	alert_batch_add(sc->batch, &a, ls->cfg->sink_ptrs != NULL ?
	    ls->cfg->sink_ptrs : no_sinks);
	if (ls->report != NULL)
		alert_batch_add(ls->report, &a, ls->cfg->sink_ptrs != NULL ?
		    ls->cfg->sink_ptrs : no_sinks);
	ls->stats.notifications++;
	return 0;
}

/* Scans one message line by line; the multi-line state is per row. */
static int
scan_row(struct scan_ctx *sc)
{
	const char	*p = sc->row->message, *end, *nl;
	size_t		 len;

	scanner_reset(sc->ls->scanner);
	end = p + sc->row->message_len;
	while (p < end && !sc->error) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl != NULL ? nl : end) - p);
		if (len > LINE_MAX_SCAN)
			len = LINE_MAX_SCAN;
		(void)scanner_scan_line(sc->ls->scanner, p, len, on_finding,
		    sc);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (!sc->error)
		(void)scanner_finish(sc->ls->scanner, on_finding, sc);
	return sc->error ? -1 : 0;
}

/* Inside the transaction: the cursor, ptr pruning, bytes, the cycle. */
static int
store_cycle_end(struct logsrc *ls)
{
	char	key[STORE_NAME_MAX + 32], v[64];
	double	total = 0;

	if (ls->have_window) {
		if (store_cursor_put(ls->store, ls->source, ls->end + 1) == -1 ||
		    store_ptr_prune(ls->store, ls->source,
		    ls->end + 1 - ls->cfg->overlap, NULL) == -1)
			return -1;
		/* The density plan() cuts the next window by. */
		snprintf(key, sizeof key, "%s:rows_per_second", ls->source);
		snprintf(v, sizeof v, "%.6g", (double)ls->cycle_rows /
		    (double)(ls->end - ls->start + 1));
		if (store_meta_put(ls->store, key, v) == -1)
			return -1;
	}
	snprintf(key, sizeof key, "%s:bytes_scanned", ls->source);
	if (store_meta_get(ls->store, key, v, sizeof v) == 1)
		total = strtod(v, NULL);
	else {
		/* When the running total starts: `config cost` needs a rate. */
		snprintf(key, sizeof key, "%s:bytes_since", ls->source);
		snprintf(v, sizeof v, "%lld", (long long)time(NULL));
		if (store_meta_put(ls->store, key, v) == -1)
			return -1;
		snprintf(key, sizeof key, "%s:bytes_scanned", ls->source);
	}
	snprintf(v, sizeof v, "%.0f", total + ls->bytes);
	if (store_meta_put(ls->store, key, v) == -1)
		return -1;
	return store_cycle_put(ls->store, ls->source, (int64_t)ls->now, 1,
	    "");
}

static int
is_last(struct logsrc *ls)
{
	return !ls->failed && TAILQ_EMPTY(&ls->queue) && ls->inflight == 1;
}

/*
 * Stores one query's rows in a transaction; the last query's transaction
 * also moves the cursor.
 */
static int
store_rows(struct task *t, const struct logsrc_results *res)
{
	struct logsrc		*ls = t->ls;
	struct scan_ctx		 sc;
	struct alert_batch	*batch;
	size_t			 i;
	int			 rc, last = is_last(ls);
	char			 err[300];

	if (store_begin(ls->store) == -1) {
		cycle_fail(ls, "store: %s", store_error(ls->store));
		return -1;
	}
	batch = alert_batch_new();
	memset(&sc, 0, sizeof sc);
	sc.ls = ls;
	sc.batch = batch;
	ls->cycle_rows += (long long)res->nrows;
	for (i = 0; i < res->nrows; i++) {
		sc.row = &res->rows[i];
		sc.group = sc.row->group[0] != '\0' ? sc.row->group :
		    t->ngroups == 1 ? ls->groups[t->first] : "?";
		rc = store_ptr_seen(ls->store, ls->source, sc.row->ptr,
		    sc.row->ts_ms / 1000);
		if (rc == -1)
			goto fail;
		if (rc == 1) {
			ls->stats.duplicates++;
			continue;
		}
		ls->stats.rows++;
		if (ls->cfg->secrets && scan_row(&sc) == -1)
			goto fail;
	}
	if (last && store_cycle_end(ls) == -1)
		goto fail;
	if (ls->flags & LOGSRC_DRY_RUN) {
		alert_batch_free(batch);
		(void)store_rollback(ls->store);
		ls->stored_end = last;
		return 0;
	}
	/* Delivery runs on the wall clock, whatever the data time. */
	if (alert_batch_enqueue(batch, ls->store, ls->ctx, time(NULL), err,
	    sizeof err) == -1) {
		alert_batch_free(batch);
		(void)store_rollback(ls->store);
		cycle_fail(ls, "alerts: %s", err);
		return -1;
	}
	alert_batch_free(batch);
	if (store_commit(ls->store) == -1)
		goto fail;
	ls->stored_end = last;
	return 0;
fail:
	cycle_fail(ls, "store: %s", store_error(ls->store));
	alert_batch_free(batch);
	(void)store_rollback(ls->store);
	return -1;
}

static void
results_reply(struct task *t, const struct aws_result *r)
{
	struct logsrc		*ls = t->ls;
	struct logsrc_results	 res;
	struct task		*a, *b;
	int64_t			 mid;
	size_t			 kept;
	char			 e[600];

	if (!r->ok) {
		cycle_fail(ls, "GetQueryResults: %s",
		    aws_error_format(&r->error, e, sizeof e));
		goto stop;
	}
	if (logsrc_results_decode(r->body, r->len, &res, e, sizeof e) == -1) {
		cycle_fail(ls, "%s", e);
		goto stop;
	}
	switch (res.status) {
	case LOGSRC_Q_SCHEDULED:
	case LOGSRC_Q_RUNNING:
		logsrc_results_free(&res);
		if (ls->failed)
			goto stop;
		if (util_monotonic() - t->started > QUERY_TIMEOUT) {
			cycle_fail(ls, "query %s", "still running after 20 "
			    "minutes");
			goto stop;
		}
		t->poll_delay *= POLL_FACTOR;
		if (t->poll_delay > POLL_CAP)
			t->poll_delay = POLL_CAP;
		t->state = TASK_WAIT_POLL;
		ev_timer_set(&t->timer, t->poll_delay, 0.);
		ev_timer_start(loop_get(), &t->timer);
		return;
	case LOGSRC_Q_COMPLETE:
		break;
	default:
		cycle_fail(ls, "query ended %s", logsrc_status_name(res.status));
		logsrc_results_free(&res);
		task_end(t);
		return;
	}
	ls->stats.bytes_scanned += res.bytes_scanned;
	ls->bytes += res.bytes_scanned;
	if ((res.nrows >= (size_t)ls->limit || res.more) &&
	    (kept = keep_and_split(t, &res)) > 0) {
		/* The seconds before the last row's are complete: kept. */
		res.nrows = kept;
	} else if (res.nrows >= (size_t)ls->limit || res.more) {
		if (logsrc_window_split(t->start, t->end, &mid) == 0) {
			/* Full: both halves again, oldest first. */
			ls->stats.splits++;
			log_debug("logs %s: %zu rows in [%lld, %lld]: split",
			    ls->cfg->name, res.nrows, (long long)t->start,
			    (long long)t->end);
			a = task_new(ls, t->first, t->ngroups, t->start, mid);
			b = task_new(ls, t->first, t->ngroups, mid + 1,
			    t->end);
			TAILQ_INSERT_HEAD(&ls->queue, b, entry);
			TAILQ_INSERT_HEAD(&ls->queue, a, entry);
			logsrc_results_free(&res);
			task_end(t);
			return;
		}
		ls->stats.overflows++;
		log_error("logs %s: more than %d rows in the second %lld: "
		    "lines may be skipped", ls->cfg->name, ls->limit,
		    (long long)t->start);
	}
	if (!ls->failed)
		(void)store_rows(t, &res);
	logsrc_results_free(&res);
	task_end(t);
	return;
stop:
	if (t->query_id != NULL)
		stop_query(ls->aws, t->query_id);
	task_end(t);
}

/*
 * A full reply (the limit reached) of a query sorted by @timestamp holds
 * every row of the seconds before its last row's. Rather than halving the
 * window and scanning all of it again at every level (about 5 times the
 * bytes for ten times the limit), those rows are kept and only the rest
 * of the window, [last second, end], is queried again, cut into pieces
 * that the rows seen so far say hold about 3/4 of the limit each. Returns
 * the number of rows to keep (the rest are queued, oldest first), or 0
 * when the rows all fall in the first second (then halving it is).
 */
static size_t
keep_and_split(struct task *t, const struct logsrc_results *res)
{
	struct logsrc	*ls = t->ls;
	struct task	*piece, *after = NULL;
	int64_t		 last, span, rest, from, to;
	double		 rate, want;
	size_t		 kept, n, i;

	if (res->nrows == 0)
		return 0;
	last = res->rows[res->nrows - 1].ts_ms / 1000;
	if (last <= t->start || last > t->end)
		return 0;
	for (kept = res->nrows; kept > 0 &&
	    res->rows[kept - 1].ts_ms / 1000 >= last; kept--)
		;
	if (kept == 0)
		return 0;
	span = last - t->start;
	rest = t->end - last + 1;
	rate = (double)kept / (double)span;
	want = rate * (double)rest / (0.75 * (double)ls->limit);
	n = want < 1 ? 1 : want > 64 ? 64 : (size_t)want + 1;
	if ((int64_t)n > rest)
		n = (size_t)rest;
	ls->stats.splits++;
	log_debug("logs %s: %zu rows in [%lld, %lld]: %zu kept, the rest "
	    "in %zu queries", ls->cfg->name, res->nrows, (long long)t->start,
	    (long long)t->end, kept, n);
	for (i = 0; i < n; i++) {
		from = last + (int64_t)((double)rest * (double)i / (double)n);
		to = i + 1 == n ? t->end : last + (int64_t)((double)rest *
		    (double)(i + 1) / (double)n) - 1;
		if (to < from)
			continue;
		piece = task_new(ls, t->first, t->ngroups, from, to);
		if (after == NULL)
			TAILQ_INSERT_HEAD(&ls->queue, piece, entry);
		else
			TAILQ_INSERT_AFTER(&ls->queue, after, piece, entry);
		after = piece;
	}
	return kept;
}

/* Starts queued tasks up to the parallel cap; finishes when all are done. */
static void
pump(struct logsrc *ls)
{
	struct task	*t;

	if (ls->failed) {
		while ((t = TAILQ_FIRST(&ls->queue)) != NULL) {
			TAILQ_REMOVE(&ls->queue, t, entry);
			task_free(t);
		}
	}
	while (ls->inflight < (size_t)ls->parallel &&
	    (t = TAILQ_FIRST(&ls->queue)) != NULL) {
		TAILQ_REMOVE(&ls->queue, t, entry);
		TAILQ_INSERT_TAIL(&ls->running, t, entry);
		ls->inflight++;
		task_start(t);
	}
	if (ls->inflight == 0 && TAILQ_EMPTY(&ls->queue))
		cycle_finish(ls);
}

static void
call_done(const struct aws_result *r, void *arg)
{
	struct call		*c = arg;
	struct aws_reply	 reply;
	struct aws_error	 ae;
	cJSON			*doc, *id;

	if (c->ls == NULL) {
		/* Detached by logsrc_stop(): stop what has just started. */
		if (c->kind == CALL_START && r->ok) {
			memset(&reply, 0, sizeof reply);
			reply.http_status = r->http_status;
			reply.body = r->body;
			reply.len = r->len;
			if (aws_json_reply(&reply, "logs", &doc, &ae) == 0) {
				id = cJSON_GetObjectItemCaseSensitive(doc,
				    "queryId");
				if (cJSON_IsString(id))
					stop_query(c->aws, id->valuestring);
				cJSON_Delete(doc);
			}
		}
		task_free(c->task);
		free(c);
		return;
	}
	LIST_REMOVE(c, entry);
	switch (c->kind) {
	case CALL_DESCRIBE:
		describe_reply(c->ls, r);
		break;
	case CALL_START:
		start_reply(c->task, r);
		break;
	case CALL_RESULTS:
		results_reply(c->task, r);
		break;
	case CALL_STOP:
		break;
	}
	free(c);
}

/* --- the cycle --------------------------------------------------------- */

/*
 * The queries of the window: groups by LOGSRC_GROUPS_PER_QUERY, and the
 * window cut in pieces that the last cycle's density (rows a second, of
 * all the groups) says hold about half the limit each. Pieces do not
 * overlap, so they scan the window's bytes once; a window that comes back
 * full anyway is cut by keep_and_split().
 */
static void
plan(struct logsrc *ls)
{
	struct task	*t;
	char		 key[STORE_NAME_MAX + 32], v[64];
	double		 rate = 0, want;
	int64_t		 span = ls->end - ls->start + 1, from, to;
	size_t		 i, n, k, pieces = 1;

	snprintf(key, sizeof key, "%s:rows_per_second", ls->source);
	if (store_meta_get(ls->store, key, v, sizeof v) == 1)
		rate = strtod(v, NULL);
	if (rate > 0 && span > 1) {
		want = rate * (double)span / (0.5 * (double)ls->limit);
		pieces = want < 1 ? 1 : want > 64 ? 64 : (size_t)want + 1;
		if ((int64_t)pieces > span)
			pieces = (size_t)span;
	}
	if (pieces > 1)
		log_debug("logs %s: window [%lld, %lld] in %zu pieces (%.3g "
		    "rows/s last cycle)", ls->cfg->name, (long long)ls->start,
		    (long long)ls->end, pieces, rate);
	for (i = 0; i < ls->ngroups; i += n) {
		n = ls->ngroups - i;
		if (n > LOGSRC_GROUPS_PER_QUERY)
			n = LOGSRC_GROUPS_PER_QUERY;
		for (k = 0; k < pieces; k++) {
			from = ls->start + (int64_t)((double)span * (double)k /
			    (double)pieces);
			to = k + 1 == pieces ? ls->end : ls->start +
			    (int64_t)((double)span * (double)(k + 1) /
			    (double)pieces) - 1;
			if (to < from)
				continue;
			t = task_new(ls, i, n, from, to);
			TAILQ_INSERT_TAIL(&ls->queue, t, entry);
		}
	}
}

static void
cycle_finish(struct logsrc *ls)
{
	logsrc_cb	 done = ls->done;
	void		*arg = ls->done_arg;
	int		 ok;
	char		 msg[STORE_MESSAGE_MAX];

	if (!ls->busy)
		return;
	ev_timer_stop(loop_get(), &ls->kick);
	/*
	 * Nothing was stored by a last query (none ran, or the cycle
	 * failed): the cycle's own transaction.
	 */
	if (!ls->failed && !ls->stored_end) {
		if (store_begin(ls->store) == -1 ||
		    store_cycle_end(ls) == -1) {
			cycle_fail(ls, "store: %s", store_error(ls->store));
			(void)store_rollback(ls->store);
		} else if (ls->flags & LOGSRC_DRY_RUN)
			(void)store_rollback(ls->store);
		else if (store_commit(ls->store) == -1) {
			cycle_fail(ls, "store: %s", store_error(ls->store));
			(void)store_rollback(ls->store);
		}
	}
	if (ls->failed && !(ls->flags & LOGSRC_DRY_RUN)) {
		util_strlcpy(msg, ls->error, sizeof msg);
		if (store_cycle_put(ls->store, ls->source, (int64_t)ls->now, 0,
		    msg) == -1)
			log_warn("logs %s: store: %s", ls->cfg->name,
			    store_error(ls->store));
	}
	ok = !ls->failed;
	ls->stats.cycles++;
	if (ok)
		ls->stats.last_ok = ls->now;
	else {
		ls->stats.failures++;
		util_strlcpy(ls->stats.last_error, ls->error,
		    sizeof ls->stats.last_error);
	}
	ls->busy = 0;
	ls->done = NULL;
	ls->report = NULL;
	if (done != NULL)
		done(ok, ok ? NULL : ls->stats.last_error, arg);
}

int
logsrc_cycle(struct logsrc *ls, time_t now, int64_t lag, int flags,
    const struct alert_context *ctx, struct alert_batch *report,
    logsrc_cb done, void *arg, char *err, size_t errlen)
{
	int64_t	cursor = 0;
	int	have;

	if (ls->busy) {
		snprintf(err, errlen, "logs %s: a cycle is in flight",
		    ls->cfg->name);
		return -1;
	}
	if ((have = store_cursor_get(ls->store, ls->source, &cursor)) == -1) {
		snprintf(err, errlen, "logs %s: store: %s", ls->cfg->name,
		    store_error(ls->store));
		return -1;
	}
	ls->busy = 1;
	ls->now = now;
	ls->flags = flags;
	ls->ctx = ctx;
	ls->report = report;
	ls->done = done;
	ls->done_arg = arg;
	ls->failed = 0;
	ls->stored_end = 0;
	ls->error[0] = '\0';
	ls->bytes = 0;
	ls->cycle_rows = 0;
	ls->have_window = logsrc_window(have == 1, cursor, now, lag,
	    ls->cfg->overlap, ls->cfg->lookback, &ls->start, &ls->end);
	ev_timer_set(&ls->kick, 0., 0.);
	ev_timer_start(loop_get(), &ls->kick);
	return 0;
}

/* The cycle's first step, from the loop: done never runs inside _cycle. */
static void
kick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct logsrc	*ls = w->data;

	(void)loop;
	(void)revents;
	if (!ls->have_window) {
		pump(ls);
		return;
	}
	log_debug("logs %s: window [%lld, %lld]", ls->cfg->name,
	    (long long)ls->start, (long long)ls->end);
	if (ls->groups == NULL || ls->now - ls->groups_at >= GROUPS_TTL ||
	    ls->now < ls->groups_at) {
		ls->rpattern = 0;
		ls->rpages = 0;
		resolve_next(ls);
		return;
	}
	plan(ls);
	pump(ls);
}

void
logsrc_stop(struct logsrc *ls)
{
	struct call	*c;
	struct task	*t;

	if (ls == NULL)
		return;
	/*
	 * Calls in flight now own their task. A query that is already
	 * running (its GetQueryResults in flight) is stopped now: its reply
	 * is only freed when it comes.
	 */
	while ((c = LIST_FIRST(&ls->calls)) != NULL) {
		LIST_REMOVE(c, entry);
		if (c->task != NULL) {
			TAILQ_REMOVE(&ls->running, c->task, entry);
			ls->inflight--;
			c->task->ls = NULL;
			if (c->kind != CALL_START && c->task->query_id != NULL)
				stop_query(ls->aws, c->task->query_id);
		}
		c->ls = NULL;
	}
	/* Tasks waiting on a timer: stop their queries now. */
	while ((t = TAILQ_FIRST(&ls->running)) != NULL) {
		TAILQ_REMOVE(&ls->running, t, entry);
		ls->inflight--;
		if (t->query_id != NULL)
			stop_query(ls->aws, t->query_id);
		task_free(t);
	}
	while ((t = TAILQ_FIRST(&ls->queue)) != NULL) {
		TAILQ_REMOVE(&ls->queue, t, entry);
		task_free(t);
	}
	free_list(ls->rgroups, ls->nrgroups);
	ls->rgroups = NULL;
	ls->nrgroups = 0;
	if (ls->busy) {
		cycle_fail(ls, "%s", "stopped");
		cycle_finish(ls);
	}
}
