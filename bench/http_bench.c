/*
 * Loopback throughput of the http module against tests/http_server.py:
 * requests/s at a few concurrency caps, and the client's own CPU time per
 * request (the transport's overhead; the Python server is the slower side).
 * Usage: http_bench [requests]  (SRCDIR locates the server script).
 */
#include "autoconf.h"

#include <sys/resource.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "loop.h"
#include "util.h"

static int	 nok;

static void
done_cb(const struct http_response *r, void *arg)
{
	nok += http_response_ok(r);
}

static int
idle(void *arg)
{
	return http_pending(arg) == 0;
}

static double
cpu_seconds(void)
{
	struct rusage	 ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int
main(int argc, char **argv)
{
	const char		*srcdir = getenv("SRCDIR");
	static const size_t	 caps[] = { 1, 8, 32 };
	struct http_options	 o;
	struct http_request	 req;
	struct http		*h;
	char			 script[4096], line[64], url[128], err[256];
	int			 in[2], out[2], port, sport, n, i;
	size_t			 c;
	double			 t0, c0, wall, cpu;
	pid_t			 pid;
	ssize_t			 len;

	n = argc > 1 ? atoi(argv[1]) : 2000;
	snprintf(script, sizeof script, "%s/tests/http_server.py",
	    srcdir != NULL ? srcdir : ".");
	if (pipe(in) == -1 || pipe(out) == -1 || (pid = fork()) == -1)
		return 1;
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl("/usr/bin/python3", "python3", script, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if ((len = read(out[0], line, sizeof line - 1)) <= 0)
		return 1;
	line[len] = '\0';
	if (sscanf(line, "%d %d", &port, &sport) != 2)
		return 1;
	snprintf(url, sizeof url, "http://127.0.0.1:%d/ok", port);

	printf("%-12s %10s %10s %14s\n", "concurrency", "requests", "req/s",
	    "client cpu/req");
	for (c = 0; c < sizeof caps / sizeof caps[0]; c++) {
		memset(&o, 0, sizeof o);
		o.max_concurrency = caps[c];
		if ((h = http_new(loop_get(), &o, err, sizeof err)) == NULL)
			return 1;
		nok = 0;
		t0 = util_monotonic();
		c0 = cpu_seconds();
		for (i = 0; i < n; i++) {
			memset(&req, 0, sizeof req);
			req.url = url;
			req.label = "bench";
			req.cb = done_cb;
			if (http_submit(h, &req, err, sizeof err) == -1)
				return 1;
		}
		(void)loop_run_until(idle, h, 600);
		wall = util_monotonic() - t0;
		cpu = cpu_seconds() - c0;
		printf("%-12zu %10d %10.0f %11.1f us%s\n", caps[c], nok,
		    nok / wall, cpu / n * 1e6, nok == n ? "" : "  (failures)");
		http_free(h);
	}
	close(in[1]);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	http_global_cleanup();
	loop_shutdown();
	return 0;
}
