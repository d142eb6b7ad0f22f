#include "autoconf.h"

#include <sys/socket.h>
#include <sys/queue.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "metrics.h"
#include "util.h"
#include "xmalloc.h"

#define METRICS_REQ_MAX		8192
#define METRICS_RESP_MAX	(4 * 1024 * 1024)
#define METRICS_CONN_MAX	16
#define METRICS_IDLE		5.0

struct metrics_conn {
	struct metrics		*m;
	int			 fd;
	ev_io			 io;
	ev_timer		 idle;
	struct buf		 in;
	struct buf		 out;
	size_t			 sent;
	int			 writing;
	LIST_ENTRY(metrics_conn) entry;
};

struct metrics {
	struct ev_loop		*loop;
	int			 fd;
	int			 port;
	ev_io			 accept_io;
	metrics_render_cb	 render;
	metrics_health_cb	 health;
	void			*arg;
	int			 nconns;
	LIST_HEAD(, metrics_conn) conns;
};

static void
metrics_conn_close(struct metrics_conn *c)
{
	ev_io_stop(c->m->loop, &c->io);
	ev_timer_stop(c->m->loop, &c->idle);
	close(c->fd);
	buf_cleanup(&c->in);
	buf_cleanup(&c->out);
	LIST_REMOVE(c, entry);
	c->m->nconns--;
	free(c);
}

static void
metrics_respond(struct metrics_conn *c, int status, const char *ctype,
    const struct buf *body)
{
	const char	*reason = status == 200 ? "OK" : status == 404 ?
	    "Not Found" : status == 405 ? "Method Not Allowed" : status == 503 ?
	    "Service Unavailable" : "Bad Request";

	buf_reset(&c->out);
	if (buf_printf(&c->out, "HTTP/1.0 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, reason,
	    ctype, body->len) == -1 ||
	    buf_append(&c->out, body->data == NULL ? "" : body->data,
	    body->len) == -1) {
		buf_reset(&c->out);
		buf_puts(&c->out, "HTTP/1.0 500 Internal Server Error\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n");
	}
	c->writing = 1;
	ev_io_stop(c->m->loop, &c->io);
	ev_io_set(&c->io, c->fd, EV_WRITE);
	ev_io_start(c->m->loop, &c->io);
}

/*
 * The exposition format wants each family in one group: its HELP and TYPE
 * lines, then all its samples. A renderer may declare two families and
 * interleave their samples (one loop over the sources); Prometheus's
 * parser then splits them and loses the types. This regroups the page:
 * families in the order first seen, the first HELP/TYPE of each kept,
 * samples in their order. A sample's family is its name before '{' or ' '.
 */
struct metrics_family {
	char		*name;
	int		 has_help, has_type;
	struct buf	 head;
	struct buf	 samples;
};

static struct metrics_family *
metrics_family_get(struct metrics_family **fams, size_t *nfams,
    const char *name, size_t len)
{
	struct metrics_family	*f;
	size_t			 i;

	for (i = 0; i < *nfams; i++)
		if (strlen((*fams)[i].name) == len &&
		    memcmp((*fams)[i].name, name, len) == 0)
			return &(*fams)[i];
	*fams = xreallocarray(*fams, *nfams + 1, sizeof **fams);
	f = &(*fams)[(*nfams)++];
	f->name = xstrndup(name, len);
	f->has_help = f->has_type = 0;
	buf_init(&f->head, 0);
	buf_init(&f->samples, 0);
	return f;
}

static void
metrics_group(struct buf *page)
{
	struct metrics_family	*fams = NULL, *f;
	const char		*p, *end, *nl, *name;
	size_t			 nfams = 0, i, n, len;
	struct buf		 out;

	p = buf_cstr(page);
	end = p + page->len;
	for (; p < end; p = nl) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		else
			nl++;
		len = (size_t)(nl - p);
		if (len > 7 && (memcmp(p, "# HELP ", 7) == 0 ||
		    memcmp(p, "# TYPE ", 7) == 0)) {
			name = p + 7;
			n = strcspn(name, " \n");
			f = metrics_family_get(&fams, &nfams, name, n);
			/* A family declared twice keeps its first header. */
			if (p[2] == 'H' && !f->has_help) {
				f->has_help = 1;
				buf_append(&f->head, p, len);
			} else if (p[2] == 'T' && !f->has_type) {
				f->has_type = 1;
				buf_append(&f->head, p, len);
			}
			continue;
		}
		if (len == 0 || *p == '#' || *p == '\n')
			continue;
		n = strcspn(p, "{ \n");
		f = metrics_family_get(&fams, &nfams, p, n);
		buf_append(&f->samples, p, len);
		if (p[len - 1] != '\n')
			buf_putc(&f->samples, '\n');
	}
	buf_init(&out, METRICS_RESP_MAX);
	for (i = 0; i < nfams; i++) {
		buf_append(&out, fams[i].head.data == NULL ? "" :
		    fams[i].head.data, fams[i].head.len);
		buf_append(&out, fams[i].samples.data == NULL ? "" :
		    fams[i].samples.data, fams[i].samples.len);
		free(fams[i].name);
		buf_cleanup(&fams[i].head);
		buf_cleanup(&fams[i].samples);
	}
	free(fams);
	buf_reset(page);
	buf_append(page, out.data == NULL ? "" : out.data, out.len);
	buf_cleanup(&out);
}

static void
metrics_handle(struct metrics_conn *c)
{
	struct buf	 body;
	char		 method[16], path[256], msg[256];
	int		 ok;

	buf_init(&body, METRICS_RESP_MAX);
	if (sscanf(buf_cstr(&c->in), "%15s %255s", method, path) != 2) {
		buf_puts(&body, "bad request\n");
		metrics_respond(c, 400, "text/plain", &body);
	} else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		buf_puts(&body, "GET only\n");
		metrics_respond(c, 405, "text/plain", &body);
	} else if (strcmp(path, "/metrics") == 0) {
		c->m->render(&body, c->m->arg);
		metrics_group(&body);
		metrics_respond(c, 200, "text/plain; version=0.0.4; "
		    "charset=utf-8", &body);
	} else if (strcmp(path, "/healthz") == 0) {
		msg[0] = '\0';
		ok = c->m->health(msg, sizeof msg, c->m->arg);
		buf_printf(&body, "%s%s%s\n", ok ? "ok" : "unhealthy",
		    msg[0] ? ": " : "", msg);
		metrics_respond(c, ok ? 200 : 503, "text/plain", &body);
	} else {
		buf_puts(&body, "not found\n");
		metrics_respond(c, 404, "text/plain", &body);
	}
	buf_cleanup(&body);
}

static void
metrics_conn_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct metrics_conn	*c = w->data;
	char			 chunk[2048];
	ssize_t			 n;

	if (c->writing) {
		n = write(c->fd, c->out.data + c->sent, c->out.len - c->sent);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0 || (c->sent += (size_t)n) == c->out.len)
			metrics_conn_close(c);
		return;
	}
	n = read(c->fd, chunk, sizeof chunk);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		metrics_conn_close(c);
		return;
	}
	if (buf_append(&c->in, chunk, (size_t)n) == -1) {
		metrics_conn_close(c);	/* request over 8 KiB: drop it */
		return;
	}
	ev_timer_again(loop, &c->idle);
	if (strstr(buf_cstr(&c->in), "\r\n\r\n") != NULL ||
	    strstr(buf_cstr(&c->in), "\n\n") != NULL)
		metrics_handle(c);
}

static void
metrics_idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	metrics_conn_close(w->data);
}

static void
metrics_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct metrics		*m = w->data;
	struct metrics_conn	*c;
	int			 fd;

	if ((fd = accept4(m->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1)
		return;
	if (m->nconns >= METRICS_CONN_MAX) {
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->m = m;
	c->fd = fd;
	buf_init(&c->in, METRICS_REQ_MAX);
	buf_init(&c->out, METRICS_RESP_MAX + 512);
	ev_io_init(&c->io, metrics_conn_cb, fd, EV_READ);
	c->io.data = c;
	ev_init(&c->idle, metrics_idle_cb);
	c->idle.repeat = METRICS_IDLE;
	c->idle.data = c;
	LIST_INSERT_HEAD(&m->conns, c, entry);
	m->nconns++;
	ev_io_start(loop, &c->io);
	ev_timer_again(loop, &c->idle);
}

struct metrics *
metrics_new(struct ev_loop *loop, const char *host, int port,
    metrics_render_cb render, metrics_health_cb health, void *arg,
    char *err, size_t errlen)
{
	struct metrics		*m;
	struct sockaddr_in6	 s6;
	struct sockaddr_in	 s4;
	struct sockaddr		*sa;
	socklen_t		 slen;
	int			 one = 1, fam;

	memset(&s4, 0, sizeof s4);
	memset(&s6, 0, sizeof s6);
	if (inet_pton(AF_INET, host, &s4.sin_addr) == 1) {
		fam = AF_INET;
		s4.sin_family = AF_INET;
		s4.sin_port = htons((uint16_t)port);
		sa = (struct sockaddr *)&s4;
		slen = sizeof s4;
	} else if (inet_pton(AF_INET6, host, &s6.sin6_addr) == 1) {
		fam = AF_INET6;
		s6.sin6_family = AF_INET6;
		s6.sin6_port = htons((uint16_t)port);
		sa = (struct sockaddr *)&s6;
		slen = sizeof s6;
	} else {
		snprintf(err, errlen, "metrics_listen: '%s' is not a numeric "
		    "address", host);
		return NULL;
	}
	m = xcalloc(1, sizeof *m);
	m->loop = loop;
	m->render = render;
	m->health = health;
	m->arg = arg;
	LIST_INIT(&m->conns);
	if ((m->fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1 ||
	    setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ==
	    -1 || bind(m->fd, sa, slen) == -1 || listen(m->fd, 16) == -1) {
		snprintf(err, errlen, "metrics_listen %s:%d: %s", host, port,
		    strerror(errno));
		if (m->fd != -1)
			close(m->fd);
		free(m);
		return NULL;
	}
	if (getsockname(m->fd, sa, &slen) == 0)
		m->port = ntohs(fam == AF_INET ? s4.sin_port : s6.sin6_port);
	ev_io_init(&m->accept_io, metrics_accept_cb, m->fd, EV_READ);
	m->accept_io.data = m;
	ev_io_start(loop, &m->accept_io);
	return m;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	while (!LIST_EMPTY(&m->conns))
		metrics_conn_close(LIST_FIRST(&m->conns));
	ev_io_stop(m->loop, &m->accept_io);
	close(m->fd);
	free(m);
}

int
metrics_port(const struct metrics *m)
{
	return m->port;
}

void
metrics_help(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
metrics_sample(struct buf *b, const char *name, double value, ...)
{
	va_list		 ap;
	const char	*k, *v, *p;
	int		 first = 1;

	buf_puts(b, name);
	va_start(ap, value);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		buf_printf(b, "%s%s=\"", first ? "{" : ",", k);
		for (p = v != NULL ? v : ""; *p != '\0'; p++) {
			if (*p == '\\' || *p == '"')
				buf_printf(b, "\\%c", *p);
			else if (*p == '\n')
				buf_puts(b, "\\n");
			else
				buf_putc(b, *p);
		}
		buf_putc(b, '"');
		first = 0;
	}
	va_end(ap);
	if (!first)
		buf_putc(b, '}');
	if (isnan(value))
		buf_puts(b, " NaN\n");
	else if (isinf(value))
		buf_puts(b, value > 0 ? " +Inf\n" : " -Inf\n");
	else
		buf_printf(b, " %.17g\n", value);
}
