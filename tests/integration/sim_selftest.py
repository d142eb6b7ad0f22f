#!/usr/bin/python3
"""TAP self-test of the AWS simulator (tests/awssim), driven by botocore."""
import json
import os
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
SCENARIO = os.path.join(TESTS, 'scenarios', 'basic.json')
T0 = 1767225600
os.environ['AWS_CONFIG_FILE'] = '/dev/null'
os.environ['AWS_SHARED_CREDENTIALS_FILE'] = '/dev/null'
for k in list(os.environ):
    if k.startswith('AWS_') and k not in ('AWS_CONFIG_FILE',
                                          'AWS_SHARED_CREDENTIALS_FILE'):
        del os.environ[k]

sys.dont_write_bytecode = True  # never write __pycache__ into the source tree
import botocore.session  # noqa: E402
from botocore import UNSIGNED  # noqa: E402
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from botocore.exceptions import BotoCoreError, ClientError  # noqa: E402

KEY = ('AKIDSIMBASIC0000001', 'simSecretBasic/0000000000000000000000001')
results = []


def ok(cond, name):
    results.append((bool(cond), name))
    return bool(cond)


def is_(got, want, name):
    if not ok(got == want, name):
        results.append((None, '# got %r want %r' % (got, want)))


def emit():
    n = sum(1 for r in results if r[0] is not None)
    print('1..%d' % n)
    i = 0
    for good, name in results:
        if good is None:
            print(name)
            continue
        i += 1
        print('%s %d - %s' % ('ok' if good else 'not ok', i, name))
    sys.stdout.flush()


class Sim:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='simtest.')
        pf = os.path.join(self.dir, 'ports.json')
        env = dict(os.environ, PYTHONPATH=TESTS, PYTHONDONTWRITEBYTECODE='1')
        self.proc = subprocess.Popen(
            [sys.executable, '-m', 'awssim', '--scenario', SCENARIO,
             '--port', '0', '--port-file', pf, '--smtp-port', '0'],
            cwd=TESTS, env=env)
        deadline = time.monotonic() + 15
        while not os.path.exists(pf):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError('simulator did not start')
            time.sleep(0.05)
        with open(pf) as f:
            self.ports = json.load(f)
        self.url = 'http://127.0.0.1:%d' % self.ports['http']

    def ctl(self, method, what, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + '/_sim/' + what, data=data,
                                     method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def raw(self, method, path, body=b'', headers=None):
        req = urllib.request.Request(self.url + path, data=body or None,
                                     method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode


SESSION = botocore.session.get_session()
CFG = Config(retries={'total_max_attempts': 1}, connect_timeout=5,
             read_timeout=10)


def client(sim, svc, key=KEY, token=None, region='us-east-1', cfg=CFG):
    return SESSION.create_client(svc, region_name=region,
                                 endpoint_url=sim.url,
                                 aws_access_key_id=key[0],
                                 aws_secret_access_key=key[1],
                                 aws_session_token=token, config=cfg)


def code_of(fn, *a, **kw):
    try:
        fn(*a, **kw)
    except ClientError as e:
        return e.response['Error']['Code'], \
            e.response['ResponseMetadata']['HTTPStatusCode']
    return None, 200


def signed_json(sim, service, target, ctype, body, key=KEY, extra=None):
    """A hand-made JSON request signed with botocore's SigV4Auth."""
    host = '127.0.0.1:%d' % sim.ports['http']
    headers = {'Content-Type': ctype, 'X-Amz-Target': target, 'Host': host}
    headers.update(extra or {})
    req = AWSRequest(method='POST', url=sim.url + '/', data=body,
                     headers=headers)
    SigV4Auth(Credentials(*key), service, 'us-east-1').add_auth(req)
    return sim.raw('POST', '/', body, dict(req.headers.items()))


def t_identity(sim):
    sts = client(sim, 'sts')
    r = sts.get_caller_identity()
    is_(r['Arn'], 'arn:aws:iam::123456789012:user/cwguard-test',
        'sts GetCallerIdentity returns the scenario ARN')
    is_(r['Account'], '123456789012', 'GetCallerIdentity account')
    bad = client(sim, 'sts', key=(KEY[0], 'wrong-secret'))
    is_(code_of(bad.get_caller_identity), ('SignatureDoesNotMatch', 403),
        'wrong secret -> SignatureDoesNotMatch 403 (Query)')
    logs_bad = client(sim, 'logs', key=(KEY[0], 'wrong-secret'))
    is_(code_of(logs_bad.describe_log_groups)[0], 'SignatureDoesNotMatch',
        'wrong secret -> SignatureDoesNotMatch (JSON)')
    unk = client(sim, 'sts', key=('AKIDUNKNOWN00000000', 'x'))
    is_(code_of(unk.get_caller_identity), ('InvalidClientTokenId', 403),
        'unknown key -> InvalidClientTokenId')
    unk = client(sim, 'logs', key=('AKIDUNKNOWN00000000', 'x'))
    is_(code_of(unk.describe_log_groups)[0], 'UnrecognizedClientException',
        'unknown key (JSON) -> UnrecognizedClientException')
    exp = client(sim, 'sts', key=('AKIDSIMEXPIRED00001',
                                  'simSecretExpired/000000000000000000000001'))
    is_(code_of(exp.get_caller_identity)[0], 'ExpiredToken',
        'expired key -> ExpiredToken')
    wrong_region = client(sim, 'sts', region='eu-west-1')
    is_(code_of(wrong_region.get_caller_identity)[0], 'SignatureDoesNotMatch',
        'credential scoped to the wrong region is refused')
    st, _, body = sim.raw('POST', '/', b'{}', {
        'X-Amz-Target': 'Logs_20140328.DescribeLogGroups',
        'Content-Type': 'application/x-amz-json-1.1'})
    ok(st == 403 and b'MissingAuthenticationToken' in body,
       'unsigned JSON request to a signed service is refused')
    nosig = client(sim, 'sts', cfg=CFG.merge(Config(signature_version=UNSIGNED)))
    is_(code_of(nosig.get_caller_identity)[0], 'MissingAuthenticationToken',
        'unsigned Query request is refused')
    # tampered body after signing
    host = '127.0.0.1:%d' % sim.ports['http']
    req = AWSRequest(method='POST', url=sim.url + '/', data=b'{}', headers={
        'Content-Type': 'application/x-amz-json-1.1', 'Host': host,
        'X-Amz-Target': 'Logs_20140328.DescribeLogGroups'})
    SigV4Auth(Credentials(*KEY), 'logs', 'us-east-1').add_auth(req)
    st, _, body = sim.raw('POST', '/', b'{"limit":1}', dict(req.headers.items()))
    ok(st == 403 and b'SignatureDoesNotMatch' in body,
       'body changed after signing -> SignatureDoesNotMatch')
    t_stats(sim)


def t_suite(sim):
    """The verifier accepts the official SigV4 suite's signed requests and
    refuses them with one byte of the signature changed."""
    import email.message
    import glob
    sys.path.insert(0, TESTS)
    from awssim import sigv4
    from awssim.state import State
    base = os.path.join(TESTS, 'data', 'sigv4')
    files = sorted(glob.glob(base + '/**/*.sreq', recursive=True))
    if not files:
        results.append((False, 'SigV4 suite: no case under ' + base))
        return
    st = State({'credentials': [{
        'access_key_id': 'AKIDEXAMPLE',
        'secret_access_key': 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'}]})
    sigv4.SCOPE_SERVICE.setdefault('service', 'service')
    good = bad = 0
    for f in files:
        if f.endswith('get-vanilla-utf8-query.sreq'):
            continue    # raw non-ASCII in the request line: never on a wire
        head, _, body = open(f, 'rb').read().decode().partition('\n\n')
        lines = head.split('\n')
        method, rest = lines[0].split(' ', 1)
        hdrs = []
        for ln in lines[1:]:
            if ln.startswith((' ', '\t')) and hdrs:
                hdrs[-1][1] += ' ' + ln.strip()
                continue
            k, _, v = ln.partition(':')
            hdrs.append([k, v])
        for tamper in (False, True):
            m = email.message.Message()
            for k, v in hdrs:
                if k.lower() != 'authorization':
                    m[k] = v
            authz = open(f[:-5] + '.authz').read().strip()
            if tamper:
                authz = authz[:-1] + ('0' if authz[-1] != '0' else '1')
            m['Authorization'] = authz
            st.data.credentials['AKIDEXAMPLE']['session_token'] = \
                m.get('X-Amz-Security-Token')
            try:
                sigv4.verify(st, method, rest.rsplit(' ', 1)[0], m,
                             body.encode())
                good += not tamper
            except sigv4.AuthFail:
                bad += tamper
    n = len(files) - 1
    ok(good == n and bad == n, 'verifier accepts all %d SigV4 suite requests '
       'and refuses each with a changed signature (%d/%d)' % (n, good, bad))
    # a client that signs user-agent (botocore never does) is still valid
    class AllHeaders(SigV4Auth):
        def headers_to_sign(self, request):
            from botocore.compat import HTTPHeaders
            h = HTTPHeaders()
            for k, v in request.headers.items():
                h[k.lower()] = v
            return h
    host = '127.0.0.1:%d' % sim.ports['http']
    req = AWSRequest(method='POST', url=sim.url + '/', data=b'{}', headers={
        'Content-Type': 'application/x-amz-json-1.1', 'Host': host,
        'User-Agent': 'cwguard/0.1', 'X-Amz-Target':
        'Logs_20140328.DescribeLogGroups'})
    AllHeaders(Credentials(*KEY), 'logs', 'us-east-1').add_auth(req)
    st, _, _ = sim.raw('POST', '/', b'{}', dict(req.headers.items()))
    is_(st, 200, 'a signed user-agent header is verified, not dropped')


def t_cloudwatch(sim):
    cw = client(sim, 'cloudwatch')
    ms = cw.list_metrics()['Metrics']
    is_(len(ms), 4, 'ListMetrics lists every series')
    ms = cw.list_metrics(Namespace='AWS/Lambda', MetricName='Errors',
                         Dimensions=[{'Name': 'FunctionName',
                                      'Value': 'orders'}])['Metrics']
    is_(len(ms), 1, 'ListMetrics filters by name and dimension')

    def q(qid, fn, metric, stat='Sum', period=60):
        return {'Id': qid, 'MetricStat': {'Metric': {
            'Namespace': 'AWS/Lambda', 'MetricName': metric,
            'Dimensions': [{'Name': 'FunctionName', 'Value': fn}]},
            'Period': period, 'Stat': stat}}
    r = cw.get_metric_data(MetricDataQueries=[q('e', 'orders', 'Errors'),
                                              q('n', 'orders', 'Invocations')],
                           StartTime=T0, EndTime=T0 + 3600)
    e = r['MetricDataResults'][0]
    is_(len(e['Values']), 60, 'GetMetricData (Query) returns 60 datapoints')
    is_(int(e['Timestamps'][0].timestamp()), T0 + 3540,
        'timestamps newest first by default')
    is_(e['Values'][29], 40.0, 'the spike value is where the scenario put it')
    is_(e['StatusCode'], 'Complete', 'StatusCode Complete')
    r = cw.get_metric_data(MetricDataQueries=[q('e', 'orders', 'Errors', 'Sum',
                                                300)],
                           StartTime=T0, EndTime=T0 + 600,
                           ScanBy='TimestampAscending')
    e = r['MetricDataResults'][0]
    is_([int(t.timestamp()) for t in e['Timestamps']], [T0, T0 + 300],
        'ScanBy TimestampAscending; end exclusive; period 300 aggregates')
    is_(e['Values'], [5.0, 5.0], 'Sum over 5 one-minute points')
    # JSON 1.0 by hand
    body = json.dumps({'MetricDataQueries': [q('e', 'orders', 'Errors')],
                       'StartTime': T0, 'EndTime': T0 + 120}).encode()
    st, h, out = signed_json(sim, 'monitoring',
                             'GraniteServiceVersion20100801.GetMetricData',
                             'application/x-amz-json-1.0', body,
                             extra={'x-amzn-query-mode': 'true'})
    out = json.loads(out)
    ok(st == 200 and out['MetricDataResults'][0]['Timestamps'] ==
       [T0 + 60, T0], 'GetMetricData over JSON 1.0: epoch-second timestamps')
    body = json.dumps({'MetricDataQueries': [q('x%d' % i, 'orders', 'Errors')
                                             for i in range(501)],
                       'StartTime': T0, 'EndTime': T0 + 120}).encode()
    st, h, out = signed_json(sim, 'monitoring',
                             'GraniteServiceVersion20100801.GetMetricData',
                             'application/x-amz-json-1.0', body,
                             extra={'x-amzn-query-mode': 'true'})
    ok(st == 400 and h.get('x-amzn-query-error', '').startswith(
        'ValidationError;') and json.loads(out)['__type'] == 'ValidationError',
       '501 queries -> ValidationError with x-amzn-query-error')
    # paging
    seen, pages, first_status = 0, 0, None
    tok = None
    while True:
        kw = {'NextToken': tok} if tok else {}
        r = cw.get_metric_data(MetricDataQueries=[
            q('e', 'orders', 'Errors'), q('n', 'orders', 'Invocations')],
            StartTime=T0, EndTime=T0 + 3600, MaxDatapoints=25, **kw)
        pages += 1
        if first_status is None:
            first_status = r['MetricDataResults'][0]['StatusCode']
        seen += sum(len(x['Values']) for x in r['MetricDataResults'])
        tok = r.get('NextToken')
        if not tok or pages > 10:
            break
    ok(seen == 120 and pages == 5 and first_status == 'PartialData',
       'GetMetricData paging: PartialData + NextToken, 120 points in 5 pages'
       ' (got %d in %d)' % (seen, pages))
    s = sim.ctl('GET', 'stats')
    ok(s['cloudwatch']['metrics_requested'] >= 2 + 1 + 1 + 10 and
       s['cloudwatch']['metrics_per_call'][:2] == [2, 1],
       'stats count metrics requested per call')
    # ListMetrics paging with a generated fleet
    sim.ctl('POST', 'scenario', {
        'credentials': [{'access_key_id': KEY[0],
                         'secret_access_key': KEY[1]}],
        'metrics': [{'generator': 'awssim.gen:fleet',
                     'args': {'n': 600, 'metrics': ['Invocations', 'Errors'],
                              'start': T0, 'periods': 3, 'lazy': True}}]})
    n, pages, tok = 0, 0, None
    while True:
        r = cw.list_metrics(**({'NextToken': tok} if tok else {}))
        n += len(r['Metrics'])
        pages += 1
        tok = r.get('NextToken')
        if not tok or pages > 10:
            break
    ok(n == 1200 and pages == 3, 'ListMetrics pages 500 at a time over a '
       'generated fleet (%d in %d pages)' % (n, pages))
    r = cw.get_metric_data(MetricDataQueries=[q('a', 'fn-00007', 'Errors')],
                           StartTime=T0, EndTime=T0 + 180)
    ok(len(r['MetricDataResults'][0]['Values']) == 3,
       'lazy generated series answer GetMetricData')
    sim.ctl('POST', 'scenario', {'path': SCENARIO})


def t_logs(sim):
    logs = client(sim, 'logs')
    g = logs.describe_log_groups()['logGroups']
    is_([x['logGroupName'] for x in g],
        ['/app/web', '/aws/lambda/billing', '/aws/lambda/orders'],
        'DescribeLogGroups lists groups sorted')
    g = logs.describe_log_groups(logGroupNamePrefix='/aws/lambda/')['logGroups']
    is_(len(g), 2, 'DescribeLogGroups logGroupNamePrefix')
    names, tok, pages = [], None, 0
    while True:
        r = logs.describe_log_groups(limit=1, **({'nextToken': tok} if tok
                                                 else {}))
        names += [x['logGroupName'] for x in r['logGroups']]
        pages += 1
        tok = r.get('nextToken')
        if not tok or pages > 5:
            break
    ok(pages == 3 and len(names) == 3, 'DescribeLogGroups nextToken paging')
    qs = ('fields @timestamp, @message, @logStream '
          '| filter @message like /AKIA[0-9A-Z]{16}/ or @message like /ghp_/ '
          '| sort @timestamp asc | limit 100')
    qid = logs.start_query(logGroupNames=['/aws/lambda/orders',
                                          '/aws/lambda/billing'],
                           startTime=T0, endTime=T0 + 60,
                           queryString=qs)['queryId']
    seq = []
    for _ in range(5):
        r = logs.get_query_results(queryId=qid)
        seq.append(r['status'])
        if r['status'] == 'Complete':
            break
    is_(seq, ['Scheduled', 'Running', 'Complete'],
        'GetQueryResults: Scheduled, Running, then Complete')
    rows = [{f['field']: f['value'] for f in row} for row in r['results']]
    is_([x['@message'][:8] for x in rows],
        ['password', 'config l', 'token gh'],
        'filter with or, sort asc: the three matching rows')
    ok(all('@ptr' in x for x in rows) and len({x['@ptr'] for x in rows}) == 3,
       'every row carries a distinct @ptr')
    is_(rows[0]['@timestamp'], '2026-01-01 00:00:15.000',
        '@timestamp formatted like Insights')
    is_(r['statistics']['recordsScanned'], 7.0,
        'recordsScanned counts the window (both ends inclusive)')
    qid = logs.start_query(logGroupIdentifiers=['/aws/lambda/orders'],
                           startTime=T0 + 20, endTime=T0 + 40,
                           queryString='filter @message like /./', limit=2)
    for _ in range(3):
        r = logs.get_query_results(queryId=qid['queryId'])
    ok(r['status'] == 'Complete' and len(r['results']) == 2 and
       r['statistics']['recordsMatched'] == 3.0,
       'limit caps the rows; recordsMatched counts all matches')
    msgs = [{f['field']: f['value'] for f in row}['@message'][:5]
            for row in r['results']]
    is_(msgs, ['END R', 'token'], 'no sort command: newest first')
    is_(code_of(logs.start_query, logGroupNames=['/aws/lambda/orders'],
                startTime=T0, endTime=T0 + 60,
                queryString='stats count(*) by bin(5m)')[0],
        'MalformedQueryException', 'unsupported command -> MalformedQuery')
    is_(code_of(logs.start_query, logGroupNames=['/nope'], startTime=T0,
                endTime=T0 + 60, queryString='fields @message')[0],
        'ResourceNotFoundException', 'unknown log group -> ResourceNotFound')
    qid = logs.start_query(logGroupNames=['/app/web'], startTime=T0,
                           endTime=T0 + 60, queryString='fields @message')
    ok(logs.stop_query(queryId=qid['queryId'])['success'],
       'StopQuery on a running query')
    is_(logs.get_query_results(queryId=qid['queryId'])['status'], 'Cancelled',
        'a stopped query reports Cancelled')
    sim.ctl('POST', 'reset')
    for _ in range(30):
        logs.start_query(logGroupNames=['/app/web'], startTime=T0,
                         endTime=T0 + 60, queryString='fields @message')
    is_(code_of(logs.start_query, logGroupNames=['/app/web'], startTime=T0,
                endTime=T0 + 60, queryString='fields @message')[0],
        'LimitExceededException', '31st concurrent query -> LimitExceeded')
    sim.ctl('POST', 'reset')
    s = sim.ctl('GET', 'stats')
    is_(s['logs'].get('running_queries'), 0, 'reset clears queries')


def t_sns_sts_secrets(sim):
    sns = client(sim, 'sns')
    topic = 'arn:aws:sns:us-east-1:123456789012:cwguard-alerts'
    mid = sns.publish(TopicArn=topic, Message='{"version":1}',
                      Subject='cwguard: 1 alert',
                      MessageAttributes={'kind': {'DataType': 'String',
                                                  'StringValue': 'spike'}})
    rec = sim.ctl('GET', 'sns')
    ok(len(rec) == 1 and rec[0]['MessageId'] == mid['MessageId'] and
       rec[0]['Subject'] == 'cwguard: 1 alert' and
       rec[0]['MessageAttributes']['kind']['StringValue'] == 'spike',
       'SNS Publish is recorded with subject and attributes')
    is_(code_of(sns.publish, TopicArn=topic, Message='x', Subject='s' * 100)[0],
        'InvalidParameter', 'Subject of 100 chars -> InvalidParameter')
    is_(code_of(sns.publish, TopicArn='arn:aws:sns:us-east-1:123456789012:'
                'other', Message='x')[0], 'NotFound', 'unknown topic')
    sts = client(sim, 'sts')
    role = 'arn:aws:iam::123456789012:role/cwguard-role'
    c = sts.assume_role(RoleArn=role, RoleSessionName='cwguard')['Credentials']
    tmp = client(sim, 'sts', key=(c['AccessKeyId'], c['SecretAccessKey']),
                 token=c['SessionToken'])
    is_(tmp.get_caller_identity()['Arn'],
        'arn:aws:sts::123456789012:assumed-role/cwguard-role/cwguard',
        'AssumeRole credentials are accepted afterwards')
    notok = client(sim, 'sts', key=(c['AccessKeyId'], c['SecretAccessKey']),
                   token='wrong')
    is_(code_of(notok.get_caller_identity)[0], 'InvalidClientTokenId',
        'temporary key with a wrong session token is refused')
    anon = client(sim, 'sts', cfg=CFG.merge(Config(signature_version=UNSIGNED)))
    r = anon.assume_role_with_web_identity(
        RoleArn=role, RoleSessionName='wi',
        WebIdentityToken='sim-web-identity-token-0001')
    ok(r['Credentials']['AccessKeyId'].startswith('ASIA'),
       'AssumeRoleWithWebIdentity (unsigned) with the expected token')
    is_(code_of(anon.assume_role_with_web_identity, RoleArn=role,
                RoleSessionName='wi', WebIdentityToken='not-the-token')[0],
        'InvalidIdentityToken', 'wrong web identity token refused')
    sm = client(sim, 'secretsmanager')
    r = sm.get_secret_value(SecretId='cwguard/webhook')
    ok(json.loads(r['SecretString'])['url'].endswith('/hooks/sim'),
       'GetSecretValue returns SecretString')
    is_(code_of(sm.get_secret_value, SecretId='nope')[0],
        'ResourceNotFoundException', 'GetSecretValue unknown secret')


def t_imds_ecs(sim):
    st, _, _ = sim.raw('GET', '/latest/meta-data/iam/security-credentials/')
    is_(st, 401, 'IMDS without a token -> 401')
    st, _, tok = sim.raw('PUT', '/latest/api/token', b'',
                         {'X-aws-ec2-metadata-token-ttl-seconds': '21600'})
    ok(st == 200 and tok, 'IMDSv2 token PUT')
    h = {'X-aws-ec2-metadata-token': tok.decode()}
    st, _, role = sim.raw('GET', '/latest/meta-data/iam/security-credentials/',
                          headers=h)
    is_(role, b'cwguard-role', 'IMDS lists the role')
    st, _, doc = sim.raw('GET', '/latest/meta-data/iam/security-credentials/'
                         'cwguard-role', headers=h)
    d = json.loads(doc)
    ok(d['Code'] == 'Success' and d['AccessKeyId'] == 'ASIASIMSESSION00001',
       'IMDS role credentials')
    c = client(sim, 'sts', key=(d['AccessKeyId'], d['SecretAccessKey']),
               token=d['Token'])
    ok(c.get_caller_identity()['Arn'].endswith('/i-0sim'),
       'IMDS credentials sign requests')
    st, _, _ = sim.raw('GET', '/ecs/credentials')
    is_(st, 401, 'ECS credentials without Authorization -> 401')
    st, _, doc = sim.raw('GET', '/ecs/credentials',
                         headers={'Authorization': 'sim-ecs-auth-token'})
    ok(st == 200 and json.loads(doc)['AccessKeyId'] == 'ASIASIMECS000000001',
       'ECS credentials with the token')


def t_lambda_iam(sim):
    lam = client(sim, 'lambda')
    r = lam.list_functions(MaxItems=2)
    ok(len(r['Functions']) == 2 and r.get('NextMarker'),
       'ListFunctions MaxItems + NextMarker')
    r2 = lam.list_functions(MaxItems=2, Marker=r['NextMarker'])
    ok(len(r2['Functions']) == 1 and 'NextMarker' not in r2,
       'ListFunctions last page')
    r = lam.get_function_configuration(FunctionName='orders')
    is_(r['Environment']['Variables'], {'STAGE': 'prod'},
        'GetFunctionConfiguration')
    is_(code_of(lam.get_function_configuration, FunctionName='nope'),
        ('ResourceNotFoundException', 404), 'unknown function -> 404')
    iam = client(sim, 'iam')
    r = iam.list_attached_role_policies(RoleName='cwguard-role', MaxItems=1)
    ok(r['IsTruncated'] and r['Marker'] and len(r['AttachedPolicies']) == 1,
       'ListAttachedRolePolicies truncated page')
    r = iam.list_attached_role_policies(RoleName='cwguard-role', MaxItems=1,
                                        Marker=r['Marker'])
    ok(not r['IsTruncated'] and len(r['AttachedPolicies']) == 1,
       'ListAttachedRolePolicies last page')
    arn = 'arn:aws:iam::123456789012:policy/cwguard-read'
    v = iam.get_policy(PolicyArn=arn)['Policy']['DefaultVersionId']
    is_(v, 'v2', 'GetPolicy DefaultVersionId')
    doc = iam.get_policy_version(PolicyArn=arn, VersionId=v)
    is_(doc['PolicyVersion']['Document']['Statement'][0]['Action'],
        'cloudwatch:GetMetricData', 'GetPolicyVersion URL-encoded document')
    names = iam.list_role_policies(RoleName='cwguard-role')['PolicyNames']
    is_(names, ['logs-insights'], 'ListRolePolicies')
    d = iam.get_role_policy(RoleName='cwguard-role', PolicyName='logs-insights')
    is_(d['PolicyDocument']['Statement'][0]['Action'][0], 'logs:StartQuery',
        'GetRolePolicy document')
    is_(code_of(iam.list_attached_role_policies, RoleName='locked-role'),
        ('AccessDenied', 403), 'scripted AccessDenied per role')


def t_faults(sim):
    logs = client(sim, 'logs')
    sim.ctl('POST', 'faults', {'rules': [{'service': 'logs',
                                          'operation': 'DescribeLogGroups',
                                          'kind': 'throttle', 'count': 1}]})
    is_(code_of(logs.describe_log_groups), ('ThrottlingException', 400),
        'throttle injection -> ThrottlingException')
    ok('logGroups' in logs.describe_log_groups(), 'count 1: next call passes')
    sns = client(sim, 'sns')
    topic = 'arn:aws:sns:us-east-1:123456789012:cwguard-alerts'
    sim.ctl('POST', 'faults', {'rules': [{'service': 'sns', 'kind': 'throttle',
                                          'count': 1}]})
    is_(code_of(sns.publish, TopicArn=topic, Message='m'), ('Throttled', 429),
        'SNS throttle -> Throttled 429')
    cw = client(sim, 'cloudwatch')

    def run():
        sim.ctl('POST', 'faults', {'clear': True, 'seed': 42, 'rules': [
            {'service': 'cloudwatch', 'operation': 'ListMetrics',
             'kind': 'throttle', 'probability': 0.5}]})
        return [code_of(cw.list_metrics)[0] for _ in range(20)]
    a, b = run(), run()
    sim.ctl('POST', 'faults', {'clear': True})
    ok(a == b and 0 < a.count('Throttling') < 20,
       'probabilistic throttling is deterministic per seed (%d/20)' %
       a.count('Throttling'))
    sim.ctl('POST', 'faults', {'rules': [{'service': 'secretsmanager',
                                          'kind': 'error', 'status': 503,
                                          'count': 1}]})
    sm = client(sim, 'secretsmanager')
    is_(code_of(sm.get_secret_value, SecretId='cwguard/webhook')[1], 503,
        '5xx injection for the next request')
    sim.ctl('POST', 'faults', {'rules': [{'service': 'sts', 'kind': 'truncate',
                                          'count': 1}]})
    sts = client(sim, 'sts')
    try:
        sts.get_caller_identity()
        ok(False, 'truncated reply raises')
    except Exception as e:  # urllib3/botocore: incomplete read or bad XML
        ok(not isinstance(e, ClientError), 'truncated reply raises (%s)' %
           type(e).__name__)
    sim.ctl('POST', 'faults', {'rules': [{'service': 'logs', 'kind':
                                          'malformed', 'count': 1}]})
    try:  # botocore's JSON parser turns bad JSON into {'message': body}
        r = logs.describe_log_groups()
        ok('logGroups' not in r, 'malformed body is not a valid answer')
    except Exception as e:
        ok(not isinstance(e, ClientError), 'malformed body raises (%s)' %
           type(e).__name__)
    sim.ctl('POST', 'faults', {'rules': [{'service': 'sts', 'kind': 'close',
                                          'count': 1}]})
    try:
        sts.get_caller_identity()
        ok(False, 'closed connection raises')
    except BotoCoreError as e:
        ok(True, 'closed connection raises (%s)' % type(e).__name__)
    sim.ctl('POST', 'faults', {'rules': [{'service': 'sts', 'kind': 'delay',
                                          'seconds': 0.2, 'count': 1}]})
    ok(sts.get_caller_identity()['Account'] == '123456789012',
       'delayed reply still answers')
    f = sim.ctl('GET', 'stats')['faults']
    ok(f.get('throttles', 0) >= 3 and f.get('truncated') == 1 and
       f.get('malformed') == 1 and f.get('closed') == 1 and
       f.get('delays') == 1 and f.get('errors') == 1,
       'stats count every injected fault %r' % f)
    # clock + expiry
    sim.ctl('POST', 'clock', {'now': T0 + 7200})
    c = client(sim, 'sts', key=('ASIASIMSHORT0000001',
                                'simSecretShort/00000000000000000000000001'),
               token='SIMSESSIONTOKEN-short-0001')
    is_(code_of(c.get_caller_identity)[0], 'ExpiredToken',
        'session credentials expire at the simulated time')
    sim.ctl('POST', 'clock', {'now': T0 + 3600})
    ok(c.get_caller_identity()['Account'], 'and are valid before it')
    sim.ctl('POST', 'faults', {'expire': {KEY[0]: T0}})
    is_(code_of(sts.get_caller_identity)[0], 'ExpiredToken',
        'control API expires a key from a time on')
    logs2 = client(sim, 'logs')
    is_(code_of(logs2.describe_log_groups)[0], 'ExpiredTokenException',
        'JSON services answer ExpiredTokenException')
    sim.ctl('POST', 'reset')
    ok(sts.get_caller_identity()['Account'], 'reset clears expiry faults')


def t_catchers(sim):
    st, _, _ = sim.raw('POST', '/hooks/slack', b'{"text":"hi"}',
                       {'Content-Type': 'application/json',
                        'webhook-id': 'msg_1'})
    h = sim.ctl('GET', 'hooks')
    ok(st == 200 and h[-1]['body'] == '{"text":"hi"}' and
       {k.lower(): v for k, v in h[-1]['headers'].items()}.get(
           'webhook-id') == 'msg_1' and
       h[-1]['method'] == 'POST', 'hook catcher records method/headers/body')
    sim.ctl('POST', 'faults', {'hooks': {'slack': {'status': 503,
                                                   'count': 2}}})
    got = [sim.raw('POST', '/hooks/slack', b'{}')[0] for _ in range(3)]
    is_(got, [503, 503, 200], 'hook answers 503 for the next 2 requests')
    s = smtplib.SMTP('127.0.0.1', sim.ports['smtp'], timeout=10)
    s.sendmail('cwguard@example.test', ['ops@example.test'],
               'Subject: alert\r\n\r\nbody line\r\n.dot line\r\n')
    s.quit()
    m = sim.ctl('GET', 'smtp')
    ok(len(m) == 1 and m[0]['mail_from'] == '<cwguard@example.test>' and
       m[0]['rcpt_to'] == ['<ops@example.test>'] and
       'Subject: alert' in m[0]['data'] and '\r\n.dot line' in m[0]['data'],
       'SMTP catcher records envelope and data')
    sim.ctl('POST', 'faults', {'rules': [{'service': 'smtp', 'operation':
                                          'DATA', 'kind': 'error',
                                          'status': 451, 'count': 1}]})
    s = smtplib.SMTP('127.0.0.1', sim.ports['smtp'], timeout=10)
    try:
        s.sendmail('a@example.test', ['b@example.test'], 'x\r\n')
        ok(False, 'SMTP fault answers 451')
    except smtplib.SMTPDataError as e:
        is_(e.smtp_code, 451, 'SMTP fault answers 451')
    s.quit()


def t_sso(sim):
    """IAM Identity Center: botocore's sso and sso-oidc clients."""
    sc = json.loads(open(os.path.join(TESTS, 'scenarios',
                                      'basic.json')).read())
    now = int(time.time())
    sc['sso'] = {'tokens': {'SIMSSOSELF0001': now + 600},
                 'client_id': 'cid', 'client_secret': 'csec',
                 'refresh_token': 'rt1',
                 'roles': {'123456789012/ReadOnly': 'self@example.test'}}
    sim.ctl('POST', 'scenario', sc)
    sim.ctl('POST', 'clock', {'now': now})
    sso = SESSION.create_client('sso', region_name='us-east-1',
                                endpoint_url=sim.url, config=Config(
                                    signature_version=UNSIGNED,
                                    retries={'total_max_attempts': 1}))
    r = sso.get_role_credentials(roleName='ReadOnly', accountId='123456789012',
                                 accessToken='SIMSSOSELF0001')
    rc = r.get('roleCredentials', {})
    ok(rc.get('accessKeyId', '').startswith('ASIA') and
       rc.get('sessionToken') and rc.get('expiration', 0) > now * 1000,
       'sso GetRoleCredentials: roleCredentials, expiration in ms')
    is_(code_of(sso.get_role_credentials, roleName='ReadOnly',
                accountId='123456789012', accessToken='nope'),
        ('UnauthorizedException', 401), 'sso: an unknown token is 401')
    oidc = SESSION.create_client('sso-oidc', region_name='us-east-1',
                                 endpoint_url=sim.url, config=Config(
                                     signature_version=UNSIGNED,
                                     retries={'total_max_attempts': 1}))
    r = oidc.create_token(clientId='cid', clientSecret='csec',
                          grantType='refresh_token', refreshToken='rt1')
    ok(r.get('accessToken', '').startswith('SIMSSOTOKEN') and
       r.get('expiresIn') == 3600 and r.get('refreshToken') not in
       (None, 'rt1'), 'sso-oidc CreateToken: a new token, refresh rotated')
    is_(code_of(oidc.create_token, clientId='cid', clientSecret='csec',
                grantType='refresh_token', refreshToken='rt1'),
        ('InvalidGrantException', 400), 'sso-oidc: a used refresh token is '
        'refused')
    r2 = sso.get_role_credentials(roleName='ReadOnly',
                                  accountId='123456789012',
                                  accessToken=r['accessToken'])
    ok(r2['roleCredentials']['accessKeyId'].startswith('ASIA'),
       'sso: the refreshed token is accepted')


def t_stats(sim):
    """Called at the end of t_identity, before any reset."""
    s = sim.ctl('GET', 'stats')
    sig = s['signature']
    ok(sig['checked'] >= 8 and sig['failed'] >= 5 and
       sig.get('failed_signature', 0) >= 3 and sig.get('unsigned', 0) >= 2,
       'stats count signature checks and failures %r' % sig)
    is_(s['signature_failures'], sig['failed'], 'flat signature_failures')
    is_(s['requests']['sts']['GetCallerIdentity'], 6,
        'stats count per service/operation')


def main():
    signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(
        TimeoutError('self-test exceeded 180 s')))
    signal.alarm(180)
    sim = None
    try:
        sim = Sim()
        ok(sim.ports.get('http') and sim.ports.get('smtp'),
           'port file holds http and smtp ports')
        for t in (t_identity, t_suite, t_cloudwatch, t_logs, t_sns_sts_secrets,
                  t_imds_ecs, t_lambda_iam, t_faults, t_catchers, t_sso):
            try:
                t(sim)
            except Exception as e:  # a crash in one group fails that group
                ok(False, '%s crashed: %s: %s' % (t.__name__,
                                                 type(e).__name__, e))
    except Exception as e:
        ok(False, 'simulator: %s: %s' % (type(e).__name__, e))
    finally:
        if sim is not None:
            is_(sim.stop(), 0, 'SIGTERM stops the simulator cleanly')
        signal.alarm(0)
        emit()


if __name__ == '__main__':
    main()
