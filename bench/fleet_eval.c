/*
 * Offline evaluation of the count detector on a synthetic fleet written by
 * `bench/fleet.py --format eval`. Runs three detectors over every signal:
 *   cwguard  detector_judge_window + detector_step, baselines rolled up by
 *            hour over a trailing window, excluding excess periods, as the
 *            daemon keeps them;
 *   static   a CloudWatch-style alarm: rate > 5 % for 2 datapoints in a row;
 *   band     rate > mean + 3 sd of the per-period rates of the same
 *            trailing hourly rollups, 2 datapoints in a row.
 * and prints recall (incidents with a firing inside [start, end + 3
 * periods]), false alerts (firings outside incidents, after the first
 * day) per signal-week, and the median detection delay in periods.
 * A benchmark, not a test: see bench/README-detector.md.
 */
#include "autoconf.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detector.h"

#define MAX_LABELS	200000
#define MAX_PERIODS	(60 * 24 * 60)
#define NMETHODS	3
#define NKINDS		8

static const char *method_names[NMETHODS] = { "cwguard", "static5%", "band3sd" };
static const char *kind_names[NKINDS] = { "outage", "degradation", "subtle",
    "lowtraffic", "surge", "lone", "nightbump", "other" };

struct label {
	char	 entity[64], signal[8], label[12], kind[16];
	int64_t	 start, end;
	int	 kind_idx;
	int64_t	 first[NMETHODS];	/* first firing in the window; -1 */
	/* --misses: what cwguard's judge said inside [start, end + 3] */
	int	 why[8], anomalous, normal;
	double	 n, e, p0;
};

struct score {
	int	 incidents[NKINDS], detected[NKINDS];
	int	 false_alerts, false_by_kind[NKINDS], warmup_alerts;
	int	*delays;
	size_t	 ndelays;
};

static int		 show_misses;
static struct label	*labels;
static size_t		 nlabels;
static struct score	 scores[NMETHODS];
static struct detector_params dp;
static int		 learn_hours = 6, baseline_hours = 168;
static double		 static_threshold = 0.05;
static int64_t		 eval_start;

static int
kind_index(const char *k)
{
	int	 i;

	for (i = 0; i < NKINDS - 1; i++)
		if (strcmp(k, kind_names[i]) == 0)
			return i;
	return NKINDS - 1;
}

static void
record_firing(int m, const char *entity, const char *signal, int64_t t,
    int64_t period)
{
	size_t	 i;
	int	 in_incident = 0, trap = -1;

	for (i = 0; i < nlabels; i++) {
		struct label *l = &labels[i];

		if (strcmp(l->entity, entity) != 0 ||
		    strcmp(l->signal, signal) != 0)
			continue;
		if (t < l->start || t > l->end + 3 * period)
			continue;
		if (strcmp(l->label, "incident") == 0) {
			in_incident = 1;
			if (l->first[m] < 0)
				l->first[m] = t;
		} else
			trap = l->kind_idx;
	}
	if (in_incident)
		return;
	if (t < eval_start) {
		scores[m].warmup_alerts++;
		return;
	}
	scores[m].false_alerts++;
	if (show_misses && m == 0)
		printf("false %s %s %lld (%s)\n", entity, signal,
		    (long long)t, trap >= 0 ? kind_names[trap] : "no label");
	scores[m].false_by_kind[trap >= 0 ? trap : NKINDS - 1]++;
}

/* Trailing sums of hourly rollups. */
struct rollup {
	double	*a, *b, *c;	/* per hour */
	double	 sa, sb, sc;	/* over the window */
	int64_t	 h0, cur;	/* first hour, hour being filled */
};

static void
rollup_init(struct rollup *r, size_t hours, int64_t h0)
{
	r->a = calloc(hours + 1, sizeof(double));
	r->b = calloc(hours + 1, sizeof(double));
	r->c = calloc(hours + 1, sizeof(double));
	if (r->a == NULL || r->b == NULL || r->c == NULL) {
		perror("calloc");
		exit(1);
	}
	r->sa = r->sb = r->sc = 0;
	r->h0 = r->cur = h0;
}

/* Moves to hour h: completed hours enter the window, old ones leave. */
static void
rollup_advance(struct rollup *r, int64_t h)
{
	int64_t	 old;

	while (r->cur < h) {
		size_t	 k = (size_t)(r->cur - r->h0);

		r->sa += r->a[k];
		r->sb += r->b[k];
		r->sc += r->c[k];
		old = r->cur - baseline_hours;
		if (old >= r->h0) {
			k = (size_t)(old - r->h0);
			r->sa -= r->a[k];
			r->sb -= r->b[k];
			r->sc -= r->c[k];
		}
		r->cur++;
	}
}

static void
rollup_free(struct rollup *r)
{
	free(r->a);
	free(r->b);
	free(r->c);
}

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void
run_signal(const char *entity, const char *signal, int64_t start,
    int64_t period, const double *ns, const double *es, size_t count)
{
	struct detector_alert		 alert;
	struct detector_baseline	 b;
	struct detector_judgement	 j;
	struct rollup			 rc, rb;
	size_t				 i, lo, hours;
	int64_t				 t, h, h0;
	int				 srun = 0, salarm = 0, brun = 0,
					 balarm = 0;
	double				 rate, mu, sd;
	struct label			*mine[64];
	size_t				 nmine = 0, li;

	for (li = 0; show_misses && li < nlabels && nmine < 64; li++)
		if (strcmp(labels[li].entity, entity) == 0 &&
		    strcmp(labels[li].signal, signal) == 0 &&
		    strcmp(labels[li].label, "incident") == 0)
			mine[nmine++] = &labels[li];
	h0 = start / 3600;
	hours = (size_t)((start + (int64_t)count * period) / 3600 - h0 + 1);
	rollup_init(&rc, hours, h0);
	rollup_init(&rb, hours, h0);
	detector_alert_init(&alert);
	for (i = 0; i < count; i++) {
		t = start + (int64_t)i * period;
		h = t / 3600;
		rollup_advance(&rc, h);
		rollup_advance(&rb, h);

		/* cwguard */
		b.errors = rc.sb;
		b.requests = rc.sa;
		b.learning = h - h0 < learn_hours;
		lo = i + 1 > (size_t)dp.max_span ? i + 1 - dp.max_span : 0;
		detector_judge_window(&dp, ns + lo, es + lo, i + 1 - lo, &b, &j);
		if (detector_step(&dp, &alert, t, j.verdict, 0) ==
		    DETECTOR_TR_FIRING)
			record_firing(0, entity, signal, t, period);
		for (li = 0; li < nmine; li++) {
			struct label *l = mine[li];

			if (t < l->start || t > l->end + 3 * period)
				continue;
			if (t == l->start)
				l->p0 = j.p0;
			if (t < l->end) {
				l->n += ns[i];
				l->e += es[i];
			}
			if (j.verdict == DETECTOR_ANOMALOUS)
				l->anomalous++;
			else if (j.verdict == DETECTOR_NORMAL)
				l->normal++;
			else
				l->why[j.reason & 7]++;
		}
		if (!j.excess && ns[i] >= es[i]) {
			rc.a[h - h0] += ns[i];
			rc.b[h - h0] += es[i];
		}

		if (ns[i] <= 0)
			continue;	/* missing datapoint: no evaluation */
		rate = es[i] / ns[i];

		/* static: CloudWatch alarm, 2 of 2 datapoints above 5 % */
		if (rate > static_threshold) {
			if (++srun >= 2 && !salarm) {
				salarm = 1;
				record_firing(1, entity, signal, t, period);
			}
		} else {
			srun = 0;
			salarm = 0;
		}

		/* band: mean + 3 sd of the trailing per-period rates */
		if (rb.sa >= 1 && h - h0 >= learn_hours) {
			mu = rb.sb / rb.sa;
			sd = sqrt(fmax(0, rb.sc / rb.sa - mu * mu));
		} else
			mu = sd = INFINITY;
		if (rate > mu + 3 * sd) {
			if (++brun >= 2 && !balarm) {
				balarm = 1;
				record_firing(2, entity, signal, t, period);
			}
		} else {
			brun = 0;
			balarm = 0;
			rb.a[h - h0] += 1;
			rb.b[h - h0] += rate;
			rb.c[h - h0] += rate * rate;
		}
	}
	rollup_free(&rc);
	rollup_free(&rb);
}

static void
score_labels(int64_t period)
{
	size_t	 i;
	int	 m;

	for (m = 0; m < NMETHODS; m++) {
		scores[m].delays = calloc(nlabels + 1, sizeof(int));
		if (scores[m].delays == NULL)
			exit(1);
	}
	for (i = 0; i < nlabels; i++) {
		struct label *l = &labels[i];

		if (strcmp(l->label, "incident") != 0)
			continue;
		for (m = 0; m < NMETHODS; m++) {
			scores[m].incidents[l->kind_idx]++;
			if (l->first[m] < 0)
				continue;
			scores[m].detected[l->kind_idx]++;
			scores[m].delays[scores[m].ndelays++] =
			    (int)((l->first[m] - l->start) / period);
		}
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: fleet_eval [--for N] [--resolve N] "
	    "[--alpha A] [--ratio R]\n\t[--min-requests N] [--min-errors N] "
	    "[--ceiling C] [--prior S]\n\t[--span N] [--learn-hours H] "
	    "[--baseline-hours H] [--misses 1] FILE\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	FILE		*f;
	char		 line[512], entity[64], signal[16], err[128];
	double		*ns, *es;
	long long	 a0, a1, a2;
	int64_t		 period = 60, first_start = -1;
	size_t		 i, nsignals = 0, count = 0;
	int		 ai, m, k, signal_weeks_x1000;
	double		 sw, n, e;

	detector_params_default(&dp);
	for (ai = 1; ai < argc - 1; ai += 2) {
		const char *o = argv[ai], *v = argv[ai + 1];

		if (strcmp(o, "--for") == 0)
			dp.for_periods = atoi(v);
		else if (strcmp(o, "--resolve") == 0)
			dp.resolve_after = atoi(v);
		else if (strcmp(o, "--alpha") == 0)
			dp.alpha = atof(v);
		else if (strcmp(o, "--ratio") == 0)
			dp.min_ratio = atof(v);
		else if (strcmp(o, "--min-requests") == 0)
			dp.min_requests = atof(v);
		else if (strcmp(o, "--min-errors") == 0)
			dp.min_errors = atof(v);
		else if (strcmp(o, "--ceiling") == 0)
			dp.ceiling = atof(v);
		else if (strcmp(o, "--prior") == 0)
			dp.prior_strength = atof(v);
		else if (strcmp(o, "--span") == 0)
			dp.max_span = atoi(v);
		else if (strcmp(o, "--learn-hours") == 0)
			learn_hours = atoi(v);
		else if (strcmp(o, "--baseline-hours") == 0)
			baseline_hours = atoi(v);
		else if (strcmp(o, "--misses") == 0)
			show_misses = atoi(v);
		else
			usage();
	}
	if (ai != argc - 1)
		usage();
	if (detector_params_check(&dp, err, sizeof err) == -1) {
		fprintf(stderr, "fleet_eval: %s\n", err);
		return 64;
	}
	if ((f = fopen(argv[ai], "r")) == NULL) {
		fprintf(stderr, "fleet_eval: %s: %s\n", argv[ai],
		    strerror(errno));
		return 66;
	}
	labels = calloc(MAX_LABELS, sizeof *labels);
	ns = calloc(MAX_PERIODS, sizeof *ns);
	es = calloc(MAX_PERIODS, sizeof *es);
	if (labels == NULL || ns == NULL || es == NULL)
		return 1;

	while (fgets(line, sizeof line, f) != NULL) {
		if (line[0] == 'L' && nlabels < MAX_LABELS) {
			struct label *l = &labels[nlabels];

			if (sscanf(line, "L %63s %7s %lld %lld %11s %15s",
			    l->entity, l->signal, &a0, &a1, l->label,
			    l->kind) != 6)
				continue;
			l->start = a0;
			l->end = a1;
			l->kind_idx = kind_index(l->kind);
			for (m = 0; m < NMETHODS; m++)
				l->first[m] = -1;
			nlabels++;
		} else if (line[0] == 'S') {
			if (sscanf(line, "S %63s %15s %lld %lld %lld", entity,
			    signal, &a0, &a1, &a2) != 5 || a2 < 0 ||
			    a2 > MAX_PERIODS) {
				fprintf(stderr, "fleet_eval: bad series\n");
				return 65;
			}
			period = a1;
			if (first_start < 0) {
				first_start = a0;
				eval_start = a0 + 86400;
			}
			count = (size_t)a2;
			for (i = 0; i < count; i++) {
				if (fgets(line, sizeof line, f) == NULL ||
				    sscanf(line, "%lf %lf", &n, &e) != 2) {
					fprintf(stderr, "fleet_eval: short "
					    "series %s\n", entity);
					return 65;
				}
				ns[i] = n;
				es[i] = e;
			}
			run_signal(entity, signal, a0, period, ns, es, count);
			nsignals++;
		}
	}
	fclose(f);
	/* Count the incidents and delays now that every firing is known. */
	score_labels(period);

	sw = 0;
	if (first_start >= 0 && nsignals > 0) {
		int64_t last = first_start + (int64_t)count * period;

		sw = nsignals * (double)(last - eval_start) / (7 * 86400.0);
	}
	signal_weeks_x1000 = (int)(sw * 1000);
	printf("signals %zu, signal-weeks %.1f, labels %zu; for %d, "
	    "resolve %d, alpha %g, ratio %g, min_requests %g, min_errors %g, "
	    "ceiling %g, prior %g, span %d, learn %dh, baseline %dh\n",
	    nsignals, signal_weeks_x1000 / 1000.0, nlabels, dp.for_periods,
	    dp.resolve_after, dp.alpha, dp.min_ratio, dp.min_requests,
	    dp.min_errors, dp.ceiling, dp.prior_strength, dp.max_span,
	    learn_hours, baseline_hours);
	printf("%-9s %7s %9s %7s %7s", "method", "recall", "false", "fa/sw",
	    "delay");
	for (k = 0; k < 4; k++)
		printf(" %11.11s", kind_names[k]);
	printf("  false in: surge lone nightbump other\n");
	for (m = 0; m < NMETHODS; m++) {
		struct score	*s = &scores[m];
		int		 inc = 0, det = 0;
		double		 med = NAN;

		for (k = 0; k < NKINDS; k++) {
			inc += s->incidents[k];
			det += s->detected[k];
		}
		qsort(s->delays, s->ndelays, sizeof(int), cmp_int);
		if (s->ndelays > 0)
			med = s->ndelays % 2 ? s->delays[s->ndelays / 2] :
			    (s->delays[s->ndelays / 2 - 1] +
			    s->delays[s->ndelays / 2]) / 2.0;
		printf("%-9s %7.3f %9d %7.3f %7.1f", method_names[m],
		    inc ? (double)det / inc : NAN, s->false_alerts,
		    sw > 0 ? s->false_alerts / sw : NAN, med);
		for (k = 0; k < 4; k++)
			printf("     %3d/%-3d", s->detected[k], s->incidents[k]);
		printf("  %d %d %d %d\n", s->false_by_kind[4],
		    s->false_by_kind[5], s->false_by_kind[6],
		    s->false_by_kind[7]);
	}
	{
		int	 traps[NKINDS] = { 0 };

		for (i = 0; i < nlabels; i++)
			if (strcmp(labels[i].label, "trap") == 0)
				traps[labels[i].kind_idx]++;
		printf("traps: surge %d, lone %d, nightbump %d; false alerts "
		    "per signal-week in them (cwguard): %.3f %.3f %.3f\n",
		    traps[4], traps[5], traps[6],
		    sw > 0 ? scores[0].false_by_kind[4] / sw : NAN,
		    sw > 0 ? scores[0].false_by_kind[5] / sw : NAN,
		    sw > 0 ? scores[0].false_by_kind[6] / sw : NAN);
	}
	for (i = 0; show_misses && i < nlabels; i++) {
		struct label *l = &labels[i];

		if (strcmp(l->label, "incident") != 0 || l->first[0] >= 0)
			continue;
		printf("missed %s %s %s %lld+%lldmin: n %.0f e %.0f p0 %.4f; "
		    "anomalous %d normal %d no-data %d few %d stale %d\n",
		    l->kind, l->entity, l->signal, (long long)l->start,
		    (long long)((l->end - l->start) / 60), l->n, l->e, l->p0,
		    l->anomalous, l->normal, l->why[DETECTOR_R_NO_DATA],
		    l->why[DETECTOR_R_FEW_REQUESTS], l->why[DETECTOR_R_STALE]);
	}
	for (m = 0; m < NMETHODS; m++)
		free(scores[m].delays);
	free(labels);
	free(ns);
	free(es);
	return 0;
}
