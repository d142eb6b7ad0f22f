/*
 * http + loop against a real server over loopback (tests/http_server.py,
 * run with /usr/bin/python3). Assertions are on statuses, flags, counts and
 * ordering, never on durations.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "loop.h"
#include "tap.h"
#include "xmalloc.h"

#define MAXREQ	600

struct result {
	int	 done;
	long	 status;
	int	 flags;
	int	 ok;
	int	 attempts;
	double	 retry_delay;
	char	 error[256];
	char	*body;
	char	 ctype[64];
	int	 order;
};

static pid_t	 server_pid = -1;
static int	 server_stdin = -1;
static int	 port;
static int	 smtp_port;	/* 0: no SMTP sink (no smtpd module) */
static int	 completed;	/* callbacks run so far */
static size_t	 max_running;
static struct http *cur;

static void
server_start(void)
{
	const char	*srcdir = getenv("SRCDIR");
	char		 script[4096], line[32];
	int		 in[2], out[2];
	ssize_t		 n;

	snprintf(script, sizeof script, "%s/tests/http_server.py",
	    srcdir != NULL ? srcdir : ".");
	if (pipe(in) == -1 || pipe(out) == -1)
		exit(99);
	if ((server_pid = fork()) == -1)
		exit(99);
	if (server_pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl("/usr/bin/python3", "python3", script, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	server_stdin = in[1];
	n = read(out[0], line, sizeof line - 1);
	close(out[0]);
	if (n <= 0) {
		printf("Bail out! cannot start %s\n", script);
		exit(99);
	}
	line[n] = '\0';
	if (sscanf(line, "%d %d", &port, &smtp_port) != 2) {
		printf("Bail out! bad server banner\n");
		exit(99);
	}
}

static void
server_stop(void)
{
	int	 st;

	close(server_stdin);
	kill(server_pid, SIGTERM);
	waitpid(server_pid, &st, 0);
}

static char *
url(const char *path)
{
	static char	 u[256];

	snprintf(u, sizeof u, "http://127.0.0.1:%d%s", port, path);
	return u;
}

static void
result_cb(const struct http_response *r, void *arg)
{
	struct result	*res = arg;
	const char	*ct;

	res->done = 1;
	res->status = r->status;
	res->flags = r->flags;
	res->ok = http_response_ok(r);
	res->attempts = r->attempts;
	res->retry_delay = r->retry_delay;
	res->order = completed++;
	snprintf(res->error, sizeof res->error, "%s", r->error);
	free(res->body);
	res->body = xstrndup(r->body, r->body_len);
	ct = http_response_header(r, "CONTENT-type");
	snprintf(res->ctype, sizeof res->ctype, "%s", ct != NULL ? ct : "");
	if (cur != NULL && http_running(cur) > max_running)
		max_running = http_running(cur);
}

static int
all_done(void *arg)
{
	return http_pending(arg) == 0;
}

/* Runs until h has nothing pending; a hang fails instead of blocking. */
static void
drain(struct http *h)
{
	if (loop_run_until(all_done, h, 60) == -1)
		ok(0, "loop drained (pending %zu)", http_pending(h));
}

static struct result *
submit(struct http *h, struct http_request *req, struct result *res)
{
	char	 err[256];

	memset(res, 0, sizeof *res);
	req->cb = result_cb;
	req->arg = res;
	if (http_submit(h, req, err, sizeof err) == -1)
		ok(0, "submit %s: %s", req->url, err);
	return res;
}

static struct result *
get(struct http *h, const char *path, struct result *res)
{
	struct http_request	 req;

	memset(&req, 0, sizeof req);
	req.url = url(path);
	return submit(h, &req, res);
}

/* GET path and return the parsed JSON (the caller deletes it). */
static cJSON *
get_json(struct http *h, const char *path)
{
	struct result	 r;
	cJSON		*j;

	get(h, path, &r);
	drain(h);
	j = cJSON_Parse(r.body != NULL ? r.body : "");
	free(r.body);
	if (j == NULL) {
		printf("Bail out! bad JSON from %s\n", path);
		exit(99);
	}
	return j;
}

static int
stat_int(struct http *h, const char *field, const char *sub)
{
	cJSON	*j = get_json(h, "/stats"), *v;
	int	 n;

	v = cJSON_GetObjectItemCaseSensitive(j, field);
	if (sub != NULL)
		v = cJSON_GetObjectItemCaseSensitive(v, sub);
	n = cJSON_IsNumber(v) ? v->valueint : -1;
	cJSON_Delete(j);
	return n;
}

static void
free_results(struct result *r, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(r[i].body);
}

static void
test_pure(void)
{
	struct http_retry	 r;
	double			 s;

	memset(&r, 0, sizeof r);
	r.base = 0.1;
	r.cap = 1;
	is_num(http_retry_delay(&r, 1, -1, 0.5), 0.05, 1e-9, "jitter retry 1");
	is_num(http_retry_delay(&r, 3, -1, 0.5), 0.2, 1e-9, "jitter retry 3");
	is_num(http_retry_delay(&r, 10, -1, 0.5), 0.5, 1e-9, "jitter capped");
	is_num(http_retry_delay(&r, 1000, -1, 0.999), 0.999, 1e-9,
	    "huge retry number capped");
	is_num(http_retry_delay(&r, 2, -1, 0), 0, 1e-12, "u=0 gives 0");
	is_num(http_retry_delay(&r, 2, 0.7, 0.5), 0.7, 1e-12,
	    "Retry-After used as is");
	is_num(http_retry_delay(&r, 2, 30, 0.5), 1, 1e-12,
	    "Retry-After capped at cap by default");
	r.retry_after_max = 5;
	is_num(http_retry_delay(&r, 2, 30, 0.5), 5, 1e-12,
	    "Retry-After capped at retry_after_max");
	memset(&r, 0, sizeof r);
	is_num(http_retry_delay(&r, 1, -1, 0.5), 0.05, 1e-9,
	    "default base 0.1");
	is_num(http_retry_delay(&r, 30, -1, 0.5), 10, 1e-9, "default cap 20");

	ok(http_parse_retry_after("120", 0, &s) == 0 && s == 120,
	    "Retry-After seconds");
	ok(http_parse_retry_after(" 0 ", 0, &s) == 0 && s == 0,
	    "Retry-After 0 with spaces");
	/* 784111777 is Sun, 06 Nov 1994 08:49:37 GMT. */
	ok(http_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111767,
	    &s) == 0 && s == 10, "Retry-After HTTP date");
	ok(http_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111787,
	    &s) == 0 && s == 0, "Retry-After date in the past is 0");
	ok(http_parse_retry_after("-5", 0, &s) == -1, "negative refused");
	ok(http_parse_retry_after("soon", 0, &s) == -1, "garbage refused");
	ok(http_parse_retry_after("12abc", 0, &s) == -1, "trailing junk");
	ok(http_parse_retry_after("", 0, &s) == -1, "empty refused");
}

static void
test_basic(struct http *h)
{
	struct http_request	 req;
	struct http_header	 hd[2] = {
		{ "X-Test-Token", "abc def" },
		{ "Content-Type", "application/x-amz-json-1.0" },
	};
	struct http_header	 bad[1] = { { "X-Evil", "a\r\nInjected: 1" } };
	struct result		 r[6];
	cJSON			*j, *hs;
	char			 err[128];

	get(h, "/ok", &r[0]);
	ok(!r[0].done, "callback not run from inside http_submit");
	drain(h);
	ok(r[0].done && r[0].ok, "GET /ok completes ok");
	is_int(r[0].status, 200, "status 200");
	is_str(r[0].body, "hello", "body");
	is_str(r[0].error, "", "no error text");
	is_str(r[0].ctype, "text/plain", "case-insensitive header lookup");
	is_int(r[0].attempts, 1, "one attempt");

	memset(&req, 0, sizeof req);
	req.url = url("/echo");
	req.body = "{\"a\":1}";
	req.body_len = 7;
	req.headers = hd;
	req.nheaders = 2;
	submit(h, &req, &r[1]);
	memset(&req, 0, sizeof req);
	req.url = url("/echo");
	req.method = "PUT";
	req.body = "put-body";
	req.body_len = 8;
	submit(h, &req, &r[2]);
	memset(&req, 0, sizeof req);
	req.url = url("/echo");
	req.method = "DELETE";
	submit(h, &req, &r[3]);
	drain(h);
	j = cJSON_Parse(r[1].body);
	hs = cJSON_GetObjectItem(j, "headers");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "method")), "POST",
	    "body without method is a POST");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "body")),
	    "{\"a\":1}", "request body sent");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(hs, "x-test-token")),
	    "abc def", "request header sent");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(hs, "content-type")),
	    "application/x-amz-json-1.0", "caller's Content-Type wins");
	ok(cJSON_GetObjectItem(hs, "expect") == NULL, "no Expect header");
	ok(strncmp(cJSON_GetStringValue(cJSON_GetObjectItem(hs, "user-agent")),
	    "cwguard/", 8) == 0, "default User-Agent");
	cJSON_Delete(j);
	j = cJSON_Parse(r[2].body);
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "method")), "PUT",
	    "PUT method");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "body")),
	    "put-body", "PUT body");
	cJSON_Delete(j);
	j = cJSON_Parse(r[3].body);
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "method")),
	    "DELETE", "DELETE method");
	cJSON_Delete(j);

	memset(&req, 0, sizeof req);
	req.url = url("/echo");
	req.headers = bad;
	req.nheaders = 1;
	req.cb = result_cb;
	req.arg = &r[4];
	ok(http_submit(h, &req, err, sizeof err) == -1,
	    "CR/LF in a header value refused");
	req.headers = NULL;
	req.nheaders = 0;
	req.url = "file:///etc/passwd";
	ok(http_submit(h, &req, err, sizeof err) == -1,
	    "file:// URL refused");
	req.url = "ftp://127.0.0.1/";
	ok(http_submit(h, &req, err, sizeof err) == -1, "ftp:// URL refused");
	is_int(http_pending(h), 0, "refused requests are not pending");

	get(h, "/status/404", &r[4]);
	get(h, "/status/500", &r[5]);
	drain(h);
	ok(r[4].done && !r[4].ok, "404 is not ok");
	is_int(r[4].status, 404, "404 reported");
	is_str(r[4].error, "HTTP 404", "404 error text");
	is_str(r[4].body, "status 404", "404 body kept");
	is_int(r[5].status, 500, "500 reported");
	is_int(r[5].attempts, 1, "no retry without a policy");
	is_int(r[5].flags, 0, "500 has no transport flags");
	free_results(r, 6);

	get(h, "/redirect", &r[0]);
	drain(h);
	is_int(r[0].status, 302, "302 reported, not followed");
	ok(!r[0].ok && strstr(r[0].error, "redirect not followed") != NULL,
	    "3xx is an error: %s", r[0].error);
	free_results(r, 1);
}

static void
test_concurrency(void)
{
	struct http_options	 o;
	struct http		*h;
	struct result		 r[20];
	cJSON			*j, *order, *v;
	char			 path[64], err[128];
	int			 i, fifo = 1, n = 0, max_inflight;

	memset(&o, 0, sizeof o);
	o.max_concurrency = 3;
	h = http_new(loop_get(), &o, err, sizeof err);
	cur = h;
	max_running = 0;
	get(h, "/reset", &r[0]);
	drain(h);
	free(r[0].body);
	for (i = 0; i < 20; i++) {
		snprintf(path, sizeof path, "/conc/%d/50", i);
		get(h, path, &r[i]);
	}
	is_int(http_running(h), 3, "3 running right after submitting 20");
	is_int(http_pending(h), 20, "20 pending");
	drain(h);
	for (i = 0; i < 20; i++)
		n += r[i].status == 200;
	is_int(n, 20, "20 requests with cap 3 all succeed");
	ok(max_running <= 3, "never more than 3 running (%zu)", max_running);
	j = get_json(h, "/stats");
	max_inflight = cJSON_GetObjectItem(j, "max_inflight")->valueint;
	is_int(max_inflight, 3, "server saw at most (and exactly) 3 in flight");
	tap_diag("server saw at most %d connections",
	    cJSON_GetObjectItem(j, "max_conns")->valueint);
	order = cJSON_GetObjectItem(j, "order");
	is_int(cJSON_GetArraySize(order), 20, "server saw 20 requests");
	i = 0;
	cJSON_ArrayForEach(v, order) {
		/* FIFO: request k cannot overtake more than cap-1 others. */
		if (abs(v->valueint - i) >= 3)
			fifo = 0;
		i++;
	}
	ok(fifo, "queue is FIFO (arrival within cap of submit order)");
	cJSON_Delete(j);
	free_results(r, 20);
	cur = NULL;
	http_free(h);
}

static void
test_limits(struct http *h)
{
	struct http_request	 req;
	struct result		 r[6];
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof sin;
	char			 refused[64];
	int			 s;

	get(h, "/bytes/1000", &r[0]);
	get(h, "/bytes/5000", &r[1]);
	get(h, "/chunked/5000", &r[2]);
	memset(&req, 0, sizeof req);
	req.url = url("/bytes/5000");
	req.body_max = 5000;
	submit(h, &req, &r[3]);
	drain(h);
	ok(r[0].ok && strlen(r[0].body) == 1000, "body exactly at the cap ok");
	ok(!r[1].ok && (r[1].flags & HTTP_F_TOO_LARGE),
	    "Content-Length over the cap refused");
	ok(strncmp(r[1].error, "response body over 1000 bytes", 29) == 0,
	    "error text: %s", r[1].error);
	ok(!r[2].ok && (r[2].flags & HTTP_F_TOO_LARGE),
	    "chunked body over the cap refused");
	is_str(r[2].error, "response body over 1000 bytes",
	    "chunked error text");
	is_int(r[2].attempts, 1, "too large is not retried");
	ok(r[3].ok && strlen(r[3].body) == 5000, "per-request cap override");

	memset(&req, 0, sizeof req);
	req.url = url("/slow/3000");
	req.total_timeout_ms = 200;
	submit(h, &req, &r[4]);
	/* A port bound but not listening refuses connections. */
	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s == -1 || bind(s, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &slen) == -1)
		exit(99);
	snprintf(refused, sizeof refused, "http://127.0.0.1:%d/",
	    ntohs(sin.sin_port));
	memset(&req, 0, sizeof req);
	req.url = refused;
	submit(h, &req, &r[5]);
	drain(h);
	close(s);
	ok(r[4].done && (r[4].flags & HTTP_F_TIMEOUT), "total timeout flagged");
	is_int(r[4].status, 0, "no status on timeout");
	ok(r[4].error[0] != '\0', "timeout error text: %s", r[4].error);
	ok(r[5].done && (r[5].flags & HTTP_F_CONNECT),
	    "connection refused flagged");
	is_int(r[5].status, 0, "no status when refused");
	ok(!(r[5].flags & HTTP_F_TIMEOUT), "refused is not a timeout");
	free_results(r, 6);
}

static enum http_retry_class
never_retry(const struct http_response *r, void *arg)
{
	(*(int *)arg)++;
	return HTTP_RETRY_NO;
}

static enum http_retry_class
retry_404(const struct http_response *r, void *arg)
{
	return r->status == 404 ? HTTP_RETRY_THROTTLED : HTTP_RETRY_NO;
}

static void
counters_cb(const struct http_counters *c, void *arg)
{
	(*(int *)arg)++;
}

static void
test_retry(struct http *h)
{
	struct http_request		 req;
	struct http_retry		 rp;
	struct result			 r[8];
	const struct http_counters	*c;
	int				 calls = 0, labels = 0;

	memset(&rp, 0, sizeof rp);
	rp.max_attempts = 5;
	rp.base = 0.01;
	rp.cap = 0.05;
	memset(&req, 0, sizeof req);
	req.retry = &rp;

	req.url = url("/flaky/a/2");
	req.label = "flaky";
	submit(h, &req, &r[0]);
	rp.retry_after_max = 2;
	req.url = url("/flaky/b/1/1");
	req.label = "retry-after";
	submit(h, &req, &r[1]);
	rp.retry_after_max = 0;
	req.url = url("/throttle/c/1");
	req.label = "throttle";
	submit(h, &req, &r[2]);
	rp.max_attempts = 3;
	req.url = url("/flaky/d/100");
	req.label = "bounded";
	submit(h, &req, &r[3]);
	rp.retry_after_max = 0.02;
	req.url = url("/flaky/e/1/30");
	req.label = "ra-capped";
	submit(h, &req, &r[4]);
	rp.retry_after_max = 0;
	req.url = url("/truncated/g");
	req.label = "truncated";
	submit(h, &req, &r[7]);
	rp.classify = never_retry;
	rp.classify_arg = &calls;
	req.url = url("/flaky/f/1");
	req.label = "classifier";
	submit(h, &req, &r[5]);
	rp.classify = retry_404;
	rp.max_attempts = 2;
	req.url = url("/status/404");
	req.label = "classifier-404";
	submit(h, &req, &r[6]);
	drain(h);

	ok(r[0].ok && r[0].status == 200, "503, 503, then 200");
	is_str(r[0].body, "recovered", "body of the last attempt");
	is_int(r[0].attempts, 3, "three attempts");
	is_int(stat_int(h, "hits", "a"), 3, "server saw three hits");
	c = http_counters_get(h, "flaky");
	ok(c != NULL, "counters for the label");
	if (c != NULL) {
		is_int(c->requests, 1, "counters: 1 request");
		is_int(c->attempts, 3, "counters: 3 attempts");
		is_int(c->retries, 2, "counters: 2 retries");
		is_int(c->throttles, 0, "counters: 503 is not a throttle");
		is_int(c->failures, 0, "counters: no failure");
		is_int(c->bytes_in, 9 + 9 + 9, "counters: bytes in");
	}
	ok(r[0].retry_delay >= 0 && r[0].retry_delay <= 0.01 + 0.02,
	    "jittered backoff within base*2^n (%g)", r[0].retry_delay);

	ok(r[1].ok && r[1].attempts == 2, "Retry-After retried once");
	is_num(r[1].retry_delay, 1.0, 1e-9,
	    "Retry-After: 1 honoured over the 0.05 s backoff cap");
	ok(r[4].ok && r[4].attempts == 2, "Retry-After 30 retried");
	is_num(r[4].retry_delay, 0.02, 1e-9, "Retry-After capped");
	ok(r[5].attempts == 1 && r[5].status == 503, "(classifier case ran)");

	ok(r[2].ok && r[2].attempts == 2, "429 then 200");
	c = http_counters_get(h, "throttle");
	ok(c != NULL && c->throttles == 1 && c->retries == 1,
	    "429 counted as a throttle");

	ok(!r[3].ok && r[3].status == 503, "bounded: last answer is 503");
	is_int(r[3].attempts, 3, "bounded: exactly max_attempts");
	is_int(stat_int(h, "hits", "d"), 3, "bounded: server saw 3 hits");
	c = http_counters_get(h, "bounded");
	ok(c != NULL && c->failures == 1 && c->retries == 2,
	    "bounded: one failure, two retries");

	is_int(r[5].attempts, 1, "classifier said no: one attempt");
	is_int(calls, 1, "classifier called once");
	is_int(r[6].attempts, 2, "classifier can retry a 404");
	c = http_counters_get(h, "classifier-404");
	ok(c != NULL && c->throttles == 2, "classifier's throttles counted");

	ok(!r[7].ok && (r[7].flags & HTTP_F_TRANSPORT),
	    "truncated body is a transport error: %s", r[7].error);
	is_int(r[7].status, 200, "truncated: the status line arrived");
	is_int(r[7].attempts, 3, "truncated reply retried by default");
	is_int(stat_int(h, "hits", "g"), 3, "truncated: server saw 3 hits");

	http_counters_foreach(h, counters_cb, &labels);
	ok(labels >= 9, "foreach visits every label (%d)", labels);
	ok(http_counters_get(h, "nope") == NULL, "unknown label: NULL");
	free_results(r, 8);
}

struct chain {
	struct http	*h;
	int		 left;
	int		 ok;
};

static void
chain_cb(const struct http_response *r, void *arg)
{
	struct chain		*ch = arg;
	struct http_request	 req;
	char			 err[128];

	ch->ok += http_response_ok(r);
	if (--ch->left <= 0)
		return;
	memset(&req, 0, sizeof req);
	req.url = url("/ok");
	req.cb = chain_cb;
	req.arg = ch;
	if (http_submit(ch->h, &req, err, sizeof err) == -1)
		ch->left = -100;
}

static void
test_many_and_cancel(void)
{
	struct http_options	 o;
	struct http_request	 req;
	struct http		*h;
	struct result		*r;
	struct chain		 ch;
	const struct http_counters *c;
	char			 err[128];
	int			 i, n = 0, cancelled = 0;

	memset(&o, 0, sizeof o);
	o.max_concurrency = 8;
	h = http_new(loop_get(), &o, err, sizeof err);
	r = xcalloc(MAXREQ, sizeof *r);
	for (i = 0; i < MAXREQ; i++)
		get(h, i % 2 ? "/ok" : "/bytes/2000", &r[i]);
	drain(h);
	for (i = 0; i < MAXREQ; i++)
		n += r[i].ok;
	is_int(n, MAXREQ, "600 requests all complete ok");
	is_int(http_pending(h), 0, "nothing pending after");
	is_int(http_running(h), 0, "nothing running after");
	free_results(r, MAXREQ);

	memset(&ch, 0, sizeof ch);
	ch.h = h;
	ch.left = 5;
	memset(&req, 0, sizeof req);
	req.url = url("/ok");
	req.cb = chain_cb;
	req.arg = &ch;
	http_submit(h, &req, err, sizeof err);
	drain(h);
	is_int(ch.ok, 5, "callbacks can submit follow-up requests");

	for (i = 0; i < 12; i++)
		get(h, "/slow/2000", &r[i]);
	is_int(http_pending(h), 12, "12 slow requests pending");
	http_cancel_all(h);
	for (i = 0; i < 12; i++)
		cancelled += r[i].done && (r[i].flags & HTTP_F_CANCELLED);
	is_int(cancelled, 12, "cancel_all completes each with CANCELLED");
	is_int(http_pending(h), 0, "nothing pending after cancel");
	c = http_counters_get(h, "other");
	ok(c != NULL && c->requests == MAXREQ + 5 + 12,
	    "unlabelled requests counted under \"other\"");
	ok(c != NULL && c->failures == 0, "cancelled is not a failure");
	free_results(r, 12);

	for (i = 0; i < 4; i++)
		get(h, "/slow/2000", &r[i]);
	loop_run_for(0.05);
	http_free(h);
	cancelled = 0;
	for (i = 0; i < 4; i++)
		cancelled += r[i].done && (r[i].flags & HTTP_F_CANCELLED);
	is_int(cancelled, 4, "http_free cancels what is pending");
	free_results(r, 4);
	free(r);
}

static void
test_smtp(struct http *h)
{
	struct http_request	 req;
	struct result		 r[2];
	const char		*rcpt[2] = { "<ops@example.com>",
				    "<oncall@example.com>" };
	const char		*msg = "From: cwguard <cw@example.com>\r\n"
				    "To: ops@example.com\r\n"
				    "Subject: [cwguard] test\r\n\r\n"
				    "error rate spike\r\n";
	char			 u[64];
	cJSON			*j, *m;

	if (smtp_port == 0) {
		ok(1, "# SKIP no smtpd module for the SMTP sink");
		return;
	}
	snprintf(u, sizeof u, "smtp://127.0.0.1:%d", smtp_port);
	memset(&req, 0, sizeof req);
	req.url = u;
	req.mail_from = "<cw@example.com>";
	req.mail_rcpt = rcpt;
	req.nrcpt = 2;
	req.body = msg;
	req.body_len = strlen(msg);
	req.label = "smtp";
	submit(h, &req, &r[0]);
	req.url = url("/ok");
	ok(http_submit(h, &req, u, sizeof u) == -1,
	    "mail request to an http URL refused");
	drain(h);
	ok(r[0].ok, "SMTP upload on the same multi: %s", r[0].error);
	j = get_json(h, "/mail");
	m = cJSON_GetArrayItem(j, 0);
	is_int(cJSON_GetArraySize(j), 1, "the sink got one mail");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(m, "from")),
	    "cw@example.com", "MAIL FROM");
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(m, "to")), 2,
	    "two RCPT TO");
	ok(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(m, "data")),
	    "error rate spike") != NULL, "message body delivered");
	cJSON_Delete(j);
	free_results(r, 1);
}

static int
flag_set(void *arg)
{
	return *(int *)arg;
}

static void
test_loop(void)
{
	int	 never = 0;

	ok(loop_get() == loop_get(), "one loop");
	is_int(loop_run_until(flag_set, &never, 0.05), -1,
	    "run_until times out when the condition never holds");
	never = 1;
	is_int(loop_run_until(flag_set, &never, 0.05), 0,
	    "run_until returns at once when the condition holds");
	never = 0;
	is_int(loop_run_until(flag_set, &never, 0), -1,
	    "run_until without watchers or limit returns");
}

int
main(void)
{
	struct http	*h;
	char		 err[256];

	signal(SIGPIPE, SIG_IGN);
	test_pure();
	test_loop();
	server_start();
	if ((h = http_new(loop_get(), &(struct http_options){ .body_max =
	    1000 }, err, sizeof err)) == NULL) {
		printf("Bail out! http_new: %s\n", err);
		return 99;
	}
	test_basic(h);
	test_limits(h);
	test_retry(h);
	test_smtp(h);
	http_free(h);
	test_concurrency();
	test_many_and_cancel();
	server_stop();
	http_global_cleanup();
	loop_shutdown();
	return tap_done();
}
