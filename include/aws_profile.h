/*
 * The AWS shared config and credentials files (~/.aws/config and
 * ~/.aws/credentials), read the way botocore reads them: sections
 * "[name]" in the credentials file and "[default]" / "[profile name]" in
 * the config file; "key = value" lines; '#' and ';' comments at the start
 * of a line (and inline after white space); indented lines under a key
 * with an empty value are a nested block (e.g. "s3 =") and are skipped.
 * Pure apart from reading the two files.
 */
#ifndef CWG_AWS_PROFILE_H
#define CWG_AWS_PROFILE_H

#include <stddef.h>

/* The settings of one profile that cwguard uses; NULL when absent. */
struct aws_profile {
	char	*name;
	char	*access_key;		/* aws_access_key_id */
	char	*secret_key;		/* aws_secret_access_key (secret) */
	char	*session_token;		/* aws_session_token (secret) */
	char	*region;
	char	*role_arn;
	char	*source_profile;
	char	*credential_source;	/* Environment | Ec2InstanceMetadata | EcsContainer */
	char	*external_id;
	char	*role_session_name;
	char	*web_identity_token_file;
	char	*credential_process;
	char	*endpoint_url;
	char	*ca_bundle;
	char	*services;		/* name of a [services NAME] section */
	char	*ignore_configured_endpoint_urls;	/* "true" */
	char	*sso_session;		/* name of an [sso-session NAME] */
	char	*sso_start_url;		/* legacy SSO profile */
	char	*sso_region;
	char	*sso_account_id;
	char	*sso_role_name;
	long	 duration_seconds;	/* 0: default */
	int	 found;			/* the section exists in either file */
	int	 creds_from_credentials_file;	/* keys came from credentials */
};

/*
 * Reads profile `name` from the credentials file then the config file
 * (NULL path: that file is not read; a missing file is not an error).
 * Keys in the credentials file win over the config file, as in botocore.
 * Returns 0, or -1 with "FILE:LINE: reason" in err (unreadable file,
 * malformed line). *out is zeroed first; free it with
 * aws_profile_cleanup(), which wipes the secrets.
 */
int	 aws_profile_load(const char *cred_path, const char *config_path,
	    const char *name, struct aws_profile *out, char *err,
	    size_t errlen);
void	 aws_profile_cleanup(struct aws_profile *);

/*
 * One value from a section of the config file other than a profile, such
 * as "[services NAME]" or "[sso-session NAME]": section is the header's
 * text ("services dev"); with block set, key is looked up in the indented
 * lines under "block =" ("sts =" then "  endpoint_url = ..."), else at
 * the section's top level. *out is a heap string, or NULL when absent.
 * 0, or -1 with "FILE:LINE: reason". A missing file is not an error.
 */
int	 aws_profile_section_value(const char *config_path,
	    const char *section, const char *block, const char *key,
	    char **out, char *err, size_t errlen);

/*
 * The file paths botocore would use: $AWS_SHARED_CREDENTIALS_FILE else
 * ~/.aws/credentials, and $AWS_CONFIG_FILE else ~/.aws/config ($HOME).
 * Heap strings (NULL when $HOME is unset and no override).
 */
char	*aws_profile_credentials_path(void);
char	*aws_profile_config_path(void);
/* $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default". Static. */
const char *aws_profile_name(void);

/*
 * Splits a credential_process command line like a POSIX shell would for
 * words: white space separates, single quotes are literal, double quotes
 * allow \" \\ \$ \`, a backslash outside quotes escapes the next byte.
 * No expansion of any kind. Returns a NULL-terminated heap argv (free with
 * aws_profile_argv_free), or NULL with err for an unterminated quote or
 * an empty command.
 */
char	**aws_profile_split_command(const char *, char *err, size_t errlen);
void	 aws_profile_argv_free(char **);

#endif
