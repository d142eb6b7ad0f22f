#!/bin/sh
# Cost of a cycle (issue 4): the 10,000-function fleet of
# tests/scenarios/fleet.json (Invocations + Errors, 24 h at 60 s) through
# `cwguard check` against the simulator: the first cycle (discovery and
# the hourly baseline bootstrap of every entity) and steady cycles one
# period apart, each a fresh process as cron would run it. Per cycle: CPU
# seconds (user + sys of the child, /usr/bin/time), peak RSS,
# GetMetricData calls, metrics requested and datapoints returned (from
# /_sim/stats). The clock is pinned (CWGUARD_NOW and the simulator's) in
# the middle of the fleet's day. A benchmark, not a test: see
# bench/README-perf.md.
#
# usage: bench/fleet_cycle.sh [STEADY_CYCLES]      (default 5)
# env:   BUILDDIR (default .), SIM_PYTHON (/usr/bin/python3)
set -eu

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILDDIR=${BUILDDIR:-.}
CWGUARD=${CWGUARD:-$BUILDDIR/cwguard}
PY=${SIM_PYTHON:-/usr/bin/python3}
N=${1:-5}
T=$((1767225600 + 43200))	# fleet start + 12 h

[ -x "$CWGUARD" ] || { echo "no $CWGUARD (set BUILDDIR)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time" >&2; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/cwg-fleetcycle.XXXXXX")
SIMPID=
cleanup() {
	[ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null && wait "$SIMPID" || :
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

(cd "$SRC/tests" && PYTHONPATH="$SRC/tests" PYTHONDONTWRITEBYTECODE=1 \
    exec "$PY" -m awssim --scenario "$SRC/tests/scenarios/fleet.json" \
    --port 0 --port-file "$W/ports" >"$W/sim.log" 2>&1) &
SIMPID=$!
while [ ! -s "$W/ports" ]; do
	kill -0 "$SIMPID" 2>/dev/null || { cat "$W/sim.log" >&2; exit 1; }
	sleep 0.2
done
URL=http://127.0.0.1:$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["http"])' "$W/ports")

printf '[cwguard]\nstate = %s/state.db\n[aws]\nregion = us-east-1\n[watch fns]\nkind = lambda\nfunctions = *\n' \
    "$W" > "$W/c.conf"
chmod 600 "$W/c.conf"

# ctl stats | ctl reset | ctl clock EPOCH
ctl() {
	"$PY" -c '
import json, sys, urllib.request as u
url, what = sys.argv[1], sys.argv[2]
if what == "stats":
    s = json.load(u.urlopen(url + "/_sim/stats"))["cloudwatch"]
    print(s["calls"], s["metrics_requested"], s["datapoints_returned"])
else:
    body = json.dumps({"now": int(sys.argv[3])} if what == "clock" else {})
    u.urlopen(u.Request(url + "/_sim/" + what, data=body.encode(),
                        method="POST")).read()
' "$URL" "$@"
}

# cycle LABEL NOW: one `cwguard check`, one table row
cycle() {
	ctl clock "$2"
	ctl reset
	env -i PATH="$PATH" HOME="$W" TMPDIR="$W" \
	    AWS_ACCESS_KEY_ID=AKIDSIMFLEET0000001 \
	    AWS_SECRET_ACCESS_KEY=simSecretFleet/00000000000000000000000001 \
	    AWS_ENDPOINT_URL="$URL" AWS_CONFIG_FILE=/dev/null \
	    AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
	    CWGUARD_NOW="$2" /usr/bin/time -o "$W/time" -f "%U %S %M %e" \
	    "$CWGUARD" -c "$W/c.conf" check > "$W/out" 2>&1 || :
	grep -q "^CWGUARD OK" "$W/out" || { cat "$W/out" >&2; exit 1; }
	# shellcheck disable=SC2046
	set -- "$1" $(tail -n 1 "$W/time") $(ctl stats)
	"$PY" -c 'import sys; a = sys.argv
print("| %s | %.2f | %.1f | %s | %s | %s | %.1f |" % (a[1],
      float(a[2]) + float(a[3]), int(a[4]) / 1024.0, a[6], a[7], a[8],
      float(a[5])))' "$@"
}

echo "fleet: 10,000 functions, one lambda watch (signal errors), period 60 s, defaults"
echo "| cycle | CPU s | peak RSS MB | GetMetricData calls | metrics requested | datapoints | wall s |"
echo "|---|---|---|---|---|---|---|"
cycle "first (bootstrap)" "$T"
i=1
while [ "$i" -le "$N" ]; do
	cycle "steady $i" $((T + 60 * i))
	i=$((i + 1))
done
printf "state file after %d cycles: %d bytes\n" $((N + 1)) \
    "$(($(stat -c %s "$W/state.db") + $(stat -c %s "$W/state.db-wal" 2>/dev/null || echo 0)))"
