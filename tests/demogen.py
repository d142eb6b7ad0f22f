"""Generators for tests/scenarios/demo.json, the scenario of scripts/demo.

Everything is placed relative to an anchor, "now" of the demo's second
check: $CWGUARD_DEMO_NOW (epoch seconds, set by scripts/demo so that the
simulated incident is happening right now and `cwguard status` shows it
live), else ANCHOR.  Values depend only on the offset from the anchor, so
every run sees the same numbers.

The story (minutes relative to the anchor):
- four Lambda functions, two days of per-minute traffic with ~0.5-1 %
  errors and a daily rhythm; `checkout` also serves a function URL;
- from -11m the checkout function URL answers 5xx to ~40 % of requests;
- from -10m the REST API orders-api/prod answers 4xx to ~35 % (a client
  deploy went wrong); catalog-api/prod stays quiet;
- at -9m and -7m the checkout function logs a Stripe secret key and an
  AWS access key id.
The keys are fake (valid shape, no account behind them); they are built
from pieces so that the repository holds no key-shaped literal, and
tests/integration/demo.sh reads them from here to check that no output
shows them.
"""
import os
import time
import zlib

ANCHOR = 1772452800                 # 2026-03-02T12:00:00Z
HISTORY = 2 * 86400                 # two days of metrics before the anchor
PERIOD = 60

# fake leaked keys (see above)
AWS_KEY = 'AK' + 'IA' + 'QX7DEMO4N2WGZ5R3'
STRIPE_KEY = 'sk' + '_live_' + 'tQMxkhkRICyK71wXs0wQqoBS80T5'
RAW_SECRETS = (AWS_KEY, STRIPE_KEY)

# name -> requests a minute at the daily peak, error rate
FUNCTIONS = {
    'orders-create': (120.0, 0.008),
    'orders-list': (300.0, 0.004),
    'checkout': (200.0, 0.006),
    'thumbnailer': (60.0, 0.01),
}
URL_FUNCTION = 'checkout'           # has a function URL
URL_5XX_RATE = 0.005
SPIKE_FROM = -11 * 60               # checkout URL 5xx from here
SPIKE_RATE = 0.40
APIS = {
    'orders-api': (400.0, 0.02, 0.002),     # requests, 4xx, 5xx rates
    'catalog-api': (250.0, 0.015, 0.001),
}
BURST_API = 'orders-api'
BURST_FROM = -10 * 60
BURST_RATE = 0.35
LEAK_AT = (-9 * 60, -7 * 60)        # Stripe key, then the AWS key


def anchor():
    v = os.environ.get('CWGUARD_DEMO_NOW', '')
    return int(v) // PERIOD * PERIOD if v.strip().isdigit() else ANCHOR


def _noise(key, off):
    """Deterministic noise in [-1.5, 1.5] (sum of three uniforms)."""
    h = zlib.crc32(b'%d' % off, zlib.crc32(key.encode()))
    return ((h & 1023) + ((h >> 10) & 1023) + ((h >> 20) & 1023)) / 1023.0 \
        - 1.5


def _rhythm(off):
    """Daily traffic shape: 1.0 at the anchor (the busy hour), down to 0.5
    twelve hours away, piecewise linear."""
    m = (off // 60 + 720) % 1440
    x = m if m < 720 else 1440 - m
    return 0.5 + 0.5 * x / 720.0


def _count(key, off, mean):
    if mean <= 0:
        return 0.0
    return float(max(0, round(mean + mean ** .5 * _noise(key, off))))


def _series(ns, name, dims, fn, t0):
    def pts(lo, hi):
        start = max(int(lo) // PERIOD * PERIOD, t0 - HISTORY)
        t = start
        while t < min(int(hi), t0 + 3600):
            yield (t, fn(t - t0))
            t += PERIOD
    return {'namespace': ns, 'name': name, 'period': PERIOD,
            'dimensions': [{'Name': k, 'Value': v} for k, v in dims],
            'points': pts}


def metrics():
    """Lambda and API Gateway series, lazy (points computed per query)."""
    t0 = anchor()
    out = []
    for fn, (peak, rate) in sorted(FUNCTIONS.items()):
        dims = [('FunctionName', fn)]

        def inv(off, fn=fn, peak=peak):
            return _count(fn + '/inv', off, peak * _rhythm(off))

        def err(off, fn=fn, rate=rate, inv=inv):
            return _count(fn + '/err', off, inv(off) * rate)
        out.append(_series('AWS/Lambda', 'Invocations', dims, inv, t0))
        out.append(_series('AWS/Lambda', 'Errors', dims, err, t0))
        if fn != URL_FUNCTION:
            continue

        def url(off, inv=inv):
            return inv(off)

        def u5(off, fn=fn, inv=inv):
            r = SPIKE_RATE if off >= SPIKE_FROM else URL_5XX_RATE
            return _count(fn + '/5xx', off, inv(off) * r)

        def u4(off, fn=fn, inv=inv):
            return _count(fn + '/4xx', off, inv(off) * 0.01)
        out.append(_series('AWS/Lambda', 'UrlRequestCount', dims, url, t0))
        out.append(_series('AWS/Lambda', 'Url5xxCount', dims, u5, t0))
        out.append(_series('AWS/Lambda', 'Url4xxCount', dims, u4, t0))
    for api, (peak, r4, r5) in sorted(APIS.items()):
        dims = [('ApiName', api), ('Stage', 'prod')]

        def cnt(off, api=api, peak=peak):
            return _count(api + '/count', off, peak * _rhythm(off))

        def e4(off, api=api, r4=r4, cnt=cnt):
            r = BURST_RATE if api == BURST_API and off >= BURST_FROM else r4
            return _count(api + '/4xx', off, cnt(off) * r)

        def e5(off, api=api, r5=r5, cnt=cnt):
            return _count(api + '/5xx', off, cnt(off) * r5)
        out.append(_series('AWS/ApiGateway', 'Count', dims, cnt, t0))
        out.append(_series('AWS/ApiGateway', '4XXError', dims, e4, t0))
        out.append(_series('AWS/ApiGateway', '5XXError', dims, e5, t0))
    return out


def log_events(function='checkout', every=30, span=7200):
    """A function's log lines every `every` seconds over the last `span`
    seconds (and a little after the anchor); checkout also leaks two
    keys.  Timestamps in ms."""
    t0 = anchor()
    stream = time.strftime('%Y/%m/%d', time.gmtime(t0)) + \
        '/[$LATEST]0f1e2d3c4b5a69788796a5b4c3d2e1f0'
    evs = []
    for off in range(-span, 600, every):
        rid = '%08x-%04x' % (zlib.crc32(b'%s/%d' % (function.encode(),
                                                   off)), off % 65536)
        if off % 300 == 0:
            msg = 'START RequestId: %s Version: $LATEST' % rid
        else:
            msg = ('INFO %s request %s handled in %d ms' %
                   (function, rid, 20 + (abs(off) // every) % 37))
        evs.append({'timestamp': (t0 + off) * 1000, 'stream': stream,
                    'message': msg})
    if function == 'checkout':
        evs.append({'timestamp': (t0 + LEAK_AT[0]) * 1000 + 417,
                    'stream': stream,
                    'message': 'ERROR payment provider rejected the key: '
                    'Stripe.init(apiKey=%s) -> 401' % STRIPE_KEY})
        evs.append({'timestamp': (t0 + LEAK_AT[1]) * 1000 + 86,
                    'stream': stream,
                    'message': 'DEBUG boto3 session env '
                    'AWS_ACCESS_KEY_ID=%s AWS_REGION=us-east-1' % AWS_KEY})
    evs.sort(key=lambda e: e['timestamp'])
    return evs


if __name__ == '__main__':
    # for tests/integration/demo.sh: the raw keys, one a line
    print('\n'.join(RAW_SECRETS))
