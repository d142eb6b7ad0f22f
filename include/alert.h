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
	double			 band_lo, band_hi; /* metric: the normal band
						   the value was compared
						   with (NAN: open end) */
	long long		 errors;	/* -1 when not a count watch */
	long long		 requests;
	/* why (count watches): errors and requests above are the span's */
	char			 trigger[16];	/* window, sequential, ceiling; "" */
	time_t			 span_start;	/* first period of the span; 0 */
	int			 span_periods;	/* periods in it; 0 unknown */
	double			 llr;		/* sequential test's S; NAN none */
	/* secret */
	char			 source[ALERT_NAME_MAX];	/* [logs NAME] */
	char			 rule[64];	/* also a metric watch's
						   rule: z-score, level
						   shift, novelty, change,
						   static, absence, drop */
	char			 log_group[ALERT_NAME_MAX * 2];
	char			 log_stream[ALERT_NAME_MAX * 2];
	char			 path[ALERT_NAME_MAX * 2];	/* scan/audit */
	char			 redacted[96];
	char			 fingerprint[65];
	long long		 count;		/* lines seen with this secret */
	/* routing and context (issue 18) */
	char			 labels[512];	/* "team=payments,tier=1" */
	char			 runbook[512];	/* URL, "" if none */
	char			 console_url[1024]; /* AWS console, "" if none */
	/* cwguard's own health (selfmon.h): a spike with kind "self" */
	int			 self;
	char			 message[256];
	char			 aws_account[13]; /* aws-access-key-id: the account its id encodes */
};

struct config_watch;
struct config_logs;
/*
 * Labels, runbook and AWS console link (alert_links.c): from a watch
 * (after watch, entity, signal are set) or a logs source (after log group
 * and stream are set), for region ("" or NULL: no console link).
 */
void	 alert_links_watch(struct alert *, const struct config_watch *,
	    const char *region);
void	 alert_links_logs(struct alert *, const struct config_logs *,
	    const char *region);
/* 1 when the alert's labels match every "key=glob" of match (NULL: 1). */
int	 alert_labels_match(const struct alert *, char *const *match);

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

/*
 * The hold hook (silences and mute windows, see silence.h), one per
 * process, set by the engine: asked for each alert of a batch as it is
 * enqueued, inside the caller's transaction; 1 holds the alert back, 0
 * lets it through, -1 fails the enqueue with err. Test alerts are never
 * asked. alert_hold_set(NULL, NULL) removes it; alert_hold_clear(arg)
 * removes it only if it was set with arg.
 */
typedef int (*alert_hold_fn)(void *, struct store *, const struct alert *,
	    time_t, char *, size_t);
void	 alert_hold_set(alert_hold_fn, void *arg);
void	 alert_hold_clear(void *arg);

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

/*
 * Additions by the alert module (issue 6).
 */
struct cJSON;

/* Limits of one message (one outbox row): alerts shown and JSON bytes. */
#define ALERT_BATCH_MAX_ALERTS	100
#define ALERT_BATCH_MAX_BYTES	(192 * 1024)

/*
 * The redaction layer. alert_redact_text() runs the secret scanner over
 * text (line by line) and masks every finding's alphanumeric bytes with
 * '*' in place (JSON quoting and escapes are kept intact); it returns the
 * number of findings masked. alert_sanitize() does the same for every text
 * field of an alert, makes invalid UTF-8 '?', and masks a "redacted" field
 * that does not look redacted. Every rendering passes through both.
 */
size_t	 alert_redact_text(char *text, size_t len);
size_t	 alert_sanitize(struct alert *);
/* Frees the redaction layer's scanner (at exit; optional). */
void	 alert_cleanup(void);

/* The alert object (as alert_json()) as cJSON; caller deletes. */
struct cJSON *alert_to_cjson(const struct alert *);
/* Back from such an object: 0, or -1 if it is not one. */
int	 alert_from_cjson(const struct cJSON *, struct alert *);
/* "FIRING", "STILL FIRING", "RESOLVED", "SECRET"; "TEST " prefixed. */
const char *alert_status_word(const struct alert *, char *out,
	    size_t outlen);
/* "critical" (firing spike or secret), "ok" (resolved), "info" (test). */
const char *alert_severity(const struct alert *);
/*
 * Why a metric watch's alert fired, one line: the rule, the value, what it
 * was compared with ("z-score: 95 outside 10.7 .. 27.1 (median 19.9,
 * score 18.5)", "static: 95 above 90", "absence: no datapoint for 20m
 * (missing_after 15m)", "drop: 0 requests, at most 1000 of 3000 expected
 * (p 1e-300)"); "" for other alerts. Returns out.
 */
char	*alert_why(const struct alert *, char *out, size_t outlen);
/* One line, UTF-8, no control bytes: "FIRING api/orders 5xx: 12% ...". */
char	*alert_summary(const struct alert *, char *out, size_t outlen);
/*
 * A subject for a message of n alerts (first is the first of them),
 * "[cwguard] ..." cut at a UTF-8 boundary to at most max bytes (out
 * holds at least max + 1).
 */
char	*alert_subject(const struct alert *first, size_t n,
	    long long omitted, char *out, size_t max);
/* Longest prefix of s (len bytes) of at most max bytes ending on a
 * UTF-8 character boundary. */
size_t	 alert_utf8_cut(const char *s, size_t len, size_t max);

/*
 * Enqueue as alert_batch_enqueue(), calling cb for each row made (sink
 * name and notification id).
 */
int	 alert_batch_enqueue_cb(struct alert_batch *, struct store *,
	    const struct alert_context *, time_t now,
	    void (*cb)(void *, const char *sink, const char *id), void *cbarg,
	    char *err, size_t errlen);

/*
 * The stored form of a message (an outbox row's payload) is payload v1
 * without "id", with an ordering key "seq" and the count of alerts left
 * out, "omitted". alert_payload_v1() renders the payload v1 for the
 * notification id from it: {"version":1,"source":"cwguard","account",
 * "region","id","alerts":[...]} (+ "omitted":N when alerts were left
 * out, + "truncated":true when max bytes forced more out). max 0: no
 * limit. Heap string (caller frees), NULL if stored is malformed.
 */
char	*alert_payload_v1(const struct cJSON *stored, const char *id,
	    size_t max);
/* The alerts of a stored message: array (caller frees), count, omitted. */
int	 alert_stored_alerts(const struct cJSON *stored, struct alert **out,
	    size_t *n, long long *omitted);

#endif
