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

The device side of provisioning lives here too (``provision_api`` forwards it):
:func:`activate` (``POST /provision/activate``) and :func:`download`
(``GET /provision/download``: the device's content list, info and blobs with ``Range``).
The small HTTP helpers both APIs share (:class:`Fields`, :func:`csv_response`,
:func:`blob_response`, :func:`reset`) are also defined here.
"""
import email.utils
import ipaddress
import re
from urllib.parse import urlencode

from pyonep.emulator.fleet import FleetError
from pyonep.emulator.models import AuthError, Caller
from pyonep.emulator.web import Response, text_response

CSV_TYPE = 'text/csv; charset=utf-8'
FORM_TYPE = 'application/x-www-form-urlencoded; charset=utf-8'
# The data answers (write, read, hybrid, long poll, record) carry no Content-Type, as the
# document's examples show: a small device (Exosite's Arduino library) reads the status
# line, the headers and the body into one 200-byte buffer.
DATA_TYPE = None
ALIAS_PATHS = ('/onep:v1/stack/alias', '/api:v1/stack/alias')
MAX_POLL_MS = 300000


# ------------------------------------------------------------------ shared helpers
class Fields(object):
    """Form or query fields (a list of (name, value) pairs) with the lookups the APIs use.

    ``name[]`` fields count as repeated ``name`` fields.
    """

    def __init__(self, pairs):
        self.pairs = [(name[:-2] if name.endswith('[]') else name, value) for name, value in pairs]

    def __contains__(self, name):
        return any(n == name for n, _ in self.pairs)

    def get(self, name, default=None):
        """Return the last value of field ``name``, or ``default``."""
        found = [v for n, v in self.pairs if n == name]
        return found[-1] if found else default

    def all(self, name):
        """Return every value of field ``name`` (and ``name[]``), in order."""
        return [v for n, v in self.pairs if n == name]

    def flag(self, name):
        """Return True when field ``name`` is ``true`` (any case)."""
        return (self.get(name) or '').lower() == 'true'

    def required(self, name):
        """Return the value of field ``name``; raise FleetError (400) when it is absent or
        empty."""
        value = self.get(name)
        if not value:
            raise FleetError(400, 'the field %r is required' % name)
        return value


def csv_field(value):
    """Return one CSV field: ``value`` as text, quoted when it holds a comma, a quote or a
    line break."""
    text = '' if value is None else str(value)
    if any(c in text for c in ',"\r\n'):
        text = '"%s"' % text.replace('"', '""')
    return text


def csv_response(rows, empty_status=200):
    """Return a 200 text/csv Response with one line per row (a row is a tuple of fields,
    or one field), lines separated by CRLF. When ``rows`` is empty the status is
    ``empty_status`` (204 where the API answers No Content)."""
    if not rows:
        return Response(empty_status, b'', CSV_TYPE)
    lines = [','.join(csv_field(v) for v in row) if isinstance(row, (tuple, list)) else csv_field(row)
             for row in rows]
    return Response(200, '\r\n'.join(lines), CSV_TYPE)


def error_response(error):
    """Return the text Response of a :class:`~pyonep.emulator.fleet.FleetError` (with
    ``Allow`` on a 405)."""
    headers = [('Allow', error.allow)] if error.allow else None
    return text_response(error.status, error.message, headers=headers)


def only(request, *methods):
    """Raise FleetError 405 (listing ``methods``) unless the request uses one of them."""
    if request.method not in methods:
        raise FleetError(405, 'Method Not Allowed: use %s' % ', '.join(methods), ', '.join(methods))


def reset():
    """Return the empty 205 Reset Content Response of a successful change."""
    return Response(205, b'', 'text/plain; charset=utf-8')


def blob_response(content_type, data, range_header):
    """Return ``data`` served as ``content_type``, honouring ``Range: bytes=X-Y``.

    ``X-Y`` is inclusive and zero based; ``X-`` runs to the end; ``-Y`` is the last Y
    bytes. A satisfiable range answers 206 with ``Content-Range``; a malformed or
    unsatisfiable one answers 416 with ``Content-Range: bytes */<size>``; no range
    answers 200. Every answer carries ``Accept-Ranges: bytes``.
    """
    headers = [('Accept-Ranges', 'bytes')]
    if not range_header:
        return Response(200, data, content_type, headers)
    size = len(data)
    match = re.match(r'^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$', range_header)
    first = last = None
    if match and (match.group(1) or match.group(2)):
        if not match.group(1):
            first, last = max(size - int(match.group(2)), 0), size - 1
            if int(match.group(2)) == 0:
                first = None
        else:
            first = int(match.group(1))
            last = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
    if first is None or first > last or first >= size:
        return text_response(416, 'Range Not Satisfiable',
                             headers=headers + [('Content-Range', 'bytes */%d' % size)])
    headers.append(('Content-Range', 'bytes %d-%d/%d' % (first, last, size)))
    return Response(206, data[first:last + 1], content_type, headers)


def _auth(state, request, header='X-Exosite-CIK'):
    """Return the :class:`~pyonep.emulator.models.Caller` of the CIK in ``header``; raise
    FleetError 401 otherwise."""
    cik = request.header(header)
    rid = state.platform.rid_for_cik(cik) if cik else None
    if rid is None:
        raise FleetError(401, 'Unauthorized: X-Exosite-CIK must hold the CIK of an activated client')
    return Caller(rid)


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


# ------------------------------------------------------------------ provisioning (device side)
def activate(state, request):
    """``POST /provision/activate`` with ``vendor``, ``model`` and ``sn``: answer the
    device's new CIK (200 text/plain). 404 unknown vendor/model/sn, 409 not enabled for
    activation, 400 missing field, 405 another method. Raises FleetError for these."""
    only(request, 'POST')
    fields = Fields(request.form_pairs())
    vendor, model, sn = (fields.required(name) for name in ('vendor', 'model', 'sn'))
    cik = state.fleet.activate(vendor, model, sn, conn_info(request))
    return text_response(200, cik)


def conn_info(request):
    """Return what an activation log entry records about who asked: the client's IP
    address ('' when unknown)."""
    address = request.client_address
    return address[0] if address else ''


def download(state, request):
    """``GET /provision/download?vendor=&model=[&id=[&info=true]]`` as an activated device
    (its CIK in X-Exosite-CIK, or in X-Exosite-Token when that is absent): the content ids
    the device may fetch, one content's info (``<type>,<size>,<updated>,<meta>``) or its
    blob (``Range`` honoured). 401 bad CIK,
    403 when the device is not an activated sn of that vendor/model or the content is
    protected from it (400 instead for an unknown pair when asking for info), 404 unknown
    content. Raises FleetError for these."""
    only(request, 'GET')
    # Provision.content_info sends the device's CIK in X-Exosite-Token when managing by token
    header = 'X-Exosite-CIK' if request.header('X-Exosite-CIK') else 'X-Exosite-Token'
    rid = _auth(state, request, header).rid
    fields = Fields(request.query_pairs())
    vendor, model_name = fields.required('vendor'), fields.required('model')
    fleet = state.fleet
    cid, info = fields.get('id'), fields.flag('info')
    model, sn = fleet.device_model(vendor, model_name, rid, missing=400 if cid and info else 403)
    if not cid:
        return csv_response(fleet.authorized_content(model, sn))
    fleet.check_authorized(model, cid, sn)
    if info:
        ctype, size, updated, meta, _ = fleet.content_info(model, cid)
        return csv_response([(ctype, size, updated, meta)])
    ctype, data = fleet.content_blob(model, cid)
    return blob_response(ctype, data, request.header('Range'))
