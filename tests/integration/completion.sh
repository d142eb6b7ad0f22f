#!/bin/sh
# The shell completions of contrib/completion: the bash one loads in bash
# and completes commands, options, subcommands and the config's sink and
# source names; the zsh one is checked by zsh when zsh is installed.
. "$(dirname "$0")/lib.sh"

comp="$SRCDIR/contrib/completion"
conf="$TMPD/c.conf"
printf '[watch fns]\nkind = lambda\nfunctions = *\n[logs app]\nlog_groups = /a\n[sink ops-slack]\ntype = slack\nurl = https://hooks.example.com/x\n[sink pager]\ntype = sns\ntopic_arn = arn:aws:sns:us-east-1:123456789012:p\n' >"$conf"

# complete WORDS...: the completions bash offers for the last word.
complete_words() {
	bash --norc --noprofile -c '
		. "$1" || exit 9
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(( $# - 1 ))
		_cwguard
		printf "%s\n" "${COMPREPLY[@]}"' sh "$comp/cwguard.bash" "$@" \
	    >"$TMPD/out" 2>"$TMPD/err"
	rc=$?
}

bash --norc --noprofile -c '. "$1" && complete -p cwguard' sh \
    "$comp/cwguard.bash" >"$TMPD/out" 2>&1
ok $? "the bash completion loads and registers for cwguard"
grep -q -- '-F _cwguard cwguard' "$TMPD/out"; ok $? "complete -F _cwguard"

complete_words cwguard ""
expect_rc 0 "commands: completes"
for c in run check backtest scan status test-alert audit config version; do
	grep -qx "$c" "$TMPD/out"; ok $? "commands: $c offered"
done
complete_words cwguard ch
[ "$(cat "$TMPD/out")" = check ]; ok $? "'ch' completes to check"
complete_words cwguard check --
for o in --dry-run --timeout --perfdata-series --watch; do
	grep -qx -- "$o" "$TMPD/out"; ok $? "check: $o offered"
done
complete_words cwguard config ""
[ "$(sort "$TMPD/out" | tr '\n' ' ')" = "check cost iam-policy " ]
ok $? "config: its subcommands"
complete_words cwguard config iam-policy --
grep -qx -- --account "$TMPD/out"; ok $? "config iam-policy: --account"
complete_words cwguard -c "$conf" test-alert ""
[ "$(sort "$TMPD/out" | tr '\n' ' ')" = "ops-slack pager " ]
ok $? "test-alert: the sinks of the -c config"
complete_words cwguard -c "$conf" check --watch ""
[ "$(sort "$TMPD/out" | tr '\n' ' ')" = "app fns " ]
ok $? "check --watch: the watches and logs sources of the config"
complete_words cwguard --format ""
[ "$(sort "$TMPD/out" | tr '\n' ' ')" = "json text " ]
ok $? "--format: text or json"

if command -v zsh >/dev/null 2>&1; then
	zsh -n "$comp/_cwguard"; ok $? "the zsh completion parses"
else
	echo "ok $((tap_n + 1)) - the zsh completion parses # SKIP no zsh"
	tap_n=$((tap_n + 1))
fi
tap_done
