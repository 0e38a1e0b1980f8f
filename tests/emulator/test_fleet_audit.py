"""Findings of an endpoint-by-endpoint audit of the provisioning and device HTTP APIs
against the platform's documents: each test pins one documented behaviour the emulator
got wrong before, over real HTTP."""
import pytest

from fleet_helpers import enable_and_activate, http, setup_model, vendor_headers


@pytest.fixture
def device_cik(emu):
    """Model m with sn A activated and an unprotected content 'c'; returns A's CIK."""
    setup_model(emu, 'm', ('A',))
    _, cik = enable_and_activate(emu, 'm', 'A')
    reply = http(emu, 'POST', '/provision/manage/content/m/', headers=vendor_headers(emu),
                 fields=[('id', 'c'), ('meta', 'x')])
    assert reply.status == 205, reply
    return cik


def device_get(emu, cik, query):
    return http(emu, 'GET', '/provision/download?' + query, headers={'X-Exosite-CIK': cik})


@pytest.mark.parametrize('pair', ['vendor={vendor}&model=nomodel', 'vendor=novendor&model=m'])
def test_device_content_info_for_an_unknown_vendor_model_pair_is_400(emu, device_cik, pair):
    pair = pair.format(vendor=emu.vendor)
    reply = device_get(emu, device_cik, pair + '&id=c&info=true')
    assert reply.status == 400, reply
    assert 'model' in reply.text
    # the list and the blob keep their documented 403 for the same pair
    assert device_get(emu, device_cik, pair).status == 403
    assert device_get(emu, device_cik, pair + '&id=c').status == 403



def test_provision_content_info_as_device_works_when_managing_by_token(emu, device_cik):
    # Provision(manage_by_cik=False).content_info(..., vendor=...) sends the device's CIK
    # in X-Exosite-Token (WIRE.md); the emulator refused it with 401.
    prov = emu.provision(manage_by_cik=False)
    reply = prov.content_info(device_cik, 'm', 'c', vendor=emu.vendor)
    assert reply.status() == 200, reply.body
    assert reply.body.split(',')[3] == 'x'
    bad = prov.content_info('0' * 40, 'm', 'c', vendor=emu.vendor)
    assert bad.status() == 401


def test_a_refused_activation_does_not_whitelist_a_range_serial_number(emu):
    # A device asking to activate an sn that is only in a range (never enabled) is refused
    # with 409; that must not add the sn to the model's own whitelist (it used to show in
    # the listing, and stayed whitelisted after the range was deleted).
    setup_model(emu, 'm', ())
    ranges = b'{"ranges": [{"format": "base10", "length": 3, "first": 1, "last": 9}]}'
    json_headers = dict(vendor_headers(emu), **{'Content-Type': 'application/javascript; charset=utf-8'})
    assert http(emu, 'POST', '/provision/manage/model/m/', ranges, json_headers).status == 205
    reply = http(emu, 'POST', '/provision/activate',
                 fields=[('vendor', emu.vendor), ('model', 'm'), ('sn', '005')])
    assert reply.status == 409, reply
    listing = http(emu, 'GET', '/provision/manage/model/m/', headers=vendor_headers(emu))
    assert (listing.status, listing.text) == (200, '')
    log = http(emu, 'GET', '/provision/manage/model/m/005?show=log', headers=vendor_headers(emu))
    assert log.status == 200 and log.text.endswith('activation refused: it was never enabled'), log
    assert http(emu, 'DELETE', '/provision/manage/model/m/', ranges, json_headers).status == 205
    reply = http(emu, 'POST', '/provision/activate',
                 fields=[('vendor', emu.vendor), ('model', 'm'), ('sn', '005')])
    assert reply.status == 404, reply
