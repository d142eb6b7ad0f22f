/*
 * The AWS client stack a command builds from the [aws] section of its
 * config: the HTTP transport (max_concurrency, ca_file), the credential
 * chain (profile, role_arn, external_id) and the service client for the
 * region (configured, else from the environment or the profile).
 */
#ifndef CWG_AWSSTACK_H
#define CWG_AWSSTACK_H

#include <stddef.h>

struct aws;
struct aws_creds;
struct config;
struct http;

struct awsstack {
	struct http		*http;
	struct aws_creds	*creds;
	struct aws		*aws;		/* NULL with AWSSTACK_NO_CLIENT */
	char			 region[64];	/* "" when none was found */
	char			 ca_bundle[1024]; /* CA file of AWS requests, or "" */
};

#define AWSSTACK_NO_CLIENT	0x1	/* transport and credentials only */

/*
 * Builds the stack; cfg may be NULL (defaults and the environment). 0, or
 * -1 with err prefixed by the part that failed ("http: ", "credentials: ",
 * "aws: ") or saying that no region was found; the stack is then empty.
 */
int	 awsstack_open(struct awsstack *, const struct config *, int flags,
	    char *err, size_t errlen);
/* Frees in the right order (the client, the transport, the credentials). */
void	 awsstack_close(struct awsstack *);

#endif
