/*
 * A gitleaks configuration as a rules file (DESIGN section 11): a rules
 * file whose name ends in ".toml" is read with toml.c and mapped onto the
 * scanner's rules.
 *
 *	[extend] useDefault = true	the built-in rules as well (without it,
 *					only the file's rules run, as in
 *					gitleaks); disabledRules = [ids]
 *	[[rules]]			id, regex, secretGroup, keywords,
 *					entropy, description, tags
 *	[[rules.allowlists]]		(or [rules.allowlist]) regexes,
 *					stopwords, regexTarget (secret, match,
 *					line), condition (OR, AND), paths,
 *					commits
 *	[allowlist] / [[allowlists]]	global ones (targetRules: only those)
 *
 * Regexes are RE2 syntax: they are translated to PCRE2 where the two
 * differ (\s is RE2's [\t\n\f\r ]) and refused with file:line where there
 * is no PCRE2 equivalent (\C) or PCRE2 rejects them. Lines are scanned one
 * at a time, so a pattern that spans lines matches within one. A rule
 * with a path (files only) is skipped with a warning: log lines have no
 * path; a path or commit in an allowlist never matches for the same
 * reason. Every rule needs keywords: the prefilter runs a rule only on
 * lines that hold one. cwguard's own checks (placeholders, documentation
 * keys, allow markers) apply to these rules too.
 */
#include "autoconf.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "scanner.h"
#include "scanner_int.h"
#include "toml.h"
#include "util.h"
#include "xmalloc.h"

#define GL_RULES_MAX		1024
#define GL_ALLOW_MAX		64	/* allowlists of one rule or global */
#define GL_LIST_MAX		4096	/* regexes or stopwords of one list */
#define GL_PATTERN_MAX		8192

struct gl {
	const char		*name;
	char			*err;
	size_t			 errlen;
	struct scanner_rules	*r;
};

static int __attribute__((format(printf, 3, 4)))
gl_fail(struct gl *g, int line, const char *fmt, ...)
{
	char	msg[400];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(g->err, g->errlen, "%s:%d: %s", g->name, line, msg);
	return -1;
}

/*
 * RE2 to PCRE2: out gets the translation. Returns 0, or -1 with a reason
 * in why.
 */
static int
re2_to_pcre2(const char *re, char **out, char *why, size_t whylen)
{
	struct buf_s {
		char	*s;
		size_t	 len, cap;
	} b = { NULL, 0, 0 };
	size_t	i, n = strlen(re);
	int	in_class = 0, class_start = 0, quoted = 0;
	char	c;

#define PUT(str) do {							\
	size_t l_ = strlen(str);					\
	if (b.len + l_ + 1 > b.cap) {					\
		b.cap = (b.len + l_ + 1) * 2;				\
		b.s = xreallocarray(b.s, b.cap, 1);			\
	}								\
	memcpy(b.s + b.len, str, l_ + 1);				\
	b.len += l_;							\
} while (0)
	PUT("");
	for (i = 0; i < n; i++) {
		c = re[i];
		if (quoted) {
			char one[2] = { c, '\0' };

			if (c == '\\' && re[i + 1] == 'E') {
				quoted = 0;
				PUT("\\E");
				i++;
			} else
				PUT(one);
			continue;
		}
		if (c == '\\' && i + 1 < n) {
			char	esc[3] = { '\\', re[i + 1], '\0' };

			i++;
			switch (re[i]) {
			case 'C':
				snprintf(why, whylen, "\\C (any byte) has no "
				    "PCRE2 equivalent");
				free(b.s);
				return -1;
			case 'Z':
				snprintf(why, whylen, "\\Z is not RE2 syntax "
				    "(use \\z)");
				free(b.s);
				return -1;
			case 'Q':
				quoted = 1;
				PUT("\\Q");
				continue;
			case 's':
				/* RE2's \s has no \v. */
				PUT(in_class ? "\\t\\n\\f\\r " :
				    "[\\t\\n\\f\\r ]");
				continue;
			case 'S':
				PUT(in_class ? "\\S" : "[^\\t\\n\\f\\r ]");
				continue;
			}
			PUT(esc);
			continue;
		}
		if (!in_class && c == '[') {
			in_class = 1;
			class_start = (int)i;
			PUT("[");
			if (re[i + 1] == '^') {
				PUT("^");
				i++;
			}
			/* A ']' first in a class is a literal. */
			if (re[i + 1] == ']') {
				PUT("\\]");
				i++;
			}
			continue;
		}
		if (in_class && c == '[' && re[i + 1] == ':') {
			/* [:alpha:] inside a class */
			const char *e = strstr(re + i + 2, ":]");

			if (e != NULL) {
				size_t	 l = (size_t)(e - (re + i)) + 2;
				char	*cls = xmalloc(l + 1);

				memcpy(cls, re + i, l);
				cls[l] = '\0';
				PUT(cls);
				free(cls);
				i += l - 1;
				continue;
			}
		}
		if (in_class && c == ']') {
			in_class = 0;
			PUT("]");
			continue;
		}
		{
			char one[2] = { c, '\0' };

			PUT(one);
		}
	}
#undef PUT
	(void)class_start;
	if (b.len > GL_PATTERN_MAX) {
		snprintf(why, whylen, "longer than %d characters",
		    GL_PATTERN_MAX);
		free(b.s);
		return -1;
	}
	*out = b.s;
	return 0;
}

/* Compiles to check; returns its capture count or -1 with why. */
static int
check_pcre2(const char *pattern, char *why, size_t whylen)
{
	pcre2_code	*re;
	PCRE2_UCHAR	 msg[256];
	PCRE2_SIZE	 eoff;
	uint32_t	 groups = 0;
	int		 ecode;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0,
	    &ecode, &eoff, NULL);
	if (re == NULL) {
		pcre2_get_error_message(ecode, msg, sizeof msg);
		snprintf(why, whylen, "%s at offset %zu", (char *)msg,
		    (size_t)eoff);
		return -1;
	}
	(void)pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &groups);
	pcre2_code_free(re);
	return (int)groups;
}

/* A regex of the config, translated and checked; NULL after gl_fail. */
static char *
gl_regex(struct gl *g, const struct toml *v, const char *what, int *groups)
{
	char	*out = NULL, why[300];
	int	 n;

	if (v->type != TOML_STRING) {
		gl_fail(g, v->line, "%s must be a string", what);
		return NULL;
	}
	if (v->len == 0 || strlen(v->str) != v->len) {
		gl_fail(g, v->line, "%s is empty or holds a NUL byte", what);
		return NULL;
	}
	if (re2_to_pcre2(v->str, &out, why, sizeof why) == -1 ||
	    (n = check_pcre2(out, why, sizeof why)) == -1) {
		free(out);
		gl_fail(g, v->line, "%s: %s", what, why);
		return NULL;
	}
	if (groups != NULL)
		*groups = n;
	return out;
}

/* An array of strings; each is passed to add. */
static int
gl_strings(struct gl *g, const struct toml *v, const char *what,
    char ***list, size_t *n, int regex, int lower)
{
	const struct toml	*e;
	char			*s, *p;
	size_t			 i;

	if (v->type != TOML_ARRAY)
		return gl_fail(g, v->line, "%s must be an array", what);
	if (v->n > GL_LIST_MAX)
		return gl_fail(g, v->line, "%s: more than %d entries", what,
		    GL_LIST_MAX);
	for (i = 0; i < v->n; i++) {
		e = v->v[i];
		if (regex) {
			if ((s = gl_regex(g, e, what, NULL)) == NULL)
				return -1;
		} else {
			if (e->type != TOML_STRING || e->len == 0 ||
			    strlen(e->str) != e->len)
				return gl_fail(g, e->line, "%s: entries must "
				    "be non-empty strings", what);
			s = xstrdup(e->str);
			if (lower)
				for (p = s; *p != '\0'; p++)
					*p = (char)tolower((unsigned char)*p);
		}
		*list = xreallocarray(*list, *n + 1, sizeof **list);
		(*list)[(*n)++] = s;
	}
	return 0;
}

void
scanner_allowlist_cleanup(struct scanner_allowlist *a)
{
	size_t	i;

	for (i = 0; i < a->nregexes; i++)
		free(a->regexes[i]);
	free(a->regexes);
	for (i = 0; i < a->nstopwords; i++)
		free(a->stopwords[i]);
	free(a->stopwords);
	memset(a, 0, sizeof *a);
}

/*
 * One allowlist table into a. targets (global [[allowlists]] only) gets
 * its targetRules array, if any.
 */
static int
gl_allowlist(struct gl *g, const struct toml *t, struct scanner_allowlist *a,
    const struct toml **targets)
{
	const struct toml	*v;
	size_t			 i;

	memset(a, 0, sizeof *a);
	if (t->type != TOML_TABLE)
		return gl_fail(g, t->line, "an allowlist must be a table");
	for (i = 0; i < t->n; i++) {
		v = t->v[i];
		if (strcmp(v->key, "description") == 0)
			continue;
		if (strcmp(v->key, "condition") == 0) {
			if (v->type != TOML_STRING ||
			    (strcasecmp(v->str, "OR") != 0 &&
			    strcasecmp(v->str, "AND") != 0))
				return gl_fail(g, v->line, "condition must "
				    "be \"OR\" or \"AND\"");
			a->and = strcasecmp(v->str, "AND") == 0;
		} else if (strcmp(v->key, "regexTarget") == 0) {
			if (v->type != TOML_STRING)
				return gl_fail(g, v->line, "regexTarget must "
				    "be a string");
			if (v->str[0] == '\0' || strcmp(v->str, "secret") == 0)
				a->target = SCANNER_T_SECRET;
			else if (strcmp(v->str, "match") == 0)
				a->target = SCANNER_T_MATCH;
			else if (strcmp(v->str, "line") == 0)
				a->target = SCANNER_T_LINE;
			else
				return gl_fail(g, v->line, "regexTarget must "
				    "be \"secret\", \"match\" or \"line\"");
		} else if (strcmp(v->key, "regexes") == 0) {
			if (gl_strings(g, v, "allowlist regex", &a->regexes,
			    &a->nregexes, 1, 0) == -1)
				return -1;
		} else if (strcmp(v->key, "stopwords") == 0) {
			if (gl_strings(g, v, "stopwords", &a->stopwords,
			    &a->nstopwords, 0, 1) == -1)
				return -1;
		} else if (strcmp(v->key, "paths") == 0 ||
		    strcmp(v->key, "commits") == 0) {
			if (v->type != TOML_ARRAY)
				return gl_fail(g, v->line, "%s must be an "
				    "array", v->key);
			if (v->n > 0)
				a->other = 1;	/* never true for log lines */
		} else if (targets != NULL &&
		    strcmp(v->key, "targetRules") == 0) {
			if (v->type != TOML_ARRAY)
				return gl_fail(g, v->line, "targetRules must "
				    "be an array");
			*targets = v;
		} else
			return gl_fail(g, v->line, "unknown allowlist key "
			    "\"%s\"", v->key);
	}
	if (a->nregexes == 0 && a->nstopwords == 0 && !a->other)
		return gl_fail(g, t->line, "an allowlist needs regexes, "
		    "stopwords, paths or commits");
	return 0;
}

/* The allowlist(s) of a rule or of the file: a table or tables. */
static int
gl_allowlists(struct gl *g, const struct toml *old, const struct toml *new,
    struct scanner_allowlist **out, size_t *nout,
    const struct toml **targets)
{
	const struct toml	*one[1] = { NULL }, **list = one;
	size_t			 i, n = 0;

	if (old != NULL) {
		if (old->type != TOML_TABLE)
			return gl_fail(g, old->line, "allowlist must be a "
			    "table");
		one[0] = old;
		n = 1;
	}
	for (i = 0; i < n + (new != NULL ? new->n : 0); i++) {
		const struct toml *t = i < n ? list[i] : new->v[i - n];

		if (*nout >= GL_ALLOW_MAX)
			return gl_fail(g, t->line, "more than %d allowlists",
			    GL_ALLOW_MAX);
		*out = xreallocarray(*out, *nout + 1, sizeof **out);
		if (targets != NULL)
			targets[*nout] = NULL;
		if (gl_allowlist(g, t, &(*out)[*nout], targets != NULL ?
		    &targets[*nout] : NULL) == -1) {
			scanner_allowlist_cleanup(&(*out)[*nout]);
			return -1;
		}
		(*nout)++;
	}
	return 0;
}

static int
gl_id_ok(const char *s)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > 63)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_' && s[i] != '.')
			return 0;
	return 1;
}

/* One [[rules]] entry; *skipped when it cannot apply to log lines. */
static int
gl_rule(struct gl *g, const struct toml *t, int *skipped)
{
	struct scanner_rules		*r = g->r;
	struct scanner_rule_def		 d;
	struct scanner_gitleaks_rule	 x;
	const struct toml		*v, *id, *re, *kw, *old = NULL;
	const struct toml		*new = NULL;
	char				*p;
	size_t				 i, k = 0;
	int				 groups = 0;

	memset(&d, 0, sizeof d);
	memset(&x, 0, sizeof x);
	*skipped = 0;
	if (t->type != TOML_TABLE)
		return gl_fail(g, t->line, "[[rules]] entries must be tables");
	id = toml_get(t, "id");
	if (id == NULL || id->type != TOML_STRING || !gl_id_ok(id->str))
		return gl_fail(g, id != NULL ? id->line : t->line, "a rule "
		    "needs an id (letters, digits, '-', '_', '.'; at most "
		    "63)");
	for (i = 0; i < r->nrules; i++)
		if (strcmp(r->rules[i].id, id->str) == 0)
			return gl_fail(g, id->line, "rule %s defined twice",
			    id->str);
	for (i = 0; i < t->n; i++) {
		v = t->v[i];
		if (strcmp(v->key, "id") == 0 || strcmp(v->key, "regex") == 0 ||
		    strcmp(v->key, "keywords") == 0 ||
		    strcmp(v->key, "description") == 0 ||
		    strcmp(v->key, "tags") == 0 ||
		    strcmp(v->key, "secretGroup") == 0 ||
		    strcmp(v->key, "entropy") == 0 ||
		    strcmp(v->key, "path") == 0)
			continue;
		if (strcmp(v->key, "allowlist") == 0)
			old = v;
		else if (strcmp(v->key, "allowlists") == 0) {
			if (v->type != TOML_ARRAY)
				return gl_fail(g, v->line, "rule %s: "
				    "allowlists must be [[rules.allowlists]]",
				    id->str);
			new = v;
		} else if (strcmp(v->key, "required") == 0)
			return gl_fail(g, v->line, "rule %s: composite rules "
			    "(required) are not supported", id->str);
		else
			return gl_fail(g, v->line, "rule %s: unknown key "
			    "\"%s\"", id->str, v->key);
	}
	re = toml_get(t, "regex");
	if (toml_get(t, "path") != NULL) {
		log_warn("%s:%d: rule %s has a path (files only): skipped, "
		    "log lines have none", g->name, t->line, id->str);
		*skipped = 1;
		return 0;
	}
	if (re == NULL)
		return gl_fail(g, t->line, "rule %s needs a regex", id->str);
	kw = toml_get(t, "keywords");
	if (kw == NULL || kw->type != TOML_ARRAY || kw->n == 0)
		return gl_fail(g, kw != NULL ? kw->line : t->line, "rule %s "
		    "needs keywords: cwguard runs a rule only on lines that "
		    "hold one", id->str);
	if (kw->n >= SCANNER_KEYWORDS_MAX)
		return gl_fail(g, kw->line, "rule %s: more than %d keywords",
		    id->str, SCANNER_KEYWORDS_MAX - 1);
	if ((v = toml_get(t, "entropy")) != NULL) {
		if ((v->type != TOML_FLOAT && v->type != TOML_INTEGER) ||
		    (v->type == TOML_FLOAT ? v->d : (double)v->i) < 0 ||
		    (v->type == TOML_FLOAT ? v->d : (double)v->i) > 8)
			return gl_fail(g, v->line, "rule %s: entropy must be "
			    "a number from 0 to 8", id->str);
		d.entropy = v->type == TOML_FLOAT ? v->d : (double)v->i;
	}
	if ((p = gl_regex(g, re, "regex", &groups)) == NULL)
		return -1;
	if ((v = toml_get(t, "secretGroup")) != NULL) {
		if (v->type != TOML_INTEGER || v->i < 0 || v->i > groups) {
			free(p);
			return gl_fail(g, v->line, "rule %s: secretGroup must "
			    "be a group of the regex (0 to %d)", id->str,
			    groups);
		}
		x.secret_group = (int)v->i;
	}
	d.pattern = p;
	d.id = xstrdup(id->str);
	d.flags = SCANNER_F_GITLEAKS;
	d.validator = SCANNER_V_NONE;
	for (i = 0; i < kw->n; i++) {
		v = kw->v[i];
		if (v->type != TOML_STRING || v->len == 0 || v->len > 128 ||
		    strlen(v->str) != v->len)
			goto bad_kw;
		d.keywords[k] = xstrdup(v->str);
		for (p = (char *)d.keywords[k]; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		k++;
	}
	if (gl_allowlists(g, old, new, &x.allow, &x.nallow, NULL) == -1)
		goto fail;
	if (r->nrules == GL_RULES_MAX) {
		gl_fail(g, t->line, "more than %d rules", GL_RULES_MAX);
		goto fail;
	}
	r->rules = xreallocarray(r->rules, r->nrules + 1, sizeof *r->rules);
	r->gl = xreallocarray(r->gl, r->nrules + 1, sizeof *r->gl);
	r->rules[r->nrules] = d;
	r->gl[r->nrules] = x;
	r->nrules++;
	return 0;
bad_kw:
	gl_fail(g, v->line, "rule %s: keywords must be strings of 1 to 128 "
	    "bytes", id->str);
fail:
	free((char *)d.id);
	free((char *)d.pattern);
	for (i = 0; i < k; i++)
		free((char *)d.keywords[i]);
	for (i = 0; i < x.nallow; i++)
		scanner_allowlist_cleanup(&x.allow[i]);
	free(x.allow);
	return -1;
}

static int
gl_extend(struct gl *g, const struct toml *t)
{
	const struct toml	*v;
	size_t			 i;

	if (t->type != TOML_TABLE)
		return gl_fail(g, t->line, "[extend] must be a table");
	for (i = 0; i < t->n; i++) {
		v = t->v[i];
		if (strcmp(v->key, "useDefault") == 0) {
			if (v->type != TOML_BOOL)
				return gl_fail(g, v->line, "useDefault must "
				    "be true or false");
			g->r->no_builtin = !v->i;
		} else if (strcmp(v->key, "disabledRules") == 0) {
			if (gl_strings(g, v, "disabledRules", &g->r->disabled,
			    &g->r->ndisabled, 0, 0) == -1)
				return -1;
		} else if (strcmp(v->key, "path") == 0)
			return gl_fail(g, v->line, "[extend] path is not "
			    "supported: merge the files, or useDefault = true "
			    "for the built-in rules");
		else
			return gl_fail(g, v->line, "unknown [extend] key "
			    "\"%s\"", v->key);
	}
	return 0;
}

/* targetRules: the global allowlist i moves to the rules it names. */
static int
gl_targets(struct gl *g, const struct toml **targets)
{
	struct scanner_rules		*r = g->r;
	struct scanner_allowlist	*a, copy;
	const struct toml		*tr;
	size_t				 i, k, j, keep = 0;

	for (i = 0; i < r->nallowlists; i++) {
		a = &r->allowlists[i];
		if ((tr = targets[i]) == NULL) {
			r->allowlists[keep++] = *a;
			continue;
		}
		for (k = 0; k < tr->n; k++) {
			if (tr->v[k]->type != TOML_STRING)
				return gl_fail(g, tr->v[k]->line,
				    "targetRules: entries must be rule ids");
			for (j = 0; j < r->nrules; j++)
				if (strcmp(r->rules[j].id, tr->v[k]->str) == 0)
					break;
			if (j == r->nrules)
				return gl_fail(g, tr->v[k]->line,
				    "targetRules: no rule %s in this file",
				    tr->v[k]->str);
			/* Each target rule gets its own copy. */
			memset(&copy, 0, sizeof copy);
			copy.and = a->and;
			copy.other = a->other;
			copy.target = a->target;
			for (size_t q = 0; q < a->nregexes; q++) {
				copy.regexes = xreallocarray(copy.regexes,
				    copy.nregexes + 1, sizeof *copy.regexes);
				copy.regexes[copy.nregexes++] =
				    xstrdup(a->regexes[q]);
			}
			for (size_t q = 0; q < a->nstopwords; q++) {
				copy.stopwords = xreallocarray(copy.stopwords,
				    copy.nstopwords + 1,
				    sizeof *copy.stopwords);
				copy.stopwords[copy.nstopwords++] =
				    xstrdup(a->stopwords[q]);
			}
			r->gl[j].allow = xreallocarray(r->gl[j].allow,
			    r->gl[j].nallow + 1, sizeof *r->gl[j].allow);
			r->gl[j].allow[r->gl[j].nallow++] = copy;
		}
		scanner_allowlist_cleanup(a);
	}
	r->nallowlists = keep;
	return 0;
}

struct scanner_rules *
scanner_gitleaks_parse(const char *text, size_t len, const char *name,
    char *err, size_t errlen)
{
	struct gl		 g;
	struct toml		*doc;
	const struct toml	*v, *rules = NULL, *old = NULL, *new = NULL;
	const struct toml	*targets[GL_ALLOW_MAX + 1];
	size_t			 i;
	int			 skipped;

	if ((doc = toml_parse(text, len, name, err, errlen)) == NULL)
		return NULL;
	memset(&g, 0, sizeof g);
	g.name = name;
	g.err = err;
	g.errlen = errlen;
	g.r = xcalloc(1, sizeof *g.r);
	g.r->no_builtin = 1;
	memset(targets, 0, sizeof targets);
	for (i = 0; i < doc->n; i++) {
		v = doc->v[i];
		if (strcmp(v->key, "title") == 0 ||
		    strcmp(v->key, "description") == 0 ||
		    strcmp(v->key, "minVersion") == 0)
			continue;
		if (strcmp(v->key, "extend") == 0) {
			if (gl_extend(&g, v) == -1)
				goto fail;
		} else if (strcmp(v->key, "rules") == 0) {
			if (v->type != TOML_ARRAY || !v->aot)
				goto bad_rules;
			rules = v;
		} else if (strcmp(v->key, "allowlist") == 0)
			old = v;
		else if (strcmp(v->key, "allowlists") == 0) {
			if (v->type != TOML_ARRAY)
				goto bad_allow;
			new = v;
		} else {
			gl_fail(&g, v->line, "unknown key \"%s\"", v->key);
			goto fail;
		}
	}
	for (i = 0; rules != NULL && i < rules->n; i++) {
		if (gl_rule(&g, rules->v[i], &skipped) == -1)
			goto fail;
	}
	if (gl_allowlists(&g, old, new, &g.r->allowlists, &g.r->nallowlists,
	    targets) == -1 || gl_targets(&g, targets) == -1)
		goto fail;
	if (g.r->nrules == 0 && g.r->no_builtin) {
		gl_fail(&g, 1, "no rule (and no [extend] useDefault = true): "
		    "nothing to scan for");
		goto fail;
	}
	toml_free(doc);
	return g.r;
bad_rules:
	gl_fail(&g, v->line, "rules must be [[rules]] tables");
	goto fail;
bad_allow:
	gl_fail(&g, v->line, "allowlists must be [[allowlists]] tables");
fail:
	toml_free(doc);
	scanner_rules_free(g.r);
	return NULL;
}
