"""Portals API: data sources (dataports of devices and portals) and their data, over HTTP;
what a device writes is what Portals and the portal's CIK read."""
from portals_helpers import (activate, add_device, admin, api, device_write, error, expect,
                             portals_model)
from rpc_helpers import ok


def sources_by_alias(emu, device):
    """Map the device's data source aliases ('temp', 'msg') to their RIDs."""
    return dict((names[0], rid) for rid, names in device['info']['aliases'].items())


def test_device_data_sources_and_the_bulk_read(emu, clock):
    portals_model(emu)
    device = add_device(emu)
    ports = sources_by_alias(emu, device)
    listed = expect(api(emu, 'GET', '/devices/%s/data-sources' % device['rid'], admin(emu)), 200)
    assert sorted(s['rid'] for s in listed) == sorted(ports.values())
    temp = [s for s in listed if s['rid'] == ports['temp']][0]
    assert temp['data'] == [[temp['data'][0][0], 7]]  # the template's point, cloned
    assert set(temp['info']) == {'basic', 'description', 'shares', 'storage', 'subscribers', 'tags'}
    assert temp['info']['storage']['count'] == 1 and temp['unit'] == ''
    cik = activate(emu)
    for value in (20, 21, 22):
        clock.advance(1)
        device_write(emu, cik, temp=value, msg='v%d' % value)
    path = '/data-sources/[%s,%s]/data' % (ports['temp'], ports['msg'])
    data = expect(api(emu, 'GET', path, admin(emu), params={'limit': 5}), 200)
    assert [v for _, v in data[ports['temp']]] == [22, 21, 20, 7]
    assert [v for _, v in data[ports['msg']]] == ['v22', 'v21', 'v20']
    data = expect(api(emu, 'GET', path, admin(emu), params={'limit': 2, 'sort': 'asc'}), 200)
    assert [v for _, v in data[ports['temp']]] == [7, 20]
    newest = expect(api(emu, 'GET', '/data-sources/%s/data' % ports['temp'], admin(emu)), 200)
    assert [v for _, v in newest] == [22]  # like RPC read: the newest point by default
    start = data[ports['temp']][1][0]
    window = expect(api(emu, 'GET', '/data-sources/%s/data' % ports['temp'], admin(emu),
                        params={'starttime': start + 1, 'endtime': start + 1, 'limit': 9}), 200)
    assert [v for _, v in window] == [21]
    for params in ({'limit': 'x'}, {'sort': 'sideways'}, {'starttime': '1.5'}):
        error(api(emu, 'GET', path, admin(emu), params=params), 400)
    error(api(emu, 'GET', '/data-sources/[%s,%s]/data' % (ports['temp'], 'e' * 40), admin(emu)), 404)


def test_write_and_record_through_portals_reach_the_device(emu, clock):
    portals_model(emu)
    device = add_device(emu)
    ports = sources_by_alias(emu, device)
    cik = activate(emu)
    reply = api(emu, 'POST', '/data-sources/%s/data' % ports['temp'], admin(emu), body=30)
    assert (reply.status_code, reply.content) == (201, b'')
    assert ok(emu.onep().read(cik, {'alias': 'temp'}, {}))[0][1] == 30
    now = int(clock())
    expect(api(emu, 'POST', '/data-sources/%s/data' % ports['temp'], admin(emu),
               body=[[now - 100, 1], [now - 50, '2']]), 201)
    points = ok(emu.onep().read(emu.portal_cik, ports['temp'], {'limit': 10, 'sort': 'asc'}))
    assert [v for _, v in points] == [1, 2, 7, 30]  # the recorded points are older than 7


def test_values_the_format_refuses_are_400_and_store_nothing(emu, clock):
    portals_model(emu)
    ports = sources_by_alias(emu, add_device(emu))
    path = '/data-sources/%s/data' % ports['temp']
    now = int(clock())
    for body in ('not a number', {'a': 1}, True, None, [[now - 5, 1], [now - 4, 'x']]):
        error(api(emu, 'POST', path, admin(emu), body=body), 400)
    error(api(emu, 'POST', path, admin(emu), raw=b'{not json'), 400)
    stored = expect(api(emu, 'GET', path, admin(emu), params={'limit': 10}), 200)
    assert [v for _, v in stored] == [7]
    error(api(emu, 'POST', '/data-sources/[%s]/data' % ports['temp'], admin(emu), body=1), 400)


def test_get_data_source_and_the_bulk_objects(emu):
    portals_model(emu)
    ports = sources_by_alias(emu, add_device(emu))
    one = expect(api(emu, 'GET', '/data-sources/' + ports['msg'], admin(emu)), 200)
    assert (one['rid'], one['data'], one['info']['description']['format']) == (
        ports['msg'], [], 'string')
    path = '/users/_this/data-sources/[%s,%s]' % (ports['temp'], ports['msg'])
    both = expect(api(emu, 'GET', path, admin(emu)), 200)
    assert [s['rid'] for s in both] == [ports['temp'], ports['msg']]
    reply = api(emu, 'GET', path, admin(emu), params={'limit': 1})
    assert [s['rid'] for s in expect(reply, 206)] == [ports['temp']]
    assert 'rel="next"' in reply.headers['Link']
    error(api(emu, 'GET', '/users/_this/data-sources/[%s]' % ('9' * 40), admin(emu)), 404)
    error(api(emu, 'GET', '/data-sources/' + '9' * 40, admin(emu)), 404)
    # a device (a client) is not a data source
    device_rid = expect(api(emu, 'GET', '/portals/' + emu.portal_id, admin(emu)), 200)['devices'][0]
    error(api(emu, 'GET', '/data-sources/' + device_rid, admin(emu)), 404)


def test_create_data_sources_on_a_device_and_on_a_portal(emu):
    portals_model(emu)
    device = add_device(emu)
    body = {'info': {'description': {'format': 'float', 'name': 'Length'}}, 'unit': 'm'}
    made = expect(api(emu, 'POST', '/devices/%s/data-sources' % device['rid'], admin(emu),
                      body=body), 201)
    assert (made['unit'], made['info']['description']['format'], made['data']) == ('m', 'float', [])
    assert made['info']['description']['name'] == 'Length'
    assert made['info']['description']['retention'] == {'count': 'infinity', 'duration': 'infinity'}
    assert made['rid'] in expect(api(emu, 'GET', '/devices/' + device['rid'], admin(emu)), 200)[
        'dataSources']
    expect(api(emu, 'POST', '/data-sources/%s/data' % made['rid'], admin(emu), body=2.5), 201)
    path = '/portals/%s/data-sources' % emu.portal_id
    assert expect(api(emu, 'GET', path, admin(emu)), 200) == []
    own = expect(api(emu, 'POST', path, admin(emu), body={}), 201)
    assert own['info']['description']['format'] == 'string'
    assert [s['rid'] for s in expect(api(emu, 'GET', path, admin(emu)), 200)] == [own['rid']]
    assert own['rid'] in ok(emu.onep().listing(emu.portal_cik, ['dataport'], {}))['dataport']
    for bad in ({'info': {'description': {'format': 'blob'}}}, {'info': {'description': 'x'}},
                {'unit': 5}, {'info': {'description': {'name': ['x']}}}, [], 3):
        error(api(emu, 'POST', path, admin(emu), body=bad), 400)
    error(api(emu, 'POST', '/devices/%s/data-sources' % ('0' * 40), admin(emu), body={}), 404)
    error(api(emu, 'POST', '/portals/1234567890/data-sources', admin(emu), body={}), 404)


def test_delete_a_data_source(emu):
    portals_model(emu)
    ports = sources_by_alias(emu, add_device(emu))
    reply = api(emu, 'DELETE', '/data-sources/' + ports['msg'], admin(emu))
    assert (reply.status_code, reply.content) == (204, b'')
    error(api(emu, 'GET', '/data-sources/' + ports['msg'], admin(emu)), 404)
    error(api(emu, 'DELETE', '/data-sources/' + ports['msg'], admin(emu)), 404)
    expect(api(emu, 'GET', '/data-sources/' + ports['temp'], admin(emu)), 200)
