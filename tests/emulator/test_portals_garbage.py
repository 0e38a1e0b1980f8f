"""Portals API: malformed requests get a JSON 4xx answer (never a 500), change nothing,
and leave the emulator serving."""
import pytest

from portals_helpers import add_device, admin, api, error, expect, portals_model

GARBAGE = [b'', b'{', b'\xff\xfe', b'NaN', b'[Infinity]', b'[' * 100000 + b']' * 100000,
           b'{"a": 1} trailing', b'null', b'"text"', b'123456789012345678901234567890']


@pytest.fixture
def targets(emu):
    """Every path that takes a body, with the method it takes."""
    portals_model(emu)
    device = add_device(emu)
    port = device['dataSources'][0]
    me = expect(api(emu, 'GET', '/users/_this', admin(emu)), 200)['id']
    return [('POST', '/users'), ('POST', '/users/%s/permissions' % me),
            ('DELETE', '/users/%s/permissions' % me), ('POST', '/users/_this/portals'),
            ('PUT', '/portals/' + emu.portal_id), ('POST', '/portals/%s/devices' % emu.portal_id),
            ('POST', '/portals/%s/data-sources' % emu.portal_id), ('POST', '/device'),
            ('PUT', '/devices/' + device['rid']),
            ('POST', '/devices/%s/data-sources' % device['rid']),
            ('POST', '/data-sources/%s/data' % port)]


def test_garbage_bodies_are_400_and_change_nothing(emu, targets):
    before = expect(api(emu, 'GET', '/portals/' + emu.portal_id, admin(emu)), 200)
    for method, path in targets:
        for raw in GARBAGE:
            reply = api(emu, method, path, admin(emu), raw=raw)
            assert reply.status_code == 400, (method, path, raw[:20], reply.text)
            assert reply.json()['code'] == 400
    after = expect(api(emu, 'GET', '/portals/' + emu.portal_id, admin(emu)), 200)
    assert after == before
    assert len(expect(api(emu, 'GET', '/accounts', admin(emu)), 200)) == 1


def test_unknown_paths_are_404_and_other_methods_405(emu):
    for path in ('/nothing', '/portals/%s/nothing' % emu.portal_id, '/devices', '/data-sources',
                 '/users/_this/groups/[1]', '/portals/%s/devices/x' % emu.portal_id, ''):
        error(api(emu, 'GET', path, admin(emu)), 404)
    error(api(emu, 'GET', '/../portals', admin(emu)), 404)
    for method, path, allowed in (('POST', '/portals', 'GET'), ('DELETE', '/portal', 'GET'),
                                  ('PATCH', '/devices/' + 'a' * 40, 'GET, PUT, DELETE'),
                                  ('PUT', '/data-sources/x/data', 'GET, POST'),
                                  ('GET', '/users', 'POST')):
        reply = api(emu, method, path, admin(emu))
        error(reply, 405)
        assert reply.headers['Allow'] == allowed
    # a path that only shares the prefix's start is not the Portals API
    assert api(emu, 'GET', '/../portalsx', admin(emu)).status_code == 404


def test_odd_ids_and_query_strings_are_answered(emu):
    for path in ('/portals/%00', '/portals/' + 'x' * 5000, '/devices/%FF', '/accounts/%E2%82',
                 '/users/_this/devices/[,,]', '/users/_this/devices/[', '/data-sources/[]/data',
                 '/users/%s/token' % ('9' * 30)):
        reply = api(emu, 'GET', path, admin(emu))
        assert reply.status_code in (200, 400, 404), (path, reply.status_code, reply.text)
        reply.json()
    reply = api(emu, 'GET', '/portals/%s/devices' % emu.portal_id, admin(emu), params={'offset': 'x'})
    error(reply, 400)
    reply = api(emu, 'GET', '/users/_this/devices/[]', admin(emu), params={'offset': '-5', 'limit': '0'})
    assert expect(reply, 200) == []
    # still serving
    expect(api(emu, 'GET', '/portal', admin(emu)), 200)
