/*
 * The commands of the command line (DESIGN section 2). Each lives in
 * src/cmd_NAME.c and returns the process exit code. argv[0] is the command
 * name; parse options with getopt_long after setting optind = 0.
 */
#ifndef CWG_CMD_H
#define CWG_CMD_H

#include <time.h>

/* Exit codes shared by the commands. */
#define CMD_EX_OK		0
#define CMD_EX_USAGE		64	/* EX_USAGE: bad command line */
#define CMD_EX_UNAVAILABLE	69	/* EX_UNAVAILABLE: not built yet */
#define CMD_EX_SOFTWARE		70
#define CMD_EX_CONFIG		78	/* EX_CONFIG: the config is invalid */

struct cmd_ctx {
	const char	*config_path;	/* -c, else $CWGUARD_CONFIG, else default */
	int		 config_explicit; /* -c or $CWGUARD_CONFIG given */
	int		 verbosity;	/* -1 quiet, 0 normal, 1+ verbose */
	int		 json;		/* --format json */
	time_t		 now;		/* start of the command */
};

typedef int (*cmd_fn)(struct cmd_ctx *, int, char **);

int	cmd_run(struct cmd_ctx *, int, char **);
int	cmd_check(struct cmd_ctx *, int, char **);
int	cmd_backtest(struct cmd_ctx *, int, char **);
int	cmd_scan(struct cmd_ctx *, int, char **);
int	cmd_findings(struct cmd_ctx *, int, char **);
int	cmd_status(struct cmd_ctx *, int, char **);
int	cmd_test_alert(struct cmd_ctx *, int, char **);
int	cmd_audit(struct cmd_ctx *, int, char **);
int	cmd_config(struct cmd_ctx *, int, char **);
int	cmd_version(struct cmd_ctx *, int, char **);
int	cmd_silence(struct cmd_ctx *, int, char **);

struct config;
/*
 * config_load() of the command's config, then its log_format applied to
 * the log lines of the rest of the command (every command, not only run).
 */
struct config *cmd_config_load(const struct cmd_ctx *, char **cause);
/* `config check --online` after a successful offline check: 0 or 1. */
int	cmd_config_online(struct cmd_ctx *, struct config *);
/*
 * `cwguard config iam-policy [--account ID] [--audit]` and `config cost
 * [--offline]` (cmd_iam_policy.c, cmd_cost.c): argv[0] is the subcommand.
 * Return the exit code (0, 64 usage, 78 bad config, ...).
 */
int	cmd_config_iam_policy(struct cmd_ctx *, int, char **);
int	cmd_config_cost(struct cmd_ctx *, int, char **);

#endif
