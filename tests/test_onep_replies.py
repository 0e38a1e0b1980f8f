# -*- coding: utf-8 -*-
"""What OnepV1 returns or raises for every kind of reply, good, odd or broken, and for
networks that fail: always the documented result or exception, with a message that names
the problem, never a stray KeyError/TypeError/ValueError."""
from __future__ import unicode_literals

import json
import warnings

import pytest

from pyonep.exceptions import JsonRPCRequestException, OneException, OnePlatformException
from recording_server import RecordingServer, Reply, free_port

CIK = '5de0cfcf7b5bed2ea7a801234567890123456789'
RID = '34eaae237988167d90bfc2ffeb666daaaaaaaaaa'


def fixed(body, status=200, content_type='application/json; charset=utf-8', **kw):
    """A reply function that always answers the same body."""
    return lambda request: Reply(status=status, body=body,
                                 headers={'Content-Type': content_type}, **kw)


def per_call(item_for):
    """A reply function answering one item per call, built by item_for(call, n)."""
    def reply(request):
        calls = request.json()['calls']
        return Reply(body=json.dumps([item_for(c, n) for n, c in enumerate(calls)]))
    return reply


def test_ok_with_and_without_result(make_onep, server):
    server.reply = per_call(lambda c, n: {'id': c['id'], 'status': 'ok', 'result': 5} if n == 0
                            else {'id': c['id'], 'status': 'ok'})
    client = make_onep()
    assert client.read(CIK, RID, {}) == (True, 5)
    client.write(CIK, RID, 1, defer=True)
    client.write(CIK, RID, 2, defer=True)
    assert [r[1:] for r in client.send_deferred(CIK)] == [(True, 5), (True, 'ok')]


def test_other_status_is_false_with_the_status(make_onep, server):
    server.reply = per_call(lambda c, n: {'id': c['id'], 'status': 'invalid'})
    assert make_onep().read(CIK, RID, {}) == (False, 'invalid')


def test_http_status_is_not_looked_at(make_onep, server):
    server.reply = lambda r: Reply(status=500, body='[{"id": 0, "status": "ok", "result": 1}]')
    assert make_onep().read(CIK, RID, {}) == (True, 1)


def test_items_are_matched_by_id_in_reply_order(make_onep, server):
    server.reply = lambda r: Reply(body=json.dumps(list(reversed(
        [{'id': c['id'], 'status': 'ok', 'result': c['procedure']} for c in r.json()['calls']]))))
    client = make_onep()
    client.read(CIK, RID, {}, defer=True)
    client.drop(CIK, RID, defer=True)
    result = client.send_deferred(CIK)
    assert [(call['procedure'], value) for call, _, value in result] == [('drop', 'drop'),
                                                                         ('read', 'read')]


def test_item_with_unknown_id_comes_back_without_its_call(make_onep, server):
    server.reply = fixed('[{"id": 0, "status": "ok", "result": 1}, {"id": "zz", "status": "ok"},'
                         ' {"status": "ok", "result": 2}]')
    client = make_onep()
    client.read(CIK, RID, {}, defer=True)
    result = client.send_deferred(CIK)
    assert result[1:] == [(None, True, 'ok'), (None, True, 2)]
    assert result[0][0]['id'] == 0


def test_error_object_raises_with_the_error_as_message(make_onep, server):
    server.reply = fixed('{"error": {"code": 401, "message": "Invalid", "context": "auth"}}')
    with pytest.raises(OnePlatformException) as err:
        make_onep().read(CIK, RID, {})
    assert str(err.value) == str({'code': 401, 'message': 'Invalid', 'context': 'auth'})


def test_item_error_raises(make_onep, server):
    server.reply = per_call(lambda c, n: {'id': c['id'], 'error': {'code': 501}})
    with pytest.raises(OnePlatformException) as err:
        make_onep().read(CIK, RID, {})
    assert str(err.value) == str({'code': 501})


@pytest.mark.parametrize('body,status,ctype', [
    ('<html><body><h1>502 Bad Gateway</h1></body></html>', 502, 'text/html'),
    ('', 200, 'application/json; charset=utf-8'),
    ('[{"id": 0, "status": "o', 200, 'application/json; charset=utf-8'),
    ('this is not json', 200, 'text/plain'),
])
def test_body_that_is_not_json(make_onep, server, body, status, ctype):
    server.reply = fixed(body, status=status, content_type=ctype)
    with pytest.raises(OnePlatformException) as err:
        make_onep().read(CIK, RID, {})
    message = str(err.value)
    assert message.startswith('Exception while parsing JSON response: %s\n' % body)
    assert len(message.splitlines()) >= 2  # the parser's own words follow


@pytest.mark.parametrize('body', ['[' * 100000 + ']' * 100000,
                                  '[{"id": 0, "status": "ok", "result": %s1%s}]' % (
                                      '[' * 100000, ']' * 100000)], ids=['bare', 'result'])
def test_a_reply_nested_too_deeply_to_parse(make_onep, server, body):
    # the parser gives up with RecursionError (RuntimeError on Python 2.7), not ValueError
    server.reply = fixed(body)
    with pytest.raises(OnePlatformException) as err:
        make_onep().read(CIK, RID, {})
    assert str(err.value).startswith('Exception while parsing JSON response: [')


@pytest.mark.parametrize('body', ['"hello"', '{"result": 1}', 'null', '5'])
def test_other_json_is_unknown_error(make_onep, server, body):
    server.reply = fixed(body)
    with pytest.raises(OneException) as err:
        make_onep().read(CIK, RID, {})
    assert type(err.value) is OneException and str(err.value) == 'Unknown error'


def test_reply_missing_the_call_raises_naming_it(make_onep, server):
    server.reply = fixed('[]')
    with pytest.raises(OnePlatformException) as err:
        make_onep(startid=41).read(CIK, RID, {})
    assert 'No usable item' in str(err.value) and '[41]' in str(err.value)


def test_item_with_neither_status_nor_error_raises_naming_it(make_onep, server):
    server.reply = fixed('[{"id": 0, "result": 3}]')
    with pytest.raises(OnePlatformException) as err:
        make_onep().read(CIK, RID, {})
    assert '"status" or an "error"' in str(err.value)


def test_deferred_reply_missing_some_ids_returns_the_items_present(make_onep, server):
    server.reply = fixed('[{"id": 1, "status": "ok", "result": 7}, {"id": 2, "result": 3}]')
    client = make_onep()
    for _ in range(3):
        client.read(CIK, RID, {}, defer=True)
    result = client.send_deferred(CIK)
    assert [(call['id'], ok, value) for call, ok, value in result] == [(1, True, 7)]


@pytest.mark.parametrize('body', ['[1, 2]', '[null]', '[["id", 0]]'])
def test_item_that_is_not_an_object_raises_naming_it(make_onep, server, body):
    server.reply = fixed(body)
    with pytest.raises(OnePlatformException) as err:
        make_onep().read(CIK, RID, {})
    assert 'not an object' in str(err.value)


def test_unhashable_item_id_matches_no_call(make_onep, server):
    server.reply = fixed('[{"id": [0], "status": "ok", "result": 1}]')
    client = make_onep()
    client.read(CIK, RID, {}, defer=True)
    assert client.send_deferred(CIK) == [(None, True, 1)]


def test_connection_refused(make_onep):
    client = make_onep(port=free_port())
    with pytest.raises(JsonRPCRequestException) as err:
        client.read(CIK, RID, {})
    assert str(err.value).startswith('Failed to make http request: ')
    assert len(str(err.value)) > len('Failed to make http request: ')


@pytest.mark.parametrize('reuse', [False, True])
def test_connection_reset_mid_reply(make_onep, server, reuse):
    server.reply = lambda r: Reply(body='[{"id": 0, "status": "ok", "result": "%s"}]' % ('x' * 200),
                                   reset=True)
    client = make_onep(reuseconnection=reuse)
    with pytest.raises(JsonRPCRequestException) as err:
        client.read(CIK, RID, {})
    assert str(err.value).startswith('Failed to make http request: ')
    # the next call works on a new connection
    server.reply = per_call(lambda c, n: {'id': c['id'], 'status': 'ok', 'result': 1})
    assert client.read(CIK, RID, {}) == (True, 1)


def test_read_timeout(make_onep, server):
    server.reply = lambda r: Reply(body='[]', delay=2.5)
    client = make_onep(httptimeout=1)
    with pytest.raises(JsonRPCRequestException) as err:
        client.read(CIK, RID, {})
    assert str(err.value).startswith('Failed to make http request: ')
    assert 'timed out' in str(err.value).lower()


def test_tls_certificate_is_verified_by_default(tmp_path):
    ssl = pytest.importorskip('ssl')
    import subprocess
    cert, key = str(tmp_path / 'cert.pem'), str(tmp_path / 'key.pem')
    try:
        subprocess.check_call(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
                               '-keyout', key, '-out', cert, '-days', '1', '-subj',
                               '/CN=127.0.0.1'], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip('openssl is needed to make a self-signed certificate')
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if hasattr(ssl, 'PROTOCOL_TLS_SERVER')
                             else ssl.PROTOCOL_SSLv23)
    context.load_cert_chain(cert, key)
    from pyonep.onep import OnepV1
    from pyonep.onephttp import OneP_Request
    with RecordingServer(ssl_context=context) as tls:
        client = OnepV1(host='127.0.0.1', port=tls.port)  # https=True is the default
        with pytest.raises(JsonRPCRequestException) as err:
            client.read(CIK, RID, {})
        assert 'certificate' in str(err.value).lower()
        transport = OneP_Request(tls.host, https=True)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # urllib3 warns about the unverified request
            text, response = transport.request('POST', '/onep:v1/rpc/process',
                                               '{"auth": {}, "calls": []}', verify=False)
        assert (text, response.status_code) == ('[]', 200)
