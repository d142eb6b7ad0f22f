/*
 * Commands whose issue has not landed yet. They say so and exit 69
 * (EX_UNAVAILABLE) rather than pretend; each moves to its own file when
 * it is built.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"

static int
cmd_pending(const char *name, const char *usage, int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		printf("usage: cwguard %s\n\n(not built yet in this version)\n",
		    usage);
		return CMD_EX_OK;
	}
	fprintf(stderr, "cwguard: %s: not built yet in this version\n", name);
	return CMD_EX_UNAVAILABLE;
}

#define CMD_PENDING(fn, name, usage)				\
int								\
fn(struct cmd_ctx *ctx, int argc, char **argv)			\
{								\
	return cmd_pending(name, usage, argc, argv);		\
}

CMD_PENDING(cmd_run, "run", "run")
