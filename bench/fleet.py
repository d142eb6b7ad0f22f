#!/usr/bin/python3
"""Synthetic serverless fleet: CloudWatch count series with labelled incidents.

Standard library only. Used by bench/fleet_eval (offline evaluation of the
count detector) and importable by the AWS simulator:

    import fleet
    f = fleet.generate(seed, n_functions, n_apis, start_epoch, end_epoch)
    f["series"]  # [{namespace, name, dimensions, period, points}, ...]
    f["labels"]  # [{entity, kind, signal, start, end, label}, ...]

Series follow CloudWatch: AWS/Lambda Invocations and Errors per
FunctionName; AWS/ApiGateway Count, 5XXError and 4XXError per ApiName and
Stage; Sum per period; a datapoint only in periods with traffic (the error
series then hold 0 where there were no errors). points are [epoch, value].

The fleet (widened for issue 13): mean traffic log-normal (median 15,
sigma 1.6 in the log) clipped to 0.2-3000 requests/minute, so heavy-tailed,
with a diurnal cycle (amplitude 30-95 %, peak 10:00-20:00 UTC); base error
rates log-uniform 0.02 %-3 %; overdispersion: the rate drifts by hour
(a mean-reverting log random walk, AR(1) 0.9, sigma 0.02-0.08 an hour,
stationary sd up to 0.18, so 1.2x for hours and rarely 1.7x) and jitters by
period (log-normal, sigma 0.2), so a plain binomial model is not exactly
right, as in real fleets. One entity in ten is "noisy" (jitter sigma 0.5,
traffic gamma-mixed Poisson): its whole range is a trap.

labels: incidents (label "incident") a detector must find, and traps
(label "trap") on which it must stay quiet. start is the first period
affected, end the first period after. Incidents:
  outage       3-10 min, 30-80 % errors, entities with >= 10 req/min then
  degradation  5-10x the base rate for 30-90 min, >= 8 errors/min expected
  subtle       3x the base rate for 60 min on busy entities (>= 300/min)
  lowtraffic   50 % errors for 60-180 min on functions with 1-5 req/min
  sustained    2-5x the base rate for 20-180 min, any traffic, any time
  night        2-5x for 30-120 min around the traffic trough
  step         2-5x from a random time to the end (a bad deploy)
  ramp         the rate climbs linearly from 1x to 4-8x over 60-180 min
  blip         10-30x for 2-5 min
Traps:
  surge        traffic 5-20x for 30-120 min at the same error rate
  lone         1-3 errors in one period of a function with <= 3 req/min
  nightbump    1.3-1.8x the error rate for 1-3 h around the traffic trough
  noisy        the whole range of a noisy entity (see above)
Incidents of the new classes may be undetectable (too few requests): the
bench's oracle (bench/score_fleet.py) says which are.
Incidents are only placed after the first day (learning) and never overlap
on one (entity, signal).

Everything is a function of (seed, entity index): one entity's series can
be generated alone (iter_series is lazy) and always comes out the same.
A 10,000-entity day generates in well under a minute (see
bench/README-detector.md).
"""

import argparse
import json
import math
import random
import sys

DAY = 86400
LEARN = DAY  # no incident starts in the first day of a fleet


class Entity:
    """One Lambda function or API stage and its incident schedule."""

    __slots__ = ("idx", "kind", "name", "rate", "amp", "peak", "base",
                 "signals", "events", "seed", "drift_sd", "jitter",
                 "noisy")

    def dimensions(self):
        if self.kind == "lambda":
            return [{"Name": "FunctionName", "Value": self.name}]
        api, stage = self.name.split("/")
        return [{"Name": "ApiName", "Value": api},
                {"Name": "Stage", "Value": stage}]

    def traffic(self, t):
        """Expected requests per minute at epoch t."""
        h = (t % DAY) / 3600.0
        return self.rate * (1 + self.amp * math.cos(
            2 * math.pi * (h - self.peak) / 24))


def _entities(seed, n_functions, n_apis, start, end, period):
    out = []
    for i in range(n_functions + n_apis):
        r = random.Random(seed * 1000003 + i)
        e = Entity()
        e.idx = i
        e.seed = seed * 1000003 + i
        if i < n_functions:
            e.kind = "lambda"
            e.name = "fn-%d-%05d" % (seed, i)
            e.signals = {"errors": r.uniform(math.log(2e-4), math.log(0.03))}
        else:
            e.kind = "apigw"
            e.name = "api-%d-%04d/prod" % (seed, i - n_functions)
            e.signals = {"5xx": r.uniform(math.log(2e-4), math.log(0.03)),
                         "4xx": r.uniform(math.log(2e-3), math.log(0.03))}
        for s in e.signals:
            e.signals[s] = math.exp(e.signals[s])
        e.rate = min(3000.0, max(0.2, math.exp(r.gauss(math.log(15), 1.6))))
        e.amp = r.uniform(0.3, 0.95)
        e.peak = r.uniform(10, 20)
        e.drift_sd = r.uniform(0.02, 0.08)
        e.noisy = r.random() < 0.1
        e.jitter = 0.5 if e.noisy else 0.2
        e.events = _schedule(r, e, start, end, period)
        out.append(e)
    return out


def _free(events, signal, s, t):
    for ev in events:
        if ev["signal"] == signal and s < ev["end"] + 3600 and \
                ev["start"] < t + 3600:
            return False
    return True


def _schedule(r, e, start, end, period):
    """Incidents and traps of one entity (a few per week)."""
    events = []
    days = (end - start) / DAY
    main = "errors" if e.kind == "lambda" else "5xx"

    def place(kind, label, minutes, test, signal=main, tries=6, **kw):
        for _ in range(tries):
            lo = start + (LEARN if label == "incident" else 3600)
            hi = end - minutes * 60 - 4 * period
            if hi <= lo:
                return
            s = lo + int(r.uniform(0, hi - lo)) // period * period
            if kind in ("nightbump", "night"):
                # Centre it on the traffic trough of a random day.
                trough = (e.peak + 12) % 24
                d = int(r.uniform(1, max(1.0, days - 1)))
                s = (start // DAY + d) * DAY + int(trough * 3600) - \
                    minutes * 30
                s = s // period * period
                if s < lo or s > hi:
                    continue
            if not test(s) or not _free(events, signal, s,
                                        s + minutes * 60):
                continue
            ev = {"kind": kind, "label": label, "signal": signal,
                  "start": s, "end": s + minutes * 60}
            ev.update(kw)
            events.append(ev)
            return

    def chance(per_week):
        return r.random() < per_week * days / 7

    sig = main
    if e.kind == "apigw" and r.random() < 0.2:
        sig = "4xx"
    base = e.signals[sig]
    if chance(0.25):
        m = r.randint(3, 10)
        place("outage", "incident", m,
              lambda s: e.traffic(s) >= 10 and e.traffic(s + m * 60) >= 10,
              signal=sig, rate=r.uniform(0.3, 0.8))
    if chance(0.2):
        mult = r.uniform(5, 10)
        m = r.randint(30, 90)
        if base * mult <= 0.5:
            place("degradation", "incident", m,
                  lambda s: min(e.traffic(s), e.traffic(s + m * 60)) *
                  base * mult >= 8, signal=sig, mult=mult)
    if e.rate >= 300 and chance(0.4):
        place("subtle", "incident", 60,
              lambda s: min(e.traffic(s), e.traffic(s + 3600)) >= 300 and
              min(e.traffic(s), e.traffic(s + 3600)) * base * 3 >= 10,
              signal=main, mult=3.0)
    if e.kind == "lambda" and 1 <= e.rate <= 5 and chance(0.5):
        m = r.randint(60, 180)
        place("lowtraffic", "incident", m,
              lambda s: e.traffic(s) >= 1, rate=0.5)
    # Traps.
    if e.rate >= 5 and chance(0.3):
        place("surge", "trap", r.randint(30, 120), lambda s: True,
              mult=r.uniform(5, 20))
    if e.rate <= 3:
        for _ in range(int(days * 2)):
            place("lone", "trap", 1, lambda s: True, errors=r.randint(1, 3))
    if chance(0.3):
        place("nightbump", "trap", r.randint(60, 180), lambda s: True,
              mult=r.uniform(1.3, 1.8))
    # The classes added for issue 13 (on the main signal or 4xx).
    if chance(0.12):
        m = r.randint(6 * 60, 36 * 60)
        for _ in range(6):
            s0 = start + LEARN + int(r.uniform(0, max(1, end - start - LEARN
                                                      - m * 60))) // period \
                * period
            if _free(events, sig, s0, end):
                events.append({"kind": "step", "label": "incident",
                               "signal": sig, "start": s0, "end": end,
                               "mult": r.uniform(2, 5)})
                break
    if chance(0.6):
        place("sustained", "incident", r.randint(20, 180), lambda s: True,
              signal=sig, mult=r.uniform(2, 5))
    if chance(0.4):
        place("night", "incident", r.randint(30, 120), lambda s: True,
              signal=sig, mult=r.uniform(2, 5))
    if chance(0.25):
        place("ramp", "incident", r.randint(60, 180), lambda s: True,
              signal=sig, mult=r.uniform(4, 8))
    if chance(0.3):
        place("blip", "incident", r.randint(2, 5), lambda s: True,
              signal=sig, mult=r.uniform(10, 30))
    if e.noisy:
        events.append({"kind": "noisy", "label": "trap", "signal": main,
                       "start": start, "end": end})
    return events


def _poisson(r, lam):
    if lam <= 0:
        return 0
    if lam < 30:
        # Knuth: multiply uniforms until below e^-lam.
        limit = math.exp(-lam)
        k = 0
        p = r.random()
        while p > limit:
            k += 1
            p *= r.random()
        return k
    return max(0, int(r.gauss(lam, math.sqrt(lam)) + 0.5))


def _binomial(r, n, p):
    if n <= 0 or p <= 0:
        return 0
    if p >= 1:
        return n
    if n * p < 20:
        # Inversion from k = 0.
        q = 1 - p
        pk = q ** n
        if pk <= 0:
            return max(0, min(n, int(r.gauss(n * p, math.sqrt(n * p * q))
                                     + 0.5)))
        u = r.random()
        k = 0
        cdf = pk
        ratio = p / q
        while u > cdf and k < n:
            k += 1
            pk *= (n - k + 1) / k * ratio
            cdf += pk
        return k
    if n * (1 - p) < 20:
        return n - _binomial(r, n, 1 - p)
    v = int(r.gauss(n * p, math.sqrt(n * p * (1 - p))) + 0.5)
    return max(0, min(n, v))


def entity_counts(e, start, end, period=60, truth=False):
    """Yields (epoch, n, {signal: errors}) for every period of one entity;
    with truth, (epoch, n, {signal: errors}, {signal: base rate}): the
    drifting base rate before any incident or jitter (the oracle's)."""
    r = random.Random(e.seed * 7919 + 17)
    gauss, exp = r.gauss, math.exp
    lone = {}
    mods = []
    sigs = list(e.signals)
    bases = [e.signals[s] for s in sigs]
    logdev = [0.0 for _ in sigs]
    jit = e.jitter
    for ev in e.events:
        if ev["kind"] == "noisy":
            continue
        if ev["kind"] == "lone":
            lone[ev["start"]] = ev["errors"]
        else:
            mods.append((ev["start"], ev["end"], ev["kind"],
                         sigs.index(ev["signal"]), ev.get("mult", 1.0),
                         ev.get("rate", 0.0)))
    scale = period / 60.0
    w = 2 * math.pi / DAY
    amp, peak = e.amp, e.peak * 3600
    hour = None
    drift = bases
    for t in range(start, end, period):
        if t // 3600 != hour:
            hour = t // 3600
            logdev = [0.9 * x + gauss(0, e.drift_sd) for x in logdev]
            drift = [b * exp(x) for b, x in zip(bases, logdev)]
        lam = e.rate * (1 + amp * math.cos(w * (t % DAY - peak))) * scale
        if e.noisy:
            lam *= r.gammavariate(4.0, 0.25)
        rates = [d * exp(gauss(0, jit)) for d in drift]
        for ms, me, kind, si, mult, rate in mods:
            if ms <= t < me:
                if kind == "surge":
                    lam *= mult
                elif kind in ("outage", "lowtraffic"):
                    rates[si] = rate
                elif kind == "ramp":
                    rates[si] = min(0.95, rates[si] * (
                        1 + (mult - 1) * (t - ms) / float(me - ms)))
                else:
                    rates[si] = min(0.95, rates[si] * mult)
        n = _poisson(r, lam)
        errs = [_binomial(r, n, x if x < 1 else 1.0) for x in rates]
        if t in lone:
            k = lone[t]
            n = max(n, k)
            errs[0] = max(errs[0], k)  # errors or 5xx, never 4xx
        if truth:
            yield t, n, dict(zip(sigs, errs)), dict(zip(sigs, drift))
        else:
            yield t, n, dict(zip(sigs, errs))


_METRICS = {
    "lambda": ("AWS/Lambda", "Invocations", {"errors": "Errors"}),
    "apigw": ("AWS/ApiGateway", "Count", {"5xx": "5XXError",
                                          "4xx": "4XXError"}),
}


def _labels(entities):
    out = []
    for e in entities:
        for ev in e.events:
            lab = {"entity": e.name, "kind": e.kind, "signal": ev["signal"],
                   "start": ev["start"], "end": ev["end"],
                   "label": ev["label"], "incident": ev["kind"]}
            out.append(lab)
    out.sort(key=lambda x: (x["start"], x["entity"]))
    return out


def iter_series(seed, n_functions, n_apis, start_epoch, end_epoch,
                period=60):
    """Lazy: yields the series dicts of one entity after another."""
    start = start_epoch // period * period
    for e in _entities(seed, n_functions, n_apis, start, end_epoch, period):
        ns, metric, errnames = _METRICS[e.kind]
        req = []
        errs = {s: [] for s in e.signals}
        for t, n, es in entity_counts(e, start, end_epoch, period):
            if n == 0:
                continue
            req.append([t, float(n)])
            for s, v in es.items():
                errs[s].append([t, float(v)])
        dims = e.dimensions()
        yield {"namespace": ns, "name": metric, "dimensions": dims,
               "period": period, "points": req}
        for s in e.signals:
            yield {"namespace": ns, "name": errnames[s], "dimensions": dims,
                   "period": period, "points": errs[s]}


def truth(seed, n_functions, n_apis, start_epoch, end_epoch, period=60):
    """For bench/score_fleet.py: yields (entity, signal, start, period,
    [(n, errors, base rate), ...]) for every signal."""
    start = start_epoch // period * period
    for e in _entities(seed, n_functions, n_apis, start, end_epoch, period):
        rows = {s: [] for s in e.signals}
        for t, n, es, bs in entity_counts(e, start, end_epoch, period,
                                          truth=True):
            for s in e.signals:
                rows[s].append((n, es[s], bs[s]))
        for s in e.signals:
            yield e.name, s, start, period, rows[s]


def labels(seed, n_functions, n_apis, start_epoch, end_epoch, period=60):
    start = start_epoch // period * period
    return _labels(_entities(seed, n_functions, n_apis, start, end_epoch,
                             period))


def generate(seed, n_functions, n_apis, start_epoch, end_epoch, period=60,
             lazy=False):
    """{"series": [...], "labels": [...]} for the fleet of this seed.

    With lazy=True "series" is a generator (iter_series), for fleets too
    big to hold in memory (10,000 entities x 1 day is ~40M points).
    """
    ser = iter_series(seed, n_functions, n_apis, start_epoch, end_epoch,
                      period)
    return {"series": ser if lazy else list(ser),
            "labels": labels(seed, n_functions, n_apis, start_epoch,
                             end_epoch, period)}


def write_eval(out, seed, n_functions, n_apis, start, end, period):
    """Text input of bench/fleet_eval: per signal, n and e per period."""
    start = start // period * period
    ents = _entities(seed, n_functions, n_apis, start, end, period)
    count = (end - start + period - 1) // period
    out.write("# fleet seed=%d functions=%d apis=%d start=%d end=%d\n" %
              (seed, n_functions, n_apis, start, end))
    for lab in _labels(ents):
        out.write("L %s %s %d %d %s %s\n" % (
            lab["entity"], lab["signal"], lab["start"], lab["end"],
            lab["label"], lab["incident"]))
    for e in ents:
        sigs = list(e.signals)
        rows = {s: [] for s in sigs}
        for t, n, es in entity_counts(e, start, end, period):
            for s in sigs:
                rows[s].append("%d %d" % (n, es[s]))
        for s in sigs:
            out.write("S %s %s %d %d %d\n" % (e.name, s, start, period,
                                              count))
            out.write("\n".join(rows[s]))
            out.write("\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--functions", type=int, default=50)
    ap.add_argument("--apis", type=int, default=10)
    ap.add_argument("--start", type=int, default=1767225600,
                    help="epoch (default 2026-01-01T00:00:00Z)")
    ap.add_argument("--days", type=float, default=1)
    ap.add_argument("--period", type=int, default=60)
    ap.add_argument("--format", choices=("json", "csv", "eval", "labels",
                                         "null"), default="json")
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args(argv)
    end = a.start + int(a.days * DAY)
    out = sys.stdout if a.output == "-" else open(a.output, "w")
    try:
        if a.format == "json":
            json.dump(generate(a.seed, a.functions, a.apis, a.start, end,
                               a.period), out)
            out.write("\n")
        elif a.format == "labels":
            json.dump(labels(a.seed, a.functions, a.apis, a.start, end,
                             a.period), out, indent=1)
            out.write("\n")
        elif a.format == "csv":
            out.write("namespace,metric,dimensions,epoch,value\n")
            for s in iter_series(a.seed, a.functions, a.apis, a.start, end,
                                 a.period):
                dims = ";".join("%s=%s" % (d["Name"], d["Value"])
                                for d in s["dimensions"])
                for t, v in s["points"]:
                    out.write("%s,%s,%s,%d,%g\n" % (
                        s["namespace"], s["name"], dims, t, v))
        elif a.format == "eval":
            write_eval(out, a.seed, a.functions, a.apis, a.start, end,
                       a.period)
        else:
            for s in iter_series(a.seed, a.functions, a.apis, a.start, end,
                                 a.period):
                pass
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
