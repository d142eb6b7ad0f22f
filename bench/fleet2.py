#!/usr/bin/python3
"""A second, independent synthetic fleet: the held-out set of the count
detector (issue 13). Nothing here was tuned on; bench/fleet.py is the
development set. Standard library only; same interface as fleet.py for
the simulator and the scorer (iter_series, labels, truth).

Different modelling choices from fleet.py, on purpose:
- traffic is not a cosine: each entity replays the shape of a real series
  (NAB realTraffic, realKnownCause, realTweets and realAWSCloudwatch
  CSVs under $CWG_SHARED_DATA, default /work/shared/data), resampled to
  one minute, normalised to its median and scaled to a mean drawn from a
  three-part log-uniform mixture (0.2-1, 1-200, 200-3000 requests/minute);
  without those files available() is false and the bench skips;
- errors are beta-binomial (the period's rate is Beta with a per-entity
  concentration 200-5000; 8 % of entities are noisy, 30-150), not a
  log-normal jitter;
- the base rate has regimes (a new level, log-normal sigma 0.15 around the
  long-run rate, at exponential intervals of mean 8 h) instead of a random
  walk, and a time-of-day part: for 40 % of entities the rate is up to
  1.8x higher while their traffic is low (night batch work), so a night
  at twice the daytime rate is normal for them;
- incidents arrive as a Poisson process (1.5 a signal-week after the first
  day) with classes: rise (1.8-6x, log-uniform, for 15-240 min), decay
  (5-15x falling with a half-life of 10-40 min until under 1.3x), creep
  (1x climbing to 3-10x over 30-240 min), outage (20-100 % errors for
  2-15 min), deploy (1.8-4x from then to the end); rises are also placed
  at the entity's quiet hours (kind quiet);
- traps: surge (traffic 3-15x for 20-90 min, same rate), retry (traffic
  2-4x for 10-60 min, same rate), single (1-4 errors in one period),
  bump (1.2-1.6x for 1-4 h), noisy (the whole range of a noisy entity).
"""

import bisect
import calendar
import csv
import glob
import math
import os
import random
import sys
import time

DAY = 86400
WEEK = 7 * DAY
LEARN = DAY
SHAPE_DIRS = ("nab/data/realTraffic", "nab/data/realKnownCause",
              "nab/data/realTweets", "nab-aws/data/realAWSCloudwatch")
_shapes = None


def data_dir():
    return os.environ.get("CWG_SHARED_DATA", "/work/shared/data")


def _shape_files():
    out = []
    for d in SHAPE_DIRS:
        out += sorted(glob.glob(os.path.join(data_dir(), d, "*.csv")))
    return out


def available():
    return len(_shape_files()) > 0


def _load_shape(path):
    ts, vs = [], []
    with open(path) as f:
        for row in csv.reader(f):
            if len(row) < 2 or row[0] == "timestamp":
                continue
            try:
                t = calendar.timegm(time.strptime(row[0][:19],
                                              "%Y-%m-%d %H:%M:%S"))
                v = float(row[1])
            except ValueError:
                continue
            if v >= 0 and math.isfinite(v):
                ts.append(t)
                vs.append(v)
    if len(ts) < 100:
        return None
    # per-minute by linear interpolation over the series' own clock
    out = []
    t, j, end = ts[0], 0, ts[-1]
    while t <= end and len(out) < 40 * 1440:
        while j + 1 < len(ts) and ts[j + 1] <= t:
            j += 1
        if j + 1 < len(ts) and ts[j + 1] > ts[j]:
            a = (t - ts[j]) / (ts[j + 1] - ts[j])
            out.append(vs[j] * (1 - a) + vs[j + 1] * a)
        else:
            out.append(vs[j])
        t += 60
    pos = sorted(x for x in out if x > 0)
    if len(pos) < len(out) // 2:
        return None
    med = pos[len(pos) // 2]
    return [min(20.0, x / med) for x in out]


def _all_shapes():
    global _shapes
    if _shapes is None:
        _shapes = [s for s in map(_load_shape, _shape_files()) if s]
        if not _shapes:
            raise RuntimeError("fleet2: no NAB shapes under %s" % data_dir())
    return _shapes


class Ent:
    pass


def _binom(r, n, p):
    if n <= 0 or p <= 1e-12:
        return 0
    if p >= 1:
        return n
    mean = n * p
    if mean > 40 and n - mean > 40:
        v = int(round(r.gauss(mean, math.sqrt(mean * (1 - p)))))
        return max(0, min(n, v))
    if p > 0.5:
        return n - _binom(r, n, 1 - p)
    # count waiting times (geometric gaps): O(np)
    k, i, lq = 0, 0, math.log1p(-p)
    while True:
        i += int(math.log(1 - r.random()) / lq) + 1
        if i > n:
            return k
        k += 1


def _poisson(r, lam):
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, int(round(r.gauss(lam, math.sqrt(lam)))))
    k, t = 0, r.expovariate(1.0)
    while t < lam:
        k += 1
        t += r.expovariate(1.0)
    return k


def _entities(seed, nf, na, start, end):
    shapes = _all_shapes()
    out = []
    for i in range(nf + na):
        r = random.Random("fleet2:%d:%d" % (seed, i))
        e = Ent()
        e.idx = i
        e.rng_seed = "fleet2-counts:%d:%d" % (seed, i)
        if i < nf:
            e.kind, e.name = "lambda", "svc-%d-%04d" % (seed, i)
            e.sigs = {"errors": math.exp(r.uniform(math.log(3e-4),
                                                   math.log(2e-2)))}
        else:
            e.kind, e.name = "apigw", "gw-%d-%03d/live" % (seed, i - nf)
            e.sigs = {"5xx": math.exp(r.uniform(math.log(3e-4),
                                                math.log(2e-2))),
                      "4xx": math.exp(r.uniform(math.log(1e-3),
                                                math.log(3e-2)))}
        u = r.random()
        lo, hi = (0.2, 1) if u < 0.15 else (1, 200) if u < 0.75 else \
            (200, 3000)
        e.mean = math.exp(r.uniform(math.log(lo), math.log(hi)))
        e.shape = shapes[r.randrange(len(shapes))]
        e.offset = r.randrange(len(e.shape))
        e.noisy = r.random() < 0.08
        e.kappa = math.exp(r.uniform(math.log(30), math.log(150))) \
            if e.noisy else math.exp(r.uniform(math.log(200),
                                               math.log(5000)))
        e.night = r.uniform(0.2, 0.8) if r.random() < 0.4 else 0.0
        e.events = []
        _schedule(r, e, start, end)
        out.append(e)
    return out


def _traffic(e, t, start):
    m = (t - start) // 60 + e.offset
    return e.mean * e.shape[m % len(e.shape)]


def _quiet(e, t, start):
    """Is t in the entity's quiet part (traffic under half its mean)?"""
    return _traffic(e, t, start) < 0.5 * e.mean


def _overlaps(e, sig, s, t):
    return any(ev["signal"] == sig and s < ev["end"] + 1800 and
               ev["start"] < t + 1800 for ev in e.events)


def _schedule(r, e, start, end):
    main = "errors" if e.kind == "lambda" else "5xx"
    sigs = list(e.sigs)
    weeks = (end - start - LEARN) / float(WEEK)

    def add(kind, label, sig, s, minutes, **kw):
        t = end if minutes is None else s + int(minutes) * 60
        if s < start + (LEARN if label == "incident" else 3600) or \
                t > end or _overlaps(e, sig, s, t):
            return False
        ev = {"kind": kind, "label": label, "signal": sig, "start": s,
              "end": t}
        ev.update(kw)
        e.events.append(ev)
        return True

    def when():
        return (start + LEARN + int(r.uniform(0, end - start - LEARN))) \
            // 60 * 60

    for sig in sigs:
        n = _poisson(r, 1.5 * weeks * (1.0 if sig == main else 0.3))
        for _ in range(n):
            c = r.random()
            s = when()
            if c < 0.35:
                add("rise", "incident", sig, s, math.exp(r.uniform(
                    math.log(15), math.log(240))),
                    mult=math.exp(r.uniform(math.log(1.8), math.log(6))))
            elif c < 0.5:
                for _ in range(50):
                    if _quiet(e, s, start):
                        break
                    s = when()
                add("quiet", "incident", sig, s, r.uniform(20, 180),
                    mult=math.exp(r.uniform(math.log(1.8), math.log(6))))
            elif c < 0.65:
                hl = r.uniform(10, 40)
                peak = r.uniform(5, 15)
                add("decay", "incident", sig, s,
                    hl * math.log(peak / 1.3) / math.log(2) + 1,
                    mult=peak, halflife=hl)
            elif c < 0.8:
                add("creep", "incident", sig, s, r.uniform(30, 240),
                    mult=r.uniform(3, 10))
            elif c < 0.92:
                if _traffic(e, s, start) >= 2:
                    add("outage", "incident", sig, s, r.randint(2, 15),
                        rate=r.uniform(0.2, 1.0))
            else:
                add("deploy", "incident", sig, s, None,
                    mult=r.uniform(1.8, 4))
        # traps
        for _ in range(_poisson(r, 1.0 * weeks)):
            add("bump", "trap", sig, when(), r.uniform(60, 240),
                mult=r.uniform(1.2, 1.6))
    for _ in range(_poisson(r, 0.8 * weeks)):
        add("surge", "trap", main, when(), r.uniform(20, 90),
            traffic=r.uniform(3, 15))
    for _ in range(_poisson(r, 0.8 * weeks)):
        add("retry", "trap", main, when(), r.uniform(10, 60),
            traffic=r.uniform(2, 4))
    if e.mean < 5:
        for _ in range(_poisson(r, 3 * weeks)):
            add("single", "trap", main, when(), 1, errors=r.randint(1, 4))
    if e.noisy:
        e.events.append({"kind": "noisy", "label": "trap", "signal": main,
                         "start": start, "end": end})


def _counts(e, start, end):
    """Yields (t, n, {sig: errors}, {sig: base rate}) per minute."""
    r = random.Random(e.rng_seed)
    sigs = list(e.sigs)
    level = {s: 1.0 for s in sigs}
    nxt = {s: start for s in sigs}
    evs = sorted((ev for ev in e.events if ev["kind"] != "noisy"),
                 key=lambda ev: ev["start"])
    starts = [ev["start"] for ev in evs]
    for t in range(start, end, 60):
        lam = _traffic(e, t, start)
        mods = [ev for ev in evs[:bisect.bisect_right(starts, t)]
                if ev["end"] > t]
        for ev in mods:
            if "traffic" in ev:
                lam *= ev["traffic"]
        n = _poisson(r, lam)
        quiet = _quiet(e, t, start)
        errs, bases = {}, {}
        for s in sigs:
            if t >= nxt[s]:
                level[s] = math.exp(r.gauss(0, 0.15))
                nxt[s] = t + int(r.expovariate(1 / (8 * 3600.0)))
            base = e.sigs[s] * level[s] * (1 + (e.night if quiet else 0))
            p = base
            single = 0
            for ev in mods:
                if ev["signal"] != s:
                    continue
                k = ev["kind"]
                if k in ("rise", "quiet", "deploy", "bump"):
                    p = base * ev["mult"]
                elif k == "decay":
                    p = base * max(1.0, ev["mult"] * 0.5 ** (
                        (t - ev["start"]) / 60.0 / ev["halflife"]))
                elif k == "creep":
                    p = base * (1 + (ev["mult"] - 1) * (t - ev["start"]) /
                                float(ev["end"] - ev["start"]))
                elif k == "outage":
                    p = ev["rate"]
                elif k == "single":
                    single = ev["errors"]
            p = min(0.98, p)
            if n > 0:
                a = p * e.kappa
                b = (1 - p) * e.kappa
                q = r.betavariate(a, b)
                x = _binom(r, n, q)
            else:
                x = 0
            if single:
                n = max(n, single)
                x = max(x, single)
            errs[s] = x
            bases[s] = min(0.98, base)
        yield t, n, errs, bases


_METRICS = {
    "lambda": ("AWS/Lambda", "Invocations", {"errors": "Errors"}),
    "apigw": ("AWS/ApiGateway", "Count", {"5xx": "5XXError",
                                          "4xx": "4XXError"}),
}


def _dims(e):
    if e.kind == "lambda":
        return [{"Name": "FunctionName", "Value": e.name}]
    api, stage = e.name.split("/")
    return [{"Name": "ApiName", "Value": api},
            {"Name": "Stage", "Value": stage}]


def iter_series(seed, n_functions, n_apis, start_epoch, end_epoch,
                period=60):
    if period != 60:
        raise ValueError("fleet2: period 60 only")
    start = start_epoch // 60 * 60
    for e in _entities(seed, n_functions, n_apis, start, end_epoch):
        ns, metric, names = _METRICS[e.kind]
        req, errs = [], {s: [] for s in e.sigs}
        for t, n, es, _ in _counts(e, start, end_epoch):
            if n == 0:
                continue
            req.append([t, float(n)])
            for s in e.sigs:
                errs[s].append([t, float(es[s])])
        yield {"namespace": ns, "name": metric, "dimensions": _dims(e),
               "period": 60, "points": req}
        for s in e.sigs:
            yield {"namespace": ns, "name": names[s],
                   "dimensions": _dims(e), "period": 60, "points": errs[s]}


def labels(seed, n_functions, n_apis, start_epoch, end_epoch, period=60):
    start = start_epoch // 60 * 60
    out = []
    for e in _entities(seed, n_functions, n_apis, start, end_epoch):
        for ev in e.events:
            out.append({"entity": e.name, "kind": e.kind,
                        "signal": ev["signal"], "start": ev["start"],
                        "end": ev["end"], "label": ev["label"],
                        "incident": ev["kind"]})
    out.sort(key=lambda x: (x["start"], x["entity"]))
    return out


def truth(seed, n_functions, n_apis, start_epoch, end_epoch, period=60):
    start = start_epoch // 60 * 60
    for e in _entities(seed, n_functions, n_apis, start, end_epoch):
        rows = {s: [] for s in e.sigs}
        for t, n, es, bs in _counts(e, start, end_epoch):
            for s in e.sigs:
                rows[s].append((n, es[s], bs[s]))
        for s in e.sigs:
            yield e.name, s, start, 60, rows[s]


if __name__ == "__main__":
    if not available():
        print("fleet2: no NAB shapes under %s" % data_dir())
        sys.exit(77)
    import collections
    lab = labels(1, 100, 20, 1766620800, 1766620800 + 8 * DAY)
    print(collections.Counter((x["label"], x["incident"]) for x in lab))
