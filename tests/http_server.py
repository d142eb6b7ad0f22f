#!/usr/bin/python3
"""Loopback HTTP server for tests/unit/test_http.c.

Prints its port on stdout, serves until stdin closes. Endpoints:
  /ok                      200 "hello"
  /status/N                status N
  /redirect                302 to /ok
  /echo                    200, JSON of method, headers, body
  /bytes/N                 N bytes with Content-Length
  /chunked/N               N bytes, chunked (no Content-Length)
  /slow/MS                 sleeps MS ms, then 200
  /conc/ID/MS              counts requests in flight, sleeps MS ms, 200
  /flaky/KEY/N[/RA]        503 (Retry-After: RA) for the first N hits of KEY
  /throttle/KEY/N          429 for the first N hits of KEY
  /truncated/KEY           Content-Length 100, 10 bytes, then closes
  /stats                   JSON: max_inflight, max_conns, order, hits
  /reset                   clears the stats
  /mail                    JSON list of the mails the SMTP server took

A tiny SMTP server (smtpd, no TLS, no auth) listens too: the first line
printed is "HTTPPORT SMTPPORT".
"""
import json
import os
import socket
import warnings
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
mails = []
state = {"inflight": 0, "max_inflight": 0, "conns": 0, "max_conns": 0,
         "order": [], "hits": {}}


def reset():
    state.update(inflight=0, max_inflight=0, max_conns=state["conns"],
                 order=[], hits={})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: no Nagle/delayed-ACK stall.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with lock:
            state["conns"] += 1
            state["max_conns"] = max(state["max_conns"], state["conns"])

    def finish(self):
        try:
            super().finish()
        finally:
            with lock:
                state["conns"] -= 1

    def reply(self, status, body=b"", headers=(), chunked=False):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        for k, v in headers:
            self.send_header(k, v)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 512):
                part = body[i:i + 512]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    def hit(self, key):
        with lock:
            n = state["hits"].get(key, 0) + 1
            state["hits"][key] = n
            return n

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        p = self.path.split("/")[1:]
        try:
            if p[0] == "ok":
                return self.reply(200, b"hello")
            if p[0] == "status":
                return self.reply(int(p[1]), b"status " + p[1].encode())
            if p[0] == "redirect":
                return self.reply(302, b"", [("Location", "/ok")])
            if p[0] == "echo":
                out = {"method": self.command,
                       "headers": {k.lower(): v for k, v in self.headers.items()},
                       "body": body.decode("latin-1")}
                return self.reply(200, json.dumps(out, sort_keys=True).encode())
            if p[0] == "bytes":
                return self.reply(200, b"x" * int(p[1]))
            if p[0] == "chunked":
                return self.reply(200, b"x" * int(p[1]), chunked=True)
            if p[0] == "slow":
                time.sleep(int(p[1]) / 1000.0)
                return self.reply(200, b"slow")
            if p[0] == "conc":
                with lock:
                    state["order"].append(int(p[1]))
                    state["inflight"] += 1
                    state["max_inflight"] = max(state["max_inflight"],
                                                state["inflight"])
                try:
                    time.sleep(int(p[2]) / 1000.0)
                finally:
                    with lock:
                        state["inflight"] -= 1
                return self.reply(200, p[1].encode())
            if p[0] in ("flaky", "throttle"):
                n = self.hit(p[1])
                if n <= int(p[2]):
                    hdrs = [("Retry-After", p[3])] if len(p) > 3 else []
                    return self.reply(503 if p[0] == "flaky" else 429,
                                      b"try later", hdrs)
                return self.reply(200, b"recovered")
            if p[0] == "truncated":
                self.hit(p[1])
                self.send_response(200)
                self.send_header("Content-Length", "100")
                self.end_headers()
                self.wfile.write(b"0123456789")
                self.wfile.flush()
                self.close_connection = True
                return None
            if p[0] == "stats":
                with lock:
                    out = json.dumps(state, sort_keys=True).encode()
                return self.reply(200, out)
            if p[0] == "mail":
                with lock:
                    out = json.dumps(mails).encode()
                return self.reply(200, out)
            if p[0] == "reset":
                with lock:
                    reset()
                return self.reply(200, b"reset")
        except (IndexError, ValueError):
            return self.reply(400, b"bad path")
        return self.reply(404, b"no such path")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass    # the client gave up (timeout tests): not worth a traceback


def smtp_start():
    """Returns the port of a local SMTP sink, 0 when smtpd is missing."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import asyncore
            import smtpd
    except ImportError:
        return 0

    class Sink(smtpd.SMTPServer):
        def process_message(self, peer, mailfrom, rcpttos, data, **kw):
            with lock:
                mails.append({"from": mailfrom, "to": rcpttos,
                              "data": data.decode("latin-1")})

    sink = Sink(("127.0.0.1", 0), None, decode_data=False)
    threading.Thread(target=asyncore.loop, kwargs={"timeout": 0.1},
                     daemon=True).start()
    return sink.socket.getsockname()[1]


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    smtp_port = smtp_start()
    sys.stdout.write("%d %d\n" % (srv.server_address[1], smtp_port))
    sys.stdout.flush()
    sys.stdin.read()    # the test closed its end (or died): stop
    os._exit(0)


if __name__ == "__main__":
    main()
