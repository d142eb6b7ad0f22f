/*
 * Drives the [logs] sources of a config through logsrc against whatever
 * AWS_ENDPOINT_URL points at (the simulator), without the engine: for
 * tests/integration/logs.py and bench/logs_lines.sh.
 *
 * usage: logs_tool -c FILE [-n CYCLES] [-l LIMIT] [-p PARALLEL]
 *        [-t NOW] [-s STOP_AFTER_ROWS] [-d]
 *
 * Prints one JSON object per alert raised ("type":"finding"...), then one
 * per source: {"type":"stats","source":...,"rows":...,"cursor":...}.
 * -s stops the source (logsrc_stop) once that many rows were processed,
 * as a shutdown in the middle of a window would. Exit 0 when every cycle
 * succeeded, 1 otherwise.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "aws.h"
#include "aws_creds.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "logsrc.h"
#include "loop.h"
#include "store.h"
#include "util.h"

struct run {
	struct logsrc	*ls;
	int		 done, ok;
	long long	 stop_after;
	int		 stopped;
	char		 error[256];
};

static void
cycle_done(int ok, const char *error, void *arg)
{
	struct run	*r = arg;

	r->done = 1;
	r->ok = ok;
	if (error != NULL)
		util_strlcpy(r->error, error, sizeof r->error);
}

static int
run_done(void *arg)
{
	struct run	*r = arg;

	if (!r->done && !r->stopped && r->stop_after > 0 &&
	    logsrc_stats(r->ls)->rows >= r->stop_after) {
		r->stopped = 1;
		logsrc_stop(r->ls);
	}
	return r->done;
}

int
main(int argc, char **argv)
{
	struct config		*cfg;
	struct config_logs	*cl;
	struct http_options	 ho;
	struct aws_creds_options co;
	struct aws_options	 ao;
	struct http		*http;
	struct aws_creds	*creds;
	struct aws		*aws;
	struct store		*st;
	struct alert_context	 actx = { "", "" };
	struct alert_batch	*report;
	const struct logsrc_stats *s;
	unsigned char		 key[STORE_KEY_LEN];
	const char		*path = NULL, *region;
	char			*cause = NULL, err[600], *j;
	int			 ch, cycles = 1, limit = 0, parallel = 0, i, rc = 0;
	int			 flags = 0;
	long long		 now = 0, stop_after = 0;
	int64_t			 cursor;
	size_t			 k;
	struct run		 r;

	while ((ch = getopt(argc, argv, "c:n:l:p:t:s:dv")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'n': cycles = atoi(optarg); break;
		case 'l': limit = atoi(optarg); break;
		case 'p': parallel = atoi(optarg); break;
		case 't': now = atoll(optarg); break;
		case 's': stop_after = atoll(optarg); break;
		case 'd': flags |= LOGSRC_DRY_RUN; break;
		case 'v': log_set_level(LOG_LEVEL_DEBUG); break;
		default:
			fprintf(stderr, "usage: logs_tool -c FILE [-n CYCLES] "
			    "[-l LIMIT] [-p PARALLEL] [-t NOW] [-s ROWS] "
			    "[-d]\n");
			return 2;
		}
	}
	if (path == NULL || (cfg = config_load(path, &cause)) == NULL) {
		fprintf(stderr, "logs_tool: %s\n", cause ? cause : "no -c");
		return 2;
	}
	memset(&ho, 0, sizeof ho);
	if ((http = http_new(loop_get(), &ho, err, sizeof err)) == NULL)
		goto fail;
	memset(&co, 0, sizeof co);
	co.region = cfg->aws.region;
	if ((creds = aws_creds_new(http, &co, err, sizeof err)) == NULL)
		goto fail;
	if ((region = aws_creds_region(creds)) == NULL)
		region = "us-east-1";
	memset(&ao, 0, sizeof ao);
	ao.http = http;
	ao.creds = creds;
	ao.region = region;
	if ((aws = aws_new(&ao, err, sizeof err)) == NULL)
		goto fail;
	if ((st = store_open(cfg->state, STORE_CREATE, err, sizeof err)) ==
	    NULL || store_install_key(st, key) == -1)
		goto fail;
	actx.region = region;
	TAILQ_FOREACH(cl, &cfg->logs, entry) {
		memset(&r, 0, sizeof r);
		if ((r.ls = logsrc_new(cl, aws, st, key, err, sizeof err)) ==
		    NULL)
			goto fail;
		if (limit > 0)
			logsrc_set_limit(r.ls, limit);
		if (parallel > 0)
			logsrc_set_parallel(r.ls, parallel);
		r.stop_after = stop_after;
		for (i = 0; i < cycles && !r.stopped; i++) {
			report = alert_batch_new();
			r.done = 0;
			if (logsrc_cycle(r.ls, now ? (time_t)now : time(NULL),
			    cfg->lag, flags, &actx, report, cycle_done, &r,
			    err, sizeof err) == -1)
				goto fail;
			if (loop_run_until(run_done, &r, 600) == -1) {
				logsrc_stop(r.ls);
				r.ok = 0;
			}
			for (k = 0; k < alert_batch_count(report); k++) {
				j = alert_json(alert_batch_get(report, k));
				printf("%s\n", j);
				free(j);
			}
			alert_batch_free(report);
			if (!r.ok)
				rc = 1;
		}
		s = logsrc_stats(r.ls);
		cursor = 0;
		(void)store_cursor_get(st, logsrc_source(r.ls), &cursor);
		printf("{\"type\":\"stats\",\"source\":\"%s\",\"ok\":%d,"
		    "\"cycles\":%lld,\"queries\":%lld,\"splits\":%lld,"
		    "\"rows\":%lld,\"duplicates\":%lld,\"findings\":%lld,"
		    "\"notifications\":%lld,\"bytes_scanned\":%.0f,"
		    "\"overflows\":%lld,\"limit_retries\":%lld,"
		    "\"failures\":%lld,\"cursor\":%lld}\n", logsrc_name(r.ls),
		    r.ok, s->cycles, s->queries, s->splits, s->rows,
		    s->duplicates, s->findings, s->notifications,
		    s->bytes_scanned, s->overflows, s->limit_retries,
		    s->failures, (long long)cursor);
		if (!r.ok)
			fprintf(stderr, "logs_tool: %s\n", r.error);
		logsrc_free(r.ls);
	}
	/* Let StopQuery calls of a stopped source go out. */
	loop_run_for(0.3);
	store_close(st);
	aws_free(aws);
	aws_creds_free(creds);
	http_free(http);
	config_free(cfg);
	return rc;
fail:
	fprintf(stderr, "logs_tool: %s\n", err);
	return 2;
}
