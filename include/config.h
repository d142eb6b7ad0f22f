/*
 * The configuration file (DESIGN section 3): INI read with inih into one
 * fresh heap struct. Every key of every section is described once, in the
 * table returned by config_keys(); that table drives parsing, defaults,
 * validation and config_print().
 *
 * Secrets: ${env:NAME} and ${file:PATH} are resolved at load;
 * ${secretsmanager:ID} and ${secretsmanager:ID#key} stay references (value
 * NULL) for the AWS layer. Resolved values are wiped by config_free() and
 * never printed: config_print() shows a reference as written and a literal
 * secret as "********".
 */
#ifndef CWG_CONFIG_H
#define CWG_CONFIG_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"

/* Section kinds. */
enum config_section {
	CONFIG_SECTION_CWGUARD = 0,
	CONFIG_SECTION_AWS,
	CONFIG_SECTION_WATCH,
	CONFIG_SECTION_LOGS,
	CONFIG_SECTION_SINK,
	CONFIG_SECTION_MUTE
};

/* Same order as the words of the kind / type keys. */
enum config_watch_kind {
	CONFIG_WATCH_LAMBDA = 0,
	CONFIG_WATCH_APIGW,
	CONFIG_WATCH_ALB,
	CONFIG_WATCH_METRIC
};
enum config_sink_type {
	CONFIG_SINK_SLACK = 0,
	CONFIG_SINK_WEBHOOK,
	CONFIG_SINK_SNS,
	CONFIG_SINK_EMAIL,
	CONFIG_SINK_PAGERDUTY,
	CONFIG_SINK_OPSGENIE,
	CONFIG_SINK_TEAMS
};
enum config_opsgenie_region { CONFIG_OPSGENIE_US = 0, CONFIG_OPSGENIE_EU };
enum config_log_format { CONFIG_LOG_TEXT = 0, CONFIG_LOG_JSON };
enum config_detector {
	CONFIG_DETECTOR_ROBUST = 0,
	CONFIG_DETECTOR_STATIC,		/* above / below */
	CONFIG_DETECTOR_ABSENCE		/* missing_after */
};
enum config_direction {
	CONFIG_DIRECTION_UP = 0,
	CONFIG_DIRECTION_DOWN,
	CONFIG_DIRECTION_BOTH
};

enum config_secret_source {
	CONFIG_SECRET_NONE = 0,		/* key not set */
	CONFIG_SECRET_LITERAL,		/* the value itself, in the file */
	CONFIG_SECRET_ENV,		/* ${env:NAME} */
	CONFIG_SECRET_FILE,		/* ${file:PATH} */
	CONFIG_SECRET_SECRETSMANAGER	/* ${secretsmanager:ID[#key]} */
};

struct config_secret {
	enum config_secret_source source;
	char		*ref;		/* the reference as written, NULL if literal */
	char		*id;		/* env name, path as written, or secret id */
	char		*json_key;	/* secretsmanager "#key", else NULL */
	char		*value;		/* resolved value; NULL for secretsmanager
					   until the AWS layer fetches it */
};

/* "header = Name: value" of a webhook sink; the value is a secret. */
struct config_header {
	char			*name;
	struct config_secret	 value;
};

struct config_listen {
	char		*host;		/* NULL when unset; IPv6 without brackets */
	int		 port;
};

struct config_sink {
	char			*name;
	int			 line;		/* of the [sink NAME] header */
	enum config_sink_type	 type;
	struct config_secret	 url;		/* slack, webhook */
	int			 send_resolved;
	char			*topic_arn;	/* sns */
	struct config_secret	 hmac_key;	/* webhook */
	struct config_header	*headers;	/* webhook */
	size_t			 nheaders;
	struct config_secret	 smtp_url;	/* email */
	char			*from;
	char			**to;
	char			*username;
	struct config_secret	 password;
	int64_t			 expiry;
	int			 rate_limit;	/* messages per minute */
	struct config_secret	 key;		/* pagerduty routing_key,
						   opsgenie api_key */
	char			*endpoint;	/* pagerduty, opsgenie: API base */
	enum config_opsgenie_region region;	/* opsgenie */
	char			**match;	/* "k=v": only alerts so labelled */
	TAILQ_ENTRY(config_sink) entry;
};

struct config_watch {
	char			*name;
	int			 line;
	enum config_watch_kind	 kind;
	char			**functions;	/* lambda */
	char			**exclude;	/* lambda, apigw, alb */
	char			**apis;		/* apigw */
	char			**load_balancers; /* alb */
	char			**signals;	/* lambda, apigw, alb */
	int64_t			 period;
	int			 min_requests;
	int			 min_errors;
	double			 min_ratio;
	double			 alpha;
	double			 ceiling;
	double			 seq_ratio;	/* sequential_ratio */
	double			 seq_false_rate; /* sequential_false_rate */
	int			 time_of_day;
	int			 for_periods;	/* "for" */
	int			 resolve_after;
	int64_t			 repeat;
	int64_t			 baseline;
	int64_t			 idle_interval;
	char			*poll;		/* "auto" or a duration */
	char			*namespace;	/* metric */
	char			*metric;
	char			**dimensions;	/* "Name=Value" */
	char			*stat;
	enum config_detector	 detector;
	double			 threshold;
	enum config_direction	 direction;
	double			 above, below;	/* static; NAN unset */
	int64_t			 missing_after;	/* absence */
	char			**sinks;	/* names, as resolved below */
	struct config_sink	**sink_ptrs;	/* same order, NULL-terminated */
	char			**labels;	/* "k=v" */
	char			*runbook;	/* URL */
	TAILQ_ENTRY(config_watch) entry;
};

struct config_logs {
	char			*name;
	int			 line;
	char			**log_groups;
	int64_t			 interval;
	int64_t			 lookback;
	int64_t			 overlap;
	int64_t			 repeat;
	int			 secrets;
	char			*rules;		/* NULL: built-in rules only */
	int			 prefilter;
	char			**sinks;
	struct config_sink	**sink_ptrs;
	char			**labels;	/* "k=v" */
	char			*runbook;	/* URL */
	TAILQ_ENTRY(config_logs) entry;
};

/* [mute NAME]: a weekly window in which notifications are held back. */
struct config_mute {
	char			*name;
	int			 line;
	char			**watches;	/* watches and logs sources; NULL:
						   every one */
	char			*schedule;	/* "Tue,Thu 14:00-15:00 UTC" */
	TAILQ_ENTRY(config_mute) entry;
};

TAILQ_HEAD(config_watches, config_watch);
TAILQ_HEAD(config_mutes, config_mute);
TAILQ_HEAD(config_logses, config_logs);
TAILQ_HEAD(config_sinks, config_sink);

struct config_aws {
	char		*region;	/* NULL: environment or profile */
	char		*profile;
	char		*role_arn;
	char		*external_id;
	int		 max_concurrency;
	char		*ca_file;
};

struct config {
	char			*path;		/* as given to config_load */
	/* [cwguard] */
	char			*state;
	int64_t			 interval;
	int64_t			 lag;
	int64_t			 reread;
	int64_t			 discovery;	/* ListMetrics refresh */
	enum log_level		 log_level;
	enum config_log_format	 log_format;
	struct config_listen	 metrics_listen;
	int64_t			 secret_ttl;
	char			**self_sinks;	/* cwguard's own health */
	struct config_sink	**self_sink_ptrs; /* NULL-terminated */
	int			 self_after;
	double			 budget;	/* USD a month; NAN: none */
	/* [aws] */
	struct config_aws	 aws;
	struct config_watches	 watches;
	struct config_logses	 logs;
	struct config_sinks	 sinks;
	struct config_mutes	 mutes;
};

/* The key table. */
enum config_type {
	CONFIG_TYPE_STRING = 0,	/* char * */
	CONFIG_TYPE_DURATION,	/* int64_t seconds */
	CONFIG_TYPE_INT,	/* int */
	CONFIG_TYPE_DOUBLE,	/* double */
	CONFIG_TYPE_BOOL,	/* int */
	CONFIG_TYPE_ENUM,	/* int: index of the value in choices */
	CONFIG_TYPE_LIST,	/* char **, NULL-terminated, comma list */
	CONFIG_TYPE_SECRET,	/* struct config_secret */
	CONFIG_TYPE_HEADER,	/* struct config_header * + size_t count */
	CONFIG_TYPE_LISTEN	/* struct config_listen */
};

#define CONFIG_KEY_REPEAT	0x01	/* may repeat; lists append */
#define CONFIG_KEY_MIN_OPEN	0x02	/* value must be > min, not >= */
#define CONFIG_KEY_MAX_OPEN	0x04	/* value must be < max, not <= */
#define CONFIG_KEY_SECRET_AUTH	0x08	/* a literal is a secret only when
					   it holds user:password@ */

struct config_key {
	enum config_section	 section;
	const char		*name;
	enum config_type	 type;
	const char		*def;		/* default as written, NULL: none */
	unsigned		 kinds;		/* 1 << watch kind / sink type it
						   applies to; 0: every one */
	unsigned		 required;	/* 1 << kinds it is required for;
						   ~0U: always */
	const char		*choices;	/* ENUM and LIST: "a|b|c" */
	double			 min, max;	/* INT, DOUBLE, DURATION */
	unsigned		 flags;
	size_t			 offset;	/* in struct config / config_watch /
						   config_logs / config_sink */
	/* Extra check of one value (a list element): 0 or -1 with err. */
	int			(*check)(const char *, char *, size_t);
	const char		*help;
};

/*
 * Reads and validates the file. Returns a new config (config_free), or
 * NULL with *cause set to every error found, one "FILE:LINE: message" per
 * line (caller frees).
 */
struct config	*config_load(const char *path, char **cause);
/* Wipes every secret, then frees. NULL is fine. */
void		 config_free(struct config *);
/* Writes the effective config, defaults filled in, secrets masked. 0/-1. */
int		 config_print(const struct config *, FILE *);
/*
 * The same, as JSON lines: one object per section, {"type":"config",
 * "section":"watch","name":"fns","keys":{"kind":"lambda",...}}, each
 * value the string config_print() writes (a repeated key's lines joined
 * with ", "). 0, or -1 when f cannot be written.
 */
int		 config_print_json(const struct config *, FILE *);
/* The key table, read-only; *n gets its length. */
const struct config_key *config_keys(size_t *n);

/* "lambda", "sns", "[watch]" ... for messages and other modules. */
const char	*config_watch_kind_name(enum config_watch_kind);
const char	*config_sink_type_name(enum config_sink_type);
const char	*config_section_name(enum config_section);

/* Lookups by name; NULL when absent. */
struct config_watch *config_watch_find(const struct config *, const char *);
struct config_sink *config_sink_find(const struct config *, const char *);

#endif
