/*
 * Private to the scanner module (scanner.c, scanner_rules.c, scanner_ac.c,
 * scanner_rulefile.c, and cmd_scan.c for scanner_skip): the rule
 * definition and the keyword prefilter.
 */
#ifndef CWG_SCANNER_INT_H
#define CWG_SCANNER_INT_H

#include <stddef.h>
#include <stdint.h>

#define SCANNER_KEYWORDS_MAX	40

enum scanner_validator {
	SCANNER_V_NONE = 0,
	SCANNER_V_CRC32_B62,	/* GitHub classic / npm: base62 CRC32 suffix */
	SCANNER_V_JWT,		/* header decodes to JSON with "alg" */
	SCANNER_V_BASIC,	/* base64 of user:password */
	SCANNER_V_PASSWORD,	/* free-form value: placeholder checks */
	SCANNER_V_JWT_B64,	/* base64 of a JWT (SCANNER_V_JWT inside) */
	SCANNER_V_TELEGRAM	/* bot id (5-16 digits) ':' 'A' + 34 */
};

/* Flags of a rule. */
#define SCANNER_F_GENERIC	0x01	/* loses to any overlapping rule */
#define SCANNER_F_MIXED		0x02	/* needs two character classes */
#define SCANNER_F_DIGIT		0x04	/* needs a digit */
/*
 * A rule of a gitleaks config: the secret is group secret_group (0: the
 * first non-empty group, else the match), the entropy must exceed the
 * floor, and its allowlists apply (scanner_gitleaks.c).
 */
#define SCANNER_F_GITLEAKS	0x100

/* What an allowlist's regexes are matched against. */
enum scanner_target {
	SCANNER_T_SECRET = 0,
	SCANNER_T_MATCH,
	SCANNER_T_LINE
};

/* A gitleaks allowlist: regexes and stopwords, OR or AND. */
struct scanner_allowlist {
	int			 and;		/* condition = "AND" */
	enum scanner_target	 target;
	char			**regexes;	/* PCRE2 */
	size_t			 nregexes;
	char			**stopwords;	/* lower case */
	size_t			 nstopwords;
	int			 other;		/* paths/commits: never true here */
};

struct scanner_rule_def {
	const char	*id;
	const char	*keywords[SCANNER_KEYWORDS_MAX]; /* NULL-terminated */
	const char	*pattern;	/* group 1 is the secret */
	double		 entropy;	/* floor in bits/byte over the body, 0: none */
	unsigned int	 prefix;	/* fixed non-secret prefix bytes */
	enum scanner_validator validator;
	unsigned int	 flags;
};

/* What a SCANNER_F_GITLEAKS rule adds (scanner_rules.gl, by rule). */
struct scanner_gitleaks_rule {
	int			 secret_group;
	struct scanner_allowlist *allow;
	size_t			 nallow;
};

extern const struct scanner_rule_def scanner_builtin[];
extern const size_t scanner_builtin_count;
/* SHA-256 (lower-case hex) of public sample keys never reported. */
extern const char *const scanner_known_samples[];

/* Extra rules and allowlists parsed from a rules file. */
struct scanner_rules {
	struct scanner_rule_def	*rules;
	size_t			 nrules;
	char			**allow_patterns;
	size_t			 nallow_patterns;
	char			**allow_values;
	size_t			 nallow_values;
	/* From a gitleaks config: */
	struct scanner_gitleaks_rule *gl;	/* nrules entries, or NULL */
	struct scanner_allowlist *allowlists;	/* global: every rule */
	size_t			 nallowlists;
	int			 no_builtin;	/* no [extend] useDefault */
	char			**disabled;	/* [extend] disabledRules */
	size_t			 ndisabled;
};

/* Gitleaks configs (scanner_gitleaks.c), for scanner_rules_load. */
struct scanner_rules *scanner_gitleaks_parse(const char *text, size_t len,
	    const char *name, char *err, size_t errlen);
void	 scanner_allowlist_cleanup(struct scanner_allowlist *);

/* The Aho-Corasick keyword prefilter over ASCII-case-folded bytes. */
struct scanner_ac;

struct scanner_ac *scanner_ac_new(size_t nrules);
/* Adds a keyword for rule; 0 or -1 (empty or too long). */
int	 scanner_ac_add(struct scanner_ac *, const char *, size_t,
	    size_t rule);
/* Builds the automaton; no more adds after this. */
void	 scanner_ac_build(struct scanner_ac *);
void	 scanner_ac_free(struct scanner_ac *);
/* Words of the candidate bitmap. */
size_t	 scanner_ac_words(const struct scanner_ac *);
/*
 * Sets in hits (scanner_ac_words() words, zeroed by the caller) the bit of
 * every rule one of whose keywords occurs in buf. Returns 1 if any.
 */
int	 scanner_ac_scan(const struct scanner_ac *, const char *, size_t,
	    uint64_t *hits);
/*
 * Offset of a byte of the first keyword occurrence in buf (not necessarily
 * its first byte), or len if there is none.
 */
size_t	 scanner_ac_first(const struct scanner_ac *, const char *, size_t);

/* Implementations of the filter (all give the same hits). */
#define SCANNER_AC_PORTABLE	0
#define SCANNER_AC_SSE2		1
#define SCANNER_AC_AVX2		2	/* x86-64 CPUs with AVX2 */
/*
 * Selects the filter's implementation (for tests and benchmarks; the best
 * the CPU runs is chosen at creation). want -1 only asks. Returns the one
 * in use, or -1 if want cannot run here.
 */
int	 scanner_ac_impl(struct scanner_ac *, int want);

struct scanner;
/* The same for a scanner's prefilter. */
int	 scanner_prefilter_impl(struct scanner *, int want);
/*
 * For a caller that holds many lines at once: buf[0..len) is whole lines.
 * Returns the offset of the start of the first line that must go through
 * scanner_scan_line (one holding a keyword, or any line while a multi-line
 * key is followed), or len if none does; the lines before it can be
 * skipped (counted, not scanned) without changing any finding.
 */
size_t	 scanner_skip(struct scanner *, const char *buf, size_t len);

#endif
