/*
 * The GetQueryResults decoder on arbitrary bytes: either rows whose every
 * field is usable, or -1 with a message and nothing to free.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logsrc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct logsrc_results	 r;
	char			 err[256];
	size_t			 i;
	int64_t			 ms;

	err[0] = '\0';
	if (logsrc_results_decode((const char *)data, size, &r, err,
	    sizeof err) == -1) {
		if (err[0] == '\0' || r.rows != NULL || r.doc != NULL)
			abort();
		return 0;
	}
	if (r.status != LOGSRC_Q_COMPLETE && r.nrows != 0)
		abort();
	for (i = 0; i < r.nrows; i++) {
		if (r.rows[i].ptr == NULL || r.rows[i].ptr[0] == '\0' ||
		    r.rows[i].message == NULL || r.rows[i].stream == NULL ||
		    r.rows[i].group == NULL ||
		    strlen(r.rows[i].message) != r.rows[i].message_len)
			abort();
	}
	if (!(r.bytes_scanned >= 0))
		abort();
	logsrc_results_free(&r);
	/* The timestamp parser alone, on a NUL-terminated copy. */
	if (size < 64) {
		char	s[64];

		memcpy(s, data, size);
		s[size] = '\0';
		(void)logsrc_parse_timestamp(s, &ms);
	}
	return 0;
}
