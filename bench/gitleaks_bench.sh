#!/bin/sh
# Coverage of the built-in rules on gitleaks's own rule tests: the true-
# and false-positive cases of its cmd/generate/config/rules/*.go (extracted
# by bench/gitleaks_cases.py, never its regexes) go through `cwguard scan`
# in one file, one case after another with a separator line. A case counts
# as found when scan reports any finding on its lines (whatever the rule:
# the two rule sets do not share ids). Prints rule types with cases, types
# covered (at least one true case found), macro recall (mean over types of
# the share of true cases found) and the share of false cases flagged;
# then the types below full recall (ids only: the cases are never printed).
# Left out: the rules whose tests judge a file by its path (pkcs12-file,
# kubernetes-secret-yaml...: a log line has no path). A false case of one
# type that is, verbatim, a true case of another (a Cloudflare global key
# among the false cases of the Cloudflare API token) is counted apart as
# "cross-type": flagging it is right. BY_PATH=1 keeps the path rules' cases.
#	GITLEAKS_DIR=/path/to/gitleaks bench/gitleaks_bench.sh
#	(BUILDDIR: the build tree, default .; skips when GITLEAKS_DIR is unset)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
py=${SIM_PYTHON:-/usr/bin/python3}
b=${BUILDDIR:-.}
if [ -z "${GITLEAKS_DIR:-}" ] || [ ! -d "$GITLEAKS_DIR/cmd/generate/config/rules" ]; then
	echo "gitleaks_bench: GITLEAKS_DIR unset or not a gitleaks checkout, skipped"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$py" "$here/gitleaks_cases.py" "$GITLEAKS_DIR" > "$tmp/cases.jsonl"
"$py" - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
with open(tmp + "/cases.jsonl") as f, open(tmp + "/in.txt", "w") as out, \
        open(tmp + "/lines.jsonl", "w") as idx:
    line = 1
    for i, l in enumerate(f):
        c = json.loads(l)
        text = c["text"].replace("\r", "")
        n = text.count("\n") + 1
        out.write("#=#=# %d\n%s\n" % (i, text))
        idx.write(json.dumps([line + 1, line + n]) + "\n")
        line += n + 1
PY
set +e
AWS_EC2_METADATA_DISABLED=true "$b/cwguard" --format json scan "$tmp/in.txt" > "$tmp/found.jsonl" 2> "$tmp/err"
rc=$?
set -e
[ "$rc" -le 1 ] || { echo "scan failed ($rc)" >&2; cat "$tmp/err" >&2; exit 2; }
"$py" - "$tmp" <<'PY'
import bisect, collections, json, os, sys
tmp = sys.argv[1]
cases = [json.loads(l) for l in open(tmp + "/cases.jsonl")]
tptext = collections.defaultdict(set)
for c in cases:
    if c["kind"] == "tp":
        tptext[c["text"]].add(c["rule"])
bypath = sorted({c["rule"] for c in cases if c["by_path"]})
spans = [json.loads(l) for l in open(tmp + "/lines.jsonl")]
starts = [s[0] for s in spans]
hit = set()
for l in open(tmp + "/found.jsonl"):
    ln = json.loads(l)["line"]
    k = bisect.bisect_right(starts, ln) - 1
    if k >= 0 and spans[k][0] <= ln <= spans[k][1]:
        hit.add(k)
tp = collections.defaultdict(lambda: [0, 0])
fp = [0, 0]
cross = [0, 0]
allpath = os.environ.get("BY_PATH") == "1"
for k, c in enumerate(cases):
    if c["by_path"] and not allpath:
        continue
    if c["kind"] == "fp" and tptext.get(c["text"], set()) - {c["rule"]}:
        cross[0] += k in hit
        cross[1] += 1
    elif c["kind"] == "tp":
        tp[c["rule"]][0] += k in hit
        tp[c["rule"]][1] += 1
    else:
        fp[0] += k in hit
        fp[1] += 1
types = len(tp)
covered = sum(1 for v in tp.values() if v[0] > 0)
macro = sum(v[0] / v[1] for v in tp.values()) / types
print(("kept (BY_PATH=1): " if allpath else "left out (judged by path): ") +
      ", ".join(bypath))
print("types with true cases: %d" % types)
print("types covered:         %d" % covered)
print("macro recall:          %.3f" % macro)
print("true cases found:      %d of %d" % (sum(v[0] for v in tp.values()),
                                           sum(v[1] for v in tp.values())))
print("false cases flagged:   %d of %d (%.1f%%)" % (fp[0], fp[1],
                                                   100.0 * fp[0] / max(fp[1], 1)))
print("cross-type false cases flagged: %d of %d" % tuple(cross))
low = sorted((v[0] / v[1], r) for r, v in tp.items() if v[0] < v[1])
print("below full recall: " + ", ".join("%s %.2f" % (r, x) for x, r in low))
flagged = collections.Counter(c["rule"] for k, c in enumerate(cases)
                              if c["kind"] == "fp" and k in hit and
                              (allpath or not c["by_path"]) and
                              not tptext.get(c["text"], set()) - {c["rule"]})
print("false cases flagged by type: " +
      ", ".join("%s %d" % kv for kv in sorted(flagged.items())))
PY
