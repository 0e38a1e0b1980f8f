"""The inspector's HTTP layer: the page, its static files and its JSON endpoints.

Routes (all ``GET`` or ``HEAD``; anything else answers 405):

- ``/``: a small page saying what the emulator serves, with a link to the inspector;
- ``/_inspector`` redirects to ``/_inspector/``, the page (``inspector/static/index.html``);
- ``/_inspector/static/<file>``: its scripts and style sheet, shipped in the package;
- ``/_inspector/api/<view>``: JSON (see :data:`ENDPOINTS` for the views and the query
  parameters each takes; :mod:`pyonep.emulator.inspector` and
  :mod:`pyonep.emulator.inspector_fleet` gather the answers).

Privacy: the inspector (everything under ``/_inspector``) answers only clients on the
loopback interface, and only requests whose ``Host`` header names a loopback address or
``localhost`` (a web page elsewhere cannot reach it by pointing a name of its own at
127.0.0.1). It shows secrets: CIKs and tokens on demand (``reveal=1``) and, in the call
log, requests as they were sent. Others get 403.

Bad query parameters (unknown names, repeated names, numbers that are not numbers,
out-of-range values) answer 400 with ``{"error": message}``; an unknown resource 404.
"""
import ipaddress
import os

from pyonep.emulator.http.messages import Response, json_response, text_response
from pyonep.emulator.inspector.fleet_views import FleetView
from pyonep.emulator.inspector.views import Inspector, InspectorError

PREFIX = '/_inspector'
STATIC_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'inspector',
                          'static')
STATIC_TYPES = {'.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
                '.html': 'text/html; charset=utf-8', '.svg': 'image/svg+xml'}
PAGE_HEADERS = [
    ('Content-Security-Policy', "default-src 'none'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                                "form-action 'none'; frame-ancestors 'none'"),
    ('X-Content-Type-Options', 'nosniff'), ('Referrer-Policy', 'no-referrer'),
    ('Cache-Control', 'no-store')]
LOOPBACK_NAMES = ('localhost',)
MAX_INT = 2 ** 53


def inspector_url(host, port):
    """Return the inspector's URL for an emulator bound to ``host``/``port``; an
    emulator bound to every interface is reached on 127.0.0.1."""
    if host in ('', '0.0.0.0', '::'):
        host = '127.0.0.1'
    if ':' in host:
        host = '[%s]' % host
    return 'http://%s:%d%s/' % (host, port, PREFIX)


def is_loopback(host):
    """Return True when ``host`` (an address text, or a name) is loopback: 127.0.0.0/8,
    ::1 (also as an IPv4-mapped address) or ``localhost``."""
    if host is None:
        return False
    host = host.strip().lower().rstrip('.')
    if host in LOOPBACK_NAMES or host.endswith('.localhost'):
        return True
    try:
        address = ipaddress.ip_address(host.strip('[]').split('%')[0])
    except ValueError:
        return False
    mapped = getattr(address, 'ipv4_mapped', None)
    return (mapped or address).is_loopback


def host_of(header):
    """Return the host part of a ``Host`` header value (without the port)."""
    header = header.strip()
    if header.startswith('['):
        return header[1:].split(']', 1)[0]
    return header.rsplit(':', 1)[0] if header.count(':') == 1 else header


def allowed(request):
    """True when ``request`` may see the inspector: it comes from loopback and its
    ``Host`` header (when it has one) names a loopback address or ``localhost``."""
    client = request.client_address[0] if request.client_address else None
    if not is_loopback(client):
        return False
    host = request.header('Host')
    return host is None or is_loopback(host_of(host))


# ---------------------------------------------------------------------- query parameters
def text(value):
    """A text parameter, as given."""
    return value


def integer(value):
    """An integer parameter: decimal digits (with an optional minus sign)."""
    stripped = value[1:] if value.startswith('-') else value
    if not stripped.isdigit() or len(stripped) > 16:
        raise InspectorError(400, 'expected an integer, got %r' % value[:40])
    return int(value)


def flag(value):
    """A true/false parameter: 1, true, yes / 0, false, no."""
    if value.lower() in ('1', 'true', 'yes'):
        return True
    if value.lower() in ('0', 'false', 'no', ''):
        return False
    raise InspectorError(400, 'expected 1 or 0, got %r' % value[:40])


PAGE = {'offset': integer, 'limit': integer}
#: Each view: (``inspector`` or ``fleet``, the method answering it, {parameter: type}).
#: Parameters are passed to the method by name; ``inspector`` is
#: :class:`~pyonep.emulator.inspector.Inspector`, ``fleet``
#: :class:`~pyonep.emulator.inspector_fleet.FleetView`.
ENDPOINTS = {
    'changes': ('inspector', 'changes', {}),
    'overview': ('inspector', 'overview', {'reveal': flag}),
    'tree': ('inspector', 'tree', dict(PAGE, parent=text)),
    'find': ('inspector', 'find', {'text': text, 'limit': integer}),
    'resource': ('inspector', 'resource', {'rid': text, 'reveal': flag}),
    'cik': ('inspector', 'cik', {'rid': text}),
    'dataports': ('inspector', 'dataports', dict(PAGE, text=text)),
    'data': ('inspector', 'data', {'rid': text, 'window': text, 'points': integer,
                                   'limit': integer, 'before': text}),
    'flow': ('inspector', 'flow', dict(PAGE, rtype=text)),
    'records': ('inspector', 'records', dict(PAGE, rid=text)),
    'calls': ('inspector', 'calls', {'since': integer, 'before': integer, 'limit': integer,
                                     'key': text, 'text': text, 'kind': text}),
    'fleet': ('fleet', 'overview', {'reveal': flag}),
    'sns': ('fleet', 'serial_numbers', dict(PAGE, vendor=text, model=text, text=text)),
    'blob': ('fleet', 'blob', {'vendor': text, 'model': text, 'cid': text}),
    'portals': ('fleet', 'portals_view', dict(PAGE, reveal=flag)),
}
#: Parameters a view cannot do without.
REQUIRED = {'find': ('text',), 'resource': ('rid',), 'cik': ('rid',), 'data': ('rid',),
            'records': ('rid',), 'sns': ('vendor', 'model'), 'blob': ('vendor', 'model', 'cid')}


def arguments(request, view):
    """Return the keyword arguments of ``view`` from the request's query string. Raises
    :class:`~pyonep.emulator.inspector.InspectorError` 400 for an unknown or repeated
    parameter, a value of the wrong type, or a missing required one."""
    kinds = ENDPOINTS[view][2]
    found = {}
    for name, value in request.query_pairs():
        if name not in kinds:
            raise InspectorError(400, 'unknown parameter %r for %s (it takes: %s)' % (
                name[:40], view, ', '.join(sorted(kinds)) or 'none'))
        if name in found:
            raise InspectorError(400, 'parameter %r given twice' % name)
        if len(value) > 1000:
            raise InspectorError(400, 'parameter %r is too long' % name)
        found[name] = kinds[name](value)
    for name in REQUIRED.get(view, ()):
        if not found.get(name):
            raise InspectorError(400, '%s needs the parameter %r' % (view, name))
    return found


# ---------------------------------------------------------------------- handlers
def handle(state, request):
    """Answer a request for ``/`` or a path under ``/_inspector`` (see the module
    docstring) with a :class:`~pyonep.emulator.http.messages.Response`."""
    if request.method not in ('GET', 'HEAD'):
        return json_response({'error': 'the inspector only reads: use GET'}, status=405,
                             headers=[('Allow', 'GET, HEAD')])
    path = request.path
    if path == '/':
        return home_page(state)
    if not allowed(request):
        return text_response(403, 'The inspector answers only this machine (loopback), '
                                   'reached as 127.0.0.1 or localhost.\n')
    if path == PREFIX:
        return Response(301, b'', None, [('Location', PREFIX + '/')])
    if path == PREFIX + '/':
        return static_file('index.html')
    if path.startswith(PREFIX + '/static/'):
        return static_file(path[len(PREFIX + '/static/'):])
    if path.startswith(PREFIX + '/api/'):
        return api(state, request, path[len(PREFIX + '/api/'):])
    return json_response({'error': 'no such page'}, status=404)


def api(state, request, view):
    """Answer ``/_inspector/api/<view>`` with JSON (400/404 ``{"error"}`` on refusal)."""
    if view not in ENDPOINTS:
        return json_response({'error': 'no view %r (views: %s)' % (view[:40], ', '.join(
            sorted(ENDPOINTS)))}, status=404)
    try:
        kwargs = arguments(request, view)
        side, name, _ = ENDPOINTS[view]
        reader = Inspector(state) if side == 'inspector' else FleetView(state)
        value = getattr(reader, name)(**kwargs)
    except InspectorError as exc:
        return json_response({'error': exc.message}, status=exc.status,
                             headers=[('Cache-Control', 'no-store')])
    return json_response(value, headers=[('Cache-Control', 'no-store'),
                                         ('X-Content-Type-Options', 'nosniff')])


def static_file(name):
    """Answer one of the files shipped in ``inspector/static`` (404 for any other name)."""
    extension = os.path.splitext(name)[1]
    if '/' in name or '\\' in name or name.startswith('.') or extension not in STATIC_TYPES:
        return json_response({'error': 'no such file'}, status=404)
    try:
        with open(os.path.join(STATIC_DIR, name), 'rb') as f:
            body = f.read()
    except (IOError, OSError):
        return json_response({'error': 'no such file'}, status=404)
    headers = PAGE_HEADERS if extension == '.html' else [
        ('X-Content-Type-Options', 'nosniff'), ('Cache-Control', 'no-cache')]
    return Response(200, body, STATIC_TYPES[extension], headers)


HOME = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>pyonep emulator</title>
<link rel="stylesheet" href="/_inspector/static/style.css"></head>
<body class="home"><main>
<h1>pyonep emulator</h1>
<p>A local One Platform. It answers, on this port:</p>
<ul>
<li>JSON-RPC: <code>POST /onep:v1/rpc/process</code></li>
<li>provisioning: <code>/provision/...</code></li>
<li>the device HTTP API: <code>/onep:v1/stack/alias</code>, <code>/timestamp</code></li>
<li>Portals: <code>/api/portals/v1/...</code></li>
</ul>
<p><a class="big" href="/_inspector/">Open the inspector</a>: the resource tree, data,
data flow, the calls your program made, the fleet and Portals.
It answers only this machine (loopback).</p>
</main></body></html>
"""


def home_page(state):
    """Answer ``GET /``: what the emulator serves, and a link to the inspector."""
    return Response(200, HOME, 'text/html; charset=utf-8', PAGE_HEADERS)
