/*
 * `cwguard audit`: a read-only look at an account's Lambda functions.
 * Three checks, in the order of the hardening checklist:
 *
 *   - IAM: execution roles whose policies allow `*` (all actions, a whole
 *     service, NotAction) or data actions on Resource "*", and AWS managed
 *     policies known to be broad;
 *   - Lambda: secrets in environment variables (the scanner's rules, plus
 *     secret-looking key names with high-entropy values);
 *   - coverage: functions and API Gateway stages that no [watch] of the
 *     config covers (stages found from their CloudWatch metrics).
 *
 * The analysis functions are pure (audit.c, unit-tested from tables); the
 * runner (audit_iam.c) fetches through the AWS client and collects
 * findings into a struct audit_report that cmd_audit.c prints.
 *
 * Severity (the checklist's): critical for Action "*", "service:*" or
 * NotAction on every resource, iam:* anywhere, and AWS managed policies
 * that amount to that (AdministratorAccess, PowerUserAccess, *FullAccess);
 * high for those on scoped resources, data actions (s3:GetObject,
 * dynamodb:*, secretsmanager:GetSecretValue, kms:Decrypt, ...) on
 * Resource "*", broad read-only managed policies and every secret in an
 * environment variable; medium for partial wildcards ("ec2:Describe*") on
 * Resource "*" and for functions no watch covers. A statement with a
 * Condition is one level lower (the condition may scope it) and says so.
 * Deny statements never make a finding (nor are they subtracted).
 */
#ifndef CWG_AUDIT_H
#define CWG_AUDIT_H

#include <sys/queue.h>

#include <stddef.h>

struct aws;
struct config;
struct scanner;

enum audit_severity {
	AUDIT_SEV_NONE = 0,
	AUDIT_SEV_MEDIUM,
	AUDIT_SEV_HIGH,
	AUDIT_SEV_CRITICAL
};

/* "critical", "high", "medium" ("none"). */
const char *audit_severity_name(enum audit_severity);

/* --- IAM policy documents (pure) ----------------------------------- */

#define AUDIT_POLICY_MAX	131072	/* IAM's cap on a document, bytes */

/* One Allow statement that grants too much. Strings are escaped text. */
struct audit_stmt_finding {
	enum audit_severity	 severity;
	const char		*check;	/* "iam-admin", "iam-service-wildcard",
					   "iam-not-action", "iam-data-action-
					   any-resource", "iam-partial-wildcard" */
	int			 index;		/* 0-based statement number */
	char			 sid[64];	/* "" when absent */
	char			 actions[256];	/* the offending actions:
						   "s3:*", "dynamodb:*" */
	char			 resources[256]; /* "*" or the list */
	int			 not_action;	/* NotAction */
	int			 not_resource;	/* NotResource */
	int			 conditional;	/* has a Condition */
};

typedef void (*audit_stmt_cb)(const struct audit_stmt_finding *, void *);

/*
 * Judges a JSON policy document: each Allow statement that grants too
 * much goes to cb (at most one finding per statement, at its worst).
 * Returns the number of findings, or -1 with err when the document is
 * not a policy (not JSON, no Statement, over AUDIT_POLICY_MAX).
 */
int	 audit_policy_check(const char *doc, size_t len, audit_stmt_cb cb,
	    void *arg, char *err, size_t errlen);
/* Same for a document as IAM sends it: percent-encoded (%XX only). */
int	 audit_policy_check_encoded(const char *doc, size_t len,
	    audit_stmt_cb cb, void *arg, char *err, size_t errlen);
/*
 * An AWS managed policy known to be broad: its severity, and the reason
 * in *why (static text); AUDIT_SEV_NONE for anything else (customer
 * policies, other AWS policies: judge their document instead).
 */
enum audit_severity audit_managed_broad(const char *policy_arn,
	    const char **why);
/* 1 when the ARN is an AWS managed policy ("arn:*:iam::aws:policy/..."). */
int	 audit_policy_is_aws_managed(const char *policy_arn);

/* --- Lambda environment variables (pure) --------------------------- */

struct audit_env_finding {
	const char	*rule;		/* scanner rule id, or "env-secret-name" */
	char		 redacted[64];	/* as log findings are redacted */
};

typedef void (*audit_env_cb)(const struct audit_env_finding *, void *);

/*
 * 1 when an environment variable name says it holds a secret (PASSWORD,
 * SECRET, TOKEN, API_KEY, PRIVATE_KEY, CREDENTIAL, ...) and is not a
 * reference to one (..._ARN, ..._NAME, ..._ID, ..._PARAM, ..._PATH, ...).
 */
int	 audit_env_name_sensitive(const char *name);
/*
 * Checks one variable: "NAME=VALUE" (each line of a multi-line value)
 * through the scanner, then the name rule when the scanner found nothing:
 * a sensitive name with a value of at least 10 bytes and 3.0 bits/byte
 * of entropy that is not a reference (arn:, /path, ${...}, {{resolve:,
 * a URL without credentials). A value that is a reference also silences
 * the scanner's generic-* assignment rules. Returns the number of
 * findings. The value is only read; the caller wipes it.
 */
int	 audit_env_check(struct scanner *, const char *name,
	    const char *value, size_t vlen, audit_env_cb cb, void *arg);

/* --- Coverage (pure) ------------------------------------------------ */

/*
 * The first [watch] of kind lambda whose functions globs match the name
 * and whose exclude globs do not, or NULL.
 */
const struct config_watch *audit_watch_for_function(const struct config *,
	    const char *function);
/* The apigw watch whose apis (minus exclude) match "name/stage", or NULL. */
const struct config_watch *audit_watch_for_api(const struct config *,
	    const char *api);

/* --- The run --------------------------------------------------------- */

/* A finding of the report; every string is escaped, printable text. */
struct audit_item {
	enum audit_severity	 severity;
	char			*check;
	char			*region;	/* NULL for IAM (global) */
	char			*function;	/* lambda-env-secret, unwatched */
	char			*api;		/* unwatched-api: "name/stage" */
	char			*role;		/* IAM findings */
	char			*role_functions; /* "a, b, +3 more" */
	char			*policy;	/* policy name */
	char			*policy_type;	/* "inline", "managed", "aws-managed" */
	char			*variable;	/* lambda-env-secret */
	char			*rule;
	char			*redacted;
	char			*message;	/* one line saying what is wrong */
	char			*fix;		/* the recommendation */
	TAILQ_ENTRY(audit_item)	 entry;
};

/* What could not be checked, and why. */
struct audit_skip {
	char			*what;		/* "iam:GetRolePolicy role r policy p" */
	char			*why;		/* "AccessDenied (HTTP 403): ..." */
	TAILQ_ENTRY(audit_skip)	 entry;
};

TAILQ_HEAD(audit_items, audit_item);
TAILQ_HEAD(audit_skips, audit_skip);

struct audit_report {
	char			 account[16];	/* from the function ARNs */
	char			 regions[256];	/* "us-east-1, eu-west-1" */
	size_t			 functions;	/* listed */
	size_t			 variables;	/* environment variables read */
	size_t			 roles;		/* distinct execution roles */
	size_t			 policies;	/* documents judged or named */
	size_t			 watched;	/* functions a watch covers */
	size_t			 apis;		/* API stages seen in CloudWatch */
	size_t			 apis_watched;	/* those an apigw watch covers */
	int			 coverage;	/* 1: the coverage check ran */
	char			 coverage_note[256]; /* why it did not */
	struct audit_items	 items;		/* most severe first */
	struct audit_skips	 skips;
};

/* One region's Lambda client; IAM goes through iam (global). */
struct audit_options {
	struct aws		**lambda;	/* one per region */
	size_t			 nlambda;
	struct aws		*iam;
	struct scanner		*scanner;
	const struct config	*config;	/* NULL: no coverage check */
	const char		*no_config_reason; /* when config is NULL */
	double			 timeout;	/* seconds; 0: 300 */
};

/*
 * Runs the audit to completion on the loop: lists the functions of each
 * region (paged), checks their environment, fetches and judges every
 * distinct execution role's policies, then the coverage. Returns the
 * report (audit_report_free); failures are recorded as skips, never
 * fatal.
 */
struct audit_report *audit_run(const struct audit_options *);
void	 audit_report_free(struct audit_report *);
/* Highest severity among the items, AUDIT_SEV_NONE when clean. */
enum audit_severity audit_report_worst(const struct audit_report *);
size_t	 audit_report_count(const struct audit_report *, enum audit_severity);

/* Adds an item (strings copied and escaped; NULL fields stay NULL). */
struct audit_item *audit_report_add(struct audit_report *,
	    enum audit_severity, const char *check);
void	 audit_item_set(char **field, const char *value);
void	 audit_report_skip(struct audit_report *, const char *what,
	    const char *why);
/* Sorts items: severity, then check, then subject. */
void	 audit_report_sort(struct audit_report *);

#endif
