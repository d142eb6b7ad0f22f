#!/bin/sh
# Scanner throughput on one core over corpus.log (warm cache), side by side
# with cat and grep -E over the same file, and peak RSS of `scan` on the
# file and on a 10x concatenation (written to /tmp, removed after). Each
# time is the best of RUNS runs (default 5): the machine is shared.
#	bench/scan_bench.sh [FILE]	(BUILDDIR: the build tree, default .)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
file=${1:-$here/../../shared/data/secrets-dev/corpus.log}
b=${BUILDDIR:-.}
tool=$b/bench/scan_tool
bytes=$(wc -c < "$file")
cat "$file" > /dev/null		# warm the cache

runs=${RUNS:-5}
out=$(mktemp /tmp/scan_bench_out.XXXXXX)
big=$(mktemp /tmp/scan_bench.XXXXXX)
trap 'rm -f "$big" "$out"' EXIT
# secs OUT CMD...: best seconds of wall time of CMD over $runs runs, its
# output to OUT. grep's goes to a file: GNU grep stops at the first match
# when its output is /dev/null, which would flatter it.
secs() {
	o=$1
	shift
	i=0
	while [ $i -lt "$runs" ]; do
		s=$(date +%s.%N)
		taskset -c 0 "$@" > "$o" 2>&1 || true
		e=$(date +%s.%N)
		echo "$s $e"
		i=$((i + 1))
	done | awk 'NR == 1 || $2 - $1 < m { m = $2 - $1 } END { printf "%.4f", m }'
}
mbs() { echo "$bytes $1" | awk '{ printf "%.0f", $1 / $2 / 1e6 }'; }

t_cat=$(secs /dev/null cat "$file")
t_grep=$(secs "$out" grep -E -c 'AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36}|xox[bp]-|sk_live_|-----BEGIN' "$file")
t_scan=$(secs /dev/null "$tool" scan "$file")
engine=$(taskset -c 0 "$tool" bench "$file" "$runs")
echo "file: $file ($bytes bytes)"
printf '%-28s %8s s %8s MB/s\n' "cat" "$t_cat" "$(mbs "$t_cat")"
printf '%-28s %8s s %8s MB/s\n' "grep -E (5 patterns)" "$t_grep" "$(mbs "$t_grep")"
printf '%-28s %8s s %8s MB/s\n' "scan (whole command)" "$t_scan" "$(mbs "$t_scan")"
echo "engine in memory: $engine"
echo "$t_cat $t_grep $t_scan" | awk '{ printf "ratios: scan/cat %.1fx slower, scan/grep %.2fx\n", $3 / $1, $3 / $2 }'

for i in 1 2 3 4 5 6 7 8 9 10; do cat "$file"; done > "$big"
for f in "$file" "$big"; do
	rss=$( { /usr/bin/time -f '%M' "$tool" scan "$f" > /dev/null; } 2>&1 | tail -1)
	echo "peak RSS $(wc -c < "$f") bytes: ${rss} KiB"
done
