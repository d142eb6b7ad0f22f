#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "aws.h"
#include "aws_creds.h"
#include "awsstack.h"
#include "config.h"
#include "http.h"
#include "loop.h"
#include "util.h"

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
