/*
 * The effective configuration, as an INI file that config_load() reads
 * back: every key that has a value (defaults included), in key table
 * order. Secrets are masked: a reference prints as written, a literal as
 * "********".
 */
#include "autoconf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config_int.h"
#include "xmalloc.h"

#define CONFIG_MASK		"********"
#define CONFIG_PRINT_WRAP	150	/* repeatable lists split past this */

/* The shortest %g that reads back as the same double. */
static void
print_double(FILE *f, const char *name, double x)
{
	char	out[64];
	int	prec;

	if (!isfinite(x))
		return;		/* unset (static above/below) */
	for (prec = 6; prec < 17; prec++) {
		snprintf(out, sizeof out, "%.*g", prec, x);
		if (strtod(out, NULL) == x)
			break;
	}
	if (prec == 17)
		snprintf(out, sizeof out, "%.17g", x);
	fprintf(f, "%s = %s\n", name, out);
}

static void
print_secret(FILE *f, const struct config_key *k, const char *prefix,
    const struct config_secret *s)
{
	if (s->source == CONFIG_SECRET_NONE)
		return;
	if (s->source != CONFIG_SECRET_LITERAL)
		fprintf(f, "%s = %s%s\n", k->name, prefix, s->ref);
	else if ((k->flags & CONFIG_KEY_SECRET_AUTH) &&
	    !config_url_has_auth(s->value))
		fprintf(f, "%s = %s%s\n", k->name, prefix, s->value);
	else
		fprintf(f, "%s = %s%s\n", k->name, prefix, CONFIG_MASK);
}

static void
print_list(FILE *f, const struct config_key *k, char **v)
{
	size_t	i, width = 0;

	if (v == NULL)
		return;
	if (v[0] == NULL) {
		fprintf(f, "; %s: none\n", k->name);
		return;
	}
	for (i = 0; v[i] != NULL; i++) {
		if (i > 0 && (k->flags & CONFIG_KEY_REPEAT) &&
		    width + strlen(v[i]) > CONFIG_PRINT_WRAP) {
			fputc('\n', f);
			width = 0;
		}
		if (width == 0)
			width += (size_t)fprintf(f, "%s = %s", k->name, v[i]);
		else
			width += (size_t)fprintf(f, ", %s", v[i]);
	}
	fputc('\n', f);
}

static void
print_choice(FILE *f, const struct config_key *k, int n)
{
	const char	*p = k->choices, *bar;
	int		 i;

	for (i = 0; i < n && p != NULL; i++) {
		if ((p = strchr(p, '|')) != NULL)
			p++;
	}
	if (p == NULL)
		return;
	bar = strchr(p, '|');
	fprintf(f, "%s = %.*s\n", k->name,
	    (int)(bar != NULL ? (size_t)(bar - p) : strlen(p)), p);
}

static void
print_section(FILE *f, enum config_section s, const void *obj,
    unsigned kindbit)
{
	const struct config_key		*keys, *k;
	const struct config_listen	*ls;
	const struct config_sink	*sk;
	const void			*field;
	size_t				 nkeys, i, j;
	char				 d[32], prefix[256];

	keys = config_keys(&nkeys);
	for (i = 0; i < nkeys; i++) {
		k = &keys[i];
		if (k->section != s || (k->kinds != 0 && !(k->kinds & kindbit)))
			continue;
		field = (const char *)obj + k->offset;
		switch (k->type) {
		case CONFIG_TYPE_STRING:
			if (*(char *const *)field != NULL)
				fprintf(f, "%s = %s\n", k->name,
				    *(char *const *)field);
			break;
		case CONFIG_TYPE_DURATION:
			fprintf(f, "%s = %s\n", k->name, config_format_duration(
			    *(const int64_t *)field, d, sizeof d));
			break;
		case CONFIG_TYPE_INT:
			fprintf(f, "%s = %d\n", k->name, *(const int *)field);
			break;
		case CONFIG_TYPE_DOUBLE:
			print_double(f, k->name, *(const double *)field);
			break;
		case CONFIG_TYPE_BOOL:
			fprintf(f, "%s = %s\n", k->name,
			    *(const int *)field ? "yes" : "no");
			break;
		case CONFIG_TYPE_ENUM:
			print_choice(f, k, *(const int *)field);
			break;
		case CONFIG_TYPE_LIST:
			print_list(f, k, *(char **const *)field);
			break;
		case CONFIG_TYPE_SECRET:
			print_secret(f, k, "", field);
			break;
		case CONFIG_TYPE_HEADER:
			sk = obj;
			for (j = 0; j < sk->nheaders; j++) {
				snprintf(prefix, sizeof prefix, "%s: ",
				    sk->headers[j].name);
				print_secret(f, k, prefix, &sk->headers[j].value);
			}
			break;
		case CONFIG_TYPE_LISTEN:
			ls = field;
			if (ls->host == NULL)
				break;
			if (strchr(ls->host, ':') != NULL)
				fprintf(f, "%s = [%s]:%d\n", k->name, ls->host,
				    ls->port);
			else
				fprintf(f, "%s = %s:%d\n", k->name, ls->host,
				    ls->port);
			break;
		}
	}
}

int
config_print(const struct config *cfg, FILE *f)
{
	const struct config_watch	*w;
	const struct config_logs	*lg;
	const struct config_sink	*sk;
	const struct config_mute	*mu;

	fprintf(f, "; effective configuration: defaults filled in, "
	    "secrets masked\n");
	fprintf(f, "[cwguard]\n");
	print_section(f, CONFIG_SECTION_CWGUARD, cfg, 0);
	fprintf(f, "\n[aws]\n");
	print_section(f, CONFIG_SECTION_AWS, cfg, 0);
	TAILQ_FOREACH(w, &cfg->watches, entry) {
		fprintf(f, "\n[watch %s]\n", w->name);
		print_section(f, CONFIG_SECTION_WATCH, w, 1U << w->kind);
	}
	TAILQ_FOREACH(lg, &cfg->logs, entry) {
		fprintf(f, "\n[logs %s]\n", lg->name);
		print_section(f, CONFIG_SECTION_LOGS, lg, 0);
	}
	TAILQ_FOREACH(sk, &cfg->sinks, entry) {
		fprintf(f, "\n[sink %s]\n", sk->name);
		print_section(f, CONFIG_SECTION_SINK, sk, 1U << sk->type);
	}
	TAILQ_FOREACH(mu, &cfg->mutes, entry) {
		fprintf(f, "\n[mute %s]\n", mu->name);
		print_section(f, CONFIG_SECTION_MUTE, mu, 0);
	}
	if (fflush(f) == EOF || ferror(f))
		return -1;
	return 0;
}

/* Ends the section object o (if any): one line on f. */
static int
print_json_flush(FILE *f, cJSON **o)
{
	char	*js;
	int	 rc = 0;

	if (*o == NULL)
		return 0;
	if ((js = cJSON_PrintUnformatted(*o)) == NULL ||
	    fprintf(f, "%s\n", js) < 0)
		rc = -1;
	cJSON_free(js);
	cJSON_Delete(*o);
	*o = NULL;
	return rc;
}

int
config_print_json(const struct config *cfg, FILE *f)
{
	cJSON		*o = NULL, *keys = NULL, *old;
	char		*text = NULL, *line, *next, *sp, *eq, *joined;
	size_t		 len = 0;
	FILE		*mem;
	int		 rc = -1;

	if ((mem = open_memstream(&text, &len)) == NULL)
		return -1;
	if (config_print(cfg, mem) == -1) {
		fclose(mem);
		goto out;
	}
	fclose(mem);
	for (line = text; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '[') {
			if (print_json_flush(f, &o) == -1)
				goto out;
			if ((eq = strchr(line, ']')) != NULL)
				*eq = '\0';
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "type", "config");
			if ((sp = strchr(line + 1, ' ')) != NULL)
				*sp++ = '\0';
			cJSON_AddStringToObject(o, "section", line + 1);
			if (sp != NULL)
				cJSON_AddStringToObject(o, "name", sp);
			else
				cJSON_AddNullToObject(o, "name");
			keys = cJSON_AddObjectToObject(o, "keys");
			continue;
		}
		if (o == NULL || *line == ';' || (eq = strstr(line, " = ")) ==
		    NULL)
			continue;
		*eq = '\0';
		old = cJSON_GetObjectItemCaseSensitive(keys, line);
		if (cJSON_IsString(old)) {
			joined = xasprintf("%s, %s", old->valuestring, eq + 3);
			cJSON_ReplaceItemInObjectCaseSensitive(keys, line,
			    cJSON_CreateString(joined));
			free(joined);
		} else
			cJSON_AddStringToObject(keys, line, eq + 3);
	}
	if (print_json_flush(f, &o) == -1)
		goto out;
	rc = fflush(f) == EOF || ferror(f) ? -1 : 0;
out:
	cJSON_Delete(o);
	free(text);
	return rc;
}
