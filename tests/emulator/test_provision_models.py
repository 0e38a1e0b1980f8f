"""/provision/manage/model/...: models, serial numbers, ranges, activation rules and model
shares, with their errors."""
import json
import threading

import pytest

from fleet_helpers import CSV, enable_and_activate, http, make_template, setup_model, vendor_headers
from rpc_helpers import make_client, ok

MODELS = '/provision/manage/model/'


def post(emu, path, fields, headers=None):
    return http(emu, 'POST', path, headers=headers or vendor_headers(emu), fields=fields)


def get(emu, path, headers=None):
    return http(emu, 'GET', path, headers=headers or vendor_headers(emu))


def activate(emu, model, sn, vendor=None):
    return http(emu, 'POST', '/provision/activate',
                fields=[('vendor', vendor or emu.vendor), ('model', model), ('sn', sn)])


# ---------------------------------------------------------------- models
def test_model_create_info_update_delete(emu):
    template = make_template(emu.onep(), emu.root_cik)
    assert post(emu, MODELS, [('model', 'a b'), ('rid', template), ('options[]', 'nocomments'),
                              ('options[]', 'noaliases')]).status == 205
    info = get(emu, MODELS + 'a%20b')
    assert info.status == 200
    assert info.headers['content-type'] == 'application/x-www-form-urlencoded; charset=utf-8'
    assert info.text == 'rid=%s&options[]=noaliases&options[]=nocomments' % template
    other = make_template(emu.onep(), emu.root_cik)
    put = http(emu, 'PUT', MODELS + 'a%20b', 'rid=%s&options%%5B%%5D=nohistorical' % other,
               headers=vendor_headers(emu))
    assert put.status == 205
    assert get(emu, MODELS + 'a%20b').text == 'rid=%s&options[]=nohistorical' % other
    assert get(emu, MODELS).text == 'a b'
    assert post(emu, MODELS, [('delete', 'true'), ('model', 'a b')]).status == 205
    assert get(emu, MODELS).text == ''
    assert get(emu, MODELS + 'a%20b').status == 404
    assert http(emu, 'DELETE', MODELS + 'a%20b', headers=vendor_headers(emu)).status == 404


@pytest.mark.parametrize('fields,status,words', [
    ([('rid', 'x')], 400, 'model'),
    ([('model', 'm')], 400, 'rid=<rid> or code='),
    ([('model', 'm'), ('rid', 'f' * 40)], 400, 'neither a client'),
    ([('model', 'm'), ('code', 'not-a-code')], 400, 'neither a client'),
    ([('model', 'm'), ('rid', 'TEMPLATE'), ('options[]', 'nodata')], 400, 'unknown option'),
    ([('model', 'm\x01'), ('rid', 'TEMPLATE')], 400, 'printable'),
])
def test_model_create_errors(emu, fields, status, words):
    template = make_template(emu.onep(), emu.root_cik)
    fields = [(k, template if v == 'TEMPLATE' else v) for k, v in fields]
    reply = post(emu, MODELS, fields)
    assert reply.status == status and words in reply.text, reply


def test_model_name_taken_and_unknown_models(emu):
    template = setup_model(emu, 'm', ())
    assert post(emu, MODELS, [('model', 'm'), ('rid', template)]).status == 409
    assert get(emu, MODELS + 'nope/').status == 404
    assert get(emu, MODELS + 'nope/SN').status == 404
    assert post(emu, MODELS + 'nope/', [('sn', 'x')]).status == 404
    assert http(emu, 'PUT', MODELS + 'nope', 'rid=' + template, headers=vendor_headers(emu)).status == 404
    assert post(emu, MODELS, [('delete', 'true'), ('model', 'nope')]).status == 404


def test_model_options_shape_the_clone(emu):
    setup_model(emu, 'plain', ('S',))
    setup_model(emu, 'bare', ('S',), options=('noaliases', 'nohistorical'))
    onep = emu.onep()
    _, plain = enable_and_activate(emu, 'plain', 'S')
    _, bare = enable_and_activate(emu, 'bare', 'S')
    assert get(emu, '/onep:v1/stack/alias?temp', {'X-Exosite-CIK': plain}).text == 'temp=7'
    assert get(emu, '/onep:v1/stack/alias?temp', {'X-Exosite-CIK': bare}).status == 204
    dataports = ok(onep.listing(bare, ['dataport'], {}))['dataport']
    assert len(dataports) == 2
    assert all(ok(onep.read(bare, rid, {})) == [] for rid in dataports)


# ---------------------------------------------------------------- serial numbers
def test_sn_paging_and_limits(emu):
    setup_model(emu, 'm', ['S%02d' % i for i in range(12)])
    sns = lambda query: [line.split(',')[0] for line in get(emu, MODELS + 'm/?' + query).lines()]
    assert sns('') == ['S00', 'S01', 'S02', 'S03', 'S04']
    assert sns('offset=10&limit=1000') == ['S10', 'S11']
    assert sns('offset=0&limit=2') == ['S00', 'S01', 'S02', 'S03', 'S04']  # at least 5
    assert len(sns('limit=99999')) == 12
    assert sns('offset=50') == []
    assert sns('offset=-3&limit=6') == ['S00', 'S01', 'S02', 'S03', 'S04', 'S05']
    assert get(emu, MODELS + 'm/?offset=x').status == 400


def test_sn_add_forms_are_all_or_nothing(emu):
    setup_model(emu, 'm', ('A',))
    assert post(emu, MODELS + 'm/', [('sn[]', 'B'), ('sn[]', 'A')]).status == 409
    assert post(emu, MODELS + 'm/', [('sn[]', 'C'), ('sn[]', 'C')]).status == 409
    assert post(emu, MODELS + 'm/', [('add', 'true')]).status == 400
    assert post(emu, MODELS + 'm/', [('sn[]', 'D'), ('sn[]', '')]).status == 400
    assert get(emu, MODELS + 'm/').text == 'A,,'
    csv = http(emu, 'POST', MODELS + 'm/', 'E,"x, ""quoted"""\r\n\r\nF\r\n',
               headers=dict(vendor_headers(emu), **{'Content-Type': CSV}))
    assert csv.status == 205
    assert get(emu, MODELS + 'm/').lines() == ['A,,', 'E,,"x, ""quoted"""', 'F,,']
    bad = http(emu, 'POST', MODELS + 'm/', b'\xff\xfe,1', headers=dict(vendor_headers(emu), **{'Content-Type': CSV}))
    assert bad.status == 400 and 'UTF-8' in bad.text
    dup = http(emu, 'POST', MODELS + 'm/', 'G\nA\n', headers=dict(vendor_headers(emu), **{'Content-Type': CSV}))
    assert dup.status == 409
    assert len(get(emu, MODELS + 'm/').lines()) == 3


def test_sn_remove_forms(emu):
    setup_model(emu, 'm', ('A', 'B', 'C', 'D', 'E'))
    assert post(emu, MODELS + 'm/', [('delete', 'true'), ('sn', 'A')]).status == 205
    assert post(emu, MODELS + 'm/', [('remove', 'true'), ('sn[]', 'B'), ('sn[]', 'nope')]).status == 205
    assert http(emu, 'DELETE', MODELS + 'm/', 'C\r\n',
                headers=dict(vendor_headers(emu), **{'Content-Type': CSV})).status == 205
    assert http(emu, 'DELETE', MODELS + 'm/D', headers=vendor_headers(emu)).status == 205
    assert http(emu, 'DELETE', MODELS + 'm/D', headers=vendor_headers(emu)).status == 404
    assert get(emu, MODELS + 'm/').text == 'E,,'


def test_sn_info_status_and_shared_filter(emu):
    setup_model(emu, 'm', ('A', 'B', 'C'))
    rid, _ = enable_and_activate(emu, 'm', 'A')
    post(emu, MODELS + 'm/B', [('enable', 'true'), ('owner', emu.platform.root_rid)])
    assert get(emu, MODELS + 'm/?status=true').lines()[0] == 'A,activated,%s,' % rid
    assert get(emu, MODELS + 'm/?status=true').lines()[1].startswith('B,notactivated,')
    assert get(emu, MODELS + 'm/?status=true').lines()[2] == 'C,,,'
    info = get(emu, MODELS + 'm/A')
    assert (info.status, info.text) == (200, 'activated,%s,' % rid)
    assert info.headers['content-type'] == 'text/csv; charset=utf-8'
    assert get(emu, MODELS + 'm/C').status == 204
    assert get(emu, MODELS + 'm/unknown').status == 204
    assert get(emu, MODELS + 'm/C?show=log').status == 204
    assert get(emu, MODELS + 'm/unknown?show=log').status == 404
    assert [l.split(',')[0] for l in get(emu, MODELS + 'm/?shared=%s' % emu.vendor).lines()] == ['A', 'B']


# ---------------------------------------------------------------- enable and activation rules
def test_enable_errors(emu):
    setup_model(emu, 'm', ('A', 'B'))
    root = emu.platform.root_rid
    assert post(emu, MODELS + 'm/nope', [('enable', 'true'), ('owner', root)]).status == 404
    assert post(emu, MODELS + 'm/A', [('enable', 'true'), ('owner', 'f' * 40)]).status == 400
    assert post(emu, MODELS + 'm/A', [('enable', 'true'), ('owner', root)]).status == 200
    twice = post(emu, MODELS + 'm/A', [('enable', 'true'), ('owner', root)])
    assert twice.status == 409 and 'already has a client' in twice.text
    assert post(emu, MODELS + 'm/B', [('enable', 'true')]).status == 409  # re-enable: no client
    assert post(emu, MODELS + 'm/B', [('disable', 'true')]).status == 409
    assert post(emu, MODELS + 'm/A', [('enable', 'true'), ('oldsn', 'B')]).status == 409
    assert post(emu, MODELS + 'm/B', [('enable', 'true'), ('oldsn', 'nope')]).status == 404
    assert post(emu, MODELS + 'm/A', [('frobnicate', 'true')]).status == 400


def test_owner_must_be_below_the_vendor_client(emu):
    onep = emu.onep()
    _, vendor_cik = make_client(onep, emu.root_cik)
    headers = {'X-Exosite-CIK': vendor_cik}
    assert post(emu, '/provision/register', [('vendor', 'sub')], headers).status == 205
    template = make_template(onep, vendor_cik)
    assert post(emu, MODELS, [('model', 'm'), ('rid', template)], headers).status == 205
    assert post(emu, MODELS + 'm/', [('sn', 'A')], headers).status == 205
    outside = post(emu, MODELS + 'm/A', [('enable', 'true'), ('owner', emu.platform.root_rid)], headers)
    assert outside.status == 403
    portal, _ = make_client(onep, vendor_cik)
    assert post(emu, MODELS + 'm/A', [('enable', 'true'), ('owner', portal)], headers).status == 200


def test_activation_errors(emu):
    setup_model(emu, 'm', ('A', 'B'))
    assert activate(emu, 'm', 'A', vendor='nobody').status == 404
    assert activate(emu, 'nope', 'A').status == 404
    assert activate(emu, 'm', 'nope').status == 404
    never = activate(emu, 'm', 'B')
    assert never.status == 409 and 'not enabled' in never.text
    missing = http(emu, 'POST', '/provision/activate', fields=[('vendor', emu.vendor), ('model', 'm')])
    assert missing.status == 400 and "'sn'" in missing.text
    garbage = http(emu, 'POST', '/provision/activate', b'\x00\xff\xfe{{{', headers={'Content-Type': 'text/plain'})
    assert garbage.status == 400
    _, cik = enable_and_activate(emu, 'm', 'A')
    assert activate(emu, 'm', 'A').status == 409
    assert get(emu, '/onep:v1/stack/alias?temp', {'X-Exosite-CIK': cik}).text == 'temp=7'


def test_template_dropped_after_model_creation(emu):
    template = setup_model(emu, 'm', ('A',))
    ok(emu.onep().drop(emu.root_cik, template))
    gone = post(emu, MODELS + 'm/A', [('enable', 'true'), ('owner', emu.platform.root_rid)])
    assert gone.status == 409 and 'template' in gone.text


def test_client_dropped_through_rpc_frees_the_sn(emu):
    setup_model(emu, 'm', ('A',))
    rid, _ = enable_and_activate(emu, 'm', 'A')
    ok(emu.onep().drop(emu.root_cik, rid))
    assert get(emu, MODELS + 'm/A').status == 204
    assert post(emu, MODELS + 'm/A', [('enable', 'true'), ('owner', emu.platform.root_rid)]).status == 200


# ---------------------------------------------------------------- ranges
def json_request(emu, method, path, value):
    return http(emu, method, path, json.dumps(value),
                headers=dict(vendor_headers(emu), **{'Content-Type': 'application/javascript; charset=utf-8'}))


def test_ranges(emu):
    setup_model(emu, 'm', ())
    ranges = [{'format': 'base10', 'length': 6, 'first': 1, 'last': 100},
              {'format': 'base16', 'casing': 'upper', 'length': 4, 'first': 0xA0, 'last': 0xAF},
              {'format': 'mac:48', 'first': 0x001A2B000000, 'last': 0x001A2B0000FF}]
    assert json_request(emu, 'POST', MODELS + 'm/', {'ranges': ranges}).status == 205
    shown = get(emu, MODELS + 'm/?show=ranges')
    assert shown.headers['content-type'] == 'application/javascript; charset=utf-8'
    # a bare list of the ranges as posted (test_live_platform.py has the evidence)
    assert [r['format'] for r in json.loads(shown.text)] == ['base10', 'base16', 'mac:48']
    root = emu.platform.root_rid
    for sn in ('000042', '00AB', '00:1a:2b:00:00:10'):
        assert get(emu, MODELS + 'm/' + sn).status == 204  # whitelisted, unused
        assert post(emu, MODELS + 'm/' + sn, [('enable', 'true'), ('owner', root)]).status == 200, sn
        assert activate(emu, 'm', sn).status == 200
    for sn in ('42', '000101', '00ab', '00:1A:2B:00:00:10', '00:1a:2b:00:01:00'):
        assert post(emu, MODELS + 'm/' + sn, [('enable', 'true'), ('owner', root)]).status == 404, sn
    assert activate(emu, 'm', '000007').status == 409  # in a range, never enabled
    assert get(emu, MODELS + 'm/').lines()[0] == '000042,%s,' % get(emu, MODELS + 'm/000042').text.split(',')[1]
    assert json_request(emu, 'DELETE', MODELS + 'm/', {'ranges': ranges[:1]}).status == 205
    assert len(json.loads(get(emu, MODELS + 'm/?show=ranges').text)) == 2
    assert activate(emu, 'm', '000008').status == 404


@pytest.mark.parametrize('body', [
    'not json', '[]', '{"ranges": {}}', '{"ranges": [1]}',
    '{"ranges": [{"format": "base8", "first": 1, "last": 2}]}',
    '{"ranges": [{"format": "base10", "first": 5, "last": 2}]}',
    '{"ranges": [{"format": "base10", "first": -1, "last": 2}]}',
    '{"ranges": [{"format": "base16", "casing": "mixed", "first": 1, "last": 2}]}',
    '{"ranges": [{"format": "mac-48", "first": 1, "last": 281474976710656}]}',
])
def test_bad_ranges(emu, body):
    setup_model(emu, 'm', ())
    reply = http(emu, 'POST', MODELS + 'm/', body,
                 headers=dict(vendor_headers(emu), **{'Content-Type': 'application/json'}))
    assert reply.status == 400, reply
    assert json.loads(get(emu, MODELS + 'm/?show=ranges').text) == []


# ---------------------------------------------------------------- shares
def test_model_shares(emu):
    setup_model(emu, 'm', ('A', 'B'))
    onep = emu.onep()
    partner_rid, partner_cik = make_client(onep, emu.root_cik)
    partner = {'X-Exosite-CIK': partner_cik}
    assert post(emu, '/provision/register', [('vendor', 'partner')], partner).status == 205
    assert get(emu, '/provision/manage/share/m/').status == 204
    assert post(emu, '/provision/manage/share/m/', [('vendor', 'ghost')]).status == 404
    assert post(emu, '/provision/manage/share/m/', [('vendor', emu.vendor)]).status == 400
    assert post(emu, '/provision/manage/share/m/', [('vendor', 'partner')]).status == 205
    assert get(emu, '/provision/manage/share/m/').text == 'partner'
    assert get(emu, '/provision/manage/share/m/partner').status == 204
    assert get(emu, '/provision/manage/share/m/ghost').status == 404
    assert get(emu, MODELS + '?show=shared', partner).text == '%s,m' % emu.vendor

    # the partner enables through the share, for an owner below its own client
    shared = dict(partner, **{'X-Exosite-Vendor': emu.vendor})
    owner, _ = make_client(onep, partner_cik)
    enabled = post(emu, MODELS + 'm/A', [('enable', 'true'), ('owner', owner)], shared)
    assert enabled.status == 200
    assert activate(emu, 'm', 'A').status == 200
    assert post(emu, MODELS + 'm/A', [('disable', 'true')], shared).status == 205
    assert post(emu, MODELS + 'm/A', [('enable', 'true')], shared).status == 205
    post(emu, MODELS + 'm/B', [('enable', 'true'), ('owner', emu.platform.root_rid)])
    assert get(emu, MODELS + 'm/', shared).lines() == ['A,%s,' % enabled.text]
    assert get(emu, MODELS + 'm/B', shared).status == 204
    assert post(emu, MODELS + 'm/B', [('disable', 'true')], shared).status == 403
    assert post(emu, MODELS + 'm/', [('sn', 'C')], shared).status == 403
    assert http(emu, 'DELETE', MODELS + 'm/A', headers=shared).status == 403
    assert get(emu, MODELS + 'm/A', dict(partner, **{'X-Exosite-Vendor': 'ghost'})).status == 404

    assert http(emu, 'DELETE', '/provision/manage/share/m/partner', headers=vendor_headers(emu)).status == 205
    assert get(emu, MODELS + 'm/', shared).status == 403
    assert post(emu, '/provision/manage/share/m/', [('vendor', 'partner'), ('delete', 'true')]).status == 404


def test_concurrent_activations_give_one_cik(emu):
    setup_model(emu, 'm', ('A',))
    assert post(emu, MODELS + 'm/A', [('enable', 'true'), ('owner', emu.platform.root_rid)]).status == 200
    replies = []
    threads = [threading.Thread(target=lambda: replies.append(activate(emu, 'm', 'A'))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(r.status for r in replies) == [200] + [409] * 7
    cik, = [r.text for r in replies if r.status == 200]
    assert get(emu, '/onep:v1/stack/alias?temp', {'X-Exosite-CIK': cik}).text == 'temp=7'
