#!/usr/bin/python3
"""Scores the stored results of NAB's published detectors with this project's
scorer (../shared/tools/nab_events.py), so that our figures and theirs come
from the same arithmetic.

usage: bench/nab/reference.py --nab NAB [--set nab|nab-aws|DIR]... [DETECTOR...]

NAB is a checkout of github.com/numenta/NAB: a work tree (with results/ and
config/) or a bare git directory (read with `git show HEAD:...`).  Each
detector's alerts are the rows whose stored anomaly_score is at or above the
threshold NAB's own optimiser chose for it (config/thresholds.json, profile
"standard"); NAB counts every such row, and so does nab_events.py.

Reading the stored results is not tuning: nothing here feeds cwguard's
detector.  Default detectors: numenta (HTM), contextOSE, ARTime, numentaTM,
randomCutForest, windowedGaussian.
"""
import argparse
import csv
import io
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("SHARED", os.path.join(HERE, "..", "..", "..",
                                               "shared"))
sys.path.insert(0, os.path.join(SHARED, "tools"))
import nab_events  # noqa: E402

DEFAULT = ["numenta", "contextOSE", "ARTime", "numentaTM", "randomCutForest",
           "windowedGaussian"]


class Nab(object):
    def __init__(self, path):
        self.path = path
        self.tree = os.path.isdir(os.path.join(path, "results"))

    def read(self, rel):
        if self.tree:
            with open(os.path.join(self.path, rel)) as f:
                return f.read()
        return subprocess.run(["git", "--git-dir", self.path, "show",
                               "HEAD:" + rel], capture_output=True, text=True,
                              check=True).stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nab", required=True)
    ap.add_argument("--set", action="append")
    ap.add_argument("detectors", nargs="*")
    a = ap.parse_args()
    nab = Nab(a.nab)
    thresholds = json.loads(nab.read("config/thresholds.json"))
    print("set\tdetector\tthreshold\twindows\tdetected\trecall\t"
          "false_episodes\tprecision\tf1\tnab_norm")
    for s in a.set or ["nab", "nab-aws"]:
        root = s if "/" in s else os.path.join(SHARED, "data", s)
        labels = os.path.join(root, "labels", "combined_windows.json")
        with open(labels) as f:
            keys = sorted(json.load(f))
        for det in a.detectors or DEFAULT:
            thr = thresholds[det]["standard"]["threshold"]
            alerts = {}
            for k in keys:
                cat, name = k.split("/")
                rows = list(csv.reader(io.StringIO(nab.read(
                    "results/%s/%s/%s_%s" % (det, cat, det, name)))))
                col = rows[0].index("anomaly_score")
                alerts[k] = [i for i, r in enumerate(rows[1:])
                             if r and float(r[col]) >= thr]
            _, _, o = nab_events.score([labels], [os.path.join(root, "data")],
                                       alerts, warn=None)
            print("%s\t%s\t%.4f\t%d\t%d\t%.3f\t%d\t%.3f\t%.3f\t%.1f" % (
                os.path.basename(root), det, thr, o["windows"], o["detected"],
                o["recall"], o["false_episodes"], o["precision"], o["f1"],
                o["nab_norm"]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
