# Shared helpers for the TAP shell tests. Source it; it needs $CWGUARD.
: "${CWGUARD:?run through make check (CWGUARD is the binary)}"
: "${SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${SIM_PYTHON:=/usr/bin/python3}"
tap_n=0
tap_failed=0
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/cwguard-test.XXXXXX")
trap 'rm -rf "$TMPD"' EXIT

ok() {	# ok COND-EXIT-STATUS NAME
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

# run CMD...: runs it, keeping stdout, stderr and the exit code.
run() {
	"$@" >"$TMPD/out" 2>"$TMPD/err"
	rc=$?
	return 0
}

# expect_rc WANT NAME: checks the exit code of the last run.
expect_rc() {
	if [ "$rc" -eq "$1" ]; then ok 0 "$2 (exit $1)"; else
		ok 1 "$2 (exit $rc, want $1)"
		sed 's/^/#   stderr: /' "$TMPD/err" | head -5
	fi
}

# expect_grep FILE PATTERN NAME
expect_grep() {
	if grep -qE -- "$2" "$TMPD/$1"; then ok 0 "$3"; else
		ok 1 "$3"
		echo "#   no /$2/ in $1:"; head -5 "$TMPD/$1" | sed 's/^/#   /'
	fi
}

tap_done() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
