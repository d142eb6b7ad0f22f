#!/bin/sh
# A synthetic fleet end to end through the product, scored with the
# detectability oracle (bench/score_fleet.py): the simulator serves the
# generator's CloudWatch series (with 5 % of CloudWatch calls throttled),
# `cwguard backtest` replays them through a lambda and an apigw watch with
# default settings, and the firings are scored beside a static 5 % alarm
# and a 3-sigma band on the same counts. A benchmark, not a test: see
# bench/README-backtest.md.
#
# usage: bench/gen_backtest.sh GEN [SEED...]
#   GEN  fleet   bench/fleet.py, the development set (tuned on seeds 1-3)
#        fleet2  bench/fleet2.py, the held-out set: reads the NAB CSVs
#                under $CWG_SHARED_DATA (default /work/shared/data) and
#                skips (exit 0) when they are absent
# env:   BUILDDIR (default .), FUNCTIONS (100), APIS (20), DAYS (8),
#        EXTRA (extra [watch] lines, e.g. "sequential_false_rate = 0"),
#        SCORE_MISSES=1 / SCORE_FALSE=1 (list them)
set -eu

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILDDIR=${BUILDDIR:-.}
CWGUARD=${CWGUARD:-$BUILDDIR/cwguard}
PY=${SIM_PYTHON:-/usr/bin/python3}
FUNCTIONS=${FUNCTIONS:-100}
APIS=${APIS:-20}
DAYS=${DAYS:-8}
EXTRA=${EXTRA:-}
START=1766620800			# 2025-12-25T00:00:00Z
END=$((START + DAYS * 86400))
GEN=${1:?usage: gen_backtest.sh fleet|fleet2 [SEED...]}
shift
SEEDS=${*:-4 5 6}

case $GEN in
fleet|fleet2) ;;
*) echo "unknown generator $GEN" >&2; exit 64 ;;
esac
[ -x "$CWGUARD" ] || { echo "no $CWGUARD (set BUILDDIR)" >&2; exit 1; }
if [ "$GEN" = fleet2 ] && ! (cd "$SRC/bench" && "$PY" -c \
    'import sys, fleet2; sys.exit(0 if fleet2.available() else 1)'); then
	echo "SKIP: fleet2 needs the NAB CSVs under" \
	    "${CWG_SHARED_DATA:-/work/shared/data}"
	exit 0
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/cwg-genbt.XXXXXX")
SIMPID=
cleanup() {
	[ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null && wait "$SIMPID" || :
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

cat > "$W/c.conf" <<CONF
[cwguard]
state = $W/live.db
[aws]
region = us-east-1
[watch fns]
kind = lambda
functions = *
$EXTRA
[watch apis]
kind = apigw
apis = *
signals = 5xx, 4xx
$EXTRA
CONF
chmod 600 "$W/c.conf"

for seed in $SEEDS; do
	cat > "$W/scenario.json" <<JSON
{"account_id": "123456789012", "region": "us-east-1", "seed": $seed,
 "clock": $END,
 "credentials": [{"access_key_id": "AKIDSIMBASIC0000001",
   "secret_access_key": "simSecretBasic/0000000000000000000000001"}],
 "faults": [{"service": "cloudwatch", "operation": "*", "kind": "throttle",
   "probability": 0.05}],
 "metrics": [{"generator": "bench.$GEN:iter_series",
   "args": {"seed": $seed, "n_functions": $FUNCTIONS, "n_apis": $APIS,
            "start_epoch": $START, "end_epoch": $END}}]}
JSON
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
	env -i PATH="$PATH" HOME="$W" TMPDIR="$W" \
	    AWS_ACCESS_KEY_ID=AKIDSIMBASIC0000001 \
	    AWS_SECRET_ACCESS_KEY=simSecretBasic/0000000000000000000000001 \
	    AWS_ENDPOINT_URL="http://127.0.0.1:$port" \
	    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	    AWS_EC2_METADATA_DISABLED=true \
	    "$CWGUARD" -q -c "$W/c.conf" --format json backtest \
	    --from $((START + 86400)) --to $END > "$W/alerts.$seed.json"
	t2=$(date +%s)
	stats=$("$PY" -c 'import json,sys,urllib.request as u; s=json.load(u.urlopen(sys.argv[1]+"/_sim/stats")); c=s["cloudwatch"]; print(c["calls"], c.get("faults", s.get("faults", "?")))' "http://127.0.0.1:$port" 2>/dev/null || echo "? ?")
	kill "$SIMPID"; wait "$SIMPID" || :; SIMPID=
	[ ! -e "$W/live.db" ] || { echo "live state was created" >&2; exit 1; }
	[ -z "${KEEP_ALERTS:-}" ] || cp "$W/alerts.$seed.json" \
	    "$KEEP_ALERTS.$GEN.$seed.json"
	echo "# sim start ${t1}-${t0}=$((t1 - t0))s, backtest $((t2 - t1))s," \
	    "GetMetricData calls/faults: $stats"
	"$PY" "$SRC/bench/score_fleet.py" "bench.$GEN" "$seed" "$FUNCTIONS" \
	    "$APIS" "$START" "$END" "$W/alerts.$seed.json"
	echo
done
