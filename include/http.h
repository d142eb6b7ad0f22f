/*
 * HTTP(S) transport: libcurl multi driven by the libev loop, never a
 * blocking call. Every request has connect and total timeouts and a
 * response body cap; TLS peers are always verified; redirects are never
 * followed (a 3xx is reported as an error). Requests beyond the
 * concurrency cap wait in a FIFO queue. A generic retry policy (bounded
 * attempts, full-jitter exponential backoff, Retry-After) runs on ev
 * timers; which answers are worth a retry is the caller's classifier's
 * call. Per-label counters feed `status` and /metrics.
 *
 * Only src/http.c includes curl/curl.h.
 */
#ifndef CWG_HTTP_H
#define CWG_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct ev_loop;
struct http;

struct http_options {
	size_t		 max_concurrency;	/* transfers at once; 0: 8 */
	long		 connect_timeout_ms;	/* 0: 10000 */
	long		 total_timeout_ms;	/* 0: 60000 */
	size_t		 body_max;		/* response body cap; 0: 8 MiB */
	const char	*ca_file;		/* NULL: the system CA store */
	const char	*user_agent;		/* NULL: "cwguard/VERSION" */
};

struct http_header {
	const char	*name;
	const char	*value;
};

/* Response flags. */
#define HTTP_F_TIMEOUT		0x01	/* connect or total timeout */
#define HTTP_F_TOO_LARGE	0x02	/* body (or headers) over the cap */
#define HTTP_F_CONNECT		0x04	/* DNS, refused, TLS handshake... */
#define HTTP_F_TRANSPORT	0x08	/* any transfer error (no full answer) */
#define HTTP_F_CANCELLED	0x10	/* http_cancel_all()/http_free() */

/*
 * What a completion callback sees. Everything is owned by the transport
 * and valid only during the callback: copy what must outlive it.
 */
struct http_response {
	long			 status;	/* 0 when no answer arrived */
	int			 flags;		/* HTTP_F_* */
	/*
	 * "" when the transfer worked and the status is 2xx; otherwise a
	 * reason fit for a log line ("HTTP 503", "response body over N
	 * bytes", "redirect not followed (HTTP 302)", curl's error text).
	 */
	const char		*error;
	const char		*body;		/* NUL-terminated, never NULL */
	size_t			 body_len;
	const struct http_header *headers;	/* of the final response */
	size_t			 nheaders;
	int			 attempts;	/* transfers made, >= 1 */
	double			 retry_delay;	/* total backoff waited, s */
	const char		*label;
};

/* Which answers are retried; a classifier returns one of these. */
enum http_retry_class {
	HTTP_RETRY_NO = 0,
	HTTP_RETRY_TRANSIENT,		/* 5xx, connection error, timeout */
	HTTP_RETRY_THROTTLED		/* counted as a throttle too */
};

struct http_retry {
	int		 max_attempts;	/* total attempts; <= 1: no retry */
	double		 base;		/* seconds; 0: 0.1 */
	double		 cap;		/* longest backoff, seconds; 0: 20 */
	double		 retry_after_max; /* Retry-After cap, s; 0: cap */
	/* NULL: http_retry_default_classify. */
	enum http_retry_class (*classify)(const struct http_response *,
			    void *arg);
	void		*classify_arg;
};

struct http_request {
	const char	*method;	/* NULL: GET, or POST with a body */
	const char	*url;		/* http:// or https:// (smtp[s] for mail) */
	const struct http_header *headers;
	size_t		 nheaders;
	const void	*body;		/* copied; NULL for none */
	size_t		 body_len;
	const char	*label;		/* API label for counters; NULL: "other" */
	size_t		 body_max;	/* 0: the http_options value */
	long		 connect_timeout_ms;	/* 0: the http_options value */
	long		 total_timeout_ms;	/* 0: the http_options value */
	const struct http_retry *retry;	/* copied; NULL: one attempt */

	/* SMTP upload on the same multi: body is the whole message. */
	const char	*mail_from;	/* non-NULL makes this a mail request */
	const char * const *mail_rcpt;
	size_t		 nrcpt;
	int		 mail_require_tls;	/* STARTTLS mandatory */
	const char	*username;	/* copied, wiped on free; may be NULL */
	const char	*password;

	/* Called once, from the loop, never from inside http_submit(). */
	void		(*cb)(const struct http_response *, void *arg);
	void		*arg;
};

/* Per-label counters, read with http_counters_foreach(). */
struct http_counters {
	const char	*label;
	uint64_t	 requests;	/* submitted */
	uint64_t	 attempts;	/* transfers started */
	uint64_t	 retries;	/* retries scheduled */
	uint64_t	 throttles;	/* answers classified as throttling */
	uint64_t	 timeouts;	/* attempts that timed out */
	uint64_t	 failures;	/* finally failed (not cancelled) */
	uint64_t	 bytes_out;	/* request body bytes, every attempt */
	uint64_t	 bytes_in;	/* response body bytes, every attempt */
};

/*
 * Global libcurl set-up; call once at start-up before any thread exists
 * (http_new() calls it too). 0 or -1 with err.
 */
int	 http_global_init(char *err, size_t errlen);
void	 http_global_cleanup(void);

/* Returns NULL with a reason in err. The options are copied. */
struct http *http_new(struct ev_loop *, const struct http_options *,
	    char *err, size_t errlen);
/*
 * Cancels what is still pending (callbacks run with HTTP_F_CANCELLED),
 * then frees. Not from inside a completion callback. NULL is fine.
 */
void	 http_free(struct http *);
/* Completes every pending request with HTTP_F_CANCELLED. */
void	 http_cancel_all(struct http *);

/*
 * Queues a request; everything in req is copied. Returns 0 (the callback
 * will run exactly once) or -1 with a reason in err (it will not).
 */
int	 http_submit(struct http *, const struct http_request *, char *err,
	    size_t errlen);
/* Requests submitted and not yet completed (running, queued, waiting). */
size_t	 http_pending(const struct http *);
/* Transfers running right now (<= max_concurrency). */
size_t	 http_running(const struct http *);

/* First header of that name (case-insensitive), or NULL. */
const char *http_response_header(const struct http_response *,
	    const char *name);
/* 1 when the transfer worked and the status is 2xx. */
int	 http_response_ok(const struct http_response *);

/*
 * The default classifier: 429 throttled; 500, 502, 503, 504, connection
 * errors, timeouts and broken transfers (reset, empty or truncated reply)
 * transient; everything else (too large, cancelled, 4xx) not retried.
 */
enum http_retry_class http_retry_default_classify(const struct http_response *,
	    void *arg);
/*
 * Delay before retry number `retry` (1 for the first): full jitter,
 * u * min(cap, base * 2^(retry-1)) with u in [0,1); or, when
 * retry_after >= 0, retry_after capped at retry_after_max. Pure.
 */
double	 http_retry_delay(const struct http_retry *, int retry,
	    double retry_after, double u);
/*
 * Retry-After as delta-seconds or an HTTP date, relative to now: 0 with
 * the seconds (>= 0) in *secs, or -1 when unparseable.
 */
int	 http_parse_retry_after(const char *, time_t now, double *secs);

void	 http_counters_foreach(const struct http *,
	    void (*)(const struct http_counters *, void *), void *);
/* The counters of one label, or NULL when none was seen. */
const struct http_counters *http_counters_get(const struct http *,
	    const char *label);

#endif
