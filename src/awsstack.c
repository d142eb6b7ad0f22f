#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws.h"
#include "aws_creds.h"
#include "aws_endpoint.h"
#include "aws_profile.h"
#include "awsstack.h"
#include "config.h"
#include "http.h"
#include "loop.h"
#include "util.h"

/*
 * The CA bundle of AWS requests: [aws] ca_file, else $AWS_CA_BUNDLE, else
 * the profile's ca_bundle (as the AWS CLI orders them), checked readable;
 * its path goes to out (for config check --online) and *ca_file. Then the
 * profile's endpoints (aws_endpoint_configure()).
 */
static int
awsstack_profile(const char *profile, const char **ca_file, char *out,
    size_t outlen, char *err, size_t errlen)
{
	struct aws_profile	 p;
	const char		*name, *v, *from = "[aws] ca_file";
	char			*cpath, *fpath, e[300];
	int			 rc = -1;

	memset(&p, 0, sizeof p);
	name = profile != NULL && *profile != '\0' ? profile :
	    aws_profile_name();
	cpath = aws_profile_credentials_path();
	fpath = aws_profile_config_path();
	if (aws_profile_load(cpath, fpath, name, &p, e, sizeof e) == -1) {
		snprintf(err, errlen, "credentials: %s", e);
		goto done;
	}
	if (aws_endpoint_configure(&p, fpath, e, sizeof e) == -1) {
		snprintf(err, errlen, "endpoints: %s", e);
		goto done;
	}
	if (*ca_file == NULL || **ca_file == '\0') {
		*ca_file = NULL;
		if ((v = getenv("AWS_CA_BUNDLE")) != NULL && *v != '\0')
			from = "AWS_CA_BUNDLE";
		else if ((v = p.ca_bundle) != NULL && *v != '\0')
			from = "profile ca_bundle";
		else
			v = NULL;
		if (v != NULL) {
			util_strlcpy(out, v, outlen);
			*ca_file = out;
		}
	} else
		util_strlcpy(out, *ca_file, outlen);
	if (*ca_file != NULL && access(*ca_file, R_OK) == -1) {
		snprintf(err, errlen, "%s %s: %s", from, *ca_file,
		    strerror(errno));
		goto done;
	}
	rc = 0;
done:
	aws_profile_cleanup(&p);
	free(cpath);
	free(fpath);
	return rc;
}

int
awsstack_open(struct awsstack *s, const struct config *cfg, int flags,
    char *err, size_t errlen)
{
	struct http_options	 ho;
	struct aws_creds_options co;
	struct aws_options	 ao;
	const char		*region;
	char			 e[400];

	memset(s, 0, sizeof *s);
	memset(&ho, 0, sizeof ho);
	memset(&co, 0, sizeof co);
	if (cfg != NULL) {
		ho.max_concurrency = (size_t)cfg->aws.max_concurrency;
		ho.ca_file = cfg->aws.ca_file;
		co.profile = cfg->aws.profile;
		co.region = cfg->aws.region;
		co.role_arn = cfg->aws.role_arn;
		co.external_id = cfg->aws.external_id;
	}
	/*
	 * What the profile says about the transport, before the transport
	 * exists: its CA bundle and its configured endpoints.
	 */
	if (awsstack_profile(co.profile, &ho.ca_file, s->ca_bundle,
	    sizeof s->ca_bundle, e, sizeof e) == -1) {
		snprintf(err, errlen, "%s", e);
		goto fail;
	}
	if ((s->http = http_new(loop_get(), &ho, e, sizeof e)) == NULL) {
		snprintf(err, errlen, "http: %s", e);
		goto fail;
	}
	if ((s->creds = aws_creds_new(s->http, &co, e, sizeof e)) == NULL) {
		snprintf(err, errlen, "credentials: %s", e);
		goto fail;
	}
	if ((region = aws_creds_region(s->creds)) != NULL)
		util_strlcpy(s->region, region, sizeof s->region);
	if (flags & AWSSTACK_NO_CLIENT)
		return 0;
	if (s->region[0] == '\0') {
		snprintf(err, errlen, "no AWS region: set [aws] region, "
		    "AWS_REGION or a profile region");
		goto fail;
	}
	memset(&ao, 0, sizeof ao);
	ao.http = s->http;
	ao.creds = s->creds;
	ao.region = s->region;
	if ((s->aws = aws_new(&ao, e, sizeof e)) == NULL) {
		snprintf(err, errlen, "aws: %s", e);
		goto fail;
	}
	return 0;
fail:
	awsstack_close(s);
	return -1;
}

void
awsstack_close(struct awsstack *s)
{
	aws_free(s->aws);
	http_free(s->http);
	aws_creds_free(s->creds);
	memset(s, 0, sizeof *s);
}
