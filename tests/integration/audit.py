#!/usr/bin/python3
"""`cwguard audit` through the real binary against the simulator's seeded
account (tests/scenarios/audit.json): clean functions, a Stripe key and a
high-entropy DB_PASSWORD in environments, references that are fine, roles
with s3:* on *, *:*, a scoped role (whose non-default policy version would
be critical), an AWS managed broad policy, AccessDenied on one role's
GetRolePolicy, IAM pages of one item; then the exit codes (clean,
findings, critical, incomplete), Lambda paging and JSON output. No raw
secret may appear in any output."""
import copy
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cwgtest import Sim, Tap, clean_env, run, write, TESTS  # noqa: E402

KEY = ('AKIDSIMAUDIT0000001', 'simSecretAudit/00000000000000000000001')
SCENARIO = os.path.join(TESTS, 'scenarios', 'audit.json')
with open(SCENARIO) as f:
    SEED = json.load(f)
SECRETS = ['sk_live_51Nq8ZtK2mVx7RbN4pLw9cYdE3fGhJ6s',
           'Vq7Lp2xR9mZ4wK8sTn3Bj6Hd', KEY[1]]
# Pieces a careless redaction would show.
FRAGMENTS = ['51Nq8ZtK', 'Vq7Lp2', 'Tn3Bj6']

t = Tap()
sim = Sim(SCENARIO)
d = tempfile.mkdtemp(prefix='cwg-audit.')
try:
    conf = write(os.path.join(d, 'c.conf'),
                 '[cwguard]\nstate = %s/state.db\n[aws]\nregion = us-east-1\n'
                 '[watch api]\nkind = lambda\n'
                 'functions = orders-*, payments, users-*\n'
                 '[watch gw]\nkind = apigw\napis = orders-api/*\n' % d)
    env = clean_env(AWS_ACCESS_KEY_ID=KEY[0], AWS_SECRET_ACCESS_KEY=KEY[1],
                    AWS_ENDPOINT_URL=sim.url)

    def no_secret(name, text):
        bad = [s[:6] for s in SECRETS + FRAGMENTS if s in text]
        t.ok(not bad, '%s: no raw secret in the output' % name,
             'leaked: %s' % bad)

    def audit(args, name, want_rc, config=conf):
        rc, out, err = run((['-c', config] if config else []) +
                           ['audit'] + args, env)
        t.ok(rc == want_rc, '%s: exit %d' % (name, want_rc),
             'exit %d\n%s%s' % (rc, out, err))
        no_secret(name, out + err)
        return out, err

    def section(text, title):
        """The lines under a heading of the text report."""
        lines, on = [], False
        for line in text.splitlines():
            if line and not line.startswith(' '):
                on = line.startswith(title + ' (')
                continue
            if on and line:
                lines.append(line)
        return '\n'.join(lines)

    # --- the seeded account, text ---------------------------------------
    sim.ctl('POST', 'reset')
    out, err = audit([], 'seeded', 2)
    crit, high, med = (section(out, s) for s in ('CRITICAL', 'HIGH',
                                                 'MEDIUM'))
    skipped = section(out, 'NOT CHECKED')
    t.ok('[iam-admin] role users-role (used by users-api), inline policy '
         'admin' in crit and '"*:*" on "*"' in crit,
         'seeded: *:* on * is critical', out)
    t.ok('[iam-service-wildcard] role payments-role (used by payments), '
         'inline policy s3-everything' in crit and '"s3:*" on "*"' in crit,
         'seeded: s3:* on * is critical', out)
    t.ok('[iam-broad-managed-policy] role reports-role' in crit and
         'AmazonS3FullAccess' in crit,
         'seeded: AWS managed AmazonS3FullAccess named as broad', out)
    t.ok('orders-role' not in out,
         'seeded: the scoped role (default version v2) passes', out)
    t.ok('AWSLambdaBasicExecutionRole' not in out and 'xray' not in out and
         'deny-delete' not in out,
         'seeded: basic execution, xray and Deny * statements pass', out)
    t.ok('function payments (us-east-1)' in high and
         'STRIPE_KEY holds a secret (stripe-key): sk_live_*' in high,
         'seeded: Stripe key in payments env, redacted', out)
    t.ok('function users-api (us-east-1)' in high and
         'DB_PASSWORD holds a secret' in high,
         'seeded: high-entropy DB_PASSWORD in users-api env', out)
    t.ok('db-rotator' not in high and 'orders-' not in high and
         'reports' not in high and 'DB_USER' not in out,
         'seeded: references (ARN, /param, {{resolve:}}) and plain '
         'values pass', high)
    t.ok(high.count('[lambda-env-secret]') == 2, 'seeded: two env findings',
         high)
    t.ok(all('[unwatched-function] function %s (us-east-1)' % f in med
             for f in ('db-rotator', 'legacy-job', 'reports')) and
         med.count('[unwatched-function]') == 3,
         'seeded: the three functions no watch covers', med)
    t.ok('[unwatched-api] API admin-api/prod (us-east-1)' in med and
         '[unwatched-api] API a1b2c3d4e5/$default (us-east-1)' in med and
         med.count('[unwatched-api]') == 2,
         'seeded: the REST and HTTP API stages no apigw watch covers '
         '(per-method metrics are not stages)', med)
    t.ok('coverage: 1 of 3 API stages watched' in out,
         'seeded: API coverage from CloudWatch metrics', out)
    t.ok('iam:GetRolePolicy role locked-role policy legacy: iam: '
         'AccessDenied (HTTP 403' in skipped and skipped.count('\n') == 0,
         'seeded: AccessDenied on GetRolePolicy is the one skip', skipped)
    t.ok('checked: 7 functions (14 environment variables), 5 execution '
         'roles, 9 policies' in out, 'seeded: counts', out)
    t.ok('coverage: 4 of 7 functions watched' in out, 'seeded: coverage',
         out)
    t.ok('result: 3 critical, 2 high, 5 medium; incomplete (1 not checked)'
         in out, 'seeded: summary line', out)
    t.ok('move it to Secrets Manager or SSM Parameter Store (SecureString)'
         in out and 'with caching' in out, 'seeded: recommendation text',
         out)
    st = sim.ctl('GET', 'stats')
    iam = st['requests'].get('iam', {})
    # Pages of one item: orders-role 2, reports-role 2, three roles 1 each.
    t.ok(iam.get('ListAttachedRolePolicies') == 7,
         'IAM paging: attached policies followed by Marker',
         json.dumps(iam))
    # orders-role 2 pages, payments, users, reports (empty), locked 1.
    t.ok(iam.get('ListRolePolicies') == 6 and iam.get('GetRolePolicy') == 5,
         'IAM paging: inline policy names followed by Marker',
         json.dumps(iam))
    t.ok(iam.get('GetPolicy') == 4 and iam.get('GetPolicyVersion') == 4,
         'managed: broad AWS policy not fetched, the others once per role',
         json.dumps(iam))
    t.ok(st['signature'].get('failed', 0) == 0 and
         st['signature'].get('checked', 0) > 20,
         'every request signed correctly', json.dumps(st.get('signature')))
    t.ok(set(st['requests']) <= {'lambda', 'iam', 'cloudwatch'} and
         set(st['requests'].get('lambda', {})) == {'ListFunctions'} and
         set(st['requests'].get('cloudwatch', {})) == {'ListMetrics'},
         'read-only: only List/Get calls', json.dumps(st['requests']))
    if os.environ.get('AUDIT_PRINT'):
        sys.stderr.write(out)

    # --- the same, JSON ------------------------------------------------
    out, err = audit(['--format', 'json'], 'json', 2)
    try:
        objs = [json.loads(line) for line in out.splitlines()]
    except ValueError as e:
        objs = []
        t.ok(False, 'json: every line parses', '%s\n%s' % (e, out))
    findings = [o for o in objs if o.get('type') == 'audit']
    sev = {}
    for o in findings:
        sev[o['severity']] = sev.get(o['severity'], 0) + 1
    t.ok(sev == {'critical': 3, 'high': 2, 'medium': 5},
         'json: 3 critical, 2 high, 5 medium', json.dumps(sev))
    stripe = [o for o in findings if o.get('rule') == 'stripe-key']
    t.ok(len(stripe) == 1 and stripe[0]['function'] == 'payments' and
         stripe[0]['variable'] == 'STRIPE_KEY' and
         stripe[0]['redacted'].startswith('sk_live_*') and
         'Secrets Manager' in stripe[0]['recommendation'],
         'json: Stripe finding fields', json.dumps(stripe))
    admin = [o for o in findings if o['check'] == 'iam-admin']
    t.ok(len(admin) == 1 and admin[0]['role'] == 'users-role' and
         admin[0]['policy_type'] == 'inline' and
         admin[0]['role_functions'] == 'users-api',
         'json: *:* finding fields', json.dumps(admin))
    skips = [o for o in objs if o.get('type') == 'audit_skipped']
    t.ok(len(skips) == 1 and 'AccessDenied' in skips[0]['why'],
         'json: the skip with its reason', json.dumps(skips))
    summ = [o for o in objs if o.get('type') == 'audit_summary']
    t.ok(len(summ) == 1 and summ[0]['complete'] is False and
         summ[0]['account'] == '123456789012' and summ[0]['functions'] == 7
         and summ[0]['watched'] == 4 and summ[0]['skipped'] == 1,
         'json: summary last', json.dumps(summ))
    t.ok(objs and objs[-1].get('type') == 'audit_summary',
         'json: summary is the last line')

    # --- no config: defaults, coverage skipped ---------------------------
    env_nc = dict(env, AWS_REGION='us-east-1',
                  CWGUARD_CONFIG=os.path.join(d, 'absent.conf'))
    rc, out, err = run(['audit'], env_nc)
    t.ok(rc == 2, 'no config: still audits (exit 2)', '%d\n%s%s' %
         (rc, out, err))
    t.ok('coverage: not checked: no config file (' in out and
         'absent.conf not found)' in out and 'unwatched' not in out,
         'no config: coverage skipped, saying why', out)
    no_secret('no config', out + err)

    def scenario(mutate):
        sc = copy.deepcopy(SEED)
        mutate(sc)
        sim.ctl('POST', 'scenario', sc)

    def keep(names, roles):
        def m(sc):
            sc['lambda']['functions'] = [
                f for f in sc['lambda']['functions']
                if f['FunctionName'] in names]
            sc['iam']['roles'] = {k: v for k, v in sc['iam']['roles'].items()
                                  if k in roles}
            for f in sc['lambda']['functions']:
                if f.get('Role', '').split('/')[-1] not in roles:
                    f['Role'] = ('arn:aws:iam::123456789012:role/' +
                                 sorted(roles)[0])
            # only the API stage the config watches
            sc['metrics'] = [x for x in sc.get('metrics', [])
                             if {'Name': 'ApiName', 'Value': 'orders-api'}
                             in x['dimensions']]
        return m

    # --- exit codes ------------------------------------------------------
    scenario(keep({'orders-create', 'orders-list'}, {'orders-role'}))
    out, err = audit([], 'clean account', 0)
    t.ok('result: 0 critical, 0 high, 0 medium\n' in out and
         'NOT CHECKED' not in out, 'clean account: nothing found', out)

    scenario(keep({'orders-create', 'users-api', 'reports'},
                  {'orders-role'}))
    out, err = audit([], 'findings, none critical', 1)
    t.ok('result: 0 critical, 1 high, 1 medium' in out,
         'findings, none critical: the env secret and the unwatched '
         'function', out)

    def denied(sc):
        keep({'orders-create', 'legacy-job'}, {'orders-role',
                                               'locked-role'})(sc)
        sc['lambda']['functions'][1]['FunctionName'] = 'orders-legacy'
    scenario(denied)
    out, err = audit([], 'AccessDenied only', 3)
    t.ok('incomplete (1 not checked)' in out and 'AccessDenied' in out,
         'AccessDenied only: incomplete, exit 3', out)

    def whole_role_denied(sc):
        keep({'orders-create'}, {'orders-role'})(sc)
        sc['iam']['roles']['orders-role']['access_denied'] = True
    scenario(whole_role_denied)
    out, err = audit([], 'role fully denied', 3)
    t.ok('iam:ListAttachedRolePolicies role orders-role' in out and
         'iam:ListRolePolicies role orders-role' in out,
         'role fully denied: both listings reported', out)

    # --- Lambda paging: 57 functions, 50 per page ------------------------
    def many(sc):
        for i in range(50):
            sc['lambda']['functions'].append(
                {'FunctionName': 'orders-fill-%02d' % i,
                 'Role': 'arn:aws:iam::123456789012:role/orders-role',
                 'Environment': {'Variables': {'N': str(i)}}})
    scenario(many)
    out, err = audit([], 'paging', 2)
    st = sim.ctl('GET', 'stats')
    t.ok(st['requests']['lambda'].get('ListFunctions') == 2,
         'paging: two ListFunctions pages', json.dumps(st['requests']))
    t.ok('checked: 57 functions' in out and
         'coverage: 54 of 57 functions watched' in out,
         'paging: every function of both pages checked', out)
    t.ok(out.count('[lambda-env-secret]') == 2,
         'paging: findings not repeated', out)

    # --- a failing region, and a failing ListFunctions -------------------
    sim.ctl('POST', 'scenario', {'path': SCENARIO})
    out, err = audit(['--region', 'us-east-1', '--region', 'eu-west-1'],
                     'second region refused', 2)
    t.ok('regions us-east-1, eu-west-1' in out and
         'lambda:ListFunctions eu-west-1: lambda: SignatureDoesNotMatch'
         in out and 'checked: 7 functions' in out,
         'second region refused: skipped, first region audited', out)

    scenario(keep({'orders-create'}, {'orders-role'}))
    sim.ctl('POST', 'faults', {'rules': [
        {'service': 'lambda', 'operation': 'ListFunctions',
         'kind': 'throttle', 'count': 1}]})
    out, err = audit([], 'throttled once', 0)
    t.ok('checked: 1 function ' in out, 'throttled once: retried', out)
    sim.ctl('POST', 'faults', {'rules': [
        {'service': 'lambda', 'operation': 'ListFunctions', 'kind': 'error',
         'status': 400, 'code': 'AccessDeniedException'}]})
    out, err = audit([], 'ListFunctions denied', 3)
    t.ok('lambda:ListFunctions us-east-1: lambda: AccessDeniedException' in
         out and 'checked: 0 functions' in out,
         'ListFunctions denied: says so, exit 3', out)
    sim.ctl('POST', 'faults', {'clear': True})

    # --- the command line ------------------------------------------------
    rc, out, err = run(['audit', 'extra'], env)
    t.ok(rc == 64, 'usage: stray argument exits 64', '%d %s' % (rc, err))
    rc, out, err = run(['audit', '--format', 'xml'], env)
    t.ok(rc == 64, 'usage: bad --format exits 64', '%d %s' % (rc, err))
    bad = write(os.path.join(d, 'bad.conf'), '[nonsense]\n')
    rc, out, err = run(['-c', bad, 'audit'], env)
    t.ok(rc == 78, 'invalid config exits 78', '%d %s' % (rc, err))
finally:
    sim.stop()
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    os.rmdir(d)
sys.exit(t.done())
