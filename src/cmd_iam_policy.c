/*
 * `cwguard config iam-policy`: prints the least-privilege IAM policy of
 * the config (iampolicy.c builds it).
 */
#include "autoconf.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "config.h"
#include "iampolicy.h"

static const char ip_usage[] =
    "usage: cwguard config iam-policy [--account ID] [--audit]\n";

static const char ip_help[] =
    "Print the least-privilege IAM policy this config needs: only the\n"
    "actions it uses, on the narrowest resources AWS allows.\n"
    "  --account ID  use this 12-digit account id in the ARNs (default:\n"
    "                the placeholder " IAMPOLICY_ACCOUNT_PLACEHOLDER ")\n"
    "  --audit       print only the extra read-only actions of\n"
    "                `cwguard audit`, as a separate policy\n";

static int
ip_account_ok(const char *s)
{
	size_t	i;

	for (i = 0; i < 12; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
	}
	return s[12] == '\0';
}

int
cmd_config_iam_policy(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "account", required_argument, NULL, 'a' },
		{ "audit", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct config	*cfg;
	const char	*account = NULL;
	char		*cause = NULL, *text;
	int		 ch, flags = 0, rc = CMD_EX_OK;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			if (!ip_account_ok(optarg)) {
				fprintf(stderr, "cwguard: config iam-policy: "
				    "--account wants a 12-digit account id\n");
				return CMD_EX_USAGE;
			}
			account = optarg;
			break;
		case 'A':
			flags |= IAMPOLICY_AUDIT;
			break;
		case 'h':
			fputs(ip_usage, stdout);
			fputs(ip_help, stdout);
			return CMD_EX_OK;
		default:
			fprintf(stderr, "cwguard: config iam-policy: unknown "
			    "option '%s'\n", argv[optind - 1]);
			fputs(ip_usage, stderr);
			return CMD_EX_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cwguard: config iam-policy: unexpected "
		    "argument '%s'\n", argv[optind]);
		fputs(ip_usage, stderr);
		return CMD_EX_USAGE;
	}
	if ((cfg = cmd_config_load(ctx, &cause)) == NULL) {
		fputs(cause, stderr);
		free(cause);
		return CMD_EX_CONFIG;
	}
	if (ctx->json)
		flags |= IAMPOLICY_COMPACT;
	text = iampolicy_json(cfg, account, flags);
	if (fputs(text, stdout) == EOF || fflush(stdout) == EOF) {
		fprintf(stderr, "cwguard: config iam-policy: cannot write "
		    "to stdout\n");
		rc = CMD_EX_SOFTWARE;
	}
	free(text);
	config_free(cfg);
	return rc;
}
