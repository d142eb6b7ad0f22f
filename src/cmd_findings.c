/*
 * cwguard findings list [--log-group G] [--since T]
 * cwguard findings ack FINGERPRINT [--comment TEXT]
 * cwguard findings allow FINGERPRINT [--comment TEXT]
 * cwguard findings reset FINGERPRINT
 *
 * Known findings (DESIGN section 11). A finding is known by the keyed
 * fingerprint the scanner makes (HMAC-SHA256 under the installation key
 * of the state database), never by the secret: an operator acks or allows
 * a fingerprint copied from an alert, `findings list` or `scan`, and the
 * verdict lives in the state database (table finding_mark), where `check`,
 * `run` and `scan` read it. Acked: sightings are still recorded, repeats
 * no longer notify (a log group where it was never seen still does once).
 * Allowed: never recorded, reported or notified again. list shows only
 * the redacted preview and the fingerprint. Exit: 0, 1 when the state
 * cannot be read or written, 64 bad usage, 78 bad config.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define FINDINGS_EX_FAIL	1

static const char findings_usage[] =
    "usage: cwguard findings list [--log-group G] [--since T]\n"
    "       cwguard findings ack FINGERPRINT [--comment TEXT]\n"
    "       cwguard findings allow FINGERPRINT [--comment TEXT]\n"
    "       cwguard findings reset FINGERPRINT\n";

static const char findings_help[] =
    "Known secret findings of the state database, by fingerprint.\n"
    "  list   sightings (newest first) with their state: new, acked or\n"
    "         allowed; only the redacted preview and the fingerprint\n"
    "  ack    stop repeat notifications of a fingerprint\n"
    "  allow  never report the fingerprint again (check, run and scan)\n"
    "  reset  forget the ack or allow of a fingerprint\n"
    "  --log-group G  list: only this log group (or scanned path)\n"
    "  --since T      list: last seen at or after T (RFC 3339, epoch\n"
    "                 seconds or relative: -7d)\n"
    "  --comment TEXT ack, allow: why (shown by list)\n";

static const char *const findings_marks[] = { "new", "acked", "allowed" };

struct findings_list {
	struct cmd_ctx	*ctx;
	int64_t		 n;
};

static int
findings_print(void *arg, const struct store_finding *f)
{
	struct findings_list	*fl = arg;
	const char		*mark;
	char			 last[32], first[32], at[32], esc[1024];
	char			 cesc[1024];
	cJSON			*j;
	char			*s;

	mark = f->mark >= 0 && f->mark <= 2 ? findings_marks[f->mark] : "?";
	fl->n++;
	if (fl->ctx->json) {
		if ((j = cJSON_CreateObject()) == NULL)
			fatal("findings: out of memory");
		cJSON_AddStringToObject(j, "type", "finding");
		cJSON_AddStringToObject(j, "fingerprint", f->fingerprint);
		cJSON_AddStringToObject(j, "state", mark);
		if (f->source[0] != '\0') {
			cJSON_AddStringToObject(j, "log_group", f->source);
			cJSON_AddStringToObject(j, "rule", f->rule);
			cJSON_AddStringToObject(j, "redacted", f->redacted);
			cJSON_AddStringToObject(j, "first_seen",
			    util_format_rfc3339((time_t)f->first_seen, first,
			    sizeof first));
			cJSON_AddStringToObject(j, "last_seen",
			    util_format_rfc3339((time_t)f->last_seen, last,
			    sizeof last));
			cJSON_AddNumberToObject(j, "count", (double)f->count);
		}
		if (f->mark != 0) {
			cJSON_AddStringToObject(j, "comment", f->comment);
			cJSON_AddStringToObject(j, "marked_at",
			    util_format_rfc3339((time_t)f->marked_at, at,
			    sizeof at));
		}
		if ((s = cJSON_PrintUnformatted(j)) == NULL)
			fatal("findings: out of memory");
		puts(s);
		free(s);
		cJSON_Delete(j);
		return 0;
	}
	if (fl->n == 1)
		printf("%-7s  %-20s  %-24s  %-20s  %6s  %-22s  %s\n", "STATE",
		    "LAST SEEN", "RULE", "LOG GROUP", "COUNT", "REDACTED",
		    "FINGERPRINT");
	if (f->source[0] == '\0')
		printf("%-7s  %-20s  %-24s  %-20s  %6s  %-22s  %s", mark, "-",
		    "-", "-", "-", "-", f->fingerprint);
	else
		printf("%-7s  %-20s  %-24s  %-20s  %6lld  %-22s  %s", mark,
		    util_format_rfc3339((time_t)f->last_seen, last,
		    sizeof last), f->rule, log_escape(f->source,
		    strlen(f->source), esc, sizeof esc),
		    (long long)f->count, f->redacted, f->fingerprint);
	if (f->comment[0] != '\0')
		printf("  # %s", log_escape(f->comment, strlen(f->comment),
		    cesc, sizeof cesc));
	putchar('\n');
	return 0;
}

/* Lower-cases a fingerprint argument into out; -1 if it is not 64 hex. */
static int
findings_fingerprint(const char *arg, char out[65])
{
	size_t	i;
	char	c;

	for (i = 0; arg[i] != '\0' && i < 64; i++) {
		c = arg[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		out[i] = c;
	}
	out[i] = '\0';
	return i == 64 && arg[i] == '\0' ? 0 : -1;
}

int
cmd_findings(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log-group", required_argument, NULL, 'g' },
		{ "since", required_argument, NULL, 's' },
		{ "comment", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct findings_list	 fl;
	struct config		*cfg = NULL;
	struct store		*st = NULL;
	struct stat		 sb;
	const char		*group = NULL, *since_arg = NULL;
	const char		*comment = NULL, *verb;
	char			 err[512], fp[65], *cause = NULL;
	time_t			 now, since = 0;
	int			 c, rc = CMD_EX_OK, mark = -1;

	optind = 0;
	while ((c = getopt_long(argc, argv, "g:s:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'g':
			group = optarg;
			break;
		case 's':
			since_arg = optarg;
			break;
		case 'm':
			comment = optarg;
			break;
		case 'h':
			fputs(findings_usage, stdout);
			fputs(findings_help, stdout);
			return CMD_EX_OK;
		default:
			fputs(findings_usage, stderr);
			return CMD_EX_USAGE;
		}
	}
	if (optind >= argc) {
		fputs(findings_usage, stderr);
		return CMD_EX_USAGE;
	}
	verb = argv[optind++];
	if (strcmp(verb, "ack") == 0)
		mark = STORE_MARK_ACK;
	else if (strcmp(verb, "allow") == 0)
		mark = STORE_MARK_ALLOW;
	else if (strcmp(verb, "reset") == 0)
		mark = STORE_MARK_NONE;
	else if (strcmp(verb, "list") != 0) {
		fprintf(stderr, "cwguard: findings: unknown subcommand '%s'\n",
		    verb);
		fputs(findings_usage, stderr);
		return CMD_EX_USAGE;
	}
	if (mark == -1 ? (optind != argc || comment != NULL) :
	    (optind + 1 != argc || group != NULL || since_arg != NULL ||
	    (mark == STORE_MARK_NONE && comment != NULL))) {
		fprintf(stderr, "cwguard: findings %s: bad arguments\n", verb);
		fputs(findings_usage, stderr);
		return CMD_EX_USAGE;
	}
	if (mark != -1 && findings_fingerprint(argv[optind], fp) == -1) {
		/* Not echoed: it may be the secret itself, pasted. */
		fprintf(stderr, "cwguard: findings %s: the argument is not a "
		    "fingerprint (64 hex digits, as `findings list` and "
		    "`scan` print them)\n", verb);
		return CMD_EX_USAGE;
	}
	if (comment != NULL && strlen(comment) >= STORE_MESSAGE_MAX) {
		fprintf(stderr, "cwguard: findings: --comment is longer than "
		    "%d bytes\n", STORE_MESSAGE_MAX - 1);
		return CMD_EX_USAGE;
	}
	if (util_data_now(ctx->now, &now, err, sizeof err) == -1) {
		fprintf(stderr, "cwguard: findings: CWGUARD_NOW: %s\n", err);
		return CMD_EX_USAGE;
	}
	if (since_arg != NULL && util_parse_time(since_arg, now, &since, err,
	    sizeof err) == -1) {
		fprintf(stderr, "cwguard: findings: --since: %s\n", err);
		return CMD_EX_USAGE;
	}
	if ((cfg = config_load(ctx->config_path, &cause)) == NULL) {
		fputs(cause, stderr);
		free(cause);
		return CMD_EX_CONFIG;
	}
	if (mark == -1) {
		if (stat(cfg->state, &sb) == -1 && errno == ENOENT) {
			if (!ctx->json)
				printf("no state yet: run `cwguard check` or "
				    "`cwguard run` first\n");
			goto out;
		}
		if ((st = store_open(cfg->state, STORE_READONLY, err,
		    sizeof err)) == NULL)
			goto fail_open;
		memset(&fl, 0, sizeof fl);
		fl.ctx = ctx;
		if (store_finding_select(st, group, (int64_t)since,
		    findings_print, &fl) == -1)
			goto fail_store;
		if (fl.n == 0 && !ctx->json)
			printf("no findings\n");
	} else {
		/* A verdict may come before any sighting: create the state. */
		if ((st = store_open(cfg->state, STORE_CREATE, err,
		    sizeof err)) == NULL)
			goto fail_open;
		if (store_finding_mark(st, fp, mark, comment,
		    (int64_t)now) == -1)
			goto fail_store;
		if (ctx->json)
			printf("{\"type\":\"mark\",\"fingerprint\":\"%s\","
			    "\"state\":\"%s\"}\n", fp, mark ==
			    STORE_MARK_NONE ? "new" : findings_marks[mark]);
		else if (ctx->verbosity >= 0)
			printf("%s %s\n", fp, mark == STORE_MARK_NONE ?
			    "reset: reported as new" : mark == STORE_MARK_ACK ?
			    "acked: repeats no longer notify" :
			    "allowed: never reported again");
	}
	if (fflush(stdout) == EOF)
		rc = FINDINGS_EX_FAIL;
	goto out;
fail_open:
	fprintf(stderr, "cwguard: findings: %s\n", err);
	rc = FINDINGS_EX_FAIL;
	goto out;
fail_store:
	fprintf(stderr, "cwguard: findings: %s\n", store_error(st));
	rc = FINDINGS_EX_FAIL;
out:
	store_close(st);
	config_free(cfg);
	return rc;
}
