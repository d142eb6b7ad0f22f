#!/bin/sh
# `cwguard config iam-policy` through the real binary, and the committed
# contrib/iam-policy.json against a fresh generation from conf/cwguard.conf.
# With --generate, only prints that policy (make iam-policy-refresh).
. "$(dirname "$0")/lib.sh"

# The example config names secret files and variables that must exist to
# load; their values are dummies and never reach the policy.
mkdir "$TMPD/creds"
printf 'https://hooks.slack.com/services/T0000/B0000/dummy\n' \
    >"$TMPD/creds/slack-url"
chmod 600 "$TMPD/creds/slack-url"
CREDENTIALS_DIRECTORY="$TMPD/creds"
CWGUARD_HOOK_KEY=ZHVtbXktaG9vay1rZXk=
export CREDENTIALS_DIRECTORY CWGUARD_HOOK_KEY
unset CWGUARD_CONFIG
example="$SRCDIR/conf/cwguard.conf"

if [ "${1:-}" = --generate ]; then
	exec "$CWGUARD" -c "$example" config iam-policy
fi

json_ok() {	# json_ok FILE: every line (or the whole file) parses
	"$SIM_PYTHON" -c 'import json, sys; json.load(open(sys.argv[1]))' "$1"
}

run "$CWGUARD" -c "$example" config iam-policy
expect_rc 0 "policy of the example config"
cp "$TMPD/out" "$TMPD/fresh.json"
cmp -s "$TMPD/fresh.json" "$SRCDIR/contrib/iam-policy.json"
ok $? "contrib/iam-policy.json equals a fresh generation (make iam-policy-refresh)"
[ -s "$TMPD/err" ]; ok $((1 - $?)) "nothing on stderr"
json_ok "$TMPD/fresh.json"; ok $? "the policy is JSON"

# No "*" action and no service-wide wildcard ("logs:*"), anywhere.
"$SIM_PYTHON" - "$TMPD/fresh.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
bad = []
for st in doc['Statement']:
    acts = st['Action'] if isinstance(st['Action'], list) else [st['Action']]
    bad += [a for a in acts if '*' in a or ':' not in a]
    if st.get('Effect') != 'Allow' or 'NotAction' in st:
        bad.append(st.get('Sid'))
sys.exit(1 if bad else 0)
PY
ok $? "no wildcard actions in the example's policy"
for a in cloudwatch:GetMetricData cloudwatch:ListMetrics logs:StartQuery \
    logs:GetQueryResults logs:StopQuery logs:DescribeLogGroups sns:Publish \
    secretsmanager:GetSecretValue sts:AssumeRole; do
	grep -q "\"$a\"" "$TMPD/fresh.json"
	ok $? "example needs $a"
done
expect_grep out '"arn:aws:sns:us-east-1:123456789012:oncall"' \
    "Publish on the example's topic"
expect_grep out 'secret:prod/cwguard/smtp-\?\?\?\?\?\?"' \
    "secret name becomes an ARN with AWS's suffix"
expect_grep out 'log-group:/aws/lambda/\*"' "log group prefix glob"
expect_grep out 'ACCOUNT_ID' "account placeholder without --account"
if grep -q '"lambda:\|"iam:' "$TMPD/out"; then ok 1 "no audit actions"; else
	ok 0 "no audit actions in the daemon's policy"; fi

run "$CWGUARD" -c "$example" config iam-policy --account 999988887777
expect_rc 0 "--account"
if grep -q ACCOUNT_ID "$TMPD/out"; then ok 1 "--account replaces the placeholder"
else ok 0 "--account replaces the placeholder"; fi
expect_grep out 'log-group:\*"' "DescribeLogGroups on log-group:*"
expect_grep out ':999988887777:log-group' "--account in the ARNs"

run "$CWGUARD" -c "$example" config iam-policy --audit
expect_rc 0 "--audit"
for a in lambda:ListFunctions cloudwatch:ListMetrics \
    iam:ListAttachedRolePolicies iam:GetPolicy iam:GetPolicyVersion \
    iam:ListRolePolicies iam:GetRolePolicy; do
	grep -q "\"$a\"" "$TMPD/out"
	ok $? "--audit lists $a"
done
grep -q 'GetFunctionConfiguration' "$TMPD/out"
ok $((! $?)) "--audit asks for nothing audit does not call"
if grep -q 'cloudwatch:GetMetricData\|logs:\|sns:' "$TMPD/out"; then
	ok 1 "--audit is separate from the daemon's policy"
else ok 0 "--audit is separate from the daemon's policy"; fi

run "$CWGUARD" -c "$example" --format json config iam-policy
expect_rc 0 "--format json"
[ "$(wc -l <"$TMPD/out")" -eq 1 ]; ok $? "--format json: one line"
json_ok "$TMPD/out"; ok $? "--format json: JSON"

run "$CWGUARD" -c "$example" config iam-policy --help
expect_rc 0 "--help"
expect_grep out '^usage: cwguard config iam-policy' "--help shows the usage"
run "$CWGUARD" -c "$example" config iam-policy --bogus
expect_rc 64 "unknown option"
run "$CWGUARD" -c "$example" config iam-policy --account 12345
expect_rc 64 "--account wants 12 digits"
run "$CWGUARD" -c "$example" config iam-policy extra
expect_rc 64 "unexpected argument"
run "$CWGUARD" -c "$TMPD/missing.conf" config iam-policy
expect_rc 78 "missing config"
printf '[watch x]\nkind = lambda\nbogus = 1\n' >"$TMPD/bad.conf"
run "$CWGUARD" -c "$TMPD/bad.conf" config iam-policy
expect_rc 78 "invalid config"
expect_grep err 'bad.conf:3:' "invalid config: FILE:LINE"

tap_done
