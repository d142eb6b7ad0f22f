/*
 * The built-in rule table. Order is priority: when two findings on a line
 * overlap, the earlier rule wins, so specific formats come first and the
 * generic assignments (SCANNER_F_GENERIC) last. Group 1 of every pattern is
 * the secret; alternatives use a branch reset "(?|...)" to keep it group 1.
 * Keywords are literal and matched case-insensitively by the prefilter; a
 * rule's pattern only runs on a line that holds one of its keywords.
 */
#include "autoconf.h"

#include <stddef.h>

#include "scanner_int.h"

/* key SEP value: quotes (JSON-escaped too), then = : => := -> */
#define SEP	"[\\\\\"'\\]]{0,3}\\s*(?:=>|:=|->|[:=])\\s*[\\\\\"'\\[]{0,3}"
#define SEPK	"[\\\\\"'\\]]{0,3}\\s*(?:=>|:=|->|[:=])\\s*"
/* A free-form value, quoted or bare. */
#define QVAL(n)	"(?|\\\\{0,2}\"([^\"\\\\\\s]{" n "})\\\\{0,2}\"|" \
		"'([^'\\s]{" n "})'|([^\\s\"'\\\\&<>]{" n "}))"
/* Boundaries for token alphabets [A-Za-z0-9_-]. */
#define LB	"(?<![A-Za-z0-9_\\-+/])"
#define RB	"(?![A-Za-z0-9_\\-])"
/* The end of a base64 value. */
#define B64E	"(?![A-Za-z0-9+/=])"
/* UUIDs: lower-case hex, or either case. */
#define UUID	"[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}"
#define UUIDI	"[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-" \
		"[A-Fa-f0-9]{12}"
/*
 * Keyword context for a format without a prefix: the vendor's name (w,
 * any case, a word of its own or a camel-case part: not inside
 * "rookTable", "sumObj" or "GLOBAL"), up to
 * 30 more identifier bytes (FooApiToken, FOO_TOKEN), an
 * optional type word (var x string =), quotes, an assignment operator (=
 * := ::= ?= .= => : , ||), quotes, then the value.
 */
#define KV(w)	"(?:(?<![A-Za-z])|(?<=[a-z])(?=[A-Z]))(?i:" w ")(?![a-z])" \
		"[\\w.\\-]{0,30}?(?:\\s+[a-z]{2,8})?" \
		"[\\\\\"'`\\]]{0,3}\\s*(?:[:?.+]{0,3}=>?|:|,|\\|\\|)\\s*" \
		"[\\\\\"'`\\[]{0,3}"
/* What may follow a value in that context: a quote, a separator, the end. */
#define KE	"(?=[\\s\"'`;,)\\]}<>&|\\\\]|$)"
#define KVR(id, w, v, e, ...) \
	{ id, { __VA_ARGS__, NULL }, KV(w) "(" v ")" KE, e, 0, \
	  SCANNER_V_NONE, SCANNER_F_DIGIT }

const struct scanner_rule_def scanner_builtin[] = {
	{ "gcp-service-account-key",
	  { "private_key_id", "service_account", NULL },
	  "(?:private_key_id|service_account)[^\\n]{0,600}?private_key"
	  "\\\\{0,2}[\"']\\s*:\\s*\\\\{0,2}[\"']"
	  "(-----BEGIN[A-Z0-9 ]{0,30} PRIVATE KEY-----"
	  "(?:[A-Za-z0-9+/=]|\\\\{1,2}[rn]){64,}+"
	  "(?:-----END[A-Z0-9 ]{0,30} PRIVATE KEY-----(?:\\\\{1,2}n)?)?)",
	  3.5, 0, SCANNER_V_NONE, 0 },
	{ "private-key",
	  { "private key-----", "private key block-----", NULL },
	  "(-----BEGIN[A-Z0-9 ]{0,30} PRIVATE KEY(?: BLOCK)?-----"
	  "(?:\\\\{1,2}[rn]|[ \\t])*+(?:[A-Za-z0-9+/=]|\\\\{1,2}[rn]|"
	  "[A-Za-z-]+: [^\\\\]{1,80}\\\\{1,2}n){64,}+"
	  "(?:-----END[A-Z0-9 ]{0,30} PRIVATE KEY(?: BLOCK)?-----)?)",
	  3.5, 0, SCANNER_V_NONE, 0 },
	/*
	 * Key ids of credentials only: AKIA (long-term), ASIA (STS), ABIA
	 * (STS service bearer), ACCA (context-specific). AROA, AIDA, AGPA,
	 * ANPA... name roles, users, groups and policies: they are in every
	 * CloudTrail-shaped log line and grant nothing.
	 */
	{ "aws-access-key-id",
	  { "akia", "asia", "abia", "acca", NULL },
	  "(?<![A-Za-z0-9])((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})"
	  "(?![A-Za-z0-9])",
	  2.8, 4, SCANNER_V_NONE, 0 },
	{ "aws-secret-access-key",
	  { "secret_access_key", "secretaccesskey", "secret-access-key",
	    "aws_secret_key", "awssecretkey", "aws-secret-key", NULL },
	  "(?i:secret[_\\-]?access[_\\-]?key|aws[_\\-]?secret[_\\-]?key)" SEP
	  "([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
	  3.8, 0, SCANNER_V_NONE, SCANNER_F_MIXED },
	{ "aws-session-token",
	  { "iqojb3jpz2lux2vj", "fwogzxivyxdz", "fqogzxivyxdz",
	    "session_token", "sessiontoken", "session-token",
	    "security-token", "security_token", "securitytoken", NULL },
	  "(?|(?<![A-Za-z0-9+/])((?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz|FQoGZXIvYXdz)"
	  "[A-Za-z0-9+/%]{80,}+={0,2})|"
	  "(?i:session[_\\-]?token|security[_\\-]?token)" SEP
	  "([A-Za-z0-9+/%]{100,}+={0,2}))",
	  4.0, 16, SCANNER_V_NONE, 0 },
	{ "github-fine-grained-pat",
	  { "github_pat_", NULL },
	  "(?<![A-Za-z0-9_])(github_pat_(?:[A-Za-z0-9]{20,}_[A-Za-z0-9]{40,}|"
	  "[A-Za-z0-9_]{82}))"
	  "(?![A-Za-z0-9_])",
	  3.5, 11, SCANNER_V_NONE, 0 },
	{ "github-token",
	  { "ghp_", "gho_", "ghu_", "ghs_", "ghr_", NULL },
	  "(?<![A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{36})(?![A-Za-z0-9_])",
	  3.0, 4, SCANNER_V_CRC32_B62, 0 },
	{ "gitlab-token",
	  { "glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "glft-",
	    "glimt-", "gloas-", "glsoat-", "glagent-", "glffct-", NULL },
	  "(?<![A-Za-z0-9_])((?:glpat|gldt|glrt|glptt|glcbt|glft|glimt|gloas|"
	  "glsoat|glagent|glffct)-[A-Za-z0-9_\\-]{20,}(?:\\.[0-9a-z]{2}[0-9a-z]{7,})?)"
	  RB,
	  3.0, 6, SCANNER_V_NONE, 0 },
	{ "stripe-key",
	  { "sk_live_", "rk_live_", "sk_test_", "rk_test_", "sk_prod_",
	    "rk_prod_", NULL },
	  "(?<![A-Za-z0-9_])((?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{20,247})"
	  "(?![A-Za-z0-9_])",
	  3.0, 8, SCANNER_V_NONE, 0 },
	{ "square-token",
	  { "eaaa", "sq0atp-", "sq0csp-", NULL },
	  "(?|" LB "(EAAA[A-Za-z0-9_\\-]{60})(?![A-Za-z0-9_\\-+/=])|"
	  "(?<![A-Za-z0-9_])(sq0(?:atp|csp)-[A-Za-z0-9_\\-]{22,43})" RB ")",
	  3.5, 4, SCANNER_V_NONE, SCANNER_F_MIXED },
	{ "shopify-token",
	  { "shpat_", "shpss_", "shpca_", "shppa_", NULL },
	  "(?<![A-Za-z0-9_])(shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32})"
	  "(?![A-Za-z0-9_])",
	  3.0, 6, SCANNER_V_NONE, 0 },
	{ "slack-webhook",
	  { "hooks.slack.com", NULL },
	  "(?|(https://hooks\\.slack\\.com/(?:services|workflows|triggers)/"
	  "T[A-Z0-9]{6,12}/[A-Z0-9]{6,12}/[A-Za-z0-9]{20,32})(?![A-Za-z0-9])|"
	  "(https://hooks\\.slack\\.com/(?:services|workflows|triggers)/"
	  "[A-Za-z0-9+/_\\-]{40,120})(?![A-Za-z0-9+/_\\-]))",
	  0, 33, SCANNER_V_NONE, 0 },
	{ "slack-token",
	  { "xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xoxe.", NULL },
	  "(?|(?<![A-Za-z0-9_])(xox[bpaesr]-[0-9]{8,14}-[0-9]{8,14}"
	  "(?:-[0-9]{8,14})?-[A-Za-z0-9]{20,64})(?![A-Za-z0-9])|"
	  "(?<![A-Za-z0-9_])(xoxe(?:\\.xox[bp])?-1-[A-Za-z0-9\\-]{60,})" RB ")",
	  3.0, 5, SCANNER_V_NONE, 0 },
	{ "telegram-bot-token",
	  { ":aa", NULL },
	  "(?<![0-9])([0-9]{8,10}:AA[A-Za-z0-9_\\-]{33})" RB,
	  3.0, 0, SCANNER_V_NONE, 0 },
	{ "discord-webhook",
	  { "discord.com/api/webhooks/", "discordapp.com/api/webhooks/",
	    NULL },
	  "(https://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/"
	  "[0-9]{17,20}/[A-Za-z0-9_\\-]{60,68})" RB,
	  0, 33, SCANNER_V_NONE, 0 },
	{ "google-api-key",
	  { "aiza", NULL },
	  LB "(AIza[0-9A-Za-z_\\-]{35})" RB,
	  3.0, 4, SCANNER_V_NONE, 0 },
	{ "azure-storage-key",
	  { "accountkey=", "storage_key", "storagekey", "storage-key",
	    "storage_account_key", "storageaccountkey", NULL },
	  "(?|AccountKey=([A-Za-z0-9+/]{86}==)|"
	  "(?i:storage[_\\-]?(?:account[_\\-]?)?key)" SEP
	  "([A-Za-z0-9+/]{86}==))",
	  4.0, 0, SCANNER_V_NONE, 0 },
	{ "azure-sas-token",
	  { "sig=", NULL },
	  "(?|[?&](?:sv|ss|srt|sp|se|st|spr|sr|sip|skoid)=[^\\s\"'<>]{0,600}?"
	  "[?&]sig=([A-Za-z0-9%+/=]{30,120})|"
	  "[?&]sig=([A-Za-z0-9%+/=]{30,120})(?=&(?:sv|ss|srt|sp|se|st|spr|sr)=))"
	  "(?![A-Za-z0-9%+/=])",
	  3.5, 0, SCANNER_V_NONE, 0 },
	{ "twilio-auth-token",
	  { "twilio", NULL },
	  "(?|AC[0-9a-f]{32}:([0-9a-f]{32})@|"
	  "(?i:twilio[_\\-]?auth[_\\-]?token|twilio[_\\-]?token)" SEP
	  "([0-9a-f]{32})(?![A-Za-z0-9]))",
	  3.0, 0, SCANNER_V_NONE, 0 },
	{ "twilio-api-key",
	  { "twilio", "accountsid", "account_sid", "apikey", "api_key",
	    "api-key", NULL },
	  "(?<![A-Za-z0-9])(SK[0-9a-f]{32})(?![A-Za-z0-9])",
	  3.0, 2, SCANNER_V_NONE, 0 },
	{ "twilio-api-secret",
	  { "apisecret", "api_secret", "api-secret", NULL },
	  "(?i:api[_\\-]?secret)" SEP "([A-Za-z0-9]{32})(?![A-Za-z0-9])",
	  3.5, 0, SCANNER_V_NONE, SCANNER_F_MIXED },
	{ "sendgrid-api-key",
	  { "sg.", NULL },
	  "(?<![A-Za-z0-9_])(SG\\.[A-Za-z0-9_\\-]{16,32}\\.[A-Za-z0-9_\\-]{16,64})"
	  RB,
	  3.5, 3, SCANNER_V_NONE, 0 },
	{ "mailgun-api-key",
	  { "key-", "mailgun", NULL },
	  "(?|(?<![A-Za-z0-9_\\-])(key-[0-9a-f]{32})(?![A-Za-z0-9])|"
	  "(?<![0-9A-Za-z])([0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})"
	  "(?![A-Za-z0-9\\-]))",
	  3.0, 0, SCANNER_V_NONE, 0 },
	{ "npm-token",
	  { "npm_", NULL },
	  "(?<![A-Za-z0-9_])(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9_])",
	  3.0, 4, SCANNER_V_CRC32_B62, 0 },
	{ "pypi-token",
	  { "pypi-ag", NULL },
	  "(?<![A-Za-z0-9_])(pypi-Ag[EI][A-Za-z0-9]{12,}[A-Za-z0-9_\\-]{40,})" RB,
	  3.5, 5, SCANNER_V_NONE, 0 },
	{ "anthropic-api-key",
	  { "sk-ant-", NULL },
	  "(?<![A-Za-z0-9_])(sk-ant-(?:api|admin|sid|oat|ort)[0-9]{2}-"
	  "[A-Za-z0-9_\\-]{93}AA)" RB,
	  3.5, 14, SCANNER_V_NONE, 0 },
	{ "openai-api-key",
	  { "t3blbkfj", NULL },
	  "(?<![A-Za-z0-9_])(sk-(?:[a-z]{3,8}-)?[A-Za-z0-9_\\-]{16,200}"
	  "T3BlbkFJ[A-Za-z0-9_\\-]{16,200})" RB,
	  3.5, 3, SCANNER_V_NONE, 0 },
	{ "huggingface-token",
	  { "hf_", NULL },
	  "(?<![A-Za-z0-9_])(hf_[A-Za-z0-9]{34,40})(?![A-Za-z0-9_])",
	  3.5, 3, SCANNER_V_NONE, SCANNER_F_MIXED },
	{ "vault-token",
	  { "hvs.", "hvb.", "vault", NULL },
	  "(?|(?<![A-Za-z0-9_])(hv[sb]\\.[A-Za-z0-9_\\-]{90,})" RB "|"
	  "(?i:vault[_\\-]?token)" SEP "(s\\.[A-Za-z0-9]{24})(?![A-Za-z0-9]))",
	  3.5, 4, SCANNER_V_NONE, 0 },
	{ "heroku-api-key",
	  { "hrku-", "heroku", NULL },
	  "(?|(?<![A-Za-z0-9_])(HRKU-[A-Za-z0-9_\\-]{60})" RB "|"
	  "(?i:heroku[_\\-]?(?:api[_\\-]?)?(?:key|token))" SEP
	  "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
	  "(?![A-Za-z0-9]))",
	  3.0, 0, SCANNER_V_NONE, 0 },
	{ "datadog-api-key",
	  { "dd_api", "ddapi", "dd-api", "dd_app", "ddapp", "dd-app",
	    "datadog", NULL },
	  "(?|(?i:(?:dd|datadog)[_\\-]?(?:api|app(?:lication)?)[_\\-]?key)" SEP
	  "([a-f0-9]{40}|[a-f0-9]{32})|"
	  "datadoghq\\.(?:com|eu)[^\\s\"']{0,200}?[?&](?:api_key|"
	  "application_key|dd-api-key)=([a-f0-9]{40}|[a-f0-9]{32}))"
	  "(?![A-Za-z0-9])",
	  3.0, 0, SCANNER_V_NONE, 0 },
	{ "pagerduty-api-key",
	  { "pagerduty", "pd_api", "pd-api", "pdapi", "pd_token",
	    "token token=", NULL },
	  "(?|(?i:(?:pagerduty|pd)[_\\-]?(?:api[_\\-]?)?(?:key|token))" SEP
	  "([A-Za-z0-9+_\\-]{20})|Token token=([A-Za-z0-9+_\\-]{20}))"
	  "(?![A-Za-z0-9+_\\-])",
	  3.0, 0, SCANNER_V_NONE, 0 },
	/*
	 * Vendor formats with a fixed prefix (each from the vendor's token
	 * documentation: prefix, alphabet, length).
	 */
	{ "slack-app-token",
	  { "xapp-", NULL },
	  LB "(xapp-[0-9]-[A-Z0-9]{9,12}-[0-9]{10,14}-[a-z0-9]{64})" RB,
	  3.0, 5, SCANNER_V_NONE, 0 },
	{ "slack-legacy-token",
	  { "xoxb-", "xoxs-", "xoxo-", "xoxa-", "xoxr-", NULL },
	  "(?|" LB "(xoxb-[0-9]{8,14}-[A-Za-z0-9]{18,26})" RB "|"
	  LB "(xox[os]-[0-9]{3,14}-[0-9]{3,14}-[0-9]{3,14}-[a-fA-F0-9]{10,64})"
	  RB "|" LB "(xox[ar]-(?:[0-9]-)?[A-Za-z0-9]{8,48}"
	  "(?:-[A-Za-z0-9]{3,48}){0,4})" RB ")",
	  3.0, 5, SCANNER_V_NONE, 0 },
	{ "discord-bot-token",
	  { "discord", "bot ", NULL },
	  "(?<![A-Za-z0-9_\\-.])([MNO][A-Za-z0-9_\\-]{23,27}\\.[A-Za-z0-9_\\-]{6}"
	  "\\.[A-Za-z0-9_\\-]{27,38})" RB,
	  3.5, 0, SCANNER_V_NONE, SCANNER_F_MIXED },
	{ "onepassword-secret-key",
	  { "a3-", NULL },
	  "(?<![A-Za-z0-9\\-])(A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-"
	  "[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5})(?![A-Za-z0-9\\-])",
	  3.0, 3, SCANNER_V_NONE, 0 },
	{ "onepassword-service-account-token",
	  { "ops_eyj", NULL },
	  LB "(ops_eyJ[A-Za-z0-9+/_\\-]{250,}={0,2})" B64E,
	  4.0, 4, SCANNER_V_NONE, 0 },
	{ "adafruit-io-key",
	  { "aio_", NULL },
	  LB "(aio_[A-Za-z0-9]{28})" RB,
	  3.0, 4, SCANNER_V_NONE, SCANNER_F_MIXED },
	{ "adobe-client-secret",
	  { "p8e-", NULL },
	  LB "(p8e-[A-Za-z0-9]{32})" RB,
	  3.0, 4, SCANNER_V_NONE, 0 },
	{ "age-secret-key",
	  { "age-secret-key-1", NULL },
	  "(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})" RB,
	  0, 16, SCANNER_V_NONE, 0 },
	{ "airtable-token",
	  { "airtable", NULL },
	  "(?|" KV("airtable") "(key[A-Za-z0-9]{14}|[A-Za-z0-9]{17})" KE "|"
	  LB "(pat[A-Za-z0-9]{14}\\.[a-f0-9]{64})" RB ")",
	  3.0, 0, SCANNER_V_NONE, 0 },
	{ "alibaba-access-key-id",
	  { "ltai", NULL },
	  LB "(LTAI[A-Za-z0-9]{12,20})" RB,
	  3.0, 4, SCANNER_V_NONE, SCANNER_F_MIXED },
	{ "artifactory-token",
	  { "akcp", "cmvmd", NULL },
	  "(?|" LB "(AKCp[A-Za-z0-9]{69})" RB "|" LB "(cmVmd[A-Za-z0-9]{59})" RB
	  ")",
	  3.5, 4, SCANNER_V_NONE, 0 },
	{ "atlassian-api-token",
	  { "atatt3", "atlassian", "confluence", "jira", NULL },
	  "(?|" LB "(ATATT3[A-Za-z0-9_\\-=]{186})" RB "|"
	  KV("atlassian|confluence|jira") "([A-Za-z0-9]{24})" KE ")",
	  3.0, 0, SCANNER_V_NONE, SCANNER_F_DIGIT },
	{ "authress-access-key",
	  { ".acc_", ".acc-", NULL },
	  LB "((?:sc|ext|scauth|authress)_[a-z0-9]{5,30}\\.[a-z0-9]{4,6}\\."
	  "acc[_\\-][a-z0-9\\-]{10,32}\\.[a-z0-9+/_=\\-]{30,120})"
	  "(?![A-Za-z0-9+/_=\\-])",
	  3.5, 0, SCANNER_V_NONE, 0 },
	{ "aws-bedrock-api-key",
	  { "absk", "bedrock-api-key-", NULL },
	  "(?|" LB "(ABSK[A-Za-z0-9+/]{100,}={0,2})" B64E "|"
	  LB "(bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t"
	  "[A-Za-z0-9+/%_\\-]*={0,2})" B64E ")",
	  3.0, 4, SCANNER_V_NONE, 0 },
	{ "azure-ad-client-secret",
	  { "0q~", "1q~", "2q~", "3q~", "4q~", "5q~", "6q~", "7q~", "8q~",
	    "9q~", NULL },
	  "(?<![A-Za-z0-9_~.\\-])([A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.\\-]{31,34})"
	  "(?![A-Za-z0-9_~.\\-])",
	  3.0, 0, SCANNER_V_NONE, 0 },
	{ "bitbucket-app-password",
	  { "atbb", NULL },
	  LB "(ATBB[A-Za-z0-9_=.\\-]{28,36})" RB,
	  3.5, 4, SCANNER_V_NONE, 0 },
	{ "clickhouse-cloud-api-secret",
	  { "4b1d", NULL },
	  LB "(4b1d[A-Za-z0-9]{38})" RB,
	  3.5, 4, SCANNER_V_NONE, SCANNER_F_MIXED },
	{ "clojars-api-token",
	  { "clojars_", NULL },
	  LB "(CLOJARS_[a-z0-9]{60})" RB,
	  3.0, 8, SCANNER_V_NONE, 0 },
	{ "cloudflare-origin-ca-key",
	  { "v1.0-", NULL },
	  LB "(v1\\.0-[a-f0-9]{24}-[a-f0-9]{146})" RB,
	  3.0, 5, SCANNER_V_NONE, 0 },
	{ "databricks-api-token",
	  { "dapi", NULL },
	  LB "(dapi[a-f0-9]{32}(?:-[0-9])?)" RB,
	  3.0, 4, SCANNER_V_NONE, 0 },
	{ "defined-networking-api-token",
	  { "dnkey-", NULL },
	  LB "(dnkey-[a-z0-9=_\\-]{26}-[a-z0-9=_\\-]{52})" RB,
	  3.0, 6, SCANNER_V_NONE, 0 },
	{ "digitalocean-token",
	  { "doo_v1_", "dop_v1_", "dor_v1_", NULL },
	  LB "(do[opr]_v1_[a-f0-9]{64})" RB,
	  3.0, 7, SCANNER_V_NONE, 0 },
	{ "doppler-token",
	  { "dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit.",
	    NULL },
	  LB "(dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9_.\\-]{40,50})" RB,
	  3.0, 6, SCANNER_V_NONE, 0 },
	{ "dropbox-token",
	  { "sl.", "aaaaaaaaaa", NULL },
	  "(?|" LB "(sl\\.[A-Za-z0-9_\\-]{130,152})" RB "|"
	  LB "([a-z0-9]{11}AAAAAAAAAA[A-Za-z0-9_=\\-]{43})" RB ")",
	  3.5, 0, SCANNER_V_NONE, 0 },
	{ "duffel-api-token",
	  { "duffel_test_", "duffel_live_", NULL },
	  LB "(duffel_(?:test|live)_[A-Za-z0-9_=\\-]{43})" RB,
	  3.0, 12, SCANNER_V_NONE, 0 },
	{ "dynatrace-api-token",
	  { "dt0c01.", "dt0s01.", "dt0s02.", NULL },
	  LB "(dt0[cs]0[12]\\.[A-Za-z0-9]{24}\\.[A-Za-z0-9]{64})" RB,
	  3.0, 7, SCANNER_V_NONE, 0 },
	{ "easypost-api-key",
	  { "ezak", "eztk", NULL },
	  LB "(EZ[AT]K[A-Za-z0-9]{54})" RB,
	  3.5, 4, SCANNER_V_NONE, 0 },
	{ "facebook-access-token",
	  { "facebook", "eaam", "eaac", NULL },
	  "(?|" LB "(EAA[MC][A-Za-z0-9]{100,})" RB "|"
	  "(?<![0-9])([0-9]{15,16}(?:\\||%7C)[A-Za-z0-9_\\-]{27})" RB ")",
	  3.5, 0, SCANNER_V_NONE, SCANNER_F_MIXED },
	{ "flutterwave-key",
	  { "flwseck", "flwpubk", NULL },
	  LB "((?:FLWSECK|FLWPUBK)(?:_TEST)?-(?:[a-h0-9]{32}-X|[a-h0-9]{12}))"
	  RB,
	  3.0, 8, SCANNER_V_NONE, 0 },
	{ "flyio-token",
	  { "fo1_", "fm1r_", "fm1a_", "fm2_", NULL },
	  "(?|" LB "(fo1_[A-Za-z0-9_\\-]{43})" RB "|"
	  "(?<![A-Za-z0-9_\\-+/])((?:fm1[ar]|fm2)_[A-Za-z0-9+/]{100,}={0,3}"
	  "(?:,fm2_[A-Za-z0-9+/]{50,}={0,3})*)" B64E ")",
	  3.5, 4, SCANNER_V_NONE, 0 },
	{ "frameio-api-token",
	  { "fio-u-", NULL },
	  LB "(fio-u-[A-Za-z0-9_=\\-]{64})" RB,
	  3.0, 6, SCANNER_V_NONE, 0 },
	{ "grafana-token",
	  { "eyjrijoi", "glc_", "glsa_", NULL },
	  "(?|" LB "(eyJrIjoi[A-Za-z0-9]{70,400}={0,2})" B64E "|"
	  LB "(glc_[A-Za-z0-9+/]{32,400}={0,2})" B64E "|"
	  LB "(glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})" RB ")",
	  3.0, 4, SCANNER_V_NONE, 0 },
	{ "harness-api-key",
	  { "pat.", "sat.", NULL },
	  LB "((?:pat|sat)\\.[A-Za-z0-9_\\-]{22}\\.[A-Za-z0-9]{24}\\."
	  "[A-Za-z0-9]{20})" RB,
	  3.0, 4, SCANNER_V_NONE, 0 },
	{ "hashicorp-tf-api-token",
	  { ".atlasv1.", NULL },
	  LB "([A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=\\-]{60,70})" RB,
	  3.5, 0, SCANNER_V_NONE, 0 },
	{ "huggingface-org-token",
	  { "api_org_", NULL },
	  LB "(api_org_[A-Za-z]{34})" RB,
	  3.5, 8, SCANNER_V_NONE, 0 },
	{ "infracost-api-token",
	  { "ico-", NULL },
	  "(?<![A-Za-z0-9_\\-+/.])(ico-[A-Za-z0-9]{32})" RB,
	  3.5, 4, SCANNER_V_NONE, SCANNER_F_MIXED },
	{ "intra42-client-secret",
	  { "s-s4t2ud-", "s-s4t2af-", NULL },
	  LB "(s-s4t2(?:ud|af)-[a-f0-9]{64})" RB,
	  3.0, 9, SCANNER_V_NONE, 0 },
	{ "linear-api-key",
	  { "lin_api_", NULL },
	  LB "(lin_api_[A-Za-z0-9]{40})" RB,
	  3.0, 8, SCANNER_V_NONE, 0 },
	{ "lob-api-key",
	  { "lob", NULL },
	  KV("lob") "((?:live|test)_(?:pub_[a-f0-9]{31}|[a-f0-9]{35}))" KE,
	  3.0, 5, SCANNER_V_NONE, 0 },
	{ "mailchimp-api-key",
	  { "-us1", "-us2", "-us3", "-us4", "-us5", "-us6", "-us7", "-us8",
	    "-us9", NULL },
	  "(?<![A-Za-z0-9])([a-f0-9]{32}-us[0-9]{1,2})(?![A-Za-z0-9])",
	  3.0, 0, SCANNER_V_NONE, 0 },
	{ "mailgun-public-key",
	  { "pubkey-", NULL },
	  LB "(pubkey-[a-f0-9]{32})" RB,
	  3.0, 7, SCANNER_V_NONE, 0 },
	{ "mapbox-token",
	  { "mapbox", "pk.eyj", "sk.eyj", "tk.eyj", NULL },
	  "(?|" LB "([pst]k\\.eyJ[A-Za-z0-9_\\-]{20,}\\.[A-Za-z0-9_\\-]{22})" RB "|"
	  KV("mapbox") "((?:pk|sk)\\.[a-z0-9]{60}\\.[a-z0-9]{22})" KE ")",
	  3.0, 3, SCANNER_V_NONE, 0 },
	{ "maxmind-license-key",
	  { "_mmk", NULL },
	  LB "([A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk)" RB,
	  3.0, 0, SCANNER_V_NONE, 0 },
	{ "microsoft-teams-webhook",
	  { ".webhook.office.com", "logic.azure.com", NULL },
	  "(https://[A-Za-z0-9\\-]+\\.webhook\\.office\\.com/webhookb2/"
	  "[A-Za-z0-9\\-]{36}@[A-Za-z0-9\\-]{36}/IncomingWebhook/[A-Za-z0-9]{32}/"
	  "[A-Za-z0-9\\-]{36}(?:/[A-Za-z0-9\\-]{20,})?)" RB,
	  0, 0, SCANNER_V_NONE, 0 },
	{ "new-relic-key",
	  { "nrjs-", "nrii-", "nrak-", "nraa-", NULL },
	  LB "(NRJS-[a-f0-9]{19}|NRII-[A-Za-z0-9\\-]{32}|NRA[AK]-[A-Za-z0-9]{27})"
	  RB,
	  3.0, 5, SCANNER_V_NONE, 0 },
	{ "notion-api-token",
	  { "ntn_", NULL },
	  LB "(ntn_[0-9]{11}[A-Za-z0-9]{35})" RB,
	  3.5, 4, SCANNER_V_NONE, 0 },
	{ "nuget-config-password",
	  { "cleartextpassword", NULL },
	  "<add\\s+key=\"ClearTextPassword\"\\s+value=\"([^\"%$]{1,128})\"",
	  0, 0, SCANNER_V_PASSWORD, 0 },
	{ "octopus-deploy-api-key",
	  { "api-", NULL },
	  "(?<![A-Za-z0-9_\\-])(API-[A-Z0-9]{26})(?![A-Za-z0-9_\\-])",
	  3.0, 4, SCANNER_V_NONE, 0 },
	{ "openshift-user-token",
	  { "sha256~", NULL },
	  "(?<![A-Za-z0-9_~])(sha256~[A-Za-z0-9_\\-]{43})" RB,
	  3.5, 7, SCANNER_V_NONE, 0 },
	{ "perplexity-api-key",
	  { "pplx-", NULL },
	  LB "(pplx-[A-Za-z0-9]{48})" RB,
	  3.5, 5, SCANNER_V_NONE, 0 },
	{ "plaid-access-token",
	  { "access-sandbox-", "access-development-", "access-production-",
	    NULL },
	  LB "(access-(?:sandbox|development|production)-" UUID ")" RB,
	  3.0, 0, SCANNER_V_NONE, 0 },
	{ "planetscale-token",
	  { "pscale_tkn_", "pscale_oauth_", "pscale_pw_", NULL },
	  LB "(pscale_(?:tkn|oauth|pw)_[A-Za-z0-9=_.\\-]{32,64})" RB,
	  3.0, 7, SCANNER_V_NONE, 0 },
	{ "postman-api-token",
	  { "pmak-", NULL },
	  LB "(PMAK-[a-f0-9]{24}-[a-f0-9]{34})" RB,
	  3.0, 5, SCANNER_V_NONE, 0 },
	{ "prefect-api-token",
	  { "pnu_", NULL },
	  LB "(pnu_[A-Za-z0-9]{36})" RB,
	  3.0, 4, SCANNER_V_NONE, 0 },
	{ "pulumi-api-token",
	  { "pul-", NULL },
	  LB "(pul-[a-f0-9]{40})" RB,
	  3.0, 4, SCANNER_V_NONE, 0 },
	{ "readme-api-token",
	  { "rdme_", NULL },
	  LB "(rdme_[a-z0-9]{70})" RB,
	  3.0, 5, SCANNER_V_NONE, 0 },
	{ "rubygems-api-token",
	  { "rubygems_", NULL },
	  LB "(rubygems_[a-f0-9]{48})" RB,
	  3.0, 9, SCANNER_V_NONE, 0 },
	{ "scalingo-api-token",
	  { "tk-us-", NULL },
	  LB "(tk-us-[A-Za-z0-9_\\-]{48})" RB,
	  3.0, 6, SCANNER_V_NONE, 0 },
	{ "sendinblue-api-key",
	  { "xkeysib-", "xsmtpsib-", NULL },
	  LB "(x(?:keysib|smtpsib)-[a-f0-9]{64}-[A-Za-z0-9]{16})" RB,
	  3.0, 8, SCANNER_V_NONE, 0 },
	{ "sentry-token",
	  { "sntrys_eyj", "sntryu_", NULL },
	  "(?|" LB "(sntrys_eyJ[A-Za-z0-9+/=]{60,}_[A-Za-z0-9+/]{43})"
	  "(?![A-Za-z0-9+/_])|" LB "(sntryu_[a-f0-9]{64})" RB ")",
	  3.5, 7, SCANNER_V_NONE, 0 },
	{ "settlemint-token",
	  { "sm_aat_", "sm_pat_", "sm_sat_", NULL },
	  LB "(sm_[aps]at_[a-z0-9]{16})" RB,
	  3.0, 7, SCANNER_V_NONE, 0 },
	{ "shippo-api-token",
	  { "shippo_live_", "shippo_test_", NULL },
	  LB "(shippo_(?:live|test)_[a-f0-9]{40})" RB,
	  3.0, 12, SCANNER_V_NONE, 0 },
	{ "sidekiq-secret",
	  { "contribsys__com", NULL },
	  "BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM" SEPK
	  "([a-f0-9]{8}:[a-f0-9]{8})(?![A-Za-z0-9])",
	  0, 0, SCANNER_V_NONE, 0 },
	{ "sourcegraph-token",
	  { "sgp_", "sourcegraph", NULL },
	  "(?|" LB "(sgp_(?:(?:[a-fA-F0-9]{16}|local)_)?[a-fA-F0-9]{40})" RB "|"
	  KV("sourcegraph") "([a-fA-F0-9]{40})" KE ")",
	  3.0, 0, SCANNER_V_NONE, 0 },	/* prefix 0: the second form has none */
	{ "twitter-bearer-token",
	  { "aaaaaaaaaaaaaaaaaaaaaa", NULL },
	  "(?<![A-Za-z0-9])(A{22}[A-Za-z0-9%]{80,100})(?![A-Za-z0-9%])",
	  3.5, 22, SCANNER_V_NONE, 0 },
	{ "typeform-api-token",
	  { "tfp_", NULL },
	  LB "(tfp_[A-Za-z0-9_.=\\-]{59})" RB,
	  3.0, 4, SCANNER_V_NONE, 0 },
	{ "yandex-token",
	  { "aqvn", "t1.", "yandex", NULL },
	  "(?|" LB "(AQVN[A-Za-z0-9_\\-]{35,38})" RB "|"
	  LB "(t1\\.[A-Za-z0-9_\\-]+={0,2}\\.[A-Za-z0-9_\\-]{86}={0,2})"
	  "(?![A-Za-z0-9_\\-=])|"
	  "(?<![A-Za-z0-9_\\-])(YC[A-Za-z0-9_\\-]{38})" RB ")",
	  3.5, 0, SCANNER_V_NONE, SCANNER_F_MIXED },
	{ "gitlab-session-cookie",
	  { "_gitlab_session=", NULL },
	  "_gitlab_session=([0-9a-z]{32})(?![A-Za-z0-9])",
	  3.0, 0, SCANNER_V_NONE, 0 },
	{ "gitlab-runner-registration-token",
	  { "gr1348941", NULL },
	  LB "(GR1348941[A-Za-z0-9_\\-]{20})" RB,
	  3.0, 9, SCANNER_V_NONE, 0 },
	{ "jwt-base64",
	  { "zxlk", NULL },
	  "(?<![A-Za-z0-9+/])(ZXlK[A-Za-z0-9+/]{40,}={0,2})(?![A-Za-z0-9+/=])",
	  0, 0, SCANNER_V_JWT_B64, 0 },
	/*
	 * Formats without a prefix: the vendor's name must name the value
	 * (KV), and the value has the vendor's alphabet and length.
	 */
	KVR("adafruit-api-key", "adafruit",
	    "[A-Za-z0-9_\\-]{32}", 3.0,
	    "adafruit"),
	KVR("adobe-client-id", "adobe", "[a-f0-9]{32}", 3.0, "adobe"),
	KVR("algolia-api-key", "algolia", "[a-f0-9]{32}", 3.0, "algolia"),
	KVR("alibaba-secret-key", "alibaba", "[A-Za-z0-9]{30}", 3.0, "alibaba"),
	KVR("asana-token", "asana",
	    "[0-9]{16}|[a-z0-9]{32}|[0-9]/[0-9]{10,16}:[a-f0-9]{32}", 2.5,
	    "asana"),
	KVR("beamer-api-token", "beamer",
	    "b_[A-Za-z0-9=_\\-]{44}", 3.0,
	    "beamer"),
	KVR("bitbucket-client", "bitbucket",
	    "[a-z0-9]{32}|[A-Za-z0-9=_\\-]{64}", 3.0,
	    "bitbucket"),
	KVR("bittrex-key", "bittrex", "[a-z0-9]{32}", 3.0, "bittrex"),
	KVR("cisco-meraki-api-key", "meraki", "[a-f0-9]{40}", 3.0, "meraki"),
	KVR("cloudflare-api-key", "cloudflare",
	    "[A-Za-z0-9_\\-]{40}|[a-f0-9]{37}", 3.0,
	    "cloudflare"),
	KVR("codecov-access-token", "codecov", "[a-z0-9]{32}", 3.0, "codecov"),
	KVR("cohere-api-token", "cohere|co_api_key",
	    "[A-Za-z0-9]{40}", 3.5,
	    "cohere", "co_api_key"),
	KVR("coinbase-access-token", "coinbase",
	    "[A-Za-z0-9_\\-]{64}", 3.0,
	    "coinbase"),
	KVR("confluent-key", "confluent",
	    "[A-Za-z0-9]{16}|[A-Za-z0-9+/]{64}", 3.0,
	    "confluent"),
	KVR("contentful-api-token", "contentful",
	    "[A-Za-z0-9=_\\-]{43}", 3.0,
	    "contentful"),
	KVR("datadog-access-token", "datadog", "[a-z0-9]{40}", 3.0, "datadog"),
	KVR("discord-api-token", "discord",
	    "[a-f0-9]{64}|[0-9]{17,19}|[A-Za-z0-9=_\\-]{32}", 2.5,
	    "discord"),
	KVR("droneci-access-token", "drone|droneci",
	    "[a-z0-9]{32}", 3.0,
	    "drone"),
	KVR("dropbox-app-key", "dropbox", "[a-z0-9]{15}", 3.0, "dropbox"),
	KVR("etsy-access-token", "etsy", "[a-z0-9]{24}", 3.0, "etsy"),
	KVR("facebook-secret", "facebook", "[a-f0-9]{32}", 3.0, "facebook"),
	KVR("fastly-api-token", "fastly",
	    "[A-Za-z0-9=_\\-]{32}", 3.0,
	    "fastly"),
	KVR("finicity-token", "finicity",
	    "[a-f0-9]{32}|[a-z0-9]{20}", 3.0,
	    "finicity"),
	KVR("finnhub-access-token", "finnhub", "[a-z0-9]{20}", 3.0, "finnhub"),
	KVR("flickr-access-token", "flickr", "[a-z0-9]{32}", 3.0, "flickr"),
	KVR("freshbooks-access-token", "freshbooks",
	    "[a-z0-9]{64}", 3.0,
	    "freshbooks"),
	KVR("gitter-access-token", "gitter",
	    "[A-Za-z0-9_\\-]{40}", 3.0,
	    "gitter"),
	KVR("gocardless-api-token", "gocardless",
	    "live_[A-Za-z0-9_=\\-]{40}", 3.0,
	    "gocardless"),
	KVR("hubspot-api-key", "hubspot",
	    "pat-(?:na|eu)[0-9]-" UUIDI "|" UUIDI, 3.0,
	    "hubspot"),
	KVR("intercom-api-key", "intercom",
	    "[A-Za-z0-9=_\\-]{60}", 3.0,
	    "intercom"),
	KVR("jfrog-identity-token", "jfrog|artifactory|bintray",
	    "[a-z0-9]{64}|[a-z0-9]{73}", 3.0,
	    "jfrog", "artifactory", "bintray"),
	KVR("kraken-access-token", "kraken",
	    "[A-Za-z0-9/=_+\\-]{80,90}", 3.5,
	    "kraken"),
	KVR("kucoin-key", "kucoin", "[a-f0-9]{24}|" UUID, 3.0, "kucoin"),
	KVR("launchdarkly-access-token", "launchdarkly",
	    "(?:api|sdk)-" UUID "|[A-Za-z0-9=_\\-]{40}", 3.0,
	    "launchdarkly"),
	KVR("linear-client-secret", "linear", "[a-f0-9]{32}", 3.0, "linear"),
	KVR("linkedin-client", "linkedin|linked-in",
	    "[a-z0-9]{14}|[a-z0-9]{16}", 3.0,
	    "linkedin", "linked-in"),
	KVR("looker-client", "looker",
	    "[A-Za-z0-9]{20}|[A-Za-z0-9]{24}", 3.0,
	    "looker"),
	KVR("mattermost-access-token", "mattermost",
	    "[a-z0-9]{26}", 3.0,
	    "mattermost"),
	KVR("messagebird-api-token", "messagebird|message-bird|message_bird",
	    "[a-z0-9]{25}|" UUIDI, 3.0,
	    "messagebird", "message-bird", "message_bird"),
	KVR("netlify-access-token", "netlify",
	    "[A-Za-z0-9=_\\-]{40,46}", 3.0,
	    "netlify"),
	KVR("new-relic-user-api-id", "newrelic|new-relic|new_relic",
	    "[a-z0-9]{64}", 3.0,
	    "newrelic", "new-relic", "new_relic"),
	KVR("nytimes-access-token", "nytimes|new-york-times|newyorktimes",
	    "[A-Za-z0-9=_\\-]{32}", 3.0,
	    "nytimes", "new-york-times", "newyorktimes"),
	KVR("okta-access-token", "okta", "00[A-Za-z0-9=_\\-]{40}", 3.5, "okta"),
	KVR("plaid-key", "plaid", "[a-z0-9]{24}|[a-z0-9]{30}", 3.0, "plaid"),
	KVR("privateai-api-token", "private[_\\-]?ai",
	    "[a-z0-9]{32}", 3.0,
	    "privateai", "private_ai", "private-ai"),
	KVR("rapidapi-access-token", "rapidapi",
	    "[A-Za-z0-9_\\-]{50}", 3.0,
	    "rapidapi"),
	KVR("sendbird-token", "sendbird",
	    "[a-f0-9]{40}|" UUID, 3.0,
	    "sendbird"),
	KVR("sentry-access-token", "sentry", "[a-f0-9]{64}", 3.0, "sentry"),
	KVR("snyk-api-token", "snyk", UUIDI, 3.0, "snyk"),
	KVR("sonar-api-token", "sonar",
	    "(?:squ_|sqp_|sqa_)?[A-Za-z0-9]{40}", 3.0,
	    "sonar"),
	KVR("squarespace-access-token", "squarespace",
	    UUID, 3.0,
	    "squarespace"),
	KVR("sumologic-key", "sumo|sumologic",
	    "su[A-Za-z0-9]{12}|[A-Za-z0-9]{64}", 3.0,
	    "sumo"),
	KVR("travisci-access-token", "travis|travisci",
	    "[a-z0-9]{22}", 3.0,
	    "travis"),
	KVR("trello-access-token", "trello", "[A-Za-z0-9]{32}", 3.0, "trello"),
	KVR("twitch-api-token", "twitch", "[a-z0-9]{30}", 3.0, "twitch"),
	KVR("twitter-token", "twitter",
	    "[0-9]{15,25}-[A-Za-z0-9]{20,40}|"
	    "[a-z0-9]{50}|[a-z0-9]{45}|[a-z0-9]{25}", 3.0,
	    "twitter"),
	KVR("zendesk-secret-key", "zendesk", "[a-z0-9]{40}", 3.0, "zendesk"),
	/* Any id:secret after "telegram" is claimed, only the format reported. */
	{ "telegram-bot-token-kv",
	  { "telegram", NULL },
	  KV("telegram") "([0-9]{1,20}:[A-Za-z0-9_\\-]{1,120})" KE,
	  3.0, 0, SCANNER_V_TELEGRAM, 0 },
	KVR("heroku-api-key-kv", "heroku", UUID, 3.0, "heroku"),
	KVR("cloudflare-global-key", "x-auth-key",
	    "[a-f0-9]{37}", 3.0,
	    "x-auth-key"),
	{ "jwt",
	  { "eyj", NULL },
	  LB "(eyJ[A-Za-z0-9_\\-]{10,}\\.eyJ[A-Za-z0-9_\\-]{10,}\\."
	  "[A-Za-z0-9_\\-]{16,})" RB,
	  0, 0, SCANNER_V_JWT, 0 },
	{ "basic-auth-header",
	  { "basic ", NULL },
	  "(?i:authorization)\\\\{0,2}[\"']?\\s*[:=]\\s*\\\\{0,2}[\"']?\\s*"
	  "(?i:basic)\\s+([A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])",
	  0, 0, SCANNER_V_BASIC, 0 },
	{ "curl-auth",
	  { "curl", NULL },
	  "(?|curl\\b[^\\n]{0,300}?\\s(?:-u|--user)\\s*[\"']?[^\\s:\"']{0,64}:"
	  "([^\\s\"']{3,128})|"
	  "curl\\b[^\\n]{0,300}?\\s(?:-H|--header)\\s*[\"']"
	  "(?i:authorization:\\s*(?:bearer|token|basic)\\s+|"
	  "x-[a-z\\-]{0,20}(?:api-?key|token):\\s*)"
	  "([^\\s\"']{8,512}))",
	  0, 0, SCANNER_V_PASSWORD, 0 },
	{ "db-connection-password",
	  { "postgres", "mysql", "mariadb", "mongodb", "redis", "amqp",
	    "mssql", "sqlserver", "jdbc:", "oracle", "cockroach", "clickhouse",
	    "server=", "data source=", NULL },
	  "(?|(?i:(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\\+srv)?|rediss?|"
	  "amqps?|mssql|sqlserver|oracle|cockroachdb|clickhouse|couchdb|"
	  "neo4j)://)[^:/\\s@\"'<>]{0,64}:([^@\\s\"'<>/]{1,128})@|"
	  "(?i:jdbc:[a-z0-9]+:[^\\s\"']{0,300}?[?&;]password=)"
	  "([^&;\\s\"']{1,128})|"
	  "(?i:(?:server|data source|host)=[^\"']{0,300}?;\\s*"
	  "(?:password|pwd)=)([^;\"'\\s]{1,128}))",
	  0, 0, SCANNER_V_PASSWORD, 0 },
	{ "basic-auth-url",
	  { "://", NULL },
	  "(?i:https?|ftps?|sftp|ssh|git|smtps?|ldaps?|socks5h?|wss?)://"
	  "[^:/\\s@\"'<>]{1,64}:([^@\\s\"'<>/]{1,128})@[A-Za-z0-9.\\-\\[]",
	  0, 0, SCANNER_V_PASSWORD, SCANNER_F_GENERIC },
	{ "generic-password",
	  { "password", "passwd", "pwd", "passwort", NULL },
	  "(?i:(?:password|passwd|passwort|pwd))" SEPK
	  QVAL("4,128"),
	  2.0, 0, SCANNER_V_PASSWORD, SCANNER_F_GENERIC },
	{ "generic-api-key",
	  { "api_key", "apikey", "api-key", "api.key", "secret_key",
	    "secretkey", "secret-key", "access_token", "accesstoken",
	    "access-token", "auth_token", "authtoken", "auth-token",
	    "client_secret", "clientsecret", "client-secret", "app_secret",
	    "appsecret", "app-secret", "webhook_secret", "webhooksecret",
	    "webhook-secret", "signing_secret", "signingsecret",
	    "refresh_token", "refreshtoken", "api_token", "apitoken",
	    "api-token", "bearer_token", "private_token", "privatetoken",
	    "secret_token", "secrettoken", "api_secret", "apisecret", NULL },
	  "(?i:(?:api[_.\\-]?key|secret[_.\\-]?key|"
	  "(?:access|auth|api|bearer|refresh|private|secret)[_.\\-]?token|"
	  "(?:client|app|webhook|signing|api)[_.\\-]?secret))" SEPK
	  QVAL("16,256"),
	  3.0, 0, SCANNER_V_PASSWORD, SCANNER_F_GENERIC },
};

const size_t scanner_builtin_count =
    sizeof scanner_builtin / sizeof scanner_builtin[0];

/*
 * Known public sample keys, by SHA-256 of the key: the Google API keys
 * published in the Firebase Android SDK's sample and test configurations.
 * They are everywhere in public code and grant nothing; a hash keeps the
 * keys themselves out of this file.
 */
const char *const scanner_known_samples[] = {
	"2037abcaffb2b77785da716cf7ccff4ff4d00c4ea930db0167b7d71f50af7eb4",
	"3f370c9dd8225c63b5c77de1f785edc9712958f18bb612d5fa2e0ae33aeca682",
	"e4a5542bb7fd7b67e943c71ad29c34b5972c9840597e7eda53e666f44d5da0b9",
	"a19f89ab3555eac10c40741f6df79ecf0935998f15569f8db9d67bce0181fff6",
	"eb540d2b6ee2a0a47c5779bc8a0141784c6b753840d4c6f4e2428a6e86e9e0b1",
	"37f8f09bdf12c2f2eae4ead7273a62ddb0c23459cbf902892f282b57f7ed6619",
	"8731261cb72d86267a32a532ebd3df429e2144e5e4ced7e13568bc9e6c8fb1b1",
	"49f777db995e8260da7ca9ffdf0c08d66f0453e97ec967018baf2cdfe3b582d0",
	"27a9a42931dff7eb2f8434e20a9bce976ea364e7bee49187f19d5cfeca9c7045",
	"dc0fcf046c61640cbd1e8b999ada3262d722c2ca4bf42dceac999020ffdbb614",
	"4c98242dcadc8b29005c6b4aad526552d5ea1842149154c0694adeec75847583",
	"ea9bb1082cf95663f5faca23b8b15ef2aa0fce0a5c6df9c32dcb85b2e0a4513d",
	"3a8b61d0f636b007840c0d40ba12bcf48465dc054cdc1a68704a33521d84b665",
	"a6c814bc555ae62c7bd8b58ec07bf559c7ed3a009976a1e0acc9cef0d4473b41",
	NULL
};
