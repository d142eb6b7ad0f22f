/*
 * The extra rules file (DESIGN section 7), parsed with inih:
 *
 *	[rule internal-token]
 *	keywords = itk_, internal_token
 *	pattern = (itk_[A-Za-z0-9]{32})
 *	entropy = 3.5
 *	prefix = 4
 *
 *	[allow]
 *	pattern = ^itk_test_
 *	value = itk_0000000000000000000000000000000000
 *
 * A file whose name ends in ".toml" is a gitleaks config instead
 * (scanner_gitleaks.c).
 *
 * inih does not give the handler a line number, so the stream reader counts
 * lines itself; every error is "file:line: reason". Patterns are compiled
 * here so a bad one is reported with PCRE2's message and offset.
 */
#include "autoconf.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <errno.h>
#include <ini.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner.h"
#include "scanner_int.h"
#include "toml.h"
#include "util.h"
#include "xmalloc.h"

#define RULES_MAX	256
#define ALLOW_MAX	1024

struct rulefile {
	struct scanner_rules	*rules;
	const char		*name;
	const char		*text;		/* string source */
	size_t			 pos;
	FILE			*fp;		/* file source */
	int			 line;
	int			 section_line;
	int			 in_allow;
	int			 failed;
	char			*cur;		/* current section name */
	char			*err;
	size_t			 errlen;
};

static char *
reader(char *str, int num, void *stream)
{
	struct rulefile	*rf = stream;
	size_t		 n = 0;

	if (num <= 1)
		return NULL;
	if (rf->fp != NULL) {
		if (fgets(str, num, rf->fp) == NULL)
			return NULL;
	} else {
		if (rf->text[rf->pos] == '\0')
			return NULL;
		while (rf->text[rf->pos] != '\0' && n + 1 < (size_t)num) {
			str[n++] = rf->text[rf->pos++];
			if (str[n - 1] == '\n')
				break;
		}
		str[n] = '\0';
	}
	rf->line++;
	return str;
}

static int
fail(struct rulefile *rf, const char *fmt, const char *a, const char *b)
{
	char	msg[400];

	if (rf->failed)
		return 0;
	snprintf(msg, sizeof msg, fmt, a, b);
	snprintf(rf->err, rf->errlen, "%s:%d: %s", rf->name, rf->line, msg);
	rf->failed = 1;
	return 0;
}

static int
valid_id(const char *s)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

static int
check_pattern(struct rulefile *rf, const char *pattern)
{
	pcre2_code	*re;
	PCRE2_UCHAR	 msg[256];
	PCRE2_SIZE	 eoff;
	char		 where[320];
	int		 ecode;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0,
	    &ecode, &eoff, NULL);
	if (re == NULL) {
		pcre2_get_error_message(ecode, msg, sizeof msg);
		snprintf(where, sizeof where, "%s at offset %zu", (char *)msg,
		    (size_t)eoff);
		return fail(rf, "pattern does not compile: %s%s", where, "");
	}
	pcre2_code_free(re);
	return 1;
}

static int
section_done(struct rulefile *rf)
{
	struct scanner_rules	*r = rf->rules;
	struct scanner_rule_def	*d;
	int			 line = rf->line;

	if (r->nrules == 0 || rf->in_allow)
		return 1;
	d = &r->rules[r->nrules - 1];
	if (d->pattern == NULL || d->keywords[0] == NULL) {
		rf->line = rf->section_line;
		fail(rf, "rule %s needs %s", d->id,
		    d->pattern == NULL ? "a pattern" : "keywords");
		rf->line = line;
		return 0;
	}
	return 1;
}

static int
set_keywords(struct rulefile *rf, struct scanner_rule_def *d,
    const char *value)
{
	char	*copy, *p, *kw;
	size_t	 n = 0;

	if (d->keywords[0] != NULL)
		return fail(rf, "keywords given twice%s%s", "", "");
	copy = xstrdup(value);
	for (p = copy; (kw = strsep(&p, ",")) != NULL; ) {
		kw = util_trim(kw);
		if (*kw == '\0')
			continue;
		if (strlen(kw) > 128) {
			free(copy);
			return fail(rf, "keyword too long (max 128)%s%s", "",
			    "");
		}
		if (n + 1 >= SCANNER_KEYWORDS_MAX) {
			free(copy);
			return fail(rf, "too many keywords (max 39)%s%s", "",
			    "");
		}
		d->keywords[n++] = xstrdup(kw);
	}
	free(copy);
	if (n == 0)
		return fail(rf, "empty keywords%s%s", "", "");
	return 1;
}

static const char *
rule_name(const char *section)
{
	section += 5;
	while (*section == ' ')
		section++;
	return section;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct rulefile		*rf = user;
	struct scanner_rules	*r = rf->rules;
	struct scanner_rule_def	*d;
	long long		 ll;
	double			 dd;
	char			 e[128];

	if (rf->failed)
		return 0;
	if (name == NULL)	/* INI_CALL_HANDLER_ON_NEW_SECTION builds */
		return 1;
	if (rf->cur == NULL || strcmp(rf->cur, section) != 0) {
		free(rf->cur);
		rf->cur = xstrdup(section);
		if (!section_done(rf))
			return 0;
		rf->section_line = rf->line;
		rf->in_allow = 0;
		if (strcmp(section, "allow") == 0)
			rf->in_allow = 1;
		else if (strncmp(section, "rule ", 5) != 0)
			return fail(rf, "unknown section [%s]%s", section, "");
	}
	if (!rf->in_allow && (r->nrules == 0 ||
	    strcmp(r->rules[r->nrules - 1].id, rule_name(section)) != 0)) {
		if (!valid_id(rule_name(section)))
			return fail(rf, "bad rule name \"%s\" (use a-z, 0-9, "
			    "'-', '_')%s", rule_name(section), "");
		if (r->nrules == RULES_MAX)
			return fail(rf, "too many rules%s%s", "", "");
		r->rules = xreallocarray(r->rules, r->nrules + 1,
		    sizeof *r->rules);
		d = &r->rules[r->nrules++];
		memset(d, 0, sizeof *d);
		d->id = xstrdup(rule_name(section));
	}
	if (rf->in_allow) {
		if (r->nallow_patterns + r->nallow_values >= ALLOW_MAX)
			return fail(rf, "too many allow entries%s%s", "", "");
		if (strcmp(name, "pattern") == 0) {
			if (!check_pattern(rf, value))
				return 0;
			r->allow_patterns = xreallocarray(r->allow_patterns,
			    r->nallow_patterns + 1, sizeof(char *));
			r->allow_patterns[r->nallow_patterns++] =
			    xstrdup(value);
		} else if (strcmp(name, "value") == 0) {
			if (*value == '\0')
				return fail(rf, "empty value%s%s", "", "");
			r->allow_values = xreallocarray(r->allow_values,
			    r->nallow_values + 1, sizeof(char *));
			r->allow_values[r->nallow_values++] = xstrdup(value);
		} else
			return fail(rf, "unknown key \"%s\" in [allow]%s",
			    name, "");
		return 1;
	}
	if (r->nrules == 0 || strncmp(section, "rule ", 5) != 0)
		return fail(rf, "\"%s\" outside a [rule NAME] section%s", name,
		    "");
	d = &r->rules[r->nrules - 1];
	if (strcmp(name, "keywords") == 0)
		return set_keywords(rf, d, value);
	if (strcmp(name, "pattern") == 0) {
		if (d->pattern != NULL)
			return fail(rf, "pattern given twice%s%s", "", "");
		if (!check_pattern(rf, value))
			return 0;
		d->pattern = xstrdup(value);
		return 1;
	}
	if (strcmp(name, "entropy") == 0) {
		if (util_parse_double(value, 0, 8, &dd, e, sizeof e) == -1)
			return fail(rf, "entropy: %s%s", e, "");
		d->entropy = dd;
		return 1;
	}
	if (strcmp(name, "prefix") == 0) {
		if (util_parse_int(value, 0, 32, &ll, e, sizeof e) == -1)
			return fail(rf, "prefix: %s%s", e, "");
		d->prefix = (unsigned int)ll;
		return 1;
	}
	return fail(rf, "unknown key \"%s\"%s", name, "");
}

static struct scanner_rules *
parse(struct rulefile *rf)
{
	int	rc;

	rf->rules = xcalloc(1, sizeof *rf->rules);
	rc = ini_parse_stream(reader, rf, handler, rf);
	if (!rf->failed && rc > 0) {
		rf->line = rc;
		fail(rf, "syntax error%s%s", "", "");
	}
	if (!rf->failed && rc < 0)
		fail(rf, "cannot parse%s%s", "", "");
	if (!rf->failed)
		section_done(rf);
	free(rf->cur);
	rf->cur = NULL;
	if (rf->failed) {
		scanner_rules_free(rf->rules);
		return NULL;
	}
	return rf->rules;
}

/* A gitleaks config is a file whose name ends in ".toml". */
static int
is_toml(const char *name)
{
	size_t	n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".toml") == 0;
}

struct scanner_rules *
scanner_rules_parse(const char *text, const char *name, char *err,
    size_t errlen)
{
	struct rulefile	rf;

	if (is_toml(name))
		return scanner_gitleaks_parse(text, strlen(text), name, err,
		    errlen);

	memset(&rf, 0, sizeof rf);
	rf.text = text;
	rf.name = name;
	rf.err = err;
	rf.errlen = errlen;
	return parse(&rf);
}

struct scanner_rules *
scanner_rules_load(const char *path, char *err, size_t errlen)
{
	struct rulefile		 rf;
	struct scanner_rules	*r;
	char			*doc;
	size_t			 len;

	if (is_toml(path)) {
		if ((doc = toml_load_text(path, &len, err, errlen)) == NULL)
			return NULL;
		r = scanner_gitleaks_parse(doc, len, path, err, errlen);
		free(doc);
		return r;
	}
	memset(&rf, 0, sizeof rf);
	rf.name = path;
	rf.err = err;
	rf.errlen = errlen;
	if ((rf.fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	r = parse(&rf);
	fclose(rf.fp);
	return r;
}

size_t
scanner_rules_count(const struct scanner_rules *r)
{
	return r == NULL ? 0 : r->nrules;
}

void
scanner_rules_free(struct scanner_rules *r)
{
	size_t	i, k;

	if (r == NULL)
		return;
	for (i = 0; i < r->nrules; i++) {
		free((char *)r->rules[i].id);
		free((char *)r->rules[i].pattern);
		for (k = 0; k < SCANNER_KEYWORDS_MAX &&
		    r->rules[i].keywords[k] != NULL; k++)
			free((char *)r->rules[i].keywords[k]);
	}
	free(r->rules);
	for (i = 0; i < r->nallow_patterns; i++)
		free(r->allow_patterns[i]);
	free(r->allow_patterns);
	for (i = 0; i < r->nallow_values; i++)
		util_free_secret(r->allow_values[i]);
	free(r->allow_values);
	for (i = 0; r->gl != NULL && i < r->nrules; i++) {
		for (k = 0; k < r->gl[i].nallow; k++)
			scanner_allowlist_cleanup(&r->gl[i].allow[k]);
		free(r->gl[i].allow);
	}
	free(r->gl);
	for (i = 0; i < r->nallowlists; i++)
		scanner_allowlist_cleanup(&r->allowlists[i]);
	free(r->allowlists);
	for (i = 0; i < r->ndisabled; i++)
		free(r->disabled[i]);
	free(r->disabled);
	free(r);
}
