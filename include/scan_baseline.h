/*
 * The baseline file of `cwguard scan --baseline/--write-baseline`: the
 * fingerprints of known findings, one per line, never a secret. Since a
 * fingerprint is an HMAC under a key, the file names its key by a key id
 * (a hash of the key, not the key); a file written without a state
 * database's installation key also carries the random key of that run, so
 * that later scans without a state database fingerprint alike:
 *
 *	# cwguard scan baseline
 *	key-id 0123456789abcdef
 *	key 00...(64 hex, only without a state database)
 *	<64 hex>
 */
#ifndef CWG_SCAN_BASELINE_H
#define CWG_SCAN_BASELINE_H

#include <stddef.h>

#define SCAN_BASELINE_MAX	1000000	/* fingerprints in one file */

struct scan_baseline;

struct scan_baseline *scan_baseline_new(void);
void	 scan_baseline_free(struct scan_baseline *);
/*
 * Reads path into bl. Returns 0, or -1 with "path:line: reason" in err.
 * After it, scan_baseline_key tells whether the file carried a key.
 */
int	 scan_baseline_load(struct scan_baseline *, const char *path,
	    char *err, size_t errlen);
/* 1 and the key in key if the loaded file carried one, else 0. */
int	 scan_baseline_key(const struct scan_baseline *, unsigned char key[32]);
/*
 * 0 if the loaded file's key id is key's (or it names none), else -1 with
 * a reason in err.
 */
int	 scan_baseline_check_key(const struct scan_baseline *,
	    const unsigned char key[32], const char *path, char *err,
	    size_t errlen);
/* Adds a fingerprint (duplicates are fine). */
void	 scan_baseline_add(struct scan_baseline *, const unsigned char fp[32]);
/* 1 if fp is in bl. Sorts bl on first use after adds. */
int	 scan_baseline_has(struct scan_baseline *, const unsigned char fp[32]);
/*
 * Writes bl (sorted, without duplicates) to path through a temporary file
 * renamed into place, mode 0600; with_key also writes key. 0 or -1 + err.
 */
int	 scan_baseline_save(struct scan_baseline *, const char *path,
	    const unsigned char key[32], int with_key, char *err,
	    size_t errlen);

#endif
