/*
 * The state database of a fleet after many days, without the days: fills
 * a store with the rows a lambda watch writes (bench/README-perf.md), then
 * prunes it as `cwguard run` would, and prints the file size.
 *
 *   fleet_fill CONFIG DB [ENTITIES [DAYS [CHURN_HOURS]]]
 *
 * CONFIG names one count watch (the first watch is used, its period and
 * baseline). Hours older than CHURN_HOURS (default 24) get their hourly
 * rollups only (what is left of them once their datapoints are pruned);
 * the last CHURN_HOURS are written period by period with
 * store_datapoint_put() (which keeps the rollups), with the alert and
 * pace rows of every entity, and retention runs after every hour as the
 * daemon's timer does. A benchmark, not a test.
 */
#include "autoconf.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "retention.h"
#include "store.h"
#include "util.h"

#define NOW	1767312000	/* the fleet scenario's clock */

static double
cpu_now(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static long long
file_size(const char *path)
{
	struct stat	sb;
	char		wal[1100];
	long long	n = 0;

	if (stat(path, &sb) == 0)
		n = sb.st_size;
	snprintf(wal, sizeof wal, "%s-wal", path);
	if (stat(wal, &sb) == 0)
		n += sb.st_size;
	return n;
}

/* Deterministic counts around 200 requests, 1 % errors per minute. */
static int64_t
noise(unsigned e, int64_t t, unsigned salt)
{
	uint32_t	h = 2166136261u ^ salt;

	h = (h ^ e) * 16777619u;
	h = (h ^ (uint32_t)t) * 16777619u;
	h = (h ^ (uint32_t)(t >> 32)) * 16777619u;
	return h % 41;
}

static void
die(struct store *s, const char *what)
{
	fprintf(stderr, "fleet_fill: %s: %s\n", what,
	    s != NULL ? store_error(s) : "");
	exit(1);
}

int
main(int argc, char **argv)
{
	struct retention_policy	 pol;
	struct retention_result	 rr;
	struct store_datapoint	 dp;
	struct store_rollup	 ru;
	struct store_alert	 sa;
	const struct config_watch *cw;
	struct config		*cfg;
	struct store		*s;
	char			*cause = NULL, ent[32], key[600], val[128];
	char			 err[512];
	long			 n, days, churn;
	int64_t			 P, t, h, start, pruned = 0;
	double			 c0, cfill, cprune = 0, c1;
	long			 e;

	if (argc < 3) {
		fprintf(stderr, "usage: fleet_fill CONFIG DB [ENTITIES [DAYS "
		    "[CHURN_HOURS]]]\n");
		return 2;
	}
	n = argc > 3 ? atol(argv[3]) : 10000;
	days = argc > 4 ? atol(argv[4]) : 14;
	churn = argc > 5 ? atol(argv[5]) : 24;
	if ((cfg = config_load(argv[1], &cause)) == NULL) {
		fprintf(stderr, "%s", cause != NULL ? cause : "config\n");
		return 1;
	}
	if ((cw = TAILQ_FIRST(&cfg->watches)) == NULL ||
	    cw->kind == CONFIG_WATCH_METRIC) {
		fprintf(stderr, "fleet_fill: the first watch must count\n");
		return 1;
	}
	P = cw->period;
	if ((s = store_open(argv[2], STORE_CREATE, err, sizeof err)) == NULL) {
		fprintf(stderr, "fleet_fill: %s\n", err);
		return 1;
	}
	retention_policy_init(&pol, cfg);
	start = NOW - days * 86400;
	c0 = cpu_now();
	/* the old hours: what their rollups hold once datapoints are gone */
	for (h = start; h < NOW - churn * 3600; h += 3600) {
		if (store_begin(s) == -1)
			die(s, "begin");
		for (e = 0; e < n; e++) {
			snprintf(ent, sizeof ent, "fn-%05ld", e);
			memset(&ru, 0, sizeof ru);
			ru.hour = h;
			ru.requests = (3600 / P) * (180 + noise(e, h, 1));
			ru.errors = ru.requests / 100 + noise(e, h, 2) % 7;
			if (store_rollup_add(s, cw->name, ent, "errors",
			    &ru) == -1)
				die(s, "rollup");
		}
		if (store_commit(s) == -1)
			die(s, "commit");
	}
	/* the last hours period by period, pruned hourly */
	for (h = NOW - churn * 3600; h < NOW; h += 3600) {
		if (store_begin(s) == -1)
			die(s, "begin");
		for (e = 0; e < n; e++) {
			snprintf(ent, sizeof ent, "fn-%05ld", e);
			for (t = h; t < h + 3600; t += P) {
				memset(&dp, 0, sizeof dp);
				dp.period_start = t;
				dp.period_seconds = P;
				dp.requests = 180 + noise(e, t, 1);
				dp.errors = noise(e, t, 2) % 5;
				dp.value = NAN;
				if (store_datapoint_put(s, cw->name, ent,
				    "errors", &dp) == -1)
					die(s, "datapoint");
			}
			if (store_alert_get(s, cw->name, ent, "errors",
			    &sa) == -1)
				die(s, "alert get");
			sa.consecutive_normal++;
			sa.last_period = h + 3600 - P;
			sa.last_value = 0.01;
			sa.last_baseline = 0.01;
			if (store_alert_put(s, &sa) == -1)
				die(s, "alert put");
			snprintf(key, sizeof key, "watch:%s:0:%s", cw->name,
			    ent);
			snprintf(val, sizeof val, "boot=%lld polled=%lld "
			    "traffic=%lld", (long long)start,
			    (long long)(h + 3600), (long long)(h + 3600 - P));
			if (store_meta_put(s, key, val) == -1)
				die(s, "meta");
		}
		if (store_commit(s) == -1)
			die(s, "commit");
		c1 = cpu_now();
		if (retention_run(s, &pol, (time_t)(h + 3600), &rr, err,
		    sizeof err) == -1) {
			fprintf(stderr, "fleet_fill: %s\n", err);
			return 1;
		}
		cprune += cpu_now() - c1;
		pruned += rr.datapoints;
	}
	cfill = cpu_now() - c0 - cprune;
	store_close(s);
	printf("entities %ld, period %llds, days %ld (last %ld h written "
	    "period by period, pruned hourly)\n", n, (long long)P, days,
	    churn);
	printf("datapoints kept %llds, rollups kept %llds\n",
	    (long long)pol.watches[0].keep, (long long)pol.rollup_keep);
	printf("cpu: fill %.1f s, retention %.2f s per hourly run "
	    "(%ld runs, %lld datapoints pruned per run)\n", cfill,
	    churn > 0 ? cprune / churn : 0, churn,
	    churn > 0 ? (long long)(pruned / churn) : 0);
	printf("state file %lld bytes (%.1f MB), %.0f bytes per entity\n",
	    file_size(argv[2]), file_size(argv[2]) / 1e6,
	    (double)file_size(argv[2]) / (double)n);
	retention_policy_cleanup(&pol);
	config_free(cfg);
	return 0;
}
