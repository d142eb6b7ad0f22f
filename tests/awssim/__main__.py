"""python3 -m awssim --scenario FILE --port 0 --port-file PATH [--smtp-port 0]"""
import argparse
import json
import os
import signal
import sys
import threading

from .scenario import load_file
from .server import Server
from .smtp import SmtpServer
from .state import State


def main(argv=None):
    ap = argparse.ArgumentParser(prog='awssim')
    ap.add_argument('--scenario', help='scenario JSON file')
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--port-file', help='write {"http":N,"smtp":M} here')
    ap.add_argument('--smtp-port', type=int, default=None,
                    help='start the SMTP catcher (0 = any port)')
    ap.add_argument('--verbose', action='store_true')
    a = ap.parse_args(argv)
    state = State(load_file(a.scenario) if a.scenario else {})
    http = Server((a.host, a.port), state, a.verbose)
    smtp = None
    ports = {'http': http.server_address[1]}
    if a.smtp_port is not None:
        smtp = SmtpServer((a.host, a.smtp_port), state)
        ports['smtp'] = smtp.server_address[1]
    servers = [s for s in (http, smtp) if s]
    threads = [threading.Thread(target=s.serve_forever, daemon=True,
                                kwargs={'poll_interval': 0.2})
               for s in servers]
    for t in threads:
        t.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if a.port_file:
        tmp = a.port_file + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(ports, f)
        os.replace(tmp, a.port_file)
    else:
        print(json.dumps(ports), flush=True)
    while not stop.wait(0.5):
        pass
    for s in servers:
        s.shutdown()
        s.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
