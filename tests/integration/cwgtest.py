"""Shared helpers for integration tests of the real cwguard binary against
the AWS simulator: TAP output, a simulator process, and running cwguard
with a clean AWS environment. Standard library only."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
CWGUARD = os.environ.get('CWGUARD') or os.path.join(
    os.environ.get('BUILDDIR', os.path.dirname(TESTS)), 'cwguard')
sys.dont_write_bytecode = True


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        self.n += 1
        print('%s %d - %s' % ('ok' if cond else 'not ok', self.n, name))
        if not cond:
            self.failed += 1
            if diag:
                for line in str(diag).splitlines()[:12]:
                    print('#   ' + line)
        sys.stdout.flush()
        return cond

    def done(self):
        print('1..%d' % self.n)
        return 1 if self.failed else 0


class Sim:
    """The simulator on loopback, on a free port, with a scenario."""

    def __init__(self, scenario, smtp=False):
        self.dir = tempfile.mkdtemp(prefix='cwg-sim.')
        pf = os.path.join(self.dir, 'ports.json')
        args = [os.environ.get('SIM_PYTHON', '/usr/bin/python3'), '-m',
                'awssim', '--scenario', scenario, '--port', '0',
                '--port-file', pf]
        if smtp:
            args += ['--smtp-port', '0']
        env = dict(os.environ, PYTHONPATH=TESTS, PYTHONDONTWRITEBYTECODE='1')
        self.log = open(os.path.join(self.dir, 'sim.log'), 'w')
        self.proc = subprocess.Popen(args, cwd=TESTS, env=env,
                                     stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 20
        while not os.path.exists(pf):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError('simulator did not start: ' +
                                   open(os.path.join(self.dir,
                                                     'sim.log')).read())
            time.sleep(0.05)
        with open(pf) as f:
            self.ports = json.load(f)
        self.url = 'http://127.0.0.1:%d' % self.ports['http']

    def ctl(self, method, what, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + '/_sim/' + what, data=data,
                                     method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b'null')

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def clean_env(**extra):
    """The environment minus every AWS_* variable and any real profile."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith('AWS_') and k not in ('CREDENTIALS_DIRECTORY',
                                                     'CWGUARD_CONFIG')}
    env['AWS_CONFIG_FILE'] = '/dev/null'
    env['AWS_SHARED_CREDENTIALS_FILE'] = '/dev/null'
    env['AWS_EC2_METADATA_DISABLED'] = 'true'
    env.update({k: v for k, v in extra.items() if v is not None})
    for k, v in extra.items():
        if v is None:
            env.pop(k, None)
    return env


def run(args, env, timeout=120, stdin=None):
    """Runs cwguard; returns (exit code, stdout, stderr)."""
    p = subprocess.run([CWGUARD] + args, env=env, capture_output=True,
                       timeout=timeout, input=stdin)
    return (p.returncode, p.stdout.decode('utf-8', 'replace'),
            p.stderr.decode('utf-8', 'replace'))


def write(path, text, mode=0o600):
    with open(path, 'w') as f:
        f.write(text)
    os.chmod(path, mode)
    return path
