"""Built-in generators usable from a scenario ("awssim.gen:fleet").

Protocol (same for any module:function named in a scenario): the callable
takes keyword arguments from "args" and returns an iterable (list or
generator) of the dicts a scenario would hold at that place.
"""
import zlib


def fleet(n=100, namespace='AWS/Lambda', dimension='FunctionName',
          prefix='fn-', metrics=('Invocations', 'Errors'), start=0,
          periods=0, period=60, requests=100.0, error_rate=0.01, seed=1,
          lazy=False):
    """n entities x metrics.  With periods > 0 each series gets points from
    start every period; Invocations ~ requests, Errors ~ requests*error_rate.
    lazy=True gives each series a points callable (start, end) -> points,
    computed on demand and cheap for large fleets."""
    for i in range(n):
        ent = '%s%05d' % (prefix, i)
        for m in metrics:
            base = requests if m != 'Errors' else requests * error_rate

            def pts(lo, hi, ent=ent, m=m, base=base):
                t0 = max(start, int(lo // period) * period)
                t1 = min(start + periods * period, hi)
                t = t0
                key = ('%s/%s/%s/' % (seed, ent, m)).encode()
                sd = base ** .5
                while t < t1:
                    # hashed per point: the same value whatever the window;
                    # noise ~ sum of 3 uniforms (mean 0, sd ~ sqrt(base))
                    h = zlib.crc32(b'%d' % t, zlib.crc32(key))
                    u = ((h & 1023) + ((h >> 10) & 1023) +
                         ((h >> 20) & 1023)) / 1023.0 - 1.5
                    yield (t, float(max(0, round(base + 2 * sd * u))))
                    t += period
            d = {'namespace': namespace, 'name': m,
                 'dimensions': [{'Name': dimension, 'Value': ent}],
                 'period': period}
            if lazy:
                d['points'] = pts
            else:
                d['points'] = list(pts(start, start + periods * period))
            yield d


def log_events(n=100, start=0, step_ms=1000, stream='stream-1',
               template='line {i}', secrets_every=0,
               secret='AKIAIOSFODNN7EXAMPLE'):
    """n events from start (ms) every step_ms; every secrets_every-th line
    carries `secret`."""
    for i in range(n):
        msg = template.format(i=i)
        if secrets_every and i % secrets_every == 0:
            msg += ' key=' + secret
        yield {'timestamp': start + i * step_ms, 'stream': stream,
               'message': msg}


def csv_series(files, namespace='NAB', name='Value', dimension='Series',
               period=300, unit='None'):
    """One series per CSV file of `timestamp,value` rows (a header line,
    timestamps "YYYY-MM-DD HH:MM:SS" or ISO-8601, UTC), each point at its
    own time; the dimension value is the file's base name without ".csv".
    files: a list of paths, or {dimension value: path}."""
    import calendar
    import csv
    import os
    import time
    items = files.items() if isinstance(files, dict) else [
        (os.path.basename(f)[:-4] if f.endswith('.csv') else
         os.path.basename(f), f) for f in files]
    for value, path in items:
        pts = []
        with open(path, newline='') as f:
            for row in csv.reader(f):
                if len(row) < 2 or row[0] == 'timestamp':
                    continue
                ts = row[0].strip().replace('T', ' ').rstrip('Z')
                t = calendar.timegm(time.strptime(ts[:19],
                                                  '%Y-%m-%d %H:%M:%S'))
                pts.append((t, float(row[1])))
        yield {'namespace': namespace, 'name': name, 'period': period,
               'unit': unit, 'dimensions': [{'Name': dimension,
                                             'Value': value}],
               'points': pts}
