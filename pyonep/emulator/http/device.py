"""The device HTTP API of the emulated One Platform (http-data.md).

:func:`handle` answers what ``server.py`` routes here:

- ``POST /onep:v1/stack/alias``: write ``<alias>=<value>&...`` at one timestamp (204);
  with a query ``?<alias>&...`` it is a hybrid write then read (200, or 204 when nothing
  read has data);
- ``GET /onep:v1/stack/alias?<alias>&...``: the latest value of each alias (200
  ``<alias>=<value>&...``, 204 when none has data); with a ``Request-Timeout: <ms>``
  header (at most 300000) it long-polls one alias: 200 with ``Last-Modified`` as soon as
  a point newer than ``If-Modified-Since`` (Unix seconds or an HTTP date; default now)
  is written, 304 when the time runs out;
- ``POST /onep:v1/stack/record``: ``alias=<a>&<timestamp>=<value>&...`` (204; 409 with
  ``<alias>=<timestamp>&...`` when one alias gets two points less than a second apart);
  ``POST /onep:v1/stack/alias/<alias>`` records ``<timestamp>=<value>&...`` to one alias;
- ``GET /timestamp``: the platform time in Unix seconds (text/plain);
- ``GET /ip``: the server's IPv4 address and port as six comma-separated decimals
  (``127,0,0,1,31,144`` for 127.0.0.1:8080), text/plain;
- ``/api:v1/stack/alias``: the older name of ``/onep:v1/stack/alias``.

Aliases that do not exist are skipped (they are not errors), as the document says.
Requests authenticate with ``X-Exosite-CIK``; a missing or unusable CIK answers 401.

The device side of provisioning (``/provision/activate`` and ``/provision/download``)
is in :mod:`pyonep.emulator.http.provision`.
"""
import email.utils
import ipaddress
import re
from urllib.parse import urlencode

from pyonep.emulator.fleet import FleetError
from pyonep.emulator.http.messages import (
    Response, cik_client, error_response, only, text_response)
from pyonep.emulator.platform import AuthError, Caller

# The data answers (write, read, hybrid, long poll, record) carry no Content-Type, as the
# document's examples show: a small device (Exosite's Arduino library) reads the status
# line, the headers and the body into one 200-byte buffer.
DATA_TYPE = None
ALIAS_PATHS = ('/onep:v1/stack/alias', '/api:v1/stack/alias')
MAX_POLL_MS = 300000


def _auth(state, request, header='X-Exosite-CIK'):
    """Return the :class:`~pyonep.emulator.platform.Caller` of the CIK in ``header``; raise
    FleetError 401 otherwise."""
    return Caller(cik_client(state, request, header))


# ------------------------------------------------------------------ entry point
def handle(state, request):
    """Answer one device API request (see the module docstring) with a Response.

    Never raises for bad input: refusals become 4xx text responses.
    """
    try:
        return _route(state, request)
    except FleetError as exc:
        return error_response(exc)


def _route(state, request):
    path = request.path
    if path in ALIAS_PATHS:
        return _alias(state, request)
    if path == '/onep:v1/stack/record':
        only(request, 'POST')
        return _record(state, request, None)
    if path.startswith('/onep:v1/stack/alias/'):
        only(request, 'POST')
        return _record(state, request, path[len('/onep:v1/stack/alias/'):])
    if path == '/timestamp':
        only(request, 'GET')
        return text_response(200, str(state.platform.now()))
    if path == '/ip':
        only(request, 'GET')
        return _ip(request)
    return text_response(404, 'Not Found')


# ------------------------------------------------------------------ data
def _lookup(state, caller, alias):
    status, rid = _call(state, caller, 'lookup', ['alias', alias])
    return rid if status == 'ok' else None


def _call(state, caller, procedure, arguments):
    """Run one RPC procedure as the already authenticated caller (401 when the client is
    gone meanwhile)."""
    try:
        return state.platform.run(caller, procedure, arguments)
    except AuthError:
        raise FleetError(401, 'Unauthorized')


def _alias(state, request):
    only(request, 'GET', 'POST')
    caller = _auth(state, request)
    reads = [name for name, _ in request.query_pairs() if name]
    if request.method == 'POST':
        writes = [(name, value) for name, value in request.form_pairs() if name]
        if not writes and request.body.strip():
            raise FleetError(400, 'the body must be <alias>=<value>&...')
        entries = [[rid, value] for rid, value in
                   ((_lookup(state, caller, name), value) for name, value in writes) if rid]
        if entries:
            status, _ = _call(state, caller, 'writegroup', [entries])
            if status != 'ok':
                raise FleetError(400, 'write refused: %s' % status)
        if not reads:
            return Response(204, b'', DATA_TYPE)
    elif request.header('Request-Timeout') is not None:
        return _long_poll(state, request, caller, reads)
    if not reads:
        raise FleetError(400, 'name the aliases to read in the query: ?<alias>&...')
    found = []
    # the platform answers the aliases in the reverse order of the query (exoline's data test
    # expects float=..&integer=..&string=.. for ?string&integer&float)
    for name in reversed(reads):
        rid = _lookup(state, caller, name)
        if rid is None:
            continue
        status, points = _call(state, caller, 'read', [rid, {'limit': 1}])
        if status == 'ok' and points:
            found.append((name, _text(points[0][1])))
    if not found:
        return Response(204, b'', DATA_TYPE)
    return Response(200, urlencode(found), DATA_TYPE)


def _text(value):
    return value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)


def _since(header):
    if header is None:
        return None
    header = header.strip()
    try:
        if re.match(r'^\d{1,18}$', header):
            return int(header)
        return int(email.utils.parsedate_to_datetime(header).timestamp())
    except (TypeError, ValueError, IndexError, OverflowError):
        raise FleetError(400, 'If-Modified-Since must be Unix seconds or an HTTP date')


def _long_poll(state, request, caller, reads):
    if len(reads) != 1:
        raise FleetError(400, 'long polling reads exactly one alias')
    try:
        timeout = int(request.header('Request-Timeout').strip())
    except ValueError:
        timeout = -1
    if not 0 <= timeout <= MAX_POLL_MS:
        raise FleetError(400, 'Request-Timeout must be 0 to %d milliseconds' % MAX_POLL_MS)
    since = _since(request.header('If-Modified-Since'))
    rid = _lookup(state, caller, reads[0])
    if rid is None:
        return Response(204, b'', DATA_TYPE)
    options = {'timeout': timeout}
    if since is not None:
        options['since'] = since
    status, point = _call(state, caller, 'wait', [rid, options])
    if status == 'expire':
        return Response(304, b'', DATA_TYPE)
    if status != 'ok':
        raise FleetError(400, 'cannot wait on %r: %s' % (reads[0], status))
    return Response(200, urlencode([(reads[0], _text(point[1]))]), DATA_TYPE,
                    [('Last-Modified', email.utils.formatdate(point[0], usegmt=True))])


def _record(state, request, alias):
    caller = _auth(state, request)
    series, order = {}, []
    for name, value in request.form_pairs():
        if name == 'alias':
            alias = value
            if alias not in series:
                series[alias] = []
                order.append(alias)
            continue
        if alias is None:
            raise FleetError(400, 'the body must start with alias=<alias>')
        if not re.match(r'^-?\d+$', name):
            raise FleetError(400, 'record takes <timestamp>=<value> pairs; %r is not a timestamp' % name)
        series.setdefault(alias, [])
        if alias not in order:
            order.append(alias)
        series[alias].append([int(name), value])
    conflicts = []
    for name in order:
        seen = set()
        for ts, _ in series[name]:
            if ts in seen:
                conflicts.append((name, str(ts)))
                break
            seen.add(ts)
    if conflicts:
        return Response(409, urlencode(conflicts), DATA_TYPE)
    targets = [(rid, series[name]) for rid, name in
               ((_lookup(state, caller, name), name) for name in order) if rid and series[name]]
    with state.store.transaction():  # all or nothing: a refusal rolls every alias back
        for rid, entries in targets:
            status, _ = _call(state, caller, 'record', [rid, entries, {}])
            if status != 'ok':
                raise FleetError(400, 'record refused: %s' % status)
    return Response(204, b'', DATA_TYPE)


def _ip(request):
    host, port = (request.server_address or ('', 0))[:2]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None or address.version != 4 or address.is_unspecified:
        host = (request.header('Host') or '').rsplit(':', 1)[0]
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = None
    if address is None or address.version != 4:
        raise FleetError(501, 'the server address is not an IPv4 address')
    octets = list(address.packed) + [port >> 8, port & 0xff]
    return text_response(200, ','.join(str(o) for o in octets))
