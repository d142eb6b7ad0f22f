/* aws_profile: shared config/credentials parsing and command splitting. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws_profile.h"
#include "tap.h"

static char dir[] = "/tmp/cwguard-profile.XXXXXX";

static char *
write_file(const char *name, const char *text)
{
	static char	path[2][256];
	static int	which;
	FILE		*f;
	char		*p = path[which++ % 2];

	snprintf(p, 256, "%s/%s", dir, name);
	f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	return p;
}

static void
test_files(void)
{
	struct aws_profile	 p;
	char			 err[256], *cred, *conf;

	cred = write_file("credentials",
	    "# comment\n"
	    "[default]\n"
	    "aws_access_key_id = AKIDDEFAULT\n"
	    "aws_secret_access_key = defaultsecret ; inline comment\n"
	    "\n"
	    "[prod]\n"
	    "aws_access_key_id=AKIDPROD\n"
	    "aws_secret_access_key=prod#secret\n"
	    "aws_security_token = legacytoken\n"
	    "[profile prod]\n"
	    "aws_access_key_id = WRONG\n");
	conf = write_file("config",
	    "[default]\n"
	    "region = eu-west-1\n"
	    "s3 =\n"
	    "  max_concurrent_requests = 20\n"
	    "  region = nested-not-this\n"
	    "[profile prod]\n"
	    "region = us-west-2\n"
	    "aws_access_key_id = FROMCONFIG\n"
	    "[profile assume]\n"
	    "role_arn = arn:aws:iam::123456789012:role/cwguard\n"
	    "source_profile = prod\n"
	    "external_id = ext-1\n"
	    "duration_seconds = 3600\n"
	    "[profile proc]\n"
	    "credential_process = /usr/bin/get-creds --profile 'my prof'\n"
	    "[profile bad]\n"
	    "duration_seconds = 60\n");

	ok(aws_profile_load(cred, conf, "default", &p, err, sizeof err) == 0,
	    "default loads");
	is_str(p.access_key, "AKIDDEFAULT", "default key id");
	is_str(p.secret_key, "defaultsecret", "inline comment stripped");
	is_str(p.region, "eu-west-1", "region from config, nested block skipped");
	ok(p.creds_from_credentials_file && p.found, "flags");
	aws_profile_cleanup(&p);

	ok(aws_profile_load(cred, conf, "prod", &p, err, sizeof err) == 0,
	    "prod loads");
	is_str(p.access_key, "AKIDPROD", "credentials file wins over config");
	is_str(p.secret_key, "prod#secret", "'#' without space is data");
	is_str(p.session_token, "legacytoken", "aws_security_token alias");
	is_str(p.region, "us-west-2", "[profile prod] in config");
	aws_profile_cleanup(&p);

	ok(aws_profile_load(cred, conf, "assume", &p, err, sizeof err) == 0 &&
	    p.access_key == NULL, "assume-role profile has no keys");
	is_str(p.role_arn, "arn:aws:iam::123456789012:role/cwguard", "role_arn");
	is_str(p.source_profile, "prod", "source_profile");
	is_str(p.external_id, "ext-1", "external_id");
	is_int(p.duration_seconds, 3600, "duration_seconds");
	aws_profile_cleanup(&p);

	ok(aws_profile_load(cred, conf, "missing", &p, err, sizeof err) == 0 &&
	    !p.found, "a missing profile is not found, not an error");
	aws_profile_cleanup(&p);

	ok(aws_profile_load(cred, conf, "bad", &p, err, sizeof err) == -1 &&
	    strstr(err, "config:17: duration_seconds") != NULL,
	    "bad duration names file:line (%s)", err);

	ok(aws_profile_load("/nonexistent/c", "/nonexistent/d", "default", &p,
	    err, sizeof err) == 0 && !p.found, "missing files are fine");
	aws_profile_cleanup(&p);

	conf = write_file("config", "[default\nregion = x\n");
	ok(aws_profile_load(NULL, conf, "default", &p, err, sizeof err) == -1 &&
	    strstr(err, ":1: section header") != NULL, "unclosed section");
	conf = write_file("config", "[default]\njust words\n");
	ok(aws_profile_load(NULL, conf, "default", &p, err, sizeof err) == -1 &&
	    strstr(err, ":2: expected") != NULL, "line without '='");
}

static void
test_split(void)
{
	char	**argv, err[128];

	argv = aws_profile_split_command("/bin/tool --a 'b c' \"d \\\"e\\\"\" "
	    "f\\ g", err, sizeof err);
	ok(argv != NULL, "split");
	if (argv != NULL) {
		is_str(argv[0], "/bin/tool", "argv0");
		is_str(argv[1], "--a", "argv1");
		is_str(argv[2], "b c", "single quotes");
		is_str(argv[3], "d \"e\"", "double quotes with escapes");
		is_str(argv[4], "f g", "backslash space");
		ok(argv[5] == NULL, "terminated");
	}
	aws_profile_argv_free(argv);
	ok(aws_profile_split_command("tool 'open", err, sizeof err) == NULL &&
	    strstr(err, "unterminated") != NULL, "unterminated quote");
	ok(aws_profile_split_command("   ", err, sizeof err) == NULL,
	    "empty command");
	argv = aws_profile_split_command("echo $HOME `x`", err, sizeof err);
	ok(argv != NULL && strcmp(argv[1], "$HOME") == 0 &&
	    strcmp(argv[2], "`x`") == 0, "no expansion");
	aws_profile_argv_free(argv);
}

static void
test_env(void)
{
	char	*p;

	setenv("HOME", "/home/op", 1);
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	p = aws_profile_credentials_path();
	is_str(p, "/home/op/.aws/credentials", "default credentials path");
	free(p);
	setenv("AWS_CONFIG_FILE", "~/alt/config", 1);
	p = aws_profile_config_path();
	is_str(p, "/home/op/alt/config", "AWS_CONFIG_FILE with ~");
	free(p);
	unsetenv("AWS_PROFILE");
	setenv("AWS_DEFAULT_PROFILE", "legacy", 1);
	is_str(aws_profile_name(), "legacy", "AWS_DEFAULT_PROFILE");
	setenv("AWS_PROFILE", "prod", 1);
	is_str(aws_profile_name(), "prod", "AWS_PROFILE wins");
}

int
main(void)
{
	char	cmd[300];

	if (mkdtemp(dir) == NULL)
		return 1;
	test_files();
	test_split();
	test_env();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", dir);
	return tap_done();
}
