"""Garbage and extreme input to every fleet-side endpoint answers a clear 4xx (never a 500
or a traceback), and leaves the fleet usable."""
import pytest

from fleet_helpers import CSV, FORM, enable_and_activate, http, setup_model

BIG = '9' * 30


@pytest.fixture
def device_cik(emu):
    setup_model(emu, 'm', ('A', 'B'))
    return enable_and_activate(emu, 'm', 'A')[1]


CASES = [
    ('GET', '/provision/manage/model/m/?offset=%s&limit=%s' % (BIG, BIG), b'', {}, 200),
    ('GET', '/provision/manage/model/m/?offset=1.5', b'', {}, 400),
    ('GET', '/provision/manage/group/m/?offset=%s' % BIG, b'', {}, 204),
    ('POST', '/provision/manage/group/m/g/', 'type=sn&id=A&expire=' + BIG, {'Content-Type': FORM}, 400),
    ('POST', '/provision/manage/group/m/g/', 'type=sn&id=A&expire=-5', {'Content-Type': FORM}, 400),
    ('POST', '/provision/manage/model/m/', b'\x00\x01,\xff\n' * 3, {'Content-Type': CSV}, 400),
    ('POST', '/provision/manage/model/m/', b'{"ranges": [', {}, 400),
    ('POST', '/provision/manage/model/m/', b'\xff=\xfe', {'Content-Type': FORM}, 400),
    ('POST', '/provision/manage/model/m/B', b'enable=true&owner=%ff', {'Content-Type': FORM}, 400),
    ('POST', '/provision/manage/model/', 'model=x&rid=' + 'a' * 5000, {'Content-Type': FORM}, 400),
    ('PUT', '/provision/manage/model/m', b'\x00\x00', {}, 400),
    ('GET', '/provision/manage/model/%00', b'', {}, 404),
    ('GET', '/provision/manage/model/m/%C3', b'', {}, 400),
    ('POST', '/provision/manage/content/m/', 'id=' + 'x' * 300, {'Content-Type': FORM}, 400),
    ('POST', '/provision/manage/group/m/', b'id=%01', {'Content-Type': FORM}, 400),
    ('POST', '/provision/activate', b'vendor=%00&model=%00&sn=%00', {'Content-Type': FORM}, 404),
    ('POST', '/provision/activate', b'', {}, 400),
    ('POST', '/provision/register', b'vendor=' + b'v' * 100, {'Content-Type': FORM}, 401),
]


@pytest.mark.parametrize('method,path,body,headers,status', CASES)
def test_garbage_to_management_endpoints(emu, device_cik, method, path, body, headers, status):
    headers = dict(headers, **{'X-Exosite-Token': emu.vendor_token})
    http(emu, 'POST', '/provision/manage/group/m/', headers=headers, fields=[('id', 'g')])
    reply = http(emu, method, path, body, headers=headers)
    assert reply.status == status, reply
    assert len(reply.text) <= 300 and 'Traceback' not in reply.text
    # the fleet still works
    assert http(emu, 'GET', '/provision/manage/model/m/A', headers=headers).status == 200


@pytest.mark.parametrize('method,path,body,headers,status', [
    ('POST', '/onep:v1/stack/record', 'alias=temp&%s=1' % BIG, {}, 400),
    ('GET', '/onep:v1/stack/alias?temp', b'', {'Request-Timeout': '10', 'If-Modified-Since': BIG}, 400),
    ('GET', '/onep:v1/stack/alias?temp', b'', {'Request-Timeout': BIG}, 400),
    ('POST', '/onep:v1/stack/alias', 'temp=' + BIG, {}, 400),
    ('POST', '/onep:v1/stack/alias', b'&&&===&', {}, 400),
    ('GET', '/provision/download?vendor=V&model=m&id=%ff', b'', {}, 404),
    ('GET', '/provision/download?vendor=V&model=m&id=x', b'', {'Range': 'bytes=%s-%s' % (BIG, BIG)}, 404),
])
def test_garbage_to_device_endpoints(emu, device_cik, method, path, body, headers, status):
    headers = dict(headers, **{'X-Exosite-CIK': device_cik, 'Content-Type': FORM})
    reply = http(emu, method, path.replace('vendor=V', 'vendor=' + emu.vendor), body, headers=headers)
    assert reply.status == status, reply
    assert 'Traceback' not in reply.text


def test_huge_range_header_on_real_content(emu, device_cik):
    headers = {'X-Exosite-Token': emu.vendor_token}
    http(emu, 'POST', '/provision/manage/content/m/', headers=headers, fields=[('id', 'c')])
    http(emu, 'POST', '/provision/manage/content/m/c', b'abc', headers=dict(headers, **{'Content-Type': 'x/y'}))
    reply = http(emu, 'GET', '/provision/download?vendor=%s&model=m&id=c' % emu.vendor,
                 headers={'X-Exosite-CIK': device_cik, 'Range': 'bytes=%s-' % BIG})
    assert reply.status == 416
    reply = http(emu, 'GET', '/provision/download?vendor=%s&model=m&id=c' % emu.vendor,
                 headers={'X-Exosite-CIK': device_cik, 'Range': 'bytes=1-%s' % BIG})
    assert (reply.status, reply.body) == (206, b'bc')
