/* The account of an AWS access key id (see awskeyid.h). Pure. */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "awskeyid.h"

static int
b32_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

int
awskeyid_account(const char *id, size_t len, char out[13])
{
	uint64_t	bits = 0;
	size_t		i;
	int		v;

	out[0] = '\0';
	if (len != 20 || (memcmp(id, "AKIA", 4) != 0 &&
	    memcmp(id, "ASIA", 4) != 0))
		return 0;
	for (i = 4; i < 20; i++)
		if (b32_value((unsigned char)id[i]) < 0)
			return 0;
	/* The first 9 base32 characters: 45 bits, the first 41 wanted. */
	for (i = 4; i < 13; i++) {
		v = b32_value((unsigned char)id[i]);
		bits = bits << 5 | (uint64_t)v;
	}
	if (!(bits >> 44 & 1))
		return 0;	/* old format: no account in it */
	bits = bits >> 4 & ((UINT64_C(1) << 40) - 1);
	if (bits > UINT64_C(999999999999))
		return 0;
	snprintf(out, 13, "%012llu", (unsigned long long)bits);
	return 1;
}
