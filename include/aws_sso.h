/*
 * AWS IAM Identity Center (SSO) credentials, as AWS CLI v2 gets them for
 * an sso_session or a legacy sso_start_url profile: the access token that
 * `aws sso login` cached in ~/.aws/sso/cache/<SHA-1 hex>.json (of the
 * session name, or of the start URL for a legacy profile); when it has
 * expired and the cache holds a refresh token and client registration
 * (sso_session profiles), a new one from the OIDC CreateToken, written
 * back to the cache; then the portal's GetRoleCredentials. Without a
 * usable token the error says to run `aws sso login --profile NAME`.
 */
#ifndef CWG_AWS_SSO_H
#define CWG_AWS_SSO_H

#include <stddef.h>

struct http;
struct aws_credentials;

struct aws_sso_config {
	const char	*profile;	/* for messages */
	const char	*session;	/* sso_session name; NULL: legacy */
	const char	*start_url;
	const char	*region;	/* sso_region */
	const char	*account_id;
	const char	*role_name;
};

/*
 * Fills cfg from the profile (and its [sso-session NAME] section in
 * config_path). 1 when the profile is an SSO one (cfg's strings are heap
 * copies in *strs, freed with aws_sso_config_free), 0 when it is not, -1
 * with err when it is but a setting is missing.
 */
struct aws_profile;
int	 aws_sso_config_load(const struct aws_profile *, const char *config_path,
	    struct aws_sso_config *cfg, char *err, size_t errlen);
void	 aws_sso_config_free(struct aws_sso_config *);

/* The cache file of cfg: $HOME/.aws/sso/cache/<sha1 hex>.json. Heap. */
char	*aws_sso_cache_path(const struct aws_sso_config *);

/*
 * Credentials or an error, once, from the loop. The credentials are
 * borrowed for the callback (copy them).
 */
typedef void (*aws_sso_cb)(const struct aws_credentials *, const char *error,
	    void *arg);
/* Starts the fetch; cfg is copied. 0, or -1 with err (nothing started). */
int	 aws_sso_fetch(struct http *, const struct aws_sso_config *,
	    aws_sso_cb, void *arg, char *err, size_t errlen);

#endif
