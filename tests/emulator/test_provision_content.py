"""/provision/manage/content/... and /provision/manage/group/...: content, byte ranges,
protected content authorized through groups, and the device's /provision/download."""
import pytest

from fleet_helpers import CSV, enable_and_activate, http, setup_model, vendor_headers

CONTENT = '/provision/manage/content/m/'
GROUPS = '/provision/manage/group/m/'
BLOB = b'0123456789abcdefghij'


def post(emu, path, fields):
    return http(emu, 'POST', path, headers=vendor_headers(emu), fields=fields)


def get(emu, path, headers=None):
    return http(emu, 'GET', path, headers=dict(vendor_headers(emu), **(headers or {})))


def upload(emu, cid, data, ctype='application/x-blob'):
    return http(emu, 'POST', CONTENT + cid, data, headers=dict(vendor_headers(emu), **{'Content-Type': ctype}))


@pytest.fixture
def fleet(emu):
    """Model m with serial numbers A and B activated (their CIKs returned), content
    'open' (unprotected) and 'secret' (protected), both holding BLOB."""
    setup_model(emu, 'm', ('A', 'B'))
    ciks = {sn: enable_and_activate(emu, 'm', sn)[1] for sn in ('A', 'B')}
    assert post(emu, CONTENT, [('id', 'open'), ('meta', 'for all')]).status == 205
    assert post(emu, CONTENT, [('id', 'secret'), ('meta', 'for some'), ('protected', 'true')]).status == 205
    for cid in ('open', 'secret'):
        assert upload(emu, cid, BLOB).status == 205
    return ciks


def device(emu, cik, query):
    return http(emu, 'GET', '/provision/download?vendor=%s&model=m%s' % (emu.vendor, query),
                headers={'X-Exosite-CIK': cik})


def test_content_create_list_info(emu, clock):
    setup_model(emu, 'm', ())
    assert post(emu, CONTENT, [('id', 'c1'), ('meta', 'one, with comma')]).status == 205
    assert post(emu, CONTENT, [('id', 'c1'), ('meta', 'again')]).status == 409
    assert post(emu, CONTENT, [('meta', 'no id')]).status == 400
    assert post(emu, CONTENT, [('id', 'a/b')]).status == 400
    assert post(emu, CONTENT, [('id', 'c2'), ('protected', 'true')]).status == 205
    listing = get(emu, CONTENT)
    assert (listing.status, listing.text) == (200, 'c1\r\nc2')
    assert listing.headers['content-type'] == 'text/csv; charset=utf-8'
    now = int(clock())
    assert get(emu, CONTENT + 'c1').text == 'application/octet-stream,0,%d,"one, with comma",false' % now
    clock.advance(5)
    assert upload(emu, 'c2', b'hello', 'text/plain').status == 205
    assert get(emu, CONTENT + 'c2').text == 'text/plain,5,%d,,true' % (now + 5)
    assert upload(emu, 'nope', b'x').status == 404
    assert get(emu, CONTENT + 'nope').status == 404


def test_unknown_model_answers_as_documented(emu):
    setup_model(emu, 'm', ())
    assert get(emu, '/provision/manage/content/zz/').status == 400
    assert get(emu, '/provision/manage/content/zz/?sn=A').status == 400
    assert get(emu, '/provision/manage/content/zz/c').status == 400
    assert get(emu, '/provision/manage/content/zz/c?download=true').status == 403


def test_download_with_ranges(emu, fleet):
    full = get(emu, CONTENT + 'open?download=true')
    assert (full.status, full.body) == (200, BLOB)
    assert full.headers['content-type'] == 'application/x-blob'
    assert full.headers['accept-ranges'] == 'bytes'
    cases = {'bytes=0-9': (b'0123456789', '0-9'), 'bytes=15-': (b'fghij', '15-19'),
             'bytes=-3': (b'hij', '17-19'), 'bytes=18-999': (b'ij', '18-19'),
             'bytes=-99': (BLOB, '0-19')}
    for spec, (body, span) in cases.items():
        part = get(emu, CONTENT + 'open?download=true', {'Range': spec})
        assert (part.status, part.body) == (206, body), spec
        assert part.headers['content-range'] == 'bytes %s/20' % span
    for spec in ('bytes=20-', 'bytes=5-2', 'bytes=-0', 'bytes=-', 'items=0-1', 'bytes=a-b'):
        bad = get(emu, CONTENT + 'open?download=true', {'Range': spec})
        assert bad.status == 416, spec
        assert bad.headers['content-range'] == 'bytes */20'


def test_protected_content_needs_a_shared_group(emu, fleet):
    assert get(emu, CONTENT + '?sn=A').text == 'open'
    assert get(emu, CONTENT + '?sn=nope').status == 400
    assert get(emu, CONTENT + 'secret?sn=A').status == 403
    assert get(emu, CONTENT + 'secret?sn=A&download=true').status == 403
    assert get(emu, CONTENT + 'secret?sn=nope').status == 400
    assert device(emu, fleet['A'], '').text == 'open'
    assert device(emu, fleet['A'], '&id=secret').status == 403
    assert device(emu, fleet['A'], '&id=secret&info=true').status == 403

    assert post(emu, GROUPS, [('id', 'g'), ('meta', 'beta')]).status == 205
    assert post(emu, GROUPS + 'g/', [('type', 'sn'), ('id[]', 'A')]).status == 205
    assert post(emu, GROUPS + 'g/', [('type', 'content'), ('id', 'secret')]).status == 205
    assert get(emu, CONTENT + '?sn=A').text == 'open\r\nsecret'
    assert get(emu, CONTENT + 'secret?sn=A').text.split(',')[::3] == ['application/x-blob', 'for some']
    assert get(emu, CONTENT + 'secret?sn=A&download=true').body == BLOB
    assert device(emu, fleet['A'], '').text == 'open\r\nsecret'
    assert device(emu, fleet['A'], '&id=secret').body == BLOB
    part = http(emu, 'GET', '/provision/download?vendor=%s&model=m&id=secret' % emu.vendor,
                headers={'X-Exosite-CIK': fleet['A'], 'Range': 'bytes=2-4'})
    assert (part.status, part.body) == (206, b'234')
    info = device(emu, fleet['A'], '&id=secret&info=true').text.split(',')
    assert info[0:2] == ['application/x-blob', '20'] and info[3] == 'for some'
    # B is outside the group
    assert device(emu, fleet['B'], '').text == 'open'
    assert device(emu, fleet['B'], '&id=secret').status == 403
    assert get(emu, CONTENT + 'secret?show=groups').text == 'g'
    assert get(emu, CONTENT + 'open?show=groups').status == 204
    assert get(emu, '/provision/manage/model/m/A?show=groups').text == 'g'
    assert get(emu, '/provision/manage/model/m/B?show=groups').status == 204


def test_nested_groups_and_expiry(emu, fleet, clock):
    post(emu, GROUPS, [('id', 'outer')])
    post(emu, GROUPS, [('id', 'inner')])
    expire = int(clock()) + 10
    assert post(emu, GROUPS + 'inner/', [('type', 'sn'), ('id', 'B'), ('expire', str(expire))]).status == 205
    csv = http(emu, 'POST', GROUPS + 'outer/', 'group,inner,0,nested\r\ncontent,secret,,\r\n',
               headers=dict(vendor_headers(emu), **{'Content-Type': CSV}))
    assert csv.status == 205
    assert get(emu, GROUPS + 'inner?show=groups').text == 'outer'
    assert device(emu, fleet['B'], '&id=secret').body == BLOB
    clock.advance(20)
    assert device(emu, fleet['B'], '&id=secret').status == 403


def test_groups(emu, fleet):
    assert get(emu, GROUPS).status == 204
    for i in range(7):
        assert post(emu, GROUPS, [('id', 'g%d' % i), ('meta', 'meta %d' % i)]).status == 205
    assert post(emu, GROUPS, [('id', 'g0')]).status == 409
    assert get(emu, GROUPS).lines() == ['g%d,meta %d' % (i, i) for i in range(5)]
    assert get(emu, GROUPS + '?offset=5&limit=5').lines() == ['g5,meta 5', 'g6,meta 6']
    assert post(emu, GROUPS + 'g0/', [('type', 'sn'), ('id[]', 'A'), ('id[]', 'B'),
                                      ('expire', '0'), ('meta', 'pair')]).status == 205
    assert post(emu, GROUPS + 'g0/', [('type', 'content'), ('id', 'open')]).status == 205
    assert get(emu, GROUPS + 'g0').text == 'meta 0,3'
    assert get(emu, GROUPS + 'g1').text == 'meta 1,0'
    assert get(emu, GROUPS + 'g0/').lines() == ['sn,A,0,pair', 'sn,B,0,pair', 'content,open,0,']
    assert get(emu, GROUPS + 'g0/?type=content').lines() == ['content,open,0,']
    assert get(emu, GROUPS + 'g0/?id=B').lines() == ['sn,B,0,pair']
    assert get(emu, GROUPS + 'g0/?type=sn&id=A').text == 'sn,A,0,pair'
    assert get(emu, GROUPS + 'g0/?type=sn&id=Z').status == 204
    assert get(emu, GROUPS + 'g1/').status == 204
    # update a member, delete similar members, delete by CSV
    assert post(emu, GROUPS + 'g0/', [('type', 'sn'), ('id', 'A'), ('meta', 'new')]).status == 205
    assert get(emu, GROUPS + 'g0/?type=sn&id=A').text == 'sn,A,0,new'
    assert post(emu, GROUPS + 'g0/', [('type', 'sn'), ('id[]', 'A'), ('delete', 'true')]).status == 205
    assert http(emu, 'DELETE', GROUPS + 'g0/', 'content,open\r\n',
                headers=dict(vendor_headers(emu), **{'Content-Type': CSV})).status == 205
    assert get(emu, GROUPS + 'g0/').lines() == ['sn,B,0,pair']
    # delete groups: by form and by DELETE
    assert post(emu, GROUPS, [('id', 'g0'), ('delete', 'true')]).status == 205
    assert http(emu, 'DELETE', GROUPS + 'g1', headers=vendor_headers(emu)).status == 205
    assert get(emu, GROUPS + 'g0').status == 404
    assert get(emu, '/provision/manage/model/m/B?show=groups').status == 204


@pytest.mark.parametrize('path,fields,status', [
    (GROUPS + 'nope/', [('type', 'sn'), ('id', 'A')], 404),
    (GROUPS + 'g/', [('id', 'A')], 400),
    (GROUPS + 'g/', [('type', 'sn')], 400),
    (GROUPS + 'g/', [('type', 'sn'), ('id', 'A'), ('expire', 'soon')], 400),
    (GROUPS + 'g/', [('type', 'group'), ('id', 'g')], 400),
    (GROUPS, [('meta', 'no id')], 400),
    (GROUPS, [('id', 'nope'), ('delete', 'true')], 404),
])
def test_group_errors(emu, path, fields, status):
    setup_model(emu, 'm', ())
    post(emu, GROUPS, [('id', 'g')])
    reply = post(emu, path, fields)
    assert reply.status == status, reply


def test_content_delete(emu, fleet):
    post(emu, GROUPS, [('id', 'g')])
    post(emu, GROUPS + 'g/', [('type', 'content'), ('id', 'secret')])
    assert post(emu, CONTENT, [('delete', 'true'), ('id', 'secret')]).status == 205
    assert http(emu, 'DELETE', CONTENT + 'open', headers=vendor_headers(emu)).status == 205
    assert http(emu, 'DELETE', CONTENT + 'open', headers=vendor_headers(emu)).status == 404
    assert get(emu, CONTENT).text == ''
    assert get(emu, GROUPS + 'g/').status == 204
    assert device(emu, fleet['A'], '&id=open').status == 404


def test_device_download_errors(emu, fleet):
    assert http(emu, 'GET', '/provision/download?vendor=%s&model=m' % emu.vendor).status == 401
    assert device(emu, 'f' * 40, '').status == 401
    assert http(emu, 'GET', '/provision/download?vendor=nobody&model=m',
                headers={'X-Exosite-CIK': fleet['A']}).status == 403
    assert http(emu, 'GET', '/provision/download?model=m',
                headers={'X-Exosite-CIK': fleet['A']}).status == 400
    # a client that is not a device of the model (the root) is refused
    assert device(emu, emu.root_cik, '').status == 403
    # a disabled device's CIK no longer authenticates
    post(emu, '/provision/manage/model/m/A', [('disable', 'true')])
    assert device(emu, fleet['A'], '').status == 401
