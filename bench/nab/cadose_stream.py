#!/usr/bin/python3
"""Runs NAB's own contextOSE detector (from a NAB checkout, not copied here)
with three choices of its value range, and scores it with nab_events.py:

  global   the min and max of the whole file, read before the first value:
           what NAB hands every detector (nab/detectors/base.py), i.e.
           lookahead that a daemon streaming live metrics does not have;
  prob     the min and max of the probation rows only (the first 15 %),
           later values clamped into that range: no lookahead;
  prob50   the probation range widened by 50 % on each side, clamped;
  grid     no clamp: the probation range cut into NAB's 7 steps, and that
           grid extended both ways (8 bins below, 48 above), so a value
           beyond the probation range gets a bin of its own.

Everything else is NAB's: threshold 0.7655 (its optimised standard-profile
threshold), rest period = probation / 5, as in context_ose_detector.py.

usage: bench/nab/cadose_stream.py --nab NAB [--set nab|nab-aws|DIR]
           [--range global,prob,prob50] [-j JOBS]
NAB: a NAB work tree or bare git directory (see reference.py).
Slow: about 2.5 CPU minutes for the development set per range.
"""
import argparse
import csv
import json
import math
import multiprocessing
import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from reference import Nab, SHARED, nab_events  # noqa: E402

THRESHOLD = 0.7655273437500002
PKG = "nab.detectors.context_ose"
CAD = None


def load_cad(path):
    """Imports NAB's two contextOSE modules from the checkout."""
    nab = Nab(path)
    for name in ("nab", "nab.detectors", PKG):
        sys.modules.setdefault(name, types.ModuleType(name))
    for mod in ("context_operator", "cad_ose"):
        m = types.ModuleType(PKG + "." + mod)
        exec(compile(nab.read("nab/detectors/context_ose/%s.py" % mod),
                     mod + ".py", "exec"), m.__dict__)
        sys.modules[m.__name__] = m
    return sys.modules[PKG + ".cad_ose"].ContextualAnomalyDetectorOSE


def init(path):
    global CAD
    CAD = load_cad(path)


def run_file(job):
    path, mode = job
    with open(path, newline="") as f:
        xs = [float(r[1]) for r in list(csv.reader(f))[1:] if r]
    n = len(xs)
    p = int(min(math.floor(0.15 * n), 0.15 * 5000))
    lo, hi = (min(xs), max(xs)) if mode == "global" else \
        (min(xs[:p]), max(xs[:p]))
    if mode == "prob50":
        lo, hi = lo - 0.5 * (hi - lo), hi + 0.5 * (hi - lo)
    if mode == "grid":
        # bins 0..63 (6 bits), the probation range is bins 8..15
        step = (hi - lo) / 7.0 if hi > lo else 1.0
        det = CAD(minValue=0, maxValue=7, restPeriod=p / 5.0,
                  numNormValueBits=6)
        det.minValueStep = 1.0
        return [i for i, x in enumerate(xs) if det.getAnomalyScore(
            {"value": float(max(0, min(63, 8 + math.floor((x - lo) /
                                                          step))))}) >=
            THRESHOLD]
    det = CAD(minValue=lo, maxValue=hi, restPeriod=p / 5.0)
    return [i for i, x in enumerate(xs) if det.getAnomalyScore(
        {"value": min(max(x, lo), hi)}) >= THRESHOLD]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nab", required=True)
    ap.add_argument("--set", default="nab")
    ap.add_argument("--range", default="global,prob,prob50,grid")
    ap.add_argument("-j", type=int, default=2)
    a = ap.parse_args()
    root = a.set if "/" in a.set else os.path.join(SHARED, "data", a.set)
    labels = os.path.join(root, "labels", "combined_windows.json")
    with open(labels) as f:
        keys = sorted(json.load(f))
    print("set\trange\twindows\tdetected\trecall\tfalse_episodes\t"
          "precision\tf1\tnab_norm")
    with multiprocessing.Pool(a.j, init, (a.nab,)) as pool:
        for mode in a.range.split(","):
            rows = pool.map(run_file, [(os.path.join(root, "data", k), mode)
                                       for k in keys])
            _, _, o = nab_events.score([labels], [os.path.join(root, "data")],
                                       dict(zip(keys, rows)), warn=None)
            print("%s\t%s\t%d\t%d\t%.3f\t%d\t%.3f\t%.3f\t%.1f" % (
                os.path.basename(root), mode, o["windows"], o["detected"],
                o["recall"], o["false_episodes"], o["precision"], o["f1"],
                o["nab_norm"]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
