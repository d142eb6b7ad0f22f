/*
 * The sinks behind one small interface (private to the alert/outbox
 * modules): render one outbox row into a request, classify the answer as
 * delivered, retry or permanent. The transport (http or the AWS client)
 * is the outbox's business.
 */
#ifndef CWG_SINK_H
#define CWG_SINK_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "http.h"

struct aws_error;
struct cJSON;

enum sink_result {
	SINK_DELIVERED = 0,
	SINK_RETRY,
	SINK_PERMANENT
};

/* One notification as the outbox hands it to a sink. */
struct sink_msg {
	const char		*id;		/* notification id */
	const struct cJSON	*stored;	/* the row's payload, parsed */
	time_t			 now;
};

#define SINK_HEADERS_MAX	48
#define SINK_BODY_MAX		(1024 * 1024)

/* A rendered request; sink_out_cleanup() wipes and frees it. */
struct sink_out {
	int			 aws;		/* SNS: body is a Query form */
	struct buf		 body;
	const char		*url;		/* borrowed from the config */
	char			*url_owned;	/* or made by the sink (freed) */
	struct http_header	 headers[SINK_HEADERS_MAX];
	char			*owned[2 * SINK_HEADERS_MAX];
	size_t			 nheaders, nowned;
	/* mail */
	const char		*mail_from;
	const char *const	*rcpt;
	size_t			 nrcpt;
	int			 require_tls;
	const char		*username;
	const char		*password;
	char			 what[64];	/* for logs: "3 alerts" */
};

/* What the transport saw. */
struct sink_answer {
	int			 ok;		/* 2xx / mail accepted */
	long			 status;	/* HTTP status, SMTP reply code */
	int			 flags;		/* HTTP_F_* */
	const char		*error;		/* transport's reason */
	const char		*body;
	size_t			 body_len;
	const struct aws_error	*aws;		/* SNS answers */
};

struct sink_ops {
	enum config_sink_type	 type;
	int	 (*render)(const struct config_sink *, const struct sink_msg *,
		    struct sink_out *, char *err, size_t errlen);
	/* why: a reason for the log and the row's last_error. */
	enum sink_result (*classify)(const struct sink_answer *, char *why,
		    size_t whylen);
};

extern const struct sink_ops sink_sns_ops;
extern const struct sink_ops sink_slack_ops;
extern const struct sink_ops sink_webhook_ops;
extern const struct sink_ops sink_email_ops;
extern const struct sink_ops sink_pagerduty_ops;
extern const struct sink_ops sink_opsgenie_ops;
extern const struct sink_ops sink_teams_ops;

/*
 * Sinks that take one alert per request (PagerDuty, Opsgenie: the alert
 * id is their dedup key): each alert gets its own outbox row.
 */
int	 sink_per_alert(enum config_sink_type);
/* Longest prefix of s of at most max characters (code points), bytes. */
size_t	 sink_utf8_chars(const char *s, size_t max);

const struct sink_ops *sink_ops_get(enum config_sink_type);
void	 sink_out_init(struct sink_out *);
void	 sink_out_cleanup(struct sink_out *);
/* Adds a header; name and value are copied. 0 or -1 when full. */
int	 sink_out_header(struct sink_out *, const char *name,
	    const char *value);
/*
 * The common HTTP classification: 2xx delivered; 408, 429, 5xx and
 * transport failures retry; other answers permanent. why gets the
 * reason with the start of the body, escaped.
 */
enum sink_result sink_classify_http(const struct sink_answer *, char *why,
	    size_t whylen);

/* Standard Webhooks: "v1,<base64 HMAC-SHA256(key, id.ts.body)>". 0/-1. */
int	 sink_webhook_signature(const char *key, const char *id, long long ts,
	    const char *body, size_t len, char *out, size_t outlen);
/* Longest SNS message (bytes) and subject (chars). */
#define SINK_SNS_MESSAGE_MAX	(256 * 1024)
#define SINK_SNS_SUBJECT_MAX	99
/* Slack limits. */
#define SINK_SLACK_BLOCKS_MAX	50
#define SINK_SLACK_TEXT_MAX	3000
#define SINK_SLACK_HEADER_MAX	150
#define SINK_SLACK_FIELDS_MAX	10
#define SINK_SLACK_FIELD_MAX	2000
/* PagerDuty Events API v2. */
#define SINK_PD_BODY_MAX	(512 * 1024)
#define SINK_PD_SUMMARY_MAX	1024
#define SINK_PD_DEDUP_MAX	255
/* Opsgenie Alert API (characters). */
#define SINK_OG_MESSAGE_MAX	130
#define SINK_OG_ALIAS_MAX	512
#define SINK_OG_DESCRIPTION_MAX	15000
#define SINK_OG_TAGS_MAX	20
#define SINK_OG_TAG_MAX		50
#define SINK_OG_DETAILS_MAX	8000
#define SINK_OG_ENTITY_MAX	512
#define SINK_OG_SOURCE_MAX	100
#define SINK_OG_NOTE_MAX	25000
/* Teams: a message (Workflows webhook) of at most 28 KB. */
#define SINK_TEAMS_BODY_MAX	(28 * 1024)

#endif
