#!/bin/sh
# Known findings in `cwguard scan`: inline cwguard:allow / gitleaks:allow
# markers, --baseline / --write-baseline (only new fingerprints reported;
# a baseline of another key refused), and `findings allow` read from the
# state database. Synthetic keys; no raw secret in any output or file.
. "$SRCDIR/tests/integration/lib.sh"

AWS=AKIARLPXUTKI6Q7JXL4S
STRIPE=sk_live_8A80wmLLA8rhz303f9yl9bHg
GH=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
secrets_absent() {	# secrets_absent NAME FILE...
	name=$1
	shift
	if grep -qF -e "$AWS" -e "$STRIPE" -e "$GH" "$@"; then
		ok 1 "$name: no raw secret"
	else
		ok 0 "$name: no raw secret"
	fi
}

printf 'key %s here\n' "$AWS" > "$TMPD/a.log"
printf 'key %s here  # cwguard:allow\n' "$AWS" >> "$TMPD/a.log"
printf 'stripe = "%s" // gitleaks:allow\n' "$STRIPE" >> "$TMPD/a.log"
printf 'stripe = "%s"\n' "$STRIPE" >> "$TMPD/a.log"
run "$CWGUARD" scan "$TMPD/a.log"
expect_rc 1 "markers: the unmarked lines are reported"
ok $(( $(grep -c . "$TMPD/out") != 2 )) "markers: two findings of four lines"
expect_grep out ":1:5: aws-access-key-id" "unmarked AWS line 1 reported"
expect_grep out ":4:[0-9]+: stripe-key" "unmarked Stripe line 4 reported"
if grep -Eq ':(2|3):' "$TMPD/out"; then ok 1 "marked lines 2, 3 silent"
else ok 0 "marked lines 2, 3 silent"; fi

# Baseline without a state database: the file carries its key.
run "$CWGUARD" scan --write-baseline "$TMPD/bl" "$TMPD/a.log"
expect_rc 1 "--write-baseline still reports"
ok $(( $(grep -Ec '^[0-9a-f]{64}$' "$TMPD/bl") != 2 )) "baseline: two fingerprints"
grep -Eq '^key-id [0-9a-f]{16}$' "$TMPD/bl"
ok $? "baseline names its key id"
secrets_absent "baseline file" "$TMPD/bl"
run "$CWGUARD" scan --baseline "$TMPD/bl" "$TMPD/a.log"
expect_rc 0 "everything in the baseline: exit 0"
ok $(( $(wc -c < "$TMPD/out") != 0 )) "everything in the baseline: no output"
expect_grep err "2 known finding" "known findings counted on stderr"
printf 'token %s\n' "$GH" >> "$TMPD/a.log"
run "$CWGUARD" --format json scan --baseline "$TMPD/bl" "$TMPD/a.log"
expect_rc 1 "a new finding beside the baseline"
ok $(( $(grep -c . "$TMPD/out") != 1 )) "only the new fingerprint is reported"
expect_grep out '"rule":"github-token".*"line":5' "the new one is the GitHub token"
secrets_absent "baseline scan output" "$TMPD/out" "$TMPD/err"

printf 'key-id 0000000000000000\n' > "$TMPD/other"
run "$CWGUARD" scan --baseline "$TMPD/other" "$TMPD/a.log"
expect_rc 2 "a baseline of another key is refused"
expect_grep err "another fingerprint key" "... and says why"
printf '# x\nnot-a-fingerprint\n' > "$TMPD/bad"
run "$CWGUARD" scan --baseline "$TMPD/bad" "$TMPD/a.log"
expect_rc 2 "a bad baseline line is refused"
expect_grep err "bad:2: not a fingerprint" "... with file:line"
run "$CWGUARD" scan --baseline "$TMPD/missing" "$TMPD/a.log"
expect_rc 2 "a missing baseline is an error"

# With a state database: its installation key, and findings allow.
cat > "$TMPD/c.conf" <<C
[cwguard]
state = $TMPD/state.db
[aws]
region = us-east-1
[watch fns]
kind = lambda
functions = *
C
run "$CWGUARD" -c "$TMPD/c.conf" findings ack 0000000000000000000000000000000000000000000000000000000000000000
expect_rc 0 "findings ack creates the state database"
run "$CWGUARD" -c "$TMPD/c.conf" --format json scan "$TMPD/a.log"
expect_rc 1 "scan with the state database's key"
fp=$(sed -n 's/.*"rule":"stripe-key".*"fingerprint":"\([0-9a-f]*\)".*/\1/p' "$TMPD/out")
run "$CWGUARD" -c "$TMPD/c.conf" --format json scan "$TMPD/a.log"
fp3=$(sed -n 's/.*"rule":"stripe-key".*"fingerprint":"\([0-9a-f]*\)".*/\1/p' "$TMPD/out")
[ ${#fp} -eq 64 ] && [ "$fp" = "$fp3" ]
ok $? "the installation key: fingerprints stable across runs"
run "$CWGUARD" -c "$TMPD/c.conf" findings allow "$fp" --comment "test fixture"
expect_rc 0 "findings allow"
run "$CWGUARD" -c "$TMPD/c.conf" --format json scan "$TMPD/a.log"
expect_rc 1 "the others are still reported"
if grep -q stripe-key "$TMPD/out"; then ok 1 "the allowed fingerprint is not reported"
else ok 0 "the allowed fingerprint is not reported"; fi
expect_grep out aws-access-key-id "the AWS key still is"
run "$CWGUARD" -c "$TMPD/c.conf" scan --write-baseline "$TMPD/bl2" "$TMPD/a.log"
if grep -q '^key ' "$TMPD/bl2"; then ok 1 "with a state database the baseline holds no key"
else ok 0 "with a state database the baseline holds no key"; fi
run "$CWGUARD" scan --baseline "$TMPD/bl2" "$TMPD/a.log"
expect_rc 2 "that baseline without the state database: another key"
secrets_absent "state database" "$TMPD/state.db"
tap_done
