"""A minimal SMTP catcher (RFC 5321 subset) on its own loopback port.

Commands: EHLO/HELO, AUTH PLAIN/LOGIN (any credentials accepted; only the
user name is recorded), MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT.
STARTTLS is not offered.  Faults: service "smtp", operation "DATA" (or
"MAIL"/"RCPT"), kind "error" with status (e.g. 451 or 554) or "close".
"""
import base64
import socketserver


def _path(arg):
    """'FROM:<a@b> SIZE=10' -> '<a@b>' (ESMTP parameters dropped)."""
    v = arg.split(':', 1)[-1].strip()
    if v.startswith('<') and '>' in v:
        return v[:v.index('>') + 1]
    return v.split(' ')[0]


class _Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, line):
        self.wfile.write((line + '\r\n').encode())
        self.wfile.flush()

    def readline(self):
        line = self.rfile.readline(65536)
        if not line:
            raise EOFError
        return line.decode('utf-8', 'replace').rstrip('\r\n')

    def fault(self, op):
        f = self.server.state.pick_faults('smtp', op)
        if 'close' in f:
            self.server.state.bump('faults', 'closed')
            raise EOFError
        if 'error' in f:
            self.server.state.bump('faults', 'errors')
            self.reply('%d injected by awssim' % f['error']['status'])
            return True
        return False

    def handle(self):
        st = self.server.state
        env = {'helo': None, 'from': None, 'to': [], 'auth_user': None}
        try:
            self.reply('220 awssim ESMTP')
            while True:
                line = self.readline()
                cmd = line[:4].upper()
                arg = line[5:] if len(line) > 4 else ''
                if cmd == 'EHLO':
                    env['helo'] = arg
                    self.wfile.write(b'250-awssim\r\n250-AUTH PLAIN LOGIN\r\n'
                                     b'250-8BITMIME\r\n250 SIZE 10485760\r\n')
                elif cmd == 'HELO':
                    env['helo'] = arg
                    self.reply('250 awssim')
                elif cmd == 'AUTH':
                    parts = arg.split()
                    mech = parts[0].upper() if parts else ''
                    if mech == 'PLAIN':
                        resp = parts[1] if len(parts) > 1 else None
                        if resp is None:
                            self.reply('334 ')
                            resp = self.readline()
                        try:
                            env['auth_user'] = base64.b64decode(resp).split(
                                b'\0')[1].decode('utf-8', 'replace')
                        except (ValueError, IndexError):
                            self.reply('501 bad AUTH PLAIN')
                            continue
                        self.reply('235 ok')
                    elif mech == 'LOGIN':
                        if len(parts) > 1:
                            user = parts[1]
                        else:
                            self.reply('334 VXNlcm5hbWU6')
                            user = self.readline()
                        self.reply('334 UGFzc3dvcmQ6')
                        self.readline()   # password: not recorded
                        try:
                            env['auth_user'] = base64.b64decode(user).decode(
                                'utf-8', 'replace')
                        except ValueError:
                            pass
                        self.reply('235 ok')
                    else:
                        self.reply('504 unsupported mechanism')
                elif cmd == 'MAIL':
                    if self.fault('MAIL'):
                        continue
                    env['from'] = _path(arg)
                    env['to'] = []
                    self.reply('250 ok')
                elif cmd == 'RCPT':
                    if self.fault('RCPT'):
                        continue
                    env['to'].append(_path(arg))
                    self.reply('250 ok')
                elif cmd == 'DATA':
                    if not env['to']:
                        self.reply('503 need RCPT')
                        continue
                    self.reply('354 end with .')
                    lines = []
                    while True:
                        ln = self.readline()
                        if ln == '.':
                            break
                        lines.append(ln[1:] if ln.startswith('.') else ln)
                    st.count('smtp', 'DATA')
                    if self.fault('DATA'):
                        continue
                    with st.lock:
                        st.smtp.append({'helo': env['helo'],
                                        'mail_from': env['from'],
                                        'rcpt_to': list(env['to']),
                                        'auth_user': env['auth_user'],
                                        'data': '\r\n'.join(lines) + '\r\n',
                                        'time': st.now()})
                    self.reply('250 ok queued')
                elif cmd == 'RSET':
                    env['from'], env['to'] = None, []
                    self.reply('250 ok')
                elif cmd == 'NOOP':
                    self.reply('250 ok')
                elif cmd == 'QUIT':
                    self.reply('221 bye')
                    return
                else:
                    self.reply('502 command not implemented')
        except (EOFError, OSError):
            return


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, state):
        self.state = state
        super().__init__(addr, _Handler)
