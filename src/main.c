/*
 * cwguard: guards serverless workloads on AWS from the outside.
 * The entry point parses the global options and hands over to a command.
 */
#include "autoconf.h"

#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "log.h"

#define MAIN_DEFAULT_CONFIG	SYSCONFDIR "/cwguard/cwguard.conf"

struct main_command {
	const char	*name;
	cmd_fn		 fn;
	const char	*synopsis;
};

static const struct main_command main_commands[] = {
	{ "run", cmd_run, "run" },
	{ "check", cmd_check, "check [--dry-run] [-t SECONDS] "
	    "[--perfdata-series] [--watch NAME]..." },
	{ "backtest", cmd_backtest,
	    "backtest --from T --to T [--watch NAME]..." },
	{ "scan", cmd_scan, "scan [--rules FILE] [--baseline FILE] "
	    "[--write-baseline FILE] [PATH...|-]" },
	{ "findings", cmd_findings, "findings list [--log-group G] "
	    "[--since T] | findings ack|allow|reset FINGERPRINT" },
	{ "status", cmd_status, "status [--watch NAME] [--ascii]" },
	{ "test-alert", cmd_test_alert, "test-alert [SINK]..." },
	{ "audit", cmd_audit, "audit [--region R]..." },
	{ "config", cmd_config, "config check [--online]\n"
	    "  config iam-policy [--account ID] [--audit]\n"
	    "  config cost [--offline]" },
	{ "silence", cmd_silence, "silence add|list|expire ..." },
	{ "version", cmd_version, "version" },
};

static void
main_usage(FILE *f)
{
	size_t	i;

	fprintf(f, "usage: cwguard [-c FILE] [-v|-q] [--format text|json] "
	    "COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof main_commands / sizeof main_commands[0]; i++)
		fprintf(f, "  %s\n", main_commands[i].synopsis);
	fprintf(f, "\n'cwguard COMMAND --help' describes a command. The config "
	    "is -c FILE, else $CWGUARD_CONFIG,\nelse %s.\n",
	    MAIN_DEFAULT_CONFIG);
}

int
cmd_version(struct cmd_ctx *ctx, int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		printf("usage: cwguard version\n\nPrint the version of "
		    "cwguard (with --format json as\n"
		    "{\"type\":\"version\",\"version\":...}). Exit 0.\n");
		return CMD_EX_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "cwguard: version takes no arguments\n");
		return CMD_EX_USAGE;
	}
	if (ctx->json)
		printf("{\"type\":\"version\",\"version\":\"%s\"}\n",
		    PACKAGE_VERSION);
	else
		printf("cwguard %s\n", PACKAGE_VERSION);
	return CMD_EX_OK;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_ctx	 ctx;
	const char	*env;
	size_t		 i;
	int		 ch;

	/* Numbers in output and perfdata are always C-locale. */
	setlocale(LC_CTYPE, "");
	setlocale(LC_NUMERIC, "C");
	memset(&ctx, 0, sizeof ctx);
	ctx.now = time(NULL);
	if ((env = getenv("CWGUARD_CONFIG")) != NULL && *env != '\0') {
		ctx.config_path = env;
		ctx.config_explicit = 1;
	} else
		ctx.config_path = MAIN_DEFAULT_CONFIG;

	/* '+': stop at the command name; its options are its own. */
	while ((ch = getopt_long(argc, argv, "+c:vqhV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			ctx.config_path = optarg;
			ctx.config_explicit = 1;
			break;
		case 'v':
			ctx.verbosity++;
			break;
		case 'q':
			ctx.verbosity = -1;
			break;
		case 'F':
			if (strcmp(optarg, "json") == 0)
				ctx.json = 1;
			else if (strcmp(optarg, "text") == 0)
				ctx.json = 0;
			else {
				fprintf(stderr, "cwguard: --format: '%s' is "
				    "not text or json\n", optarg);
				return CMD_EX_USAGE;
			}
			break;
		case 'h':
			main_usage(stdout);
			return CMD_EX_OK;
		case 'V':
			return cmd_version(&ctx, 1, argv);
		default:
			main_usage(stderr);
			return CMD_EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		main_usage(stderr);
		return CMD_EX_USAGE;
	}
	log_init(ctx.verbosity > 0 ? LOG_LEVEL_DEBUG : ctx.verbosity < 0 ?
	    LOG_LEVEL_ERROR : LOG_LEVEL_INFO, 0);
	for (i = 0; i < sizeof main_commands / sizeof main_commands[0]; i++) {
		if (strcmp(argv[0], main_commands[i].name) == 0) {
			optind = 0;	/* the command parses its own options */
			return main_commands[i].fn(&ctx, argc, argv);
		}
	}
	fprintf(stderr, "cwguard: unknown command '%s'\n", argv[0]);
	main_usage(stderr);
	return CMD_EX_USAGE;
}
