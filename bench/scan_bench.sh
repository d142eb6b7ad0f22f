#!/bin/sh
# Scanner throughput on one core (warm cache), in one run side by side
# with cat, a literal ripgrep pass and a literal grep pass over the same
# file: both count the lines holding any of 17 secret prefixes (the ones
# of issue 17), while `cwguard scan` runs the whole built-in rule set. Then
# peak RSS of `scan` on the file and on a 10x concatenation.
#	bench/scan_bench.sh [FILE]	(BUILDDIR: the build tree, default .)
# REPEAT=N scans N copies of FILE concatenated into /tmp (default 1; the
# figures in README-scan.md use 5 copies of corpus.log, 190 MB). Each time
# is the best of RUNS runs (default 5), wall and CPU (user + system) apart:
# on a shared machine the wall time also counts waiting for the core.
# BASELINE=path/to/other/cwguard adds that binary's scan to the same run.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$here/../../shared/data/secrets-dev/corpus.log}
b=${BUILDDIR:-.}
tool=$b/bench/scan_tool
[ -f "$src" ] || { echo "scan_bench: no $src, skipped"; exit 0; }

runs=${RUNS:-5}
out=$(mktemp /tmp/scan_bench_out.XXXXXX)
big=$(mktemp /tmp/scan_bench.XXXXXX)
rep=$(mktemp /tmp/scan_bench_rep.XXXXXX)
trap 'rm -f "$big" "$out" "$rep"' EXIT
i=0
: > "$rep"
while [ "$i" -lt "${REPEAT:-1}" ]; do cat "$src" >> "$rep"; i=$((i + 1)); done
file=$rep
bytes=$(wc -c < "$file")
cat "$file" > /dev/null		# warm the cache

# secs OUT CMD...: "wall cpu", the best seconds of each over $runs runs,
# the output of CMD to OUT. grep's goes to a file: GNU grep stops at the
# first match when its output is /dev/null, which would flatter it.
secs() {
	o=$1
	shift
	i=0
	while [ $i -lt "$runs" ]; do
		/usr/bin/time -f '%e %U %S' -o "$o.time" taskset -c 0 "$@" \
		    > "$o" 2>/dev/null || true
		tail -1 "$o.time"
		i=$((i + 1))
	done | awk 'NR == 1 || $1 < w { w = $1 }
	    NR == 1 || $2 + $3 < c { c = $2 + $3 }
	    END { printf "%.3f %.3f", w, c }'
	rm -f "$o.time"
}
line() {
	echo "$2" | awk -v n="$1" -v by="$bytes" '{
	    printf "%-34s wall %6.3f s %6.0f MB/s   cpu %6.3f s %6.0f MB/s\n",
	    n, $1, ($1 > 0 ? by / $1 / 1e6 : 0), $2, ($2 > 0 ? by / $2 / 1e6 : 0) }'
}
# The 17 prefixes, as fixed strings.
lits="AKIA ASIA ghp_ gho_ ghs_ github_pat_ glpat- xoxb- xoxp- sk_live_ AIza npm_ SG. hooks.slack.com -----BEGIN eyJ hf_"
set --
for l in $lits; do set -- "$@" -e "$l"; done

echo "file: $src x ${REPEAT:-1} ($bytes bytes), best of $runs, core 0"
line "cat" "$(secs /dev/null cat "$file")"
if command -v rg > /dev/null 2>&1; then
	line "rg -c -F (17 literals)" "$(secs "$out" rg -c -F "$@" "$file")"
fi
line "grep -c -F (17 literals)" "$(secs "$out" grep -c -F "$@" "$file")"
if [ -n "${BASELINE:-}" ]; then
	line "baseline scan" "$(secs /dev/null "$BASELINE" scan "$file")"
fi
line "cwguard scan (all rules)" "$(secs /dev/null "$b/cwguard" scan "$file")"
if [ -x "$tool" ]; then
	echo "engine in memory: $(taskset -c 0 "$tool" bench "$file" "$runs")"
fi

for i in 1 2 3 4 5 6 7 8 9 10; do cat "$src"; done > "$big"
for f in "$src" "$big"; do
	rss=$( { /usr/bin/time -f '%M' "$b/cwguard" scan "$f" > /dev/null; } 2>&1 | tail -1)
	echo "peak RSS $(wc -c < "$f") bytes: ${rss} KiB"
done
