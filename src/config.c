/*
 * Loading the config file. inih splits lines into keys and values; our own
 * reader in front of it counts lines (inih's handler gets none), reads the
 * section headers itself (so empty and duplicate sections are seen) and
 * turns every line inih would misread (too long, continuation, garbage)
 * into an error at its line and a blank line for inih. Keys are collected
 * per section, then built in a second pass once the section's kind is
 * known, driven by the key table of config_keys.c.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "util.h"
#include "xmalloc.h"

#define CONFIG_FILE_MAX		(1024 * 1024)	/* bytes of a config file */
#define CONFIG_ERRORS_MAX	100		/* errors reported at most */
#define CONFIG_NAME_MAX		64		/* of [kind NAME] */

#define CUR_NONE	(-1)	/* before the first section */
#define CUR_SKIP	(-2)	/* in a section that is in error */

_Static_assert(sizeof(enum log_level) == sizeof(int), "enum size");
_Static_assert(sizeof(enum config_watch_kind) == sizeof(int), "enum size");

struct raw_entry {
	char		*key;
	char		*value;		/* may be a literal secret: wiped */
	int		 line;
};

struct raw_section {
	enum config_section	 kind;
	char			*name;	/* NULL for [cwguard] and [aws] */
	int			 line;
	struct raw_entry	*entries;
	size_t			 nentries;
	int			*seen;	/* per key table row: line, 0 unset */
	void			*obj;	/* what the keys are written into */
	unsigned		 kindbit; /* 1 << kind / type, 0 unknown */
};

struct load_error {
	int		 line;
	size_t		 seq;
	char		*msg;
};

struct load {
	const char		*path;
	char			*confdir;
	struct stat		 st;
	FILE			*f;
	char			*linebuf;
	size_t			 linecap;
	size_t			 bytes;
	int			 lineno;
	int			 prev_key;	/* inih would continue it */
	int			 cur;		/* index in sections, CUR_* */
	struct raw_section	*sections;
	size_t			 nsections;
	struct load_error	*errors;
	size_t			 nerrors;
	size_t			 ndropped;
	struct config		*cfg;
};

static void __attribute__((format(printf, 3, 4)))
load_error(struct load *l, int line, const char *fmt, ...)
{
	struct load_error	*e;
	va_list			 ap;
	char			*msg;

	if (l->nerrors >= CONFIG_ERRORS_MAX) {
		l->ndropped++;
		return;
	}
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	l->errors = xreallocarray(l->errors, l->nerrors + 1, sizeof *l->errors);
	e = &l->errors[l->nerrors];
	e->line = line;
	e->seq = l->nerrors++;
	e->msg = msg;
}

static int
error_cmp(const void *a, const void *b)
{
	const struct load_error	*x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

static int
error_at(const struct load *l, int line)
{
	size_t	i;

	for (i = 0; i < l->nerrors; i++) {
		if (l->errors[i].line == line)
			return 1;
	}
	return 0;
}

/* One "FILE:LINE: message" per line, in line order. */
static char *
errors_join(struct load *l)
{
	struct buf	b;
	size_t		i;

	qsort(l->errors, l->nerrors, sizeof *l->errors, error_cmp);
	buf_init(&b, 0);
	for (i = 0; i < l->nerrors; i++) {
		if (l->errors[i].line > 0)
			buf_printf(&b, "%s:%d: %s\n", l->path,
			    l->errors[i].line, l->errors[i].msg);
		else
			buf_printf(&b, "%s: %s\n", l->path, l->errors[i].msg);
	}
	if (l->ndropped > 0)
		buf_printf(&b, "%s: %zu more errors not shown\n", l->path,
		    l->ndropped);
	return buf_steal(&b, NULL);
}

static const char *
section_label(const struct raw_section *sec, char *out, size_t outlen)
{
	if (sec->name == NULL)
		snprintf(out, outlen, "[%s]", config_section_name(sec->kind));
	else
		snprintf(out, outlen, "[%s %s]", config_section_name(sec->kind),
		    sec->name);
	return out;
}

static int
name_ok(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++, n++) {
		if (!isalnum((unsigned char)*s) && strchr("_.-", *s) == NULL)
			return 0;
	}
	return n > 0 && n <= CONFIG_NAME_MAX;
}

/* A "[...]" line: starts a section or puts the parser in CUR_SKIP. */
static void
section_header(struct load *l, const char *s)
{
	static const char *const kinds[] = { "cwguard", "aws", "watch", "logs",
	    "sink" };
	struct raw_section	*sec;
	char			 inner[256], *word[3], *p;
	const char		*close, *rest;
	size_t			 i, nword = 0;
	int			 kind = -1;

	l->cur = CUR_SKIP;
	if ((close = strchr(s, ']')) == NULL) {
		load_error(l, l->lineno, "unterminated section header "
		    "(missing ']')");
		return;
	}
	rest = close + 1;
	while (isspace((unsigned char)*rest))
		rest++;
	if (*rest != '\0' && *rest != ';' && *rest != '#') {
		load_error(l, l->lineno, "text after the section header");
		return;
	}
	snprintf(inner, sizeof inner, "%.*s", (int)(close - s - 1), s + 1);
	for (p = strtok(inner, " \t"); p != NULL; p = strtok(NULL, " \t")) {
		if (nword == 3)
			break;
		word[nword++] = p;
	}
	if (nword == 0) {
		load_error(l, l->lineno, "empty section header []");
		return;
	}
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (strcmp(word[0], kinds[i]) == 0)
			kind = (int)i;
	}
	if (kind == -1) {
		load_error(l, l->lineno, "unknown section [%s] (want [cwguard], "
		    "[aws], [watch NAME], [logs NAME] or [sink NAME])", word[0]);
		return;
	}
	if (kind <= CONFIG_SECTION_AWS && nword > 1) {
		load_error(l, l->lineno, "[%s] takes no name", word[0]);
		return;
	}
	if (kind > CONFIG_SECTION_AWS && nword != 2) {
		load_error(l, l->lineno, nword == 1 ? "[%s] needs a name: "
		    "[%s NAME]" : "[%s NAME]: the name must be one word",
		    word[0], word[0]);
		return;
	}
	if (nword == 2 && !name_ok(word[1])) {
		load_error(l, l->lineno, "bad %s name '%s' (letters, digits, "
		    "'_', '.' and '-', at most %d)", word[0], word[1],
		    CONFIG_NAME_MAX);
		return;
	}
	for (i = 0; i < l->nsections; i++) {
		sec = &l->sections[i];
		if ((int)sec->kind != kind)
			continue;
		if (nword == 1 || strcmp(sec->name, word[1]) == 0) {
			load_error(l, l->lineno, "duplicate section [%s%s%s] "
			    "(first at line %d)", word[0], nword == 2 ? " " : "",
			    nword == 2 ? word[1] : "", sec->line);
			return;
		}
	}
	l->sections = xreallocarray(l->sections, l->nsections + 1,
	    sizeof *l->sections);
	sec = &l->sections[l->nsections];
	memset(sec, 0, sizeof *sec);
	sec->kind = (enum config_section)kind;
	sec->name = nword == 2 ? xstrdup(word[1]) : NULL;
	sec->line = l->lineno;
	l->cur = (int)l->nsections++;
}

/*
 * The ini_reader: hands inih one line at a time, counting them. Lines inih
 * would misread are reported here and handed over blank.
 */
static char *
reader(char *str, int num, void *arg)
{
	struct load	*l = arg;
	ssize_t		 n;
	size_t		 len, i;
	char		*line, *s, *q;
	int		 was_space;

	if (l->f == NULL)
		return NULL;
	if ((n = getline(&l->linebuf, &l->linecap, l->f)) == -1) {
		if (ferror(l->f))
			load_error(l, 0, "read error: %s", strerror(errno));
		return NULL;
	}
	l->lineno++;
	l->bytes += (size_t)n;
	if (l->bytes > CONFIG_FILE_MAX) {
		load_error(l, l->lineno, "file is larger than %d bytes",
		    CONFIG_FILE_MAX);
		return NULL;
	}
	line = l->linebuf;
	len = (size_t)n;
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (l->lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;
		len -= 3;
	}
	str[0] = '\0';
	for (i = 0; i < len; i++) {
		if (line[i] == '\0') {
			load_error(l, l->lineno, "line holds a NUL byte");
			return str;
		}
		if (((unsigned char)line[i] < 0x20 && line[i] != '\t') ||
		    line[i] == 0x7f) {
			load_error(l, l->lineno, "line holds a control character "
			    "(0x%02x)", (unsigned char)line[i]);
			return str;
		}
	}
	line[len] = '\0';
	for (s = line; isspace((unsigned char)*s); s++)
		;
	if (num < 2 || len > (size_t)num - 1) {
		load_error(l, l->lineno, "line too long (%zu bytes, at most %d)",
		    len, num - 1);
		if (*s == '[')
			l->cur = CUR_SKIP;
		return str;
	}
	if (*s == '\0' || *s == ';' || *s == '#')
		return str;
	if (s > line && l->prev_key) {
		load_error(l, l->lineno, "indented line would continue the "
		    "previous value; continuation lines are not supported");
		return str;
	}
	if (*s == '[') {
		section_header(l, s);
		l->prev_key = 0;
		/* inih only needs to see a section; ours is in l->cur. */
		snprintf(str, (size_t)num, "[-]");
		return str;
	}
	/* As inih: '=' or ':' before any " ;" inline comment. */
	was_space = 0;
	for (q = s; *q != '\0' && *q != '=' && *q != ':'; q++) {
		if (was_space && *q == ';')
			break;
		was_space = isspace((unsigned char)*q);
	}
	if (*q != '=' && *q != ':') {
		load_error(l, l->lineno, "expected 'key = value' or a "
		    "[section] header");
		return str;
	}
	if (q == s) {
		load_error(l, l->lineno, "missing key before '%c'", *q);
		return str;
	}
	l->prev_key = 1;
	memcpy(str, line, len + 1);
	return str;
}

static int
handler(void *arg, const char *section, const char *name, const char *value)
{
	(void)section;	/* ours is l->cur, set by the reader */
	struct load		*l = arg;
	struct raw_section	*sec;
	struct raw_entry	*e;

	if (name == NULL || l->cur == CUR_SKIP)
		return 1;
	if (l->cur == CUR_NONE) {
		load_error(l, l->lineno, "key '%s' outside of any section", name);
		return 1;
	}
	sec = &l->sections[l->cur];
	sec->entries = xreallocarray(sec->entries, sec->nentries + 1,
	    sizeof *sec->entries);
	e = &sec->entries[sec->nentries++];
	e->key = xstrdup(name);
	e->value = xstrdup(value != NULL ? value : "");
	e->line = l->lineno;
	return 1;
}

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
static const char *
choices_text(const char *choices, char *out, size_t outlen)
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

static int
choice_index(const char *choices, const char *v)
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
parse_secret(struct load *l, const struct config_key *k, const char *label,
    const char *v, int line, struct config_secret *s)
{
	char	err[512];
	int	sensitive;

	if (config_secret_parse(s, v, err, sizeof err) == -1) {
		load_error(l, line, "%s: %s", label, err);
		return;
	}
	switch (s->source) {
	case CONFIG_SECRET_LITERAL:
		sensitive = !(k->flags & CONFIG_KEY_SECRET_AUTH) ||
		    config_url_has_auth(v);
		if (sensitive && (l->st.st_mode & 077) != 0) {
			load_error(l, line, "literal secret in %s but %s is "
			    "readable by group/others (chmod 600 %s, or use "
			    "${file:...})", label, l->path, l->path);
			return;
		}
		if (k->check != NULL && k->check(v, err, sizeof err) == -1)
			load_error(l, line, "%s: %s", label, err);
		break;
	case CONFIG_SECRET_ENV:
	case CONFIG_SECRET_FILE:
		if (config_secret_resolve(s, l->confdir, err, sizeof err) == -1) {
			load_error(l, line, "%s: %s", label, err);
			return;
		}
		if (k->check != NULL &&
		    k->check(s->value, err, sizeof err) == -1)
			load_error(l, line, "%s: %s (value of %s)", label, err,
			    s->ref);
		else if ((k->check != NULL || k->type == CONFIG_TYPE_HEADER) &&
		    strpbrk(s->value, "\r\n") != NULL)
			/* A URL or header must stay one line on the wire. */
			load_error(l, line, "%s: the value of %s holds a line "
			    "break", label, s->ref);
		break;
	default:
		break;
	}
}

static void
parse_header(struct load *l, const struct config_key *k, const char *v,
    int line, struct config_sink *sk)
{
	struct config_header	*h;
	const char		*colon = strchr(v, ':'), *p;
	char			*name, *value;

	if (colon == NULL || colon == v) {
		load_error(l, line, "header: want 'Name: value'");
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
		load_error(l, line, "header: bad header name '%s'", name);
		free(name);
		return;
	}
	value = xstrdup(colon + 1);
	util_trim(value);
	if (*value == '\0') {
		load_error(l, line, "header: empty value for %s", name);
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

static size_t
list_len(char **v)
{
	size_t	n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

static void
list_free(char **v)
{
	size_t	i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static void
parse_list(struct load *l, const struct config_key *k, const char *v,
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
			load_error(l, line, "%s: empty element in the list", k->name);
			continue;
		}
		if (k->choices != NULL && choice_index(k->choices, p) == -1) {
			load_error(l, line, "%s: bad value '%s' (want %s)",
			    k->name, p, choices_text(k->choices, choices,
			    sizeof choices));
			continue;
		}
		if (k->check != NULL && k->check(p, err, sizeof err) == -1) {
			load_error(l, line, "%s: %s", k->name, err);
			continue;
		}
		n = list_len(*field);
		for (i = 0; i < n; i++) {
			if (strcmp((*field)[i], p) == 0)
				break;
		}
		if (i < n) {
			load_error(l, line, "%s: '%s' is listed twice", k->name, p);
			continue;
		}
		*field = xreallocarray(*field, n + 2, sizeof **field);
		(*field)[n] = xstrdup(p);
		(*field)[n + 1] = NULL;
	}
	free(copy);
}

static void
parse_listen(struct load *l, const struct config_key *k, const char *v,
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
		load_error(l, line, "%s: port %s", k->name, err);
		return;
	}
	free(ls->host);
	ls->host = xstrndup(hs, hl);
	ls->port = (int)port;
	return;
bad:
	load_error(l, line, "%s: '%s' is not HOST:PORT (e.g. 127.0.0.1:9464 "
	    "or [::1]:9464)", k->name, v);
}

static void
parse_value(struct load *l, struct raw_section *sec,
    const struct config_key *k, const char *v, int line)
{
	void		*field = (char *)sec->obj + k->offset;
	char		 err[512], choices[256], a[32], b[32];
	int64_t		 d;
	long long	 n;
	double		 x;
	int		 i, lo, hi;

	if (*v == '\0') {
		load_error(l, line, "%s: empty value", k->name);
		return;
	}
	if (k->type != CONFIG_TYPE_SECRET && k->type != CONFIG_TYPE_HEADER &&
	    strstr(v, "${") != NULL) {
		load_error(l, line, "%s: ${...} references are only allowed in "
		    "url, hmac_key, header, smtp_url and password", k->name);
		return;
	}
	switch (k->type) {
	case CONFIG_TYPE_STRING:
		if (k->check != NULL && k->check(v, err, sizeof err) == -1) {
			load_error(l, line, "%s: %s", k->name, err);
			return;
		}
		free(*(char **)field);
		*(char **)field = xstrdup(v);
		break;
	case CONFIG_TYPE_DURATION:
		if (util_parse_duration(v, &d, err, sizeof err) == -1 ||
		    (k->check != NULL && k->check(v, err, sizeof err) == -1)) {
			load_error(l, line, "%s: %s", k->name, err);
			return;
		}
		if ((double)d < k->min || (double)d > k->max) {
			load_error(l, line, "%s: %s is out of range (%s..%s)",
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
			load_error(l, line, "%s: %s", k->name, err);
			return;
		}
		*(int *)field = (int)n;
		break;
	case CONFIG_TYPE_DOUBLE:
		if (util_parse_double(v, -HUGE_VAL, HUGE_VAL, &x, err,
		    sizeof err) == -1 || !isfinite(x)) {
			load_error(l, line, "%s: '%s' is not a number", k->name, v);
			return;
		}
		lo = (k->flags & CONFIG_KEY_MIN_OPEN) ? x <= k->min : x < k->min;
		hi = (k->flags & CONFIG_KEY_MAX_OPEN) ? x >= k->max : x > k->max;
		if (lo || hi) {
			load_error(l, line, "%s: %s is out of range (want %g %s "
			    "%s %s %g)", k->name, v, k->min,
			    (k->flags & CONFIG_KEY_MIN_OPEN) ? "<" : "<=", k->name,
			    (k->flags & CONFIG_KEY_MAX_OPEN) ? "<" : "<=", k->max);
			return;
		}
		*(double *)field = x;
		break;
	case CONFIG_TYPE_BOOL:
		if (util_parse_bool(v, &i, err, sizeof err) == -1) {
			load_error(l, line, "%s: %s", k->name, err);
			return;
		}
		*(int *)field = i;
		break;
	case CONFIG_TYPE_ENUM:
		if ((i = choice_index(k->choices, v)) == -1) {
			load_error(l, line, "%s: bad value '%s' (want %s)", k->name,
			    v, choices_text(k->choices, choices, sizeof choices));
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

/* The kinds (watch) or types (sink) in bits, as "lambda, apigw". */
static const char *
kinds_text(enum config_section s, unsigned bits, char *out, size_t outlen)
{
	unsigned	i;

	out[0] = '\0';
	for (i = 0; i < 4; i++) {
		if (!(bits & (1U << i)))
			continue;
		snprintf(out + strlen(out), outlen - strlen(out), "%s%s",
		    out[0] != '\0' ? ", " : "", s == CONFIG_SECTION_WATCH ?
		    config_watch_kind_name(i) : config_sink_type_name(i));
	}
	return out;
}

static int
kind_of(const struct raw_section *sec)
{
	unsigned	i;

	for (i = 0; i < 32; i++) {
		if (sec->kindbit == (1U << i))
			return (int)i;
	}
	return -1;
}

static const char *
kind_name(const struct raw_section *sec)
{
	return sec->kind == CONFIG_SECTION_WATCH ?
	    config_watch_kind_name(kind_of(sec)) :
	    config_sink_type_name(kind_of(sec));
}

static void
section_obj(struct load *l, struct raw_section *sec)
{
	struct config_watch	*w;
	struct config_logs	*lg;
	struct config_sink	*sk;

	switch (sec->kind) {
	case CONFIG_SECTION_CWGUARD:
	case CONFIG_SECTION_AWS:
		sec->obj = l->cfg;
		break;
	case CONFIG_SECTION_WATCH:
		w = xcalloc(1, sizeof *w);
		w->name = xstrdup(sec->name);
		w->line = sec->line;
		TAILQ_INSERT_TAIL(&l->cfg->watches, w, entry);
		sec->obj = w;
		break;
	case CONFIG_SECTION_LOGS:
		lg = xcalloc(1, sizeof *lg);
		lg->name = xstrdup(sec->name);
		lg->line = sec->line;
		TAILQ_INSERT_TAIL(&l->cfg->logs, lg, entry);
		sec->obj = lg;
		break;
	case CONFIG_SECTION_SINK:
		sk = xcalloc(1, sizeof *sk);
		sk->name = xstrdup(sec->name);
		sk->line = sec->line;
		TAILQ_INSERT_TAIL(&l->cfg->sinks, sk, entry);
		sec->obj = sk;
		break;
	}
}

static const char *
kind_key(enum config_section s)
{
	if (s == CONFIG_SECTION_WATCH)
		return "kind";
	if (s == CONFIG_SECTION_SINK)
		return "type";
	return NULL;
}

/* The "kind" / "type" key, parsed before every other key. */
static size_t
section_kind(struct load *l, struct raw_section *sec, const char *kk)
{
	const struct config_key	*keys, *k = NULL;
	size_t			 nkeys, i;
	char			 choices[256];
	int			 kind;

	keys = config_keys(&nkeys);
	for (i = 0; i < nkeys; i++) {
		if (keys[i].section == sec->kind && strcmp(keys[i].name, kk) == 0)
			k = &keys[i];
	}
	for (i = 0; i < sec->nentries; i++) {
		if (strcmp(sec->entries[i].key, kk) == 0)
			break;
	}
	if (i == sec->nentries) {
		load_error(l, sec->line, "missing required key '%s' (%s)", kk,
		    choices_text(k->choices, choices, sizeof choices));
		return i;
	}
	sec->seen[k - keys] = sec->entries[i].line;
	kind = choice_index(k->choices, sec->entries[i].value);
	parse_value(l, sec, k, sec->entries[i].value, sec->entries[i].line);
	if (kind != -1)
		sec->kindbit = 1U << kind;
	return i;
}

static void
section_checks(struct load *l, struct raw_section *sec)
{
	struct config_logs	*lg;
	struct config_sink	*sk;
	const struct config_key	*keys;
	size_t			 nkeys, i;
	int			 line = sec->line;
	char			 a[32], b[32];

	keys = config_keys(&nkeys);
	switch (sec->kind) {
	case CONFIG_SECTION_LOGS:
		lg = sec->obj;
		for (i = 0; i < nkeys; i++) {
			if (keys[i].section == CONFIG_SECTION_LOGS &&
			    (strcmp(keys[i].name, "overlap") == 0 ||
			    strcmp(keys[i].name, "lookback") == 0) &&
			    sec->seen[i] > 0)
				line = sec->seen[i];
		}
		if (lg->overlap >= lg->lookback)
			load_error(l, line, "overlap (%s) must be shorter than "
			    "lookback (%s)", config_format_duration(lg->overlap,
			    a, sizeof a), config_format_duration(lg->lookback, b,
			    sizeof b));
		break;
	case CONFIG_SECTION_SINK:
		sk = sec->obj;
		if (sk->type == CONFIG_SINK_EMAIL && sec->kindbit != 0 &&
		    (sk->username == NULL) !=
		    (sk->password.source == CONFIG_SECRET_NONE))
			load_error(l, sec->line, "username and password go "
			    "together (SMTP AUTH needs both)");
		break;
	default:
		break;
	}
}

static void
build_section(struct load *l, struct raw_section *sec)
{
	const struct config_key	*keys, *k, *any;
	struct raw_entry	*e;
	const char		*kk = kind_key(sec->kind);
	size_t			 nkeys, i, j, kind_entry = (size_t)-1;
	unsigned		 bit, allbits;
	char			 label[128], kinds[128];

	keys = config_keys(&nkeys);
	sec->seen = xcalloc(nkeys, sizeof *sec->seen);
	section_obj(l, sec);
	if (kk != NULL)
		kind_entry = section_kind(l, sec, kk);
	for (i = 0; i < sec->nentries; i++) {
		e = &sec->entries[i];
		if (i == kind_entry)
			continue;
		k = any = NULL;
		allbits = 0;
		for (j = 0; j < nkeys; j++) {
			if (keys[j].section != sec->kind ||
			    strcmp(keys[j].name, e->key) != 0)
				continue;
			any = &keys[j];
			allbits |= keys[j].kinds;
			if (kk == NULL || keys[j].kinds == 0 ||
			    (keys[j].kinds & sec->kindbit))
				k = &keys[j];
		}
		if (any == NULL) {
			load_error(l, e->line, "unknown key '%s' in %s", e->key,
			    section_label(sec, label, sizeof label));
			continue;
		}
		if (kk != NULL && sec->kindbit == 0)
			continue;	/* kind unknown: already an error */
		if (k == NULL) {
			load_error(l, e->line, "key '%s' does not apply to %s = %s "
			    "(only to %s)", e->key, kk, kind_name(sec),
			    kinds_text(sec->kind, allbits, kinds, sizeof kinds));
			continue;
		}
		if (sec->seen[k - keys] != 0 && !(k->flags & CONFIG_KEY_REPEAT)) {
			load_error(l, e->line, "duplicate key '%s' (first at line "
			    "%d)", e->key, sec->seen[k - keys]);
			continue;
		}
		if (sec->seen[k - keys] == 0)
			sec->seen[k - keys] = e->line;
		parse_value(l, sec, k, e->value, e->line);
	}
	if (kk != NULL && sec->kindbit == 0)
		return;
	bit = kk != NULL ? sec->kindbit : ~0U;
	for (j = 0; j < nkeys; j++) {
		k = &keys[j];
		if (k->section != sec->kind || sec->seen[j] != 0 ||
		    (k->kinds != 0 && !(k->kinds & bit)))
			continue;
		if (kk != NULL && strcmp(k->name, kk) == 0)
			continue;
		if (k->required & bit) {
			if (kk != NULL)
				load_error(l, sec->line, "missing required key "
				    "'%s' for %s = %s", k->name, kk,
				    kind_name(sec));
			else
				load_error(l, sec->line, "missing required key "
				    "'%s'", k->name);
		} else if (k->def != NULL)
			parse_value(l, sec, k, k->def, sec->line);
	}
	section_checks(l, sec);
}

/* Defaults of the sections that may be left out. */
static void
build_defaults(struct load *l, enum config_section s)
{
	struct raw_section	sec;
	size_t			i;

	for (i = 0; i < l->nsections; i++) {
		if (l->sections[i].kind == s)
			return;
	}
	memset(&sec, 0, sizeof sec);
	sec.kind = s;
	build_section(l, &sec);
	free(sec.seen);
}

static void
resolve_sinks(struct load *l, struct raw_section *sec, char ***names,
    struct config_sink ***ptrs)
{
	const struct config_key	*keys;
	struct config_sink	*sk;
	size_t			 nkeys, i, n, line = 0;

	keys = config_keys(&nkeys);
	for (i = 0; i < nkeys; i++) {
		if (keys[i].section == sec->kind &&
		    strcmp(keys[i].name, "sinks") == 0)
			line = (size_t)sec->seen[i];
	}
	if (line == 0 && *names == NULL) {
		n = 0;
		TAILQ_FOREACH(sk, &l->cfg->sinks, entry) {
			*names = xreallocarray(*names, n + 2, sizeof **names);
			(*names)[n++] = xstrdup(sk->name);
		}
		if (*names == NULL)
			*names = xcalloc(1, sizeof **names);
		(*names)[n] = NULL;
	}
	n = list_len(*names);
	*ptrs = xcalloc(n + 1, sizeof **ptrs);
	for (i = 0; i < n; i++) {
		if (((*ptrs)[i] = config_sink_find(l->cfg, (*names)[i])) == NULL)
			load_error(l, (int)line, "sinks: no [sink %s] section",
			    (*names)[i]);
	}
}

static void
load_cleanup(struct load *l)
{
	struct raw_section	*sec;
	size_t			 i, j;

	for (i = 0; i < l->nsections; i++) {
		sec = &l->sections[i];
		for (j = 0; j < sec->nentries; j++) {
			free(sec->entries[j].key);
			util_free_secret(sec->entries[j].value);
		}
		free(sec->entries);
		free(sec->seen);
		free(sec->name);
	}
	free(l->sections);
	for (i = 0; i < l->nerrors; i++)
		free(l->errors[i].msg);
	free(l->errors);
	if (l->linebuf != NULL) {
		util_wipe(l->linebuf, l->linecap);
		free(l->linebuf);
	}
	if (l->f != NULL)
		fclose(l->f);
	free(l->confdir);
}

/*
 * inih reads each line into a buffer on its own stack frame, which it
 * does not clear; a literal secret may be left there. Overwrite the stack
 * below us once parsing is done (best effort: same depth, not guaranteed).
 */
static void __attribute__((noinline))
stack_wipe(void)
{
	volatile char	pad[4096];

	util_wipe((void *)pad, sizeof pad);
}

struct config *
config_load(const char *path, char **cause)
{
	struct load		 l;
	struct config		*cfg;
	struct config_watch	*w;
	struct config_logs	*lg;
	const char		*slash;
	size_t			 i;
	int			 rc;

	memset(&l, 0, sizeof l);
	l.path = path;
	l.cur = CUR_NONE;
	cfg = l.cfg = xcalloc(1, sizeof *cfg);
	cfg->path = xstrdup(path);
	TAILQ_INIT(&cfg->watches);
	TAILQ_INIT(&cfg->logs);
	TAILQ_INIT(&cfg->sinks);
	if ((slash = strrchr(path, '/')) == NULL)
		l.confdir = xstrdup(".");
	else if (slash == path)
		l.confdir = xstrdup("/");
	else
		l.confdir = xstrndup(path, (size_t)(slash - path));

	if ((l.f = fopen(path, "re")) == NULL) {
		load_error(&l, 0, "%s", strerror(errno));
		goto fail;
	}
	if (fstat(fileno(l.f), &l.st) == -1) {
		load_error(&l, 0, "%s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(l.st.st_mode)) {
		load_error(&l, 0, "not a regular file");
		goto fail;
	}
	rc = ini_parse_stream(reader, &l, handler, &l);
	if (rc > 0 && !error_at(&l, rc))
		load_error(&l, rc, "syntax error");
	else if (rc < 0)
		load_error(&l, 0, "cannot parse (inih error %d)", rc);
	stack_wipe();
	fclose(l.f);
	l.f = NULL;

	for (i = 0; i < l.nsections; i++)
		build_section(&l, &l.sections[i]);
	build_defaults(&l, CONFIG_SECTION_CWGUARD);
	build_defaults(&l, CONFIG_SECTION_AWS);
	for (i = 0; i < l.nsections; i++) {
		if (l.sections[i].kind == CONFIG_SECTION_WATCH) {
			w = l.sections[i].obj;
			resolve_sinks(&l, &l.sections[i], &w->sinks,
			    &w->sink_ptrs);
		} else if (l.sections[i].kind == CONFIG_SECTION_LOGS) {
			lg = l.sections[i].obj;
			resolve_sinks(&l, &l.sections[i], &lg->sinks,
			    &lg->sink_ptrs);
		}
	}
	if (l.nerrors > 0)
		goto fail;
	load_cleanup(&l);
	*cause = NULL;
	return cfg;
fail:
	*cause = errors_join(&l);
	load_cleanup(&l);
	config_free(cfg);
	return NULL;
}

static void
sink_free(struct config_sink *sk)
{
	size_t	i;

	free(sk->name);
	config_secret_clear(&sk->url);
	free(sk->topic_arn);
	config_secret_clear(&sk->hmac_key);
	for (i = 0; i < sk->nheaders; i++) {
		free(sk->headers[i].name);
		config_secret_clear(&sk->headers[i].value);
	}
	free(sk->headers);
	config_secret_clear(&sk->smtp_url);
	free(sk->from);
	list_free(sk->to);
	free(sk->username);
	config_secret_clear(&sk->password);
	free(sk);
}

void
config_free(struct config *cfg)
{
	struct config_watch	*w;
	struct config_logs	*lg;
	struct config_sink	*sk;

	if (cfg == NULL)
		return;
	while ((w = TAILQ_FIRST(&cfg->watches)) != NULL) {
		TAILQ_REMOVE(&cfg->watches, w, entry);
		free(w->name);
		list_free(w->functions);
		list_free(w->exclude);
		list_free(w->apis);
		list_free(w->load_balancers);
		list_free(w->signals);
		free(w->namespace);
		free(w->metric);
		list_free(w->dimensions);
		free(w->stat);
		list_free(w->sinks);
		free(w->sink_ptrs);
		free(w);
	}
	while ((lg = TAILQ_FIRST(&cfg->logs)) != NULL) {
		TAILQ_REMOVE(&cfg->logs, lg, entry);
		free(lg->name);
		list_free(lg->log_groups);
		free(lg->rules);
		list_free(lg->sinks);
		free(lg->sink_ptrs);
		free(lg);
	}
	while ((sk = TAILQ_FIRST(&cfg->sinks)) != NULL) {
		TAILQ_REMOVE(&cfg->sinks, sk, entry);
		sink_free(sk);
	}
	free(cfg->path);
	free(cfg->state);
	free(cfg->metrics_listen.host);
	free(cfg->aws.region);
	free(cfg->aws.profile);
	free(cfg->aws.role_arn);
	free(cfg->aws.external_id);
	free(cfg->aws.ca_file);
	free(cfg);
}

struct config_watch *
config_watch_find(const struct config *cfg, const char *name)
{
	struct config_watch	*w;

	TAILQ_FOREACH(w, &cfg->watches, entry) {
		if (strcmp(w->name, name) == 0)
			return w;
	}
	return NULL;
}

struct config_sink *
config_sink_find(const struct config *cfg, const char *name)
{
	struct config_sink	*sk;

	TAILQ_FOREACH(sk, &cfg->sinks, entry) {
		if (strcmp(sk->name, name) == 0)
			return sk;
	}
	return NULL;
}
