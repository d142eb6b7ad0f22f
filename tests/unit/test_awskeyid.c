/* The account of an AWS access key id, decoded offline (awskeyid.c). */
#include "autoconf.h"

#include <string.h>

#include "awskeyid.h"
#include "tap.h"

static int
acct(const char *id, char out[13])
{
	return awskeyid_account(id, strlen(id), out);
}

int
main(void)
{
	char	out[13];

	/* The worked example of the public research (Aidan Steele, 2020). */
	ok(acct("ASIAY34FZKBOKMUTVV7A", out) == 1 &&
	    strcmp(out, "609629065308") == 0, "ASIA example: 609629065308");
	/* Made here: generation bit, 123456789012, then arbitrary bits. */
	ok(acct("AKIARZPUZDIKAAASGRLH", out) == 1 &&
	    strcmp(out, "123456789012") == 0, "AKIA: 123456789012");
	ok(acct("AKIARLPXUTKI6Q7JXL4S", out) == 1 &&
	    strcmp(out, "093398014609") == 0, "leading zeros kept (12 digits)");
	ok(acct("AKIAIOSFODNN7EXAMPLE", out) == 0 && out[0] == '\0',
	    "old format (5th character below Q): no account");
	ok(acct("AROARZPUZDIKAAASGRLH", out) == 0,
	    "not an access key id (role id prefix)");
	ok(acct("AKIARZPUZDIKAAASGRL", out) == 0, "19 characters");
	ok(acct("AKIARZPUZDIKAAASGRL1", out) == 0, "not base32");
	ok(acct("AKIA777777777777777A", out) == 0,
	    "above 999999999999: not an account");
	return tap_done();
}
