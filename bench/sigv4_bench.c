/*
 * SigV4 micro-benchmark (not a test): signatures per second for a typical
 * JSON 1.0 GetMetricData request, with and without a cached signing key,
 * and the cost of one signature relative to a bare SHA-256 of the same
 * payload.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_sigv4.h"
#include "util.h"

static double
per_second(int n, double t)
{
	return t > 0 ? n / t : 0;
}

int
main(int argc, char **argv)
{
	struct aws_sigv4_header	 h[4] = {
		{ "Host", "monitoring.us-east-1.amazonaws.com" },
		{ "Content-Type", "application/x-amz-json-1.0" },
		{ "X-Amz-Target", "GraniteServiceVersion20100801.GetMetricData" },
		{ "x-amzn-query-mode", "true" },
	};
	struct aws_sigv4_request r;
	struct aws_sigv4_params	 pa;
	struct aws_sigv4_result	 res;
	unsigned char		 key[AWS_SIGV4_KEY_LEN];
	char			 err[256], hex[AWS_SIGV4_HEX_LEN + 1];
	char			*body;
	size_t			 blen = 2048, sizes[] = { 64, 2048, 65536 };
	double			 t0, t_sig, t_key, t_hash;
	int			 n = argc > 1 ? atoi(argv[1]) : 20000, i;
	size_t			 s;

	if (n <= 0)
		n = 20000;
	memset(&r, 0, sizeof r);
	r.method = "POST";
	r.path = "/";
	r.headers = h;
	r.nheaders = 4;
	memset(&pa, 0, sizeof pa);
	pa.region = "us-east-1";
	pa.service = "monitoring";
	pa.amz_date = "20261101T120000Z";
	pa.access_key = "AKIDEXAMPLE";
	pa.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	pa.session_token = "FQoGZXIvYXdzEXAMPLEtokenEXAMPLEtokenEXAMPLE";
	printf("sigv4 bench: %d signatures per row\n", n);
	printf("%8s %14s %14s %12s %12s\n", "payload", "sig/s", "sig/s cached",
	    "sha256/s", "sig/sha256");
	for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		blen = sizes[s];
		body = malloc(blen);
		memset(body, '{', blen);
		r.payload = body;
		r.payload_len = blen;

		pa.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
		pa.signing_key = NULL;
		t0 = util_monotonic();
		for (i = 0; i < n; i++) {
			if (aws_sigv4_sign(&r, &pa, &res, err,
			    sizeof err) == -1) {
				fprintf(stderr, "sign: %s\n", err);
				return 1;
			}
			aws_sigv4_result_cleanup(&res);
		}
		t_sig = util_monotonic() - t0;

		(void)aws_sigv4_signing_key(pa.secret_key, "20261101",
		    pa.region, pa.service, key);
		pa.signing_key = key;
		pa.secret_key = NULL;
		t0 = util_monotonic();
		for (i = 0; i < n; i++) {
			(void)aws_sigv4_sign(&r, &pa, &res, err, sizeof err);
			aws_sigv4_result_cleanup(&res);
		}
		t_key = util_monotonic() - t0;

		t0 = util_monotonic();
		for (i = 0; i < n; i++)
			aws_sigv4_payload_hash(body, blen, hex);
		t_hash = util_monotonic() - t0;

		printf("%8zu %14.0f %14.0f %12.0f %12.2f\n", blen,
		    per_second(n, t_sig), per_second(n, t_key),
		    per_second(n, t_hash), t_hash > 0 ? t_sig / t_hash : 0);
		util_wipe(key, sizeof key);
		free(body);
	}
	return 0;
}
