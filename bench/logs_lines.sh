#!/bin/sh
# Not a test: a log group with more rows per window than one Logs Insights
# query returns (N lines, default 25,000, against the query limit of
# 10,000) goes through logsrc against the simulator; prints the lines in
# the simulator against the rows processed, and what it took.
#
# usage: bench/logs_lines.sh [N]   (from the build directory, after make check)
set -eu
N=${1:-25000}
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILDDIR=${BUILDDIR:-.}
TOOL=$BUILDDIR/bench/logs_tool
PY=${SIM_PYTHON:-/usr/bin/python3}
[ -x "$TOOL" ] || { echo "build bench/logs_tool first (make check)"; exit 1; }
D=$(mktemp -d /tmp/cwg-logs-bench.XXXXXX)
trap 'kill $SIM 2>/dev/null || true; rm -rf "$D"' EXIT INT TERM
NOW=1767229200
# N lines spread over 50 minutes of the hour before NOW.
"$PY" - "$N" "$D/sc.json" <<'PY'
import json, sys
n, path = int(sys.argv[1]), sys.argv[2]
json.dump({"account_id": "123456789012", "region": "us-east-1",
  "credentials": [{"access_key_id": "AKIDSIMLOGS00000001",
    "secret_access_key": "simSecretLogs/00000000000000000000000001"}],
  "log_groups": [{"name": "/aws/lambda/bench", "events_generator": {
    "generator": "awssim.gen:log_events", "args": {"n": n,
    "start": 1767225600000 + 60000, "step_ms": max(1, 3000000 // n),
    "stream": "bench", "template": "INFO request {i} done",
    "secrets_every": 5000, "secret": "AKIARLPXUTKI6Q7JXL4S"}}}]},
  open(path, "w"))
PY
(cd "$SRCDIR/tests" && PYTHONPATH=. PYTHONDONTWRITEBYTECODE=1 exec "$PY" -m awssim \
    --scenario "$D/sc.json" --port 0 --port-file "$D/ports") >"$D/sim.log" 2>&1 &
SIM=$!
i=0
while [ ! -s "$D/ports" ]; do i=$((i + 1)); [ $i -lt 200 ] || exit 1; sleep 0.1; done
PORT=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["http"])' "$D/ports")
cat >"$D/c.conf" <<CONF
[cwguard]
state = $D/state.db
lag = 3m
[aws]
region = us-east-1
[logs bench]
log_groups = /aws/lambda/bench
lookback = 1h
prefilter = no
CONF
chmod 600 "$D/c.conf"
T0=$("$PY" -c 'import time; print(time.monotonic())')
env -i PATH="$PATH" AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" \
    AWS_ACCESS_KEY_ID=AKIDSIMLOGS00000001 \
    AWS_SECRET_ACCESS_KEY=simSecretLogs/00000000000000000000000001 \
    AWS_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null \
    AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    "$TOOL" -c "$D/c.conf" -t $NOW >"$D/out" 2>"$D/err" || true
T1=$("$PY" -c 'import time; print(time.monotonic())')
"$PY" - "$N" "$D/out" "$T0" "$T1" "http://127.0.0.1:$PORT" <<'PY'
import json, sys, urllib.request
n, out, t0, t1, url = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
s = [json.loads(l) for l in open(out) if '"stats"' in l][0]
sim = json.load(urllib.request.urlopen(url + "/_sim/stats"))["logs"]
print("lines in the simulator    %d" % n)
print("rows processed            %d (%s)" % (s["rows"], "none lost" if s["rows"] == n else "LOST %d" % (n - s["rows"])))
print("StartQuery calls          %d (splits %d, one-second overflows %d)" % (s["queries"], s["splits"], s["overflows"]))
print("records matched / rows    %.2f (Insights work for the splits: %d)" % (sim["records_matched"] / max(1, s["rows"]), sim["records_matched"]))
print("findings / notifications  %d / %d" % (s["findings"], s["notifications"]))
print("wall time                 %.2f s (%.0f rows/s, simulator included)" % (t1 - t0, s["rows"] / max(1e-9, t1 - t0)))
PY
