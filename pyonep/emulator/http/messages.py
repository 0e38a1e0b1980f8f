"""The emulator's view of HTTP: a parsed request, the response a handler returns, and
the helpers the HTTP API layers share (form and query :class:`Fields`, CSV and blob
bodies with ranges, refusals as text responses, CIK authentication of a header).

Handlers (the RPC endpoint, the provisioning endpoints, the device API, Portals, the
control API) take a :class:`Request` and return a :class:`Response`; only ``server.py``
touches sockets. No API layer imports another: what two share lives here.
"""
import json
import re
import time
from urllib.parse import parse_qsl, unquote

from pyonep.emulator.fleet import FleetError

CSV_TYPE = 'text/csv; charset=utf-8'
FORM_TYPE = 'application/x-www-form-urlencoded; charset=utf-8'


class Request(object):
    """One HTTP request as the emulator's handlers see it.

    Attributes: ``method`` ('GET', 'POST', ...), ``path`` (percent-decoded, without the
    query), ``raw_path`` (as sent), ``query`` (the raw query string), ``headers`` (a
    case-insensitive mapping), ``body`` (bytes), ``server_address`` ((host, port) the
    server listens on), ``client_address``, ``received`` (Unix time the request was
    read, for the call log's durations) and ``fault`` (None, or the description of the
    fault rule that struck it, for the call log).
    """

    def __init__(self, method, raw_path, headers, body, server_address=None, client_address=None):
        self.method = method
        path, _, query = raw_path.partition('?')
        self.raw_path = path
        self.path = unquote(path)
        self.query = query
        self.headers = headers
        self.body = body
        self.server_address = server_address
        self.client_address = client_address
        self.received = time.time()
        self.fault = None

    def header(self, name, default=None):
        """Return the value of header ``name`` (any case), or ``default``."""
        value = self.headers.get(name)
        return default if value is None else value

    def query_pairs(self):
        """Return the query string's fields as a list of (name, value) pairs, in order."""
        return parse_qsl(self.query, keep_blank_values=True)

    def form_pairs(self):
        """Return the body's url-encoded form fields as (name, value) pairs, in order.

        A body that is not valid UTF-8 yields no pairs rather than an exception. NUL bytes
        at the end of the body are dropped: C device code sends ``sizeof("alias=5")``
        bytes, its string's terminator included (Exosite's C library does).
        """
        try:
            text = self.body.rstrip(b'\x00').decode('utf-8')
        except UnicodeDecodeError:
            return []
        return parse_qsl(text, keep_blank_values=True)


class Response(object):
    """What a handler answers: ``status``, ``body`` (bytes), ``content_type`` and extra
    ``headers`` (a list of (name, value) pairs). A ``content_type`` of None sends no
    Content-Type header."""

    def __init__(self, status=200, body=b'', content_type='text/plain; charset=utf-8', headers=None):
        if not isinstance(body, bytes):
            body = body.encode('utf-8')
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = list(headers or [])


def text_response(status, text, content_type='text/plain; charset=utf-8', headers=None):
    """Return a Response carrying ``text`` encoded as UTF-8."""
    return Response(status, text, content_type, headers)


# one encoder for every answer (json.dumps with separators makes a new one per call)
COMPACT_JSON = json.JSONEncoder(separators=(',', ':'))


def json_response(value, status=200, headers=None):
    """Return a Response whose body is ``value`` as compact JSON."""
    return Response(status, COMPACT_JSON.encode(value), 'application/json; charset=utf-8', headers)


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


def conn_info(request):
    """Return what an activation log entry records about who asked: the client's IP
    address ('' when unknown)."""
    address = request.client_address
    return address[0] if address else ''


def cik_client(state, request, header='X-Exosite-CIK'):
    """Return the RID of the activated client whose CIK is in header ``header``; raise
    FleetError 401 otherwise."""
    cik = request.header(header)
    rid = state.platform.rid_for_cik(cik) if cik else None
    if rid is None:
        raise FleetError(401, 'Unauthorized: X-Exosite-CIK must hold the CIK of an activated client')
    return rid
