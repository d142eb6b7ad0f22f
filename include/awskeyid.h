/*
 * What an AWS access key id says without asking AWS: the account of a
 * new-format id. The 16 characters after the 4-character prefix are
 * base32 (A-Z, 2-7); the first bit after the prefix is 1 in the format
 * AWS has issued since about 2019, and the next 40 bits are then the
 * 12-digit account number (public research: Aidan Steele 2020, Tal
 * Be'ery 2023, WithSecure's bitwise analysis). Older ids do not encode
 * it. The key id is only decoded: nothing is ever signed with it.
 */
#ifndef CWG_AWSKEYID_H
#define CWG_AWSKEYID_H

#include <stddef.h>

/*
 * The account encoded in id[0..len) (a 20-character AKIA/ASIA... id) as
 * 12 digits in out. Returns 1, or 0 when the id is not of the new format
 * or not an access key id at all.
 */
int	 awskeyid_account(const char *id, size_t len, char out[13]);

#endif
