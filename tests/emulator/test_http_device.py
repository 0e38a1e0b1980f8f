"""The device HTTP API (http-data.md): write, read, hybrid, long polling, record,
/timestamp and /ip, with their errors."""
import email.utils
import threading
from urllib.parse import parse_qsl

import pytest

from fleet_helpers import FORM, http
from rpc_helpers import ok

ALIAS = '/onep:v1/stack/alias'


@pytest.fixture
def device(emu):
    """A client with dataports aliased 'num' (integer) and 'txt' (string); returns its CIK."""
    onep = emu.onep()
    cik = emu.root_cik
    for alias, fmt in (('num', 'integer'), ('txt', 'string')):
        rid = ok(onep.create(cik, 'dataport', {'format': fmt, 'name': alias}))
        ok(onep.map(cik, rid, alias))
    return cik


def send(emu, cik, method, path, body=b'', headers=None):
    headers = dict({'X-Exosite-CIK': cik, 'Content-Type': FORM}, **(headers or {}))
    return http(emu, method, path, body, headers=headers)


def latest(emu, cik, alias, limit=1):
    return ok(emu.onep().read(cik, {'alias': alias}, {'limit': limit}))


def test_write_read_hybrid(emu, device, clock):
    assert send(emu, device, 'POST', ALIAS, 'num=5&txt=a+b%26c&ghost=1').status == 204
    (ts_num, num), = latest(emu, device, 'num')
    (ts_txt, txt), = latest(emu, device, 'txt')
    assert (num, txt) == (5, 'a b&c') and ts_num == ts_txt == int(clock())
    read = send(emu, device, 'GET', ALIAS + '?txt&num&ghost')
    assert read.status == 200
    # reverse order of the query, as the live platform answered (test_live_platform.py)
    assert parse_qsl(read.text) == [('num', '5'), ('txt', 'a b&c')]
    assert send(emu, device, 'GET', ALIAS + '?ghost').status == 204
    clock.advance(1)
    hybrid = send(emu, device, 'POST', ALIAS + '?num', 'num=6')
    assert (hybrid.status, hybrid.text) == (200, 'num=6')
    assert send(emu, device, 'GET', '/api:v1/stack/alias?num').text == 'num=6'


def test_write_and_read_errors(emu, device):
    assert http(emu, 'POST', ALIAS, 'num=1', headers={'Content-Type': FORM}).status == 401
    assert send(emu, 'f' * 40, 'GET', ALIAS + '?num').status == 401
    bad = send(emu, device, 'POST', ALIAS, 'num=twelve')
    assert bad.status == 400 and 'invalid' in bad.text
    assert latest(emu, device, 'num') == []
    assert send(emu, device, 'POST', ALIAS, b'\xff\xfe\x00garbage').status == 400
    assert send(emu, device, 'GET', ALIAS).status == 400
    assert send(emu, device, 'PUT', ALIAS + '?num', 'num=1').status == 405
    assert send(emu, device, 'GET', '/onep:v1/stack/other').status == 404


def test_read_of_empty_dataports_is_no_content(emu, device):
    reply = send(emu, device, 'GET', ALIAS + '?num&txt')
    assert (reply.status, reply.text) == (204, '')


def test_long_poll_times_out_with_304(emu, device):
    reply = send(emu, device, 'GET', ALIAS + '?num', headers={'Request-Timeout': '50'})
    assert reply.status == 304


def test_long_poll_returns_the_next_point(emu, device, clock):
    since = int(clock()) - 1
    answers = []
    poller = threading.Thread(target=lambda: answers.append(send(
        emu, device, 'GET', ALIAS + '?num',
        headers={'Request-Timeout': '20000', 'If-Modified-Since': str(since)})))
    poller.start()
    assert send(emu, device, 'POST', ALIAS, 'num=42').status == 204
    poller.join(30)
    reply, = answers
    assert (reply.status, reply.text) == (200, 'num=42')
    assert reply.headers['last-modified'] == email.utils.formatdate(int(clock()), usegmt=True)
    # the Last-Modified date given back as If-Modified-Since: nothing newer yet
    again = send(emu, device, 'GET', ALIAS + '?num',
                 headers={'Request-Timeout': '30', 'If-Modified-Since': reply.headers['last-modified']})
    assert again.status == 304


@pytest.mark.parametrize('query,headers', [
    ('?num&txt', {'Request-Timeout': '10'}),
    ('?num', {'Request-Timeout': 'soon'}),
    ('?num', {'Request-Timeout': '300001'}),
    ('?num', {'Request-Timeout': '-1'}),
    ('?num', {'Request-Timeout': '10', 'If-Modified-Since': 'yesterday'}),
])
def test_long_poll_errors(emu, device, query, headers):
    assert send(emu, device, 'GET', ALIAS + query, headers=headers).status == 400


def test_long_poll_on_unknown_alias(emu, device):
    assert send(emu, device, 'GET', ALIAS + '?ghost', headers={'Request-Timeout': '10'}).status == 204


def test_record(emu, device):
    body = 'alias=num&1000=1&1010=2&alias=txt&1005=x&alias=ghost&1=1'
    assert send(emu, device, 'POST', '/onep:v1/stack/record', body).status == 204
    assert latest(emu, device, 'num', 5) == [[1010, 2], [1000, 1]]
    assert latest(emu, device, 'txt', 5) == [[1005, 'x']]
    assert send(emu, device, 'POST', ALIAS + '/num', '2000=3').status == 204
    assert latest(emu, device, 'num')[0] == [2000, 3]


def test_record_errors_store_nothing(emu, device):
    clash = send(emu, device, 'POST', '/onep:v1/stack/record', 'alias=num&5=1&5=2&alias=txt&7=a&7=b')
    assert clash.status == 409
    assert clash.text == 'num=5&txt=7'
    assert send(emu, device, 'POST', '/onep:v1/stack/record', '5=1').status == 400
    assert send(emu, device, 'POST', '/onep:v1/stack/record', 'alias=num&soon=1').status == 400
    invalid = send(emu, device, 'POST', '/onep:v1/stack/record', 'alias=txt&9=fine&alias=num&9=notanumber')
    assert invalid.status == 400
    assert latest(emu, device, 'txt') == [] and latest(emu, device, 'num') == []
    assert send(emu, device, 'GET', '/onep:v1/stack/record').status == 405
    assert send(emu, 'f' * 40, 'POST', '/onep:v1/stack/record', 'alias=num&5=1').status == 401


def test_timestamp_and_ip(emu, clock):
    stamp = http(emu, 'GET', '/timestamp')
    assert (stamp.status, stamp.text) == (200, str(int(clock())))
    assert stamp.headers['content-type'] == 'text/plain; charset=utf-8'
    ip = http(emu, 'GET', '/ip')
    assert ip.status == 200 and ip.headers['content-type'] == 'text/plain; charset=utf-8'
    assert ip.text == '127,0,0,1,%d,%d' % (emu.port >> 8, emu.port & 255)
    assert http(emu, 'POST', '/ip').status == 405


def test_ip_octets_of_the_documented_example(emu):
    from pyonep.emulator.http import device as device_api
    from pyonep.emulator.http.messages import Request
    request = Request('GET', '/ip', {}, b'', server_address=('127.0.0.1', 8080))
    reply = device_api.handle(emu.state, request)
    assert (reply.status, reply.body) == (200, b'127,0,0,1,31,144')
