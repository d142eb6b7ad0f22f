#!/bin/sh
# The synthetic fleet of bench/fleet.py end to end: the simulator serves
# the fleet's CloudWatch series, `cwguard backtest` replays them through a
# lambda and an apigw watch, and the firings are scored against the
# fleet's labels (recall, false alerts per signal-week, median delay), side
# by side with bench/fleet_eval's static 5% and 3-sigma band on the same
# fleet. A benchmark, not a test: see bench/README-backtest.md.
#
# usage: bench/fleet_backtest.sh [SEED...]     (default: 4 5 6, not tuned on)
# env:   BUILDDIR (default .), FUNCTIONS (100), APIS (20), DAYS (8)
set -eu

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILDDIR=${BUILDDIR:-.}
CWGUARD=${CWGUARD:-$BUILDDIR/cwguard}
FLEET_EVAL=${FLEET_EVAL:-$BUILDDIR/bench/fleet_eval}
PY=${SIM_PYTHON:-/usr/bin/python3}
FUNCTIONS=${FUNCTIONS:-100}
APIS=${APIS:-20}
DAYS=${DAYS:-8}
START=1766620800			# 2025-12-25T00:00:00Z
END=$((START + DAYS * 86400))
SEEDS=${*:-4 5 6}

[ -x "$CWGUARD" ] || { echo "no $CWGUARD (set BUILDDIR)" >&2; exit 1; }
[ -x "$FLEET_EVAL" ] || { echo "no $FLEET_EVAL (make bench/fleet_eval)" >&2;
	exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/cwg-fleetbt.XXXXXX")
SIMPID=
cleanup() {
	[ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null && wait "$SIMPID" || :
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

cat > "$W/c.conf" <<EOF
[cwguard]
state = $W/live.db
[aws]
region = us-east-1
[watch fns]
kind = lambda
functions = *
ceiling = 0.1
[watch apis]
kind = apigw
apis = *
signals = 5xx, 4xx
ceiling = 0.1
EOF
chmod 600 "$W/c.conf"

for seed in $SEEDS; do
	cat > "$W/scenario.json" <<EOF
{"account_id": "123456789012", "region": "us-east-1", "seed": 1,
 "clock": $END,
 "credentials": [{"access_key_id": "AKIDSIMBASIC0000001",
   "secret_access_key": "simSecretBasic/0000000000000000000000001"}],
 "metrics": [{"generator": "bench.fleet:iter_series",
   "args": {"seed": $seed, "n_functions": $FUNCTIONS, "n_apis": $APIS,
            "start_epoch": $START, "end_epoch": $END}}]}
EOF
	rm -f "$W/ports"
	t0=$(date +%s)
	(cd "$SRC/tests" && PYTHONPATH="$SRC:$SRC/tests" \
	    PYTHONDONTWRITEBYTECODE=1 exec "$PY" -m awssim \
	    --scenario "$W/scenario.json" --port 0 --port-file "$W/ports" \
	    >"$W/sim.log" 2>&1) &
	SIMPID=$!
	while [ ! -s "$W/ports" ]; do
		kill -0 "$SIMPID" 2>/dev/null || { cat "$W/sim.log" >&2; exit 1; }
		sleep 0.5
	done
	port=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["http"])' "$W/ports")
	t1=$(date +%s)
	# the first day is the baseline history (warm-up, as in fleet_eval)
	env -i PATH="$PATH" HOME="$W" TMPDIR="$W" \
	    AWS_ACCESS_KEY_ID=AKIDSIMBASIC0000001 \
	    AWS_SECRET_ACCESS_KEY=simSecretBasic/0000000000000000000000001 \
	    AWS_ENDPOINT_URL="http://127.0.0.1:$port" \
	    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	    AWS_EC2_METADATA_DISABLED=true \
	    "$CWGUARD" -q -c "$W/c.conf" --format json backtest \
	    --from $((START + 86400)) --to $END > "$W/alerts.$seed.json"
	t2=$(date +%s)
	calls=$("$PY" -c 'import json,sys,urllib.request as u; s=json.load(u.urlopen(sys.argv[1]+"/_sim/stats"))["cloudwatch"]; print(s["calls"], s["metrics_requested"], s["datapoints_returned"])' "http://127.0.0.1:$port")
	kill "$SIMPID"; wait "$SIMPID" || :; SIMPID=
	[ ! -e "$W/live.db" ] || { echo "live state was created" >&2; exit 1; }

	"$PY" "$SRC/bench/fleet.py" --seed "$seed" --functions "$FUNCTIONS" \
	    --apis "$APIS" --start "$START" --days "$DAYS" --format eval \
	    -o "$W/eval.txt"
	"$FLEET_EVAL" "$W/eval.txt" > "$W/eval.$seed.out"

	"$PY" - "$SRC/bench" "$seed" "$FUNCTIONS" "$APIS" "$START" "$END" \
	    "$W/alerts.$seed.json" "$W/eval.$seed.out" \
	    "$((t1 - t0))" "$((t2 - t1))" "$calls" <<'PYEOF'
import json, statistics, sys
sys.path.insert(0, sys.argv[1])
import fleet
seed, nf, na, start, end = map(int, sys.argv[2:7])
alerts, evalout = sys.argv[7], sys.argv[8]
simstart, btsecs, calls = sys.argv[9], sys.argv[10], sys.argv[11]
P = 60
labels = fleet.labels(seed, nf, na, start, end)
eval_start = start + 86400
fir = []
with open(alerts) as f:
    for line in f:
        a = json.loads(line)
        if a.get("type") == "alert" and a["status"] == "firing":
            import calendar, time
            at = calendar.timegm(time.strptime(a["at"], "%Y-%m-%dT%H:%M:%SZ"))
            fir.append((a["entity"], a["signal"], at - P))
by = {}
for l in labels:
    by.setdefault((l["entity"], l["signal"]), []).append(l)
first = {}
false = 0
for ent, sig, t in fir:
    inc = False
    for l in by.get((ent, sig), []):
        if l["start"] <= t <= l["end"] + 3 * P and l["label"] == "incident":
            inc = True
            k = id(l)
            if k not in first or t < first[k]:
                first[k] = t
    if not inc and t >= eval_start:
        false += 1
incs = [l for l in labels if l["label"] == "incident"]
det = [l for l in incs if id(l) in first]
delays = [(first[id(l)] - l["start"]) / P for l in det]
# signals: lambda errors + apigw 5xx and 4xx
nsig = nf + 2 * na
sw = nsig * (end - eval_start) / (7 * 86400.0)
print("seed %d: %d functions + %d APIs, %d days, %d signals, %.1f "
      "signal-weeks, %d incidents; sim start %ss, backtest %ss, "
      "GetMetricData calls/metrics/datapoints %s" % (
          seed, nf, na, (end - start) // 86400, nsig, sw, len(incs),
          simstart, btsecs, calls.replace(" ", "/")))
kinds = {}
for l in incs:
    k = kinds.setdefault(l["incident"], [0, 0])
    k[0] += 1
    k[1] += id(l) in first
print("| method | recall | false | false/signal-week | median delay |")
print("|---|---|---|---|---|")
print("| cwguard backtest | %.3f | %d | %.3f | %.1f |" % (
    len(det) / len(incs) if incs else float("nan"), false, false / sw,
    statistics.median(delays) if delays else float("nan")))
for line in open(evalout):
    w = line.split()
    if w and w[0] in ("cwguard", "static5%", "band3sd"):
        name = {"cwguard": "fleet_eval cwguard (offline)"}.get(w[0], w[0])
        print("| %s | %s | %s | %s | %s |" % (name, w[1], w[2], w[3], w[4]))
print("per kind (backtest): " + ", ".join(
    "%s %d/%d" % (k, v[1], v[0]) for k, v in sorted(kinds.items())))
PYEOF
	echo
done
