/* aws_endpoint: regional hosts, IAM's global host, overrides, regions. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "aws_endpoint.h"
#include "aws_profile.h"
#include "tap.h"

static void
clear_env(void)
{
	static const char *vars[] = { "AWS_ENDPOINT_URL",
	    "AWS_ENDPOINT_URL_CLOUDWATCH", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
	    "AWS_ENDPOINT_URL_IAM", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	    "AWS_REGION", "AWS_DEFAULT_REGION", NULL };
	size_t	i;

	for (i = 0; vars[i] != NULL; i++)
		unsetenv(vars[i]);
}

int
main(void)
{
	struct aws_endpoint	ep;
	char			err[256];

	clear_env();
	ok(aws_endpoint_resolve(AWS_SVC_CLOUDWATCH, "eu-west-1", &ep, err,
	    sizeof err) == 0, "cloudwatch resolves");
	is_str(ep.url, "https://monitoring.eu-west-1.amazonaws.com",
	    "cloudwatch regional host");
	is_str(ep.host, "monitoring.eu-west-1.amazonaws.com", "signed host");
	is_str(ep.signing_region, "eu-west-1", "signing region");
	ok(!ep.overridden, "not overridden");
	aws_endpoint_resolve(AWS_SVC_LOGS, "us-east-1", &ep, err, sizeof err);
	is_str(ep.url, "https://logs.us-east-1.amazonaws.com", "logs host");
	aws_endpoint_resolve(AWS_SVC_SECRETSMANAGER, "cn-north-1", &ep, err,
	    sizeof err);
	is_str(ep.url, "https://secretsmanager.cn-north-1.amazonaws.com.cn",
	    "China partition suffix");
	aws_endpoint_resolve(AWS_SVC_IAM, "ap-south-1", &ep, err, sizeof err);
	is_str(ep.url, "https://iam.amazonaws.com", "IAM is global");
	is_str(ep.signing_region, "us-east-1", "IAM signs for us-east-1");
	ok(aws_endpoint_resolve(AWS_SVC_STS, "bogus", &ep, err, sizeof err) ==
	    -1 && strstr(err, "region") != NULL, "bad region refused");
	ok(aws_endpoint_resolve(AWS_SVC_IAM, NULL, &ep, err, sizeof err) == 0,
	    "IAM needs no region");

	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566", 1);
	aws_endpoint_resolve(AWS_SVC_SNS, "us-east-1", &ep, err, sizeof err);
	is_str(ep.url, "http://127.0.0.1:4566", "AWS_ENDPOINT_URL for all");
	is_str(ep.host, "127.0.0.1:4566", "host:port is signed");
	ok(ep.overridden && strcmp(ep.signing_region, "us-east-1") == 0,
	    "override keeps the signing region");
	setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "https://LOGS.Example:8443/"
	    "base/", 1);
	aws_endpoint_resolve(AWS_SVC_LOGS, "us-east-1", &ep, err, sizeof err);
	is_str(ep.url, "https://logs.example:8443", "per-service wins");
	is_str(ep.base_path, "/base", "path prefix kept, trailing / dropped");
	aws_endpoint_resolve(AWS_SVC_CLOUDWATCH, "us-east-1", &ep, err,
	    sizeof err);
	is_str(ep.url, "http://127.0.0.1:4566",
	    "CLOUDWATCH_LOGS does not match CLOUDWATCH");
	setenv("AWS_ENDPOINT_URL_IAM", "ftp://x", 1);
	ok(aws_endpoint_resolve(AWS_SVC_IAM, NULL, &ep, err, sizeof err) ==
	    -1 && strstr(err, "AWS_ENDPOINT_URL_IAM") != NULL,
	    "a bad override names its variable");
	setenv("AWS_ENDPOINT_URL_IAM", "http://user@host/", 1);
	ok(aws_endpoint_resolve(AWS_SVC_IAM, NULL, &ep, err, sizeof err) == -1,
	    "userinfo in an override refused");
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
	aws_endpoint_resolve(AWS_SVC_LOGS, "us-east-1", &ep, err, sizeof err);
	is_str(ep.url, "https://logs.us-east-1.amazonaws.com",
	    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");

	clear_env();
	ok(aws_endpoint_region("eu-central-1", "us-west-2") != NULL &&
	    strcmp(aws_endpoint_region("eu-central-1", "us-west-2"),
	    "eu-central-1") == 0, "configured region first");
	setenv("AWS_DEFAULT_REGION", "ap-east-1", 1);
	is_str(aws_endpoint_region(NULL, "us-west-2"), "ap-east-1",
	    "AWS_DEFAULT_REGION before the profile");
	setenv("AWS_REGION", "sa-east-1", 1);
	is_str(aws_endpoint_region("", "us-west-2"), "sa-east-1",
	    "AWS_REGION before AWS_DEFAULT_REGION");
	clear_env();
	is_str(aws_endpoint_region(NULL, "us-west-2"), "us-west-2",
	    "profile region last");
	ok(aws_endpoint_region(NULL, NULL) == NULL, "none");
	ok(aws_endpoint_region_valid("us-gov-west-1"), "gov region valid");
	ok(!aws_endpoint_region_valid("US-EAST-1") &&
	    !aws_endpoint_region_valid("us--east-1") &&
	    !aws_endpoint_region_valid("useast1") &&
	    !aws_endpoint_region_valid("us-east-1-"), "malformed regions");
	/* The profile's configured endpoints, and ignoring them. */
	{
		struct aws_profile	p;
		char			path[] = "/tmp/test_aws_endpoint.XXXXXX";
		FILE			*f;
		int			fd;

		clear_env();
		fd = mkstemp(path);
		f = fdopen(fd, "w");
		fputs("[services s]\nsts =\n  endpoint_url = http://127.0.0.1:7\n"
		    "cloudwatch_logs =\n  endpoint_url = http://127.0.0.1:6\n",
		    f);
		fclose(f);
		memset(&p, 0, sizeof p);
		p.endpoint_url = "http://127.0.0.1:9";
		p.services = "s";
		ok(aws_endpoint_configure(&p, path, err, sizeof err) == 0,
		    "configure from a profile and its [services s]");
		aws_endpoint_resolve(AWS_SVC_STS, "us-east-1", &ep, err,
		    sizeof err);
		is_str(ep.url, "http://127.0.0.1:7", "[services] sts");
		aws_endpoint_resolve(AWS_SVC_LOGS, "us-east-1", &ep, err,
		    sizeof err);
		is_str(ep.url, "http://127.0.0.1:6", "[services] cloudwatch_logs");
		aws_endpoint_resolve(AWS_SVC_SNS, "us-east-1", &ep, err,
		    sizeof err);
		is_str(ep.url, "http://127.0.0.1:9", "profile endpoint_url");
		setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:8", 1);
		aws_endpoint_resolve(AWS_SVC_SNS, "us-east-1", &ep, err,
		    sizeof err);
		is_str(ep.url, "http://127.0.0.1:8",
		    "AWS_ENDPOINT_URL before the profile's");
		aws_endpoint_resolve(AWS_SVC_STS, "us-east-1", &ep, err,
		    sizeof err);
		is_str(ep.url, "http://127.0.0.1:7",
		    "[services] before AWS_ENDPOINT_URL");
		setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
		aws_endpoint_resolve(AWS_SVC_STS, "us-east-1", &ep, err,
		    sizeof err);
		is_str(ep.url, "https://sts.us-east-1.amazonaws.com",
		    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true: none used");
		unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
		unsetenv("AWS_ENDPOINT_URL");
		p.ignore_configured_endpoint_urls = "true";
		aws_endpoint_configure(&p, path, err, sizeof err);
		aws_endpoint_resolve(AWS_SVC_STS, "us-east-1", &ep, err,
		    sizeof err);
		is_str(ep.url, "https://sts.us-east-1.amazonaws.com",
		    "profile ignore_configured_endpoint_urls = true");
		setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false", 1);
		aws_endpoint_resolve(AWS_SVC_STS, "us-east-1", &ep, err,
		    sizeof err);
		is_str(ep.url, "http://127.0.0.1:7",
		    "... the variable set to false wins");
		aws_endpoint_configure(NULL, NULL, err, sizeof err);
		unlink(path);
		clear_env();
	}
	return tap_done();
}
