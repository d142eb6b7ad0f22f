/*
 * cwguard audit [--region R]... [--format json]: a read-only audit of the
 * account's Lambda functions (include/audit.h): IAM roles with `*`,
 * secrets in environment variables, functions no watch covers.
 *
 * The config is optional: without one the defaults apply ([aws] from the
 * environment) and the coverage check is skipped, saying why. Exit: 0
 * clean, 1 findings, 2 a critical finding, 3 the audit could not complete
 * (what was skipped and why is printed with the partial results; a
 * critical finding still exits 2). Bad options 64, an invalid config 78.
 */
#include "autoconf.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "aws.h"
#include "aws_creds.h"
#include "awsstack.h"
#include "cmd.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "scanner.h"
#include "util.h"
#include "xmalloc.h"

#define AUDIT_MAX_REGIONS	8
#define AUDIT_EX_CLEAN		0
#define AUDIT_EX_FINDINGS	1
#define AUDIT_EX_CRITICAL	2
#define AUDIT_EX_INCOMPLETE	3

static void
audit_usage(FILE *fp)
{
	fprintf(fp, "usage: cwguard audit [--region R]... [--format text|json]"
	    "\n\nRead-only: Lambda environment variables holding secrets, "
	    "execution roles\nallowing '*', functions no [watch] covers. "
	    "Exit 0 clean, 1 findings,\n2 critical findings, 3 incomplete.\n");
}

static void
json_str(cJSON *o, const char *k, const char *v)
{
	if (v != NULL)
		cJSON_AddStringToObject(o, k, v);
}

static void
json_print(cJSON *o)
{
	char	*s;

	if ((s = cJSON_PrintUnformatted(o)) == NULL)
		fatal("audit: out of memory");
	puts(s);
	free(s);
	cJSON_Delete(o);
}

static size_t
report_skips(const struct audit_report *r)
{
	const struct audit_skip	*s;
	size_t			 n = 0;

	TAILQ_FOREACH(s, &r->skips, entry)
		n++;
	return n;
}

static void
print_json(const struct audit_report *r)
{
	const struct audit_item	*it;
	const struct audit_skip	*s;
	cJSON			*o;

	TAILQ_FOREACH(it, &r->items, entry) {
		if ((o = cJSON_CreateObject()) == NULL)
			fatal("audit: out of memory");
		cJSON_AddStringToObject(o, "type", "audit");
		cJSON_AddStringToObject(o, "severity",
		    audit_severity_name(it->severity));
		json_str(o, "check", it->check);
		json_str(o, "region", it->region);
		json_str(o, "function", it->function);
		json_str(o, "api", it->api);
		json_str(o, "variable", it->variable);
		json_str(o, "rule", it->rule);
		json_str(o, "redacted", it->redacted);
		json_str(o, "role", it->role);
		json_str(o, "role_functions", it->role_functions);
		json_str(o, "policy", it->policy);
		json_str(o, "policy_type", it->policy_type);
		json_str(o, "message", it->message);
		json_str(o, "recommendation", it->fix);
		json_print(o);
	}
	TAILQ_FOREACH(s, &r->skips, entry) {
		if ((o = cJSON_CreateObject()) == NULL)
			fatal("audit: out of memory");
		cJSON_AddStringToObject(o, "type", "audit_skipped");
		cJSON_AddStringToObject(o, "what", s->what);
		cJSON_AddStringToObject(o, "why", s->why);
		json_print(o);
	}
	if ((o = cJSON_CreateObject()) == NULL)
		fatal("audit: out of memory");
	cJSON_AddStringToObject(o, "type", "audit_summary");
	json_str(o, "account", r->account[0] ? r->account : NULL);
	cJSON_AddStringToObject(o, "regions", r->regions);
	cJSON_AddNumberToObject(o, "functions", (double)r->functions);
	cJSON_AddNumberToObject(o, "variables", (double)r->variables);
	cJSON_AddNumberToObject(o, "roles", (double)r->roles);
	cJSON_AddNumberToObject(o, "policies", (double)r->policies);
	if (r->coverage) {
		cJSON_AddNumberToObject(o, "watched", (double)r->watched);
		cJSON_AddNumberToObject(o, "apis", (double)r->apis);
		cJSON_AddNumberToObject(o, "apis_watched",
		    (double)r->apis_watched);
	} else
		cJSON_AddStringToObject(o, "coverage_skipped",
		    r->coverage_note);
	cJSON_AddNumberToObject(o, "critical",
	    (double)audit_report_count(r, AUDIT_SEV_CRITICAL));
	cJSON_AddNumberToObject(o, "high",
	    (double)audit_report_count(r, AUDIT_SEV_HIGH));
	cJSON_AddNumberToObject(o, "medium",
	    (double)audit_report_count(r, AUDIT_SEV_MEDIUM));
	cJSON_AddNumberToObject(o, "skipped", (double)report_skips(r));
	cJSON_AddBoolToObject(o, "complete", report_skips(r) == 0);
	json_print(o);
}

static void
print_item(const struct audit_item *it)
{
	printf("  [%s]", it->check);
	if (it->function != NULL)
		printf(" function %s (%s)", it->function,
		    it->region != NULL ? it->region : "?");
	if (it->api != NULL)
		printf(" API %s (%s)", it->api,
		    it->region != NULL ? it->region : "?");
	if (it->role != NULL) {
		printf(" role %s", it->role);
		if (it->role_functions != NULL)
			printf(" (used by %s)", it->role_functions);
	}
	if (it->policy != NULL)
		printf(", %s policy %s", it->policy_type != NULL ?
		    it->policy_type : "", it->policy);
	printf("\n      %s\n", it->message != NULL ? it->message : "");
	if (it->fix != NULL)
		printf("      fix: %s\n", it->fix);
}

static void
print_text(const struct audit_report *r)
{
	static const enum audit_severity order[] = { AUDIT_SEV_CRITICAL,
	    AUDIT_SEV_HIGH, AUDIT_SEV_MEDIUM };
	const struct audit_item	*it;
	const struct audit_skip	*s;
	size_t			 i, n, nskips = report_skips(r);
	char			 up[16];

	printf("cwguard audit: account %s, region%s %s\n",
	    r->account[0] ? r->account : "(unknown)",
	    strchr(r->regions, ',') != NULL ? "s" : "", r->regions);
	printf("checked: %zu function%s (%zu environment variable%s), "
	    "%zu execution role%s, %zu polic%s\n", r->functions,
	    r->functions == 1 ? "" : "s", r->variables,
	    r->variables == 1 ? "" : "s", r->roles, r->roles == 1 ? "" : "s",
	    r->policies, r->policies == 1 ? "y" : "ies");
	if (r->coverage) {
		printf("coverage: %zu of %zu function%s watched\n", r->watched,
		    r->functions, r->functions == 1 ? "" : "s");
		printf("coverage: %zu of %zu API stage%s watched (stages with "
		    "traffic in the last two weeks)\n", r->apis_watched,
		    r->apis, r->apis == 1 ? "" : "s");
	} else
		printf("coverage: not checked: %s\n", r->coverage_note);
	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		if ((n = audit_report_count(r, order[i])) == 0)
			continue;
		util_strlcpy(up, audit_severity_name(order[i]), sizeof up);
		for (char *p = up; *p != '\0'; p++)
			*p = (char)(*p - ('a' <= *p && *p <= 'z' ? 32 : 0));
		printf("\n%s (%zu)\n", up, n);
		TAILQ_FOREACH(it, &r->items, entry)
			if (it->severity == order[i])
				print_item(it);
	}
	if (nskips > 0) {
		printf("\nNOT CHECKED (%zu)\n", nskips);
		TAILQ_FOREACH(s, &r->skips, entry)
			printf("  %s: %s\n", s->what, s->why);
	}
	printf("\nresult: %zu critical, %zu high, %zu medium",
	    audit_report_count(r, AUDIT_SEV_CRITICAL),
	    audit_report_count(r, AUDIT_SEV_HIGH),
	    audit_report_count(r, AUDIT_SEV_MEDIUM));
	if (nskips > 0)
		printf("; incomplete (%zu not checked)", nskips);
	printf("\n");
}

/* The scanner with the extra rules of the first [logs] source that has some. */
static struct scanner *
audit_scanner(const struct config *cfg, char *err, size_t errlen)
{
	const struct config_logs	*l;
	struct scanner_rules		*rules = NULL;
	struct scanner			*sc;

	if (cfg != NULL)
		TAILQ_FOREACH(l, &cfg->logs, entry)
			if (l->rules != NULL) {
				if ((rules = scanner_rules_load(l->rules, err,
				    errlen)) == NULL)
					return NULL;
				break;
			}
	sc = scanner_new(rules, err, errlen);
	scanner_rules_free(rules);
	return sc;
}

int
cmd_audit(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "region", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char		*regions[AUDIT_MAX_REGIONS];
	struct aws		*clients[AUDIT_MAX_REGIONS];
	struct config		*cfg = NULL;
	struct awsstack		 stack;
	struct scanner		*sc = NULL;
	struct audit_report	*r = NULL;
	struct aws_options	 ao;
	struct audit_options	 opt;
	char			*cause = NULL, err[600], note[300];
	size_t			 nregions = 0, i, j;
	int			 c, rc = AUDIT_EX_INCOMPLETE;

	memset(clients, 0, sizeof clients);
	optind = 0;
	while ((c = getopt_long(argc, argv, "+r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			for (j = 0; j < nregions; j++)
				if (strcmp(regions[j], optarg) == 0)
					break;
			if (j < nregions)
				break;
			if (nregions == AUDIT_MAX_REGIONS) {
				fprintf(stderr, "cwguard: audit: at most %d "
				    "regions\n", AUDIT_MAX_REGIONS);
				return CMD_EX_USAGE;
			}
			regions[nregions++] = optarg;
			break;
		case 'F':
			if (strcmp(optarg, "json") == 0)
				ctx->json = 1;
			else if (strcmp(optarg, "text") == 0)
				ctx->json = 0;
			else {
				fprintf(stderr, "cwguard: audit: --format: "
				    "not text or json\n");
				return CMD_EX_USAGE;
			}
			break;
		case 'h':
			audit_usage(stdout);
			return CMD_EX_OK;
		default:
			audit_usage(stderr);
			return CMD_EX_USAGE;
		}
	}
	if (optind < argc) {
		audit_usage(stderr);
		return CMD_EX_USAGE;
	}

	memset(&stack, 0, sizeof stack);
	note[0] = '\0';
	if (access(ctx->config_path, F_OK) == -1 && errno == ENOENT) {
		snprintf(note, sizeof note, "no config file (%s not found), so "
		    "no watches to compare with", ctx->config_path);
		log_info("audit: %s; using the defaults", note);
	} else if ((cfg = cmd_config_load(ctx, &cause)) == NULL) {
		fprintf(stderr, "%s", cause != NULL ? cause : "config: invalid\n");
		free(cause);
		return CMD_EX_CONFIG;
	}

	/* One transport and credential chain; a client per region. */
	if (awsstack_open(&stack, cfg, AWSSTACK_NO_CLIENT, err, sizeof err) ==
	    -1)
		goto fail;
	if (nregions == 0) {
		if ((regions[0] = aws_creds_region(stack.creds)) == NULL) {
			snprintf(err, sizeof err, "no AWS region: use --region, "
			    "[aws] region, AWS_REGION or a profile region");
			goto fail;
		}
		nregions = 1;
	}
	for (i = 0; i < nregions; i++) {
		memset(&ao, 0, sizeof ao);
		ao.http = stack.http;
		ao.creds = stack.creds;
		ao.region = regions[i];
		if ((clients[i] = aws_new(&ao, err, sizeof err)) == NULL)
			goto fail;
	}
	if ((sc = audit_scanner(cfg, err, sizeof err)) == NULL)
		goto fail;

	memset(&opt, 0, sizeof opt);
	opt.lambda = clients;
	opt.nlambda = nregions;
	opt.iam = clients[0];
	opt.scanner = sc;
	opt.config = cfg;
	opt.no_config_reason = note;
	r = audit_run(&opt);
	if (ctx->json)
		print_json(r);
	else
		print_text(r);
	if (fflush(stdout) != 0)
		rc = AUDIT_EX_INCOMPLETE;
	else if (audit_report_worst(r) == AUDIT_SEV_CRITICAL)
		rc = AUDIT_EX_CRITICAL;
	else if (report_skips(r) > 0)
		rc = AUDIT_EX_INCOMPLETE;
	else
		rc = TAILQ_EMPTY(&r->items) ? AUDIT_EX_CLEAN :
		    AUDIT_EX_FINDINGS;
	goto done;
fail:
	fprintf(stderr, "cwguard: audit: %s\n", err);
done:
	/* Calls left by a timeout complete (cancelled) into the run here. */
	for (i = 0; i < AUDIT_MAX_REGIONS; i++)
		aws_free(clients[i]);
	awsstack_close(&stack);
	audit_report_free(r);
	scanner_free(sc);
	config_free(cfg);
	return rc;
}
