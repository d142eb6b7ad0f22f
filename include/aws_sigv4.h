/*
 * AWS Signature Version 4 (header form), pure: no I/O, no clock.
 *
 * Canonicalisation follows the official AWS SigV4 test suite and botocore:
 * dot segments removed and repeated slashes collapsed in the path, which is
 * then percent-encoded once more (non-S3 rule: the wire path is encoded
 * again); query pairs decoded, re-encoded strictly and sorted by name then
 * value; header names lower-cased, values trimmed with white-space runs
 * collapsed, repeated headers joined with ',' in order. Every header given
 * is signed except the hop-by-hop ones botocore leaves out (connection,
 * expect, keep-alive, proxy-*, te, trailer, transfer-encoding, upgrade,
 * user-agent, x-amzn-trace-id) and authorization. X-Amz-Date is always the
 * signer's own; X-Amz-Security-Token is added (and signed) when a session
 * token is given, as botocore does.
 */
#ifndef CWG_AWS_SIGV4_H
#define CWG_AWS_SIGV4_H

#include <stddef.h>

struct buf;

#define AWS_SIGV4_KEY_LEN	32
#define AWS_SIGV4_HEX_LEN	64
#define AWS_SIGV4_MAX_HEADERS	64

struct aws_sigv4_header {
	const char	*name;
	const char	*value;
};

/* What is signed. Strings are NUL-terminated; nothing here is kept. */
struct aws_sigv4_request {
	const char	*method;	/* "GET", "POST", ... (upper-cased) */
	const char	*path;		/* as sent on the wire: "" or "/..." */
	const char	*query;		/* raw, without '?'; NULL or "" for none */
	const struct aws_sigv4_header *headers;	/* must include Host */
	size_t		 nheaders;
	const void	*payload;	/* body bytes (NULL with 0: empty) */
	size_t		 payload_len;
	/* 64 lower-case hex digits; when set, payload is not hashed. */
	const char	*payload_hash;
};

/* Who signs, where and when. */
struct aws_sigv4_params {
	const char	*region;	/* "us-east-1" */
	const char	*service;	/* signing name: "monitoring", "logs" */
	const char	*amz_date;	/* "YYYYMMDDTHHMMSSZ" (UTC) */
	const char	*access_key;
	const char	*secret_key;	/* may be NULL when signing_key is set */
	const char	*session_token;	/* NULL: none */
	/*
	 * Optional cached key from aws_sigv4_signing_key() for the same
	 * date (first 8 chars of amz_date), region and service.
	 */
	const unsigned char *signing_key;
};

/*
 * The outcome. All strings are heap copies owned by the result and wiped by
 * aws_sigv4_result_cleanup() (the canonical request and the added headers
 * can carry the session token). add[] lists the headers the caller must
 * send in addition to its own: Authorization, X-Amz-Date and, with a
 * session token, X-Amz-Security-Token.
 */
struct aws_sigv4_result {
	char		*canonical_request;
	char		*string_to_sign;
	char		*signed_headers;	/* "host;x-amz-date" */
	char		*authorization;		/* value of Authorization */
	char		 signature[AWS_SIGV4_HEX_LEN + 1];
	char		 amz_date[17];
	char		*security_token;	/* NULL without a token */
	struct aws_sigv4_header add[3];
	size_t		 nadd;
};

/*
 * Signs req. Returns 0 with *res filled, or -1 with a reason in err (and
 * *res empty: cleanup is still safe). Any input bytes are safe to pass.
 */
int	 aws_sigv4_sign(const struct aws_sigv4_request *,
	    const struct aws_sigv4_params *, struct aws_sigv4_result *,
	    char *err, size_t errlen);
/* Wipes and frees what a result holds; safe on a zeroed or failed one. */
void	 aws_sigv4_result_cleanup(struct aws_sigv4_result *);

/*
 * kSigning = HMAC chain over "AWS4"+secret, date8 ("YYYYMMDD"), region,
 * service, "aws4_request". The caller may cache out for a day and must wipe
 * it when done. Returns 0, or -1 on bad input (out is then zeroed).
 */
int	 aws_sigv4_signing_key(const char *secret, const char *date8,
	    const char *region, const char *service,
	    unsigned char out[AWS_SIGV4_KEY_LEN]);

/* Lower-case hex SHA-256 of n bytes into out (65 bytes). */
void	 aws_sigv4_payload_hash(const void *, size_t,
	    char out[AWS_SIGV4_HEX_LEN + 1]);

/*
 * Percent-encodes n bytes into b, leaving only A-Z a-z 0-9 - _ . ~
 * (and '/' when keep_slash) as they are; upper-case hex. This is the rule
 * for SigV4, the Query protocol and REST path labels. 0, or -1 at b's cap.
 */
int	 aws_sigv4_uri_encode(struct buf *, const char *, size_t,
	    int keep_slash);

/*
 * The canonical URI and the canonical query string alone (for tests and
 * fuzzing). Appends to b; 0, or -1 with err.
 */
int	 aws_sigv4_canonical_uri(struct buf *, const char *path, char *err,
	    size_t errlen);
int	 aws_sigv4_canonical_query(struct buf *, const char *query, char *err,
	    size_t errlen);

#endif
