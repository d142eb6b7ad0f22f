/*
 * `cwguard scan --confirm`: the accounts of leaked AWS key ids asked of
 * AWS with sts:GetAccessKeyInfo, signed with cwguard's own credentials
 * (the [aws] section of the config). The leaked key id is only the
 * request's parameter: it never signs anything. The scanning account
 * (sts:GetCallerIdentity) is "ours".
 */
#ifndef CWG_SCAN_CONFIRM_H
#define CWG_SCAN_CONFIRM_H

#include <stddef.h>

#define SCAN_CONFIRM_MAX	100	/* distinct key ids asked per run */

struct config;
struct scan_confirm;

/* Builds the AWS client and asks who we are; NULL with err. */
struct scan_confirm *scan_confirm_new(const struct config *, char *err,
	    size_t errlen);
void	 scan_confirm_free(struct scan_confirm *);
/* The account of the credentials in use (12 digits). */
const char *scan_confirm_self(const struct scan_confirm *);
/*
 * The account of key id id[0..len) (fp: its finding's fingerprint, the
 * cache key) into out: 1, 0 when AWS does not know it or the cap is
 * reached, -1 when the call failed (reason in err).
 */
int	 scan_confirm_key(struct scan_confirm *, const char *id, size_t len,
	    const unsigned char fp[32], char out[13], char *err,
	    size_t errlen);

#endif
