/*
 * SigV4 canonicalisation and signing on arbitrary input. Layout:
 * method \n path \n query \n token \n (name:value \n)* \n payload.
 * An empty token line means none. Checks the invariants of a success.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws_sigv4.h"
#include "buf.h"
#include "xmalloc.h"

#define AUTH_PREFIX	"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/" \
	"us-east-1/service/aws4_request, SignedHeaders="

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char *
next_line(char **p)
{
	char	*s = *p, *nl;

	if (s == NULL)
		return NULL;
	if ((nl = strchr(s, '\n')) != NULL) {
		*nl = '\0';
		*p = nl + 1;
	} else
		*p = NULL;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_sigv4_header	 h[AWS_SIGV4_MAX_HEADERS + 4];
	struct aws_sigv4_request r;
	struct aws_sigv4_params	 pa;
	struct aws_sigv4_result	 res;
	struct buf		 b;
	char			*copy, *p, *line, *colon, err[256];
	size_t			 nh = 0;

	if (size > 64 * 1024)
		return 0;
	copy = xmalloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';	/* an embedded NUL just ends the text early */
	p = copy;
	memset(&r, 0, sizeof r);
	memset(&pa, 0, sizeof pa);
	r.method = next_line(&p);
	r.path = next_line(&p);
	r.query = next_line(&p);
	line = next_line(&p);
	pa.session_token = line != NULL && *line != '\0' ? line : NULL;
	while ((line = next_line(&p)) != NULL && *line != '\0' &&
	    nh < sizeof h / sizeof h[0]) {
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon = '\0';
		h[nh].name = line;
		h[nh].value = colon + 1;
		nh++;
	}
	r.headers = h;
	r.nheaders = nh;
	r.payload = p;
	r.payload_len = p != NULL ? strlen(p) : 0;
	if (r.method == NULL)
		r.method = "GET";
	pa.region = "us-east-1";
	pa.service = "service";
	pa.amz_date = "20150830T123600Z";
	pa.access_key = "AKIDEXAMPLE";
	pa.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

	if (aws_sigv4_sign(&r, &pa, &res, err, sizeof err) == 0) {
		if (strlen(res.signature) != 64 ||
		    strncmp(res.authorization, AUTH_PREFIX,
		    sizeof AUTH_PREFIX - 1) != 0 ||
		    strstr(res.signed_headers, "host") == NULL ||
		    res.nadd != (pa.session_token ? 3u : 2u))
			abort();
	} else if (err[0] == '\0')
		abort();	/* a failure always says why */
	aws_sigv4_result_cleanup(&res);

	buf_init(&b, 0);
	(void)aws_sigv4_canonical_uri(&b, r.path, err, sizeof err);
	buf_reset(&b);
	(void)aws_sigv4_canonical_query(&b, r.query, err, sizeof err);
	buf_reset(&b);
	(void)aws_sigv4_uri_encode(&b, (const char *)data, size, size & 1);
	buf_cleanup(&b);
	free(copy);
	return 0;
}
