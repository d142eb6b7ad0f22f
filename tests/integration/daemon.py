#!/usr/bin/python3
"""`cwguard run` as systemd would run it, against the simulator: READY and
WATCHDOG on a notify socket, /metrics and /healthz, reload with a valid and
an invalid config while a cycle is in flight, credentials that rotate and
expire during the run, and SIGTERM during a Logs Insights query (StopQuery
sent, cursor not advanced past unprocessed rows, exit 0)."""
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cwgtest import CWGUARD, Sim, Tap, clean_env, write  # noqa: E402

t = Tap()
d = tempfile.mkdtemp(prefix='cwg-daemon.')
# A fake live Stripe key, assembled so that no key-shaped string is in git.
STRIPE = 'sk_' + 'live_' + '4eC39HqLyjWDarjtT1zdp7dc' + 'Zz81Qh0k'
now = int(time.time())
scenario = {
    'account_id': '123456789012', 'region': 'us-east-1', 'seed': 5,
    'credentials': [],
    'imds': {'role': 'cwguard-role', 'rotate': 905},
    'metrics': [{'generator': 'awssim.gen:fleet', 'args': {
        'n': 3, 'prefix': 'fn-', 'start': now - 86400 * 8,
        'periods': 86400 * 9 // 60, 'period': 60, 'requests': 200.0,
        'error_rate': 0.002, 'lazy': True}}],
    'log_groups': [{'name': '/aws/lambda/fn-00000', 'events': [
        {'timestamp': (now - 1800 + i) * 1000, 'stream': 's1',
         'message': 'request %d done' % i if i != 150 else
         'config dump stripe=' + STRIPE} for i in range(300)]}],
    'logs': {'poll_statuses': ['Running'] * 3},
}
scen = write(os.path.join(d, 'scenario.json'), json.dumps(scenario))
sim = Sim(scen)


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p


mport = free_port()
state = os.path.join(d, 'state.db')
base_conf = ('[cwguard]\nstate = %s\ninterval = 2s\nlag = 0s\nreread = 2m\n'
             'metrics_listen = 127.0.0.1:%d\n[aws]\nregion = us-east-1\n'
             '[watch fns]\nkind = lambda\nfunctions = fn-*\n'
             'baseline = 1d\n[sink hook]\ntype = webhook\n'
             'url = %s/hooks/daemon\n' % (state, mport, sim.url))
logs_conf = ('[logs app]\nlog_groups = /aws/lambda/fn-00000\n'
             'interval = 3s\nlookback = 1h\noverlap = 1m\n')
conf = write(os.path.join(d, 'c.conf'), base_conf)
nsock_path = os.path.join(d, 'notify')
nsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
nsock.bind(nsock_path)
nsock.settimeout(0.2)
env = clean_env(AWS_ENDPOINT_URL=sim.url, AWS_EC2_METADATA_DISABLED=None,
                AWS_EC2_METADATA_SERVICE_ENDPOINT=sim.url,
                NOTIFY_SOCKET=nsock_path, WATCHDOG_USEC='1000000')
log = open(os.path.join(d, 'daemon.log'), 'w+')
proc = subprocess.Popen([CWGUARD, '-c', conf, 'run'], env=env, stdout=log,
                        stderr=log)
notes = []


def drain_notify(wait=0.0):
    end = time.monotonic() + wait
    while True:
        try:
            notes.append(nsock.recv(4096).decode())
        except socket.timeout:
            if time.monotonic() >= end:
                return


def get(path):
    try:
        with urllib.request.urlopen('http://127.0.0.1:%d%s' % (mport, path),
                                    timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError as e:
        return 0, str(e)


def metric(text, name, **labels):
    """Sum of the samples of name whose labels include the given ones."""
    total, seen = 0.0, False
    for line in text.splitlines():
        if line.startswith('#') or not line.startswith(name):
            continue
        head, _, val = line.rpartition(' ')
        if head != name and not head.startswith(name + '{'):
            continue
        if all('%s="%s"' % (k, v) in head for k, v in labels.items()):
            total += float(val)
            seen = True
    return total if seen else None


def prom_families(text):
    """The page through Prometheus's own parser: [(name, type, n)], or
    None when python3-prometheus-client is not installed."""
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        return None
    return [(f.name, f.type, len(f.samples))
            for f in text_string_to_metric_families(text)]


def wait_for(cond, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        drain_notify(0.1)
    return cond()


def daemon_log():
    log.flush()
    log.seek(0)
    return log.read()


try:
    drain_notify(3)
    t.ok('READY=1' in notes, 'READY=1 on the notify socket', notes)
    t.ok(wait_for(lambda: 'WATCHDOG=1' in notes, 5),
         'WATCHDOG=1 pings at half of WATCHDOG_USEC', notes[:5])
    t.ok(any(n.startswith('STATUS=') for n in notes), 'STATUS= lines',
         notes[:5])

    ok_cycles = wait_for(lambda: (metric(get('/metrics')[1],
                                         'cwguard_cycles_total',
                                         source='fns', result='ok') or 0) >= 2,
                         20)
    code, text = get('/metrics')
    t.ok(ok_cycles, 'the watch cycles on its timer', text[-2000:] +
         daemon_log()[-2000:])
    t.ok('# TYPE cwguard_cycles_total counter' in text, '/metrics: TYPE line')
    t.ok((metric(text, 'cwguard_aws_requests_total',
                 api='cloudwatch:GetMetricData') or 0) >= 1,
         '/metrics: AWS requests per API', text[-1500:])
    t.ok(metric(text, 'cwguard_metrics_requested', watch='fns') == 6,
         '/metrics: metrics requested (3 functions x 2 metrics)',
         metric(text, 'cwguard_metrics_requested', watch='fns'))
    t.ok(metric(text, 'cwguard_outbox_depth') == 0, '/metrics: outbox depth')
    t.ok(metric(text, 'cwguard_alerts', state='ok') is not None,
         '/metrics: alerts by state')
    code, body = get('/healthz')
    t.ok(code == 200 and body.startswith('ok'), '/healthz 200 while cycles '
         'succeed', (code, body))

    # Credentials: IMDS hands out keys that expire 905 s later; inside 15
    # minutes of expiry cwguard refreshes them, without a failed cycle.
    issued = wait_for(lambda: sim.ctl('GET', 'stats')['imds_issued'] >= 2, 15)
    t.ok(issued, 'rotating instance credentials are fetched again before '
         'they expire', sim.ctl('GET', 'stats')['imds_issued'])
    # The simulated clock jumps past every expiry: AWS answers
    # ExpiredToken; cwguard refetches and re-signs, and cycles go on.
    before = metric(get('/metrics')[1], 'cwguard_cycles_total', source='fns',
                    result='failed') or 0
    okb = metric(get('/metrics')[1], 'cwguard_cycles_total', source='fns',
                 result='ok')
    sim.ctl('POST', 'clock', {'advance': 2000})
    t.ok(wait_for(lambda: (metric(get('/metrics')[1], 'cwguard_cycles_total',
                                  source='fns', result='ok') or 0) >= okb + 2,
                  20), 'cycles succeed after the credentials expired',
         daemon_log()[-2000:])
    after = metric(get('/metrics')[1], 'cwguard_cycles_total', source='fns',
                   result='failed') or 0
    t.ok(after == before, 'no failed cycle across the expiry (%d -> %d)' %
         (before, after), daemon_log()[-2000:])
    sig = sim.ctl('GET', 'stats')['signature']
    t.ok(sig.get('failed', 0) == sig.get('failed_expired', 0),
         'no request had a bad signature (only expired ones)', sig)
    sim.ctl('POST', 'clock', {'real': True})

    # Reload while a cycle is in flight: GetMetricData answers slowly.
    sim.ctl('POST', 'faults', {'rules': [
        {'service': 'cloudwatch', 'operation': 'GetMetricData',
         'kind': 'delay', 'seconds': 3, 'count': 1}]})
    time.sleep(2.5)
    write(conf, base_conf + logs_conf)
    cyc0 = metric(get('/metrics')[1], 'cwguard_cycles_total', source='fns')
    proc.send_signal(signal.SIGHUP)
    t.ok(wait_for(lambda: metric(get('/metrics')[1], 'cwguard_reloads_total',
                                 result='ok') == 1, 20),
         'SIGHUP with a valid config: reloaded', daemon_log()[-2000:])
    t.ok(wait_for(lambda: (metric(get('/metrics')[1], 'cwguard_cycles_total',
                                  source='app', result='ok') or 0) >= 1, 20),
         'the new logs source runs after the reload', daemon_log()[-2000:])
    t.ok(proc.poll() is None, 'still running after the reload')
    text = get('/metrics')[1]
    t.ok((metric(text, 'cwguard_cycles_total', source='fns') or 0) >=
         (cyc0 or 1), 'cwguard_cycles_total does not reset on a reload '
         '(%r -> %r)' % (cyc0, metric(text, 'cwguard_cycles_total',
                                      source='fns')))
    fams = prom_families(text)
    if fams is None:
        print('ok %d - /metrics parsed by prometheus_client # SKIP '
              'python3-prometheus-client not installed' % (t.n + 1))
        t.n += 1
    else:
        names = [f[0] for f in fams]
        types = {f[0]: f[1] for f in fams}
        t.ok(len(names) == len(set(names)) and
             types.get('cwguard_findings') == 'counter' and
             types.get('cwguard_logs_bytes_scanned') == 'counter' and
             types.get('cwguard_cycles') == 'counter' and
             types.get('cwguard_entities') == 'gauge',
             '/metrics: Prometheus\'s parser sees each family once, with '
             'its type', fams)
        t.ok('cwguard_up' not in names and
             types.get('cwguard_build_info') == 'gauge' and
             'version="' in text.split('cwguard_build_info{', 1)[-1][:80],
             '/metrics: cwguard_build_info{version=...}, no cwguard_up',
             fams)
    # The outbox scheduler of the daemon delivers what the new logs source
    # found: one notification, the key only as a redacted preview.
    caught = wait_for(lambda: [h for h in sim.ctl('GET', 'hooks')
                               if h['path'].startswith('/hooks/daemon')], 20)
    t.ok(caught and len(caught) == 1, 'the daemon delivered the secret '
         'finding to the webhook once', caught)
    body = caught[0]['body'] if caught else ''
    t.ok('"kind":"secret"' in body and 'sk_live_' in body and
         STRIPE not in body, 'the payload holds the redacted preview, '
         'never the key', body[:300])
    t.ok(STRIPE not in daemon_log(), 'the key is not in the daemon log')

    write(conf, base_conf + '[watch broken]\nkind = nonsense\n')
    proc.send_signal(signal.SIGHUP)
    t.ok(wait_for(lambda: metric(get('/metrics')[1], 'cwguard_reloads_total',
                                 result='failed') == 1, 20),
         'SIGHUP with an invalid config: refused', daemon_log()[-2000:])
    lg = daemon_log()
    t.ok('keeping the running config' in lg and 'c.conf:' in lg,
         'the log says why, with file:line', lg[-1500:])
    t.ok(not [x for x in lg.splitlines() if 'reload' in x and
              x.rstrip().endswith('\\n')],
         'the reload error lines end without a literal \\n', lg[-1500:])
    okn = metric(get('/metrics')[1], 'cwguard_cycles_total', source='app',
                 result='ok')
    t.ok(wait_for(lambda: (metric(get('/metrics')[1], 'cwguard_cycles_total',
                                  source='app', result='ok') or 0) > okn, 20),
         'the old config keeps running', daemon_log()[-1500:])

    # SIGTERM during a Logs query: the query is stopped, the cursor stays.
    db = sqlite3.connect('file:%s?mode=ro' % state, uri=True)
    cur0 = db.execute("SELECT cursor FROM log_cursor WHERE source = 'logs:app'"
                      ).fetchone()
    db.close()
    stops0 = sim.ctl('GET', 'stats')['requests']['logs'].get('StopQuery', 0)
    sim.ctl('POST', 'faults', {'rules': [
        {'service': 'logs', 'operation': 'GetQueryResults', 'kind': 'delay',
         'seconds': 1}]})
    started = wait_for(lambda: sim.ctl('GET', 'stats')['logs'][
        'running_queries'] >= 1, 15)
    t.ok(started, 'a Logs query is in flight')
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = None
    t.ok(rc == 0, 'SIGTERM: exit 0 within the drain time', (rc,
         daemon_log()[-1500:]))
    stops = sim.ctl('GET', 'stats')['requests']['logs'].get('StopQuery', 0)
    t.ok(stops > stops0, 'StopQuery sent for the abandoned query',
         sim.ctl('GET', 'stats')['requests']['logs'])
    db = sqlite3.connect('file:%s?mode=ro' % state, uri=True)
    cur1 = db.execute("SELECT cursor FROM log_cursor WHERE source = 'logs:app'"
                      ).fetchone()
    db.close()
    t.ok(cur0 is not None and cur1 == cur0, 'the cursor did not move past '
         'unprocessed rows (%r -> %r)' % (cur0, cur1))
    drain_notify(0.5)
    t.ok('STOPPING=1' in notes, 'STOPPING=1 sent')
finally:
    if proc.poll() is None:
        proc.kill()
    sim.stop()
    nsock.close()
sys.exit(t.done())
