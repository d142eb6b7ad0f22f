#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws_endpoint.h"
#include "aws_profile.h"
#include "xmalloc.h"
#include "util.h"

static const struct aws_service_info aws_services[AWS_SVC_COUNT] = {
	[AWS_SVC_CLOUDWATCH] = { "cloudwatch", "CLOUDWATCH", "monitoring",
	    "monitoring", AWS_PROTO_JSON, "GraniteServiceVersion20100801",
	    "application/x-amz-json-1.0", "2010-08-01", 0 },
	[AWS_SVC_LOGS] = { "logs", "CLOUDWATCH_LOGS", "logs", "logs",
	    AWS_PROTO_JSON, "Logs_20140328", "application/x-amz-json-1.1",
	    "2014-03-28", 0 },
	[AWS_SVC_SNS] = { "sns", "SNS", "sns", "sns", AWS_PROTO_QUERY, NULL,
	    "application/x-www-form-urlencoded; charset=utf-8", "2010-03-31",
	    0 },
	[AWS_SVC_STS] = { "sts", "STS", "sts", "sts", AWS_PROTO_QUERY, NULL,
	    "application/x-www-form-urlencoded; charset=utf-8", "2011-06-15",
	    0 },
	[AWS_SVC_SECRETSMANAGER] = { "secretsmanager", "SECRETS_MANAGER",
	    "secretsmanager", "secretsmanager", AWS_PROTO_JSON,
	    "secretsmanager", "application/x-amz-json-1.1", "2017-10-17", 0 },
	[AWS_SVC_LAMBDA] = { "lambda", "LAMBDA", "lambda", "lambda",
	    AWS_PROTO_REST_JSON, NULL, "application/json", "2015-03-31", 0 },
	[AWS_SVC_IAM] = { "iam", "IAM", "iam", "iam", AWS_PROTO_QUERY, NULL,
	    "application/x-www-form-urlencoded; charset=utf-8", "2010-05-08",
	    1 },
	[AWS_SVC_SSO] = { "sso", "SSO", "awsssoportal", "portal.sso",
	    AWS_PROTO_REST_JSON, NULL, "application/json", "2019-06-10", 0 },
	[AWS_SVC_SSO_OIDC] = { "sso-oidc", "SSO_OIDC", "sso-oauth", "oidc",
	    AWS_PROTO_REST_JSON, NULL, "application/json", "2019-06-10", 0 },
};

const struct aws_service_info *
aws_service_info(enum aws_service svc)
{
	if ((int)svc < 0 || svc >= AWS_SVC_COUNT)
		return NULL;
	return &aws_services[svc];
}

int
aws_endpoint_region_valid(const char *r)
{
	size_t	i, n;
	int	dashes = 0;

	if (r == NULL || (n = strlen(r)) < 4 || n > 32)
		return 0;
	for (i = 0; i < n; i++) {
		if (r[i] == '-') {
			if (i == 0 || r[i - 1] == '-')
				return 0;
			dashes++;
		} else if (!islower((unsigned char)r[i]) &&
		    !isdigit((unsigned char)r[i]))
			return 0;
	}
	return dashes >= 2 && r[n - 1] != '-';
}

const char *
aws_endpoint_region(const char *configured, const char *profile_region)
{
	const char	*v;

	if (configured != NULL && *configured != '\0')
		return configured;
	if ((v = getenv("AWS_REGION")) != NULL && *v != '\0')
		return v;
	if ((v = getenv("AWS_DEFAULT_REGION")) != NULL && *v != '\0')
		return v;
	if (profile_region != NULL && *profile_region != '\0')
		return profile_region;
	return NULL;
}

/* Splits an override URL into url (scheme://authority), host, path. */
static int
aws_endpoint_parse_override(const char *v, const char *var,
    struct aws_endpoint *ep, char *err, size_t errlen)
{
	const char	*auth, *slash;
	size_t		 schemelen, authlen;

	if (strncmp(v, "https://", 8) == 0)
		schemelen = 8;
	else if (strncmp(v, "http://", 7) == 0)
		schemelen = 7;
	else {
		snprintf(err, errlen, "%s: endpoint URL must start with "
		    "http:// or https://", var);
		return -1;
	}
	auth = v + schemelen;
	slash = strchr(auth, '/');
	authlen = slash != NULL ? (size_t)(slash - auth) : strlen(auth);
	if (authlen == 0 || authlen >= sizeof ep->host ||
	    memchr(auth, '@', authlen) != NULL ||
	    strcspn(auth, " \t\r\n?#") < authlen) {
		snprintf(err, errlen, "%s: bad host in endpoint URL", var);
		return -1;
	}
	memcpy(ep->host, auth, authlen);
	ep->host[authlen] = '\0';
	if (schemelen + authlen >= sizeof ep->url) {
		snprintf(err, errlen, "%s: endpoint URL too long", var);
		return -1;
	}
	memcpy(ep->url, v, schemelen + authlen);
	ep->url[schemelen + authlen] = '\0';
	if (slash != NULL) {
		size_t	plen = strlen(slash);

		while (plen > 0 && slash[plen - 1] == '/')
			plen--;
		if (plen >= sizeof ep->base_path ||
		    strcspn(slash, "?# \t\r\n") < plen) {
			snprintf(err, errlen, "%s: bad path in endpoint URL",
			    var);
			return -1;
		}
		memcpy(ep->base_path, slash, plen);
		ep->base_path[plen] = '\0';
	}
	/* Lower-case the host as it is signed and sent. */
	for (authlen = 0; ep->host[authlen] != '\0'; authlen++) {
		ep->host[authlen] = (char)tolower((unsigned char)
		    ep->host[authlen]);
		ep->url[schemelen + authlen] = ep->host[authlen];
	}
	return 0;
}

/* What aws_endpoint_configure() read from the profile. */
static char	*ep_profile_url;
static char	*ep_service_url[AWS_SVC_COUNT];
static int	 ep_profile_ignore;

const char *
aws_endpoint_service_key(enum aws_service svc)
{
	static char	keys[AWS_SVC_COUNT][40];
	size_t		i;

	if ((int)svc < 0 || svc >= AWS_SVC_COUNT)
		return "";
	if (keys[svc][0] == '\0') {
		for (i = 0; aws_services[svc].env_id[i] != '\0' &&
		    i + 1 < sizeof keys[svc]; i++)
			keys[svc][i] = (char)tolower((unsigned char)
			    aws_services[svc].env_id[i]);
		keys[svc][i] = '\0';
	}
	return keys[svc];
}

int
aws_endpoint_configure(const struct aws_profile *p, const char *config_path,
    char *err, size_t errlen)
{
	char	 sect[300];
	int	 i;

	free(ep_profile_url);
	ep_profile_url = NULL;
	for (i = 0; i < AWS_SVC_COUNT; i++) {
		free(ep_service_url[i]);
		ep_service_url[i] = NULL;
	}
	ep_profile_ignore = 0;
	if (p == NULL)
		return 0;
	ep_profile_ignore = p->ignore_configured_endpoint_urls != NULL &&
	    strcasecmp(p->ignore_configured_endpoint_urls, "true") == 0;
	if (p->endpoint_url != NULL && *p->endpoint_url != '\0')
		ep_profile_url = xstrdup(p->endpoint_url);
	if (p->services == NULL || *p->services == '\0')
		return 0;
	snprintf(sect, sizeof sect, "services %s", p->services);
	for (i = 0; i < AWS_SVC_COUNT; i++)
		if (aws_profile_section_value(config_path, sect,
		    aws_endpoint_service_key((enum aws_service)i),
		    "endpoint_url", &ep_service_url[i], err, errlen) == -1)
			return -1;
	return 0;
}

int
aws_endpoint_resolve(enum aws_service svc, const char *region,
    struct aws_endpoint *ep, char *err, size_t errlen)
{
	const struct aws_service_info	*si = aws_service_info(svc);
	const char			*v, *ign;
	char				 var[80];
	const char			*suffix;

	memset(ep, 0, sizeof *ep);
	if (si == NULL) {
		snprintf(err, errlen, "unknown AWS service %d", (int)svc);
		return -1;
	}
	if (!si->global && !aws_endpoint_region_valid(region)) {
		snprintf(err, errlen, "no valid AWS region (set [aws] region, "
		    "AWS_REGION or a profile region)");
		return -1;
	}
	util_strlcpy(ep->signing_region, si->global ? "us-east-1" : region,
	    sizeof ep->signing_region);
	ign = getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	if (ign != NULL && *ign != '\0' ? strcasecmp(ign, "true") != 0 :
	    !ep_profile_ignore) {
		snprintf(var, sizeof var, "AWS_ENDPOINT_URL_%s", si->env_id);
		if ((v = getenv(var)) == NULL || *v == '\0') {
			snprintf(var, sizeof var, "[services] %s endpoint_url",
			    aws_endpoint_service_key(svc));
			v = ep_service_url[svc];
		}
		if (v == NULL || *v == '\0') {
			util_strlcpy(var, "AWS_ENDPOINT_URL", sizeof var);
			v = getenv(var);
		}
		if (v == NULL || *v == '\0') {
			util_strlcpy(var, "profile endpoint_url", sizeof var);
			v = ep_profile_url;
		}
		if (v != NULL && *v != '\0') {
			ep->overridden = 1;
			return aws_endpoint_parse_override(v, var, ep, err,
			    errlen);
		}
	}
	if (si->global) {
		snprintf(ep->host, sizeof ep->host, "%s.amazonaws.com",
		    si->host_prefix);
	} else {
		suffix = strncmp(region, "cn-", 3) == 0 ? "amazonaws.com.cn" :
		    "amazonaws.com";
		snprintf(ep->host, sizeof ep->host, "%s.%s.%s",
		    si->host_prefix, region, suffix);
	}
	snprintf(ep->url, sizeof ep->url, "https://%s", ep->host);
	return 0;
}
