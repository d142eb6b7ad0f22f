/*
 * One value of one key, parsed by the type the key table gives it and
 * written into the section's struct. Secret values are checked without
 * ever being echoed into an error.
 */
#include "autoconf.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "util.h"
#include "xmalloc.h"

char *
config_format_duration(int64_t d, char *out, size_t outlen)
{
	if (d != 0 && d % 86400 == 0)
		snprintf(out, outlen, "%lldd", (long long)(d / 86400));
	else if (d != 0 && d % 3600 == 0)
		snprintf(out, outlen, "%lldh", (long long)(d / 3600));
	else if (d != 0 && d % 60 == 0)
		snprintf(out, outlen, "%lldm", (long long)(d / 60));
	else
		snprintf(out, outlen, "%llds", (long long)d);
	return out;
}

/* "a, b or c" from "a|b|c". */
const char *
config_choices_text(const char *choices, char *out, size_t outlen)
{
	const char	*p = choices, *bar;
	size_t		 n = 0, total = 1, i = 0;

	for (bar = choices; (bar = strchr(bar, '|')) != NULL; bar++)
		total++;
	out[0] = '\0';
	for (;;) {
		bar = strchr(p, '|');
		n = bar != NULL ? (size_t)(bar - p) : strlen(p);
		i++;
		snprintf(out + strlen(out), outlen - strlen(out), "%s%.*s",
		    i == 1 ? "" : (i == total ? " or " : ", "), (int)n, p);
		if (bar == NULL)
			break;
		p = bar + 1;
	}
	return out;
}

int
config_choice_index(const char *choices, const char *v)
{
	const char	*p = choices, *bar;
	size_t		 n, vlen = strlen(v);
	int		 i = 0;

	for (;; i++) {
		bar = strchr(p, '|');
		n = bar != NULL ? (size_t)(bar - p) : strlen(p);
		if (n == vlen && strncmp(p, v, n) == 0)
			return i;
		if (bar == NULL)
			return -1;
		p = bar + 1;
	}
}

static void
parse_secret(struct config_loader *l, const struct config_key *k, const char *label,
    const char *v, int line, struct config_secret *s)
{
	char	err[512];
	int	sensitive;

	if (config_secret_parse(s, v, err, sizeof err) == -1) {
		config_error(l, line, "%s: %s", label, err);
		return;
	}
	switch (s->source) {
	case CONFIG_SECRET_LITERAL:
		sensitive = !(k->flags & CONFIG_KEY_SECRET_AUTH) ||
		    config_url_has_auth(v);
		if (sensitive && (l->st.st_mode & 077) != 0) {
			config_error(l, line, "literal secret in %s but %s is "
			    "readable by group/others (chmod 600 %s, or use "
			    "${file:...})", label, l->path, l->path);
			return;
		}
		if (k->check != NULL && k->check(v, err, sizeof err) == -1)
			config_error(l, line, "%s: %s", label, err);
		break;
	case CONFIG_SECRET_ENV:
	case CONFIG_SECRET_FILE:
		if (config_secret_resolve(s, l->confdir, err, sizeof err) == -1) {
			config_error(l, line, "%s: %s", label, err);
			return;
		}
		if (k->check != NULL &&
		    k->check(s->value, err, sizeof err) == -1)
			config_error(l, line, "%s: %s (value of %s)", label, err,
			    s->ref);
		else if ((k->check != NULL || k->type == CONFIG_TYPE_HEADER) &&
		    strpbrk(s->value, "\r\n") != NULL)
			/* A URL or header must stay one line on the wire. */
			config_error(l, line, "%s: the value of %s holds a line "
			    "break", label, s->ref);
		break;
	default:
		break;
	}
}

static void
parse_header(struct config_loader *l, const struct config_key *k, const char *v,
    int line, struct config_sink *sk)
{
	struct config_header	*h;
	const char		*colon = strchr(v, ':'), *p;
	char			*name, *value;

	if (colon == NULL || colon == v) {
		config_error(l, line, "header: want 'Name: value'");
		return;
	}
	name = xstrndup(v, (size_t)(colon - v));
	util_trim(name);
	for (p = name; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) &&
		    strchr("!#$%&'*+-.^_`|~", *p) == NULL)
			break;
	}
	if (*p != '\0' || *name == '\0') {
		config_error(l, line, "header: bad header name '%s'", name);
		free(name);
		return;
	}
	value = xstrdup(colon + 1);
	util_trim(value);
	if (*value == '\0') {
		config_error(l, line, "header: empty value for %s", name);
		free(name);
		free(value);
		return;
	}
	sk->headers = xreallocarray(sk->headers, sk->nheaders + 1,
	    sizeof *sk->headers);
	h = &sk->headers[sk->nheaders++];
	memset(h, 0, sizeof *h);
	h->name = name;
	parse_secret(l, k, "header", value, line, &h->value);
	util_free_secret(value);
}

size_t
config_list_len(char **v)
{
	size_t	n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

void
config_list_free(char **v)
{
	size_t	i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static void
parse_list(struct config_loader *l, const struct config_key *k, const char *v,
    int line, char ***field)
{
	char	*copy, *p, *next, err[512], choices[256];
	size_t	 n, i;

	copy = xstrdup(v);
	for (p = copy; p != NULL; p = next) {
		if ((next = strchr(p, ',')) != NULL)
			*next++ = '\0';
		util_trim(p);
		if (*p == '\0') {
			config_error(l, line, "%s: empty element in the list", k->name);
			continue;
		}
		if (k->choices != NULL && config_choice_index(k->choices, p) == -1) {
			config_error(l, line, "%s: bad value '%s' (want %s)",
			    k->name, p, config_choices_text(k->choices, choices,
			    sizeof choices));
			continue;
		}
		if (k->check != NULL && k->check(p, err, sizeof err) == -1) {
			config_error(l, line, "%s: %s", k->name, err);
			continue;
		}
		n = config_list_len(*field);
		for (i = 0; i < n; i++) {
			if (strcmp((*field)[i], p) == 0)
				break;
		}
		if (i < n) {
			config_error(l, line, "%s: '%s' is listed twice", k->name, p);
			continue;
		}
		*field = xreallocarray(*field, n + 2, sizeof **field);
		(*field)[n] = xstrdup(p);
		(*field)[n + 1] = NULL;
	}
	free(copy);
}

static void
parse_listen(struct config_loader *l, const struct config_key *k, const char *v,
    int line, struct config_listen *ls)
{
	const char	*colon, *hs = v;
	size_t		 hl;
	long long	 port;
	char		 err[256];

	if (*v == '[') {
		hs = v + 1;
		if ((colon = strchr(v, ']')) == NULL || colon[1] != ':')
			goto bad;
		hl = (size_t)(colon - hs);
		colon++;
	} else {
		if ((colon = strrchr(v, ':')) == NULL ||
		    memchr(v, ':', (size_t)(colon - v)) != NULL)
			goto bad;
		hl = (size_t)(colon - v);
	}
	if (hl == 0 || memchr(hs, ' ', hl) != NULL)
		goto bad;
	if (util_parse_int(colon + 1, 1, 65535, &port, err, sizeof err) == -1) {
		config_error(l, line, "%s: port %s", k->name, err);
		return;
	}
	free(ls->host);
	ls->host = xstrndup(hs, hl);
	ls->port = (int)port;
	return;
bad:
	config_error(l, line, "%s: '%s' is not HOST:PORT (e.g. 127.0.0.1:9464 "
	    "or [::1]:9464)", k->name, v);
}

void
config_parse_value(struct config_loader *l, struct config_raw_section *sec,
    const struct config_key *k, const char *v, int line)
{
	void		*field = (char *)sec->obj + k->offset;
	char		 err[512], choices[256], a[32], b[32];
	int64_t		 d;
	long long	 n;
	double		 x;
	int		 i, lo, hi;

	if (*v == '\0') {
		config_error(l, line, "%s: empty value", k->name);
		return;
	}
	if (k->type != CONFIG_TYPE_SECRET && k->type != CONFIG_TYPE_HEADER &&
	    strstr(v, "${") != NULL) {
		config_error(l, line, "%s: ${...} references are only allowed in "
		    "url, hmac_key, header, smtp_url and password", k->name);
		return;
	}
	switch (k->type) {
	case CONFIG_TYPE_STRING:
		if (k->check != NULL && k->check(v, err, sizeof err) == -1) {
			config_error(l, line, "%s: %s", k->name, err);
			return;
		}
		free(*(char **)field);
		*(char **)field = xstrdup(v);
		break;
	case CONFIG_TYPE_DURATION:
		if (util_parse_duration(v, &d, err, sizeof err) == -1 ||
		    (k->check != NULL && k->check(v, err, sizeof err) == -1)) {
			config_error(l, line, "%s: %s", k->name, err);
			return;
		}
		if ((double)d < k->min || (double)d > k->max) {
			config_error(l, line, "%s: %s is out of range (%s..%s)",
			    k->name, v, config_format_duration((int64_t)k->min,
			    a, sizeof a), config_format_duration((int64_t)k->max,
			    b, sizeof b));
			return;
		}
		*(int64_t *)field = d;
		break;
	case CONFIG_TYPE_INT:
		if (util_parse_int(v, (long long)k->min, (long long)k->max, &n,
		    err, sizeof err) == -1) {
			config_error(l, line, "%s: %s", k->name, err);
			return;
		}
		*(int *)field = (int)n;
		break;
	case CONFIG_TYPE_DOUBLE:
		if (util_parse_double(v, -HUGE_VAL, HUGE_VAL, &x, err,
		    sizeof err) == -1 || !isfinite(x)) {
			config_error(l, line, "%s: %s", k->name, err);
			return;
		}
		lo = (k->flags & CONFIG_KEY_MIN_OPEN) ? x <= k->min : x < k->min;
		hi = (k->flags & CONFIG_KEY_MAX_OPEN) ? x >= k->max : x > k->max;
		if (lo || hi) {
			config_error(l, line, "%s: %s is out of range (want %g %s "
			    "%s %s %g)", k->name, v, k->min,
			    (k->flags & CONFIG_KEY_MIN_OPEN) ? "<" : "<=", k->name,
			    (k->flags & CONFIG_KEY_MAX_OPEN) ? "<" : "<=", k->max);
			return;
		}
		*(double *)field = x;
		break;
	case CONFIG_TYPE_BOOL:
		if (util_parse_bool(v, &i, err, sizeof err) == -1) {
			config_error(l, line, "%s: %s", k->name, err);
			return;
		}
		*(int *)field = i;
		break;
	case CONFIG_TYPE_ENUM:
		if ((i = config_choice_index(k->choices, v)) == -1) {
			config_error(l, line, "%s: bad value '%s' (want %s)", k->name,
			    v, config_choices_text(k->choices, choices, sizeof choices));
			return;
		}
		*(int *)field = i;
		break;
	case CONFIG_TYPE_LIST:
		parse_list(l, k, v, line, (char ***)field);
		break;
	case CONFIG_TYPE_SECRET:
		parse_secret(l, k, k->name, v, line, field);
		break;
	case CONFIG_TYPE_HEADER:
		parse_header(l, k, v, line, sec->obj);
		break;
	case CONFIG_TYPE_LISTEN:
		parse_listen(l, k, v, line, field);
		break;
	}
}
