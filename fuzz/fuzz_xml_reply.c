/*
 * Query XML reply decoding on arbitrary bytes: byte 0 picks the HTTP
 * status, the rest is the body. A parsed tree is walked whole and
 * searched by path.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws_proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const int statuses[] = { 200, 400, 403, 404, 429, 500, 502, 503 };

static size_t
walk(const struct aws_xml_node *n, int depth)
{
	const struct aws_xml_node	*c;
	size_t				 count = 1;

	if (depth > AWS_XML_MAX_DEPTH + 1)
		abort();	/* the depth cap failed */
	if (aws_xml_name(n) == NULL || aws_xml_text(n) == NULL)
		abort();
	for (c = aws_xml_first_child(n); c != NULL; c = aws_xml_next(c))
		count += walk(c, depth + 1);
	return count;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_reply	 r;
	struct aws_error	 e;
	struct aws_xml		*x;
	char			 line[1024], err[128];

	if (size < 1)
		return 0;
	memset(&r, 0, sizeof r);
	r.http_status = statuses[data[0] % 8];
	r.body = (const char *)data + 1;
	r.len = size - 1;
	if (aws_xml_reply(&r, "sns", &x, &e) == 0) {
		if (x == NULL || walk(aws_xml_root(x), 1) > AWS_XML_MAX_NODES)
			abort();
		(void)aws_xml_get(x, "GetCallerIdentityResponse/"
		    "GetCallerIdentityResult/Account");
		(void)aws_xml_node_find(aws_xml_root(x), "a/b//c/");
		aws_xml_free(x);
	} else if (x != NULL || e.code[0] == '\0')
		abort();
	aws_error_format(&e, line, sizeof line);
	if (strchr(line, '\n') != NULL)
		abort();
	(void)aws_xml_error(&r, "sns", &e);
	x = aws_xml_parse(r.body, r.len, err, sizeof err);
	aws_xml_free(x);
	return 0;
}
