/*
 * CloudWatch over the real AWS client and the loop, against the AWS
 * simulator (tests/awssim) with tests/scenarios/cw-fetch.json: 1,200
 * Lambda series, 1,000 datapoints per GetMetricData call.
 * Starts the simulator itself; needs /usr/bin/python3 with botocore.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "aws.h"
#include "aws_creds.h"
#include "cloudwatch.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "tap.h"
#include "util.h"
#include "xmalloc.h"

#define T0	1767225600	/* first point of the scenario's fleet */

static pid_t		 sim_pid = -1;
static char		 sim_url[64];
static char		 portfile[64];
static struct http	*http;
static struct aws	*aws;

static void
sim_stop(void)
{
	int	status;

	if (sim_pid > 0) {
		kill(sim_pid, SIGTERM);
		waitpid(sim_pid, &status, 0);
		sim_pid = -1;
	}
	if (portfile[0] != '\0')
		unlink(portfile);
}

static int
sim_start(void)
{
	const char	*src = getenv("SRCDIR");
	char		*tests, buf[256];
	FILE		*f;
	int		 i, port = 0;
	cJSON		*o;

	snprintf(portfile, sizeof portfile, "/tmp/cwg-cw-sim.%ld.ports",
	    (long)getpid());
	unlink(portfile);
	tests = xasprintf("%s/tests", src ? src : ".");
	if ((sim_pid = fork()) == -1)
		return -1;
	if (sim_pid == 0) {
		if (chdir(tests) == -1)
			_exit(127);
		setenv("PYTHONPATH", tests, 1);
		setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
		execl("/usr/bin/python3", "python3", "-m", "awssim",
		    "--scenario", "scenarios/cw-fetch.json", "--port", "0",
		    "--port-file", portfile, (char *)NULL);
		_exit(127);
	}
	free(tests);
	for (i = 0; i < 400; i++) {	/* up to 20 s */
		if ((f = fopen(portfile, "r")) != NULL) {
			size_t n = fread(buf, 1, sizeof buf - 1, f);

			fclose(f);
			buf[n] = '\0';
			if ((o = cJSON_Parse(buf)) != NULL) {
				port = (int)cJSON_GetNumberValue(
				    cJSON_GetObjectItem(o, "http"));
				cJSON_Delete(o);
			}
			break;
		}
		if (waitpid(sim_pid, NULL, WNOHANG) == sim_pid) {
			sim_pid = -1;
			return -1;
		}
		usleep(50000);
	}
	if (port <= 0)
		return -1;
	snprintf(sim_url, sizeof sim_url, "http://127.0.0.1:%d", port);
	return 0;
}

/* --- The control API, through the same transport ------------------- */

struct ctl {
	int	 done;
	long	 status;
	cJSON	*reply;
};

static void
ctl_done(const struct http_response *r, void *arg)
{
	struct ctl	*c = arg;

	c->status = r->status;
	c->reply = cJSON_ParseWithLength(r->body, r->body_len);
	c->done = 1;
}

static int
flag_set(void *arg)
{
	return *(int *)arg;
}

/* POST (body non-NULL) or GET /_sim/what; the reply JSON or NULL. */
static cJSON *
ctl(const char *what, const char *body)
{
	struct http_request	 req;
	struct http_header	 h = {"Content-Type", "application/json"};
	struct ctl		 c;
	char			 url[128], err[256];

	memset(&req, 0, sizeof req);
	memset(&c, 0, sizeof c);
	snprintf(url, sizeof url, "%s/_sim/%s", sim_url, what);
	req.url = url;
	req.method = body ? "POST" : "GET";
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.headers = &h;
	req.nheaders = body ? 1 : 0;
	req.cb = ctl_done;
	req.arg = &c;
	if (http_submit(http, &req, err, sizeof err) == -1 ||
	    loop_run_until(flag_set, &c.done, 20) == -1 || c.status != 200) {
		cJSON_Delete(c.reply);
		return NULL;
	}
	return c.reply;
}

/* A number at a '/'-separated path of the stats, or -1. */
static double
stat_of(const char *path)
{
	cJSON	*root, *o;
	char	 p[128], *s, *tok;
	double	 v = -1;

	if ((root = ctl("stats", NULL)) == NULL)
		return -1;
	util_strlcpy(p, path, sizeof p);
	o = root;
	for (tok = strtok_r(p, "/", &s); tok && o; tok = strtok_r(NULL, "/", &s))
		o = cJSON_GetObjectItem(o, tok);
	if (cJSON_IsNumber(o))
		v = o->valuedouble;
	else if (o == NULL)
		v = 0;		/* never counted */
	cJSON_Delete(root);
	return v;
}

static void
ctl_ok(const char *what, const char *body, const char *name)
{
	cJSON	*r = ctl(what, body);

	ok(r != NULL, "%s", name);
	cJSON_Delete(r);
}

/* --- Runs -------------------------------------------------------------- */

struct listres {
	int			 called;
	char			 error[512];
	struct cw_metric_list	 list;
};

static void
list_cb(const struct cw_metric_list *l, const char *error, void *arg)
{
	struct listres	*r = arg;
	size_t		 i;

	r->called++;
	if (l == NULL) {
		util_strlcpy(r->error, error, sizeof r->error);
		return;
	}
	r->list.n = l->n;
	r->list.metrics = xcalloc(l->n ? l->n : 1, sizeof *r->list.metrics);
	for (i = 0; i < l->n; i++)
		cw_metric_copy(&r->list.metrics[i], &l->metrics[i]);
}

static int
list_done(void *arg)
{
	return ((struct listres *)arg)->called > 0;
}

static int
list_run(struct listres *r, const char *ns, const char *name,
    const struct cw_dim *f, int nf, size_t max)
{
	char	err[512];

	memset(r, 0, sizeof *r);
	if (cloudwatch_list_metrics_max(aws, ns, name, f, nf, max, list_cb, r,
	    err, sizeof err) == -1) {
		util_strlcpy(r->error, err, sizeof r->error);
		return -1;
	}
	if (loop_run_until(list_done, r, 60) == -1)
		return -1;
	loop_run_for(0.05);	/* a second callback would show here */
	return 0;
}

struct datares {
	int			 called;
	char			 error[512];
	int			 calls;
	size_t			 requested, n, partial;
	struct cw_series	*series;
};

static void
data_cb(const struct cw_data *d, const char *error, void *arg)
{
	struct datares	*r = arg;
	size_t		 i;

	r->called++;
	if (d == NULL) {
		util_strlcpy(r->error, error, sizeof r->error);
		return;
	}
	r->calls = d->calls;
	r->requested = d->metrics_requested;
	r->partial = d->partial;
	r->n = d->nqueries;
	r->series = xcalloc(d->nqueries, sizeof *r->series);
	for (i = 0; i < d->nqueries; i++) {
		struct cw_series	*s = &r->series[i];

		*s = d->series[i];
		s->ts = xreallocarray(NULL, s->n ? s->n : 1, sizeof *s->ts);
		s->values = xreallocarray(NULL, s->n ? s->n : 1,
		    sizeof *s->values);
		memcpy(s->ts, d->series[i].ts, s->n * sizeof *s->ts);
		memcpy(s->values, d->series[i].values, s->n * sizeof *s->values);
	}
}

static int
data_done(void *arg)
{
	return ((struct datares *)arg)->called > 0;
}

static void
data_free(struct datares *r)
{
	size_t	i;

	for (i = 0; r->series != NULL && i < r->n; i++)
		cloudwatch_series_cleanup(&r->series[i]);
	free(r->series);
	memset(r, 0, sizeof *r);
}

static int
data_run(struct datares *r, const struct cw_query *q, size_t n, time_t start,
    time_t end, int inflight)
{
	char	err[512];

	memset(r, 0, sizeof *r);
	if (cloudwatch_get_metric_data(aws, q, n, start, end, inflight,
	    data_cb, r, err, sizeof err) == -1) {
		util_strlcpy(r->error, err, sizeof r->error);
		return -1;
	}
	if (loop_run_until(data_done, r, 120) == -1)
		return -1;
	loop_run_for(0.05);
	return 0;
}

/* A streamed run: the pages appended per query, sorted at the end. */
struct streamres {
	int			 called, pages;
	char			 error[512];
	int			 calls;
	size_t			 requested, n, qasked;
	const struct cw_query	*q;
	struct cw_series	*series;
};

static void
stream_query(size_t i, struct cw_query *q, struct cw_metric *scratch,
    void *arg)
{
	struct streamres	*r = arg;

	(void)scratch;
	r->qasked++;
	*q = r->q[i];
}

static void
stream_page(size_t first, size_t count, const struct cw_series *page,
    void *arg)
{
	struct streamres	*r = arg;
	struct cw_series	*s;
	size_t			 k, j;

	r->pages++;
	for (k = 0; k < count && first + k < r->n; k++) {
		s = &r->series[first + k];
		for (j = 0; j < page[k].n; j++) {
			s->ts = xreallocarray(s->ts, s->n + 1, sizeof *s->ts);
			s->values = xreallocarray(s->values, s->n + 1,
			    sizeof *s->values);
			s->ts[s->n] = page[k].ts[j];
			s->values[s->n++] = page[k].values[j];
		}
	}
}

static void
stream_done(const struct cw_data *d, const char *error, void *arg)
{
	struct streamres	*r = arg;
	size_t			 i;

	r->called++;
	if (d == NULL) {
		util_strlcpy(r->error, error, sizeof r->error);
		return;
	}
	r->calls = d->calls;
	r->requested = d->metrics_requested;
	for (i = 0; i < r->n; i++)
		cloudwatch_series_finish(&r->series[i]);
}

static int
stream_ended(void *arg)
{
	return ((struct streamres *)arg)->called > 0;
}

static int
stream_run(struct streamres *r, const struct cw_query *q, size_t n,
    time_t start, time_t end, int inflight)
{
	struct cw_stream	st;
	char			err[512];

	memset(r, 0, sizeof *r);
	r->q = q;
	r->n = n;
	r->series = xcalloc(n, sizeof *r->series);
	memset(&st, 0, sizeof st);
	st.n = n;
	st.start = start;
	st.end = end;
	st.max_inflight = inflight;
	st.query = stream_query;
	st.page = stream_page;
	st.done = stream_done;
	st.arg = r;
	if (cloudwatch_get_metric_data_stream(aws, &st, err,
	    sizeof err) == -1) {
		util_strlcpy(r->error, err, sizeof r->error);
		return -1;
	}
	if (loop_run_until(stream_ended, r, 120) == -1)
		return -1;
	loop_run_for(0.05);
	return 0;
}

static void
stream_free(struct streamres *r)
{
	size_t	i;

	for (i = 0; r->series != NULL && i < r->n; i++)
		cloudwatch_series_cleanup(&r->series[i]);
	free(r->series);
	memset(r, 0, sizeof *r);
}

/* The same points, in the same order. */
static int
series_equal(const struct cw_series *a, const struct cw_series *b, size_t n)
{
	size_t	i, j;

	for (i = 0; i < n; i++) {
		if (a[i].n != b[i].n)
			return 0;
		for (j = 0; j < a[i].n; j++)
			if (a[i].ts[j] != b[i].ts[j] ||
			    a[i].values[j] != b[i].values[j])
				return 0;
	}
	return 1;
}

/* Every series has want points at T0, T0 + 60, ... and nothing partial. */
static int
series_full(const struct datares *r, size_t want)
{
	size_t	i, j;

	for (i = 0; i < r->n; i++) {
		if (r->series[i].n != want || r->series[i].partial)
			return 0;
		for (j = 0; j < want; j++)
			if (r->series[i].ts[j] != T0 + (int64_t)j * 60)
				return 0;
	}
	return 1;
}

int
main(void)
{
	struct http_options	 ho;
	struct aws_creds_options co;
	struct aws_options	 ao;
	struct aws_creds	*creds;
	struct listres		 lr, lr2;
	struct datares		 dr, d2;
	struct streamres	 sr;
	struct cw_query		*q;
	struct cw_dim		 f[2];
	char			 err[512];
	size_t			 i, j, n;
	int			 same;

	log_init(LOG_LEVEL_ERROR, 0);
	signal(SIGPIPE, SIG_IGN);
	if (sim_start() == -1) {
		printf("Bail out! the simulator did not start\n");
		sim_stop();
		return 1;
	}
	setenv("AWS_ENDPOINT_URL", sim_url, 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDSIMCWFETCH00001", 1);
	setenv("AWS_SECRET_ACCESS_KEY",
	    "simSecretCwFetch/000000000000000000000001", 1);
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_PROFILE");
	setenv("AWS_CONFIG_FILE", "/dev/null", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);

	memset(&ho, 0, sizeof ho);
	ho.max_concurrency = 4;
	if ((http = http_new(loop_get(), &ho, err, sizeof err)) == NULL)
		fatal("http: %s", err);
	memset(&co, 0, sizeof co);
	co.region = "us-east-1";
	if ((creds = aws_creds_new(http, &co, err, sizeof err)) == NULL)
		fatal("creds: %s", err);
	memset(&ao, 0, sizeof ao);
	ao.http = http;
	ao.creds = creds;
	ao.region = "us-east-1";
	ao.max_attempts = 10;
	ao.backoff_base = 0.01;
	ao.backoff_cap = 0.1;
	if ((aws = aws_new(&ao, err, sizeof err)) == NULL)
		fatal("aws: %s", err);

	/* ListMetrics: 1,200 series in pages of 500. */
	ok(list_run(&lr, "AWS/Lambda", NULL, NULL, 0, CW_LIST_MAX) == 0 &&
	    lr.called == 1 && lr.error[0] == '\0', "ListMetrics AWS/Lambda");
	is_int(lr.list.n, 1200, "every page followed: 1,200 metrics");
	is_int(stat_of("requests/cloudwatch/ListMetrics"), 3,
	    "three ListMetrics calls");
	n = lr.list.n;
	for (i = 0, same = 1; i < n; i++)
		same &= cw_metric_dim(&lr.list.metrics[i], "FunctionName") !=
		    NULL;
	ok(same, "every metric has its FunctionName");

	/* GetMetricData: 1,200 metrics, 2 points each, 3 calls. */
	q = xcalloc(n, sizeof *q);
	for (i = 0; i < n; i++) {
		q[i].metric = &lr.list.metrics[i];
		q[i].period = 60;
		q[i].stat = "Sum";
	}
	ctl_ok("reset", "{}", "stats reset");
	ok(data_run(&dr, q, n, T0 + 30, T0 + 150, 2) == 0 && dr.called == 1 &&
	    dr.error[0] == '\0', "1,200 metrics fetched");
	is_int(dr.calls, 3, "3 calls");
	is_int(dr.requested, 1200, "1,200 metrics requested");
	is_int(stat_of("cloudwatch/calls"), 3, "the simulator saw 3 calls");
	is_int(stat_of("cloudwatch/metrics_requested"), 1200,
	    "and 1,200 metrics requested");
	is_int(stat_of("cloudwatch/max_metrics_per_call"), 500,
	    "at most 500 per call");
	ok(series_full(&dr, 2), "window aligned to [T0, T0+120): 2 points "
	    "each, in order");
	ok(dr.series[0].values[0] > 0, "values arrived");
	is_int(dr.partial, 0, "nothing partial");
	data_free(&dr);

	/* NextToken paging: 30 x 60 points over a 1,000-point page cap. */
	ctl_ok("reset", "{}", "stats reset");
	ok(data_run(&dr, q, 30, T0, T0 + 3600, 4) == 0 && dr.called == 1 &&
	    dr.error[0] == '\0', "30 series over an hour");
	is_int(dr.calls, 2, "1,800 points: 2 pages");
	is_int(dr.requested, 60, "pages count as requests (2 x 30)");
	is_int(stat_of("cloudwatch/calls"), 2, "the simulator saw 2 calls");
	ok(series_full(&dr, 60), "pages merged into 60 points each");
	ok(data_run(&d2, q, 16, T0, T0 + 3600, 1) == 0 && d2.calls == 1,
	    "16 series fit one page");
	for (i = 0, same = d2.n == 16; same && i < 16; i++)
		for (j = 0; j < 60; j++)
			same &= dr.series[i].values[j] ==
			    d2.series[i].values[j];
	ok(same, "paged series equal unpaged ones");
	data_free(&d2);

	/* Streamed: the same run handed over page by page. */
	ok(stream_run(&sr, q, 30, T0, T0 + 3600, 4) == 0 && sr.called == 1 &&
	    sr.error[0] == '\0', "streamed: 30 series over an hour");
	is_int(sr.calls, 2, "streamed: 2 pages, 2 calls");
	is_int(sr.pages, 2, "streamed: each page handed over once");
	is_int(sr.requested, 60, "streamed: 60 metrics requested");
	ok(sr.qasked >= 60, "streamed: queries asked for at the start and "
	    "for each call (%zu)", sr.qasked);
	ok(series_equal(sr.series, dr.series, 30), "streamed pages merge into "
	    "what the whole run gives");
	stream_free(&sr);
	data_free(&dr);

	/* 30% throttling: retried, still complete. */
	ctl_ok("reset", "{}", "stats reset");
	ctl_ok("faults", "{\"rules\":[{\"service\":\"cloudwatch\","
	    "\"operation\":\"*\",\"kind\":\"throttle\","
	    "\"probability\":0.3}]}", "30% throttling on");
	ok(data_run(&dr, q, n, T0, T0 + 600, 3) == 0 && dr.called == 1 &&
	    dr.error[0] == '\0', "fetched under throttling");
	if (dr.error[0] != '\0')
		tap_diag("%s", dr.error);
	is_int(dr.calls, 12, "500, 500, 200 queries: 5 + 5 + 2 pages");
	is_int(dr.requested, 5400, "5,400 metrics requested");
	ok(series_full(&dr, 10), "full series under throttling");
	data_free(&dr);
	ok(list_run(&lr2, "AWS/Lambda", "Errors", NULL, 0, CW_LIST_MAX) == 0 &&
	    lr2.list.n == 600, "ListMetrics under throttling");
	cw_metric_list_free(&lr2.list);
	ok(stat_of("faults/throttles") >= 3, "throttles were served");
	tap_diag("throttles served: %g",  stat_of("faults/throttles"));
	ctl_ok("faults", "{\"clear\":true}", "faults cleared");

	/* A refusal fails the whole run, with one callback. */
	ctl_ok("faults", "{\"rules\":[{\"service\":\"cloudwatch\","
	    "\"operation\":\"GetMetricData\",\"kind\":\"error\","
	    "\"status\":403,\"code\":\"AccessDenied\",\"count\":1}]}",
	    "one AccessDenied");
	ok(data_run(&dr, q, n, T0, T0 + 120, 3) == 0, "run with a refusal");
	ok(dr.called == 1 && dr.series == NULL &&
	    strstr(dr.error, "AccessDenied") != NULL,
	    "one error callback, no data: %s", dr.error);
	data_free(&dr);

	/* A garbled 200 reply is asked again. */
	ctl_ok("faults", "{\"rules\":[{\"service\":\"cloudwatch\","
	    "\"operation\":\"GetMetricData\",\"kind\":\"malformed\","
	    "\"count\":1}]}", "one malformed reply");
	ok(data_run(&dr, q, 10, T0, T0 + 120, 1) == 0 && dr.error[0] == '\0',
	    "malformed reply retried");
	is_int(dr.calls, 2, "one extra call");
	ok(series_full(&dr, 2), "series complete after the retry");
	data_free(&dr);
	ctl_ok("faults", "{\"rules\":[{\"service\":\"cloudwatch\","
	    "\"operation\":\"GetMetricData\",\"kind\":\"malformed\","
	    "\"count\":1}]}", "one malformed reply (streamed)");
	ok(stream_run(&sr, q, 10, T0, T0 + 120, 1) == 0 &&
	    sr.error[0] == '\0' && sr.calls == 2,
	    "streamed: malformed reply asked again");
	is_int(sr.pages, 1, "streamed: only the good reply handed over");
	ok(sr.series[9].n == 2 && sr.series[9].ts[1] == T0 + 60,
	    "streamed: series complete after the retry");
	stream_free(&sr);
	ctl_ok("faults", "{\"rules\":[{\"service\":\"cloudwatch\","
	    "\"operation\":\"GetMetricData\",\"kind\":\"error\","
	    "\"status\":403,\"code\":\"AccessDenied\",\"count\":1}]}",
	    "one AccessDenied (streamed)");
	ok(stream_run(&sr, q, n, T0, T0 + 120, 3) == 0 && sr.called == 1 &&
	    strstr(sr.error, "AccessDenied") != NULL,
	    "streamed: one error callback: %s", sr.error);
	stream_free(&sr);
	ctl_ok("faults", "{\"clear\":true}", "faults cleared");

	/* Bad arguments fail at once, without a callback. */
	q[0].period = 45;
	ok(cloudwatch_get_metric_data(aws, q, 1, T0, T0 + 120, 1, data_cb, &dr,
	    err, sizeof err) == -1 && strstr(err, "45") != NULL,
	    "period 45 refused: %s", err);
	q[0].period = 60;
	ok(cloudwatch_get_metric_data(aws, q, 1, T0 + 10, T0 + 50, 1, data_cb,
	    &dr, err, sizeof err) == -1, "window empty once aligned: %s", err);
	is_int(dr.called, 0, "no callback for refused runs");
	free(q);
	cw_metric_list_free(&lr.list);

	/* Dimension filters, and the cap. */
	f[0].name = "FunctionName";
	f[0].value = "fn-00007";
	ok(list_run(&lr, "AWS/Lambda", NULL, f, 1, CW_LIST_MAX) == 0 &&
	    lr.list.n == 2, "filter by FunctionName value: 2 metrics");
	cw_metric_list_free(&lr.list);
	f[0].name = "ApiName";
	f[0].value = NULL;
	f[1].name = "Stage";
	f[1].value = "prod";
	ok(list_run(&lr, "AWS/ApiGateway", NULL, f, 2, CW_LIST_MAX) == 0 &&
	    lr.list.n == 2, "ApiName (any) and Stage=prod: 2 metrics");
	for (i = 0, same = 1; i < lr.list.n; i++)
		same &= strcmp(cw_metric_dim(&lr.list.metrics[i], "Stage"),
		    "prod") == 0;
	ok(same, "only prod stages");
	cw_metric_list_free(&lr.list);
	ok(list_run(&lr, "AWS/ApiGateway", NULL, f, 1, CW_LIST_MAX) == 0 &&
	    lr.list.n == 4, "ApiName (any): 4 metrics");
	cw_metric_list_free(&lr.list);
	ok(list_run(&lr, "AWS/Lambda", NULL, NULL, 0, 1000) == 0 &&
	    lr.called == 1 && lr.list.n == 0 &&
	    strstr(lr.error, "1000") != NULL, "over the cap: %s", lr.error);

	aws_free(aws);
	aws_creds_free(creds);
	http_free(http);
	loop_shutdown();
	sim_stop();
	return tap_done();
}
