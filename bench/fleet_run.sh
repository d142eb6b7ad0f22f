#!/bin/sh
# The daemon at fleet scale (issue 7): `cwguard run` with one lambda watch
# over 10,000 functions (Invocations + Errors at 60 s) against the
# simulator on its real clock, for 10 cycles after the first. The
# simulator's fleet is the generator of tests/scenarios/fleet.json moved
# to the present (the 25 hours up to now + 1 h). The cycle interval is
# shortened to INTERVAL seconds (default 15; the period stays 60 s), so a
# steady cycle here re-reads the same window as one at 60 s but adds a
# new period only every fourth cycle: its CPU is that of a 60 s cycle
# minus the writing of one period (measured apart by fleet_cycle.sh).
# Reports CPU seconds per cycle (/proc/PID/stat between the end of the
# first cycle and the end of the last, from /metrics), the share of one
# core at a 60 s interval, peak RSS (VmHWM), GetMetricData calls and
# metrics per cycle (/_sim/stats). Then the state file after 14 simulated
# days, from bench/fleet_fill (same rows as the watch writes, pruned
# hourly by the retention code). A benchmark, not a test: see
# bench/README-perf.md.
#
# usage: bench/fleet_run.sh [CYCLES]                (default 10)
# env:   BUILDDIR (default .), INTERVAL (15), SIM_PYTHON,
#        FILL_HOURS (10; 0: no 14-day fill)
set -eu

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILDDIR=${BUILDDIR:-.}
CWGUARD=${CWGUARD:-$BUILDDIR/cwguard}
FILL=${FILL:-$BUILDDIR/bench/fleet_fill}
PY=${SIM_PYTHON:-/usr/bin/python3}
CYCLES=${1:-10}
INTERVAL=${INTERVAL:-15}
FILL_HOURS=${FILL_HOURS:-10}

[ -x "$CWGUARD" ] || { echo "no $CWGUARD (set BUILDDIR)" >&2; exit 1; }
[ -x "$FILL" ] || { echo "no $FILL (make bench/fleet_fill)" >&2; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/cwg-fleetrun.XXXXXX")
SIMPID=
RUNPID=
cleanup() {
	[ -n "$RUNPID" ] && kill "$RUNPID" 2>/dev/null && wait "$RUNPID" || :
	[ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null && wait "$SIMPID" || :
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

NOW=$(date +%s)
START=$((NOW / 3600 * 3600 - 86400))
"$PY" -c '
import json, sys
sc = json.load(open(sys.argv[1]))
sc.pop("clock", None)
sc.pop("log_groups", None)
a = sc["metrics"][0]["args"]
a["start"] = int(sys.argv[2])
a["periods"] = (86400 + 2 * 3600) // 60
json.dump(sc, open(sys.argv[3], "w"))
' "$SRC/tests/scenarios/fleet.json" "$START" "$W/scenario.json"

(cd "$SRC/tests" && PYTHONPATH="$SRC/tests" PYTHONDONTWRITEBYTECODE=1 \
    exec "$PY" -m awssim --scenario "$W/scenario.json" \
    --port 0 --port-file "$W/ports" >"$W/sim.log" 2>&1) &
SIMPID=$!
while [ ! -s "$W/ports" ]; do
	kill -0 "$SIMPID" 2>/dev/null || { cat "$W/sim.log" >&2; exit 1; }
	sleep 0.2
done
URL=http://127.0.0.1:$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["http"])' "$W/ports")
MPORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

printf '[cwguard]\nstate = %s/state.db\ninterval = %ss\nlog_level = warn\nmetrics_listen = 127.0.0.1:%s\n[aws]\nregion = us-east-1\n[watch fns]\nkind = lambda\nfunctions = *\n' \
    "$W" "$INTERVAL" "$MPORT" > "$W/c.conf"
chmod 600 "$W/c.conf"

env -i PATH="$PATH" HOME="$W" TMPDIR="$W" \
    AWS_ACCESS_KEY_ID=AKIDSIMFLEET0000001 \
    AWS_SECRET_ACCESS_KEY=simSecretFleet/00000000000000000000000001 \
    AWS_ENDPOINT_URL="$URL" AWS_CONFIG_FILE=/dev/null \
    AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
    "$CWGUARD" -c "$W/c.conf" run > "$W/run.log" 2>&1 &
RUNPID=$!

"$PY" - "$URL" "http://127.0.0.1:$MPORT" "$RUNPID" "$CYCLES" "$INTERVAL" <<'PYEOF'
import json, os, re, sys, time, urllib.request as u
sim, met, pid, cycles, interval = sys.argv[1], sys.argv[2], \
    int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
hz = os.sysconf("SC_CLK_TCK")

def cpu():
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / hz

def hwm():
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0

def done():
    try:
        t = u.urlopen(met + "/metrics", timeout=5).read().decode()
    except OSError:
        return -1, 0
    ok = fail = 0
    for m in re.finditer(r'^cwguard_cycles_total\{kind="watch",source="fns",'
                         r'result="(ok|failed)"\} (\S+)', t, re.M):
        if m.group(1) == "ok":
            ok = float(m.group(2))
        else:
            fail = float(m.group(2))
    return int(ok + fail), int(fail)

def stats():
    s = json.load(u.urlopen(sim + "/_sim/stats"))["cloudwatch"]
    return s["calls"], s["metrics_requested"], s["datapoints_returned"]

deadline = time.monotonic() + 600 + cycles * interval * 3
n = -1
# /metrics renders every alert row: scraped every 2 s only, so that the
# scrapes add little CPU; the daemon idles between cycles, so a late
# look does not add to the figure.
while n < 1:
    if time.monotonic() > deadline:
        sys.exit("the first cycle did not end")
    time.sleep(2)
    n, _ = done()
c1, r1, s1, t1 = cpu(), hwm(), stats(), time.monotonic()
while n < 1 + cycles:
    if time.monotonic() > deadline:
        sys.exit("%d cycles did not end" % cycles)
    time.sleep(2)
    n, failed = done()
c2, r2, s2, t2 = cpu(), hwm(), stats(), time.monotonic()
per = (c2 - c1) / cycles
print("first cycle (start-up, discovery, bootstrap): %.2f CPU s, peak RSS "
      "%.1f MB, %d GetMetricData calls, %d metrics" % (c1, r1, s1[0], s1[1]))
print("%d steady cycles every %d s (%.0f s wall, %d failed): %.3f CPU s per "
      "cycle = %.2f%% of one core at a 60 s interval; peak RSS %.1f MB; "
      "%.1f GetMetricData calls, %.0f metrics, %.0f datapoints per cycle" % (
          cycles, interval, t2 - t1, failed, per, per / 60 * 100, r2,
          (s2[0] - s1[0]) / cycles, (s2[1] - s1[1]) / cycles,
          (s2[2] - s1[2]) / cycles))
PYEOF
kill "$RUNPID"; wait "$RUNPID" || :; RUNPID=
grep -v "^\s*$" "$W/run.log" | tail -n 3 >&2 || :
printf "state file after %s cycles: %d bytes\n" $((CYCLES + 1)) \
    "$(($(stat -c %s "$W/state.db") + $(stat -c %s "$W/state.db-wal" 2>/dev/null || echo 0)))"
kill "$SIMPID"; wait "$SIMPID" || :; SIMPID=

[ "$FILL_HOURS" -gt 0 ] || exit 0
echo "14 simulated days (bench/fleet_fill, last $FILL_HOURS h period by period):"
sed 's/^interval = .*//; s/^metrics_listen = .*//' "$W/c.conf" > "$W/f.conf"
chmod 600 "$W/f.conf"
"$FILL" "$W/f.conf" "$W/fill.db" 10000 14 "$FILL_HOURS" 2>/dev/null
