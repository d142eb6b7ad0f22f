/*
 * `cwguard run`: the daemon in the foreground (daemon.c), until SIGTERM or
 * SIGINT.
 */
#include "autoconf.h"

#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "daemon.h"

static void
run_usage(FILE *f)
{
	fprintf(f, "usage: cwguard run\n\n"
	    "Runs in the foreground until SIGTERM or SIGINT: every watch and\n"
	    "logs source on its own timer, notifications delivered from the\n"
	    "outbox. SIGHUP re-reads the config. Under systemd Type=notify\n"
	    "it reports READY, STATUS and WATCHDOG.\n");
}

int
cmd_run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			run_usage(stdout);
			return CMD_EX_OK;
		default:
			run_usage(stderr);
			return CMD_EX_USAGE;
		}
	}
	if (optind < argc) {
		run_usage(stderr);
		return CMD_EX_USAGE;
	}
	return daemon_main(ctx->config_path, ctx->verbosity);
}
