/*
 * One model for spike and secret alerts, the payload v1 of DESIGN section 8,
 * and the batch that groups what one cycle raised into one message per
 * sink. Every rendering of an alert (payload, Slack, email, SNS subject,
 * stdout JSON) goes through this module's redaction layer: an alert never
 * holds a raw secret, only the scanner's redacted preview and fingerprint,
 * and text fields are checked again before rendering.
 */
#ifndef CWG_ALERT_H
#define CWG_ALERT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct config_sink;
struct store;

enum alert_kind {
	ALERT_SPIKE = 0,
	ALERT_SECRET
};

enum alert_status {
	ALERT_FIRING = 0,
	ALERT_RESOLVED
};

#define ALERT_NAME_MAX	256

struct alert {
	enum alert_kind		 kind;
	enum alert_status	 status;
	int			 repeat;	/* a re-notification while firing */
	int			 test;		/* cwguard test-alert */
	time_t			 at;		/* end of the period / finding time */
	/* spike */
	char			 watch[ALERT_NAME_MAX];
	char			 entity[ALERT_NAME_MAX * 2];
	char			 signal[32];	/* errors, throttles, 4xx, 5xx, elb5xx, value */
	double			 value;		/* rate (count watches) or metric value */
	double			 baseline;	/* p0, or the robust median */
	double			 p_value;	/* NAN for metric watches */
	double			 score;		/* robust z; NAN for count watches */
	long long		 errors;	/* -1 when not a count watch */
	long long		 requests;
	/* secret */
	char			 source[ALERT_NAME_MAX];	/* [logs NAME] */
	char			 rule[64];
	char			 log_group[ALERT_NAME_MAX * 2];
	char			 log_stream[ALERT_NAME_MAX * 2];
	char			 path[ALERT_NAME_MAX * 2];	/* scan/audit */
	char			 redacted[96];
	char			 fingerprint[65];
	long long		 count;		/* lines seen with this secret */
};

/* Fills the fixed fields with neutral values (NAN, -1, ""). */
void	 alert_init(struct alert *, enum alert_kind);

/*
 * Stable id of the alert (the incident, not the notification): hex of a
 * hash over kind, watch/entity/signal or source/log group/fingerprint.
 * out: 33 bytes.
 */
void	 alert_id(const struct alert *, char *out, size_t outlen);

/*
 * The alert object of DESIGN section 2 / 8 as one line of JSON (no
 * newline), with "type":"alert" or "type":"finding" and "kind". Heap
 * string, caller frees.
 */
char	*alert_json(const struct alert *);

struct alert_context {
	const char	*account;	/* "" when unknown */
	const char	*region;
};

struct alert_batch;

struct alert_batch *alert_batch_new(void);
void	 alert_batch_free(struct alert_batch *);
/*
 * Adds an alert for each sink in the NULL-terminated list (a watch's or
 * logs source's sink_ptrs). Resolved alerts skip sinks with send_resolved
 * off. The alert is copied.
 */
void	 alert_batch_add(struct alert_batch *, const struct alert *,
	    struct config_sink *const *sinks);
/* Alerts added (each once, whatever the number of sinks). */
size_t	 alert_batch_count(const struct alert_batch *);
/* The alerts added, in order; for `check` output. */
const struct alert *alert_batch_get(const struct alert_batch *, size_t);
/*
 * Renders one payload v1 per sink (capped in size, the rest summarised)
 * and enqueues one outbox row per sink with store_outbox_enqueue(), inside
 * the caller's transaction. The batch is emptied. 0, or -1 with err.
 */
int	 alert_batch_enqueue(struct alert_batch *, struct store *,
	    const struct alert_context *, time_t now, char *err,
	    size_t errlen);

#endif
