"""Portals API: permissions, and tenants that must never reach each other's portals,
devices and data, over HTTP."""
import pytest

from portals_helpers import (add_device, admin, api, domain_id, error, expect, new_user,
                             portals_model)


@pytest.fixture
def tenants(emu):
    """The admin's portal with device SN-1, and two users who each own a portal (user
    B's holds device SN-2). Returns a dict of what the tests need."""
    portals_model(emu)
    admin_device = add_device(emu, 'SN-1')
    crea = [('d_p_crea', 'Domain', domain_id(emu))]
    a, a_creds = new_user(emu, 'a@x.test', grants=crea)
    b, b_creds = new_user(emu, 'b@x.test', grants=crea)
    a_portal = expect(api(emu, 'POST', '/users/_this/portals', a_creds, body={'planId': 1}), 201)
    b_portal = expect(api(emu, 'POST', '/users/_this/portals', b_creds, body={'planId': 1}), 201)
    b_device = add_device(emu, 'SN-2', auth=b_creds, portal_id=b_portal['id'])
    return {'a': a, 'a_creds': a_creds, 'b': b, 'b_creds': b_creds, 'a_portal': a_portal,
            'b_portal': b_portal, 'b_device': b_device, 'admin_device': admin_device}


def test_a_user_never_reaches_another_users_portal_device_or_data(emu, tenants):
    creds, portal, device = tenants['a_creds'], tenants['b_portal'], tenants['b_device']
    port = device['dataSources'][0]
    forbidden = [
        ('GET', '/portals/' + portal['id'], None), ('PUT', '/portals/' + portal['id'], {'info': {}}),
        ('DELETE', '/portals/' + portal['id'], None),
        ('GET', '/portals/%s/devices' % portal['id'], None),
        ('POST', '/portals/%s/devices' % portal['id'], {'type': 'generic'}),
        ('GET', '/portals/%s/data-sources' % portal['id'], None),
        ('POST', '/portals/%s/data-sources' % portal['id'], {}),
        ('GET', '/devices/' + device['rid'], None), ('PUT', '/devices/' + device['rid'], {'info': {}}),
        ('DELETE', '/devices/' + device['rid'], None),
        ('GET', '/devices/%s/data-sources' % device['rid'], None),
        ('POST', '/devices/%s/data-sources' % device['rid'], {}),
        ('GET', '/users/_this/devices/[%s]' % device['rid'], None),
        ('GET', '/users/_this/data-sources/[%s]' % port, None),
        ('GET', '/data-sources/' + port, None), ('DELETE', '/data-sources/' + port, None),
        ('GET', '/data-sources/%s/data' % port, None), ('GET', '/data-sources/[%s]/data' % port, None),
        ('POST', '/data-sources/%s/data' % port, 5),
        ('GET', '/users/%s/permissions' % tenants['b']['id'], None),
        ('GET', '/users/%s' % tenants['b']['id'], None),
        ('GET', '/users/%s/devices/[%s]' % (tenants['b']['id'], device['rid']), None),
        ('GET', '/portals', None), ('GET', '/accounts', None),
    ]
    for method, path, body in forbidden:
        reply = api(emu, method, path, creds, body=body)
        assert reply.status_code == 403, (method, path, reply.text)
    # what A sees of its own: only its portal, and nothing was changed for B
    listing = expect(api(emu, 'GET', '/portal', creds), 200)
    assert [(p['role'], p['key']) for p in listing] == [('owner', tenants['a_portal']['info']['key'])]
    expect(api(emu, 'GET', '/portals/' + tenants['a_portal']['id'], creds), 200)
    assert expect(api(emu, 'GET', '/devices/' + device['rid'], tenants['b_creds']), 200)['rid'] == \
        device['rid']
    data = expect(api(emu, 'GET', '/data-sources/%s/data' % port, tenants['b_creds'],
                      params={'limit': 9}), 200)
    assert len(data) <= 1  # A's refused write stored nothing


def test_the_domain_admin_reaches_every_tenant(emu, tenants):
    portal, device = tenants['b_portal'], tenants['b_device']
    seen = expect(api(emu, 'GET', '/portals/' + portal['id'], admin(emu)), 200)
    assert seen['devices'] == [device['rid']] and seen['info']['key']
    expect(api(emu, 'GET', '/devices/' + device['rid'], admin(emu)), 200)
    ids = [p['id'] for p in expect(api(emu, 'GET', '/portals', admin(emu)), 200)]
    assert ids == [emu.portal_id, tenants['a_portal']['id'], portal['id']]


def test_permissions_grant_exactly_their_access(emu, tenants):
    a, creds = tenants['a'], tenants['a_creds']
    portal, device = tenants['b_portal'], tenants['b_device']
    grant = [{'access': 'p___view', 'oid': {'type': 'Portal', 'id': portal['id']}}]
    reply = api(emu, 'POST', '/users/%s/permissions' % a['id'], tenants['b_creds'], body=grant)
    error(reply, 403)  # B lacks d_u_view on the domain
    reply = api(emu, 'POST', '/users/%s/permissions' % a['id'], admin(emu), body=grant)
    assert (reply.status_code, reply.content) == (202, b'')
    assert reply.headers['Location'].endswith('/users/%s/permissions' % a['id'])
    error(api(emu, 'POST', '/users/%s/permissions' % a['id'], admin(emu), body=grant), 409)
    seen = expect(api(emu, 'GET', '/portals/' + portal['id'], creds), 200)
    assert seen['info']['key'] is None  # the CIK is for ___admin only
    device_seen = expect(api(emu, 'GET', '/devices/' + device['rid'], creds), 200)
    assert device_seen['info']['key'] is None
    expect(api(emu, 'GET', '/data-sources/%s/data' % device['dataSources'][0], creds), 200)
    error(api(emu, 'PUT', '/portals/' + portal['id'], creds, body={'info': {}}), 403)
    error(api(emu, 'GET', '/portals/%s/data-sources' % portal['id'], creds), 403)  # p_manage
    error(api(emu, 'POST', '/data-sources/%s/data' % device['dataSources'][0], creds, body=1), 403)
    error(api(emu, 'DELETE', '/devices/' + device['rid'], creds), 403)
    types = expect(api(emu, 'GET', '/users/_this/permissions', creds,
                       params={'type[]': ['Portal']}), 200)
    assert [p['oid']['id'] for p in types] == [tenants['a_portal']['id'], portal['id']]
    # taking it back
    reply = api(emu, 'DELETE', '/users/%s/permissions' % a['id'], admin(emu), body=grant)
    assert reply.status_code == 204
    error(api(emu, 'DELETE', '/users/%s/permissions' % a['id'], admin(emu), body=grant), 409)
    error(api(emu, 'GET', '/portals/' + portal['id'], creds), 403)


def test_device_and_data_source_permissions(emu, tenants):
    a, creds, device = tenants['a'], tenants['a_creds'], tenants['b_device']
    port = device['dataSources'][0]
    expect(api(emu, 'POST', '/users/%s/permissions' % a['id'], admin(emu), body=[
        {'access': 'd___read', 'oid': {'type': 'DataSource', 'id': port}},
        {'access': 'd___view', 'oid': {'type': 'Device', 'id': device['rid']}}]), 202)
    expect(api(emu, 'GET', '/data-sources/%s/data' % port, creds), 200)
    expect(api(emu, 'GET', '/devices/%s/data-sources' % device['rid'], creds), 200)
    error(api(emu, 'POST', '/data-sources/%s/data' % port, creds, body=1), 403)
    error(api(emu, 'GET', '/portals/' + tenants['b_portal']['id'], creds), 403)
    expect(api(emu, 'POST', '/users/%s/permissions' % a['id'], admin(emu), body=[
        {'access': 'd__write', 'oid': {'type': 'DataSource', 'id': port}}]), 202)
    expect(api(emu, 'POST', '/data-sources/%s/data' % port, creds, body=1), 201)


def test_a_user_hands_out_only_what_it_holds(emu, tenants):
    b, b_creds = tenants['b'], tenants['b_creds']
    a = tenants['a']
    viewer = [('d_u_view', 'Domain', domain_id(emu))]
    expect(api(emu, 'POST', '/users/%s/permissions' % b['id'], admin(emu), body=[
        {'access': a_, 'oid': {'type': t, 'id': i}} for a_, t, i in viewer]), 202)
    own_portal = {'access': 'p___view', 'oid': {'type': 'Portal', 'id': tenants['b_portal']['id']}}
    expect(api(emu, 'POST', '/users/%s/permissions' % a['id'], b_creds, body=[own_portal]), 202)
    for grant in ({'access': 'p___view', 'oid': {'type': 'Portal', 'id': tenants['a_portal']['id']}},
                  {'access': 'p___view', 'oid': {'type': 'Portal', 'id': emu.portal_id}},
                  {'access': '___admin', 'oid': {'type': 'Domain', 'id': domain_id(emu)}},
                  {'access': 'd___view', 'oid': {'type': 'Device', 'id': tenants['admin_device']['rid']}},
                  {'access': 'p___view', 'oid': {'type': 'Portal', 'id': '1234567890'}}):
        error(api(emu, 'POST', '/users/%s/permissions' % a['id'], b_creds, body=[grant]), 403)
    # an admin naming an object that does not exist gets 400, an unknown user 404
    missing = {'access': 'p___view', 'oid': {'type': 'Portal', 'id': '1234567890'}}
    error(api(emu, 'POST', '/users/%s/permissions' % a['id'], admin(emu), body=[missing]), 400)
    error(api(emu, 'POST', '/users/1234567890/permissions', admin(emu), body=[own_portal]), 404)
    error(api(emu, 'GET', '/users/1234567890/permissions', admin(emu)), 404)


def test_permission_bodies_that_are_not_permission_lists_are_400(emu, tenants):
    path = '/users/%s/permissions' % tenants['a']['id']
    portal = tenants['b_portal']['id']
    for body in ([], {}, 'x', [1], [{'access': 'p___view'}],
                 [{'access': 'p___view', 'oid': {'type': 'Group', 'id': '1'}}],
                 [{'access': 'd___view', 'oid': {'type': 'Portal', 'id': portal}}],
                 [{'access': 'p___view', 'oid': {'type': 'Portal', 'id': ''}}],
                 [{'access': 'p___view', 'oid': {'type': 'Portal', 'id': [portal]}}],
                 [{'access': 'p___view', 'oid': {'type': 'Portal', 'id': portal}, 'x': 1}]):
        error(api(emu, 'POST', path, admin(emu), body=body), 400)
        error(api(emu, 'DELETE', path, admin(emu), body=body), 400)
    # a numeric id is the same object as its text
    expect(api(emu, 'POST', path, admin(emu), body=[
        {'access': 'p___view', 'oid': {'type': 'Portal', 'id': int(portal)}}]), 202)
    expect(api(emu, 'GET', '/portals/' + portal, tenants['a_creds']), 200)


def test_a_device_adder_without_view_rights_adds_only(emu, tenants):
    a, creds = tenants['a'], tenants['a_creds']
    expect(api(emu, 'POST', '/users/%s/permissions' % a['id'], admin(emu), body=[
        {'access': 'p_m_crea', 'oid': {'type': 'Portal', 'id': emu.portal_id}}]), 202)
    reply = api(emu, 'POST', '/portals/%s/devices' % emu.portal_id, creds, body={'type': 'generic'})
    device = expect(reply, 201)
    assert device['info']['key']  # the adder gets ___admin on the device it adds
    error(api(emu, 'GET', '/portals/' + emu.portal_id, creds), 403)
    error(api(emu, 'GET', '/devices/' + tenants['admin_device']['rid'], creds), 403)
