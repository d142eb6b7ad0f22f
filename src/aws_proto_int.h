/* Private to aws_proto.c and aws_xml.c. */
#ifndef CWG_AWS_PROTO_INT_H
#define CWG_AWS_PROTO_INT_H

struct aws_error;
struct aws_reply;

/*
 * Initialises e for service and the reply's status, and takes what the
 * headers say: request id, then the code from x-amzn-query-error or
 * x-amzn-ErrorType.
 */
void	aws_proto_error_headers(const struct aws_reply *, const char *service,
	    struct aws_error *);

#endif
