/*
 * One true and one false line per built-in rule added for the field's
 * token types (issue 17): each true line holds a fake token generated here
 * in the vendor's format and must give a finding of that rule; each false
 * line is a near miss (too short, wrong alphabet, a vendor name inside
 * another word, a reference) and must give none. Tokens come from a seeded
 * generator, so runs are repeatable; no token is ever printed: the test
 * names carry the rule id only.
 *
 * Template: literal text with {Cn} = n random bytes of class C:
 *	h [0-9a-f]	d [0-9]		l [a-z0-9]	a [A-Za-z0-9]
 *	L [A-Za-z]	u [A-Z0-9]	x [A-Za-z0-9_-]	b [A-Za-z0-9+/]
 *	7 the bech32 alphabet, upper case
 * and {g} = a random lower-case UUID. A template starting with "b64:" is
 * base64-encoded after generation (the part after the colon).
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner.h"
#include "tap.h"

struct rcase {
	const char	*rule;	/* NULL: the line must give no finding */
	const char	*tmpl;
};

/* Prefix formats, then keyword contexts (the vendor's name names it). */
static const struct rcase cases[] = {
	{ "slack-app-token", "SLACK_APP_TOKEN=xapp-1-A{u10}-{d13}-{h64}" },
	{ NULL, "SLACK_APP=xapp-1-A{u10}-{d13}-{h20}" },
	{ "slack-legacy-token", "token: xoxb-{d12}-{L4}{a20}" },
	{ NULL, "token: xoxb-{d12}-{L6}" },
	{ "slack-legacy-token", "legacy: xoxo-{d6}-{d6}-{d6}-{h20}" },
	{ "discord-bot-token", "Authorization: Bot M{x23}.{x6}.{x27}" },
	{ NULL, "Authorization: Bot M{x23}.{x6}" },
	{ "onepassword-secret-key",
	  "OP_SECRET_KEY=A3-{u6}-{u6}-{u5}-{u5}-{u5}-{u5}" },
	{ NULL, "OP_KEY=A3-{u6}-{u6}-{u5}" },
	{ "onepassword-service-account-token",
	  "OP_SERVICE_ACCOUNT_TOKEN=ops_eyJ{b260}" },
	{ NULL, "OP_SA=ops_eyJ{b40}" },
	{ "adafruit-io-key", "ADAFRUIT_IO=aio_{a28}" },
	{ NULL, "ADAFRUIT_IO=aio_{a20}" },
	{ "adobe-client-secret", "ADOBE_SECRET=p8e-{a32}" },
	{ NULL, "ADOBE=p8e-{a20}" },
	{ "age-secret-key", "AGE-SECRET-KEY-1{758}" },
	{ NULL, "AGE-SECRET-KEY-1{740}" },
	{ "airtable-token", "airtable_pat = pat{a14}.{h64}" },
	{ NULL, "airtable_pat = pat{a14}.{h20}" },
	{ "alibaba-access-key-id", "AccessKeyId: LTAI{a20}" },
	{ NULL, "AccessKeyId: LTAI{a8}" },
	{ "artifactory-token", "X-JFrog-Art-Api: AKCp{a69}" },
	{ NULL, "X-JFrog-Art-Api: AKCp{a30}" },
	{ "atlassian-api-token", "ATLASSIAN=ATATT3{x186}" },
	{ NULL, "jira_credential = {L24}" },
	{ "authress-access-key", "AUTHRESS=sc_{l10}.{l5}.acc_{l16}.{l40}" },
	{ NULL, "AUTHRESS=sc_{l10}.{l5}.acc_{l4}.{l40}" },
	{ "aws-bedrock-api-key", "AWS_BEARER_TOKEN_BEDROCK=ABSK{b120}" },
	{ NULL, "BEDROCK=ABSK{b20}" },
	{ "azure-ad-client-secret", "AZURE_CLIENT=\"{a3}8Q~{a34}\"" },
	{ NULL, "AZURE_CLIENT=\"{a3}8Q~{a10}\"" },
	{ "bitbucket-app-password", "BB_APP=ATBB{a32}" },
	{ NULL, "BB_APP=ATBB{a10}" },
	{ "clickhouse-cloud-api-secret", "CH=4b1d{a38}" },
	{ NULL, "CH=4b1d{a20}" },
	{ "clojars-api-token", "CLOJARS=CLOJARS_{l60}" },
	{ NULL, "CLOJARS=CLOJARS_{l30}" },
	{ "cloudflare-origin-ca-key", "CF_ORIGIN=v1.0-{h24}-{h146}" },
	{ NULL, "CF_ORIGIN=v1.0-{h24}-{h40}" },
	{ "databricks-api-token", "DATABRICKS_TOKEN=dapi{h32}" },
	{ NULL, "DATABRICKS=dapi{h20}" },
	{ "defined-networking-api-token", "DN=dnkey-{l26}-{l52}" },
	{ NULL, "DN=dnkey-{l10}-{l52}" },
	{ "digitalocean-token", "DO=dop_v1_{h64}" },
	{ NULL, "DO=dop_v1_{h32}" },
	{ "doppler-token", "DOPPLER_TOKEN=dp.pt.{a43}" },
	{ NULL, "DOPPLER=dp.pt.{a20}" },
	{ "dropbox-token", "DROPBOX_ACCESS=sl.{x140}" },
	{ NULL, "DROPBOX_ACCESS=sl.{x40}" },
	{ "duffel-api-token", "DUFFEL=duffel_test_{x43}" },
	{ NULL, "DUFFEL=duffel_test_{x20}" },
	{ "dynatrace-api-token", "DT=dt0c01.{u24}.{u64}" },
	{ NULL, "DT=dt0c01.{u24}.{u30}" },
	{ "easypost-api-key", "EASYPOST=EZAK{a54}" },
	{ NULL, "EASYPOST=EZAK{a30}" },
	{ "facebook-access-token", "fb=EAAC{a120}" },
	{ NULL, "fb=EAAC{a30}" },
	{ "flutterwave-key", "FLW=FLWSECK_TEST-{h32}-X" },
	{ NULL, "FLW=FLWSECK_TEST-{h20}-X" },
	{ "flyio-token", "FLY=fo1_{x43}" },
	{ NULL, "FLY=fo1_{x20}" },
	{ "frameio-api-token", "FRAMEIO=fio-u-{x64}" },
	{ NULL, "FRAMEIO=fio-u-{x30}" },
	{ "grafana-token", "GRAFANA_SA=glsa_{a32}_{h8}" },
	{ NULL, "GRAFANA_SA=glsa_{a32}_{h4}" },
	{ "harness-api-key", "HARNESS=pat.{x22}.{a24}.{a20}" },
	{ NULL, "HARNESS=pat.{x22}.{a24}" },
	{ "hashicorp-tf-api-token", "TFE={a14}.atlasv1.{x64}" },
	{ NULL, "TFE={a14}.atlasv1.{x20}" },
	{ "huggingface-org-token", "HF_ORG=api_org_{L34}" },
	{ NULL, "HF_ORG=api_org_{L20}" },
	{ "infracost-api-token", "INFRACOST=ico-{a32}" },
	{ NULL, "GET /assets/box.ico-{a32}.png" },
	{ "intra42-client-secret", "FT42=s-s4t2ud-{h64}" },
	{ NULL, "FT42=s-s4t2ud-{h30}" },
	{ "linear-api-key", "LINEAR=lin_api_{a40}" },
	{ NULL, "LINEAR=lin_api_{a20}" },
	{ "lob-api-key", "LOB_CREDENTIAL=live_{h35}" },
	{ NULL, "GLOBAL_CREDENTIAL=live_{h35}" },
	{ "mailchimp-api-key", "MC={h32}-us12" },
	{ NULL, "MC={h20}-us12" },
	{ "mailgun-public-key", "MG=pubkey-{h32}" },
	{ NULL, "MG=pubkey-{h20}" },
	{ "mapbox-token", "MAPBOX=pk.eyJ{x40}.{x22}" },
	{ NULL, "MAPBOX=pk.eyJ{x40}.{x10}" },
	{ "maxmind-license-key", "MAXMIND={a6}_{a29}_mmk" },
	{ NULL, "MAXMIND={a6}_{a20}_mmk" },
	{ "microsoft-teams-webhook",
	  "url=https://acme.webhook.office.com/webhookb2/{g}@{g}/"
	  "IncomingWebhook/{h32}/{g}" },
	{ NULL, "url=https://acme.webhook.office.com/webhookb2/{g}" },
	{ "new-relic-key", "NEW_RELIC=NRAK-{u27}" },
	{ NULL, "NEW_RELIC=NRAK-{u20}" },
	{ "notion-api-token", "NOTION=ntn_{d11}{a35}" },
	{ NULL, "NOTION=ntn_{d11}{a10}" },
	{ "nuget-config-password",
	  "<add key=\"ClearTextPassword\" value=\"{a16}\" />" },
	{ NULL, "<add key=\"ClearTextPassword\" value=\"%NUGET_PW%\" />" },
	{ "octopus-deploy-api-key", "OCTOPUS=API-{u26}" },
	{ NULL, "OCTOPUS=API-{u10}" },
	{ "openshift-user-token", "oc login --token=sha256~{x43}" },
	{ NULL, "oc login --token=sha256~{x20}" },
	{ "perplexity-api-key", "PPLX=pplx-{a48}" },
	{ NULL, "PPLX=pplx-{a20}" },
	{ "plaid-access-token", "PLAID_ACCESS=access-sandbox-{g}" },
	{ NULL, "PLAID_ACCESS=access-sandbox-{h20}" },
	{ "planetscale-token", "PSCALE=pscale_tkn_{x40}" },
	{ NULL, "PSCALE=pscale_tkn_{x10}" },
	{ "postman-api-token", "POSTMAN=PMAK-{h24}-{h34}" },
	{ NULL, "POSTMAN=PMAK-{h24}-{h10}" },
	{ "prefect-api-token", "PREFECT=pnu_{a36}" },
	{ NULL, "PREFECT=pnu_{a20}" },
	{ "pulumi-api-token", "PULUMI_ACCESS=pul-{h40}" },
	{ NULL, "PULUMI_ACCESS=pul-{h20}" },
	{ "readme-api-token", "README=rdme_{l70}" },
	{ NULL, "README=rdme_{l30}" },
	{ "rubygems-api-token", "GEM_HOST=rubygems_{h48}" },
	{ NULL, "GEM_HOST=rubygems_{h20}" },
	{ "scalingo-api-token", "SCALINGO=tk-us-{x48}" },
	{ NULL, "SCALINGO=tk-us-{x20}" },
	{ "sendinblue-api-key", "BREVO=xkeysib-{h64}-{a16}" },
	{ NULL, "BREVO=xkeysib-{h64}" },
	{ "sentry-token", "SENTRY_AUTH=sntryu_{h64}" },
	{ NULL, "SENTRY_AUTH=sntryu_{h30}" },
	{ "settlemint-token", "SETTLEMINT=sm_pat_{l16}" },
	{ NULL, "SETTLEMINT=sm_pat_{l8}" },
	{ "shippo-api-token", "SHIPPO=shippo_live_{h40}" },
	{ NULL, "SHIPPO=shippo_live_{h20}" },
	{ "sidekiq-secret", "BUNDLE_ENTERPRISE__CONTRIBSYS__COM={h8}:{h8}" },
	{ NULL, "BUNDLE_ENTERPRISE__CONTRIBSYS__COM={h8}" },
	{ "sourcegraph-token", "SRC_ACCESS=sgp_{h16}_{h40}" },
	{ NULL, "SRC_ACCESS=sgp_{h20}" },
	{ "sourcegraph-token", "sourcegraph_credential = {h40}" },
	{ "private-key", "{\"key\": \"-----BEGIN PGP PRIVATE KEY BLOCK-----\\n"
	  "\\n{b64}\\n{b64}\\n=ab12\\n-----END PGP PRIVATE KEY BLOCK-----\"}" },
	{ "twitter-bearer-token", "TW=AAAAAAAAAAAAAAAAAAAAAA{a90}" },
	{ NULL, "TW=AAAAAAAAAAAAAAAAAAAAAA{a30}" },
	{ "typeform-api-token", "TYPEFORM=tfp_{x59}" },
	{ NULL, "TYPEFORM=tfp_{x20}" },
	{ "yandex-token", "YC=AQVN{x37}" },
	{ NULL, "YC=AQVN{x10}" },
	{ "gitlab-session-cookie", "Cookie: _gitlab_session={l32}" },
	{ NULL, "Cookie: _gitlab_session={l10}" },
	{ "gitlab-runner-registration-token", "REG=GR1348941{x20}" },
	{ NULL, "REG=GR1348941{x8}" },
	{ "jwt-base64", "b64:eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ{x30}.{x43}" },
	{ NULL, "blob ZXlK{b60}" },
	{ "curl-auth", "curl -u admin:{a16} https://example.net/api" },
	{ NULL, "curl -u admin:$ADMIN_PASSWORD https://example.net/api" },
	{ "gitlab-token", "GITLAB=glffct-{x20}" },
	{ "stripe-key", "STRIPE=sk_prod_{a40}" },
	{ "anthropic-api-key", "ANTHROPIC=sk-ant-admin01-{x93}AA" },
	{ NULL, "ANTHROPIC=sk-ant-api03-{x93}BB" },
	{ "github-fine-grained-pat", "GH=github_pat_{a82}" },
	{ "slack-webhook", "hook=https://hooks.slack.com/workflows/{a50}" },
	/* Keyword contexts. */
	{ "adafruit-api-key", "ADAFRUIT_CREDENTIAL=\"{x32}\"" },
	{ NULL, "ADAFRUIT_CREDENTIAL=\"{x20}\"" },
	{ "adobe-client-id", "adobe_client_id: {h32}" },
	{ NULL, "adobe_client_id: {h20}" },
	{ "algolia-api-key", "algolia_admin = {h32}" },
	{ NULL, "algolia_admin = {h31}" },
	{ "alibaba-secret-key", "alibaba_credential = {a30}" },
	{ NULL, "alibaba_credential = {a29}" },
	{ "asana-token", "ASANA_CLIENT={d16}" },
	{ NULL, "ASANA_CLIENT={d15}" },
	{ "beamer-api-token", "beamer_credential: b_{x44}" },
	{ NULL, "beamer_credential: b_{x30}" },
	{ "bitbucket-client", "bitbucket.client = {l32}" },
	{ NULL, "bitbucket.client = {l31}" },
	{ "bittrex-key", "bittrex_credential = {l32}" },
	{ NULL, "bittrex_credential = {l31}" },
	{ "cisco-meraki-api-key", "meraki: {h40}" },
	{ NULL, "ReactNativeCameraKit: {h40}" },
	{ "cloudflare-api-key", "CLOUDFLARE_CREDENTIAL: {x40}" },
	{ NULL, "CLOUDFLARE_CREDENTIAL: {x39}" },
	{ "codecov-access-token", "codecov_credential = {l32}" },
	{ NULL, "codecov_credential = {l31}" },
	{ "cohere-api-token", "cohere_credential = {a40}" },
	{ NULL, "cohere_credential = {a39}" },
	{ "coinbase-access-token", "coinbase_credential = {x64}" },
	{ NULL, "coinbase_credential = {x63}" },
	{ "confluent-key", "confluent.credential={a16}" },
	{ NULL, "confluent.credential={a15}" },
	{ "contentful-api-token", "contentful_credential = {x43}" },
	{ NULL, "contentful_credential = {x42}" },
	{ "datadog-access-token", "datadog_credential = {l40}" },
	{ NULL, "datadog_credential = {l39}" },
	{ "discord-api-token", "discord_credential = {h64}" },
	{ NULL, "discord_credential = {h63}" },
	{ "droneci-access-token", "drone_credential = {l32}" },
	{ NULL, "drone_credential = {l31}" },
	{ "dropbox-app-key", "dropbox_app = {l15}" },
	{ NULL, "dropbox_app = {l14}" },
	{ "etsy-access-token", "etsy_credential = \"{l24}\"" },
	{ NULL, "SetSysctl = \"{l24}\"" },
	{ "facebook-secret", "facebook_credential = {h32}" },
	{ NULL, "facebook_credential = {h31}" },
	{ "fastly-api-token", "fastly_credential = {x32}" },
	{ NULL, "fastly_credential = {x31}" },
	{ "finicity-token", "finicity_credential = {h32}" },
	{ NULL, "finicity_credential = {h31}" },
	{ "finnhub-access-token", "finnhub_credential = {l20}" },
	{ NULL, "finnhub_credential = {l19}" },
	{ "flickr-access-token", "flickr_credential = {l32}" },
	{ NULL, "flickr_credential = {l31}" },
	{ "freshbooks-access-token", "freshbooks_credential = {l64}" },
	{ NULL, "freshbooks_credential = {l63}" },
	{ "gitter-access-token", "gitter_credential = {x40}" },
	{ NULL, "gitter_credential = {x39}" },
	{ "gocardless-api-token", "gocardless_credential = live_{x40}" },
	{ NULL, "gocardless_credential = live_{x39}" },
	{ "hubspot-api-key", "hubspot_credential = {g}" },
	{ NULL, "hubspot_credential = {h32}" },
	{ "intercom-api-key", "intercom_credential = {x60}" },
	{ NULL, "intercom_credential = {x59}" },
	{ "jfrog-identity-token", "jfrog_credential = {l64}" },
	{ NULL, "jfrog_credential = {l63}" },
	{ "kraken-access-token", "kraken_credential = {b85}" },
	{ NULL, "kraken_credential = {b40}" },
	{ "kucoin-key", "kucoin_credential = {h24}" },
	{ NULL, "kucoin_credential = {h23}" },
	{ "launchdarkly-access-token", "launchdarkly_sdk = api-{g}" },
	{ NULL, "launchdarkly_sdk = {x39}" },
	{ "linear-client-secret", "linear_client = {h32}" },
	{ NULL, "linear_client = {h31}" },
	{ "linkedin-client", "linkedin_client = {l14}" },
	{ NULL, "linkedin_client = {l13}" },
	{ "looker-client", "looker_client = {a20}" },
	{ NULL, "looker_client = {a19}" },
	{ "mattermost-access-token", "mattermost_credential = {l26}" },
	{ NULL, "mattermost_credential = {l25}" },
	{ "messagebird-api-token", "messagebird_credential = {l25}" },
	{ NULL, "messagebird_credential = {l24}" },
	{ "netlify-access-token", "netlify_credential = {x43}" },
	{ NULL, "netlify_credential = {x39}" },
	{ "new-relic-user-api-id", "newrelic_credential = {l64}" },
	{ NULL, "newrelic_credential = {l63}" },
	{ "nytimes-access-token", "nytimes_credential = {x32}" },
	{ NULL, "nytimes_credential = {x31}" },
	{ "okta-access-token", "var OktaCredential = \"00{x40}\";" },
	{ NULL, "var rookTable = \"00{x40}\";" },
	{ "plaid-key", "plaid_client = {l24}" },
	{ NULL, "plaid_client = {l23}" },
	{ "privateai-api-token", "private_ai_credential = {l32}" },
	{ NULL, "private_ai_credential = {l31}" },
	{ "rapidapi-access-token", "rapidapi_credential = {x50}" },
	{ NULL, "rapidapi_credential = {x49}" },
	{ "sendbird-token", "sendbird_credential = {h40}" },
	{ NULL, "sendbird_credential = {h39}" },
	{ "sentry-access-token", "sentry_credential = {h64}" },
	{ NULL, "sentry_credential = {h63}" },
	{ "snyk-api-token", "SNYK_CREDENTIAL={g}" },
	{ NULL, "SNYK_CREDENTIAL={h32}" },
	{ "sonar-api-token", "sonar.login=squ_{h40}" },
	{ NULL, "sonar.login=squ_{h20}" },
	{ "squarespace-access-token", "squarespace_credential = {g}" },
	{ NULL, "squarespace_credential = {h32}" },
	{ "sumologic-key", "SUMO_ACCESS_ID = su{d2}{a10}" },
	{ NULL, "sumObj = su{a12}" },
	{ "travisci-access-token", "travis_credential = {l22}" },
	{ NULL, "travis_credential = {l21}" },
	{ "trello-access-token", "trello_credential = {a32}" },
	{ NULL, "trello_credential = {a31}" },
	{ "twitch-api-token", "twitch_credential = {l30}" },
	{ NULL, "twitch_credential = {l29}" },
	{ "twitter-token", "twitter_credential = {l50}" },
	{ NULL, "twitter_credential = {l49}" },
	{ "zendesk-secret-key", "zendesk_credential = {l40}" },
	{ NULL, "zendesk_credential = {l39}" },
	{ "telegram-bot-token-kv", "telegram_bot = {d9}:A{x34}" },
	{ NULL, "telegram_bot = {d4}:A{x34}" },
	{ "heroku-api-key-kv", "HEROKU_AUTH={g}" },
	{ NULL, "HEROKU_AUTH={h32}" },
	{ "cloudflare-global-key", "X-Auth-Key: {h37}" },
	{ NULL, "X-Auth-Key: {h36}" },
	/* Known public sample keys are never reported. */
	{ NULL, "AKIAIOSFODNN7EXAMPLE" },
};

static uint64_t	rng = 0x9e3779b97f4a7c15ull;

static unsigned int
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)(rng >> 11);
}

static const char *
alphabet(char c)
{
	switch (c) {
	case 'h': return "0123456789abcdef";
	case 'd': return "0123456789";
	case 'l': return "abcdefghijklmnopqrstuvwxyz0123456789";
	case 'a': return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789";
	case 'L': return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	case 'u': return "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	case 'x': return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789_-";
	case 'b': return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789+/";
	case '7': return "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";
	default: return NULL;
	}
}

/* 1 for each byte of the expanded line that came from the generator. */
static char	randmask[2048];

static void
put_random(char *out, size_t *o, size_t cap, const char *set, long n)
{
	size_t	k = strlen(set);

	for (; n > 0 && *o + 1 < cap; n--) {
		if (out != NULL && *o < sizeof randmask)
			randmask[*o] = k > 1;
		out[(*o)++] = set[rnd() % k];
	}
}

static void
b64(const unsigned char *in, size_t n, char *out, size_t cap)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	size_t		i, o = 0;
	uint32_t	v;

	for (i = 0; i < n && o + 5 < cap; i += 3) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = t[v >> 18 & 63];
		out[o++] = t[v >> 12 & 63];
		out[o++] = i + 1 < n ? t[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? t[v & 63] : '=';
	}
	out[o] = '\0';
}

/* Expands a template into out (a generated line). */
static void
expand(const char *tmpl, char *out, size_t cap)
{
	char		 tmp[2048];
	const char	*p = tmpl, *set, *close;
	size_t		 o = 0;
	int		 enc = strncmp(tmpl, "b64:", 4) == 0;
	char		*dst = enc ? tmp : out;
	size_t		 dcap = enc ? sizeof tmp : cap;

	if (enc)
		p += 4;
	memset(randmask, 0, sizeof randmask);
	while (*p != '\0' && o + 1 < dcap) {
		if (*p == '{' && (close = strchr(p, '}')) != NULL &&
		    (p[1] == 'g' || alphabet(p[1]) != NULL)) {
			if (p[1] == 'g') {
				put_random(dst, &o, dcap, "0123456789abcdef", 8);
				put_random(dst, &o, dcap, "-", 1);
				put_random(dst, &o, dcap, "0123456789abcdef", 4);
				put_random(dst, &o, dcap, "-", 1);
				put_random(dst, &o, dcap, "0123456789abcdef", 4);
				put_random(dst, &o, dcap, "-", 1);
				put_random(dst, &o, dcap, "0123456789abcdef", 4);
				put_random(dst, &o, dcap, "-", 1);
				put_random(dst, &o, dcap, "0123456789abcdef", 12);
			} else {
				set = alphabet(p[1]);
				put_random(dst, &o, dcap, set, strtol(p + 2,
				    NULL, 10));
			}
			p = close + 1;
			continue;
		}
		dst[o++] = *p++;
	}
	dst[o < dcap ? o : dcap - 1] = '\0';
	if (enc) {
		b64((const unsigned char *)tmp, o, out, cap);
		/* Past the first base64 group every byte depends on random ones. */
		memset(randmask, 0, sizeof randmask);
		memset(randmask + 4, 1, strlen(out) > 4 ? strlen(out) - 4 : 0);
	}
}

struct seen {
	size_t	n;
	char	rule[8][64];
	size_t	off[8];
	char	redacted[8][64];
};

static int
collect(const struct scanner_finding *f, void *arg)
{
	struct seen	*s = arg;

	if (s->n < 8) {
		snprintf(s->rule[s->n], sizeof s->rule[0], "%s", f->rule);
		s->off[s->n] = f->offset;
		memcpy(s->redacted[s->n], f->redacted, sizeof s->redacted[0]);
	}
	s->n++;
	return 0;
}

/* An OpenPGP armored block over several lines, as a log shows it. */
static void
test_pgp_block(struct scanner *sc, const char *kind, int want)
{
	struct seen	s;
	char		line[128];
	int		i;

	memset(&s, 0, sizeof s);
	scanner_reset(sc);
	snprintf(line, sizeof line, "-----BEGIN PGP %s BLOCK-----", kind);
	scanner_scan_line(sc, line, strlen(line), collect, &s);
	scanner_scan_line(sc, "Version: GnuPG v2", 17, collect, &s);
	scanner_scan_line(sc, "", 0, collect, &s);
	for (i = 0; i < 6; i++) {
		expand("{b64}", line, sizeof line);
		scanner_scan_line(sc, line, strlen(line), collect, &s);
	}
	expand("={b4}", line, sizeof line);
	scanner_scan_line(sc, line, strlen(line), collect, &s);
	snprintf(line, sizeof line, "-----END PGP %s BLOCK-----", kind);
	scanner_scan_line(sc, line, strlen(line), collect, &s);
	scanner_finish(sc, collect, &s);
	if (want)
		ok(s.n == 1 && strcmp(s.rule[0], "private-key") == 0 &&
		    strncmp(s.redacted[0], "-----BEGIN PGP", 14) == 0,
		    "PGP private key block over 11 lines: one private-key");
	else
		ok(s.n == 0, "PGP public key block: nothing");
}

int
main(void)
{
	struct scanner	*sc;
	struct seen	 s;
	char		 err[256], line[2048];
	size_t		 i, j, k, keep, nrules, tested = 0;
	int		 hit, leak;

	sc = scanner_new(NULL, err, sizeof err);
	if (!ok(sc != NULL, "scanner_new")) {
		printf("# %s\n", err);
		return tap_done();
	}
	nrules = scanner_rule_count(sc);
	ok(nrules >= 160, "at least 160 built-in rules (%zu)", nrules);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		expand(cases[i].tmpl, line, sizeof line);
		memset(&s, 0, sizeof s);
		scanner_reset(sc);
		scanner_scan_line(sc, line, strlen(line), collect, &s);
		scanner_finish(sc, collect, &s);
		if (cases[i].rule == NULL) {
			/* Name the false line by the rule of the line before. */
			ok(s.n == 0, "false line %zu (%s): no finding%s%s", i,
			    i > 0 && cases[i - 1].rule ? cases[i - 1].rule :
			    "sample", s.n ? ", got " : "", s.n ? s.rule[0] : "");
			continue;
		}
		for (hit = 0, j = 0; j < s.n && j < 8; j++)
			if (strcmp(s.rule[j], cases[i].rule) == 0)
				hit = 1;
		leak = 0;
		for (j = 0; j < s.n && j < 8; j++) {
			/* The kept prefix of the preview holds no random byte. */
			keep = strcspn(s.redacted[j], "*");
			for (k = 0; k < keep; k++)
				if (s.off[j] + k < sizeof randmask &&
				    randmask[s.off[j] + k])
					leak = 1;
		}
		ok(!leak, "%s: the preview keeps only the fixed prefix",
		    cases[i].rule);
		ok(hit, "%s: true line %zu found%s%s", cases[i].rule, i,
		    !hit && s.n ? " (got " : "", !hit && s.n ? s.rule[0] : "");
		tested++;
		/* Every rule id named here is a built-in rule. */
		for (hit = 0, j = 0; j < nrules; j++)
			if (strcmp(scanner_rule_id(sc, j), cases[i].rule) == 0)
				hit = 1;
		ok(hit, "%s: is a built-in rule", cases[i].rule);
	}
	ok(tested >= 120, "true lines for %zu rules", tested);
	test_pgp_block(sc, "PRIVATE KEY", 1);
	test_pgp_block(sc, "PUBLIC KEY", 0);
	scanner_free(sc);
	return tap_done();
}
