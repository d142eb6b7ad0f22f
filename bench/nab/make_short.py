#!/usr/bin/python3
"""Cuts every series of a NAB-style development set into consecutive chunks
of ROWS rows (default 4032: 14 days at 5 minutes, the length of the
realAWSCloudwatch series), each an independent series with its windows
clipped to it.  A dev-only stand-in for short series, used by cv.py.

usage: bench/nab/make_short.py SRC_SET DST_DIR [ROWS]
"""
import csv
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "shared", "tools"))
import nab_events  # noqa: E402


def main():
    src, dst = sys.argv[1], sys.argv[2]
    rows_per = int(sys.argv[3]) if len(sys.argv) > 3 else 4032
    with open(os.path.join(src, "labels", "combined_windows.json")) as f:
        labels = json.load(f)
    out = {}
    for key in sorted(labels):
        with open(os.path.join(src, "data", key), newline="") as f:
            rd = list(csv.reader(f))
        head, body = rd[0], rd[1:]
        wins = [(nab_events.parse_ts(a), nab_events.parse_ts(b), a, b)
                for a, b in labels[key]]
        nchunk = max(1, (len(body) + rows_per // 2) // rows_per)
        for c in range(nchunk):
            part = body[c * rows_per:(c + 1) * rows_per if c < nchunk - 1
                        else len(body)]
            if len(part) < 500:
                continue
            ck = key[:-4] + "_c%d.csv" % c
            os.makedirs(os.path.dirname(os.path.join(dst, "data", ck)),
                        exist_ok=True)
            with open(os.path.join(dst, "data", ck), "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(head)
                w.writerows(part)
            t0 = nab_events.parse_ts(part[0][0])
            t1 = nab_events.parse_ts(part[-1][0])
            cw = []
            for a, b, sa, sb in wins:
                if b < t0 or a > t1:
                    continue
                cw.append([sa if a >= t0 else part[0][0],
                           sb if b <= t1 else part[-1][0]])
            out[ck] = cw
    os.makedirs(os.path.join(dst, "labels"), exist_ok=True)
    with open(os.path.join(dst, "labels", "combined_windows.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
