/*
 * cwguard config check|iam-policy|cost: validate the config and print the
 * effective one (secrets masked). --online goes on in cmd_config_online()
 * (the AWS layer); iam-policy prints the least-privilege policy; cost the
 * estimated monthly AWS cost (src/cost.c).
 */
#include "autoconf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "cost.h"
#include "iampolicy.h"
#include "log.h"
#include "scanner.h"

struct config *
cmd_config_load(const struct cmd_ctx *ctx, char **cause)
{
	struct config	*cfg;

	if ((cfg = config_load(ctx->config_path, cause)) != NULL)
		log_set_json(cfg->log_format == CONFIG_LOG_JSON);
	return cfg;
}

static const char config_usage[] =
    "usage: cwguard config check [--online]\n"
    "       cwguard config iam-policy [--account ID] [--audit]\n"
    "       cwguard config cost [--offline]\n";

static const struct {
	const char	*name;
	const char	*usage;
	const char	*help;
} config_subs[] = {
	{ "check", "usage: cwguard config check [--online]\n",
	  "Validate the config file and print the effective configuration\n"
	  "(defaults filled in, secrets masked). Exit 0 when valid, 78 with\n"
	  "one FILE:LINE: message per error on stderr when not.\n"
	  "  --online  also resolve credentials and secret references and\n"
	  "            call sts:GetCallerIdentity\n" },
	{ "iam-policy",
	    "usage: cwguard config iam-policy [--account ID] [--audit]\n",
	  "Print the least-privilege IAM policy this config needs.\n" },
	{ "cost", "usage: cwguard config cost [--offline]\n",
	  "Estimate the monthly AWS cost of this config.\n" },
};

static int
config_sub_help(size_t i, int argc, char **argv, int *online)
{
	static const struct option	 longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "online", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	int				 ch;

	*online = 0;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			fputs(config_subs[i].usage, stdout);
			fputs(config_subs[i].help, stdout);
			return CMD_EX_OK;
		case 'o':
			if (i == 0) {
				*online = 1;
				break;
			}
			/* FALLTHROUGH */
		default:
			fprintf(stderr, "cwguard: config %s: unknown option "
			    "'%s'\n", config_subs[i].name, argv[optind - 1]);
			fputs(config_subs[i].usage, stderr);
			return CMD_EX_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cwguard: config %s: unexpected argument '%s'\n",
		    config_subs[i].name, argv[optind]);
		fputs(config_subs[i].usage, stderr);
		return CMD_EX_USAGE;
	}
	return -1;
}

/*
 * The [logs] rules files: read and compiled as a logs source would, so
 * that a missing or broken one fails config check, not the first cycle.
 * Returns the number of bad ones (each said on stderr).
 */
static int
config_check_rules(const struct config *cfg)
{
	const struct config_logs	*cl;
	struct scanner_rules		*rules;
	struct scanner			*sc;
	char				 err[1024];
	int				 bad = 0;

	TAILQ_FOREACH(cl, &cfg->logs, entry) {
		if (cl->rules == NULL)
			continue;
		sc = NULL;
		if ((rules = scanner_rules_load(cl->rules, err,
		    sizeof err)) != NULL)
			sc = scanner_new(rules, err, sizeof err);
		scanner_rules_free(rules);
		if (sc == NULL) {
			fprintf(stderr, "%s:%d: [logs %s] rules: %s\n",
			    cfg->path, cl->line, cl->name, err);
			bad++;
		}
		scanner_free(sc);
	}
	return bad;
}

/*
 * Offline: load and print the effective config. --online then hands the
 * valid config to cmd_config_online() (the AWS layer), which reports on
 * stdout; with --format json only its JSON object is printed.
 */
static int
config_check(struct cmd_ctx *ctx, int online)
{
	struct config	*cfg;
	char		*cause = NULL;
	int		 rc = CMD_EX_OK;

	if ((cfg = cmd_config_load(ctx, &cause)) == NULL) {
		fputs(cause, stderr);
		free(cause);
		return CMD_EX_CONFIG;
	}
	if (config_check_rules(cfg) > 0) {
		config_free(cfg);
		return CMD_EX_CONFIG;
	}
	if (!online && ctx->json ? config_print_json(cfg, stdout) == -1 :
	    (!online || !ctx->json) && config_print(cfg, stdout) == -1) {
		fprintf(stderr, "cwguard: config check: cannot write the "
		    "configuration to stdout\n");
		rc = CMD_EX_SOFTWARE;
	}
	/* Valid, but says so: check is UNKNOWN on such a config. */
	if (rc == CMD_EX_OK && !ctx->json && TAILQ_EMPTY(&cfg->watches) &&
	    TAILQ_EMPTY(&cfg->logs))
		printf("\n; this configuration watches nothing: no [watch] or "
		    "[logs] section\n");
	if (rc == CMD_EX_OK && online) {
		if (!ctx->json)
			fputs("\n; online checks\n", stdout);
		fflush(stdout);
		rc = cmd_config_online(ctx, cfg);
	}
	config_free(cfg);
	return rc;
}

int
cmd_config(struct cmd_ctx *ctx, int argc, char **argv)
{
	size_t	i;
	int	rc, online;

	if (argc < 2) {
		fputs(config_usage, stderr);
		return CMD_EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(config_usage, stdout);
		return CMD_EX_OK;
	}
	for (i = 0; i < sizeof config_subs / sizeof config_subs[0]; i++) {
		if (strcmp(argv[1], config_subs[i].name) == 0)
			break;
	}
	if (i == sizeof config_subs / sizeof config_subs[0]) {
		fprintf(stderr, "cwguard: config: unknown subcommand '%s'\n",
		    argv[1]);
		fputs(config_usage, stderr);
		return CMD_EX_USAGE;
	}
	/* iam-policy parses its own options (--account, --audit). */
	if (strcmp(config_subs[i].name, "iam-policy") == 0)
		return cmd_config_iam_policy(ctx, argc - 1, argv + 1);
	/* cost too (--offline). */
	if (strcmp(config_subs[i].name, "cost") == 0)
		return cmd_config_cost(ctx, argc - 1, argv + 1);
	if ((rc = config_sub_help(i, argc - 1, argv + 1, &online)) != -1)
		return rc;
	return config_check(ctx, online);
}
