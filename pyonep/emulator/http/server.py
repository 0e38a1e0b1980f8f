"""The emulator's HTTP server: sockets, routing and the shared state.

:func:`create_state` opens the store and the platform; :class:`EmulatorServer` serves
them over HTTP/1.1 with keep-alive, one daemon thread per connection.

Routing:

- ``POST /onep:v1/rpc/process`` (and its older name ``/api:v1/rpc/process``): the
  JSON-RPC endpoint (``rpc.py``);
- any path starting with ``/provision/``: ``provision.handle(state, request)``;
- ``/onep:v1/stack/...``, ``/timestamp``, ``/ip`` and ``/api:v1/...``:
  ``device.handle(state, request)``;
- any path starting with ``/api/portals/``: ``portals.handle(state, request)``;
- ``/_emulator/...``: the control API, ``control.handle(state, request)`` (clock,
  fault rules, reset, snapshots; never struck by a fault rule).
- ``/`` (a page linking to the inspector) and paths under ``/_inspector``: the read-only
  web inspector, ``inspector_api.handle(state, request)``.

Every other path answers 404 text. Before routing, the fault rules (``state.faults``) may
strike a request: :meth:`Handler._answer` applies their effects (a status answered
instead, RPC calls answered with a status, an answer held back, a dropped connection) and
logs each struck request on the ``pyonep.emulator`` logger at INFO level.

The ``state`` object handlers receive (:class:`State`) has these attributes:

- ``store``: the :class:`~pyonep.emulator.store.Store`;
- ``platform``: the :class:`~pyonep.emulator.platform.Platform`;
- ``fleet``: the :class:`~pyonep.emulator.fleet.Fleet` over the same store and platform;
- ``portals``: the :class:`~pyonep.emulator.portals.Portals` domain;
- ``calls``: the :class:`~pyonep.emulator.inspector.calllog.CallLog` of the requests
  served (every routed request is recorded, after routing, by :class:`Handler`);
- ``config``: a :class:`Config` with ``host``, ``port``, ``root_cik``, ``vendor`` and
  ``vendor_token`` (``port`` is the real one once the server is bound), and ``portals``
  (the domain's startup keys);
- ``clock``: the platform's :class:`~pyonep.emulator.clock.Clock` (also ``platform.clock``);
- ``faults``: the :class:`~pyonep.emulator.faults.Faults` rules.

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
import http.client
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pyonep.emulator.http import control as control_api
from pyonep.emulator.http import device as device_api
from pyonep.emulator.http import inspector as inspector_api
from pyonep.emulator.http import portals as portals_api
from pyonep.emulator.http import provision as provision_api
from pyonep.emulator.http import rpc
from pyonep.emulator.inspector.calllog import CallLog
from pyonep.emulator.clock import Clock
from pyonep.emulator.faults import Faults, Target
from pyonep.emulator.fleet import Fleet
from pyonep.emulator.platform import Platform
from pyonep.emulator.portals import Portals
from pyonep.emulator.store import Store
from pyonep.emulator.http.messages import (
    Headers, Request, Response, json_response, read_headers, text_response)

LOG = logging.getLogger('pyonep.emulator')
MAX_BODY = 32 * 1024 * 1024
MAX_DRAIN = 256 * 1024 * 1024
MAX_REQUESTS_PER_CONNECTION = 100
IDLE_TIMEOUT = 120
MAX_BLANK_LINES = 8
MAX_LINE = 65536
DIGITS = re.compile(r'[0-9]+\Z')
RPC_PATH = '/onep:v1/rpc/process'
# the RPC endpoint's older name, which node-onep and javaonep post to
RPC_PATHS = (RPC_PATH, '/api:v1/rpc/process')
DEVICE_PREFIXES = ('/onep:v1/stack/', '/api:v1/')
DEVICE_PATHS = ('/timestamp', '/ip')
PORTALS_PREFIX = '/api/portals/'


class Config(object):
    """How the emulator was started: ``host``, ``port``, ``root_cik``, ``vendor``,
    ``vendor_token`` (all attributes), and ``portals``, a dict of the Portals domain's
    startup keys (see :meth:`pyonep.emulator.portals.Portals.config`)."""

    def __init__(self, host, port, root_cik, vendor, vendor_token, portals=None):
        self.host = host
        self.port = port
        self.root_cik = root_cik
        self.vendor = vendor
        self.vendor_token = vendor_token
        self.portals = dict(portals or {})

    def as_dict(self):
        """Return the settings as one dict (the JSON line the CLI prints): the five
        above, ``control`` (the URL of the control API), the Portals keys and ``inspector``
        (the web inspector's URL)."""
        settings = dict(self.portals)
        settings.update(host=self.host, port=self.port, root_cik=self.root_cik,
                        vendor=self.vendor, vendor_token=self.vendor_token,
                        control='http://%s:%d%s' % (self.host, self.port, control_api.PREFIX),
                        inspector=inspector_api.inspector_url(self.host, self.port))
        return settings


class State(object):
    """What every handler gets: ``store``, ``platform``, ``fleet``, ``portals``,
    ``config``, ``clock`` (``platform.clock``), ``faults`` (no rules at first) and
    ``calls`` (a new, empty call log)."""

    def __init__(self, store, platform, fleet, config, portals=None):
        self.calls = CallLog()
        self.store = store
        self.platform = platform
        self.fleet = fleet
        self.config = config
        self.portals = portals
        self.clock = platform.clock
        self.faults = Faults(platform.clock)


def create_state(db=':memory:', host='127.0.0.1', port=0, root_cik=None, vendor=None,
                 vendor_token=None, clock=None, portals_domain=None, portals_user=None,
                 portals_password=None):
    """Open (or create) the emulator's database and return its :class:`State`.

    Arguments: ``db`` (a file path or ':memory:'), ``host``/``port`` (recorded in
    ``config``), ``root_cik``, ``vendor``, ``vendor_token``, ``portals_domain``,
    ``portals_user`` and ``portals_password`` (used when the database is new and
    generated when None; a database that has them keeps its own), ``clock`` (a callable
    returning Unix seconds, ``time.time`` by default: the source of the platform's
    :class:`~pyonep.emulator.clock.Clock`). Raises ``sqlite3.Error`` for a file that is
    not a usable database, ``ValueError`` for a Portals domain whose first label is not a
    usable vendor name (or is ``vendor``).
    """
    store = Store(db)
    platform = Platform(store, clock=Clock(clock), root_cik=root_cik)
    if store.get_meta('vendor') is None:
        store.set_meta('vendor', vendor or 'vendor' + binascii.hexlify(os.urandom(4)).decode())
        store.set_meta('vendor_token', vendor_token or binascii.hexlify(os.urandom(20)).decode())
        store.set_meta('vendor_rid', platform.root_rid)
    fleet = Fleet(store, platform)
    try:
        portals = Portals(store, platform, fleet, portals_domain, portals_user, portals_password)
    except ValueError:
        store.close()
        raise
    config = Config(host, port, platform.root_cik, store.get_meta('vendor'),
                    store.get_meta('vendor_token'), portals.config())
    return State(store, platform, fleet, config, portals)


def api_of(path):
    """Return which API a request path belongs to: 'rpc', 'provision', 'device', 'portals',
    or None (the names fault rules use)."""
    if path in RPC_PATHS:
        return 'rpc'
    if path.startswith('/provision/'):
        return 'provision'
    if path.startswith(DEVICE_PREFIXES) or path in DEVICE_PATHS:
        return 'device'
    if path.startswith(PORTALS_PREFIX):
        return 'portals'
    return None


def fault_target(request):
    """Describe ``request`` the way fault rules match it (a :class:`~pyonep.emulator.faults.Target`):
    its API, path, the caller's CIK (the RPC body's ``auth.cik``, else the ``X-Exosite-CIK``
    header) and the procedures of an RPC batch."""
    api = api_of(request.path)
    cik = request.header('X-Exosite-CIK')
    procedures = []
    if api == 'rpc':
        body, _ = rpc.parse_body(request.body)
        if isinstance(body, dict):
            auth, calls = body.get('auth'), body.get('calls')
            cik = auth.get('cik') if isinstance(auth, dict) else None
            if isinstance(calls, list):
                procedures = [c.get('procedure') for c in calls if isinstance(c, dict)]
    return Target(api, request.path, cik if isinstance(cik, str) else None, procedures)


def route(state, request, replace_call=None):
    """Answer one :class:`~pyonep.emulator.http.messages.Request` with a
    :class:`~pyonep.emulator.http.messages.Response` (see the module docstring for the routes).

    ``replace_call`` (RPC only) is given each call object and returns the reply item that
    replaces it, or None to run it (how an ``rpc_status`` fault answers).
    """
    path = request.path
    if path in RPC_PATHS:
        if request.method != 'POST':
            return json_response({'error': rpc.error_object(400, 'Use POST')}, status=405,
                                 headers=[('Allow', 'POST')])
        reply = rpc.process(state.platform, request.body, replace_call)
        if reply is None:
            return Response(200, b'', 'application/json; charset=utf-8')
        return json_response(reply)
    if path.startswith('/provision/'):
        return provision_api.handle(state, request)
    if path.startswith(DEVICE_PREFIXES) or path in DEVICE_PATHS:
        return device_api.handle(state, request)
    if path.startswith(PORTALS_PREFIX):
        return portals_api.handle(state, request)
    if path == '/' or path.startswith(inspector_api.PREFIX):
        return inspector_api.handle(state, request)
    return text_response(404, 'Not Found')


class Handler(BaseHTTPRequestHandler):
    """Reads HTTP/1.1 requests from one connection and answers them through :func:`route`."""

    protocol_version = 'HTTP/1.1'
    server_version = 'pyonep-emulator'
    timeout = IDLE_TIMEOUT

    def setup(self):
        """Prepare a new connection: no request served yet, replies sent without delay."""
        BaseHTTPRequestHandler.setup(self)
        # a reply is one write, but a refusal or a held-back answer may be more: without
        # this, Nagle's algorithm and the client's delayed ACK could delay them by 40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.requests_served = 0

    def version_string(self):
        """Return the ``Server`` header value."""
        return self.server_version

    def log_message(self, format, *args):
        """Log each request at DEBUG level on the ``pyonep.emulator`` logger."""
        if LOG.isEnabledFor(logging.DEBUG):
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
        if not self._parse_head(words):
            return False
        status, message = self._framing_error()
        return self._refuse(status, message) if status else True

    def _parse_head(self, words):
        """Take the checked request line ``words`` and read the headers (as the standard
        library's ``parse_request`` does, with :func:`read_headers` instead of the ``email``
        package). Returns False when refused (the answer is sent)."""
        self.command, self.path, self.request_version = words
        self.close_connection = self.request_version < 'HTTP/1.1'
        if self.path.startswith('//'):  # never read as a scheme-relative URL (gh-87389)
            self.path = '/' + self.path.lstrip('/')
        try:
            self.headers = read_headers(self.rfile)
        except http.client.LineTooLong as err:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, 'Line too long', str(err))
            return False
        except http.client.HTTPException as err:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, 'Too many headers', str(err))
            return False
        connection = self.headers.get('Connection', '').lower()
        if connection == 'close':
            self.close_connection = True
        elif connection == 'keep-alive':
            self.close_connection = False
        if (self.headers.get('Expect', '').lower() == '100-continue'
                and self.request_version >= 'HTTP/1.1'):
            return self.handle_expect_100()
        return True

    def _framing_error(self):
        """Return (status, message) when the request's body length is ambiguous, else
        (None, None); on success ``self.body_length`` holds the length."""
        headers = self.headers
        # plain headers (messages.Headers) passed these checks line by line when read
        if not isinstance(headers, Headers) and (headers.defects or any(
                c in name for name in headers.keys() for c in ' \t') or any(
                '\n' in value for value in headers.values())):
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
        if length > (control_api.MAX_UPLOAD if control_api.is_control(self.path) else MAX_BODY):
            self.close_connection = True
            self._drain(length)
            return self._send(json_response({'error': rpc.error_object(
                400, 'Request body over the %d byte limit' % MAX_BODY, 'calls')}, status=413))
        body = self.rfile.read(length) if length else b''
        request = Request(self.command, self.path, self.headers, body,
                          self.server.server_address, self.client_address)
        try:
            response = self._answer(request)
        except Exception:
            LOG.exception('internal error answering %s %s', self.command, self.path)
            response = json_response({'error': rpc.error_object(500, 'Internal error')}, status=500)
        self.server.state.calls.record(request, response)
        if response is None:  # a dropped connection: no answer at all
            self.close_connection = True
            return
        self._send(response)

    def _answer(self, request):
        """Route ``request``, applying the fault rule that strikes it, if any.

        Returns the Response to send, or None to close the connection without answering.
        """
        state = self.server.state
        if control_api.is_control(request.path):
            return control_api.handle(state, request)
        fault = state.faults.strike(fault_target(request)) if state.faults.any() else None
        if fault is None:
            return route(state, request)
        request.fault = fault.describe()
        LOG.info('%s struck %s %s', request.fault, request.method, request.raw_path)
        if fault.effect == 'drop' and fault.drop == 'before':
            return None
        if fault.effect == 'status':
            status, body, headers = fault.status_reply(api_of(request.path))
            if isinstance(body, str):
                response = text_response(status, body)
            else:
                response = json_response(body, status=status)
            for name, value in headers:
                if name.lower() == 'content-type':
                    response.content_type = value
                else:
                    response.headers.append((name, value))
            return response
        replace = fault.call_reply if fault.effect in ('rpc_status', 'rpc_error') else None
        response = route(state, request, replace)
        if fault.effect == 'drop':
            return None
        if fault.effect == 'latency_ms':
            self.server.stopping.wait(fault.latency_ms / 1000.0)
        return response

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
        if response.content_type:
            self.send_header('Content-Type', response.content_type)
        self.send_header('Content-Length', str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header('Connection', 'close' if self.close_connection else 'keep-alive')
        # the header section and the body leave in one write (one send on the socket)
        self._headers_buffer.append(b'\r\n')
        if self.command != 'HEAD':
            self._headers_buffer.append(response.body)
        data, self._headers_buffer = b''.join(self._headers_buffer), []
        self.wfile.write(data)

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
        self.stopping = threading.Event()  # cuts short answers held back by latency faults
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
        self.stopping.set()
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
        self.server_close()
        self.state.store.close()


def ready_line(config):
    """Return the JSON line announcing a ready emulator (``config.as_dict()``)."""
    return json.dumps(config.as_dict(), sort_keys=True)
