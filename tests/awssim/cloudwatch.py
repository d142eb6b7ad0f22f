"""CloudWatch: GetMetricData, ListMetrics (JSON 1.0 or Query)."""
import base64
import hashlib
import json
import math
import re

from .proto import ApiError, Ts, parse_time

MAX_QUERIES = 500
LIST_PAGE = 500
_ID_RE = re.compile(r'^[a-z][A-Za-z0-9_]{0,254}$')


def _token(obj):
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode()


def _untoken(tok):
    try:
        return json.loads(base64.urlsafe_b64decode(tok.encode()))
    except (ValueError, TypeError):
        raise ApiError('InvalidNextToken', 'The service couldn\'t process '
                       'the NextToken', 400)


def _stat(name, vals):
    if name == 'Sum':
        return sum(vals)
    if name == 'Average':
        return sum(vals) / len(vals)
    if name == 'Minimum':
        return min(vals)
    if name == 'Maximum':
        return max(vals)
    if name == 'SampleCount':
        return float(len(vals))
    m = re.match(r'^p(\d+(?:\.\d+)?)$', name)
    if m:
        s = sorted(vals)
        k = max(0, min(len(s) - 1,
                       int(math.ceil(float(m.group(1)) / 100 * len(s))) - 1))
        return s[k]
    raise ApiError('InvalidParameterValue', 'unsupported Stat %s' % name)


def _datapoints(ctx, q, start, end):
    """[(t, v)] ascending for one MetricDataQuery."""
    ms = q.get('MetricStat')
    if not ms:
        raise ApiError('ValidationError', 'awssim supports MetricStat '
                       'queries only (no Expression)', 400)
    m = ms.get('Metric') or {}
    ns, name = m.get('Namespace'), m.get('MetricName')
    period = int(ms.get('Period') or 0)
    stat = ms.get('Stat')
    if not ns or not name or period <= 0 or not stat:
        raise ApiError('MissingParameter', 'MetricStat needs Namespace, '
                       'MetricName, Period and Stat', 400)
    from .scenario import dims_key
    s = ctx.data.series.get((ns, name, dims_key(m.get('Dimensions') or [])))
    if s is None:
        return []
    buckets = {}
    for t, v in s.window(start, end):
        b = int(t // period) * period
        buckets.setdefault(b, []).append(v)
    return [(float(b), _stat(stat, vals)) for b, vals in sorted(buckets.items())]


def get_metric_data(ctx, p):
    qs = p.get('MetricDataQueries') or []
    if not isinstance(qs, list) or not qs:
        raise ApiError('MissingParameter', 'MetricDataQueries is required')
    if len(qs) > MAX_QUERIES:
        raise ApiError('ValidationError', 'The collection MetricDataQueries '
                       'must not have a size greater than %d.' % MAX_QUERIES)
    ids = set()
    for q in qs:
        qid = q.get('Id', '')
        if not _ID_RE.match(qid) or qid in ids:
            raise ApiError('ValidationError', 'Invalid or duplicate metric '
                           'query Id %r' % qid)
        ids.add(qid)
    if 'StartTime' not in p or 'EndTime' not in p:
        raise ApiError('MissingParameter', 'StartTime and EndTime required')
    start, end = parse_time(p['StartTime']), parse_time(p['EndTime'])
    if end <= start:
        raise ApiError('ValidationError', 'The parameter StartTime must be '
                       'less than the parameter EndTime.')
    scan = p.get('ScanBy') or 'TimestampDescending'
    if scan not in ('TimestampDescending', 'TimestampAscending'):
        raise ApiError('ValidationError', 'bad ScanBy')
    cap = int(ctx.data.cw.get('max_datapoints_per_call', 100800))
    if p.get('MaxDatapoints'):
        cap = min(cap, int(p['MaxDatapoints']))
    # request fingerprint: a NextToken only fits the same request
    fp = hashlib.sha256(json.dumps([qs, start, end, scan], sort_keys=True,
                                   default=str).encode()).hexdigest()[:16]
    qi, off = 0, 0
    if p.get('NextToken'):
        tok = _untoken(p['NextToken'])
        if tok.get('fp') != fp:
            raise ApiError('InvalidNextToken', 'NextToken does not match '
                           'this request')
        qi, off = tok['q'], tok['o']
    st = ctx.state
    with st.lock:
        st.stats['cloudwatch']['calls'] += 1
        st.stats['cloudwatch']['metrics_requested'] += len(qs)
        st.stats['cloudwatch']['max_metrics_per_call'] = max(
            st.stats['cloudwatch']['max_metrics_per_call'], len(qs))
        st.metrics_per_call.append(len(qs))
        del st.metrics_per_call[:-1000]
    results = []
    budget = cap
    nxt = None
    for i, q in enumerate(qs):
        label = q.get('Label') or \
            ((q.get('MetricStat') or {}).get('Metric') or {}).get(
                'MetricName', q['Id'])
        r = {'Id': q['Id'], 'Label': label, 'Timestamps': [], 'Values': [],
             'StatusCode': 'Complete'}
        if q.get('ReturnData', True) in (False, 'false'):
            continue
        if i < qi:              # delivered by an earlier page
            results.append(r)
            continue
        if nxt is not None:     # budget spent: not read yet
            r['StatusCode'] = 'PartialData'
            results.append(r)
            continue
        pts = _datapoints(ctx, q, start, end)
        if scan == 'TimestampDescending':
            pts.reverse()
        lo = off if i == qi else 0
        take = pts[lo:lo + budget]
        budget -= len(take)
        r['Timestamps'] = [Ts(t) for t, _ in take]
        r['Values'] = [v for _, v in take]
        if lo + len(take) < len(pts):
            r['StatusCode'] = 'PartialData'
            if nxt is None:
                nxt = {'fp': fp, 'q': i, 'o': lo + len(take)}
        results.append(r)
    st.bump('cloudwatch', 'datapoints_returned',
            sum(len(r['Values']) for r in results))
    out = {'MetricDataResults': results, 'Messages': []}
    if nxt:
        out['NextToken'] = _token(nxt)
    return out


def list_metrics(ctx, p):
    ns, name = p.get('Namespace'), p.get('MetricName')
    want = []
    for d in p.get('Dimensions') or []:
        want.append((d.get('Name'), d.get('Value')))
    start = 0
    if p.get('NextToken'):
        start = int(_untoken(p['NextToken']).get('o', 0))
    out = []
    skipped = 0
    more = False
    for s in ctx.data.series_list:
        if ns and s.namespace != ns:
            continue
        if name and s.name != name:
            continue
        dims = dict(s.dims)
        if any(n not in dims or (v is not None and dims[n] != v)
               for n, v in want):
            continue
        if skipped < start:
            skipped += 1
            continue
        if len(out) == LIST_PAGE:
            more = True
            break
        out.append({'Namespace': s.namespace, 'MetricName': s.name,
                    'Dimensions': [{'Name': k, 'Value': v}
                                   for k, v in s.dims]})
    r = {'Metrics': out}
    if more:
        r['NextToken'] = _token({'o': start + len(out)})
    return r


OPS = {'GetMetricData': get_metric_data, 'ListMetrics': list_metrics}
