#!/usr/bin/python3
"""Third-round study of alert policies for the robust detector, on the NAB
development set and its short-series stand-in only (never nab-aws).

usage: bench/nab/study.py [--nab-run PATH] [--work DIR] FAMILY...
FAMILY: separation gate magnitude range zcontext discord discord-gate
(or all)

Needs python3-numpy (apt-get install python3-numpy; a bench tool, not a
dependency of cwguard).  It runs nab_run once per set with its defaults and
-S (every row's score, level score, rule and value) into --work (default
/tmp/nab-study), builds the short-series set there with make_short.py, and
then replays alert policies over those rows in Python:

  separation    how many labelled windows (after probation) peak no higher
                than the largest score outside every window of the same
                file: the robust score alone, and max(score / 2, level / 4)
  gate          no record rule: |score| >= T or |level| >= L, and above
                c x the largest of the last N rows (N 0 = since the start)
  magnitude     the default alerts, kept only if their size (score / 2,
                level / 4) is >= G and >= beta x the largest earlier alert
                size within N rows
  range         a value beyond the range seen so far (last N rows, 0 = all)
                by a x that range; alone and added to the default alerts
  zcontext      contexts of discretised scores (floor(|z| / q), sign, capped
                at M; with the level score as a second symbol) of lengths
                1..K, alert when at least theta of them were never seen
  discord       the Euclidean distance of the last w values to their nearest
                earlier non-overlapping subsequence (of the last 2000),
                alert when >= T x its running median and > c x its largest
                of the last N rows
  discord-gate  the default alerts, kept only if the discord ratio reaches G
                within `look` rows

Each line prints the variant and, for dev | short, recall (windows), false
episodes, precision, event F1 and the approximate NAB score.
"""
import argparse
import collections
import csv
import itertools
import math
import os
import subprocess
import sys

try:
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view
except ImportError:
    sys.exit("study.py: needs numpy (apt-get install python3-numpy)")

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("SHARED", os.path.join(HERE, "..", "..", "..",
                                               "shared"))
sys.path.insert(0, os.path.join(SHARED, "tools"))
import nab_events  # noqa: E402

SETS = ("dev", "short")
HOLDOFF = 100


def prev_max(a, n):
    """out[t] = max(a[t-n .. t-1]) (0 when empty); n = 0: a[0 .. t-1]."""
    if n == 0:
        return np.maximum.accumulate(np.r_[0.0, a[:-1]])
    out = np.zeros(len(a))
    dq = collections.deque()
    for t in range(len(a)):
        while dq and dq[0] < t - n:
            dq.popleft()
        out[t] = a[dq[0]] if dq else 0.0
        while dq and a[dq[-1]] <= a[t]:
            dq.pop()
        dq.append(t)
    return out


def prev_median(a, m=500):
    out = np.full(len(a), np.inf)
    for t in range(len(a)):
        seg = a[max(0, t - m):t]
        seg = seg[seg > 0]
        if len(seg) >= 16:
            out[t] = np.median(seg)
    return out


def holdoff(rows, idx):
    out, last = [], -10 ** 9
    for i in idx:
        if i - last > HOLDOFF:
            out.append(int(rows[i]))
            last = i
    return out


class Study(object):
    def __init__(self, nab_run, work):
        self.roots = {"dev": os.path.join(SHARED, "data", "nab"),
                      "short": os.path.join(work, "devshort")}
        if not os.path.isdir(self.roots["short"]):
            subprocess.run([sys.executable, os.path.join(HERE, "make_short.py"),
                            self.roots["dev"], self.roots["short"]],
                           check=True, stdout=subprocess.DEVNULL)
        self.d = {}
        for s in SETS:
            dump = os.path.join(work, s + ".csv")
            if not os.path.exists(dump):
                root = self.roots[s]
                keys = sorted(os.path.relpath(os.path.join(dp, f),
                                              os.path.join(root, "data"))
                              for dp, _, fs in os.walk(os.path.join(root, "data"))
                              for f in fs if f.endswith(".csv"))
                subprocess.run([nab_run, "-S", dump + ".tmp", "-o", os.devnull,
                                "-D", os.path.join(root, "data")] + keys,
                               check=True, stderr=subprocess.DEVNULL)
                os.rename(dump + ".tmp", dump)
            self.d[s] = self.load(dump)
        self.cache = {}

    @staticmethod
    def load(path):
        rows = collections.defaultdict(list)
        with open(path) as f:
            for r in csv.reader(f):
                rows[r[0]].append([float(v) for v in r[1:]])
        out = collections.OrderedDict()
        for k, v in rows.items():
            a = np.array(v)
            out[k] = dict(row=a[:, 0].astype(int),
                          s=np.clip(np.nan_to_num(a[:, 1]), -1e6, 1e6),
                          lvl=np.clip(np.nan_to_num(a[:, 2]), -1e6, 1e6),
                          judged=a[:, 4] > 0, rule=a[:, 6].astype(int),
                          x=a[:, 7])
        return out

    def score(self, s, det):
        root = self.roots[s]
        _, _, o = nab_events.score(
            [os.path.join(root, "labels", "combined_windows.json")],
            [os.path.join(root, "data")], det, warn=None)
        return "rec %.3f (%d/%d) fe %d prec %.3f f1 %.3f nab %.1f" % (
            o["recall"], o["detected"], o["windows"], o["false_episodes"],
            o["precision"], o["f1"], o["nab_norm"])

    def report(self, name, fn):
        print(name, " | ".join(self.score(s, {k: fn(s, k, v) for k, v in
                                               self.d[s].items()})
                                for s in SETS), flush=True)

    def memo(self, key, fn):
        if key not in self.cache:
            self.cache[key] = fn()
        return self.cache[key]

    # -- families ---------------------------------------------------------

    def separation(self):
        for both in (0, 1):
            res = []
            for s in SETS:
                root = self.roots[s]
                wins = nab_events.load_windows(
                    [os.path.join(root, "labels", "combined_windows.json")])
                low = total = 0
                for k, v in self.d[s].items():
                    ser = nab_events._series(os.path.join(root, "data", k))
                    p = nab_events.probation_rows(ser.n, 0.15)
                    m = np.abs(v["s"]) * v["judged"]
                    if both:
                        m = np.maximum(m / 2, np.abs(v["lvl"]) / 4)
                    rows, spans = v["row"], []
                    inside = np.zeros(len(rows), bool)
                    for a, b in wins.get(k, []):
                        lo = ser.index_at_or_after(a)
                        hi = ser.index_at_or_before(b)
                        if lo is None or hi is None or hi < p:
                            continue
                        spans.append((lo, hi))
                        inside |= (rows >= lo) & (rows <= hi)
                    out = m[~inside & (rows >= p)]
                    top = out.max() if len(out) else 0.0
                    for lo, hi in spans:
                        total += 1
                        sel = m[(rows >= lo) & (rows <= hi)]
                        low += (sel.max() if len(sel) else 0.0) <= top
                res.append("%d of %d windows" % (low, total))
            print("separation %s: %s" % ("max(score/2, level/4)" if both
                                         else "robust score",
                                         " | ".join(res)), flush=True)

    def gate(self):
        for t, lv, c, n in itertools.product([4, 6, 8], [0, 4, 6],
                                             [1.0, 1.3, 1.6], [2000, 0]):
            def fn(s, k, v, t=t, lv=lv, c=c, n=n):
                m = np.abs(v["s"]) * v["judged"]
                lm = np.abs(v["lvl"])
                pm = self.memo(("pm", s, k, n), lambda: prev_max(m, n))
                cand = (m >= t) & (m > c * pm)
                if lv:
                    pl = self.memo(("pl", s, k, n), lambda: prev_max(lm, n))
                    cand |= (lm >= lv) & (lm > c * pl)
                return holdoff(v["row"], np.nonzero(cand)[0])
            self.report("gate T %g L %g c %g N %d" % (t, lv, c, n), fn)

    def magnitude(self):
        for g, beta, n in itertools.product([0, 2, 3, 4], [0, 0.5, 1.0],
                                            [0, 2000]):
            if beta == 0 and n:
                continue

            def fn(s, k, v, g=g, beta=beta, n=n):
                m, lm, out, hist = np.abs(v["s"]), np.abs(v["lvl"]), [], []
                for i in np.nonzero(v["rule"] > 0)[0]:
                    size = max(m[i] / 2.0, lm[i] / 4.0)
                    prev = [z for r, z in hist if n == 0 or r > i - n]
                    if size >= g and (not prev or size >= beta * max(prev)):
                        out.append(int(v["row"][i]))
                    hist.append((i, size))
                return out
            self.report("magnitude G %g beta %g N %d" % (g, beta, n), fn)

    def range(self):
        for a, n, x6 in itertools.product([0, 0.05, 0.1, 0.2, 0.4],
                                          [0, 2000], [0, 1]):
            def fn(s, k, v, a=a, n=n, x6=x6):
                x = v["x"]
                hi = self.memo(("hi", s, k, n), lambda: prev_max(x, n)
                               if n else np.maximum.accumulate(
                                   np.r_[-np.inf, x[:-1]]))
                lo = self.memo(("lo", s, k, n), lambda: -prev_max(-x, n)
                               if n else -np.maximum.accumulate(
                                   np.r_[-np.inf, -x[:-1]]))
                with np.errstate(invalid="ignore"):
                    cand = (x > hi + a * (hi - lo)) | (x < lo - a * (hi - lo))
                cand[:100] = False
                if x6:
                    cand |= v["rule"] > 0
                return holdoff(v["row"], np.nonzero(cand)[0])
            self.report("range a %g N %d %s" % (a, n, "+default" if x6
                                                else "alone"), fn)

    def zcontext(self):
        for q, cap, kk, theta, two in itertools.product(
                [1, 2, 3], [8, 30], [1, 2, 4], [0.5, 1.0], [0, 1]):
            if kk == 1 and theta == 0.5:
                continue

            def sym(z, div, cap=cap):
                return int(max(-cap, min(cap, math.copysign(
                    math.floor(abs(z) / div), z))))

            def fn(s, k, v, q=q, kk=kk, theta=theta, two=two):
                seen, seq, out, last = set(), [], [], -10 ** 9
                for i in range(len(v["s"])):
                    a = sym(v["s"][i], q)
                    seq.append((a, sym(v["lvl"][i], 2 * q)) if two else a)
                    if not v["judged"][i]:
                        continue
                    new = 0
                    for j in range(1, kk + 1):
                        c = tuple(seq[-j:])
                        if c not in seen:
                            new += 1
                            seen.add(c)
                    if new / kk >= theta:
                        if i - last > HOLDOFF:
                            out.append(int(v["row"][i]))
                        last = i
                return out
            self.report("zcontext q %g M %d K %d theta %g %s" % (
                q, cap, kk, theta, "score+level" if two else "score"), fn)

    def discord_of(self, s, k, v, w):
        def compute():
            x = v["x"]
            sub = sliding_window_view(x, w)
            d = np.zeros(len(x))
            for j in range(sub.shape[0]):
                b = j - w + 1
                if b <= 8:
                    continue
                diff = sub[max(0, b - 2000):b] - sub[j]
                d[j + w - 1] = math.sqrt(np.einsum("ij,ij->i", diff,
                                                   diff).min())
            return d, prev_median(d)
        return self.memo(("disc", s, k, w), compute)

    def discord(self):
        for w, n, t, c in itertools.product([4, 8, 16, 32], [1000, 2000, 0],
                                            [2, 4, 8], [1.0, 1.2]):
            def fn(s, k, v, w=w, n=n, t=t, c=c):
                d, med = self.discord_of(s, k, v, w)
                pm = self.memo(("dpm", s, k, w, n), lambda: prev_max(d, n))
                return holdoff(v["row"], np.nonzero((d >= t * med) &
                                                    (d > c * pm))[0])
            self.report("discord w %d N %d T %g c %g" % (w, n, t, c), fn)

    def discord_gate(self):
        for w, g, look in itertools.product([4, 8, 16, 32], [1.5, 2, 3, 4],
                                            [0, 4]):
            def fn(s, k, v, w=w, g=g, look=look):
                d, med = self.discord_of(s, k, v, w)
                r = d / med
                out = []
                for i in np.nonzero(v["rule"] > 0)[0]:
                    hit = np.nonzero(r[i:i + look + 1] >= g)[0]
                    if len(hit):
                        out.append(int(v["row"][i + hit[0]]))
                return out
            self.report("discord-gate w %d G %g look %d" % (w, g, look), fn)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nab-run", default=os.environ.get(
        "NAB_RUN", "./bench/nab/nab_run"))
    ap.add_argument("--work", default="/tmp/nab-study")
    ap.add_argument("families", nargs="+")
    a = ap.parse_args()
    fams = {"separation": "separation", "gate": "gate", "magnitude": "magnitude", "range": "range",
            "zcontext": "zcontext", "discord": "discord",
            "discord-gate": "discord_gate"}
    names = list(fams) if a.families == ["all"] else a.families
    for f in names:
        if f not in fams:
            ap.error("unknown family %s" % f)
    os.makedirs(a.work, exist_ok=True)
    st = Study(os.path.abspath(a.nab_run), a.work)
    for f in names:
        getattr(st, fams[f])()
    return 0


if __name__ == "__main__":
    sys.exit(main())
