"""CloudWatch Logs: DescribeLogGroups, StartQuery, GetQueryResults, StopQuery.

Time window: events with startTime*1000 <= timestamp < (endTime+1)*1000,
i.e. both bounds are inclusive at one-second granularity (AWS documents
startTime and endTime as inclusive, in epoch seconds).
"""
import base64
import json
import time
import uuid

from .insights import MalformedQuery, Query
from .proto import ApiError

PAGE = 50


def _tok(o):
    return base64.urlsafe_b64encode(json.dumps(o).encode()).decode()


def _untok(t):
    try:
        return json.loads(base64.urlsafe_b64decode(t.encode()))
    except (ValueError, TypeError):
        raise ApiError('InvalidParameterException', 'bad nextToken')


def _group_arn(ctx, name):
    return 'arn:aws:logs:%s:%s:log-group:%s' % (ctx.data.region,
                                                 ctx.data.account, name)


def describe_log_groups(ctx, p):
    prefix = p.get('logGroupNamePrefix')
    pattern = p.get('logGroupNamePattern')
    if prefix and pattern:
        raise ApiError('InvalidParameterException', 'logGroupNamePrefix and '
                       'logGroupNamePattern are mutually exclusive')
    limit = int(p.get('limit') or PAGE)
    if not 1 <= limit <= 50:
        raise ApiError('InvalidParameterException', 'limit must be 1..50')
    names = sorted(n for n in ctx.data.log_groups
                   if (not prefix or n.startswith(prefix)) and
                   (not pattern or pattern in n))
    if p.get('nextToken'):
        after = _untok(p['nextToken'])['after']
        names = [n for n in names if n > after]
    page, more = names[:limit], len(names) > limit
    groups = []
    for n in page:
        meta = ctx.data.log_groups[n]['meta']
        arn = _group_arn(ctx, n)
        g = {'logGroupName': n,
             'creationTime': int(meta.get('creation_time', 1700000000000)),
             'metricFilterCount': 0, 'arn': arn + ':*', 'logGroupArn': arn,
             'storedBytes': int(meta.get('stored_bytes', 0)),
             'logGroupClass': meta.get('class', 'STANDARD')}
        if meta.get('retention_days'):
            g['retentionInDays'] = int(meta['retention_days'])
        groups.append(g)
    out = {'logGroups': groups}
    if more:
        out['nextToken'] = _tok({'after': page[-1]})
    return out


def _resolve_group(ctx, ident):
    if ident.startswith('arn:'):
        if ident.endswith('*'):
            raise ApiError('InvalidParameterException', 'logGroupIdentifiers '
                           'must not end with *')
        parts = ident.split(':log-group:', 1)
        if len(parts) != 2:
            raise ApiError('InvalidParameterException', 'bad ARN %s' % ident)
        ident = parts[1]
    if ident not in ctx.data.log_groups:
        raise ApiError('ResourceNotFoundException',
                       'Log group \'%s\' does not exist' % ident)
    return ident


def _fmt_ts(ms):
    return time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(ms // 1000)) + \
        '.%03d' % (ms % 1000)


def start_query(ctx, p):
    lg = p.get('logGroupNames') or p.get('logGroupIdentifiers') or \
        ([p['logGroupName']] if p.get('logGroupName') else [])
    given = sum(1 for k in ('logGroupName', 'logGroupNames',
                            'logGroupIdentifiers') if p.get(k))
    if given != 1:
        raise ApiError('InvalidParameterException', 'exactly one of '
                       'logGroupName, logGroupNames, logGroupIdentifiers')
    if len(lg) > 50:
        raise ApiError('InvalidParameterException', 'at most 50 log groups')
    for k in ('startTime', 'endTime', 'queryString'):
        if k not in p:
            raise ApiError('InvalidParameterException', '%s is required' % k)
    start, end = int(p['startTime']), int(p['endTime'])
    if end < start:
        raise ApiError('InvalidParameterException',
                       'endTime must not be before startTime')
    limit = int(p.get('limit') or 1000)
    maxlimit = int(ctx.data.logs.get('max_limit', 10000))
    if not 1 <= limit <= maxlimit:
        raise ApiError('InvalidParameterException',
                       'limit must be 1..%d' % maxlimit)
    try:
        q = Query(p['queryString'])
    except (MalformedQuery, ValueError) as e:   # re.error is a ValueError
        raise ApiError('MalformedQueryException', str(e),
                       extra={'queryCompileError': {'message': str(e)}})
    groups = [_resolve_group(ctx, g) for g in lg]
    st = ctx.state
    quota = int(ctx.data.logs.get('max_concurrent_queries', 30))
    with st.lock:
        running = sum(1 for x in st.queries.values()
                      if x['status'] in ('Scheduled', 'Running'))
        if running >= quota:
            raise ApiError('LimitExceededException', 'Account maximum query '
                           'concurrency limit of [%d] reached.' % quota)
    rows, scanned, nbytes = [], 0, 0
    lo, hi = start * 1000, (end + 1) * 1000
    for g in groups:
        for i, (ts, stream, msg) in enumerate(ctx.data.log_groups[g]['events']):
            if ts < lo or ts >= hi:
                continue
            scanned += 1
            nbytes += len(msg.encode()) + 26
            rec = {'@timestamp': _fmt_ts(ts), '@message': msg,
                   '@logStream': stream,
                   '@log': '%s:%s' % (ctx.data.account, g),
                   '@ptr': base64.b64encode(('%s|%d' % (g, i)).encode())
                   .decode(), '_ts': ts}
            if q.match(rec):
                rows.append(rec)
    sf, order = q.sort
    key = (lambda r: r['_ts']) if sf == '@timestamp' else \
        (lambda r: str(r.get(sf, '')))
    rows.sort(key=key, reverse=(order == 'desc'))
    matched = len(rows)
    n = min(limit, q.limit or limit)
    rows = rows[:n]
    fields = q.fields or ['@timestamp', '@message']
    results = []
    for r in rows:
        row = [{'field': f, 'value': r[f]} for f in fields if f in r and
               f != '@ptr']
        row.append({'field': '@ptr', 'value': r['@ptr']})
        results.append(row)
    qid = str(uuid.uuid4())
    polls = list(ctx.data.logs.get('poll_statuses', ['Scheduled', 'Running']))
    with st.lock:
        st.queries[qid] = {
            'id': qid, 'status': polls[0] if polls else 'Complete',
            'pending': polls, 'results': results, 'groups': groups,
            'query': p['queryString'], 'start': start, 'end': end,
            'limit': limit,
            'statistics': {'recordsMatched': float(matched),
                           'recordsScanned': float(scanned),
                           'bytesScanned': float(nbytes)}}
        st.stats['logs']['queries_started'] += 1
        st.stats['logs']['records_scanned'] += scanned
        st.stats['logs']['bytes_scanned'] += nbytes
        st.stats['logs']['records_matched'] += matched
    return {'queryId': qid}


def get_query_results(ctx, p):
    st = ctx.state
    with st.lock:
        q = st.queries.get(p.get('queryId', ''))
        if q is None:
            raise ApiError('ResourceNotFoundException', 'query not found')
        if q['pending']:
            status = q['pending'].pop(0)
            q['status'] = q['pending'][0] if q['pending'] else 'Complete'
        else:
            status = q['status']
        out = {'status': status, 'statistics': dict(q['statistics'])}
        if status in ('Complete', 'Cancelled'):
            out['results'] = q['results'] if status == 'Complete' else []
        elif status == 'Running':
            out['results'] = q['results'][:len(q['results']) // 2]
        else:
            out['results'] = []
            out['statistics'] = {'recordsMatched': 0.0,
                                 'recordsScanned': 0.0, 'bytesScanned': 0.0}
        return out


def stop_query(ctx, p):
    st = ctx.state
    with st.lock:
        q = st.queries.get(p.get('queryId', ''))
        if q is None:
            raise ApiError('ResourceNotFoundException', 'query not found')
        if q['status'] not in ('Scheduled', 'Running'):
            raise ApiError('InvalidParameterException',
                           'query is not running')
        q['status'] = 'Cancelled'
        q['pending'] = []
    return {'success': True}


def queries_json(st):
    return [{k: v for k, v in q.items() if k != 'results'} |
            {'rows': len(q['results'])} for q in st.queries.values()]


OPS = {'DescribeLogGroups': describe_log_groups, 'StartQuery': start_query,
       'GetQueryResults': get_query_results, 'StopQuery': stop_query}
