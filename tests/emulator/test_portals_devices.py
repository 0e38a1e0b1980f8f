"""Portals API: portals and devices over HTTP; devices come from the fleet (models and
serial numbers of the domain's vendor) and activate through the provisioning API."""
import json

import pytest

from pyonep.exceptions import OnePlatformException

from fleet_helpers import http
from portals_helpers import (activate, add_device, admin, api, device_write, domain_id, error,
                             expect, new_user, portals_model)
from rpc_helpers import ok


def test_add_a_device_by_model_and_serial_number(emu):
    portals_model(emu)
    reply = api(emu, 'POST', '/portals/%s/devices' % emu.portal_id, admin(emu),
                body={'type': 'vendor', 'model': 'sensor', 'sn': 'SN-1', 'vendor': emu.portals_vendor})
    device = expect(reply, 201)
    assert (device['type'], device['model'], device['sn'], device['vendor']) == (
        'vendor', 'sensor', 'SN-1', emu.portals_vendor)
    assert device['info']['basic']['status'] == 'notactivated'
    assert len(device['dataSources']) == 2  # the template's dataports were cloned
    assert sorted(sum(device['info']['aliases'].values(), [])) == ['msg', 'temp']
    meta = json.loads(device['info']['description']['meta'])
    assert meta['device'] == {'type': 'vendor', 'model': 'sensor', 'vendor': emu.portals_vendor,
                              'sn': 'SN-1'}
    me = expect(api(emu, 'GET', '/users/_this', admin(emu)), 200)
    assert device['members'] == [{'access': '___admin', 'oid': {'type': 'User', 'id': me['id']}}]
    # the portal lists it and aliases it by its serial number
    portal = expect(api(emu, 'GET', '/portals/' + emu.portal_id, admin(emu)), 200)
    assert portal['devices'] == [device['rid']]
    assert portal['info']['aliases'] == {device['rid']: ['SN-1']}
    # the fleet sees the serial number enabled for the portal's client
    listing = http(emu, 'GET', '/provision/manage/model/sensor/?status=true',
                   headers={'X-Exosite-Token': emu.portals_vendor_token})
    assert listing.lines()[0].split(',')[:3] == ['SN-1', 'notactivated', device['rid']]


def test_activate_write_and_see_it_through_portals_and_the_portal_cik(emu):
    portals_model(emu)
    device = add_device(emu)
    cik = activate(emu)
    device_write(emu, cik, temp=21)
    seen = expect(api(emu, 'GET', '/devices/' + device['rid'], admin(emu)), 200)
    assert seen['info']['basic']['status'] == 'activated'
    assert seen['info']['key'] == cik
    # RPC with the portal's CIK sees the same device and its data
    onep = emu.onep()
    assert ok(onep.listing(emu.portal_cik, ['client'], {})) == {'client': [device['rid']]}
    assert ok(onep.lookup(emu.portal_cik, 'alias', 'SN-1')) == device['rid']
    temp = [r for r in device['dataSources'] if device['info']['aliases'][r] == ['temp']][0]
    assert ok(onep.read(emu.portal_cik, temp, {}))[0][1] == 21


def test_add_device_refusals_carry_the_documented_error_identifiers(emu):
    portals_model(emu)
    add_device(emu, 'SN-1')
    path = '/portals/%s/devices' % emu.portal_id
    cases = [
        ({'type': 'vendor', 'model': 'nope', 'sn': 'SN-2'}, 'forbidden_model'),
        ({'type': 'vendor', 'model': 'sensor', 'sn': 'SN-2', 'vendor': 'other'}, 'forbidden_model'),
        ({'type': 'vendor', 'model': 'sensor', 'sn': 'SN-9'}, 'invalid_sn'),
        ({'type': 'vendor', 'model': 'sensor', 'sn': 'SN-1'}, 'unavailable_sn'),
        ({'type': 'vendor', 'sn': 'SN-2'}, 'missing_model'),
        ({'type': 'vendor', 'model': 'sensor', 'sn': 7}, 'missing_sn'),
        ({'model': 'sensor', 'sn': 'SN-2'}, 'missing_type'),
        ({'type': 'gizmo'}, 'missing_type'),
    ]
    for body, identifier in cases:
        reply = error(api(emu, 'POST', path, admin(emu), body=body), 400)
        assert reply['errors'] == [identifier] and reply['notices'], (body, reply)
    error(api(emu, 'POST', '/portals/1234567890/devices', admin(emu),
              body={'type': 'generic'}), 404)
    # nothing was added by the refusals
    assert len(expect(api(emu, 'GET', '/portals/' + emu.portal_id, admin(emu)), 200)['devices']) == 1


def test_a_model_of_the_root_vendor_is_usable_once_shared_with_the_domain(emu):
    from fleet_helpers import setup_model, vendor_headers
    setup_model(emu, model='shared', sns=('S-1',))
    body = {'type': 'vendor', 'model': 'shared', 'sn': 'S-1', 'vendor': emu.vendor}
    path = '/portals/%s/devices' % emu.portal_id
    assert error(api(emu, 'POST', path, admin(emu), body=body), 400)['errors'] == ['forbidden_model']
    reply = http(emu, 'POST', '/provision/manage/share/shared/', headers=vendor_headers(emu),
                 fields=[('vendor', emu.portals_vendor)])
    assert reply.status == 205, reply
    device = expect(api(emu, 'POST', path, admin(emu), body=body), 201)
    assert device['vendor'] == emu.vendor
    reply = http(emu, 'POST', '/provision/activate',
                 fields=[('vendor', emu.vendor), ('model', 'shared'), ('sn', 'S-1')])
    assert reply.status == 200, reply


def test_generic_device(emu):
    device = expect(api(emu, 'POST', '/portals/%s/devices' % emu.portal_id, admin(emu),
                        body={'type': 'generic'}), 201)
    assert (device['type'], device['model'], device['sn'], device['vendor']) == (
        'generic', None, None, None)
    assert device['info']['basic']['status'] == 'activated'
    ok(emu.onep().info(device['info']['key'], {'alias': ''}, {}))
    aliases = expect(api(emu, 'GET', '/portals/' + emu.portal_id, admin(emu)), 200)['info']['aliases']
    assert aliases == {device['rid']: [device['rid']]}


def test_update_device_description_and_its_meta(emu):
    portals_model(emu)
    device = add_device(emu)
    device['info']['description']['name'] = 'Boiler'
    device['info']['description']['meta'] = json.dumps({'location': 'cellar'})
    updated = expect(api(emu, 'PUT', '/devices/' + device['rid'], admin(emu), body=device), 200)
    assert updated['info']['description']['name'] == 'Boiler'
    assert json.loads(updated['info']['description']['meta']) == {'location': 'cellar'}
    assert expect(api(emu, 'GET', '/devices/' + device['rid'], admin(emu)), 200) == updated
    for body in ({'info': {'description': {'name': 5}}}, {'info': {'description': 'x'}},
                 {'info': 'x'}, [1], 'text'):
        error(api(emu, 'PUT', '/devices/' + device['rid'], admin(emu), body=body), 400)
    error(api(emu, 'PUT', '/devices/' + 'f' * 40, admin(emu), body={'info': {}}), 404)
    assert expect(api(emu, 'GET', '/devices/' + device['rid'], admin(emu)), 200) == updated


def test_delete_device_frees_its_serial_number(emu):
    portals_model(emu)
    device = add_device(emu)
    reply = api(emu, 'DELETE', '/devices/' + device['rid'], admin(emu))
    assert (reply.status_code, reply.content) == (204, b'')
    error(api(emu, 'GET', '/devices/' + device['rid'], admin(emu)), 404)
    error(api(emu, 'DELETE', '/devices/' + device['rid'], admin(emu)), 404)
    again = add_device(emu)
    assert again['rid'] != device['rid']
    portal = expect(api(emu, 'GET', '/portals/' + emu.portal_id, admin(emu)), 200)
    assert portal['devices'] == [again['rid']] and portal['info']['aliases'] == {again['rid']: ['SN-1']}


def test_unknown_and_foreign_ids_are_404(emu):
    for path in ('/devices/' + 'a' * 40, '/devices/nonsense', '/portals/1234567890',
                 '/portals/nonsense'):
        error(api(emu, 'GET', path, admin(emu)), 404)
    # the root client and clients under it are not Portals devices
    from rpc_helpers import make_client
    rid, _ = make_client(emu.onep(), emu.root_cik)
    error(api(emu, 'GET', '/devices/' + rid, admin(emu)), 404)
    error(api(emu, 'DELETE', '/devices/' + rid, admin(emu)), 404)
    assert emu.onep().info(emu.root_cik, rid, {})[0]
    # a portal is not a device either
    portal_rid = expect(api(emu, 'GET', '/portal', admin(emu)), 200)[0]['rid']
    error(api(emu, 'GET', '/devices/' + portal_rid, admin(emu)), 404)


def test_get_multiple_devices_with_paging(emu):
    portals_model(emu, sns=('A', 'B', 'C'))
    rids = [add_device(emu, sn)['rid'] for sn in 'ABC']
    path = '/users/_this/devices/[%s]' % ','.join(rids)
    devices = expect(api(emu, 'GET', path, admin(emu)), 200)
    assert [d['sn'] for d in devices] == ['A', 'B', 'C']
    reply = api(emu, 'GET', path, admin(emu), params={'limit': 2})
    assert [d['sn'] for d in expect(reply, 206)] == ['A', 'B']
    assert 'offset=2&limit=2>; rel="next"' in reply.headers['Link']
    reply = api(emu, 'GET', path, admin(emu), params={'limit': 2, 'offset': 2})
    assert [d['sn'] for d in expect(reply, 206)] == ['C']
    assert 'rel="previous"' in reply.headers['Link'] and 'rel="next"' not in reply.headers['Link']
    error(api(emu, 'GET', '/users/_this/devices/[%s,%s]' % (rids[0], 'b' * 40), admin(emu)), 400)
    error(api(emu, 'GET', '/users/_this/devices/%s' % rids[0], admin(emu)), 400)
    error(api(emu, 'GET', path, admin(emu), params={'limit': 'x'}), 400)
    assert expect(api(emu, 'GET', '/users/_this/devices/[]', admin(emu)), 200) == []


def test_portal_devices_listing(emu):
    portals_model(emu, sns=('A', 'B'))
    rids = [add_device(emu, sn)['rid'] for sn in 'AB']
    listed = expect(api(emu, 'GET', '/portals/%s/devices' % emu.portal_id, admin(emu)), 200)
    assert [d['rid'] for d in listed] == rids
    listed = expect(api(emu, 'GET', '/portals/%s/devices' % emu.portal_id, admin(emu),
                        params={'limit': 1, 'offset': 1}), 200)
    assert [d['rid'] for d in listed] == rids[1:]


def test_update_portal_name_and_replace_aliases(emu):
    portals_model(emu, sns=('A', 'B'))
    a, b = add_device(emu, 'A')['rid'], add_device(emu, 'B')['rid']
    portal = expect(api(emu, 'GET', '/portals/' + emu.portal_id, admin(emu)), 200)
    portal['info']['description']['name'] = 'Plant 2'
    portal['info']['aliases'] = {a: ['first', 'boiler'], b: ['second']}
    updated = expect(api(emu, 'PUT', '/portals/' + emu.portal_id, admin(emu), body=portal), 200)
    assert updated['info']['description']['name'] == 'Plant 2'
    assert updated['info']['aliases'] == {a: ['boiler', 'first'], b: ['second']}
    assert ok(emu.onep().lookup(emu.portal_cik, 'alias', 'boiler')) == a
    listing = expect(api(emu, 'GET', '/portal', admin(emu)), 200)
    assert listing[0]['name'] == 'Plant 2'
    bad = [{'info': {'aliases': {'c' * 40: ['x']}}}, {'info': {'aliases': {a: ['x', 'x']}}},
           {'info': {'aliases': {a: 'x'}}}, {'info': {'aliases': {a: ['']}}},
           {'info': {'description': {'limits': 'x'}}}, {'info': []}, ['x']]
    for body in bad:
        error(api(emu, 'PUT', '/portals/' + emu.portal_id, admin(emu), body=body), 400)
    # refusals changed nothing
    assert expect(api(emu, 'GET', '/portals/' + emu.portal_id, admin(emu)), 200) == updated
    error(api(emu, 'PUT', '/portals/1234567890', admin(emu), body=portal), 404)


def test_create_and_delete_a_portal(emu):
    user, creds = new_user(emu, 'maker@x.test', grants=[('d_p_crea', 'Domain', domain_id(emu))])
    reply = api(emu, 'POST', '/users/_this/portals', creds, body={'planId': '1234567890'})
    portal = expect(reply, 201)
    assert reply.headers['Location'].endswith('/api/portals/v1/portals/' + portal['id'])
    assert portal['planId'] == '1234567890' and portal['devices'] == []
    roles = expect(api(emu, 'GET', '/portal', creds), 200)
    assert [(p['role'], p['key']) for p in roles] == [('owner', portal['info']['key'])]
    for body in ({}, {'planId': 'abc'}, {'planId': None}, [], 'x'):
        error(api(emu, 'POST', '/users/_this/portals', creds, body=body), 400)
    error(api(emu, 'POST', '/users/%s/portals' % _admin_id(emu), creds, body={'planId': 1}), 403)
    plain, plain_creds = new_user(emu, 'plain@x.test')
    error(api(emu, 'POST', '/users/_this/portals', plain_creds, body={'planId': 1}), 403)
    # an admin may create one for another user
    made = expect(api(emu, 'POST', '/users/%s/portals' % plain['id'], admin(emu),
                      body={'planId': 5}), 201)
    assert [p['role'] for p in expect(api(emu, 'GET', '/portal', plain_creds), 200)] == ['owner']
    reply = api(emu, 'DELETE', '/portals/' + made['id'], plain_creds)
    assert expect(reply, 200) == ['The portal has been successfully deleted.']  # it had no name
    error(api(emu, 'GET', '/portals/' + made['id'], admin(emu)), 404)
    assert ok(emu.onep().info(portal['info']['key'], {'alias': ''}, {}))
    with pytest.raises(OnePlatformException):  # its client is gone
        emu.onep().info(made['info']['key'], {'alias': ''}, {})


def test_create_device_by_portal_rid(emu):
    portals_model(emu)
    portal_rid = expect(api(emu, 'GET', '/portal', admin(emu)), 200)[0]['rid']
    body = {'portal_rid': portal_rid, 'vendor': emu.portals_vendor, 'model': 'sensor',
            'serialnumber': 'SN-2', 'name': 'Pump', 'location': 'Samoa', 'timezone': 'UTC'}
    made = expect(api(emu, 'POST', '/device', admin(emu), body=body), 200)
    device = expect(api(emu, 'GET', '/devices/' + made['rid'], admin(emu)), 200)
    assert device['info']['key'] == made['cik'] and device['info']['description']['name'] == 'Pump'
    assert json.loads(device['info']['description']['meta'])['location'] == 'Samoa'
    for change, identifier in (({'serialnumber': 'SN-2'}, 'unavailable_sn'),
                               ({'serialnumber': 'XX'}, 'invalid_sn'),
                               ({'model': 'nope'}, 'forbidden_model'),
                               ({'portal_rid': 'd' * 40}, 'portal_not_found'),
                               ({'name': ''}, 'missing_name'),
                               ({'portal_rid': None}, 'missing_portal_rid')):
        reply = error(api(emu, 'POST', '/device', admin(emu), body=dict(body, **change)), 400)
        assert reply['errors'] == [identifier], (change, reply)
    error(api(emu, 'POST', '/device', admin(emu), body=[]), 400)


def _admin_id(emu):
    return expect(api(emu, 'GET', '/users/_this', admin(emu)), 200)['id']
