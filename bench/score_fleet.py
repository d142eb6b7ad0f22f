#!/usr/bin/python3
"""Scores `cwguard backtest` firings on a synthetic fleet (bench/fleet.py
or bench/fleet2.py) against its labels, beside two baselines computed here
on the same counts: a CloudWatch-style static alarm (rate > 5 % for 2
periods in a row) and a 3-sigma band (rate > mean + 3 sd of the trailing
168 hours of per-period rates, periods above the band left out, 2 periods
in a row; after 6 hours of history). Both as bench/fleet_eval.c does.

An incident is detectable (the oracle) when its whole window's errors E
of N requests have P(X >= E | Bin(N, b)) <= 1e-6 and E >= 5, b being the
generator's true base rate over the window (request-weighted; before any
incident and jitter). Found: a firing period in [start, end + 3 periods].
False: a firing outside every incident window of its signal, from the end
of the learning day on; per signal-week over all signals.

usage: score_fleet.py GEN SEED FUNCTIONS APIS START END ALERTS.json
"""

import calendar
import importlib
import json
import math
import os
import statistics
import sys
import time

P = 60
LEARN_HOURS = 6
BAND_HOURS = 168


def log_binom_sf(e, n, p):
    """ln P(X >= e), X ~ Bin(n, p), by the term ratio from e up."""
    if e <= 0:
        return 0.0
    if e > n:
        return -math.inf
    if p <= 0:
        return -math.inf
    if e <= n * p:
        return 0.0      # the tail holds the mean: not significant
    lp = (math.lgamma(n + 1) - math.lgamma(e + 1) - math.lgamma(n - e + 1) +
          e * math.log(p) + (n - e) * math.log1p(-p))
    s = t = 1.0
    k = e
    while k < n:
        t *= (n - k) / (k + 1) * p / (1 - p)
        s += t
        if t < s * 1e-16:
            break
        k += 1
    return lp + math.log(s)


def baselines(rows, start):
    """Firing periods of static5% and band3sd on one signal."""
    fs, fb = [], []
    srun = brun = 0
    salarm = balarm = False
    h0 = start // 3600
    hours = {}
    cnt = sm = sq = 0.0     # trailing window sums
    first = None
    for i, (n, e, _) in enumerate(rows):
        t = start + i * P
        h = t // 3600
        if first != h:
            first = h
            old = hours.pop(h - BAND_HOURS, None)
            if old:
                cnt -= old[0]
                sm -= old[1]
                sq -= old[2]
        if n <= 0:
            continue
        rate = e / n
        if rate > 0.05:
            srun += 1
            if srun >= 2 and not salarm:
                salarm = True
                fs.append(t)
        else:
            srun = 0
            salarm = False
        if cnt >= 1 and h - h0 >= LEARN_HOURS:
            mu = sm / cnt
            sd = math.sqrt(max(0.0, sq / cnt - mu * mu))
        else:
            mu = sd = math.inf
        if rate > mu + 3 * sd:
            brun += 1
            if brun >= 2 and not balarm:
                balarm = True
                fb.append(t)
        else:
            brun = 0
            balarm = False
            x = hours.setdefault(h, [0.0, 0.0, 0.0])
            x[0] += 1
            x[1] += rate
            x[2] += rate * rate
            cnt += 1
            sm += rate
            sq += rate * rate
    return fs, fb


def main(argv):
    gen, seed, nf, na, start, end, alerts = argv[1], *map(int, argv[2:7]), \
        argv[7]
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    mod = importlib.import_module(gen.split(".")[-1])
    labels = mod.labels(seed, nf, na, start, end)
    eval_start = start + 86400
    inc = [l for l in labels if l["label"] == "incident"]
    by = {}
    for l in inc:
        by.setdefault((l["entity"], l["signal"]), []).append(l)
    fir = {"cwguard": {}, "static5%": {}, "band3sd": {}}
    with open(alerts) as f:
        for line in f:
            a = json.loads(line)
            if a.get("type") == "alert" and a["status"] == "firing" and \
                    not a.get("repeat"):
                t = calendar.timegm(time.strptime(
                    a["at"], "%Y-%m-%dT%H:%M:%SZ")) - P
                fir["cwguard"].setdefault((a["entity"], a["signal"]),
                                          []).append((t, a.get("trigger")))
    nsig = 0
    for ent, sig, s0, per, rows in mod.truth(seed, nf, na, start, end):
        nsig += 1
        fs, fb = baselines(rows, s0)
        fir["static5%"][(ent, sig)] = [(t, None) for t in fs]
        fir["band3sd"][(ent, sig)] = [(t, None) for t in fb]
        for l in by.get((ent, sig), []):
            a, b = (l["start"] - s0) // P, (l["end"] - s0) // P
            N = sum(r[0] for r in rows[a:b])
            E = sum(r[1] for r in rows[a:b])
            base = sum(r[0] * r[2] for r in rows[a:b]) / N if N else 0
            l["N"], l["E"], l["base"] = N, E, base
            l["detectable"] = E >= 5 and N > 0 and \
                log_binom_sf(E, N, base) <= math.log(1e-6)
    sw = nsig * (end - eval_start) / (7 * 86400.0)
    det = [l for l in inc if l.get("detectable")]
    print("%s seed %d: %d functions + %d APIs, %d signals, %.1f "
          "signal-weeks, %d incidents, %d detectable" % (
              gen, seed, nf, na, nsig, sw, len(inc), len(det)))
    print("| method | recall (detectable) | recall (all) | false | "
          "false/signal-week | median delay |")
    print("|---|---|---|---|---|---|")
    out = {}
    for m, fm in fir.items():
        first = {}
        false = 0
        trig = {}
        for key, lst in fm.items():
            for t, tr in lst:
                hit = False
                for l in by.get(key, []):
                    if l["start"] <= t <= l["end"] + 3 * P:
                        hit = True
                        if id(l) not in first or t < first[id(l)]:
                            first[id(l)] = t
                            trig[id(l)] = tr
                if not hit and t >= eval_start:
                    false += 1
        dl = [(first[id(l)] - l["start"]) / P for l in inc if id(l) in first]
        rd = sum(id(l) in first for l in det) / len(det) if det else \
            float("nan")
        ra = len(dl) / len(inc) if inc else float("nan")
        print("| %s | %.3f (%d/%d) | %.3f | %d | %.3f | %.1f |" % (
            m, rd, sum(id(l) in first for l in det), len(det), ra, false,
            false / sw, statistics.median(dl) if dl else float("nan")))
        out[m] = (first, trig)
    first, trig = out["cwguard"]
    kinds = {}
    for l in inc:
        k = kinds.setdefault(l["incident"], [0, 0, 0, 0])
        k[0] += 1
        k[1] += id(l) in first
        if l.get("detectable"):
            k[2] += 1
            k[3] += id(l) in first
    print("cwguard per kind (found/all, found/detectable): " + ", ".join(
        "%s %d/%d %d/%d" % (k, v[1], v[0], v[3], v[2])
        for k, v in sorted(kinds.items())))
    tr = {}
    for l in inc:
        if id(l) in first:
            tr[trig[id(l)]] = tr.get(trig[id(l)], 0) + 1
    print("cwguard first firing by test: " + ", ".join(
        "%s %d" % (k, v) for k, v in sorted(tr.items(), key=str)))
    if os.environ.get("SCORE_MISSES"):
        for l in det:
            if id(l) not in first:
                print("missed %s %s %s %s-%s N=%d E=%d base=%.5f" % (
                    l["incident"], l["entity"], l["signal"],
                    time.strftime("%d %H:%M", time.gmtime(l["start"])),
                    time.strftime("%H:%M", time.gmtime(l["end"])),
                    l["N"], l["E"], l["base"]))
    fl = os.environ.get("SCORE_FALSE")
    if fl:
        lab = {}
        for l in labels:
            lab.setdefault((l["entity"], l["signal"]), []).append(l)
        for key, lst in fir["cwguard"].items():
            for t, trg in lst:
                if t < eval_start or any(l["start"] <= t <= l["end"] + 3 * P
                                         for l in by.get(key, [])):
                    continue
                traps = [l["incident"] for l in lab.get(key, [])
                         if l["label"] == "trap" and
                         l["start"] <= t <= l["end"] + 3 * P]
                print("false %s %s %s %s %s" % (
                    key[0], key[1], time.strftime("%d %H:%M",
                                                  time.gmtime(t)),
                    trg, ",".join(traps) or "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
