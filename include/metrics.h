/*
 * The self-metrics endpoint of `run` (metrics_listen): Prometheus text
 * exposition on /metrics and a health check on /healthz, served by a small
 * HTTP/1.0 responder on the daemon's own libev loop. It answers GET only,
 * one request per connection, reads at most 8 KiB of request, allows 16
 * connections at once and drops a client that is idle for 5 s. An embedded
 * responder rather than libmicrohttpd: loopback-only, a few hundred lines,
 * no thread and no new dependency.
 */
#ifndef CWG_METRICS_H
#define CWG_METRICS_H

#include <stddef.h>

struct buf;
struct ev_loop;
struct metrics;

/* Appends the exposition text to b. */
typedef void (*metrics_render_cb)(struct buf *b, void *arg);
/* 1 healthy, 0 not; a short reason goes into msg. */
typedef int (*metrics_health_cb)(char *msg, size_t msglen, void *arg);

/* Listens on host:port (numeric address). NULL with err. */
struct metrics *metrics_new(struct ev_loop *, const char *host, int port,
	    metrics_render_cb, metrics_health_cb, void *arg, char *err,
	    size_t errlen);
/* Stops the watchers and closes every connection. NULL is fine. */
void	 metrics_free(struct metrics *);
/* The port actually bound (useful with port 0 in tests). */
int	 metrics_port(const struct metrics *);

/*
 * Exposition helpers. metrics_help() writes the HELP and TYPE lines once
 * per family; metrics_sample() one sample, label values escaped (labels
 * is "name","value",... NULL-terminated, may be NULL).
 */
void	 metrics_help(struct buf *, const char *name, const char *type,
	    const char *help);
void	 metrics_sample(struct buf *, const char *name, double value, ...)
	    __attribute__((sentinel));

#endif
