#!/bin/sh
# The command line: global options, dispatch, usage errors, --help.
. "$(dirname "$0")/lib.sh"

run "$CWGUARD" version
expect_rc 0 "version"
expect_grep out '^cwguard [0-9]+\.[0-9]+\.[0-9]+$' "version prints the version"

run "$CWGUARD" --format json version
expect_grep out '^\{"type":"version","version":"[0-9.]+"\}$' "version as JSON"

run "$CWGUARD"
expect_rc 64 "no command is a usage error"
expect_grep err '^usage: cwguard' "usage on stderr"

run "$CWGUARD" --help
expect_rc 0 "--help"
for c in run check backtest scan status test-alert audit config version; do
	grep -q "^  $c" "$TMPD/out"
	ok $? "--help lists $c"
done

run "$CWGUARD" frobnicate
expect_rc 64 "unknown command"
expect_grep err "unknown command 'frobnicate'" "unknown command named"

run "$CWGUARD" --format yaml version
expect_rc 64 "bad --format"
expect_grep err "'yaml' is not text or json" "bad format named"

run "$CWGUARD" --bogus version
expect_rc 64 "unknown global option"

for c in run check backtest status test-alert audit; do
	run "$CWGUARD" $c --help
	expect_rc 0 "$c --help"
	expect_grep out "^usage: cwguard $c" "$c --help shows its usage"
done

# Every command's --help is more than its usage line.
for c in run check backtest scan status test-alert audit version; do
	run "$CWGUARD" $c --help
	[ "$(grep -c . "$TMPD/out")" -gt 2 ]
	ok $? "$c --help describes the command, not only its usage"
done
run "$CWGUARD" --help
expect_grep out "iam-policy \[--account ID\]" "--help names config iam-policy --account"

run "$CWGUARD" version extra
expect_rc 64 "version takes no arguments"

tap_done
