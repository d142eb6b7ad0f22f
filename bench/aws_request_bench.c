/*
 * The cost of signing: client CPU per request for the same POST sent plain
 * and sent as a SigV4-signed AWS JSON request (aws_req_prepare: canonical
 * request, HMAC chain, headers), over loopback to tests/http_server.py.
 * Rounds alternate so that both kinds see the same machine state; the
 * figure that matters is the ratio, measured side by side in one run.
 * Usage: aws_request_bench [requests-per-round] (SRCDIR locates the server).
 */
#include "autoconf.h"

#include <sys/resource.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws_creds.h"
#include "aws_endpoint.h"
#include "aws_req.h"
#include "http.h"
#include "loop.h"
#include "util.h"

#define ROUNDS	4

static int	nok;

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
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* One round of n requests; returns client CPU seconds per request. */
static double
round_cpu(struct http *h, const struct aws_endpoint *ep, int n, int sign,
    const char *body)
{
	static struct aws_credentials	 cr = { "AKIDBENCH0000000000",
	    "benchSecret/000000000000000000000000000", NULL, 0 };
	struct http_header		 hh[2] = {
		{ "Content-Type", "application/x-amz-json-1.0" },
		{ "X-Amz-Target", "GraniteServiceVersion20100801.GetMetricData" }
	};
	struct http_request		 req;
	struct aws_req			 ar;
	char				 err[256], url[600];
	double				 c0;
	int				 i;

	nok = 0;
	c0 = cpu_seconds();
	for (i = 0; i < n; i++) {
		memset(&req, 0, sizeof req);
		req.method = "POST";
		req.body = body;
		req.body_len = strlen(body);
		req.label = sign ? "signed" : "plain";
		req.cb = done_cb;
		if (sign) {
			if (aws_req_prepare(&ar, ep, "monitoring", "POST", "/ok",
			    NULL, hh, 2, body, strlen(body), &cr, time(NULL),
			    err, sizeof err) == -1) {
				fprintf(stderr, "%s\n", err);
				exit(1);
			}
			req.url = ar.url;
			req.headers = ar.headers;
			req.nheaders = ar.nheaders;
		} else {
			snprintf(url, sizeof url, "%s/ok", ep->url);
			req.url = url;
			req.headers = hh;
			req.nheaders = 2;
		}
		if (http_submit(h, &req, err, sizeof err) == -1)
			exit(1);
		if (sign)
			aws_req_cleanup(&ar);
	}
	(void)loop_run_until(idle, h, 600);
	if (nok != n)
		fprintf(stderr, "warning: %d of %d failed\n", n - nok, n);
	return (cpu_seconds() - c0) / n;
}

int
main(int argc, char **argv)
{
	const char		*srcdir = getenv("SRCDIR");
	struct http_options	 o;
	struct aws_endpoint	 ep;
	struct http		*h;
	char			 script[4096], line[64], err[256], body[2048];
	int			 in[2], out[2], port, sport, n, r;
	double			 plain = 0, signd = 0, p, s;
	pid_t			 pid;
	ssize_t			 len;

	n = argc > 1 ? atoi(argv[1]) : 1000;
	snprintf(script, sizeof script, "%s/tests/http_server.py",
	    srcdir != NULL ? srcdir : ".");
	if (pipe(in) == -1 || pipe(out) == -1 || (pid = fork()) == -1)
		return 1;
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
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
	memset(&ep, 0, sizeof ep);
	snprintf(ep.url, sizeof ep.url, "http://127.0.0.1:%d", port);
	snprintf(ep.host, sizeof ep.host, "127.0.0.1:%d", port);
	util_strlcpy(ep.signing_region, "us-east-1", sizeof ep.signing_region);
	/* A GetMetricData-sized body: about 1.5 KiB of JSON. */
	memset(body, 0, sizeof body);
	for (r = 0; r < 20; r++)
		snprintf(body + strlen(body), sizeof body - strlen(body),
		    "%s{\"Id\":\"q%d\",\"MetricStat\":{\"Period\":60}}",
		    r ? "," : "[", r);
	strcat(body, "]");

	memset(&o, 0, sizeof o);
	o.max_concurrency = 8;
	if ((h = http_new(loop_get(), &o, err, sizeof err)) == NULL)
		return 1;
	(void)round_cpu(h, &ep, n / 4, 0, body);	/* warm-up */
	printf("%-6s %16s %16s %8s\n", "round", "plain cpu/req", "signed cpu/req",
	    "ratio");
	for (r = 0; r < ROUNDS; r++) {
		p = round_cpu(h, &ep, n, 0, body);
		s = round_cpu(h, &ep, n, 1, body);
		plain += p;
		signd += s;
		printf("%-6d %13.1f us %13.1f us %8.2f\n", r + 1, p * 1e6,
		    s * 1e6, s / p);
	}
	printf("%-6s %13.1f us %13.1f us %8.2f  (signed / plain, %d requests "
	    "of %zu bytes each way per round)\n", "all", plain / ROUNDS * 1e6,
	    signd / ROUNDS * 1e6, signd / plain, n, strlen(body));
	http_free(h);
	close(in[1]);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	http_global_cleanup();
	loop_shutdown();
	return 0;
}
