/*
 * AWS credentials and the provider chain of DESIGN section 5, in botocore's
 * order: environment, assume-role profile (source_profile or
 * credential_source), web identity, shared credentials file,
 * credential_process, config file keys, ECS/EKS container endpoint, EC2
 * IMDSv2. Optionally an AssumeRole of [aws] role_arn on top. Temporary
 * credentials are refreshed before they expire without blocking the loop
 * (advisory refresh 15 minutes before Expiration, mandatory at 10).
 * Secrets are wiped when freed and never logged.
 */
#ifndef CWG_AWS_CREDS_H
#define CWG_AWS_CREDS_H

#include <stddef.h>
#include <time.h>

struct http;
struct aws_creds;

struct aws_credentials {
	char	*access_key;
	char	*secret_key;		/* secret */
	char	*session_token;		/* secret; NULL for long-term keys */
	time_t	 expiration;		/* 0: does not expire */
};

struct aws_creds_options {
	const char	*profile;	/* [aws] profile; NULL: AWS_PROFILE... */
	const char	*region;	/* for STS; NULL: from env/profile */
	const char	*role_arn;	/* [aws] role_arn: AssumeRole on top */
	const char	*external_id;
	const char	*session_name;	/* NULL: "cwguard-<epoch>" */
};

/* Copies src into dst (heap strings). */
void	 aws_credentials_copy(struct aws_credentials *dst,
	    const struct aws_credentials *src);
/* Wipes and frees the strings; the struct is zeroed. */
void	 aws_credentials_cleanup(struct aws_credentials *);
/*
 * Reads the JSON of the container endpoint, IMDS and credential_process
 * (AccessKeyId, SecretAccessKey, Token or SessionToken, Expiration).
 * 0, or -1 with a reason that never holds the secret.
 */
int	 aws_credentials_from_json(const char *, size_t,
	    struct aws_credentials *, char *err, size_t errlen);

/*
 * Decides which provider applies (from the environment and the profile
 * files) without any network traffic. NULL with err when none can.
 */
struct aws_creds *aws_creds_new(struct http *, const struct aws_creds_options *,
	    char *err, size_t errlen);
void	 aws_creds_free(struct aws_creds *);

/* "env", "profile prod", "web-identity", "container", "imds"... */
const char *aws_creds_provider(const struct aws_creds *);
/* The region the chain settled on (options, env, profile), or NULL. */
const char *aws_creds_region(const struct aws_creds *);

/*
 * Credentials usable now (no expiry or more than 10 minutes left), or NULL.
 * Inside 15 minutes of expiry this also starts a background refresh.
 */
const struct aws_credentials *aws_creds_peek(struct aws_creds *, time_t now);

typedef void (*aws_creds_cb)(const struct aws_credentials *,
	    const char *error, void *arg);
/*
 * Calls cb with usable credentials: at once when aws_creds_peek() has
 * them, else after a refresh, from the loop. On failure cb gets NULL and
 * the reason. Returns 0 (cb will run exactly once) or -1 with err.
 */
int	 aws_creds_get(struct aws_creds *, time_t now, aws_creds_cb, void *arg,
	    char *err, size_t errlen);
/* AWS rejected the current credentials (ExpiredToken): refetch next time. */
void	 aws_creds_invalidate(struct aws_creds *);

#endif
