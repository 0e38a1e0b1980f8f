"""The whole life of a fleet, driven through this project's Provision and OnepV1 against
the emulator (the device's own requests are raw HTTP, as firmware sends them)."""
import pytest

from pyonep.emulator import Emulator
from pyonep.exceptions import ProvisionException
from pyonep.provision import Provision

from fleet_helpers import enable_and_activate, http, make_template, setup_model
from rpc_helpers import make_client, ok

FIRMWARE = bytes(range(256)) * 40


def activate(emu, vendor, model, sn):
    return http(emu, 'POST', '/provision/activate',
                fields=[('vendor', vendor), ('model', model), ('sn', sn)])


def device_read(emu, cik, query):
    return http(emu, 'GET', '/onep:v1/stack/alias?' + query, headers={'X-Exosite-CIK': cik})


def device_write(emu, cik, body, query=''):
    return http(emu, 'POST', '/onep:v1/stack/alias' + query, body,
                headers={'X-Exosite-CIK': cik,
                         'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'})


def test_fleet_life(emu, clock):
    onep = emu.onep()
    prov = emu.provision()
    # a vendor client below the root, registered as vendor "acme"
    vendor_rid, key = make_client(onep, emu.root_cik)
    assert prov.vendor_show(key).status() == 204
    assert prov.vendor_register(key, 'acme').status() == 205
    shown = prov.vendor_show(key)
    assert (shown.status(), shown.body) == (200, 'acme')

    # a template client and two models made from it (by RID and by share code)
    template = make_template(onep, key)
    assert prov.model_create(key, 'gadget', template).status() == 205
    code = ok(onep.share(key, template))
    by_code = Provision(host=emu.host, port=str(emu.port), manage_by_sharecode=True)
    assert by_code.model_create(key, 'gadget2', code, historical=False).status() == 205
    assert prov.model_list(key).body == 'gadget\r\ngadget2'
    assert prov.model_info(key, 'gadget').body == 'rid=' + template
    assert prov.model_info(key, 'gadget2').body == 'code=%s&options[]=nohistorical' % code
    assert prov.model_create(key, 'gadget', template).status() == 409
    assert by_code.model_update(key, 'gadget2', template, aliases=False).status() == 205
    assert prov.model_info(key, 'gadget2').body == 'rid=%s&options[]=noaliases' % template
    strict = Provision(host=emu.host, port=str(emu.port), raise_api_exceptions=True)
    with pytest.raises(ProvisionException) as raised:
        strict.model_create(key, 'gadget', template)
    assert str(raised.value) == '409 Conflict'
    assert raised.value.response.body == "model 'gadget' already exists"

    # serial numbers: one with extra, a batch, CSV with extras
    assert prov.serialnumber_add(key, 'gadget', 'SN-1', 'first').status() == 205
    assert prov.serialnumber_add_batch(key, 'gadget', ['SN-2', 'SN-3']).status() == 205
    assert prov.serialnumber_add_batch_csv(key, 'gadget', 'SN-4,fourth\nSN-5,fifth\n').status() == 205
    assert prov.serialnumber_add(key, 'gadget', 'SN-2').status() == 409
    listing = prov.serialnumber_list(key, 'gadget', status=True)
    assert listing.body.split('\r\n') == ['SN-1,,,first', 'SN-2,,,', 'SN-3,,,', 'SN-4,,,fourth',
                                          'SN-5,,,fifth']
    assert prov.serialnumber_list(key, 'gadget', offset=3, limit=5).body == 'SN-4,,fourth\r\nSN-5,,fifth'

    # enable SN-1 for a portal below the vendor client
    portal_rid, portal_cik = make_client(onep, key)
    enabled = prov.serialnumber_enable(key, 'gadget', 'SN-1', portal_rid)
    assert enabled.status() == 200
    device_rid = enabled.body
    assert prov.serialnumber_info(key, 'gadget', 'SN-1').body == 'notactivated,%s,first' % device_rid
    assert ok(onep.listing(portal_cik, ['client'], {}))['client'] == [device_rid]

    # the device activates once
    first = activate(emu, 'acme', 'gadget', 'SN-1')
    assert first.status == 200 and first.headers['content-type'].startswith('text/plain')
    cik = first.text
    assert len(cik) == 40
    assert activate(emu, 'acme', 'gadget', 'SN-1').status == 409
    assert prov.serialnumber_info(key, 'gadget', 'SN-1').body == 'activated,%s,first' % device_rid

    # data through the device HTTP API and through RPC
    assert device_write(emu, cik, 'temp=21').status == 204
    assert device_read(emu, cik, 'temp').text == 'temp=21'
    clock.advance(1)
    hybrid = device_write(emu, cik, 'msg=hello', '?temp&msg')
    assert (hybrid.status, hybrid.text) == (200, 'msg=hello&temp=21')  # reverse of the query
    assert ok(onep.read(cik, {'alias': 'temp'}, {'limit': 2}))[0][1] == 21
    assert [v for _, v in ok(onep.read(cik, {'alias': 'temp'}, {'limit': 5}))] == [21, 7]
    ok(onep.write(cik, {'alias': 'msg'}, 'from rpc'))
    assert device_read(emu, cik, 'msg').text == 'msg=from+rpc'

    # protected content: only serial numbers grouped with it may download it
    assert prov.content_create(key, 'gadget', 'fw.bin', 'firmware 1', protected=True).status() == 205
    assert prov.content_upload(key, 'gadget', 'fw.bin', FIRMWARE,
                               'application/octet-stream').status() == 205
    assert prov.content_list(key, 'gadget').body == 'fw.bin'
    info = prov.content_info(key, 'gadget', 'fw.bin').body.split(',')
    assert info[0:2] == ['application/octet-stream', str(len(FIRMWARE))]
    assert info[3:] == ['firmware 1', 'true']
    assert prov.content_download(cik, 'acme', 'gadget', 'fw.bin').status() == 403
    headers = {'X-Exosite-CIK': key}
    assert http(emu, 'POST', '/provision/manage/group/gadget/', headers=headers,
                fields=[('id', 'beta'), ('meta', 'beta testers')]).status == 205
    assert http(emu, 'POST', '/provision/manage/group/gadget/beta/', headers=headers,
                body='sn,SN-1,0,\r\ncontent,fw.bin,0,\r\n').status == 205  # sniffed as CSV
    download = prov.content_download(cik, 'acme', 'gadget', 'fw.bin')
    assert download.status() == 200
    assert download.response.content == FIRMWARE
    assert prov.content_info(cik, 'gadget', 'fw.bin', vendor='acme').body.split(',')[3] == 'firmware 1'
    other_cik = activate_other(emu, prov, key, portal_rid)
    assert prov.content_download(other_cik, 'acme', 'gadget', 'fw.bin').status() == 403
    listing = http(emu, 'GET', '/provision/download?vendor=acme&model=gadget',
                   headers={'X-Exosite-CIK': other_cik})
    assert (listing.status, listing.text) == (200, '')

    # disable: the CIK stops working and activation is refused
    assert prov.serialnumber_disable(key, 'gadget', 'SN-1').status() == 205
    assert prov.serialnumber_info(key, 'gadget', 'SN-1').body.startswith('expired,')
    assert device_read(emu, cik, 'temp').status == 401
    assert activate(emu, 'acme', 'gadget', 'SN-1').status == 409

    # re-enable: a new CIK on the next activation, data kept
    assert prov.serialnumber_reenable(key, 'gadget', 'SN-1').status() == 205
    assert prov.serialnumber_info(key, 'gadget', 'SN-1').body.startswith('notactivated,')
    again = prov.serialnumber_activate('gadget', 'SN-1', 'acme')
    assert again.status() == 200 and again.body != cik
    cik = again.body
    assert device_read(emu, cik, 'temp').text == 'temp=21'

    # remap the client to SN-3: SN-1 is unused, SN-3 activates into the same client
    assert prov.serialnumber_remap(key, 'gadget', 'SN-3', 'SN-1').status() == 205
    assert prov.serialnumber_info(key, 'gadget', 'SN-1').status() == 204
    assert prov.serialnumber_info(key, 'gadget', 'SN-3').body == 'notactivated,%s,' % device_rid
    assert device_read(emu, cik, 'temp').status == 401
    cik = activate(emu, 'acme', 'gadget', 'SN-3').text
    assert device_read(emu, cik, 'temp').text == 'temp=21'
    log = prov.serialnumber_info(key, 'gadget', 'SN-1', actvtn_log=True)
    entries = [line.split(',', 2)[2] for line in log.body.split('\r\n')]
    assert entries == ['enabled', 'activated', 'activation refused: it is already activated',
                       'disabled', 'activation refused: it is disabled', 're-enabled', 'activated',
                       'remapped to SN-3']

    # remove serial numbers, content, models, the vendor
    assert prov.serialnumber_remove(key, 'gadget', 'SN-1').status() == 205
    assert prov.serialnumber_remove_batch(key, 'gadget', ['SN-4', 'SN-5']).status() == 205
    assert prov.serialnumber_list(key, 'gadget').body.split('\r\n') == [
        'SN-2,%s,' % other_rid_of(prov, key), 'SN-3,%s,' % device_rid]
    assert prov.serialnumber_remove(key, 'gadget', 'SN-1').status() == 404
    assert prov.content_remove(key, 'gadget', 'fw.bin').status() == 205
    assert prov.content_list(key, 'gadget').body == ''
    assert prov.model_remove(key, 'gadget').status() == 205
    assert prov.model_list(key).body == 'gadget2'
    assert activate(emu, 'acme', 'gadget', 'SN-3').status == 404
    assert device_read(emu, cik, 'temp').text == 'temp=21'  # the client itself stays
    assert prov.vendor_unregister(key, 'acme').status() == 205
    assert prov.vendor_show(key).status() == 204
    assert prov.model_list(key).status() == 403


def activate_other(emu, prov, key, owner):
    """Enable and activate SN-2 for ``owner``; return its CIK."""
    assert prov.serialnumber_enable(key, 'gadget', 'SN-2', owner).status() == 200
    reply = activate(emu, 'acme', 'gadget', 'SN-2')
    assert reply.status == 200
    return reply.text


def other_rid_of(prov, key):
    return prov.serialnumber_info(key, 'gadget', 'SN-2').body.split(',')[1]


def test_fleet_survives_restart(tmp_path):
    db = str(tmp_path / 'fleet.db')
    with Emulator(db=db) as emu:
        setup_model(emu, 'm', ('A', 'B'))
        _, cik = enable_and_activate(emu, 'm', 'A')
        headers = {'X-Exosite-Token': emu.vendor_token}
        assert http(emu, 'POST', '/provision/manage/content/m/', headers=headers,
                    fields=[('id', 'cfg'), ('meta', 'settings')]).status == 205
        assert http(emu, 'POST', '/provision/manage/content/m/cfg', b'{"a": 1}',
                    headers=dict(headers, **{'Content-Type': 'application/json'})).status == 205
        vendor, token = emu.vendor, emu.vendor_token
    with Emulator(db=db) as emu:
        assert (emu.vendor, emu.vendor_token) == (vendor, token)
        headers = {'X-Exosite-Token': token}
        listing = http(emu, 'GET', '/provision/manage/model/m/?status=true', headers=headers)
        assert [line.split(',')[:2] for line in listing.lines()] == [['A', 'activated'], ['B', '']]
        assert http(emu, 'POST', '/provision/activate',
                    fields=[('vendor', vendor), ('model', 'm'), ('sn', 'A')]).status == 409
        blob = http(emu, 'GET', '/provision/download?vendor=%s&model=m&id=cfg' % vendor,
                    headers={'X-Exosite-CIK': cik})
        assert (blob.status, blob.body, blob.headers['content-type']) == (200, b'{"a": 1}',
                                                                           'application/json')
        log = http(emu, 'GET', '/provision/manage/model/m/A?show=log', headers=headers)
        assert [line.split(',')[2] for line in log.lines()] == [
            'enabled', 'activated', 'activation refused: it is already activated']
