#!/bin/sh
# Accuracy of the secret scanner on a labeled corpus (secrets-dev or a
# held-out set of the same format): runs `scan --format json`, maps rule ids
# to corpus types (kebab -> snake case) and scores with secret_score.py.
# Prints only redacted previews: --show-missed 0 (the scorer would print
# truth secrets), and false positives show the redacted preview.
#
#	bench/scan_accuracy.sh [DATADIR]	(default ../shared/data/secrets-dev)
#	SCAN="path/to/cwguard scan"		(default: $CWGUARD scan, else
#						 the build's bench/scan_tool scan)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${1:-$here/../../shared/data/secrets-dev}
score=${SCORE:-$here/../../shared/tools/secret_score.py}
py=${SIM_PYTHON:-/usr/bin/python3}
if [ -z "${SCAN:-}" ]; then
	if [ -n "${CWGUARD:-}" ] && "$CWGUARD" scan --help >/dev/null 2>&1; then
		SCAN="$CWGUARD scan"
	else
		SCAN="${BUILDDIR:-.}/bench/scan_tool scan"
	fi
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for set in dense corpus; do
	log=$data/$set.log
	[ -f "$log" ] || continue
	if [ "$set" = dense ]; then truth=$data/dense-truth.jsonl; else truth=$data/truth.jsonl; fi
	# shellcheck disable=SC2086
	set +e
	${SCAN%% scan} --format json scan "$log" > "$tmp/$set.json"
	rc=$?
	set -e
	[ "$rc" -le 1 ] || { echo "scan failed ($rc)" >&2; exit 2; }
	"$py" -c '
import json, sys
for l in open(sys.argv[1]):
    f = json.loads(l)
    print(json.dumps({"line": f["line"], "type": f["rule"].replace("-", "_"),
                      "match": f["redacted"]}))
' "$tmp/$set.json" > "$tmp/$set.findings"
	echo "== $set.log"
	"$py" "$score" --truth "$truth" --findings "$tmp/$set.findings" \
	    --map "$here/scan_map.json" --show-missed 0 --show-fp "${SHOW_FP:-10}" \
	    ${JSON_OUT:+--json "$JSON_OUT.$set.json"}
done
