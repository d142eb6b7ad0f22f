#!/bin/sh
# Runs every CSV of a NAB-style set through nab_run (the robust detector with
# one parameter set for all files) and scores the alerts with
# ../shared/tools/nab_events.py.
#
# usage: bench/nab/run_nab.sh SET [nab_run options...]
#   SET      nab | nab-aws | a path holding data/<category>/*.csv and
#            labels/combined_windows.json
#   options  passed to nab_run (-t -d -w -m -s -r -a -H -R -k -C -L -l -W -N
#            -M -F);
#            none = defaults
# environment:
#   NAB_RUN  the nab_run binary (default: bench/nab/nab_run in $BUILDDIR,
#            else in the current directory)
#   OUT      detections JSON to write (default: ./nab-detections-<set>.json)
#   PYTHON   default /usr/bin/python3
#   SCORE_ARGS extra arguments for nab_events.py (e.g. --per-file)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
shared=${SHARED:-$top/../shared}

[ $# -ge 1 ] || { echo "usage: $0 SET [nab_run options]" >&2; exit 2; }
set_arg=$1
shift
case $set_arg in
*/*)	setdir=$set_arg ;;
*)	setdir=$shared/data/$set_arg ;;
esac
[ -d "$setdir/data" ] || { echo "$0: no $setdir/data" >&2; exit 2; }
name=$(basename "$setdir")

if [ -z "${NAB_RUN:-}" ]; then
	if [ -n "${BUILDDIR:-}" ] && [ -x "$BUILDDIR/bench/nab/nab_run" ]; then
		NAB_RUN=$BUILDDIR/bench/nab/nab_run
	elif [ -x ./bench/nab/nab_run ]; then
		NAB_RUN=./bench/nab/nab_run
	else
		echo "$0: set NAB_RUN to the nab_run binary" >&2
		exit 2
	fi
fi
out=${OUT:-./nab-detections-$name.json}
python=${PYTHON:-/usr/bin/python3}

files=$(cd "$setdir/data" && find . -name '*.csv' | sed 's|^\./||' | LC_ALL=C sort)
# shellcheck disable=SC2086
"$NAB_RUN" "$@" -o "$out" -D "$setdir/data" $files
# shellcheck disable=SC2086
"$python" "$shared/tools/nab_events.py" \
	--labels "$setdir/labels/combined_windows.json" \
	--data "$setdir/data" --detections "$out" --nab-score ${SCORE_ARGS:-}
