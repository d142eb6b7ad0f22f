/*
 * The AWS services cwguard speaks to, and where they are: regional hosts,
 * IAM's global one, and the AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL
 * overrides (how tests and the demo reach the simulator). Pure but for
 * reading the environment.
 */
#ifndef CWG_AWS_ENDPOINT_H
#define CWG_AWS_ENDPOINT_H

#include <stddef.h>

enum aws_service {
	AWS_SVC_CLOUDWATCH = 0,
	AWS_SVC_LOGS,
	AWS_SVC_SNS,
	AWS_SVC_STS,
	AWS_SVC_SECRETSMANAGER,
	AWS_SVC_LAMBDA,
	AWS_SVC_IAM,
	AWS_SVC_SSO,		/* IAM Identity Center portal (unsigned) */
	AWS_SVC_SSO_OIDC,	/* its OIDC token endpoint (unsigned) */
	AWS_SVC_COUNT
};

enum aws_protocol {
	AWS_PROTO_JSON,		/* AWS JSON 1.0 / 1.1: POST /, X-Amz-Target */
	AWS_PROTO_QUERY,	/* form body, XML reply */
	AWS_PROTO_REST_JSON
};

struct aws_service_info {
	const char	*name;		/* "cloudwatch" (for logs and labels) */
	const char	*env_id;	/* "CLOUDWATCH": AWS_ENDPOINT_URL_<id> */
	const char	*signing_name;	/* "monitoring" */
	const char	*host_prefix;	/* "monitoring" */
	enum aws_protocol protocol;
	const char	*target_prefix;	/* JSON: "GraniteServiceVersion20100801" */
	const char	*content_type;	/* JSON: application/x-amz-json-1.0 */
	const char	*api_version;	/* Query: "2010-05-08" */
	int		 global;	/* IAM: one host, signed for us-east-1 */
};

const struct aws_service_info *aws_service_info(enum aws_service);

struct aws_endpoint {
	char	url[512];	/* scheme://host[:port] with no trailing '/' */
	char	host[300];	/* host[:port] as signed */
	char	base_path[200];	/* a path prefix from an override, or "" */
	char	signing_region[64];
	int	overridden;	/* came from AWS_ENDPOINT_URL* */
};

/*
 * Where requests to svc in region go. Returns 0, or -1 with err for a
 * malformed override or region.
 */
int	 aws_endpoint_resolve(enum aws_service, const char *region,
	    struct aws_endpoint *, char *err, size_t errlen);

/*
 * The endpoints the profile configures, as AWS CLI v2 and the SDKs take
 * them (the "configured endpoint URLs"), in this order:
 * $AWS_ENDPOINT_URL_<SERVICE>, the endpoint_url of the service in the
 * profile's [services NAME] section, $AWS_ENDPOINT_URL, the profile's
 * endpoint_url; none when $AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true
 * (or, without that variable, the profile's
 * ignore_configured_endpoint_urls). profile_name is the profile read from
 * config_path. Replaces what an earlier call set. 0, or -1 with err.
 */
struct aws_profile;
int	 aws_endpoint_configure(const struct aws_profile *,
	    const char *config_path, char *err, size_t errlen);
/* The services-section key of svc ("cloudwatch_logs"). Static. */
const char *aws_endpoint_service_key(enum aws_service);

/*
 * The region: the configured one if non-empty, else $AWS_REGION, else
 * $AWS_DEFAULT_REGION, else profile_region, else NULL.
 */
const char *aws_endpoint_region(const char *configured,
	    const char *profile_region);
/* 1 when s looks like an AWS region name ("us-east-1", "cn-north-1"). */
int	 aws_endpoint_region_valid(const char *);

#endif
