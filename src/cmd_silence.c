/*
 * cwguard silence add|list|expire: silences in the state database. A
 * silence holds back the notifications of the alerts its matchers match
 * (watch or logs source, entity glob, signal, kind) from its start to its
 * end; see silence.h for what happens to them. The database is opened
 * without the engine lock, so silences can be added while `run` runs
 * (SQLite's WAL and busy timeout keep the writes apart).
 */
#include "autoconf.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "log.h"
#include "silence.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define SILENCE_EX_FAIL	1	/* the state database failed */

static const char silence_usage[] =
    "usage: cwguard silence add [--watch W] [--entity GLOB] [--signal S]\n"
    "                           [--kind spike|secret] (--for DURATION |\n"
    "                           --until TIME) [--comment TEXT]\n"
    "       cwguard silence list [--all]\n"
    "       cwguard silence expire ID\n";

static const char silence_help[] =
    "Hold back the notifications of matching alerts for a while; their\n"
    "states are still judged and stored. An alert still firing when its\n"
    "silence ends is notified then; a resolved is sent only if its firing\n"
    "was. The [mute NAME] sections of the config add weekly windows.\n"
    "  --watch W      a [watch W] or [logs W] (default: every one)\n"
    "  --entity GLOB  entity (function, API, load balancer; a finding's\n"
    "                 log group) as a shell glob\n"
    "  --signal S     errors, throttles, 4xx, 5xx, elb5xx, value; a\n"
    "                 finding's rule id\n"
    "  --kind K       spike or secret\n"
    "  --for D        from now, for D (30m, 2h, 1d)\n"
    "  --until T      from now until T (RFC 3339, epoch, +2h)\n"
    "  --comment TEXT why (shown by list and status)\n"
    "  list --all     also silences that have ended\n";

static int
silence_text_ok(const char *what, const char *s, size_t max)
{
	const unsigned char	*p;

	if (strlen(s) >= max) {
		fprintf(stderr, "cwguard: silence: %s is longer than %zu "
		    "bytes\n", what, max - 1);
		return 0;
	}
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f) {
			fprintf(stderr, "cwguard: silence: %s holds a control "
			    "character\n", what);
			return 0;
		}
	return 1;
}

static int
silence_source_known(const struct config *cfg, const char *name)
{
	const struct config_logs	*lg;

	if (config_watch_find(cfg, name) != NULL)
		return 1;
	TAILQ_FOREACH(lg, &cfg->logs, entry)
		if (strcmp(lg->name, name) == 0)
			return 1;
	return 0;
}

static cJSON *
silence_to_json(const struct store_silence *si, time_t now)
{
	cJSON	*o;
	char	 t[64];

	if ((o = cJSON_CreateObject()) == NULL)
		fatal("silence: out of memory");
	cJSON_AddStringToObject(o, "type", "silence");
	cJSON_AddStringToObject(o, "id", si->id);
#define M(k, v)	do {						\
	if ((v)[0] != '\0')						\
		cJSON_AddStringToObject(o, k, v);			\
	else								\
		cJSON_AddNullToObject(o, k);				\
} while (0)
	M("watch", si->watch);
	M("entity", si->entity);
	M("signal", si->signal);
	M("kind", si->kind);
#undef M
	cJSON_AddStringToObject(o, "starts", util_format_rfc3339(
	    (time_t)si->starts, t, sizeof t));
	cJSON_AddStringToObject(o, "ends", util_format_rfc3339(
	    (time_t)si->ends, t, sizeof t));
	cJSON_AddStringToObject(o, "comment", si->comment);
	cJSON_AddBoolToObject(o, "active", si->starts <= (int64_t)now &&
	    (int64_t)now < si->ends);
	return o;
}

static void
silence_print_json(cJSON *o)
{
	char	*s;

	if ((s = cJSON_PrintUnformatted(o)) == NULL)
		fatal("silence: out of memory");
	printf("%s\n", s);
	free(s);
	cJSON_Delete(o);
}

static void
silence_append(char *out, size_t outlen, const char *s)
{
	size_t	len = strlen(out);

	if (len + 1 < outlen)
		util_strlcpy(out + len, s, outlen - len);
}

/* "watch=fns entity=api-* kind=spike", or "everything". */
static void
silence_matchers(const struct store_silence *si, char *out, size_t outlen)
{
	char	esc[STORE_NAME_MAX * 4];

	out[0] = '\0';
#define M(k, v)	do {							\
	if ((v)[0] != '\0') {						\
		log_escape(v, strlen(v), esc, sizeof esc);		\
		silence_append(out, outlen, out[0] != '\0' ? " " : "");	\
		silence_append(out, outlen, k);				\
		silence_append(out, outlen, "=");			\
		silence_append(out, outlen, esc);			\
	}								\
} while (0)
	M("watch", si->watch);
	M("entity", si->entity);
	M("signal", si->signal);
	M("kind", si->kind);
#undef M
	if (out[0] == '\0')
		util_strlcpy(out, "everything", outlen);
}

struct silence_listing {
	struct cmd_ctx	*ctx;
	time_t		 now;
	int		 all;
	long long	 n;
};

static int
silence_list_cb(void *arg, const struct store_silence *si)
{
	struct silence_listing	*sl = arg;
	char			 m[2048], a[64], b[64],
				 c[STORE_MESSAGE_MAX * 4];

	if (!sl->all && si->ends <= (int64_t)sl->now)
		return 0;
	sl->n++;
	if (sl->ctx->json) {
		silence_print_json(silence_to_json(si, sl->now));
		return 0;
	}
	silence_matchers(si, m, sizeof m);
	log_escape(si->comment, strlen(si->comment), c, sizeof c);
	printf("%-12s %-7s %s .. %s  %s%s%s\n", si->id,
	    si->ends <= (int64_t)sl->now ? "ended" : si->starts >
	    (int64_t)sl->now ? "pending" : "active",
	    util_format_rfc3339((time_t)si->starts, a, sizeof a),
	    util_format_rfc3339((time_t)si->ends, b, sizeof b), m,
	    c[0] != '\0' ? "  # " : "", c);
	return 0;
}

static void
silence_list_mutes(const struct config *cfg, struct cmd_ctx *ctx, time_t now)
{
	const struct config_mute	*mu;
	struct silence_schedule		 sch;
	cJSON				*o, *arr;
	char				 err[256];
	size_t				 i;
	int				 active;

	TAILQ_FOREACH(mu, &cfg->mutes, entry) {
		active = silence_schedule_parse(mu->schedule, &sch, err,
		    sizeof err) == 0 && silence_schedule_active(&sch, now);
		if (ctx->json) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "type", "mute");
			cJSON_AddStringToObject(o, "name", mu->name);
			arr = cJSON_AddArrayToObject(o, "watches");
			for (i = 0; mu->watches != NULL &&
			    mu->watches[i] != NULL; i++)
				cJSON_AddItemToArray(arr,
				    cJSON_CreateString(mu->watches[i]));
			cJSON_AddStringToObject(o, "schedule", mu->schedule);
			cJSON_AddBoolToObject(o, "active", active);
			silence_print_json(o);
			continue;
		}
		printf("[mute %s] %-7s %s  ", mu->name, active ? "active" :
		    "waiting", mu->schedule);
		if (mu->watches == NULL)
			printf("every watch and logs source");
		for (i = 0; mu->watches != NULL && mu->watches[i] != NULL; i++)
			printf("%s%s", i > 0 ? ", " : "", mu->watches[i]);
		putchar('\n');
	}
}

static int
silence_add(struct cmd_ctx *ctx, const struct config *cfg, struct store *st,
    int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "watch", required_argument, NULL, 'w' },
		{ "entity", required_argument, NULL, 'e' },
		{ "signal", required_argument, NULL, 's' },
		{ "kind", required_argument, NULL, 'k' },
		{ "for", required_argument, NULL, 'f' },
		{ "until", required_argument, NULL, 'u' },
		{ "comment", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_silence	*si;
	const char		*forv = NULL, *untilv = NULL;
	int64_t			 d;
	time_t			 until;
	char			 err[256], t[64];
	int			 ch, rc = CMD_EX_USAGE;

	si = xcalloc(1, sizeof *si);
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (ch) {
		case 'w':
			if (!silence_text_ok("--watch", optarg,
			    sizeof si->watch))
				goto out;
			if (!silence_source_known(cfg, optarg)) {
				fprintf(stderr, "cwguard: silence: --watch: no "
				    "[watch %s] or [logs %s] in %s\n", optarg,
				    optarg, cfg->path);
				goto out;
			}
			util_strlcpy(si->watch, optarg, sizeof si->watch);
			break;
		case 'e':
			if (!silence_text_ok("--entity", optarg,
			    sizeof si->entity))
				goto out;
			util_strlcpy(si->entity, optarg, sizeof si->entity);
			break;
		case 's':
			if (!silence_text_ok("--signal", optarg,
			    sizeof si->signal))
				goto out;
			util_strlcpy(si->signal, optarg, sizeof si->signal);
			break;
		case 'k':
			if (strcmp(optarg, "spike") != 0 &&
			    strcmp(optarg, "secret") != 0) {
				fprintf(stderr, "cwguard: silence: --kind: "
				    "'%s' is not spike or secret\n", optarg);
				goto out;
			}
			util_strlcpy(si->kind, optarg, sizeof si->kind);
			break;
		case 'f':
			forv = optarg;
			break;
		case 'u':
			untilv = optarg;
			break;
		case 'm':
			if (!silence_text_ok("--comment", optarg,
			    sizeof si->comment))
				goto out;
			util_strlcpy(si->comment, optarg, sizeof si->comment);
			break;
		default:
			fprintf(stderr, "cwguard: silence add: unknown option "
			    "'%s'\n", argv[optind - 1]);
			fputs(silence_usage, stderr);
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cwguard: silence add: unexpected argument "
		    "'%s'\n", argv[optind]);
		goto out;
	}
	if ((forv == NULL) == (untilv == NULL)) {
		fprintf(stderr, "cwguard: silence add: give one of --for "
		    "DURATION or --until TIME\n");
		fputs(silence_usage, stderr);
		goto out;
	}
	si->starts = si->created = (int64_t)ctx->now;
	if (forv != NULL) {
		if (util_parse_duration(forv, &d, err, sizeof err) == -1) {
			fprintf(stderr, "cwguard: silence add: --for: %s\n",
			    err);
			goto out;
		}
		if (d <= 0) {
			fprintf(stderr, "cwguard: silence add: --for: must be "
			    "longer than 0s\n");
			goto out;
		}
		si->ends = si->starts + d;
	} else {
		if (util_parse_time(untilv, ctx->now, &until, err,
		    sizeof err) == -1) {
			fprintf(stderr, "cwguard: silence add: --until: %s\n",
			    err);
			goto out;
		}
		if ((int64_t)until <= si->starts) {
			fprintf(stderr, "cwguard: silence add: --until: %s is "
			    "not in the future\n", untilv);
			goto out;
		}
		si->ends = (int64_t)until;
	}
	if (store_silence_add(st, si) == -1) {
		fprintf(stderr, "cwguard: silence add: %s\n", store_error(st));
		rc = SILENCE_EX_FAIL;
		goto out;
	}
	if (ctx->json)
		silence_print_json(silence_to_json(si, ctx->now));
	else
		printf("silence %s until %s\n", si->id,
		    util_format_rfc3339((time_t)si->ends, t, sizeof t));
	rc = CMD_EX_OK;
out:
	free(si);
	return rc;
}

int
cmd_silence(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct silence_listing	 sl;
	struct config		*cfg = NULL;
	struct store		*st = NULL;
	char			*cause = NULL, err[512];
	const char		*sub;
	int			 rc = CMD_EX_USAGE, r;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(silence_usage, argc < 2 ? stderr : stdout);
		if (argc >= 2)
			fputs(silence_help, stdout);
		return argc < 2 ? CMD_EX_USAGE : CMD_EX_OK;
	}
	sub = argv[1];
	if (strcmp(sub, "add") != 0 && strcmp(sub, "list") != 0 &&
	    strcmp(sub, "expire") != 0) {
		fprintf(stderr, "cwguard: silence: unknown subcommand '%s'\n",
		    sub);
		fputs(silence_usage, stderr);
		return CMD_EX_USAGE;
	}
	if (strcmp(sub, "expire") == 0 && argc != 3) {
		fputs(silence_usage, stderr);
		return CMD_EX_USAGE;
	}
	if (strcmp(sub, "list") == 0 && (argc > 3 || (argc == 3 &&
	    strcmp(argv[2], "--all") != 0))) {
		fputs(silence_usage, stderr);
		return CMD_EX_USAGE;
	}
	if ((cfg = config_load(ctx->config_path, &cause)) == NULL) {
		fputs(cause, stderr);
		free(cause);
		return CMD_EX_CONFIG;
	}
	if ((st = store_open(cfg->state, STORE_CREATE, err,
	    sizeof err)) == NULL) {
		fprintf(stderr, "cwguard: silence: %s\n", err);
		rc = SILENCE_EX_FAIL;
		goto out;
	}
	if (strcmp(sub, "add") == 0)
		rc = silence_add(ctx, cfg, st, argc - 1, argv + 1);
	else if (strcmp(sub, "list") == 0) {
		memset(&sl, 0, sizeof sl);
		sl.ctx = ctx;
		sl.now = ctx->now;
		sl.all = argc == 3;
		if (store_silence_list(st, -1, silence_list_cb, &sl) == -1) {
			fprintf(stderr, "cwguard: silence list: %s\n",
			    store_error(st));
			rc = SILENCE_EX_FAIL;
			goto out;
		}
		if (!ctx->json && sl.n == 0)
			printf("no silences%s\n", sl.all ? "" : " in force");
		silence_list_mutes(cfg, ctx, ctx->now);
		rc = CMD_EX_OK;
	} else {
		if ((r = store_silence_expire(st, argv[2],
		    (int64_t)ctx->now)) == -1) {
			fprintf(stderr, "cwguard: silence expire: %s\n",
			    store_error(st));
			rc = SILENCE_EX_FAIL;
		} else if (r == 0) {
			fprintf(stderr, "cwguard: silence expire: no silence "
			    "%s in force\n", argv[2]);
			rc = SILENCE_EX_FAIL;
		} else {
			if (!ctx->json)
				printf("silence %s expired\n", argv[2]);
			rc = CMD_EX_OK;
		}
	}
	if (fflush(stdout) == EOF)
		rc = SILENCE_EX_FAIL;
out:
	store_close(st);
	config_free(cfg);
	return rc;
}
