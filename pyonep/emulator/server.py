"""The emulator's HTTP server: sockets, routing and the shared state.

:func:`create_state` opens the store and the platform; :class:`EmulatorServer` serves
them over HTTP/1.1 with keep-alive, one daemon thread per connection.

Routing:

- ``POST /onep:v1/rpc/process``: the JSON-RPC endpoint (``rpc.py``);
- any path starting with ``/provision/``: ``provision_api.handle(state, request)``;
- ``/onep:v1/stack/...``, ``/timestamp``, ``/ip`` and ``/api:v1/...``:
  ``device_api.handle(state, request)``.

Every other path answers 404 text.

The ``state`` object handlers receive (:class:`State`) has these attributes:

- ``store``: the :class:`~pyonep.emulator.store.Store`;
- ``platform``: the :class:`~pyonep.emulator.models.Platform`;
- ``fleet``: the :class:`~pyonep.emulator.fleet.Fleet` over the same store and platform;
- ``config``: a :class:`Config` with ``host``, ``port``, ``root_cik``, ``vendor`` and
  ``vendor_token`` (``port`` is the real one once the server is bound).

Limits and behaviour that clients can see:

- request bodies over :data:`MAX_BODY` bytes (32 MiB) get HTTP 413 with an RPC error object
  (code 400, context ``calls``) and the connection is closed;
- the answer to the 100th request on one connection carries ``Connection: close`` and the
  connection is then closed, as the One Platform does;
- a connection idle for :data:`IDLE_TIMEOUT` seconds is closed;
- framing (the parts of RFC 9112 the standard library's server leaves out): empty lines
  before a request line are skipped (up to :data:`MAX_BLANK_LINES`); a request line that
  is not ``METHOD target HTTP/1.x`` gets 400 and HTTP/2.0 or later 505; a request whose
  body length is ambiguous gets 400 and the connection is closed, so its body is never
  read as another request: ``Content-Length`` headers that disagree or are not plain
  digits, any ``Transfer-Encoding`` (a lone ``chunked`` gets 411: send Content-Length),
  whitespace between a header name and its colon, or a folded header line. Every answer
  has a status line;
- an unexpected failure answers HTTP 500 with an error object (code 500) and is logged
  on the ``pyonep.emulator`` logger; no traceback is ever sent to a client.
"""
import binascii
import json
import logging
import os
import re
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pyonep.emulator import device_api, provision_api, rpc
from pyonep.emulator.fleet import Fleet
from pyonep.emulator.models import Platform
from pyonep.emulator.store import Store
from pyonep.emulator.web import Request, Response, json_response, text_response

LOG = logging.getLogger('pyonep.emulator')
MAX_BODY = 32 * 1024 * 1024
MAX_DRAIN = 256 * 1024 * 1024
MAX_REQUESTS_PER_CONNECTION = 100
IDLE_TIMEOUT = 120
MAX_BLANK_LINES = 8
MAX_LINE = 65536
DIGITS = re.compile(r'[0-9]+\Z')
RPC_PATH = '/onep:v1/rpc/process'
DEVICE_PREFIXES = ('/onep:v1/stack/', '/api:v1/')
DEVICE_PATHS = ('/timestamp', '/ip')


class Config(object):
    """How the emulator was started: ``host``, ``port``, ``root_cik``, ``vendor``,
    ``vendor_token`` (all attributes)."""

    def __init__(self, host, port, root_cik, vendor, vendor_token):
        self.host = host
        self.port = port
        self.root_cik = root_cik
        self.vendor = vendor
        self.vendor_token = vendor_token

    def as_dict(self):
        """Return the five settings as a dict (the JSON line the CLI prints)."""
        return {'host': self.host, 'port': self.port, 'root_cik': self.root_cik,
                'vendor': self.vendor, 'vendor_token': self.vendor_token}


class State(object):
    """What every handler gets: ``store``, ``platform``, ``fleet`` and ``config``."""

    def __init__(self, store, platform, fleet, config):
        self.store = store
        self.platform = platform
        self.fleet = fleet
        self.config = config


def create_state(db=':memory:', host='127.0.0.1', port=0, root_cik=None, vendor=None,
                 vendor_token=None, clock=None):
    """Open (or create) the emulator's database and return its :class:`State`.

    Arguments: ``db`` (a file path or ':memory:'), ``host``/``port`` (recorded in
    ``config``), ``root_cik``, ``vendor`` and ``vendor_token`` (used when the database is
    new and generated when None; a database that has them keeps its own), ``clock`` (see
    :class:`~pyonep.emulator.models.Platform`). Raises ``sqlite3.Error`` for a file that
    is not a usable database.
    """
    store = Store(db)
    platform = Platform(store, clock=clock, root_cik=root_cik)
    if store.get_meta('vendor') is None:
        store.set_meta('vendor', vendor or 'vendor' + binascii.hexlify(os.urandom(4)).decode())
        store.set_meta('vendor_token', vendor_token or binascii.hexlify(os.urandom(20)).decode())
        store.set_meta('vendor_rid', platform.root_rid)
    config = Config(host, port, platform.root_cik, store.get_meta('vendor'),
                    store.get_meta('vendor_token'))
    return State(store, platform, Fleet(store, platform), config)


def route(state, request):
    """Answer one :class:`~pyonep.emulator.web.Request` with a
    :class:`~pyonep.emulator.web.Response` (see the module docstring for the routes)."""
    path = request.path
    if path == RPC_PATH:
        if request.method != 'POST':
            return json_response({'error': rpc.error_object(400, 'Use POST')}, status=405,
                                 headers=[('Allow', 'POST')])
        reply = rpc.process(state.platform, request.body)
        if reply is None:
            return Response(200, b'', 'application/json; charset=utf-8')
        return json_response(reply)
    if path.startswith('/provision/'):
        return provision_api.handle(state, request)
    if path.startswith(DEVICE_PREFIXES) or path in DEVICE_PATHS:
        return device_api.handle(state, request)
    return text_response(404, 'Not Found')


class Handler(BaseHTTPRequestHandler):
    """Reads HTTP/1.1 requests from one connection and answers them through :func:`route`."""

    protocol_version = 'HTTP/1.1'
    server_version = 'pyonep-emulator'
    timeout = IDLE_TIMEOUT

    def setup(self):
        """Prepare a new connection: no request served yet, replies sent without delay."""
        BaseHTTPRequestHandler.setup(self)
        # headers and body go out as two writes: without this, Nagle's algorithm and the
        # client's delayed ACK hold every reply back by about 40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.requests_served = 0

    def version_string(self):
        """Return the ``Server`` header value."""
        return self.server_version

    def log_message(self, format, *args):
        """Log each request at DEBUG level on the ``pyonep.emulator`` logger."""
        LOG.debug('%s - %s', self.address_string(), format % args)

    def parse_request(self):
        """Parse the request line and headers (the standard library's parser, plus the
        framing rules of the module docstring). Returns True to serve the request; False
        when it was refused (the answer is sent) or the client hung up."""
        for _ in range(MAX_BLANK_LINES):  # RFC 9112 2.2: skip empty lines before a request
            if self.raw_requestline not in (b'\r\n', b'\n'):
                break
            self.raw_requestline = self.rfile.readline(MAX_LINE + 1)
        self.requestline = str(self.raw_requestline, 'iso-8859-1').rstrip('\r\n')
        self.command, self.request_version = None, 'HTTP/1.1'  # refusals get a status line
        if not self.raw_requestline:
            self.close_connection = True
            return False
        words = self.requestline.split()
        version = re.match(r'HTTP/(\d)\.\d\Z', words[-1]) if len(words) == 3 else None
        if version is None or len(self.raw_requestline) > MAX_LINE:
            return self._refuse(400, 'Bad request line: send METHOD target HTTP/1.1')
        if version.group(1) != '1':
            return self._refuse(505, 'HTTP version not supported: use HTTP/1.1')
        if not BaseHTTPRequestHandler.parse_request(self):
            return False
        status, message = self._framing_error()
        return self._refuse(status, message) if status else True

    def _framing_error(self):
        """Return (status, message) when the request's body length is ambiguous, else
        (None, None); on success ``self.body_length`` holds the length."""
        headers = self.headers
        if headers.defects or any(c in name for name in headers.keys() for c in ' \t') or any(
                '\n' in value for value in headers.values()):
            return 400, 'Malformed header section'
        if 'Transfer-Encoding' in headers:
            if [v.strip().lower() for v in headers.get_all('Transfer-Encoding')] == ['chunked']:
                return 411, 'Chunked request bodies are not supported; send Content-Length'
            return 400, 'Transfer-Encoding is not supported; send Content-Length'
        lengths = set(v.strip() for h in headers.get_all('Content-Length', ()) for v in h.split(','))
        if len(lengths) > 1 or not all(DIGITS.match(v) for v in lengths):
            return 400, 'Bad Content-Length'
        self.body_length = int(lengths.pop()) if lengths else 0
        return None, None

    def _refuse(self, status, message):
        """Answer ``status`` with an RPC error object, close the connection; return False."""
        self.close_connection = True
        self._send(json_response({'error': rpc.error_object(400, message)}, status=status))
        return False

    def _serve(self):
        """Read one request's body (within the size limit), route it and send the answer."""
        self.requests_served += 1
        length = self.body_length
        if length > MAX_BODY:
            self.close_connection = True
            self._drain(length)
            return self._send(json_response({'error': rpc.error_object(
                400, 'Request body over the %d byte limit' % MAX_BODY, 'calls')}, status=413))
        body = self.rfile.read(length) if length else b''
        request = Request(self.command, self.path, self.headers, body,
                          self.server.server_address, self.client_address)
        try:
            response = route(self.server.state, request)
        except Exception:
            LOG.exception('internal error answering %s %s', self.command, self.path)
            response = json_response({'error': rpc.error_object(500, 'Internal error')}, status=500)
        self._send(response)

    def _drain(self, length):
        if length > MAX_DRAIN:
            return
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 20))
            if not chunk:
                return
            length -= len(chunk)

    def _send(self, response):
        if self.requests_served >= MAX_REQUESTS_PER_CONNECTION:
            self.close_connection = True
        self.send_response(response.status)
        self.send_header('Content-Type', response.content_type)
        self.send_header('Content-Length', str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header('Connection', 'close' if self.close_connection else 'keep-alive')
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve


class EmulatorServer(ThreadingHTTPServer):
    """The HTTP server of one emulator: ``EmulatorServer(state)`` binds
    ``state.config.host``/``port`` (port 0 picks a free one and records it in the config).

    Raises ``OSError`` when the address cannot be bound.
    """

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, state):
        self.state = state
        ThreadingHTTPServer.__init__(self, (state.config.host, state.config.port), Handler)
        state.config.port = self.server_address[1]
        self._thread = None

    def handle_error(self, request, client_address):
        """Log a failure outside the handlers (a client that hung up is only a debug line)."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, socket.timeout)):
            LOG.debug('connection from %s ended: %s', client_address, error)
        else:
            LOG.exception('error serving %s', client_address)

    def start(self):
        """Serve in a background daemon thread and return at once."""
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), name='pyonep-emulator')
        self._thread.daemon = True
        self._thread.start()

    def stop(self):
        """Stop serving, wake pending long polls, close the socket and the database.

        Every acknowledged write is already committed, so none is lost.
        """
        self.state.platform.close()
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
        self.server_close()
        self.state.store.close()


def ready_line(config):
    """Return the JSON line announcing a ready emulator (``config.as_dict()``)."""
    return json.dumps(config.as_dict(), sort_keys=True)
