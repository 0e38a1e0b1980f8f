"""A scripted Portals domain for the pyonep.portals client tests: replies shaped as the
Portals API document shows them, served by tests/recording_server.py."""
import base64
import json

from six.moves.urllib.parse import unquote

from pyonep._compat import DICTS_KEEP_ORDER
from recording_server import Reply, Routes, json_reply

PREFIX = '/api/portals/v1'
DOMAIN = 'mydomain.exosite.com'
USER = 'me@example.com'
PASSWORD = 'secret'
BASIC = 'Basic ' + base64.b64encode(b'me@example.com:secret').decode('ascii')
USER_AGENT = 'Portals-Bindings-v0.0.1'
JSON_TYPE = 'application/json; charset=utf-8'
TOKEN_BODY = '"MzE2Nzg1OTczNq=="'  # Portals answers the token as a JSON string


def portal(portal_id, name, key, aliases):
    """Return a portal object."""
    return {'id': portal_id, 'devices': sorted(aliases) if isinstance(aliases, dict) else [],
            'info': {'aliases': aliases, 'description': {'name': name}, 'key': key}}


def device(rid, sn, name, meta):
    """Return a device object whose meta is the JSON string Portals keeps."""
    return {'rid': rid, 'sn': sn, 'model': 'mod', 'vendor': 'mydomain', 'type': 'vendor',
            'info': {'description': {'name': name, 'meta': meta}, 'key': 'cik-' + rid}}


OTHER = portal('100', 'Other', 'cik100', [])
MINE = portal('200', 'My Portal', 'cik200', {'rid1': ['one'], 'rid2': ['two', 'deux']})
DEVICES = {'rid1': device('rid1', 'SN-001', 'Pump', '{"location": "Lab"}'),
           'rid2': device('rid2', 'SN-002', 'Fan', '')}
ACCOUNTS = [{'id': '7', 'email': 'other@example.com'}, {'id': '9', 'email': USER}]
PERMISSIONS = {'9': [{'access': '___admin', 'oid': {'id': '200', 'type': 'Portal'}}]}


def devices_by_rids(request):
    """Answer ``GET /users/_this/devices/[rid,...]`` with the scripted devices asked for."""
    wanted = unquote(request.path.rsplit('/', 1)[1]).strip('[]').split(',')
    return json_reply([DEVICES.get(rid) or device(rid, 'SN-' + rid, rid, '{}')
                       for rid in wanted])


def domain_routes(portals=(OTHER, MINE)):
    """Return Routes answering the read requests of a domain with the given portals."""
    routes = Routes(prefix=PREFIX)
    routes.add('GET', '/users/_this/token', Reply(body=TOKEN_BODY))
    routes.add('GET', '/portals', json_reply([{'id': p['id']} for p in portals]))
    for p in portals:
        routes.add('GET', '/portals/' + p['id'], json_reply(p))
    routes.add('GET', '/accounts', json_reply(ACCOUNTS))
    for user_id, permissions in PERMISSIONS.items():
        routes.add('GET', '/users/%s/permissions' % user_id, json_reply(permissions))
    routes.add('GET', '/users/_this/devices/*', devices_by_rids)
    return routes


def summary(requests):
    """Return ``[(method, path without the prefix, query)]`` of recorded requests."""
    return [(r.method, r.path[len(PREFIX):] if r.path.startswith(PREFIX) else r.path, r.query)
            for r in requests]


def assert_json_text(sent, expected):
    """Assert a sent JSON body: the same text where dicts keep their order (3.6+), the same
    value on Python 2.7, whose dicts had no order in 0.13.8 either."""
    if DICTS_KEEP_ORDER:
        assert sent == expected
    else:
        assert json.loads(sent) == json.loads(expected)
