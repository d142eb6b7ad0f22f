/*
 * SNS sink: Publish with TopicArn, Message = payload v1 (at most 256 KiB:
 * alerts that do not fit are left out and the payload says
 * "truncated":true and how many were "omitted"), an ASCII Subject under
 * 100 characters, and the MessageAttributes severity and kind (String)
 * for subscription filter policies.
 */
#include "autoconf.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "aws_proto.h"
#include "sink.h"
#include "util.h"
#include "xmalloc.h"

/* Room left in the 256 KiB for the subject and the attributes. */
#define SNS_MESSAGE_ROOM	1024

/* SNS subjects are ASCII without control characters. */
static void
sns_ascii(char *s)
{
	unsigned char	*p = (unsigned char *)s, *q = p;

	for (; *p != '\0'; p++) {
		if (*p >= 0x80) {
			if ((*p & 0xc0) != 0x80)
				*q++ = '?';
		} else if (*p < 0x20 || *p == 0x7f)
			*q++ = ' ';
		else
			*q++ = *p;
	}
	*q = '\0';
}

static const char *
sns_kind(const struct alert *v, size_t n)
{
	size_t	i;

	for (i = 1; i < n; i++)
		if (v[i].kind != v[0].kind)
			return "mixed";
	return n > 0 && v[0].kind == ALERT_SECRET ? "secret" : "spike";
}

static const char *
sns_severity(const struct alert *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(alert_severity(&v[i]), "critical") == 0)
			return "critical";
	return n > 0 ? alert_severity(&v[0]) : "info";
}

static int
sns_render(const struct config_sink *s, const struct sink_msg *m,
    struct sink_out *o, char *err, size_t errlen)
{
	struct alert	*v = NULL;
	size_t		 n;
	long long	 omitted;
	char		*msg = NULL, subject[SINK_SNS_SUBJECT_MAX + 1];
	int		 rc = -1;

	if (alert_stored_alerts(m->stored, &v, &n, &omitted) == -1 ||
	    n == 0) {
		snprintf(err, errlen, "malformed stored notification");
		goto done;
	}
	if ((msg = alert_payload_v1(m->stored, m->id, SINK_SNS_MESSAGE_MAX -
	    SNS_MESSAGE_ROOM)) == NULL) {
		snprintf(err, errlen, "notification does not fit an SNS "
		    "message");
		goto done;
	}
	(void)alert_redact_text(msg, strlen(msg));
	alert_subject(&v[0], n, omitted, subject, SINK_SNS_SUBJECT_MAX);
	sns_ascii(subject);
	(void)alert_redact_text(subject, strlen(subject));
	o->aws = 1;
	buf_init(&o->body, 4 * SINK_SNS_MESSAGE_MAX);
	if (aws_query_begin(&o->body, "Publish", "2010-03-31") == -1 ||
	    aws_query_add(&o->body, "TopicArn", s->topic_arn) == -1 ||
	    aws_query_add(&o->body, "Subject", subject) == -1 ||
	    aws_query_add(&o->body, "Message", msg) == -1 ||
	    aws_query_add(&o->body, "MessageAttributes.entry.1.Name",
	    "severity") == -1 ||
	    aws_query_add(&o->body, "MessageAttributes.entry.1.Value.DataType",
	    "String") == -1 ||
	    aws_query_add(&o->body,
	    "MessageAttributes.entry.1.Value.StringValue",
	    sns_severity(v, n)) == -1 ||
	    aws_query_add(&o->body, "MessageAttributes.entry.2.Name",
	    "kind") == -1 ||
	    aws_query_add(&o->body, "MessageAttributes.entry.2.Value.DataType",
	    "String") == -1 ||
	    aws_query_add(&o->body,
	    "MessageAttributes.entry.2.Value.StringValue",
	    sns_kind(v, n)) == -1) {
		snprintf(err, errlen, "Publish request over its size cap");
		goto done;
	}
	rc = 0;
done:
	free(v);
	free(msg);
	return rc;
}

static enum sink_result
sns_classify(const struct sink_answer *a, char *why, size_t whylen)
{
	char	 e[800];

	if (a->ok) {
		why[0] = '\0';
		return SINK_DELIVERED;
	}
	if (a->aws == NULL) {
		snprintf(why, whylen, "%s", a->error != NULL ? a->error :
		    "failed");
		return SINK_RETRY;
	}
	snprintf(why, whylen, "%s", aws_error_format(a->aws, e, sizeof e));
	if (a->aws->retryable || a->aws->throttle || a->aws->credential ||
	    a->aws->http_status == 0 || a->aws->http_status >= 500)
		return SINK_RETRY;
	return SINK_PERMANENT;
}

const struct sink_ops sink_sns_ops = {
	CONFIG_SINK_SNS, sns_render, sns_classify
};
