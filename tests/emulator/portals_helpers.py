"""Helpers shared by the Portals API tests: requests over HTTP to /api/portals/v1, users,
models of the domain's vendor, devices added and activated."""
import json

import requests

from fleet_helpers import http, make_template


def api(emu, method, path, auth=None, body=None, raw=None, headers=None, params=None):
    """Send one request to ``emu``'s Portals API and return the requests Response.

    ``auth`` is an (e-mail, password) pair, a token (str, sent as ``Token <token>``) or
    None (no credentials); ``body`` is sent as JSON; ``raw`` (bytes or text) as it is.
    """
    headers = dict(headers or {})
    if isinstance(auth, str):
        headers['Authorization'] = 'Token ' + auth
        auth = None
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    return requests.request(method, emu.portals_url + path, auth=auth, data=data,
                            headers=headers, params=params, timeout=30)


def admin(emu):
    """The credentials of the domain admin the emulator starts with."""
    return (emu.portals_user, emu.portals_password)


def expect(response, status):
    """Assert the status of a response and return its decoded JSON body (None if empty)."""
    assert response.status_code == status, (response.status_code, response.text)
    return response.json() if response.content else None


def error(response, status):
    """Assert an error answer: ``status`` with a JSON body ``{"code": status, "message"}``;
    return the body."""
    body = expect(response, status)
    assert body['code'] == status and body['message'], body
    return body


def domain_id(emu):
    """The numeric id of the domain (from the admin's permissions)."""
    permissions = expect(api(emu, 'GET', '/users/_this/permissions', admin(emu)), 200)
    return [p['oid']['id'] for p in permissions if p['oid']['type'] == 'Domain'][0]


def new_user(emu, email, password='pw-' + 'x' * 8, grants=()):
    """Sign up a user (no credentials needed), give it ``grants`` (``(access, type, id)``)
    as the domain admin; return ``(user object, credentials)``."""
    user = expect(api(emu, 'POST', '/users', body={'email': email, 'password': password}), 201)
    if grants:
        expect(api(emu, 'POST', '/users/%s/permissions' % user['id'], admin(emu), body=[
            {'access': a, 'oid': {'type': t, 'id': i}} for a, t, i in grants]), 202)
    return user, (email, password)


def portals_model(emu, model='sensor', sns=('SN-1', 'SN-2')):
    """Create a template (an integer dataport aliased 'temp' holding 7, a string one
    aliased 'msg') under the root, and a model of the domain's vendor made from it by share
    code (a template given by RID must be the vendor's own), whitelist ``sns``. Returns the
    template's RID."""
    onep = emu.onep()
    rid = make_template(onep, emu.root_cik)
    code = onep.share(emu.root_cik, rid)[1]  # the root's template, shared with the domain
    headers = {'X-Exosite-Token': emu.portals_vendor_token}
    reply = http(emu, 'POST', '/provision/manage/model/', headers=headers,
                 fields=[('model', model), ('code', code)])
    assert reply.status == 205, reply
    reply = http(emu, 'POST', '/provision/manage/model/%s/' % model, headers=headers,
                 fields=[('sn[]', sn) for sn in sns])
    assert reply.status == 205, reply
    return rid


def add_device(emu, sn='SN-1', model='sensor', auth=None, portal_id=None):
    """Add device ``sn`` of ``model`` to a portal (the first one) and return its object."""
    return expect(api(emu, 'POST', '/portals/%s/devices' % (portal_id or emu.portal_id),
                      auth or admin(emu), body={'type': 'vendor', 'model': model, 'sn': sn,
                                                'vendor': emu.portals_vendor}), 201)


def activate(emu, sn='SN-1', model='sensor'):
    """Activate device ``sn`` as its firmware would and return its CIK."""
    reply = http(emu, 'POST', '/provision/activate',
                 fields=[('vendor', emu.portals_vendor), ('model', model), ('sn', sn)])
    assert reply.status == 200, reply
    return reply.text


def device_write(emu, cik, **values):
    """Write ``alias=value`` pairs as the device does (the device HTTP API)."""
    reply = http(emu, 'POST', '/onep:v1/stack/alias', headers={'X-Exosite-CIK': cik},
                 fields=sorted(values.items()))
    assert reply.status == 204, reply
