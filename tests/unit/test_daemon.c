/* sdnotify (datagrams to a test socket) and the metrics responder. */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "loop.h"
#include "metrics.h"
#include "sdnotify.h"
#include "tap.h"

static int	healthy = 1;

static void
render(struct buf *b, void *arg)
{
	metrics_help(b, "cwguard_cycles_total", "counter", "Cycles run.");
	metrics_sample(b, "cwguard_cycles_total", 3, "source", "api\"x\\y",
	    (char *)NULL);
	metrics_sample(b, "cwguard_bare", 1, (char *)NULL);
	/* Two families declared first, samples interleaved: regrouped. */
	metrics_help(b, "cwguard_a_total", "counter", "A.");
	metrics_help(b, "cwguard_b", "gauge", "B.");
	metrics_sample(b, "cwguard_a_total", 1, "s", "x", (char *)NULL);
	metrics_sample(b, "cwguard_b", 2, "s", "x", (char *)NULL);
	metrics_sample(b, "cwguard_a_total", 3, "s", "y", (char *)NULL);
	metrics_sample(b, "cwguard_b", 4, "s", "y", (char *)NULL);
	metrics_help(b, "cwguard_a_total", "counter", "A again.");
}

static int
health(char *msg, size_t len, void *arg)
{
	if (!healthy)
		snprintf(msg, len, "watch api: no success for 3 intervals");
	return healthy;
}

/* One HTTP exchange with the responder, driving the loop meanwhile. */
static char *
fetch(int port, const char *req)
{
	static char		resp[8192];
	struct sockaddr_in	sin;
	size_t			got = 0;
	ssize_t			n;
	int			fd, i;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1)
		return NULL;
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		return NULL;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (i = 0; i < 200; i++) {
		loop_run_for(0.01);
		while ((n = read(fd, resp + got, sizeof resp - 1 - got)) > 0)
			got += (size_t)n;
		if (n == 0)
			break;
	}
	close(fd);
	resp[got] = '\0';
	return resp;
}

int
main(void)
{
	struct sockaddr_un	 sun;
	struct metrics		*m;
	char			 dir[] = "/tmp/cwguard-notify.XXXXXX", path[200];
	char			 got[256], err[256], pid[32];
	const char		*r;
	ssize_t			 n;
	int			 fd;

	/* sd_notify: nothing set is a silent no-op. */
	unsetenv("NOTIFY_SOCKET");
	ok(sdnotify_send("READY=1") == 0, "no NOTIFY_SOCKET: no-op");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/notify", dir);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1)
		return 1;
	setenv("NOTIFY_SOCKET", path, 1);
	ok(sdnotify_send("READY=1") == 0, "READY sent");
	n = recv(fd, got, sizeof got - 1, 0);
	got[n > 0 ? n : 0] = '\0';
	is_str(got, "READY=1", "READY received as one datagram");
	ok(sdnotify_status("cycle %d ok\nINJECTED=1", 4) == 0, "STATUS sent");
	n = recv(fd, got, sizeof got - 1, 0);
	got[n > 0 ? n : 0] = '\0';
	is_str(got, "STATUS=cycle 4 ok", "STATUS cut at a newline");
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	ok(sdnotify_send("READY=1") == -1, "a relative socket path is refused");
	close(fd);
	unlink(path);
	rmdir(dir);

	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "20000000", 1);
	is_num(sdnotify_watchdog_interval(), 20.0, 1e-9, "WATCHDOG_USEC read");
	snprintf(pid, sizeof pid, "%d", (int)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);
	is_num(sdnotify_watchdog_interval(), 0, 0, "another pid's watchdog");
	setenv("WATCHDOG_USEC", "soon", 1);
	unsetenv("WATCHDOG_PID");
	is_num(sdnotify_watchdog_interval(), 0, 0, "bad WATCHDOG_USEC ignored");

	/* The responder. */
	ok(metrics_new(loop_get(), "localhost", 0, render, health, NULL, err,
	    sizeof err) == NULL && strstr(err, "numeric") != NULL,
	    "a host name is refused");
	m = metrics_new(loop_get(), "127.0.0.1", 0, render, health, NULL, err,
	    sizeof err);
	ok(m != NULL && metrics_port(m) > 0, "listening on a free port");
	if (m == NULL)
		return tap_done();
	r = fetch(metrics_port(m), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	ok(r != NULL && strncmp(r, "HTTP/1.0 200 OK\r\n", 17) == 0,
	    "/metrics 200");
	ok(r != NULL && strstr(r, "# TYPE cwguard_cycles_total counter\n") !=
	    NULL, "TYPE line");
	ok(r != NULL && strstr(r, "cwguard_cycles_total{source=\"api\\\"x\\\\y\"}"
	    " 3\n") != NULL, "label value escaped");
	ok(r != NULL && strstr(r, "\ncwguard_bare 1\n") != NULL, "bare sample");
	ok(r != NULL && strstr(r, "# HELP cwguard_a_total A.\n"
	    "# TYPE cwguard_a_total counter\ncwguard_a_total{s=\"x\"} 1\n"
	    "cwguard_a_total{s=\"y\"} 3\n# HELP cwguard_b B.\n"
	    "# TYPE cwguard_b gauge\ncwguard_b{s=\"x\"} 2\n"
	    "cwguard_b{s=\"y\"} 4\n") != NULL && strstr(r, "A again") == NULL,
	    "interleaved families regrouped, first header kept");
	r = fetch(metrics_port(m), "GET /healthz HTTP/1.0\r\n\r\n");
	ok(r != NULL && strstr(r, "200 OK") != NULL && strstr(r, "\r\n\r\nok\n")
	    != NULL, "/healthz healthy");
	healthy = 0;
	r = fetch(metrics_port(m), "GET /healthz HTTP/1.0\r\n\r\n");
	ok(r != NULL && strstr(r, "503 Service Unavailable") != NULL &&
	    strstr(r, "no success for 3 intervals") != NULL, "/healthz 503");
	r = fetch(metrics_port(m), "GET /nope HTTP/1.0\r\n\r\n");
	ok(r != NULL && strstr(r, "404 Not Found") != NULL, "404");
	r = fetch(metrics_port(m), "POST /metrics HTTP/1.0\r\n\r\n");
	ok(r != NULL && strstr(r, "405") != NULL, "POST refused");
	metrics_free(m);
	loop_shutdown();
	return tap_done();
}
