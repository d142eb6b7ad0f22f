/*
 * AWS protocol codecs, pure (no I/O): Query form encoding, AWS JSON and
 * REST-JSON error decoding, Query XML replies (libexpat into a small
 * bounded tree), and one error type with a retry classifier.
 *
 * Decoders never trust the reply: any bytes give either a result or a
 * filled struct aws_error with a clear message. Texts copied from a reply
 * (code, message, request id) are untrusted: escape them before logging
 * (aws_error_format() does).
 */
#ifndef CWG_AWS_PROTO_H
#define CWG_AWS_PROTO_H

#include <stddef.h>

struct buf;
struct cJSON;

/* Hard caps on what a decoder accepts. */
#define AWS_REPLY_MAX		(8 * 1024 * 1024)	/* body bytes */
#define AWS_XML_MAX_DEPTH	32
#define AWS_XML_MAX_NODES	50000
#define AWS_JSON_MAX_DEPTH	64

/* One HTTP reply as the transport saw it; header values may be NULL. */
struct aws_reply {
	int		 http_status;
	const char	*request_id;	/* x-amzn-RequestId (or x-amz-request-id) */
	const char	*query_error;	/* x-amzn-query-error: "Code;Sender" */
	const char	*error_type;	/* x-amzn-ErrorType (REST-JSON) */
	const char	*body;
	size_t		 len;
};

struct aws_error {
	char	service[32];
	char	code[128];	/* "Throttling"; the HTTP status ("502") when
				   the reply named none, as botocore */
	char	message[512];
	int	http_status;	/* 0: no HTTP reply */
	char	request_id[128];
	int	retryable;	/* throttling or transient: retry with backoff */
	int	throttle;	/* throttling: also slow down */
	int	credential;	/* expired/unknown credentials: refresh them */
};

/* --- Query protocol (form body) ------------------------------------- */

/* Starts a body: "Action=<action>&Version=<version>". 0, or -1 at cap. */
int	 aws_query_begin(struct buf *, const char *action,
	    const char *version);
/*
 * Appends "&key=value" ("key=value" on an empty buffer), both
 * percent-encoded leaving only A-Z a-z 0-9 - _ . ~. 0, or -1 at the cap
 * (nothing appended then).
 */
int	 aws_query_add(struct buf *, const char *key, const char *value);
/* Percent-decodes (%XX only, '+' kept: botocore's unquote). 0 or -1. */
int	 aws_percent_decode(struct buf *, const char *, size_t);

/* --- Errors ---------------------------------------------------------- */

/* Empties e, then sets service and http_status. */
void	 aws_error_init(struct aws_error *, const char *service,
	    int http_status);
/* Sets retryable/throttle/credential from code and http_status. */
void	 aws_error_classify(struct aws_error *);
int	 aws_error_is_throttle_code(const char *);
int	 aws_error_is_transient_code(const char *);
int	 aws_error_is_credential_code(const char *);
/*
 * One escaped line for logs: "sns: Throttling (HTTP 400, request id ..):
 * Rate exceeded". Returns out.
 */
char	*aws_error_format(const struct aws_error *, char *out, size_t outlen);

/* --- AWS JSON 1.0/1.1 and REST-JSON ---------------------------------- */

/*
 * Decodes an error reply (any status) into e: code from
 * x-amzn-query-error, else x-amzn-ErrorType, else body __type / code /
 * Code (normalised: text before ':' kept, then text after the last '#'),
 * message from message / Message, request id from the header; then
 * classifies. Returns 0 when the body was a JSON error object, -1 when
 * it was not (e still filled, with a message saying what was wrong).
 */
int	 aws_json_error(const struct aws_reply *, const char *service,
	    struct aws_error *);
/*
 * A whole JSON reply: on 2xx with a JSON object body, 0 and *out (free
 * with cJSON_Delete). Otherwise -1, *out NULL and e filled (an error
 * reply, or a 2xx whose body is not a JSON object).
 */
int	 aws_json_reply(const struct aws_reply *, const char *service,
	    struct cJSON **out, struct aws_error *);

/* --- Query XML replies ------------------------------------------------ */

struct aws_xml;
struct aws_xml_node;

/*
 * Parses an XML document into a tree. Namespace prefixes are dropped from
 * element names; attributes are ignored; a DOCTYPE is refused; depth and
 * node count are capped. Returns NULL with err on failure.
 */
struct aws_xml *aws_xml_parse(const char *, size_t, char *err,
	    size_t errlen);
void	 aws_xml_free(struct aws_xml *);
const struct aws_xml_node *aws_xml_root(const struct aws_xml *);
/*
 * The first element along a '/'-separated path of names; from the tree
 * the first name is the root's ("GetCallerIdentityResponse/
 * GetCallerIdentityResult/Account"), from a node the names are its
 * descendants'. NULL when absent.
 */
const struct aws_xml_node *aws_xml_find(const struct aws_xml *,
	    const char *path);
const struct aws_xml_node *aws_xml_node_find(const struct aws_xml_node *,
	    const char *path);
/* Text of the element at path (character data, entities decoded). */
const char *aws_xml_get(const struct aws_xml *, const char *path);
const struct aws_xml_node *aws_xml_first_child(const struct aws_xml_node *);
const struct aws_xml_node *aws_xml_next(const struct aws_xml_node *);
const char *aws_xml_name(const struct aws_xml_node *);
const char *aws_xml_text(const struct aws_xml_node *);

/*
 * Decodes a Query error reply (<ErrorResponse><Error><Code>..., or the
 * EC2 form <Response><Errors><Error>...) into e and classifies it.
 * 0 when the body was such a document, -1 otherwise (e still filled).
 */
int	 aws_xml_error(const struct aws_reply *, const char *service,
	    struct aws_error *);
/*
 * A whole Query reply: on 2xx with a well-formed XML body that is not an
 * error document, 0 and *out (free with aws_xml_free). Otherwise -1,
 * *out NULL and e filled.
 */
int	 aws_xml_reply(const struct aws_reply *, const char *service,
	    struct aws_xml **out, struct aws_error *);

#endif
