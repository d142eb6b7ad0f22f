/*
 * AWS JSON / REST-JSON reply decoding on arbitrary bytes. Byte 0 picks the
 * HTTP status, byte 1 which headers are present (their values are the
 * next lines); the rest is the body.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws_proto.h"
#include "xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const int statuses[] = { 200, 400, 403, 404, 429, 500, 502, 503 };

static char *
take_line(char **p, const char *end)
{
	char	*s = *p, *nl;

	nl = memchr(s, '\n', (size_t)(end - s));
	if (nl == NULL)
		return NULL;
	*nl = '\0';
	*p = nl + 1;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_reply	 r;
	struct aws_error	 e;
	cJSON			*doc;
	char			*copy, *p, *end, line[1024];

	if (size < 2)
		return 0;
	copy = xmalloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	p = copy + 2;
	end = copy + size;
	memset(&r, 0, sizeof r);
	r.http_status = statuses[data[0] % 8];
	if (data[1] & 1)
		r.query_error = take_line(&p, end);
	if ((data[1] & 2) && p != NULL)
		r.error_type = take_line(&p, end);
	if ((data[1] & 4) && p != NULL)
		r.request_id = take_line(&p, end);
	if (p == NULL)
		p = end;
	r.body = p;
	r.len = (size_t)(end - p);

	if (aws_json_reply(&r, "logs", &doc, &e) == 0) {
		if (doc == NULL || r.http_status != 200)
			abort();
		cJSON_Delete(doc);
	} else if (doc != NULL || e.code[0] == '\0')
		abort();
	aws_error_format(&e, line, sizeof line);
	if (strchr(line, '\n') != NULL)
		abort();	/* untrusted text must be escaped */
	(void)aws_json_error(&r, "logs", &e);
	if (e.code[0] == '\0')
		abort();
	free(copy);
	return 0;
}
