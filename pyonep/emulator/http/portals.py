"""The Portals API of the emulator (portals.md): ``/api/portals/v1/...``.

:func:`handle` authenticates the caller, turns each request into calls of
:class:`~pyonep.emulator.portals.Portals` (and its ``users`` and ``data``) and answers
JSON. The rules live there; this module only reads requests and writes answers.

Authentication: ``Authorization: Basic`` with the e-mail address (or user name) and
password, or ``Authorization: Token <token>`` with a token from ``GET
/users/{id}/token`` (the token may keep the JSON quotes it is served with, as pyonep
0.13.8 sends it back). No credentials answer 403 (the document's "not authenticated");
credentials that do not authenticate answer 401 with ``WWW-Authenticate``. ``POST
/users`` (sign up) needs none.

Errors are JSON: ``{"code": <status>, "message": <text>}``, plus ``"errors"`` (error
identifiers) and ``"notices"`` (texts) on the 400 answers the document gives them for
(adding a device). A body that is not JSON, or JSON of the wrong shape, answers 400; an
unknown path 404; another method on a known path 405 with ``Allow``. Request bodies are
read as JSON whatever their Content-Type (0.13.8 sends some without one).

Bulk requests take ``[rid,rid,...]`` in the path; ``GET /users/_this/devices/[...]`` and
``/users/_this/data-sources/[...]`` answer at most ``limit`` (default and most 200)
objects from ``offset``, with 206 and a ``Link`` header when there are more.
"""
import base64
import binascii
import json

from pyonep.emulator.portals.data import read_options
from pyonep.emulator.portals.users import PortalsError
from pyonep.emulator.http.messages import Response, json_response

PREFIX = '/api/portals/v1'
MAX_BULK = 200


def handle(state, request):
    """Answer one ``/api/portals/v1/...`` request with a Response (see the module
    docstring). Never raises for bad input: refusals become 4xx JSON responses."""
    try:
        return _route(state.portals, request)
    except PortalsError as exc:
        return error_response(exc)


def error_response(error):
    """Return the JSON Response of a :class:`~pyonep.emulator.portals.users.PortalsError`."""
    body = {'code': error.status, 'message': error.message}
    if error.errors:
        body.update(errors=error.errors, notices=[error.message])
    headers = [('WWW-Authenticate', 'Basic realm="Portals"')] if error.status == 401 else None
    return json_response(body, status=error.status, headers=headers)


def method_not_allowed(allowed):
    """Return the 405 JSON Response for a path that takes only the methods ``allowed``."""
    allow = ', '.join(allowed)
    return json_response({'code': 405, 'message': 'Method Not Allowed: use %s' % allow},
                         status=405, headers=[('Allow', allow)])


# ------------------------------------------------------------------ request parts
def authenticate(portals, request):
    """Return the user the request's Authorization header authenticates as.

    Raises :class:`PortalsError` 403 without credentials, 401 for credentials that do
    not authenticate (an unknown scheme or malformed value included).
    """
    header = (request.header('Authorization') or '').strip()
    if not header:
        raise PortalsError(403, 'not authenticated: send basic auth or a Portals token')
    scheme, _, value = header.partition(' ')
    value = value.strip()
    if scheme.lower() == 'token':
        if len(value) > 1 and value[0] == value[-1] == '"':
            value = value[1:-1]
        return portals.users.check_token(value)
    if scheme.lower() == 'basic':
        try:
            login, colon, password = base64.b64decode(value, validate=True).decode('utf-8').partition(':')
        except (binascii.Error, ValueError):
            login, colon, password = '', '', ''
        if colon:
            return portals.users.check_password(login, password)
    raise PortalsError(401, 'use basic auth or "Authorization: Token <token>"')


def _no_constant(name):
    raise ValueError('%s is not JSON' % name)


def json_body(request):
    """Return the request body decoded as JSON; raise :class:`PortalsError` 400 when it
    is empty, not UTF-8, not JSON (NaN and Infinity included) or nested too deeply."""
    try:
        return json.loads(request.body.decode('utf-8'), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PortalsError(400, 'the request body must be JSON')


def query(request):
    """Return the query fields as a dict (the last value of each name; ``name[]`` fields
    are gathered in a list under ``name``)."""
    fields = {}
    for name, value in request.query_pairs():
        if name.endswith('[]'):
            fields.setdefault(name[:-2], []).append(value)
        else:
            fields[name] = value
    return fields


def id_list(segment):
    """Return the RIDs of a ``[rid,rid,...]`` path segment; raise :class:`PortalsError`
    400 for a segment of another shape."""
    if len(segment) < 2 or segment[0] != '[' or segment[-1] != ']':
        raise PortalsError(400, 'expected [id,id,...] in the path')
    return [part.strip() for part in segment[1:-1].split(',') if part.strip()]


def page(request, items, total):
    """Answer one page of a bulk request: 200, or 206 with a ``Link`` to the next (and
    previous) page when ``total`` items matched and more than fit."""
    fields = query(request)
    offset, limit = fields.get('offset', 0), fields.get('limit', MAX_BULK)
    try:
        offset, limit = max(int(offset), 0), min(max(int(limit), 1), MAX_BULK)
    except (TypeError, ValueError):
        raise PortalsError(400, 'offset and limit must be integers')
    chosen = items[offset:offset + limit]
    if offset == 0 and len(chosen) == total:
        return json_response(chosen)
    base = 'http://%s%s' % (request.header('Host') or '%s:%d' % tuple(request.server_address[:2]),
                            request.raw_path)
    links = []
    if offset > 0:
        links.append('<%s?offset=%d&limit=%d>; rel="previous"' % (base, max(offset - limit, 0), limit))
    if offset + limit < total:
        links.append('<%s?offset=%d&limit=%d>; rel="next"' % (base, offset + limit, limit))
    return json_response(chosen, status=206, headers=[('Link', ', '.join(links))] if links else None)


def created(value, location=None):
    """Return a 201 JSON Response (with a ``Location`` header when given)."""
    return json_response(value, status=201, headers=[('Location', location)] if location else None)


def empty(status):
    """Return an empty JSON Response with ``status`` (201, 202 or 204)."""
    return Response(status, b'', 'application/json; charset=utf-8')


# ------------------------------------------------------------------ routing
def _route(portals, request):
    if request.path != PREFIX and not request.path.startswith(PREFIX + '/'):
        raise PortalsError(404, 'Not Found')
    parts = request.path[len(PREFIX):].strip('/').split('/')
    method = request.method
    if parts == ['users']:
        if method != 'POST':
            return method_not_allowed(['POST'])
        return _sign_up(portals, request)
    for route_method, pattern, handler in ROUTES:
        args = _match(pattern, parts)
        if args is None:
            continue
        allowed = [m for m, p, _ in ROUTES if p == pattern]
        if method not in allowed:
            return method_not_allowed(allowed)
        if route_method != method:
            continue
        caller = authenticate(portals, request)
        return handler(portals, request, caller, *args)
    raise PortalsError(404, 'Not Found')


def _match(pattern, parts):
    if len(pattern) != len(parts):
        return None
    args = []
    for want, part in zip(pattern, parts):
        if want == '*':
            if not part:
                return None
            args.append(part)
        elif want != part:
            return None
    return args


def _sign_up(portals, request):
    return created(portals.accounts.sign_up(json_body(request)))


# ------------------------------------------------------------------ users and accounts
# Each handler takes (portals, request, caller, *path parts) and returns a Response.
def _get_user(portals, request, caller, user_id):
    return json_response(portals.accounts.user_object(portals.accounts.visible_user(caller, user_id)))


def _get_token(portals, request, caller, user_id):
    return json_response(portals.accounts.token(caller, user_id))


def _get_permissions(portals, request, caller, user_id):
    types = query(request).get('type')
    types = [types] if isinstance(types, str) else types
    return json_response(portals.accounts.permissions(caller, user_id, types))


def _add_permissions(portals, request, caller, user_id):
    user = portals.accounts.change_permissions(caller, user_id, json_body(request), add=True)
    location = '%s/users/%s/permissions' % (PREFIX, user['id'])
    return Response(202, b'', 'application/json; charset=utf-8', [('Location', location)])


def _delete_permissions(portals, request, caller, user_id):
    portals.accounts.change_permissions(caller, user_id, json_body(request), add=False)
    return empty(204)


def _get_accounts(portals, request, caller):
    return json_response(portals.accounts.all_accounts(caller))


def _get_account(portals, request, caller, key):
    return json_response(portals.accounts.account(caller, key))


def _get_domains(portals, request, caller):
    return json_response([portals.accounts.domain_entry(caller)])


# ------------------------------------------------------------------ portals
def _list_user_portals(portals, request, caller):
    return json_response(portals.user_portals(caller))


def _list_domain_portals(portals, request, caller):
    return json_response(portals.domain_portal_ids(caller))


def _create_portal(portals, request, caller, user_id):
    portal = portals.create_portal(caller, user_id, json_body(request))
    return created(portal, '%s/portals/%s' % (PREFIX, portal['id']))


def _get_portal(portals, request, caller, portal_id):
    return json_response(portals.get_portal(caller, portal_id))


def _update_portal(portals, request, caller, portal_id):
    return json_response(portals.update_portal(caller, portal_id, json_body(request)))


def _delete_portal(portals, request, caller, portal_id):
    name = portals.delete_portal(caller, portal_id)
    return json_response(['%s has been successfully deleted.' % (name or 'The portal')])


def _list_portal_devices(portals, request, caller, portal_id):
    fields = query(request)
    try:
        offset = max(int(fields.get('offset', 0)), 0)
        limit = int(fields['limit']) if fields.get('limit') else None
    except ValueError:
        raise PortalsError(400, 'offset and limit must be integers')
    return json_response(portals.portal_devices(caller, portal_id, offset, limit))


def _add_device(portals, request, caller, portal_id):
    return created(portals.add_device(caller, portal_id, json_body(request)))


def _create_device(portals, request, caller):
    return json_response(portals.create_device(caller, json_body(request)))


# ------------------------------------------------------------------ devices
def _get_device(portals, request, caller, rid):
    return json_response(portals.get_device(caller, rid))


def _update_device(portals, request, caller, rid):
    return json_response(portals.update_device(caller, rid, json_body(request)))


def _delete_device(portals, request, caller, rid):
    portals.delete_device(caller, rid)
    return empty(204)


def _get_devices(portals, request, caller, user_id, segment):
    _own_bulk(portals, caller, user_id)
    rids = id_list(segment)
    return page(request, portals.devices_bulk(caller, rids), len(rids))


def _own_bulk(portals, caller, user_id):
    if portals.users.resolve(caller, user_id)['id'] != caller['id']:
        raise PortalsError(403, 'bulk requests are made as _this user')


# ------------------------------------------------------------------ data sources
def _list_device_data_sources(portals, request, caller, rid):
    return json_response(portals.data.of_device(caller, rid))


def _create_device_data_source(portals, request, caller, rid):
    return created(portals.data.create(caller, 'Device', rid, json_body(request)))


def _list_portal_data_sources(portals, request, caller, portal_id):
    return json_response(portals.data.of_portal(caller, portal_id))


def _create_portal_data_source(portals, request, caller, portal_id):
    return created(portals.data.create(caller, 'Portal', portal_id, json_body(request)))


def _get_data_sources(portals, request, caller, user_id, segment):
    _own_bulk(portals, caller, user_id)
    rids = id_list(segment)
    return page(request, portals.data.bulk(caller, rids), len(rids))


def _get_data_source(portals, request, caller, rid):
    if rid.startswith('['):
        raise PortalsError(404, 'Not Found')
    return json_response(portals.data.get(caller, rid))


def _delete_data_source(portals, request, caller, rid):
    portals.data.delete(caller, rid)
    return empty(204)


def _get_data(portals, request, caller, segment):
    options = read_options(query(request))
    if segment.startswith('['):
        return json_response(portals.data.read(caller, id_list(segment), options))
    return json_response(portals.data.read(caller, [segment], options)[segment])


def _write_data(portals, request, caller, segment):
    if segment.startswith('['):
        raise PortalsError(400, 'write to one data source at a time')
    portals.data.write(caller, segment, json_body(request))
    return empty(201)


# (method, path pattern ("*" is one path segment), handler), in matching order
ROUTES = [
    ('GET', ('users', '*'), _get_user),
    ('GET', ('users', '*', 'token'), _get_token),
    ('GET', ('users', '*', 'permissions'), _get_permissions),
    ('POST', ('users', '*', 'permissions'), _add_permissions),
    ('DELETE', ('users', '*', 'permissions'), _delete_permissions),
    ('POST', ('users', '*', 'portals'), _create_portal),
    ('GET', ('users', '*', 'devices', '*'), _get_devices),
    ('GET', ('users', '*', 'data-sources', '*'), _get_data_sources),
    ('GET', ('accounts',), _get_accounts),
    ('GET', ('accounts', '*'), _get_account),
    ('GET', ('domain',), _get_domains),
    ('GET', ('portal',), _list_user_portals),
    ('GET', ('portals',), _list_domain_portals),
    ('GET', ('portals', '*'), _get_portal),
    ('PUT', ('portals', '*'), _update_portal),
    ('DELETE', ('portals', '*'), _delete_portal),
    ('GET', ('portals', '*', 'devices'), _list_portal_devices),
    ('POST', ('portals', '*', 'devices'), _add_device),
    ('GET', ('portals', '*', 'data-sources'), _list_portal_data_sources),
    ('POST', ('portals', '*', 'data-sources'), _create_portal_data_source),
    ('POST', ('device',), _create_device),
    ('GET', ('devices', '*'), _get_device),
    ('PUT', ('devices', '*'), _update_device),
    ('DELETE', ('devices', '*'), _delete_device),
    ('GET', ('devices', '*', 'data-sources'), _list_device_data_sources),
    ('POST', ('devices', '*', 'data-sources'), _create_device_data_source),
    ('GET', ('data-sources', '*'), _get_data_source),
    ('DELETE', ('data-sources', '*'), _delete_data_source),
    ('GET', ('data-sources', '*', 'data'), _get_data),
    ('POST', ('data-sources', '*', 'data'), _write_data),
]
