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
	  { "private key-----", NULL },
	  "(-----BEGIN[A-Z0-9 ]{0,30} PRIVATE KEY(?: BLOCK)?-----"
	  "(?:\\\\{1,2}[rn]|[ \\t])*+(?:[A-Za-z0-9+/=]|\\\\{1,2}[rn]|"
	  "[A-Za-z-]+: [^\\\\]{1,80}\\\\{1,2}n){64,}+"
	  "(?:-----END[A-Z0-9 ]{0,30} PRIVATE KEY(?: BLOCK)?-----)?)",
	  3.5, 0, SCANNER_V_NONE, 0 },
	{ "aws-access-key-id",
	  { "akia", "asia", "abia", "acca", "agpa", "aida", "aipa", "anpa",
	    "anva", "aroa", "apka", "asca", NULL },
	  "(?<![A-Za-z0-9])((?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|"
	  "AROA|APKA|ASCA)[A-Z2-7]{16})(?![A-Za-z0-9])",
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
	  "(?<![A-Za-z0-9_])(github_pat_[A-Za-z0-9]{20,}_[A-Za-z0-9]{40,})"
	  "(?![A-Za-z0-9_])",
	  3.5, 11, SCANNER_V_NONE, 0 },
	{ "github-token",
	  { "ghp_", "gho_", "ghu_", "ghs_", "ghr_", NULL },
	  "(?<![A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{36})(?![A-Za-z0-9_])",
	  3.0, 4, SCANNER_V_CRC32_B62, 0 },
	{ "gitlab-token",
	  { "glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "glft-",
	    "glimt-", "gloas-", "glsoat-", "glagent-", NULL },
	  "(?<![A-Za-z0-9_])((?:glpat|gldt|glrt|glptt|glcbt|glft|glimt|gloas|"
	  "glsoat|glagent)-[A-Za-z0-9_\\-]{20,}(?:\\.[0-9a-z]{2}[0-9a-z]{7,})?)"
	  RB,
	  3.0, 6, SCANNER_V_NONE, 0 },
	{ "stripe-key",
	  { "sk_live_", "rk_live_", "sk_test_", "rk_test_", NULL },
	  "(?<![A-Za-z0-9_])((?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,247})"
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
	  "(https://hooks\\.slack\\.com/(?:services|workflows|triggers)/"
	  "T[A-Z0-9]{6,12}/[A-Z0-9]{6,12}/[A-Za-z0-9]{20,32})(?![A-Za-z0-9])",
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
	  "(?<![A-Za-z0-9_])(sk-ant-[a-z]{3,8}[0-9]{2}-[A-Za-z0-9_\\-]{80,120})"
	  RB,
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
