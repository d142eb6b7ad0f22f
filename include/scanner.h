/*
 * The secret scanner (DESIGN section 7): pure, no I/O. A keyword prefilter
 * (Aho-Corasick over case-folded bytes) picks the candidate rules of a line;
 * only their PCRE2 patterns run, then entropy floors, validators and
 * allowlists. Multi-line PEM private keys are tracked with bounded state.
 *
 * The raw secret is only ever in the caller's buffer: a finding carries its
 * place, a redacted preview and an HMAC-SHA256 fingerprint.
 */
#ifndef CWG_SCANNER_H
#define CWG_SCANNER_H

#include <stddef.h>

/* Longest line scanned in one piece; longer lines go in overlapping chunks. */
#define SCANNER_CHUNK_MAX	(64 * 1024)
#define SCANNER_CHUNK_OVERLAP	4096

struct scanner;
struct scanner_rules;

struct scanner_finding {
	const char	*rule;		/* rule id, e.g. "aws-access-key-id" */
	size_t		 lines_back;	/* 0: this line; n: n lines before it */
	size_t		 offset;	/* byte offset of the secret in that line */
	size_t		 length;	/* its length in bytes */
	char		 redacted[64];	/* prefix + '*' + at most the last 4 */
	unsigned char	 fingerprint[32]; /* HMAC-SHA256(key, rule\0secret) */
	/*
	 * NULL, or "base64" / "percent": the secret was found decoded, and
	 * offset/length are those of the encoded text in the line (the
	 * preview and fingerprint are of the decoded secret).
	 */
	const char	*encoding;
	/*
	 * aws-access-key-id: the 12-digit account a new-format id encodes
	 * (awskeyid.h), else "".
	 */
	char		 aws_account[13];
};

/* Return 0 to go on, non-zero to stop scanning the line. */
typedef int (*scanner_cb)(const struct scanner_finding *, void *);

/*
 * Parses an extra rules file (INI: [rule NAME] keywords/pattern/entropy/
 * prefix, [allow] pattern/value). Returns NULL with "file:line: reason" in
 * err. The caller frees with scanner_rules_free.
 */
struct scanner_rules *scanner_rules_load(const char *path, char *err,
	    size_t errlen);
/* Same from a NUL-terminated buffer; name is used in messages. */
struct scanner_rules *scanner_rules_parse(const char *text, const char *name,
	    char *err, size_t errlen);
void	 scanner_rules_free(struct scanner_rules *);
/* Number of [rule] sections. */
size_t	 scanner_rules_count(const struct scanner_rules *);

/*
 * Compiles the built-in table plus extra (may be NULL; it is only read
 * during the call). Returns NULL with a reason in err. The fingerprint key
 * starts as all zeroes: set it with scanner_set_key.
 */
struct scanner *scanner_new(const struct scanner_rules *extra, char *err,
	    size_t errlen);
void	 scanner_free(struct scanner *);
/* Copies the 32-byte HMAC key (wiped on free). */
void	 scanner_set_key(struct scanner *, const unsigned char key[32]);
/* 1 if the patterns run JIT-compiled. */
int	 scanner_jit(const struct scanner *);
/* Number of rules (built-in and extra) and the id of rule i. */
size_t	 scanner_rule_count(const struct scanner *);
const char *scanner_rule_id(const struct scanner *, size_t);
/*
 * Calls cb with every keyword of every rule, in rule order (duplicates
 * possible), then the literals of base64-wrapped prefixes. The prefilter matches them ASCII case-insensitively; a line
 * holding none of them can hold no finding (logs sources push them into
 * their queries).
 */
void	 scanner_keywords(const struct scanner *,
	    void (*cb)(const char *kw, void *), void *);

/*
 * Scans one line (without its newline; a trailing CR is ignored). Findings
 * go to cb in order, then those inside base64 runs and percent escapes of
 * the line (scanner_decode.h: bounded depth and size; lines up to
 * SCANNER_CHUNK_MAX). A line holding "cwguard:allow" or "gitleaks:allow"
 * reports nothing. Lines longer than SCANNER_CHUNK_MAX are scanned in
 * chunks that overlap by SCANNER_CHUNK_OVERLAP bytes. Returns the number of
 * findings reported, or -1 if cb asked to stop.
 */
int	 scanner_scan_line(struct scanner *, const char *line, size_t len,
	    scanner_cb cb, void *arg);
/*
 * Ends a stream: reports a pending multi-line private key (lines_back
 * counts from the last line scanned) and resets the multi-line state.
 */
int	 scanner_finish(struct scanner *, scanner_cb cb, void *arg);
/* Forgets multi-line state without reporting (a new stream). */
void	 scanner_reset(struct scanner *);

/* Shannon entropy in bits per byte. */
double	 scanner_entropy(const char *, size_t);

#endif
