#!/usr/bin/python3
"""Enqueue-to-catcher latency of a notification on loopback.

Runs `cwguard test-alert hook` N times (default 200) against a webhook
catcher in this process. The enqueue instant of each notification is the
"seq" key of its stored outbox row (wall-clock microseconds when the row was
written); the arrival instant is when the catcher has read the request. Both
clocks are this machine's. Prints median, p90 and max, and the median time of
the whole command (process start to exit) for comparison. Not a test.

usage: bench/delivery_latency.py [N]   (CWGUARD=path/to/cwguard)
"""
import http.server
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200
CWGUARD = os.environ.get('CWGUARD', './cwguard')
arrivals = {}


class Catcher(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        now = time.time()
        arrivals[json.loads(body)['id']] = now
        self.send_response(200)
        self.send_header('Content-Length', '2')
        self.end_headers()
        self.wfile.write(b'ok')

    def log_message(self, *a):
        pass


def main():
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Catcher)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    d = tempfile.mkdtemp(prefix='cwg-bench.')
    conf = os.path.join(d, 'c.conf')
    with open(conf, 'w') as f:
        f.write('[cwguard]\nstate = %s/state.db\n[sink hook]\ntype = webhook\n'
                'url = http://127.0.0.1:%d/hooks/bench\nrate_limit = 10000\n'
                % (d, srv.server_address[1]))
    os.chmod(conf, 0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith('AWS_')}
    runs = []
    for _ in range(N):
        t0 = time.time()
        p = subprocess.run([CWGUARD, '-q', '-c', conf, 'test-alert', 'hook'],
                           env=env, capture_output=True)
        runs.append(time.time() - t0)
        if p.returncode != 0:
            sys.exit('test-alert failed: ' + p.stdout.decode() +
                     p.stderr.decode())
    srv.shutdown()
    db = sqlite3.connect(os.path.join(d, 'state.db'))
    lat = []
    for rid, payload in db.execute('SELECT id, payload FROM outbox'):
        seq = json.loads(payload)['seq'] / 1e6
        if rid in arrivals:
            lat.append((arrivals[rid] - seq) * 1000)
    db.close()
    shutil.rmtree(d, ignore_errors=True)
    lat.sort()
    print('notifications: %d delivered of %d' % (len(lat), N))
    print('enqueue-to-catcher latency: median %.2f ms, p90 %.2f ms, '
          'max %.2f ms' % (statistics.median(lat), lat[int(len(lat) * .9)],
                           lat[-1]))
    print('whole test-alert command: median %.1f ms' %
          (statistics.median(runs) * 1000))
    print('latency / command time: %.2f' %
          (statistics.median(lat) / (statistics.median(runs) * 1000)))


if __name__ == '__main__':
    main()
