/*
 * `cwguard config cost`: the estimated monthly AWS cost of a config.
 *
 * GetMetricData metrics requested per month (the idle back-off replayed
 * over the stored traffic of the last day, the bootstrap once per new
 * entity), Logs Insights bytes scanned, SNS publishes and the other API
 * requests, priced with the constants below. Entities come from
 * ListMetrics (as a cycle discovers them) or, with --offline, from the
 * state database only. Nothing is written to the state database.
 */
#ifndef CWG_COST_H
#define CWG_COST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "config.h"

struct store;

/*
 * Prices of us-east-1, taken in 2026-11 from the AWS pricing pages
 * https://aws.amazon.com/cloudwatch/pricing/ (GetMetricData, Logs
 * Insights, API requests) and https://aws.amazon.com/sns/pricing/
 * (Publish). Other regions differ; delivery costs of SNS (SMS, email,
 * HTTP) are not counted.
 */
#define COST_PRICES_DATE	"2026-11"
#define COST_PRICES_REGION	"us-east-1"
#define COST_PRICES_SOURCE	"https://aws.amazon.com/cloudwatch/pricing/, " \
				"https://aws.amazon.com/sns/pricing/"
/* GetMetricData: per 1,000 metrics requested (no free tier). */
#define COST_GMD_PER_1000	0.01
/* Logs Insights: per GB (10^9 bytes) scanned. */
#define COST_INSIGHTS_PER_GB	0.005
/* SNS Publish: first 1M requests a month free, then per million. */
#define COST_SNS_FREE		1000000.0
#define COST_SNS_PER_MILLION	0.50
/*
 * CloudWatch API requests (ListMetrics, and here also DescribeLogGroups,
 * StartQuery, GetQueryResults): first 1M a month free, then per 1,000.
 */
#define COST_API_FREE		1000000.0
#define COST_API_PER_1000	0.01

/*
 * Native alarms, per alarm-month (same page): a standard-resolution alarm
 * $0.10 per metric it evaluates; an error-ratio alarm (metric math over
 * errors and requests) evaluates 2 metrics, $0.20; an anomaly-detection
 * alarm 3 (the metric and the two of its band), $0.30.
 */
#define COST_ALARM_STANDARD	0.10
#define COST_ALARM_RATIO	0.20
#define COST_ALARM_ANOMALY	0.30

/* A month as AWS's calculator counts it: 730 hours. */
#define COST_MONTH		(730 * 3600)
#define COST_DAY		86400
/* How often the engine re-runs discovery (WATCH_DISCOVERY_TTL, logsrc
   GROUPS_TTL): every cycle at least this old. */
#define COST_DISCOVERY_TTL	600
/* Entities with no requests this long are polled every idle_interval. */
#define COST_IDLE_AFTER		3600
/* ListMetrics and DescribeLogGroups page sizes. */
#define COST_LIST_PAGE		500
#define COST_DESCRIBE_PAGE	50
#define COST_GROUPS_PER_QUERY	50
/* Outbox rows no longer pending are kept this long (retention.h). */
#define COST_OUTBOX_KEEP	(7 * 86400)
/* Assumed GetQueryResults polls per Insights query (0.2 s backoff x1.5). */
#define COST_POLLS_PER_QUERY	4

/* --- Pure arithmetic (unit-tested) ------------------------------------ */

/* Cycles of length interval in span seconds (whole cycles). */
double	 cost_cycles(int64_t span, int64_t interval);
/*
 * Polls of an entity idle for the whole span: the engine polls it when
 * idle_interval has passed since the last poll, that is every
 * ceil(idle_interval / interval) cycles.
 */
double	 cost_idle_polls(int64_t span, int64_t interval,
	    int64_t idle_interval);
/* Discovery runs in span: every ceil(COST_DISCOVERY_TTL / interval) cycles. */
double	 cost_discoveries(int64_t span, int64_t interval);

/*
 * Distinct metrics one entity asks for each poll: numerator and
 * denominator of each configured signal, deduplicated (lambda errors and
 * throttles share Invocations). dens: the denominators the entity has
 * (bit 1 the main one, bit 2 lambda UrlRequestCount); variant: apigw
 * 0 REST, 1 HTTP API. A metric watch asks for one metric.
 */
int	 cost_metrics_per_entity(enum config_watch_kind, int variant,
	    unsigned dens, char *const *signals);
/* The denominator bits the configured signals can use (for entities whose
   metrics are unknown: an upper bound). */
unsigned cost_signal_dens(enum config_watch_kind, char *const *signals);
/* ListMetrics listings one discovery of the kind makes. */
int	 cost_listings(enum config_watch_kind, char *const *signals);

/*
 * Traffic of an entity: requests in every period starting in [from, to]
 * (a stored datapoint: from == to; an hourly rollup with requests, its
 * datapoints pruned: the hour, assumed busy throughout).
 */
struct cost_traffic {
	int64_t	 from;
	int64_t	 to;
};

/*
 * Replays the engine's idle back-off over the cycles now - span,
 * now - span + interval, ... (span / interval of them) for one entity
 * with traffic tr[] (any order): at each cycle the entity is idle when
 * the newest traffic the engine has fetched so far is more than
 * COST_IDLE_AFTER old, and an idle entity is polled only when
 * idle_interval has passed since its last poll; a poll fetches the
 * periods ending before floor(t - lag, period). Returns the polls;
 * *idle_cycles (may be NULL) gets the cycles at which it was idle.
 */
long	 cost_replay_polls(const struct cost_traffic *tr, size_t n,
	    int64_t now, int64_t span, int64_t interval, int64_t idle_interval,
	    int64_t lag, int64_t period, long *idle_cycles);

double	 cost_gmd_usd(double metrics);
double	 cost_insights_usd(double bytes);
double	 cost_sns_usd(double publishes);
double	 cost_api_usd(double requests);

/* --- The estimate ----------------------------------------------------- */

/* One entity found by ListMetrics. */
struct cost_entity {
	char		*name;
	int		 variant;
	unsigned	 dens;
};

/* What discovery found for one watch (config order). */
struct cost_discovery {
	int			 ok;	/* 0: not run or failed */
	struct cost_entity	*ents;
	size_t			 n;
};

/* What DescribeLogGroups found for one logs source (config order). */
struct cost_groups {
	int		 ok;
	long long	 n;		/* matching groups */
	double		 ingest;	/* bytes per second: storedBytes over
					   min(retention, age) summed */
	long long	 no_rate;	/* groups without a usable rate */
};

struct cost_watch {
	const struct config_watch *cw;
	long long	 entities;
	long long	 active;
	long long	 idle;
	long long	 assumed;	/* no history: counted active */
	long long	 unnamed;	/* offline: known only by count */
	long long	 fresh;		/* never bootstrapped */
	double		 metrics_per_cycle;	/* every entity polled */
	double		 metrics_per_day;
	double		 metrics_per_month;
	double		 bootstrap;		/* one-off metrics */
	double		 list_requests;		/* ListMetrics a month */
	/* one entity with every configured signal, a month */
	double		 per_active;		/* metrics, polled every cycle */
	double		 per_idle;		/* metrics, every idle_interval */
	int64_t		 span;		/* seconds of history replayed */
	int64_t		 first_boot;	/* oldest entity bootstrap, 0: none */
	const char	*source;	/* how active/idle was decided */
	double		 usd;
	int64_t		 interval;	/* of the cycles */
	long long	 quiet;		/* polled every few cycles */
	int		 signals;	/* configured, per entity */
	/* poll tiers from the engine's gaps: 0 busy, 1 quiet, 2 idle */
	long long	 tier_n[3];
	long long	 tier_gap[3];	/* sum of gaps, cycles */
	long long	 tier_max[3];
	/* the same coverage with native alarms, USD a month */
	double		 native_standard, native_ratio, native_anomaly;
};

struct cost_logs {
	const struct config_logs *cl;
	long long	 groups;	/* -1: unknown */
	double		 bytes_month;	/* -1: unknown */
	double		 recorded;	/* logs:NAME:bytes_scanned, -1: none */
	const char	*estimate;
	double		 describe, start, results;	/* requests a month */
	double		 usd;
};

struct cost_report {
	time_t		 now;
	int		 offline;
	int		 discovery_failed;
	char		 discovery_error[512];
	int		 have_store;
	struct cost_watch *watches;
	size_t		 nwatches;
	struct cost_logs *logs;
	size_t		 nlogs;
	double		 sns_publishes;
	const char	*sns_estimate;
	double		 sns_usd;
	double		 api_requests;
	double		 api_usd;
	double		 gmd_usd;
	double		 insights_usd;
	double		 bootstrap;	/* one-off metrics, every watch */
	double		 total_usd;
	char		**notes;
	size_t		 nnotes;
};

/*
 * The estimate of cfg at now. store may be NULL (no state database);
 * disc and groups (one entry per watch / logs source, in config order)
 * may be NULL (offline). The report holds pointers into cfg. 0, or -1
 * with err (a state database error).
 */
int	 cost_estimate(const struct config *, struct store *,
	    const struct cost_discovery *disc, const struct cost_groups *groups,
	    time_t now, struct cost_report *, char *err, size_t errlen);
void	 cost_report_cleanup(struct cost_report *);
/* The table, or one JSON object on one line. 0, or -1 on a write error. */
int	 cost_report_print(const struct cost_report *, int json, FILE *);

/*
 * ListMetrics for every watch and DescribeLogGroups for every logs source
 * of cfg: fills disc (one per watch, in config order) and groups (one per
 * logs source). 0, or -1 with err (what failed; what succeeded is still
 * filled in). Free disc with cost_free_discovery().
 */
int	 cost_discover(const struct config *cfg, time_t now,
	    struct cost_discovery *disc, struct cost_groups *groups, char *err,
	    size_t errlen);
/* Adds a note (printf format) to r's notes, once. */
void	 cost_note(struct cost_report *r, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Frees the n entries of d (NULL is fine) and d. */
void	 cost_free_discovery(struct cost_discovery *d, size_t n);

#endif
