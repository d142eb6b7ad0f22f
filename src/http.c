/*
 * libcurl multi driven by libev: CURLMOPT_SOCKETFUNCTION keeps one ev_io
 * per socket (re-armed when the wanted events change, stopped on
 * CURL_POLL_REMOVE), CURLMOPT_TIMERFUNCTION keeps one ev_timer (ms turned
 * into seconds as a double, -1 stops it; libcurl is never re-entered from
 * its own callback). After every curl_multi_socket_action() the finished
 * transfers are collected, retried on an ev_timer or completed, and the
 * FIFO queue refills the free slots.
 */
#include "autoconf.h"

#include <sys/queue.h>
#include <sys/random.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <ev.h>

#include "buf.h"
#include "http.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define HTTP_DEF_CONCURRENCY	8
#define HTTP_DEF_CONNECT_MS	10000L
#define HTTP_DEF_TOTAL_MS	60000L
#define HTTP_DEF_BODY_MAX	(8 * 1024 * 1024)
#define HTTP_HEADERS_MAX	100
#define HTTP_HEADER_BYTES_MAX	(64 * 1024)
#define HTTP_LABELS_MAX		64
#define HTTP_RETRY_BASE		0.1
#define HTTP_RETRY_CAP		20.0
#define HTTP_RETRY_AFTER_MAX	86400.0

enum xfer_state {
	XFER_QUEUED,
	XFER_RUNNING,
	XFER_WAITING,		/* backoff timer before the next attempt */
	XFER_FAILING		/* could not start: completes on a 0 timer */
};

struct http_ctr {
	TAILQ_ENTRY(http_ctr)	 entry;
	struct http_counters	 c;
	char			*label;
};

struct http_sock {
	LIST_ENTRY(http_sock)	 entry;
	ev_io			 io;
	struct http		*http;
};

struct http_xfer {
	TAILQ_ENTRY(http_xfer)	 q_entry;	/* http->queue when QUEUED */
	TAILQ_ENTRY(http_xfer)	 a_entry;	/* http->all, always */
	struct http		*http;
	CURL			*easy;
	enum xfer_state		 state;
	int			 is_head;
	int			 is_mail;

	char			*url;
	char			*method;
	char			*body;
	size_t			 body_len;
	size_t			 body_off;	/* read position (uploads) */
	struct curl_slist	*req_headers;
	struct curl_slist	*rcpt;
	char			*username;
	char			*password;
	struct http_ctr		*ctr;
	size_t			 body_max;
	struct http_retry	 retry;
	int			 attempts;
	double			 retry_delay;
	ev_timer		 retry_timer;
	void			(*cb)(const struct http_response *, void *);
	void			*arg;

	/* The current attempt's answer. */
	struct buf		 rbody;
	struct http_header	*hdrs;
	size_t			 nhdrs;
	size_t			 hdr_bytes;
	int			 flags;
	char			 errbuf[CURL_ERROR_SIZE];
	char			 errtext[256];
};

struct http {
	struct ev_loop		*loop;
	CURLM			*multi;
	ev_timer		 timer;		/* libcurl's timeout */
	size_t			 max_concurrency;
	long			 connect_timeout_ms;
	long			 total_timeout_ms;
	size_t			 body_max;
	char			*ca_file;
	char			*user_agent;
	size_t			 running;
	size_t			 pending;
	TAILQ_HEAD(, http_xfer)	 queue;
	TAILQ_HEAD(, http_xfer)	 all;
	LIST_HEAD(, http_sock)	 socks;
	TAILQ_HEAD(, http_ctr)	 ctrs;
	size_t			 nctrs;
};

static int	http_global_done;

static void	http_pump(struct http *);
static void	xfer_finish(struct http_xfer *, struct http_response *);

int
http_global_init(char *err, size_t errlen)
{
	CURLcode	 rc;

	if (http_global_done)
		return 0;
	if ((rc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
		snprintf(err, errlen, "curl_global_init: %s",
		    curl_easy_strerror(rc));
		return -1;
	}
	http_global_done = 1;
	return 0;
}

void
http_global_cleanup(void)
{
	if (http_global_done)
		curl_global_cleanup();
	http_global_done = 0;
}

/* Counters ------------------------------------------------------------ */

static struct http_ctr *
http_ctr_find(struct http *h, const char *label)
{
	struct http_ctr	*c;

	TAILQ_FOREACH(c, &h->ctrs, entry)
		if (strcmp(c->label, label) == 0)
			return c;
	return NULL;
}

static struct http_ctr *
http_ctr_get(struct http *h, const char *label)
{
	struct http_ctr	*c;

	if (label == NULL || *label == '\0')
		label = "other";
	if ((c = http_ctr_find(h, label)) != NULL)
		return c;
	/* A bounded table: labels are API names, never request data. */
	if (h->nctrs >= HTTP_LABELS_MAX && strcmp(label, "other") != 0)
		return http_ctr_get(h, "other");
	c = xcalloc(1, sizeof *c);
	c->label = xstrdup(label);
	c->c.label = c->label;
	TAILQ_INSERT_TAIL(&h->ctrs, c, entry);
	h->nctrs++;
	return c;
}

void
http_counters_foreach(const struct http *h,
    void (*fn)(const struct http_counters *, void *), void *arg)
{
	struct http_ctr	*c;

	TAILQ_FOREACH(c, &h->ctrs, entry)
		fn(&c->c, arg);
}

const struct http_counters *
http_counters_get(const struct http *h, const char *label)
{
	struct http_ctr	*c;

	TAILQ_FOREACH(c, &h->ctrs, entry)
		if (strcmp(c->label, label) == 0)
			return &c->c;
	return NULL;
}

/* Retry policy ---------------------------------------------------------- */

enum http_retry_class
http_retry_default_classify(const struct http_response *r, void *arg)
{
	if (r->flags & (HTTP_F_CANCELLED | HTTP_F_TOO_LARGE))
		return HTTP_RETRY_NO;
	/* Timeouts, refused, reset, empty or truncated replies. */
	if (r->flags & (HTTP_F_TIMEOUT | HTTP_F_CONNECT | HTTP_F_TRANSPORT))
		return HTTP_RETRY_TRANSIENT;
	switch (r->status) {
	case 429:
		return HTTP_RETRY_THROTTLED;
	case 500:
	case 502:
	case 503:
	case 504:
		return HTTP_RETRY_TRANSIENT;
	}
	return HTTP_RETRY_NO;
}

double
http_retry_delay(const struct http_retry *r, int retry, double retry_after,
    double u)
{
	double	 base, cap, ramax, span;

	base = r->base > 0 ? r->base : HTTP_RETRY_BASE;
	cap = r->cap > 0 ? r->cap : HTTP_RETRY_CAP;
	if (retry_after >= 0) {
		ramax = r->retry_after_max > 0 ? r->retry_after_max : cap;
		return retry_after < ramax ? retry_after : ramax;
	}
	if (retry < 1)
		retry = 1;
	if (retry > 60)
		retry = 60;
	span = ldexp(base, retry - 1);
	if (span > cap)
		span = cap;
	if (u < 0)
		u = 0;
	if (u >= 1)
		u = 0.999999;
	return u * span;
}

int
http_parse_retry_after(const char *s, time_t now, double *secs)
{
	struct tm	 tm;
	const char	*p, *end;
	char		*ep;
	long long	 v;
	time_t		 t;

	if (s == NULL)
		return -1;
	while (*s == ' ' || *s == '\t')
		s++;
	if (isdigit((unsigned char)*s)) {
		errno = 0;
		v = strtoll(s, &ep, 10);
		for (p = ep; *p == ' ' || *p == '\t'; p++)
			;
		if (errno != 0 || *p != '\0' || v < 0)
			return -1;
		*secs = v > HTTP_RETRY_AFTER_MAX ? HTTP_RETRY_AFTER_MAX :
		    (double)v;
		return 0;
	}
	/* IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (C locale names). */
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL)
		return -1;
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != '\0' || (t = timegm(&tm)) == (time_t)-1)
		return -1;
	*secs = t <= now ? 0 : (double)(t - now);
	if (*secs > HTTP_RETRY_AFTER_MAX)
		*secs = HTTP_RETRY_AFTER_MAX;
	return 0;
}

/* A uniform double in [0, 1), for jitter (not for secrets). */
static double
http_random01(void)
{
	uint32_t	 v;

	if (getrandom(&v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v)
		v = (uint32_t)random();
	return v / 4294967296.0;
}

/* The transfer's response --------------------------------------------- */

static void
xfer_reset_answer(struct http_xfer *x)
{
	size_t	 i;

	for (i = 0; i < x->nhdrs; i++) {
		free((char *)x->hdrs[i].name);
		free((char *)x->hdrs[i].value);
	}
	free(x->hdrs);
	x->hdrs = NULL;
	x->nhdrs = x->hdr_bytes = 0;
	buf_cleanup(&x->rbody);
	buf_init(&x->rbody, x->body_max);
	x->flags = 0;
	x->errbuf[0] = '\0';
	x->errtext[0] = '\0';
}

static size_t
xfer_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct http_xfer	*x = arg;
	size_t			 len = size * n;

	if (buf_append(&x->rbody, p, len) == -1) {
		x->flags |= HTTP_F_TOO_LARGE;
		snprintf(x->errtext, sizeof x->errtext,
		    "response body over %zu bytes", x->body_max);
		return 0;	/* CURLE_WRITE_ERROR ends the transfer */
	}
	return len;
}

static size_t
xfer_read_cb(char *p, size_t size, size_t n, void *arg)
{
	struct http_xfer	*x = arg;
	size_t			 len = size * n, left;

	left = x->body_len - x->body_off;
	if (len > left)
		len = left;
	memcpy(p, x->body + x->body_off, len);
	x->body_off += len;
	return len;
}

static size_t
xfer_header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct http_xfer	*x = arg;
	size_t			 len = size * n, nlen, vlen;
	const char		*colon, *v, *end;
	long long		 cl;
	char			*ep, *tmp;

	/* A new status line (after 1xx): only the final headers count. */
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		xfer_reset_answer(x);
		return len;
	}
	if ((colon = memchr(p, ':', len)) == NULL)
		return len;	/* the blank line ending the headers */
	if (x->nhdrs >= HTTP_HEADERS_MAX ||
	    x->hdr_bytes + len > HTTP_HEADER_BYTES_MAX) {
		x->flags |= HTTP_F_TOO_LARGE;
		snprintf(x->errtext, sizeof x->errtext,
		    "response headers over %d fields or %d bytes",
		    HTTP_HEADERS_MAX, HTTP_HEADER_BYTES_MAX);
		return 0;
	}
	nlen = colon - p;
	while (nlen > 0 && (p[nlen - 1] == ' ' || p[nlen - 1] == '\t'))
		nlen--;
	v = colon + 1;
	end = p + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
	    end[-1] == ' ' || end[-1] == '\t'))
		end--;
	vlen = end - v;
	x->hdrs = xreallocarray(x->hdrs, x->nhdrs + 1, sizeof *x->hdrs);
	x->hdrs[x->nhdrs].name = xstrndup(p, nlen);
	x->hdrs[x->nhdrs].value = tmp = xstrndup(v, vlen);
	x->nhdrs++;
	x->hdr_bytes += len;

	/* Refuse a body announced over the cap before reading any of it. */
	if (!x->is_head && nlen == 14 && strncasecmp(p, "content-length", 14)
	    == 0) {
		errno = 0;
		cl = strtoll(tmp, &ep, 10);
		if (errno == 0 && *ep == '\0' && cl >= 0 &&
		    (unsigned long long)cl > x->body_max) {
			x->flags |= HTTP_F_TOO_LARGE;
			snprintf(x->errtext, sizeof x->errtext,
			    "response body over %zu bytes (Content-Length %lld)",
			    x->body_max, cl);
			return 0;
		}
	}
	return len;
}

const char *
http_response_header(const struct http_response *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

int
http_response_ok(const struct http_response *r)
{
	return r->flags == 0 && r->error != NULL && r->error[0] == '\0' &&
	    (r->status == 0 || (r->status >= 200 && r->status <= 299));
}

/* Transfers ------------------------------------------------------------- */

static void
xfer_free(struct http_xfer *x)
{
	if (x == NULL)
		return;
	xfer_reset_answer(x);
	buf_cleanup(&x->rbody);
	if (x->easy != NULL)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->req_headers);
	curl_slist_free_all(x->rcpt);
	free(x->url);
	free(x->method);
	if (x->body != NULL) {
		util_wipe(x->body, x->body_len);
		free(x->body);
	}
	util_free_secret(x->username);
	util_free_secret(x->password);
	free(x);
}

/* Fills r from the attempt just ended. */
static void
xfer_answer(struct http_xfer *x, CURLcode res, struct http_response *r)
{
	long	 status = 0;

	memset(r, 0, sizeof *r);
	(void)curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	if (res != CURLE_OK) {
		x->flags |= HTTP_F_TRANSPORT;
		switch (res) {
		case CURLE_OPERATION_TIMEDOUT:
			x->flags |= HTTP_F_TIMEOUT;
			break;
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_RESOLVE_PROXY:
		case CURLE_COULDNT_CONNECT:
		case CURLE_SSL_CONNECT_ERROR:
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CACERT_BADFILE:
			x->flags |= HTTP_F_CONNECT;
			break;
		case CURLE_FILESIZE_EXCEEDED:
			x->flags |= HTTP_F_TOO_LARGE;
			break;
		default:
			break;
		}
		if (x->errtext[0] == '\0')
			snprintf(x->errtext, sizeof x->errtext, "%s",
			    x->errbuf[0] != '\0' ? x->errbuf :
			    curl_easy_strerror(res));
	} else if (x->is_mail) {
		/* The last SMTP reply code; CURLE_OK means it was accepted. */
	} else if (status >= 300 && status <= 399) {
		snprintf(x->errtext, sizeof x->errtext,
		    "redirect not followed (HTTP %ld)", status);
	} else if (status < 200 || status > 299) {
		snprintf(x->errtext, sizeof x->errtext, "HTTP %ld", status);
	}
	r->status = status;
	r->flags = x->flags;
	r->error = x->errtext;
	r->body = buf_cstr(&x->rbody);
	r->body_len = x->rbody.len;
	r->headers = x->hdrs;
	r->nheaders = x->nhdrs;
	r->attempts = x->attempts;
	r->retry_delay = x->retry_delay;
	r->label = x->ctr->label;
}

static void
xfer_retry_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct http_xfer	*x = w->data;
	struct http		*h = x->http;
	struct http_response	 r;

	if (x->state == XFER_FAILING) {
		memset(&r, 0, sizeof r);
		r.flags = x->flags;
		r.error = x->errtext;
		r.body = "";
		r.attempts = x->attempts;
		r.retry_delay = x->retry_delay;
		r.label = x->ctr->label;
		xfer_finish(x, &r);
		http_pump(h);
		return;
	}
	x->state = XFER_QUEUED;
	TAILQ_INSERT_TAIL(&h->queue, x, q_entry);
	http_pump(h);
}

/* Completes x: counts, calls back, frees. x must be off the multi. */
static void
xfer_finish(struct http_xfer *x, struct http_response *r)
{
	struct http	*h = x->http;

	/* A cancellation (shutdown) is not the remote's failure. */
	if (!http_response_ok(r) && !(r->flags & HTTP_F_CANCELLED))
		x->ctr->c.failures++;
	TAILQ_REMOVE(&h->all, x, a_entry);
	h->pending--;
	x->cb(r, x->arg);
	xfer_free(x);
}

/* An attempt has ended (x is off the multi): retry or complete. */
static void
xfer_attempt_done(struct http_xfer *x, CURLcode res)
{
	struct http		*h = x->http;
	struct http_response	 r;
	enum http_retry_class	 cls = HTTP_RETRY_NO;
	const char		*ra;
	double			 after = -1, delay;

	xfer_answer(x, res, &r);
	x->ctr->c.bytes_in += x->rbody.len;
	if (r.flags & HTTP_F_TIMEOUT)
		x->ctr->c.timeouts++;
	if (!http_response_ok(&r))
		cls = x->retry.classify != NULL ?
		    x->retry.classify(&r, x->retry.classify_arg) :
		    http_retry_default_classify(&r, NULL);
	if (cls == HTTP_RETRY_THROTTLED)
		x->ctr->c.throttles++;
	if (cls == HTTP_RETRY_NO || x->attempts >= x->retry.max_attempts) {
		xfer_finish(x, &r);
		return;
	}
	if (r.status != 0 && (ra = http_response_header(&r, "Retry-After"))
	    != NULL && http_parse_retry_after(ra, time(NULL), &after) == -1)
		after = -1;
	delay = http_retry_delay(&x->retry, x->attempts, after,
	    http_random01());
	x->retry_delay += delay;
	x->ctr->c.retries++;
	log_debug("http: %s attempt %d failed (%s), retry in %.3fs",
	    x->ctr->label, x->attempts, r.error, delay);
	x->state = XFER_WAITING;
	ev_timer_set(&x->retry_timer, delay, 0.);
	ev_timer_start(h->loop, &x->retry_timer);
}

static void
xfer_start(struct http_xfer *x)
{
	struct http	*h = x->http;
	CURLMcode	 mc;

	xfer_reset_answer(x);
	x->body_off = 0;
	x->attempts++;
	x->ctr->c.attempts++;
	x->ctr->c.bytes_out += x->body_len;
	if ((mc = curl_multi_add_handle(h->multi, x->easy)) != CURLM_OK) {
		/* Never call back from here: complete on a 0 timer. */
		x->flags |= HTTP_F_TRANSPORT;
		snprintf(x->errtext, sizeof x->errtext,
		    "curl_multi_add_handle: %s", curl_multi_strerror(mc));
		x->state = XFER_FAILING;
		ev_timer_set(&x->retry_timer, 0., 0.);
		ev_timer_start(h->loop, &x->retry_timer);
		return;
	}
	x->state = XFER_RUNNING;
	h->running++;
}

static void
http_pump(struct http *h)
{
	struct http_xfer	*x;

	while (h->running < h->max_concurrency &&
	    (x = TAILQ_FIRST(&h->queue)) != NULL) {
		TAILQ_REMOVE(&h->queue, x, q_entry);
		xfer_start(x);
	}
}

static void
http_check_multi_info(struct http *h)
{
	CURLMsg			*msg;
	struct http_xfer	*x;
	CURL			*easy;
	CURLcode		 res;
	char			*priv;
	int			 left;

	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		res = msg->data.result;
		priv = NULL;
		(void)curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		x = (struct http_xfer *)(void *)priv;
		curl_multi_remove_handle(h->multi, easy);
		h->running--;
		xfer_attempt_done(x, res);
	}
	http_pump(h);
}

/* libcurl <-> libev ------------------------------------------------------ */

static void
http_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct http_sock	*si = w->data;
	struct http		*h = si->http;
	int			 action = 0, running;
	curl_socket_t		 fd = w->fd;

	if (revents & EV_READ)
		action |= CURL_CSELECT_IN;
	if (revents & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	/* si may be freed in here (CURL_POLL_REMOVE); use only h after. */
	curl_multi_socket_action(h->multi, fd, action, &running);
	http_check_multi_info(h);
}

static void
http_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct http	*h = w->data;
	int		 running;

	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_check_multi_info(h);
}

/* CURLMOPT_TIMERFUNCTION: never calls back into libcurl itself. */
static int
http_multi_timer_cb(CURLM *multi, long ms, void *userp)
{
	struct http	*h = userp;

	ev_timer_stop(h->loop, &h->timer);
	if (ms >= 0) {
		ev_timer_set(&h->timer, ms / 1000.0, 0.);
		ev_timer_start(h->loop, &h->timer);
	}
	return 0;
}

static void
http_sock_free(struct http *h, struct http_sock *si)
{
	ev_io_stop(h->loop, &si->io);
	LIST_REMOVE(si, entry);
	free(si);
}

/* CURLMOPT_SOCKETFUNCTION. */
static int
http_multi_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp,
    void *socketp)
{
	struct http		*h = userp;
	struct http_sock	*si = socketp;
	int			 events = 0;

	if (what == CURL_POLL_REMOVE) {
		if (si != NULL)
			http_sock_free(h, si);
		return 0;
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	if (si == NULL) {
		si = xcalloc(1, sizeof *si);
		si->http = h;
		ev_io_init(&si->io, http_io_cb, s, events);
		si->io.data = si;
		LIST_INSERT_HEAD(&h->socks, si, entry);
		curl_multi_assign(h->multi, s, si);
	} else {
		if (si->io.fd == s && si->io.events == events &&
		    ev_is_active(&si->io))
			return 0;
		ev_io_stop(h->loop, &si->io);
		ev_io_set(&si->io, s, events);
	}
	if (events != 0)
		ev_io_start(h->loop, &si->io);
	return 0;
}

/* Public ---------------------------------------------------------------- */

struct http *
http_new(struct ev_loop *loop, const struct http_options *o, char *err,
    size_t errlen)
{
	struct http	*h;

	if (http_global_init(err, errlen) == -1)
		return NULL;
	h = xcalloc(1, sizeof *h);
	h->loop = loop;
	h->max_concurrency = o != NULL && o->max_concurrency > 0 ?
	    o->max_concurrency : HTTP_DEF_CONCURRENCY;
	h->connect_timeout_ms = o != NULL && o->connect_timeout_ms > 0 ?
	    o->connect_timeout_ms : HTTP_DEF_CONNECT_MS;
	h->total_timeout_ms = o != NULL && o->total_timeout_ms > 0 ?
	    o->total_timeout_ms : HTTP_DEF_TOTAL_MS;
	h->body_max = o != NULL && o->body_max > 0 ? o->body_max :
	    HTTP_DEF_BODY_MAX;
	if (o != NULL && o->ca_file != NULL)
		h->ca_file = xstrdup(o->ca_file);
	h->user_agent = xstrdup(o != NULL && o->user_agent != NULL ?
	    o->user_agent : PACKAGE_NAME "/" PACKAGE_VERSION);
	TAILQ_INIT(&h->queue);
	TAILQ_INIT(&h->all);
	LIST_INIT(&h->socks);
	TAILQ_INIT(&h->ctrs);
	ev_timer_init(&h->timer, http_timer_cb, 0., 0.);
	h->timer.data = h;

	if ((h->multi = curl_multi_init()) == NULL) {
		snprintf(err, errlen, "curl_multi_init failed");
		http_free(h);
		return NULL;
	}
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION,
	    http_multi_socket_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION,
	    http_multi_timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS,
	    (long)h->max_concurrency);
	return h;
}

void
http_cancel_all(struct http *h)
{
	struct http_xfer	*x;
	struct http_response	 r;

	while ((x = TAILQ_FIRST(&h->all)) != NULL) {
		switch (x->state) {
		case XFER_RUNNING:
			curl_multi_remove_handle(h->multi, x->easy);
			h->running--;
			break;
		case XFER_QUEUED:
			TAILQ_REMOVE(&h->queue, x, q_entry);
			break;
		case XFER_WAITING:
		case XFER_FAILING:
			ev_timer_stop(h->loop, &x->retry_timer);
			break;
		}
		memset(&r, 0, sizeof r);
		r.flags = HTTP_F_CANCELLED;
		r.error = "cancelled";
		r.body = "";
		r.attempts = x->attempts;
		r.retry_delay = x->retry_delay;
		r.label = x->ctr->label;
		xfer_finish(x, &r);
	}
}

void
http_free(struct http *h)
{
	struct http_sock	*si;
	struct http_ctr		*c;

	if (h == NULL)
		return;
	http_cancel_all(h);
	if (h->multi != NULL)
		curl_multi_cleanup(h->multi);
	ev_timer_stop(h->loop, &h->timer);
	while ((si = LIST_FIRST(&h->socks)) != NULL)
		http_sock_free(h, si);
	while ((c = TAILQ_FIRST(&h->ctrs)) != NULL) {
		TAILQ_REMOVE(&h->ctrs, c, entry);
		free(c->label);
		free(c);
	}
	free(h->ca_file);
	free(h->user_agent);
	free(h);
}

size_t
http_pending(const struct http *h)
{
	return h->pending;
}

size_t
http_running(const struct http *h)
{
	return h->running;
}

/* 1 when s holds no CR, LF or NUL (no header injection). */
static int
http_header_safe(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") == NULL;
}

static int
http_scheme_ok(const char *url, int mail)
{
	if (mail)
		return strncasecmp(url, "smtp://", 7) == 0 ||
		    strncasecmp(url, "smtps://", 8) == 0;
	return strncasecmp(url, "http://", 7) == 0 ||
	    strncasecmp(url, "https://", 8) == 0;
}

/* Sets every option of the easy handle; 0 or -1 with err. */
static int
xfer_setup(struct http_xfer *x, const struct http_request *req,
    char *err, size_t errlen)
{
	struct http	*h = x->http;
	CURL		*e = x->easy;
	CURLcode	 rc = CURLE_OK;
	long		 cto, tto;
	char		*line;
	size_t		 i;

#define SET(opt, val) do {						\
	if (rc == CURLE_OK)						\
		rc = curl_easy_setopt(e, opt, val);			\
} while (0)
	cto = req->connect_timeout_ms > 0 ? req->connect_timeout_ms :
	    h->connect_timeout_ms;
	tto = req->total_timeout_ms > 0 ? req->total_timeout_ms :
	    h->total_timeout_ms;
	SET(CURLOPT_URL, x->url);
	SET(CURLOPT_PRIVATE, (void *)x);
	SET(CURLOPT_ERRORBUFFER, x->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, cto);
	SET(CURLOPT_TIMEOUT_MS, tto);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->ca_file != NULL)
		SET(CURLOPT_CAINFO, h->ca_file);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, x->is_mail ? "smtp,smtps" : "http,https");
#else
	SET(CURLOPT_PROTOCOLS, x->is_mail ? (long)(CURLPROTO_SMTP |
	    CURLPROTO_SMTPS) : (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_WRITEFUNCTION, xfer_write_cb);
	SET(CURLOPT_WRITEDATA, (void *)x);
	if (req->username != NULL)
		SET(CURLOPT_USERNAME, x->username);
	if (req->password != NULL)
		SET(CURLOPT_PASSWORD, x->password);

	if (x->is_mail) {
		SET(CURLOPT_MAIL_FROM, req->mail_from);
		SET(CURLOPT_MAIL_RCPT, x->rcpt);
		SET(CURLOPT_UPLOAD, 1L);
		SET(CURLOPT_READFUNCTION, xfer_read_cb);
		SET(CURLOPT_READDATA, (void *)x);
		SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->body_len);
		if (req->mail_require_tls)
			SET(CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
		goto done;
	}

	SET(CURLOPT_USERAGENT, h->user_agent);
	SET(CURLOPT_HEADERFUNCTION, xfer_header_cb);
	SET(CURLOPT_HEADERDATA, (void *)x);
	for (i = 0; i < req->nheaders; i++) {
		/* "Name;" is how libcurl sends a header with no value. */
		if (req->headers[i].value[0] == '\0')
			line = xasprintf("%s;", req->headers[i].name);
		else
			line = xasprintf("%s: %s", req->headers[i].name,
			    req->headers[i].value);
		x->req_headers = curl_slist_append(x->req_headers, line);
		free(line);
		if (x->req_headers == NULL)
			fatal("curl_slist_append: out of memory");
	}
	/* No "Expect: 100-continue" round trip for bodies we hold whole. */
	x->req_headers = curl_slist_append(x->req_headers, "Expect:");
	if (x->req_headers == NULL)
		fatal("curl_slist_append: out of memory");
	SET(CURLOPT_HTTPHEADER, x->req_headers);

	if (strcmp(x->method, "GET") == 0 && x->body == NULL)
		SET(CURLOPT_HTTPGET, 1L);
	else if (strcmp(x->method, "HEAD") == 0) {
		SET(CURLOPT_NOBODY, 1L);
		x->is_head = 1;
	} else {
		if (x->body != NULL || strcmp(x->method, "POST") == 0) {
			SET(CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)x->body_len);
			SET(CURLOPT_POSTFIELDS, x->body != NULL ? x->body : "");
		}
		if (strcmp(x->method, "POST") != 0)
			SET(CURLOPT_CUSTOMREQUEST, x->method);
	}
done:
#undef SET
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "curl_easy_setopt: %s",
		    curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

int
http_submit(struct http *h, const struct http_request *req, char *err,
    size_t errlen)
{
	struct http_xfer	*x;
	const char		*m;
	size_t			 i;

	if (req->url == NULL || req->cb == NULL) {
		snprintf(err, errlen, "request without url or callback");
		return -1;
	}
	if (!http_scheme_ok(req->url, req->mail_from != NULL)) {
		snprintf(err, errlen, "unsupported URL scheme");
		return -1;
	}
	m = req->method != NULL ? req->method :
	    (req->body != NULL ? "POST" : "GET");
	for (i = 0; m[i] != '\0'; i++)
		if (!isupper((unsigned char)m[i]))
			break;
	if (i == 0 || m[i] != '\0') {
		snprintf(err, errlen, "bad HTTP method");
		return -1;
	}
	for (i = 0; i < req->nheaders; i++)
		if (!http_header_safe(req->headers[i].name) ||
		    !http_header_safe(req->headers[i].value) ||
		    req->headers[i].name[0] == '\0' ||
		    strpbrk(req->headers[i].name, ": \t") != NULL) {
			snprintf(err, errlen, "bad request header");
			return -1;
		}
	if (req->mail_from != NULL && req->nrcpt == 0) {
		snprintf(err, errlen, "mail without recipients");
		return -1;
	}

	x = xcalloc(1, sizeof *x);
	x->http = h;
	x->url = xstrdup(req->url);
	x->method = xstrdup(m);
	x->is_mail = req->mail_from != NULL;
	if (req->body != NULL) {
		x->body = xmalloc(req->body_len + 1);
		memcpy(x->body, req->body, req->body_len);
		x->body[req->body_len] = '\0';
		x->body_len = req->body_len;
	}
	for (i = 0; i < req->nrcpt; i++)
		if ((x->rcpt = curl_slist_append(x->rcpt, req->mail_rcpt[i]))
		    == NULL)
			fatal("curl_slist_append: out of memory");
	if (req->username != NULL)
		x->username = xstrdup(req->username);
	if (req->password != NULL)
		x->password = xstrdup(req->password);
	x->body_max = req->body_max > 0 ? req->body_max : h->body_max;
	buf_init(&x->rbody, x->body_max);
	if (req->retry != NULL)
		x->retry = *req->retry;
	if (x->retry.max_attempts < 1)
		x->retry.max_attempts = 1;
	x->cb = req->cb;
	x->arg = req->arg;
	ev_timer_init(&x->retry_timer, xfer_retry_timer_cb, 0., 0.);
	x->retry_timer.data = x;
	if ((x->easy = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		goto fail;
	}
	if (xfer_setup(x, req, err, errlen) == -1)
		goto fail;

	x->ctr = http_ctr_get(h, req->label);
	x->ctr->c.requests++;
	x->state = XFER_QUEUED;
	TAILQ_INSERT_TAIL(&h->all, x, a_entry);
	TAILQ_INSERT_TAIL(&h->queue, x, q_entry);
	h->pending++;
	http_pump(h);
	return 0;
fail:
	xfer_free(x);
	return -1;
}
