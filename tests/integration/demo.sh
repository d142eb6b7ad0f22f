#!/bin/sh
# scripts/demo, as the README's first command runs it (with the binary
# already built: --no-build): it exits 0; both checks answer as the story
# says (OK before the incident, CRITICAL naming the 5xx spike, the 4xx
# burst and the two secret findings); status lists the two firing alerts;
# the webhook catcher shows the notifications with verified signatures and
# redacted previews; no raw key of the scenario anywhere in the output; the
# simulator and the temporary directory are gone afterwards. Then a cwguard
# that never fires: the demo must say it failed, and still clean up.
. "$(dirname "$0")/lib.sh"

DEMO=$SRCDIR/scripts/demo
mkdir "$TMPD/t"

# The scenario's raw keys (tests/demogen.py prints them), to look for.
"$SIM_PYTHON" -B "$SRCDIR/tests/demogen.py" >"$TMPD/raw"
[ "$(grep -c . "$TMPD/raw")" -eq 2 ]
ok $? "the scenario has two raw keys to look for"

TMPDIR=$TMPD/t CWGUARD=$CWGUARD "$DEMO" --no-build >"$TMPD/out" 2>&1
rc=$?
: >"$TMPD/err"
if [ "$rc" -eq 0 ]; then ok 0 "demo exits 0"; else
	ok 1 "demo exits 0 (exit $rc)"
	tail -15 "$TMPD/out" | sed 's/^/#   /'
fi

# sections
for s in 'Starting the AWS simulator' 'cwguard check at .* before the incident' \
    'cwguard check at .* now: during the incident' 'cwguard status' \
    'Notifications as they arrived at the webhook catcher' 'Done'; do
	expect_grep out "^==== $s" "section header: $s"
done

# the two checks: OK then CRITICAL naming everything
sed -n '/before the incident/,/^==== cwguard check at .* now:/p' \
    "$TMPD/out" >"$TMPD/check1"
sed -n '/now: during the incident/,/^==== cwguard status/p' \
    "$TMPD/out" >"$TMPD/check2"
expect_grep check1 "^CWGUARD OK - .*'firing'=0;" "first check: OK, nothing firing"
expect_grep check1 '^\(exit 0\)$' "first check: exit 0"
expect_grep check2 '^CWGUARD CRITICAL - ' "second check: CRITICAL"
expect_grep check2 '^\(exit 2\)$' "second check: exit 2"
expect_grep check2 'functions/checkout 5xx firing \([0-9.]+% vs [0-9.]+%\)' \
    "second check names the checkout 5xx spike, rate vs baseline"
expect_grep check2 'apis/orders-api/prod 4xx firing \([0-9.]+% vs [0-9.]+%\)' \
    "second check names the orders-api 4xx burst"
expect_grep check2 "2 new secret findings.*'firing'=2;.*'findings'=2;" \
    "second check: 2 firing, 2 new secret findings in perfdata"
! grep -q 'catalog-api.*firing\|orders-\(create\|list\).*firing\|thumbnailer.*firing' \
    "$TMPD/check2"
ok $? "second check: the quiet entities do not fire"

# status
sed -n '/^==== cwguard status/,/^==== Notifications/p' "$TMPD/out" \
    >"$TMPD/status"
expect_grep status '^firing .* apis orders-api/prod 4xx, since ' \
    "status lists the orders-api 4xx burst as firing"
expect_grep status '^firing .* functions checkout 5xx, since ' \
    "status lists the checkout 5xx spike as firing"
expect_grep status '^\(9 series, 2 open\)$' "status: 9 series, 2 open"
expect_grep status '^outbox: empty' "status: everything was delivered"

# the caught notifications
sed -n '/^==== Notifications/,/^==== Done/p' "$TMPD/out" >"$TMPD/hooks"
expect_grep hooks '^6 request\(s\) caught: 3 webhook, 3 Slack, 0 other$' \
    "hooks: three webhook and three Slack deliveries"
[ "$(grep -c '^    ok signature v1 verified' "$TMPD/hooks")" -eq 3 ]
ok $? "hooks: all three webhook signatures verify"
expect_grep hooks '^    FIRING   functions/checkout 5xx$' \
    "hooks: the checkout 5xx alert"
expect_grep hooks '^    FIRING   apis/orders-api/prod 4xx$' \
    "hooks: the orders-api 4xx alert"
[ "$(grep -c '^             rate [0-9.]*% ([0-9]* errors / [0-9]* requests) vs baseline [0-9.]*% = [0-9]*x' "$TMPD/hooks")" -eq 2 ]
ok $? "hooks: both alerts show rate, counts and baseline"
expect_grep hooks '^    SECRET   stripe-key in /aws/lambda/checkout$' \
    "hooks: the Stripe key finding"
expect_grep hooks '^    SECRET   aws-access-key-id in /aws/lambda/checkout$' \
    "hooks: the AWS key finding"
expect_grep hooks 'preview sk_live_\*{16,}[A-Za-z0-9]{4} ' \
    "hooks: the Stripe key as a redacted preview"
expect_grep hooks 'preview AKIA\*{12}[A-Z0-9]{4} ' \
    "hooks: the AWS key as a redacted preview"
expect_grep hooks '^ #3 blocks: header, section, section, context$' \
    "hooks: the Slack findings message in Block Kit"
expect_grep hooks '"type": "header"' "hooks: a Block Kit payload printed"
expect_grep hooks 'raw keys of the scenario in the caught requests: NONE' \
    "hooks: the helper found no raw key in the requests"

# no raw secret anywhere in what the demo printed (whole key, or the
# part the preview hides)
n=0
while IFS= read -r k; do
	[ -n "$k" ] || continue
	n=$((n + 1))
	mid=$(printf '%s' "$k" | cut -c9-16)
	if grep -qF -e "$k" -e "$mid" "$TMPD/out"; then
		ok 1 "raw key $n (or its hidden middle) in the demo output"
	else
		ok 0 "raw key $n is nowhere in the demo output"
	fi
done <"$TMPD/raw"

# cleanup: no temporary directory left, the simulator stopped
left=$(ls "$TMPD/t")
[ -z "$left" ]
ok $? "the demo's temporary directory is removed"
port=$(sed -n 's|^simulator listening on http://127.0.0.1:\([0-9]*\) .*|\1|p' \
    "$TMPD/out")
[ -n "$port" ] && "$SIM_PYTHON" -c 'import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2).close()
except OSError:
    sys.exit(0)
sys.exit(1)' "$port"
ok $? "the simulator is stopped (port $port refuses)"

# a cwguard that never fires: the demo fails, says why, cleans up
cat >"$TMPD/quiet-cwguard" <<'EOF'
#!/bin/sh
echo "CWGUARD OK - 0 sources | 'firing'=0;;;0"
EOF
chmod +x "$TMPD/quiet-cwguard"
TMPDIR=$TMPD/t CWGUARD=$TMPD/quiet-cwguard "$DEMO" --no-build \
    >"$TMPD/out" 2>"$TMPD/err"
rc=$?
[ "$rc" -eq 1 ]
ok $? "demo with a cwguard that never fires: exit 1 (got $rc)"
expect_grep err '^demo FAILED: the second check should say CRITICAL' \
    "the failure says which step"
left=$(ls "$TMPD/t")
[ -z "$left" ]
ok $? "the failed demo removes its temporary directory too"
port=$(sed -n 's|^simulator listening on http://127.0.0.1:\([0-9]*\) .*|\1|p' \
    "$TMPD/out")
[ -n "$port" ] && "$SIM_PYTHON" -c 'import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2).close()
except OSError:
    sys.exit(0)
sys.exit(1)' "$port"
ok $? "the failed demo stops the simulator"

# usage
run "$DEMO" --bogus
expect_rc 64 "unknown option is a usage error"

tap_done
