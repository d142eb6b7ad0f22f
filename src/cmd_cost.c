/*
 * `cwguard config cost [--offline]`: the estimated monthly AWS bill of the
 * config (cost.c estimates it, from the config, the state database and,
 * unless --offline, what ListMetrics and DescribeLogGroups find).
 */
#include "autoconf.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "cost.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define COST_EX_UNKNOWN	3	/* AWS discovery failed */

static const char cost_usage[] =
    "usage: cwguard config cost [--offline]\n";

int
cmd_config_cost(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "offline", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct config			*cfg = NULL;
	struct store			*st = NULL;
	struct cost_discovery		*disc = NULL;
	struct cost_groups		*groups = NULL;
	struct cost_report		 r;
	const struct config_watch	*cw;
	const struct config_logs	*cl;
	char				*cause = NULL, err[600], e2[600];
	size_t				 nw = 0, nl = 0;
	time_t				 now = ctx->now;
	int				 ch, offline = 0, failed = 0;
	int				 rc = CMD_EX_OK;

	memset(&r, 0, sizeof r);
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			offline = 1;
			break;
		case 'h':
			fputs(cost_usage, stdout);
			fputs("Estimate the monthly AWS cost of this config: "
			    "GetMetricData metrics,\nLogs Insights GB scanned, "
			    "SNS publishes, API requests (us-east-1 prices).\n"
			    "  --offline  use only the config and the state "
			    "database (no ListMetrics)\n", stdout);
			return CMD_EX_OK;
		default:
			fprintf(stderr, "cwguard: config cost: unknown option "
			    "'%s'\n", argv[optind - 1]);
			fputs(cost_usage, stderr);
			return CMD_EX_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cwguard: config cost: unexpected argument "
		    "'%s'\n", argv[optind]);
		fputs(cost_usage, stderr);
		return CMD_EX_USAGE;
	}
	if (util_data_now(ctx->now, &now, err, sizeof err) == -1) {
		fprintf(stderr, "cwguard: config cost: CWGUARD_NOW: %s\n", err);
		return CMD_EX_USAGE;
	}
	if ((cfg = cmd_config_load(ctx, &cause)) == NULL) {
		fputs(cause != NULL ? cause : "cannot load the config\n",
		    stderr);
		free(cause);
		return CMD_EX_CONFIG;
	}
	/* the history, if there is a state database; never created here */
	if (access(cfg->state, F_OK) == 0) {
		if ((st = store_open(cfg->state, STORE_READONLY, e2,
		    sizeof e2)) == NULL)
			log_warn("config cost: state database: %s; estimating "
			    "without history", e2);
	}
	TAILQ_FOREACH(cw, &cfg->watches, entry)
		nw++;
	TAILQ_FOREACH(cl, &cfg->logs, entry)
		nl++;
	if (!offline) {
		disc = xcalloc(nw + 1, sizeof *disc);
		groups = xcalloc(nl + 1, sizeof *groups);
		if (cost_discover(cfg, now, disc, groups, e2,
		    sizeof e2) == -1) {
			failed = 1;
			log_warn("config cost: discovery failed: %s", e2);
		}
	}
	if (cost_estimate(cfg, st, disc, groups, now, &r, err,
	    sizeof err) == -1) {
		fprintf(stderr, "cwguard: config cost: %s\n", err);
		rc = CMD_EX_SOFTWARE;
		goto done;
	}
	if (failed) {
		r.discovery_failed = 1;
		util_strlcpy(r.discovery_error, e2, sizeof r.discovery_error);
		cost_note(&r, "AWS discovery failed: watches without a "
		    "listing use the state database only");
		rc = COST_EX_UNKNOWN;
	}
	if (cost_report_print(&r, ctx->json, stdout) == -1 ||
	    fflush(stdout) == EOF) {
		fprintf(stderr, "cwguard: config cost: cannot write the "
		    "estimate: %s\n", strerror(errno));
		rc = CMD_EX_SOFTWARE;
	}
done:
	cost_report_cleanup(&r);
	cost_free_discovery(disc, nw);
	free(groups);
	store_close(st);
	config_free(cfg);
	return rc;
}
