/*
 * ${secretsmanager:ID} and ${secretsmanager:ID#key} config references,
 * resolved with Secrets Manager GetSecretValue and cached for secret_ttl
 * (the cached-secret pattern: no request pays for a fetch; a daemon
 * refreshes them on a timer). A failed refresh keeps the cached value.
 */
#ifndef CWG_SECRETREF_H
#define CWG_SECRETREF_H

#include <stdint.h>
#include <time.h>

struct aws;
struct config;
struct secretref;

struct secretref *secretref_new(struct aws *, int64_t ttl);
/* Wipes the cache. Not while a resolve is in flight. */
void	 secretref_free(struct secretref *);

typedef void (*secretref_cb)(int nfailed, const char *first_error,
	    void *arg);
/*
 * Fills the value of every secretsmanager reference of cfg, from the cache
 * when younger than ttl, else from GetSecretValue (one call per secret id).
 * done runs once from the loop (or at once when nothing needs fetching)
 * with the number of references that could not be resolved. Returns the
 * number of references found (>= 0).
 */
int	 secretref_resolve(struct secretref *, struct config *, time_t now,
	    secretref_cb done, void *arg);
/* Number of distinct secret ids cached. */
int	 secretref_cached(const struct secretref *);

#endif
