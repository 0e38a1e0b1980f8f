"""A loopback HTTP/1.1 server for the client tests: it records every request and answers
with scripted replies. Runs on Python 2.7 and 3.x (stdlib only, plus six).

    with RecordingServer() as server:          # echoes JSON-RPC calls, else says ok
        onep = OnepV1(host='127.0.0.1', port=server.port, https=False)
        ...
        server.requests[-1].json()              # what the client sent
        server.connections                      # TCP connections accepted so far

``server.reply`` is a callable taking the recorded request and returning a :class:`Reply`;
set it to script any answer (bad bodies, delays, a connection reset mid-reply...).
A :class:`Routes` is such a callable that answers by method and path, for REST APIs such as
Portals:

    server.reply = Routes({('GET', '/api/portals/v1/portals'): json_reply([{'id': '1'}])})
"""
import json
import socket
import struct
import threading
import time

from six.moves import BaseHTTPServer, socketserver


class Reply(object):
    """One scripted answer.

    Arguments: status (int), body (text or bytes), headers (dict; Content-Type defaults to
    JSON, Content-Length is computed), delay (seconds to wait before answering), reset (True
    sends the headers and half the body, then resets the connection), close (True adds
    ``Connection: close`` and closes the connection after the reply).
    """

    def __init__(self, status=200, body='', headers=None, delay=0, reset=False, close=False):
        self.status = status
        self.body = body.encode('utf-8') if not isinstance(body, bytes) else body
        self.headers = {'Content-Type': 'application/json; charset=utf-8'}
        self.headers.update(headers or {})
        self.delay = delay
        self.reset = reset
        self.close = close


class Recorded(object):
    """One request as the server saw it: method, path, query, headers (lower-case names),
    body (text), connection (the number of the TCP connection it came on, from 1)."""

    def __init__(self, method, path, query, headers, body, connection):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.connection = connection

    def json(self):
        """Return the body parsed as JSON."""
        return json.loads(self.body)


def rpc_echo(request):
    """Answer each JSON-RPC call with status ok and a result echoing its procedure and
    arguments: ``{"procedure": ..., "arguments": ...}``."""
    calls = request.json()['calls']
    return Reply(body=json.dumps([{'id': c['id'], 'status': 'ok',
                                   'result': {'procedure': c['procedure'],
                                              'arguments': c['arguments']}} for c in calls]))


def default_reply(request):
    """:func:`rpc_echo` for JSON-RPC requests (a path under /onep:v1/rpc), else 200 ``ok``
    as text/plain."""
    if request.path.startswith('/onep:v1/rpc'):
        return rpc_echo(request)
    return Reply(body='ok', headers={'Content-Type': 'text/plain; charset=utf-8'})


def json_reply(value, status=200, headers=None):
    """Return a :class:`Reply` whose body is ``value`` encoded as JSON."""
    return Reply(status=status, body=json.dumps(value), headers=headers)


class Routes(object):
    """A reply callable that answers each request by its method and path (query left out).

    Arguments: routes, a dict ``{(method, path): answer}``, where an answer is a
    :class:`Reply` or a callable taking the :class:`Recorded` request and returning one;
    prefix, put before every path given (e.g. ``'/api/portals/v1'``). A path ending in
    ``*`` matches every path that starts with the rest of it (exact paths win). A request
    with no route gets 404 with a JSON error naming it, so a test sees what it forgot to
    script; ``routes.unmatched`` lists those requests.
    """

    def __init__(self, routes=None, prefix=''):
        self.prefix = prefix
        self.routes = {}
        self.unmatched = []
        for (method, path), answer in (routes or {}).items():
            self.add(method, path, answer)

    def add(self, method, path, answer):
        """Answer ``method`` requests for ``prefix + path`` with ``answer``; replaces an
        earlier route for them. Returns self, so calls can be chained."""
        self.routes[(method, self.prefix + path)] = answer
        return self

    def __call__(self, request):
        answer = self.routes.get((request.method, request.path))
        if answer is None:
            answer = self._wildcard(request)
        if answer is None:
            self.unmatched.append(request)
            return json_reply({'error': 'no route for %s %s' % (request.method, request.path)},
                              status=404)
        return answer(request) if callable(answer) else answer

    def _wildcard(self, request):
        for (method, path), answer in self.routes.items():
            if (method == request.method and path.endswith('*') and
                    request.path.startswith(path[:-1])):
                return answer
        return None


class _Server(socketserver.ThreadingMixIn, BaseHTTPServer.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class RecordingServer(object):
    """Start the server on 127.0.0.1 and an ephemeral port, in a daemon thread.

    Arguments: reply (callable(Recorded) -> Reply; default :func:`default_reply`), close_every
    (N: answer the Nth request of each connection with ``Connection: close``, as the
    platform does on the 100th), ssl_context (an ``ssl.SSLContext`` to serve HTTPS).
    """

    def __init__(self, reply=default_reply, close_every=None, ssl_context=None):
        self.reply = reply
        self.close_every = close_every
        self.requests = []
        self.connections = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPServer.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'
            wbufsize = -1  # buffer the reply, sent by one flush()
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def setup(self):
                BaseHTTPServer.BaseHTTPRequestHandler.setup(self)
                with outer.lock:
                    outer.connections += 1
                    self.connection_number = outer.connections
                self.served = 0

            def handle_any(self):
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else b''
                path, _, query = self.path.partition('?')
                headers = dict((k.lower(), v) for k, v in self.headers.items())
                rec = Recorded(self.command, path, query, headers,
                               body.decode('utf-8', 'replace'), self.connection_number)
                with outer.lock:
                    outer.requests.append(rec)
                self.served += 1
                reply = outer.reply(rec)
                if reply.delay:
                    time.sleep(reply.delay)
                close = reply.close or (outer.close_every is not None and
                                        self.served % outer.close_every == 0)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header('Content-Length', str(len(reply.body)))
                if close:
                    self.send_header('Connection', 'close')
                    self.close_connection = True
                self.end_headers()
                if reply.reset:
                    self.wfile.write(reply.body[:len(reply.body) // 2])
                    self.wfile.flush()
                    # SO_LINGER with a zero timeout: close() sends a TCP reset.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                               struct.pack('ii', 1, 0))
                    self.close_connection = True
                    return
                self.wfile.write(reply.body)
                self.wfile.flush()

            do_GET = do_POST = do_PUT = do_DELETE = handle_any

        self.server = _Server(('127.0.0.1', 0), Handler)
        if ssl_context is not None:
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.host = '127.0.0.1:%d' % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={'poll_interval': 0.05})
        self.thread.daemon = True
        self.thread.start()

    def close(self):
        """Stop serving and close the listening socket."""
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def free_port():
    """Return a loopback port with nothing listening on it."""
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port
