"""The emulator's HTTP server: the shared state, routing and fault rules.

:func:`create_state` opens the store and the platform; :class:`EmulatorServer` serves
them over HTTP/1.1. Connections, keep-alive, pipelining, timeouts and shutdown are the
event loop's (``loop.py``, one thread); where a request ends and the bytes of an answer
are ``framing.py``'s. This module decides what each request gets.

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
strike a request: :meth:`EmulatorServer.serve` applies their effects (a status answered
instead, RPC calls answered with a status, an answer held back, a dropped connection) and
logs each struck request on the ``pyonep.emulator`` logger at INFO level.

The ``state`` object handlers receive (:class:`State`) has these attributes:

- ``store``: the :class:`~pyonep.emulator.store.Store`;
- ``platform``: the :class:`~pyonep.emulator.platform.Platform`;
- ``fleet``: the :class:`~pyonep.emulator.fleet.Fleet` over the same store and platform;
- ``portals``: the :class:`~pyonep.emulator.portals.Portals` domain;
- ``calls``: the :class:`~pyonep.emulator.inspector.calllog.CallLog` of the requests
  served (every request that reached routing is recorded once answered);
- ``config``: a :class:`Config` with ``host``, ``port``, ``root_cik``, ``vendor`` and
  ``vendor_token`` (``port`` is the real one once the server is bound), and ``portals``
  (the domain's startup keys);
- ``clock``: the platform's :class:`~pyonep.emulator.clock.Clock` (also ``platform.clock``);
- ``faults``: the :class:`~pyonep.emulator.faults.Faults` rules.

Limits and behaviour that clients can see (the connection limits are in ``loop.py``, the
framing rules in ``framing.py``):

- request bodies over :data:`MAX_BODY` bytes (32 MiB; control API uploads 1 GiB) get HTTP
  413 with an RPC error object (code 400, context ``calls``) and the connection is closed;
- a request refused for its framing gets an RPC error object (code 400) with the status
  ``framing.py`` gives, and the connection is closed;
- an unexpected failure answers HTTP 500 with an error object (code 500) and is logged
  on the ``pyonep.emulator`` logger; no traceback is ever sent to a client.
"""
import binascii
import json
import logging
import os
import socket
import threading

from pyonep.emulator.http import loop
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
from pyonep.emulator.http.loop import Answer, Loop
from pyonep.emulator.http.messages import Response, json_response, text_response

LOG = logging.getLogger('pyonep.emulator')
MAX_BODY = 32 * 1024 * 1024
LISTEN_BACKLOG = 128
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


class EmulatorServer(object):
    """The HTTP server of one emulator: ``EmulatorServer(state)`` binds
    ``state.config.host``/``port`` (port 0 picks a free one and records it in the config).
    Its connections are served by a :class:`~pyonep.emulator.http.loop.Loop` on one thread
    (see ``loop.py`` for the limits and timeouts); this class is what the loop asks to
    answer each request.

    Raises ``OSError`` when the address cannot be bound.
    """

    def __init__(self, state):
        self.state = state
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((state.config.host, state.config.port))
            listener.listen(LISTEN_BACKLOG)
        except OSError:
            listener.close()
            raise
        self.server_address = listener.getsockname()
        state.config.port = self.server_address[1]
        self.loop = Loop(listener, self)
        self._thread = None

    def start(self):
        """Serve in a background daemon thread and return at once."""
        self._thread = threading.Thread(target=self.loop.run, name='pyonep-emulator')
        self._thread.daemon = True
        self._thread.start()

    def stop(self):
        """Stop serving and close the database, finishing what is under way first: long
        polls are woken and answered, answers held back by latency faults are sent, and
        every connection is closed once its answers are out (see :meth:`Loop.stop`).

        Every acknowledged write is already committed, so none is lost.
        """
        if self._thread is not None:
            self.loop.stop()
            self._thread.join()
            self.loop.join_calls(loop.STOP_GRACE)
        else:
            self.interrupt()
            self.loop.close()
        self.state.store.close()

    # ------------------------------------------------------- what the loop asks
    def serve(self, request):
        """Answer ``request``, applying the fault rule that strikes it, if any.

        Returns a :class:`~pyonep.emulator.http.loop.Answer`: the Response (None to close
        the connection without answering) and how long to hold it back.
        """
        state = self.state
        if control_api.is_control(request.path):
            return Answer(control_api.handle(state, request))
        fault = state.faults.strike(fault_target(request)) if state.faults.any() else None
        if fault is None:
            return Answer(route(state, request))
        request.fault = fault.describe()
        LOG.info('%s struck %s %s', request.fault, request.method, request.raw_path)
        if fault.effect == 'drop' and fault.drop == 'before':
            return Answer(None)
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
            return Answer(response)
        replace = fault.call_reply if fault.effect in ('rpc_status', 'rpc_error') else None
        response = route(state, request, replace)
        if fault.effect == 'drop':
            return Answer(None)
        if fault.effect == 'latency_ms':
            return Answer(response, fault.latency_ms / 1000.0)
        return Answer(response)

    def how_to_serve(self, request):
        """Return how the loop serves ``request``: ``loop.THREAD`` for one that may wait for
        new data (an RPC body that may hold a ``wait`` call, a device long poll),
        ``loop.ALONE`` for the control API (a reset, a snapshot or a restore must not run
        inside an open transaction), else ``loop.BATCH``."""
        path = request.path
        if path in RPC_PATHS:
            # "wait" spelled with \u escapes has no b'wait' in it
            if b'wait' in request.body or b'\\u' in request.body:
                return loop.THREAD
        elif 'Request-Timeout' in request.headers and api_of(path) == 'device':
            return loop.THREAD
        elif control_api.is_control(path):
            return loop.ALONE
        return loop.BATCH

    def begin_batch(self):
        """Open the transaction the calls of one turn of the loop join (group commit)."""
        self.state.store.begin_batch()

    def commit_batch(self):
        """Commit the transaction :meth:`begin_batch` opened; raises ``sqlite3.Error``."""
        self.state.store.end_batch()

    def body_limit(self, path):
        """Return the largest request body accepted on ``path``, in bytes."""
        return control_api.MAX_UPLOAD if control_api.is_control(path) else MAX_BODY

    def refusal(self, status, message, context=None, code=400):
        """Return the Response refusing a request: HTTP ``status`` with an RPC error object
        (``code``, ``message``, ``context``)."""
        return json_response({'error': rpc.error_object(code, message, context)}, status=status)

    def record(self, request, response):
        """Add an answered (or, with None, dropped) request to the call log."""
        self.state.calls.record(request, response)

    def interrupt(self):
        """Wake every waiting call so that it answers now: the server is stopping."""
        self.state.platform.close()


def ready_line(config):
    """Return the JSON line announcing a ready emulator (``config.as_dict()``)."""
    return json.dumps(config.as_dict(), sort_keys=True)
