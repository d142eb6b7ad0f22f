/*
 * The secret scanner from tables: one positive per rule, negatives
 * (documentation keys, placeholders, masked values, references, low
 * entropy, bad checksums), boundaries, redaction, fingerprints, multi-line
 * keys and rules-file errors. Every secret here is synthetic and random.
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scanner.h"
#include "../../src/scanner_int.h"	/* scanner_skip */
#include "tap.h"

struct got {
	size_t	n;
	char	rule[8][64];
	size_t	off[8], len[8], back[8];
	char	red[8][64];
	unsigned char fp[8][32];
};

static int
collect(const struct scanner_finding *f, void *arg)
{
	struct got	*g = arg;

	if (g->n < 8) {
		snprintf(g->rule[g->n], 64, "%s", f->rule);
		g->off[g->n] = f->offset;
		g->len[g->n] = f->length;
		g->back[g->n] = f->lines_back;
		memcpy(g->red[g->n], f->redacted, 64);
		memcpy(g->fp[g->n], f->fingerprint, 32);
	}
	g->n++;
	return 0;
}

static void
scan(struct scanner *sc, const char *line, struct got *g)
{
	memset(g, 0, sizeof *g);
	scanner_reset(sc);
	scanner_scan_line(sc, line, strlen(line), collect, g);
	scanner_finish(sc, collect, g);
}

/* line = fmt with its "%s" replaced by secret; offset of the secret. */
static char *
build(const char *fmt, const char *secret, size_t *off)
{
	const char	*p = strstr(fmt, "%s");
	char		*out;

	out = malloc(strlen(fmt) + strlen(secret) + 1);
	*off = (size_t)(p - fmt);
	memcpy(out, fmt, *off);
	strcpy(out + *off, secret);
	strcat(out, p + 2);
	return out;
}

/* Redaction shows a prefix of the secret, stars, at most 4 tail bytes. */
static int
redaction_ok(const char *red, const char *secret)
{
	const char	*star = strchr(red, '*'), *last = strrchr(red, '*');
	size_t		 lead;

	if (star == NULL)
		return 0;
	lead = (size_t)(star - red);
	if (strncmp(red, secret, lead) != 0 || lead > 33)
		return 0;
	if (strlen(last + 1) > 4)
		return 0;
	return strstr(red, secret) == NULL;
}

static const struct {
	const char	*rule, *fmt, *secret;
} positives[] = {
	{ "aws-access-key-id", "config AWS_ACCESS_KEY_ID=%s region=us-east-1",
	  "AKIARLPXUTKI6Q7JXL4S" },
	{ "aws-secret-access-key", "{\"AccessKeyId\":\"x\",\"SecretAccessKey\":\"%s\"}",
	  "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" },
	{ "aws-session-token", "AWS_SESSION_TOKEN=%s",
	  "IQoJb3JpZ2luX2VjIgKyQzJRs7TI9Xf/mUxYkHrq/FmNGwDBq7QhNKAYJE3ZDda1RhUayZFQUzboYRrhoL3fbolcHMvHm5OzBv3wRKv/vhqCdn18YIyH353kCoMHV2AvQ5SZ7kCMplShiA40AE8FJj0wsdfs+MfmHz7hVj5xJJsAIofZ6k0VHbL3+UjFBqvTEQNcwX7UQuY/rVG7oZO79ZlUIvFxI5OKfZvGJuvNl7UReACOxBKvysZzvXLNaJrgBHufSBsBfpa141X1WkgxuEFqLNZ/7RSttQWkWakiqx1f6z4yfTcCpHTAkclF" },
	{ "github-token", "token: %s",
	  "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" },
	{ "github-fine-grained-pat", "https://x:%s@github.com/o/r.git",
	  "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" },
	{ "gitlab-token", "PRIVATE-TOKEN: %s",
	  "glpat-ro40KQ_i6Nh4K0jxGdqH" },
	{ "stripe-key", "stripe.api_key = \"%s\"",
	  "sk_live_8A80wmLLA8rhz303f9yl9bHg" },
	{ "square-token", "SQUARE_TOKEN=%s",
	  "EAAAWSlJUjjNPQ0p0XbsK7fWbI63hiRpzt9KU-602rOD41Xokg1XPR7-K4nUUy9n" },
	{ "shopify-token", "X-Shopify-Access-Token: %s",
	  "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" },
	{ "slack-token", "slack=%s",
	  "xoxb-789562548385-4895197970988-fVf5HjEYu942YwxJ3LTsQGsK" },
	{ "slack-webhook", "url=%s",
	  "https://hooks.slack.com/services/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" },
	{ "telegram-bot-token", "GET https://api.telegram.org/bot%s/getMe",
	  "6475725852:AAewxY0w3INHdjcvS4OpY7nyPqrgn98hnAw" },
	{ "discord-webhook", "\"%s\"",
	  "https://discord.com/api/webhooks/5903335287485853914/PzJlER2Wow3j74v9qD7IfmRy1owAN6USHu08rKVqHGtFFx442fRM4YpcldhhNny-62kW" },
	{ "google-api-key", "?key=%s&q=1",
	  "AIzaNQ_kLBq4Mm4e1mJBKnaUB5oHQaV6fH7zpje" },
	{ "azure-storage-key", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=%s;EndpointSuffix=core.windows.net",
	  "/Kh46D4edjX99BjeOIuD3dZ2Mow73MvDSro3V5w3nSSVEESOVEJjnn/PD460PV435gz0nnAQfXu8dmPDYYp5JE==" },
	{ "azure-sas-token", "https://a.blob.core.windows.net/c/f?sv=2022-11-02&se=2030-01-01&sp=r&sig=%s",
	  "%2B3APrVmMfuRJkRkVLd2B9OPn1tm54WIKY4ZRQYM6L%3D" },
	{ "twilio-auth-token", "TWILIO_AUTH_TOKEN=%s",
	  "33be675f7e47f2a1167eeece6a47147a" },
	{ "twilio-api-key", "{\"accountSid\":\"ACcc3103374df49c3efead73f19e57626b\",\"apiKey\":\"%s\"}",
	  "SK4905956d8e495d6dffc0d627cdb72d6a" },
	{ "twilio-api-secret", "{\"apiSecret\":\"%s\"}",
	  "WTxAhG3xxCyI3ZvNwX4V810VUwuO25HM" },
	{ "sendgrid-api-key", "SENDGRID=%s",
	  "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" },
	{ "mailgun-api-key", "MAILGUN_API_KEY=%s",
	  "key-963c1e455ac9e59c5cd0b169a7141936" },
	{ "npm-token", "//registry.npmjs.org/:_authToken=%s",
	  "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" },
	{ "pypi-token", "password = %s",
	  "pypi-AgEIcHlwaS5vcmc7xo5ff2wpSO64D_VQtpmyy9bJDAFrucEi7X58j2LdQqfl114tqmQUtj2JXi6oaeLSd32NdaX4w792qXaYsS2tiXiTOZVR8LJ5fVmKtuuymk0Xg1G-4wGZuUA" },
	{ "openai-api-key", "OPENAI_API_KEY=%s",
	  "sk-proj-fg0E-ruhcJo4nfj0TFsW8tNGxGVo-6ZHyUHpfCFHT3BlbkFJnWayF_8Itp2yI9v0b6UvO1pcMR7TORkWHPSOtEdQ" },
	{ "anthropic-api-key", "x-api-key: %s",
	  "sk-ant-api03-y4gW115Fzr61FwruSxCm9yRyKKIHSsjk-4PcVgiD3YUzROuic7NOAyrpyQ06fVpZ1YhhJcN-P_VLv0KL6xeqVcTapLeiFAA" },
	{ "huggingface-token", "HF_TOKEN=%s",
	  "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" },
	{ "jwt", "Authorization: Bearer %s",
	  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MjQyIiwibmFtZSI6InRlc3QgdXNlciIsImlhdCI6MTcwMDAwMDAwMH0.F-pWxA2xX8-v-mM2lYcB-YxRmd8cR0HKvYRtmOtn2wa" },
	{ "private-key", "{\"key\":\"%s\"}",
	  "-----BEGIN RSA PRIVATE KEY-----\\nc2LufYNuydk9sgEWl2agE4aE+Yhc3a+LcBfS83Cedu3QlYJJJbgIQrBc5O/x2A7C\\nzMp1GAawTCEe6OQxLdU+ZOxyR2MwqIZu29XoqgHXN7RGKNLI5MP2rdfqr6R7wIH3\\nqS3205ZxauEKa4Ca9/3r4cXeU7DpGDBaFXx6sDYZfyXI8q6keblhnInXpYsPQQgd\\n+1OWUyTC/BbE88rijjE2FdKmpSx5b/p7CXJ4rcChlSxNAVPLof96KC7RHXLaZOUf\\n-----END RSA PRIVATE KEY-----" },
	{ "gcp-service-account-key", "{\"type\":\"service_account\",\"private_key_id\":\"9e219778a8930970c49713174a8244a26df9e645\",\"private_key\":\"%s\"}",
	  "-----BEGIN PRIVATE KEY-----\\nc2LufYNuydk9sgEWl2agE4aE+Yhc3a+LcBfS83Cedu3QlYJJJbgIQrBc5O/x2A7C\\nzMp1GAawTCEe6OQxLdU+ZOxyR2MwqIZu29XoqgHXN7RGKNLI5MP2rdfqr6R7wIH3\\nqS3205ZxauEKa4Ca9/3r4cXeU7DpGDBaFXx6sDYZfyXI8q6keblhnInXpYsPQQgd\\n+1OWUyTC/BbE88rijjE2FdKmpSx5b/p7CXJ4rcChlSxNAVPLof96KC7RHXLaZOUf\\n-----END PRIVATE KEY-----\\n" },
	{ "db-connection-password", "connecting to postgresql://app:%s@db.internal:5432/app",
	  "Tttgp5FqwLG4MOtP0ljz" },
	{ "basic-auth-url", "proxy http://ci:%s@proxy.internal:3128",
	  "AE7HzN0VhJjAVUI5" },
	{ "basic-auth-header", "> Authorization: Basic %s",
	  "c3ZjOnlCTWdhV1BQeU9XRjc0TWd1UQ==" },
	{ "generic-password", "login {\"username\":\"bob\",\"password\":\"%s\"}",
	  "dGswUxxBhKp5Kh!" },
	{ "generic-api-key", "X-API-Key: %s",
	  "f1eT4Tiek0g2m0Zs92LjbZrxiHyC3tJZ" },
	{ "datadog-api-key", "DD_API_KEY=%s stage=prod",
	  "44ba369a1a834e4edc28afd25d56fd6e" },
	{ "heroku-api-key", "HEROKU_API_KEY=%s",
	  "HRKU-li0ZZ4_rBQlORpSsU9DcykeBrhpvAz4_snXm-Ky8LC8HZCTEc0oVoli_fMM5" },
	{ "pagerduty-api-key", "Authorization: Token token=%s",
	  "X9RXD7i6bSPurtXKcl3I" },
	{ "vault-token", "X-Vault-Token: %s",
	  "hvs.tUVWJmt3OaLL-H2DLIyvlisrtaFyVuq9g3yGbklIMHrsQdYmXwwFDoAv311RG0Yuv_52TuehEbuu9PQG7JIQB6Q-4Qede_J" },
};

static const struct {
	const char	*name, *line;
} negatives[] = {
	{ "AWS documentation key id", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE" },
	{ "AWS documentation secret", "aws_secret_access_key = "
	  "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
	{ "key id under the secret name", "'AWS_SECRET_ACCESS_KEY': "
	  "'AKIAIOSFODNN7EXAMPLE'" },
	{ "placeholder stripe", "STRIPE=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx" },
	{ "placeholder your_key_here", "api_key=your_key_here_0123456789" },
	{ "placeholder changeme", "{\"password\":\"changeme\"}" },
	{ "placeholder <KEY>", "X-API-Key: <YOUR_API_KEY_GOES_HERE>" },
	{ "masked key id", "AWS_ACCESS_KEY_ID=AKIA************QZ7K" },
	{ "masked token", "Invalid API Key provided: sk_live_**********Zq9w" },
	{ "${VAR} reference", "password=${DB_PASSWORD}" },
	{ "$(...) reference", "secret_key: $(aws secretsmanager get x)" },
	{ "{{ }} reference", "\"client_secret\": \"{{resolve:ssm:/a/b:1}}\"" },
	{ "env reference", "api_key = process.env.SERVICE_API_KEY_VALUE" },
	{ "low entropy github", "token=ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
	{ "low entropy google", "AIzaSyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
	{ "low entropy key id", "id=AKIAAAAAAAAAAAAAAAAA" },
	{ "bad checksum github", "GITHUB_TOKEN=ghp_Q2mVx8LrT5nKw0ZpY7bC3dF6gH9jJ1kLmN4o" },
	{ "bad checksum npm", "NPM_TOKEN=npm_Q2mVx8LrT5nKw0ZpY7bC3dF6gH9jJ1kLmN4o" },
	{ "placeholder db url", "postgres://user:password@localhost:5432/db" },
	{ "masked db url", "postgres://app:****@db.internal:5432/app" },
	{ "public key", "-----BEGIN PUBLIC KEY-----\\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8"
	  "AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7o" },
	{ "ssh public key", "SSH_PUBLIC_KEY=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"
	  "Kq9fLm2Rt7Xw3bN8pZc4Hs6Jd1Vg5Ye0Tu user@host" },
	{ "hash under sha", "sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b8"
	  "22cd15d6c15b0f00a08" },
	{ "uuid id", "api_key_id=3f1c2b7e-8a4d-4e2f-9b6a-1c0d5e7f9a2b" },
	{ "publishable key", "publishable_key: pk_live_Xk29fLq8Rt3Wm7Pz1Nc5Vb0a" },
	{ "plain prose", "user logged in from 10.0.0.1 after 3 attempts" },
};

static void
test_rules(struct scanner *sc)
{
	struct got	 g;
	size_t		 i, off;
	char		*line;

	ok(scanner_rule_count(sc) >= 37, "at least 37 built-in rules (%zu)",
	    scanner_rule_count(sc));
	for (i = 0; i < sizeof positives / sizeof positives[0]; i++) {
		line = build(positives[i].fmt, positives[i].secret, &off);
		scan(sc, line, &g);
		is_int(g.n, 1, positives[i].rule);
		is_str(g.rule[0], positives[i].rule, "  rule id");
		is_int(g.off[0], off, "  offset of the secret");
		is_int(g.len[0], strlen(positives[i].secret),
		    "  length of the secret");
		ok(redaction_ok(g.red[0], positives[i].secret),
		    "  redaction keeps at most the prefix and 4 bytes");
		free(line);
	}
	for (i = 0; i < sizeof negatives / sizeof negatives[0]; i++) {
		scan(sc, negatives[i].line, &g);
		is_int(g.n, 0, negatives[i].name);
	}
}

static void
test_boundaries(struct scanner *sc)
{
	const char	*key = positives[0].secret;	/* an AWS key id */
	const char	*gh = NULL;
	char		 buf[512], *big;
	struct got	 g;
	size_t		 i, n, at;

	for (i = 0; i < sizeof positives / sizeof positives[0]; i++)
		if (strcmp(positives[i].rule, "github-token") == 0)
			gh = positives[i].secret;
	scan(sc, key, &g);
	ok(g.n == 1 && g.off[0] == 0, "secret is the whole line");
	snprintf(buf, sizeof buf, "id %s", key);
	scan(sc, buf, &g);
	ok(g.n == 1 && g.off[0] == 3, "secret at line end");
	snprintf(buf, sizeof buf, "%s\r", key);
	scan(sc, buf, &g);
	ok(g.n == 1 && g.len[0] == 20, "CRLF line");
	snprintf(buf, sizeof buf, "{\"a\":\"%s\",\"b\":1}", gh);
	scan(sc, buf, &g);
	ok(g.n == 1 && g.off[0] == 6, "inside a JSON string");
	snprintf(buf, sizeof buf, "{\\\"a\\\":\\\"%s\\\"}", gh);
	scan(sc, buf, &g);
	ok(g.n == 1, "inside an escaped JSON string");
	snprintf(buf, sizeof buf, "(%s);[%s],<%s>", key, key, key);
	scan(sc, buf, &g);
	ok(g.n == 3 && g.off[1] == 24, "adjacent to punctuation, 3 on a line");
	snprintf(buf, sizeof buf, "X%s", key);
	scan(sc, buf, &g);
	is_int(g.n, 0, "glued to a word is not a key id");
	ok(memcmp(g.fp[0], g.fp[1], 32) == 0, "unused slots stay zero");

	/* Long lines: chunked with overlap; nothing lost or doubled. */
	n = 3 * SCANNER_CHUNK_MAX + 123;
	big = malloc(n + 1);
	memset(big, 'a', n);
	big[n] = '\0';
	for (i = 0; i < 4; i++) {
		at = i == 0 ? 10 : i == 1 ? SCANNER_CHUNK_MAX - 8 :
		    i == 2 ? SCANNER_CHUNK_MAX - SCANNER_CHUNK_OVERLAP + 1 :
		    n - 20;
		big[at - 1] = ' ';
		if (at + 20 < n)
			big[at + 20] = ' ';
		memcpy(big + at, key, 20);
	}
	memset(&g, 0, sizeof g);
	scanner_scan_line(sc, big, n, collect, &g);
	is_int(g.n, 4, "long line: every key once");
	ok(g.off[1] == SCANNER_CHUNK_MAX - SCANNER_CHUNK_OVERLAP + 1 &&
	    g.off[2] == SCANNER_CHUNK_MAX - 8 && g.off[3] == n - 20,
	    "long line: offsets are absolute");
	free(big);
}

static void
test_fingerprint(void)
{
	unsigned char	 k1[32], k2[32];
	struct scanner	*a, *b;
	struct got	 g1, g2, g3;
	char		 err[256];

	memset(k1, 1, sizeof k1);
	memset(k2, 2, sizeof k2);
	a = scanner_new(NULL, err, sizeof err);
	b = scanner_new(NULL, err, sizeof err);
	scanner_set_key(a, k1);
	scanner_set_key(b, k1);
	scan(a, positives[0].secret, &g1);
	scan(b, positives[0].secret, &g2);
	ok(memcmp(g1.fp[0], g2.fp[0], 32) == 0, "fingerprint is stable");
	scanner_set_key(b, k2);
	scan(b, positives[0].secret, &g3);
	ok(memcmp(g1.fp[0], g3.fp[0], 32) != 0, "fingerprint depends on key");
	scan(a, positives[1].fmt, &g3);
	scan(a, positives[3].secret, &g3);
	ok(memcmp(g1.fp[0], g3.fp[0], 32) != 0,
	    "other secret, other fingerprint");
	scanner_free(a);
	scanner_free(b);
}

static void
test_pem(struct scanner *sc)
{
	static const char *const lines[] = {
		"2026-11-29 INFO loaded key: -----BEGIN RSA PRIVATE KEY-----",
		"MIIEowIBAAKCAQEAx3sF8Jq2Lk9Vb1Wm5Tz7Rn0Pc4Yd6Ha8Gs2Ke1Uf3Xi9Qo7",
		"Zr5Nt1Mw3Ly8Bv6Cj0Dp4Eh2Fk9Ag7Si5Ru3Tq1Vo8Wn6Xm4Yl2Zk0Aj9Bi7Ch5",
		"Dg3Ef1Fe8Gd6Hc4Ib2Ja0Kz9Ly7Mx5Nw3Ov1Pu8Qt6Rs4Sr2Tq0Up9Vo7Wn5Xm3",
		"-----END RSA PRIVATE KEY-----",
		"next line",
	};
	struct got	g;
	size_t		i;

	memset(&g, 0, sizeof g);
	scanner_reset(sc);
	for (i = 0; i < 6; i++)
		scanner_scan_line(sc, lines[i], strlen(lines[i]), collect, &g);
	scanner_finish(sc, collect, &g);
	is_int(g.n, 1, "multi-line PEM: one finding");
	is_str(g.rule[0], "private-key", "multi-line PEM: rule");
	is_int(g.back[0], 4, "multi-line PEM: reported on the BEGIN line");
	is_int(g.off[0], 28, "multi-line PEM: column of BEGIN");

	memset(&g, 0, sizeof g);
	scanner_reset(sc);
	for (i = 0; i < 4; i++)
		scanner_scan_line(sc, lines[i], strlen(lines[i]), collect, &g);
	scanner_finish(sc, collect, &g);
	ok(g.n == 1 && g.back[0] == 3, "PEM cut at end of stream");

	memset(&g, 0, sizeof g);
	scanner_reset(sc);
	scanner_scan_line(sc, "-----BEGIN PUBLIC KEY-----", 26, collect, &g);
	for (i = 1; i < 4; i++)
		scanner_scan_line(sc, lines[i], strlen(lines[i]), collect, &g);
	scanner_scan_line(sc, "-----END PUBLIC KEY-----", 24, collect, &g);
	scanner_finish(sc, collect, &g);
	is_int(g.n, 0, "multi-line public key: nothing");

	memset(&g, 0, sizeof g);
	scanner_reset(sc);
	scanner_scan_line(sc, lines[0], strlen(lines[0]), collect, &g);
	scanner_scan_line(sc, "END RequestId: 1", 16, collect, &g);
	scanner_finish(sc, collect, &g);
	is_int(g.n, 0, "BEGIN without a body: nothing");
}

/*
 * The prefilter hashes 16 positions at a time and the last bytes of a line
 * apart: every positive again behind 1 to 19 spaces, so that its keyword
 * falls on every position of a round, across rounds and in the tail, must
 * give the same findings, moved by the shift.
 */
static void
test_shifts(struct scanner *sc, const char *what)
{
	struct got	 g0, g;
	char		*line, *shifted;
	size_t		 i, j, k, off, bad = 0, n = 0;

	for (i = 0; i < sizeof positives / sizeof positives[0]; i++) {
		line = build(positives[i].fmt, positives[i].secret, &off);
		scan(sc, line, &g0);
		n += g0.n > 0;
		for (k = 1; k < 20; k++) {
			shifted = malloc(strlen(line) + k + 1);
			memset(shifted, ' ', k);
			strcpy(shifted + k, line);
			scan(sc, shifted, &g);
			for (j = 0; j < g0.n && j < 8 && g.n == g0.n; j++)
				if (strcmp(g.rule[j], g0.rule[j]) != 0 ||
				    g.off[j] != g0.off[j] + (g0.back[j] ? 0 : k))
					break;
			if (g.n != g0.n || j < g0.n) {
				bad++;
				tap_diag("%s: %s shifted by %zu", what,
				    positives[i].rule, k);
			}
			free(shifted);
		}
		free(line);
	}
	ok(n == sizeof positives / sizeof positives[0],
	    "%s: every positive found", what);
	ok(bad == 0, "%s: same findings behind 1 to 19 spaces", what);
}

static void
test_prefilter(struct scanner *sc)
{
	struct got	 g;
	const char	*s;
	char		 buf[256];

	test_shifts(sc, "prefilter");

	/* Keywords match in any case. */
	scan(sc, "PASSWORD: \"dGswUxxBhKp5Kh!\"", &g);
	ok(g.n == 1 && strcmp(g.rule[0], "generic-password") == 0,
	    "upper-case keyword PASSWORD");
	scan(sc, "x-Api-KEY: f1eT4Tiek0g2m0Zs92LjbZrxiHyC3tJZ", &g);
	ok(g.n == 1 && strcmp(g.rule[0], "generic-api-key") == 0,
	    "mixed-case keyword Api-KEY");
	scan(sc, "Token: GHP_zdWbELg9qAD0P97XOD07V15pmLrBtr2JeSbZ", &g);
	is_int(g.n, 0, "a keyword in another case does not loosen the pattern");

	/* Short lines (only the tail path) and a 3-byte keyword at the end. */
	scan(sc, "sg.", &g);
	is_int(g.n, 0, "a bare 3-byte keyword is no finding");
	ok(scanner_skip(sc, "sg.", 3) == 0, "3-byte keyword ending the buffer");
	ok(scanner_skip(sc, "xx eyJ", 6) == 0, "eyJ ending the buffer");
	ok(scanner_skip(sc, "ey", 2) == 2, "part of a keyword is none");

	/* scanner_skip over whole lines. */
	s = "START RequestId: 1\nplain line\n";
	ok(scanner_skip(sc, s, strlen(s)) == strlen(s),
	    "skip: no keyword, whole buffer");
	s = "one\ntwo\nkey 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 x\nafter\n";
	ok(scanner_skip(sc, s, strlen(s)) == 8,
	    "skip: start of the line with the keyword");
	s = "one\nhooks.sla\nck.com\n";
	ok(scanner_skip(sc, s, strlen(s)) == strlen(s),
	    "skip: a keyword cut by a newline is none");
	snprintf(buf, sizeof buf, "%s\n%s\n", "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
	    "bbbbbbbbbbbbbb sk_live_8A80wmLLA8rhz303f9yl9bHg");
	ok(scanner_skip(sc, buf, strlen(buf)) == 32,
	    "skip: keyword in the second round of a line");
	scanner_reset(sc);
	scanner_scan_line(sc, "-----BEGIN RSA PRIVATE KEY-----", 31, collect, &g);
	ok(scanner_skip(sc, "plain\n", 6) == 0,
	    "skip: every line while a multi-line key is followed");
	scanner_reset(sc);
	ok(scanner_skip(sc, "plain\n", 6) == 6, "skip: not after a reset");
}

struct kwlist {
	const char	*kw[1024];
	size_t		 n;
};

static void
kw_collect(const char *kw, void *arg)
{
	struct kwlist	*l = arg;

	if (l->n < 1024)
		l->kw[l->n++] = kw;
}

/* What scanner_skip must return, the slow way: the first keyword line. */
static size_t
naive_skip(const struct kwlist *l, const char *buf, size_t len)
{
	size_t	 line = 0, i, k, n;

	for (i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			line = i + 1;
			continue;
		}
		for (k = 0; k < l->n; k++) {
			n = strlen(l->kw[k]);
			if (i + n <= len && memchr(buf + i, '\n', n) == NULL &&
			    strncasecmp(buf + i, l->kw[k], n) == 0)
				return line;
		}
	}
	return len;
}

static uint32_t
lcg(uint32_t *st)
{
	*st = *st * 1103515245u + 12345u;
	return *st >> 8;
}

/*
 * Every implementation of the prefilter (portable, SSE2 where built) gives
 * the same findings, and scanner_skip agrees with a naive search over
 * random buffers holding keywords at every parity, in any case, across
 * rounds and in the tail.
 */
static void
test_prefilter_impls(struct scanner *sc)
{
	static const char *const names[] = { "portable", "sse2", "avx2" };
	struct kwlist	 l;
	char		 buf[700], what[64];
	size_t		 len, k, j, n, off, want, bad, badkw;
	uint32_t	 st = 12345;
	int		 impl, orig, r, round;

	memset(&l, 0, sizeof l);
	scanner_keywords(sc, kw_collect, &l);
	orig = scanner_prefilter_impl(sc, -1);
	ok(orig >= SCANNER_AC_PORTABLE, "prefilter: an implementation chosen");
	is_int(scanner_prefilter_impl(sc, 99), -1, "prefilter: unknown one refused");
	for (impl = SCANNER_AC_PORTABLE; impl <= SCANNER_AC_AVX2; impl++) {
		r = scanner_prefilter_impl(sc, impl);
		if (r == -1) {
			ok(impl != SCANNER_AC_PORTABLE, "%s: not built here",
			    names[impl]);
			continue;
		}
		ok(r == impl, "%s: selected", names[impl]);
		snprintf(what, sizeof what, "prefilter %s", names[impl]);
		test_shifts(sc, what);
		/* Each keyword alone behind 0 to 40 bytes, then cut short. */
		badkw = 0;
		for (k = 0; k < l.n; k++) {
			n = strlen(l.kw[k]);
			for (off = 0; off <= 40; off++) {
				memset(buf, 'q', off);
				memcpy(buf + off, l.kw[k], n);
				len = off + n;
				if (scanner_skip(sc, buf, len) != 0 ||
				    scanner_skip(sc, buf, len - 1) !=
				    naive_skip(&l, buf, len - 1))
					badkw++;
			}
		}
		ok(badkw == 0, "%s: every keyword at every offset (%zu bad)",
		    names[impl], badkw);
		bad = 0;
		for (round = 0; round < 2000; round++) {
			len = 1 + lcg(&st) % (sizeof buf - 1);
			for (j = 0; j < len; j++) {
				/* Letters, a few separators, some newlines. */
				n = lcg(&st) % 40;
				buf[j] = n < 26 ? (char)('a' + n) : n < 30 ?
				    '\n' : ":/._-= "[n % 7];
			}
			for (j = lcg(&st) % 3; j > 0; j--) {
				k = lcg(&st) % l.n;
				n = strlen(l.kw[k]);
				if (n >= len)
					continue;
				off = lcg(&st) % (len - n + 1);
				memcpy(buf + off, l.kw[k], n);
				if (lcg(&st) % 2)
					buf[off] = (char)toupper(
					    (unsigned char)buf[off]);
			}
			want = naive_skip(&l, buf, len);
			if (scanner_skip(sc, buf, len) != want)
				bad++;
		}
		ok(bad == 0, "%s: skip agrees with a naive search (%zu bad)",
		    names[impl], bad);
	}
	is_int(scanner_prefilter_impl(sc, orig), orig,
	    "prefilter: the default restored");
}

/* A keyword shorter than 3 bytes: the automaton alone, same findings. */
static void
test_prefilter_fallback(void)
{
	struct scanner_rules	*r;
	struct scanner		*sc;
	struct got		 g;
	char			 err[512];
	const char		*s;

	r = scanner_rules_parse("[rule zq-token]\nkeywords = zq\n"
	    "pattern = (zq[0-9]{12})\n", "f.rules", err, sizeof err);
	sc = scanner_new(r, err, sizeof err);
	if (!ok(sc != NULL, "scanner with a 2-byte keyword")) {
		scanner_rules_free(r);
		return;
	}
	test_shifts(sc, "automaton");
	scan(sc, "id=zq123456789012", &g);
	ok(g.n == 1 && strcmp(g.rule[0], "zq-token") == 0,
	    "2-byte keyword rule fires");
	s = "one\nid=zq123456789012\n";
	ok(scanner_skip(sc, s, strlen(s)) == 4, "automaton: skip");
	ok(scanner_skip(sc, "one\ntwo\n", 8) == 8, "automaton: skip all");
	scanner_free(sc);
	scanner_rules_free(r);
}

static void
test_rulefile(void)
{
	struct scanner_rules	*r;
	struct scanner		*sc;
	struct got		 g;
	char			 err[512];

	r = scanner_rules_parse(
	    "; extra rules\n"
	    "[rule acme-token]\n"
	    "keywords = acme_, acmetoken\n"
	    "pattern = (acme_[a-z0-9]{24})\n"
	    "entropy = 3\n"
	    "prefix = 5\n"
	    "[allow]\n"
	    "value = acme_000000000000000000000001\n"
	    "pattern = ^acme_test\n", "x.rules", err, sizeof err);
	ok(r != NULL, "rules file parses");
	is_int(scanner_rules_count(r), 1, "one extra rule");
	sc = scanner_new(r, err, sizeof err);
	ok(sc != NULL, "scanner with extra rules");
	scan(sc, "t=acme_k3j5h7g9f1d2s4a6p8o0i9u7", &g);
	ok(g.n == 1 && strcmp(g.rule[0], "acme-token") == 0, "extra rule fires");
	ok(strncmp(g.red[0], "acme_*", 6) == 0, "extra rule prefix redaction");
	scan(sc, "t=acme_000000000000000000000001", &g);
	is_int(g.n, 0, "allow value");
	scan(sc, "t=acme_testk3j5h7g9f1d2s4a6p8o0", &g);
	is_int(g.n, 0, "allow pattern");
	scanner_free(sc);
	scanner_rules_free(r);

	r = scanner_rules_parse("[rule a]\nkeywords = a\n"
	    "pattern = (unclosed\n", "bad.rules", err, sizeof err);
	ok(r == NULL && strncmp(err, "bad.rules:3: ", 13) == 0 &&
	    strstr(err, "offset") != NULL, "bad pattern: file:line and offset");
	tap_diag("%s", err);
	r = scanner_rules_parse("[rule a]\nkeywords = a\nfoo = 1\n",
	    "bad.rules", err, sizeof err);
	ok(r == NULL && strncmp(err, "bad.rules:3: ", 13) == 0,
	    "unknown key named with its line");
	r = scanner_rules_parse("[rule a]\nkeywords = a\n", "bad.rules", err,
	    sizeof err);
	ok(r == NULL && strstr(err, "pattern") != NULL, "rule without pattern");
	r = scanner_rules_parse("\n[bogus]\nx = 1\n", "bad.rules", err,
	    sizeof err);
	ok(r == NULL && strncmp(err, "bad.rules:3: ", 13) == 0,
	    "unknown section");
	r = scanner_rules_parse("[rule Bad Name]\npattern = (x)\n", "b.rules",
	    err, sizeof err);
	ok(r == NULL, "bad rule name");
	r = scanner_rules_parse("[rule a]\nkeywords = a\npattern = (a)\n"
	    "entropy = lots\n", "b.rules", err, sizeof err);
	ok(r == NULL && strncmp(err, "b.rules:4: ", 11) == 0, "bad entropy");
	ok(scanner_rules_load("/nonexistent/x.rules", err, sizeof err) == NULL &&
	    strstr(err, "/nonexistent/x.rules") != NULL, "missing file named");
}

int
main(void)
{
	struct scanner	*sc;
	unsigned char	 key[32];
	char		 err[256];

	sc = scanner_new(NULL, err, sizeof err);
	if (!ok(sc != NULL, "scanner_new"))
		return tap_done();
	memset(key, 7, sizeof key);
	scanner_set_key(sc, key);
	is_num(scanner_entropy("aaaa", 4), 0, 1e-9, "entropy of aaaa");
	is_num(scanner_entropy("abcd", 4), 2, 1e-6, "entropy of abcd");
	test_rules(sc);
	test_boundaries(sc);
	test_pem(sc);
	test_prefilter(sc);
	test_prefilter_impls(sc);
	scanner_free(sc);
	test_prefilter_fallback();
	test_fingerprint();
	test_rulefile();
	return tap_done();
}
