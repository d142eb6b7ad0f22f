#!/bin/sh
# Golden tests of `cwguard config check` (TAP). Every good/NAME.conf must
# exit 0 and print exactly good/NAME.out on stdout, nothing on stderr; every
# bad/NAME.conf must exit 78 and print exactly bad/NAME.out on stderr,
# nothing on stdout. conf/cwguard.conf is checked the same way against
# example.out. The corpus is copied to a temporary directory and run from
# there, so messages read "bad/NAME.conf:LINE: ..." and file modes are
# known: 0600, except *readable* files (0644) and the example (0644).
#
#   golden.sh            run the tests ("$CWGUARD" is the binary)
#   golden.sh --refresh  rewrite the .out files from the current binary
#
# The runner provides what conf/cwguard.conf references: $CWGUARD_HOOK_KEY,
# $CREDENTIALS_DIRECTORY/slack-url and the rules file (its path rewritten
# from /etc/cwguard/rules.conf to example/rules.conf).

here=$(cd "$(dirname "$0")" && pwd) || exit 1
srcdir=${SRCDIR:-$here/../..}
refresh=0
[ "$1" = "--refresh" ] && refresh=1

if [ -z "$CWGUARD" ] || [ ! -x "$CWGUARD" ]; then
	echo "Bail out! \$CWGUARD is not set to the cwguard binary"
	exit 1
fi
if ! "$CWGUARD" config --help 2>/dev/null | grep -q 'cwguard config check'
then
	echo "1..0 # SKIP $CWGUARD does not dispatch 'config' yet"
	[ $refresh -eq 1 ] && exit 0
for c in $cli_cases; do
	i=$((i + 1))
	args=$(echo "${c%:*}" | tr _ ' ')
	want_rc=${c##*:}
	# shellcheck disable=SC2086 # args is split on purpose
	(cd "$tmp" && "$CWGUARD" -c good/minimal.conf $args \
	    >"$tmp/stdout" 2>"$tmp/stderr")
	rc=$?
	if [ $rc -eq $want_rc ]; then
		echo "ok $i - cwguard $args exits $want_rc"
	else
		echo "not ok $i - cwguard $args exits $rc, want $want_rc"
	fi
done
exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cwguard-golden.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/good" "$tmp/bad" "$tmp/example" "$tmp/creds"
# The example's [logs] rules file (config check reads it) is made here.
cp "$here"/good/*.conf "$tmp/good/" && cp "$here"/bad/*.conf "$tmp/bad/" &&
    sed 's|^rules = /etc/cwguard/rules.conf|rules = example/rules.conf|' \
    "$srcdir/conf/cwguard.conf" >"$tmp/example/cwguard.conf" || exit 1
printf '[rule internal-token]\nkeywords = itk_\npattern = (itk_[A-Za-z0-9]{32})\n' \
    >"$tmp/example/rules.conf"
chmod 600 "$tmp"/good/*.conf "$tmp"/bad/*.conf
for f in "$tmp"/good/*readable*.conf "$tmp"/bad/*readable*.conf \
    "$tmp/example/cwguard.conf"; do
	[ -f "$f" ] && chmod 644 "$f"
done
printf 'https://hooks.slack.com/services/T0000/B0000/golden\n' \
    >"$tmp/creds/slack-url"
chmod 600 "$tmp/creds/slack-url"

CREDENTIALS_DIRECTORY="$tmp/creds"
CWGUARD_HOOK_KEY=Z29sZGVuLWhvb2sta2V5
export CREDENTIALS_DIRECTORY CWGUARD_HOOK_KEY
unset CWGUARD_CONFIG CWGUARD_GOLDEN_UNSET

cases=
for f in "$here"/good/*.conf "$here"/bad/*.conf; do
	cases="$cases ${f#"$here"/}"
done
cases="$cases example/cwguard.conf"
# The command line of `config`: argv, expected exit code.
cli_cases='config:64 config_--help:0 config_bogus:64 config_check_--help:0
config_check_--bogus:64 config_iam-policy:0 config_cost_--offline:0'
n=0
for c in $cases $cli_cases; do
	n=$((n + 1))
done
[ $refresh -eq 1 ] || echo "1..$n"

i=0
for c in $cases; do
	i=$((i + 1))
	case $c in
	good/*) want_rc=0; expected="$here/${c%.conf}.out" ;;
	bad/*) want_rc=78; expected="$here/${c%.conf}.out" ;;
	example/*) want_rc=0; expected="$here/example.out" ;;
	esac
	(cd "$tmp" && "$CWGUARD" -c "$c" config check \
	    >"$tmp/stdout" 2>"$tmp/stderr")
	rc=$?
	if [ $want_rc -eq 0 ]; then
		got="$tmp/stdout"; other="$tmp/stderr"
	else
		got="$tmp/stderr"; other="$tmp/stdout"
	fi
	if [ $refresh -eq 1 ]; then
		cp "$got" "$expected"
		echo "refreshed ${expected#"$here"/} (exit $rc)"
		continue
	fi
	why=
	if [ $rc -ne $want_rc ]; then
		why="exit $rc, want $want_rc"
	elif [ ! -f "$expected" ]; then
		why="no ${expected#"$here"/} (run golden.sh --refresh)"
	elif ! cmp -s "$got" "$expected"; then
		why="output differs from ${expected#"$here"/}"
	elif [ -s "$other" ]; then
		why="unexpected output on the other stream"
	fi
	if [ -z "$why" ]; then
		echo "ok $i - $c"
	else
		echo "not ok $i - $c: $why"
		[ -f "$expected" ] && diff -u "$expected" "$got" | sed 's/^/# /'
		sed 's/^/# other: /' "$other" | head -20
		[ -f "$expected" ] || sed 's/^/# got: /' "$got" | head -20
	fi
done
[ $refresh -eq 1 ] && exit 0
for c in $cli_cases; do
	i=$((i + 1))
	args=$(echo "${c%:*}" | tr _ ' ')
	want_rc=${c##*:}
	# shellcheck disable=SC2086 # args is split on purpose
	(cd "$tmp" && "$CWGUARD" -c good/minimal.conf $args \
	    >"$tmp/stdout" 2>"$tmp/stderr")
	rc=$?
	if [ $rc -eq $want_rc ]; then
		echo "ok $i - cwguard $args exits $want_rc"
	else
		echo "not ok $i - cwguard $args exits $rc, want $want_rc"
	fi
done
exit 0
