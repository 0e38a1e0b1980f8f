"""The HTTP side: malformed requests and their error objects, the documented rpc.md
examples, connection handling, concurrency, routing and the window-read index."""
import http.client
import json
import random
import socket
import threading

import pytest

from pyonep.emulator.http import server
from pyonep.emulator.store import Store
from pyonep.emulator.platform import Platform
from pyonep.emulator.platform.procedures import PROCEDURES
from rpc_helpers import make_dataport, ok, post, rpc


def error_of(emu, body):
    status, _, text = post(emu, body)
    assert status == 200
    return json.loads(text)['error']


# ---------------------------------------------------------------- the documented examples
def test_rpc_md_read_example(emu, onep, cik):
    rid = make_dataport(onep, cik, 'float', alias='temperature')
    ok(onep.recordbatch(cik, rid, [[1376951473, 72.5], [1376957184, 72.3], [1376957195, 72.2],
                                   [1376957400, 70.0]]))
    body = {"auth": {"cik": cik}, "calls": [{"id": 56, "procedure": "read", "arguments": [
        {"alias": "temperature"},
        {"endtime": 1376957311, "limit": 3, "selection": "all", "sort": "desc", "starttime": 1}]}]}
    status, headers, text = post(emu, body)
    assert status == 200
    assert headers['Content-Type'] == 'application/json; charset=utf-8'
    assert json.loads(text) == [{"id": 56, "result": [[1376957195, 72.2], [1376957184, 72.3],
                                                       [1376951473, 72.5]], "status": "ok"}]


def test_rpc_md_curl_read_examples(emu, onep, cik):
    rid = make_dataport(onep, cik, 'string', alias='log')
    ok(onep.recordbatch(cik, rid, [[1390622240, 'first value'], [1390622242, 'second value'],
                                   [1390622248, 'test value']]))
    body = ('{"auth":{"cik":"%s"},"calls":[{"procedure":"read","arguments":[{"alias":'
            '"log"}, {}],"id":0}]}' % cik).encode()
    assert json.loads(post(emu, body)[2]) == [
        {"id": 0, "status": "ok", "result": [[1390622248, "test value"]]}]
    body = ('{"auth":{"cik":"%s"},"calls":[{"procedure":"read","arguments":[{"alias":'
            '"log"}, {"sort":"asc", "limit":2}],"id":0}]}' % cik).encode()
    reply = json.loads(post(emu, body)[2])
    # rpc.md prints these two earliest points newest first; "sort" is documented to order
    # the result, so the emulator returns them oldest first.
    assert reply == [{"id": 0, "status": "ok", "result": [[1390622240, "first value"],
                                                         [1390622242, "second value"]]}]


def test_rpc_md_two_call_request(emu, onep, cik):
    rid = make_dataport(onep, cik, 'float', alias='temperature')
    reply = rpc(emu, {'cik': cik}, [
        {'id': 1, 'procedure': 'read', 'arguments': [rid, {'starttime': 0, 'limit': 1}]},
        {'id': 2, 'procedure': 'write', 'arguments': [{'alias': 'temperature'}, 65.4]}])
    assert reply == [{'id': 1, 'status': 'ok', 'result': []}, {'id': 2, 'status': 'ok'}]


def test_rpc_md_recordbatch_example(emu, onep, cik):
    rid = make_dataport(onep, cik)
    ok(onep.write(cik, rid, 1))
    reply = rpc(emu, {'cik': cik}, [{'arguments': [rid, [[1421906172, 'x'], [1421906160, 20]]],
                                     'id': 1, 'procedure': 'recordbatch'}])
    assert reply == [{'id': 1, 'status': [[1421906172, 'invalid']]}]


def test_rpc_md_wait_example_expires(emu, onep, cik):
    make_dataport(onep, cik, alias='wait_dataport')
    reply = rpc(emu, {'cik': cik}, [{'procedure': 'wait', 'arguments': [
        {'alias': 'wait_dataport'}, {'timeout': 50, 'since': None}], 'id': 1}])
    assert reply == [{'id': 1, 'status': 'expire'}]


# ---------------------------------------------------------------- malformed input
@pytest.mark.parametrize('body', [b'', b'{', b'not json', b'\xff\xfe{}', b'{"auth": }'])
def test_body_that_is_not_json_gets_code_minus_one(emu, body):
    assert error_of(emu, body)['code'] == -1


@pytest.mark.parametrize('body, context', [
    ([], 'calls'), ('text', 'calls'), (5, 'calls'), ({'auth': {'cik': 'x'}}, 'calls'),
    ({'auth': {'cik': 'x'}, 'calls': {}}, 'calls'),
    ({'auth': {'cik': 'x'}, 'calls': [1, 2]}, 'calls'),
    ({'auth': {'cik': 'x'}, 'calls': [{'id': True, 'procedure': 'info'}]}, 'calls'),
    ({'auth': {'cik': 'x'}, 'calls': [{'id': 'x' * 41, 'procedure': 'info'}]}, 'calls'),
    ({'calls': []}, 'auth'), ({'auth': 'cik', 'calls': []}, 'auth'),
    ({'auth': ['cik'], 'calls': []}, 'auth'),
])
def test_malformed_requests_get_400_with_context(emu, body, context):
    assert error_of(emu, body) == {'code': 400, 'message': error_of(emu, body)['message'],
                                   'context': context}


def test_per_call_failures_leave_other_calls_running(emu, onep, cik):
    rid = make_dataport(onep, cik)
    reply = rpc(emu, {'cik': cik}, [
        {'id': 1, 'procedure': 'frobnicate', 'arguments': []},
        {'id': 2, 'arguments': []},
        {'id': 3, 'procedure': 'write'},
        {'id': 4, 'procedure': 'write', 'arguments': 'rid'},
        {'id': 5, 'procedure': 'write', 'arguments': [rid]},
        {'id': 6, 'procedure': 'write', 'arguments': [{'alias': 5}, 1]},
        {'id': 7, 'procedure': 'write', 'arguments': [rid, 'x']},
        {'id': 'last', 'procedure': 'write', 'arguments': [rid, 9]},
        {'id': 8, 'procedure': '_row', 'arguments': [rid]},
    ])
    by_id = dict((item.pop('id'), item) for item in reply)
    assert by_id[1] == {'status': 'fail', 'error': {'code': 501, 'message': 'Unknown procedure',
                                                    'context': 'procedure'}}
    assert by_id[2]['error']['code'] == 400 and by_id[2]['error']['context'] == 'procedure'
    for key in (3, 4, 5, 6):
        assert by_id[key]['status'] == 'fail'
        assert (by_id[key]['error']['code'], by_id[key]['error']['context']) == (501, 'arguments')
    assert by_id[7] == {'status': 'invalid'}
    assert by_id['last'] == {'status': 'ok'}
    assert by_id[8]['error']['context'] == 'procedure'
    assert ok(onep.read(cik, rid, {})) == [[1500000000, 9]]


def test_calls_without_an_id_run_but_get_no_reply(emu, onep, cik):
    rid = make_dataport(onep, cik)
    reply = rpc(emu, {'cik': cik}, [{'procedure': 'write', 'arguments': [rid, 1]},
                                    {'id': 'r', 'procedure': 'read', 'arguments': [rid, {}]}])
    assert reply == [{'id': 'r', 'status': 'ok', 'result': [[1500000000, 1]]}]
    status, _, text = post(emu, {'auth': {'cik': cik}, 'calls': [
        {'procedure': 'write', 'arguments': [rid, 2]}]})
    assert (status, text) == (200, '')
    assert ok(onep.read(cik, rid, {}))[0][1] == 2


def test_an_empty_calls_list_gets_an_empty_list(emu, cik):
    assert rpc(emu, {'cik': cik}, []) == []


def test_huge_numbers_are_rejected_not_crashed(emu, onep, cik):
    rid = make_dataport(onep, cik)
    digits = '9' * 5000
    body = ('{"auth": {"cik": "%s"}, "calls": [{"id": 1, "procedure": "write", "arguments": '
            '["%s", %s]}, {"id": 2, "procedure": "read", "arguments": ["%s", {"limit": %s}]}]}'
            % (cik, rid, digits, rid, digits)).encode()
    status, _, text = post(emu, body)
    assert json.loads(text) == [{'id': 1, 'status': 'invalid'}, {'id': 2, 'status': 'invalid'}]
    assert onep.record(cik, rid, [[10 ** 30, 1]]) == (False, 'invalid')
    assert onep.write(cik, rid, float('nan')) == (False, 'invalid')


def test_deep_nesting_gets_an_error_object(emu, onep, cik):
    depth = 100000
    body = ('{"auth": {"cik": "%s"}, "calls": %s%s}' % (cik, '[' * depth, ']' * depth)).encode()
    error = error_of(emu, body)
    assert error['code'] == 400
    rid = make_dataport(onep, cik)
    nested = ('{"auth": {"cik": "%s"}, "calls": [{"id": 1, "procedure": "write", "arguments": '
              '["%s", %s1%s]}]}' % (cik, rid, '[' * 500, ']' * 500)).encode()
    status, _, text = post(emu, nested)
    assert json.loads(text) == [{'id': 1, 'status': 'invalid'}]


def test_oversize_body_gets_an_error_object(emu, cik, monkeypatch):
    monkeypatch.setattr(server, 'MAX_BODY', 1000)
    status, headers, text = post(emu, b'{' + b' ' * 2000 + b'}')
    assert status == 413
    assert json.loads(text)['error']['code'] == 400
    assert headers['Connection'] == 'close'
    status, _, text = post(emu, {'auth': {'cik': cik}, 'calls': []})
    assert status == 200


def test_bad_content_length_is_answered(emu):
    sock = socket.create_connection((emu.host, emu.port), timeout=10)
    try:
        sock.sendall(b'POST /onep:v1/rpc/process HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n')
        reply = b''
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
        reply = reply.decode()
    finally:
        sock.close()
    assert reply.startswith('HTTP/1.1 400') and '"code":400' in reply


def test_get_on_the_rpc_path_and_unknown_paths(emu):
    status, headers, text = post(emu, b'', method='GET')
    assert status == 405 and json.loads(text)['error']['code'] == 400
    status, _, text = post(emu, b'', path='/nowhere', method='GET')
    assert status == 404


def test_internal_errors_become_500_error_objects(emu, cik, monkeypatch):
    def broken(platform, caller, args):
        raise RuntimeError('boom')
    monkeypatch.setitem(PROCEDURES, 'usage', broken)
    reply = rpc(emu, {'cik': cik}, [{'id': 1, 'procedure': 'usage', 'arguments': []},
                                    {'id': 2, 'procedure': 'listing', 'arguments': [[], {}]}])
    assert reply == [{'id': 1, 'status': 'fail', 'error': {'code': 500, 'message': 'Internal error'}},
                     {'id': 2, 'status': 'ok', 'result': {}}]

    def broken_route(state, request):
        raise RuntimeError('boom')
    monkeypatch.setattr(server, 'route', broken_route)
    status, _, text = post(emu, b'{}')
    assert status == 500 and 'boom' not in text and json.loads(text)['error']['code'] == 500


# ---------------------------------------------------------------- connections
def test_hundredth_request_on_a_connection_closes_it(emu, cik):
    conn = http.client.HTTPConnection(emu.host, emu.port, timeout=10)
    body = json.dumps({'auth': {'cik': cik}, 'calls': []})
    try:
        for number in range(1, 101):
            conn.request('POST', '/onep:v1/rpc/process', body=body)
            response = conn.getresponse()
            response.read()
            expected = 'close' if number == 100 else 'keep-alive'
            assert response.getheader('Connection') == expected, number
        assert conn.sock is None  # http.client closed it as the server asked
    finally:
        conn.close()


def test_hundred_keep_alive_connections_held_open_are_all_served(emu, cik):
    body = json.dumps({'auth': {'cik': cik}, 'calls': [
        {'id': 1, 'procedure': 'lookup', 'arguments': ['alias', '']}]})
    conns = [http.client.HTTPConnection(emu.host, emu.port, timeout=20) for _ in range(100)]
    try:
        for conn in conns:
            conn.connect()
        for round_number in range(2):
            for conn in conns:
                conn.request('POST', '/onep:v1/rpc/process', body=body)
            for conn in conns:
                response = conn.getresponse()
                assert json.loads(response.read())[0]['status'] == 'ok'
                assert response.getheader('Connection') == 'keep-alive'
    finally:
        for conn in conns:
            conn.close()


def test_eight_threads_of_a_thousand_writes_all_land(emu, cik):
    onep = emu.onep()
    rids = [make_dataport(onep, cik) for _ in range(2)]
    errors = []

    def writer(number):
        client = emu.onep(reuseconnection=True)
        try:
            for value in range(1000):
                if client.write(cik, rids[number % 2], number * 1000 + value) != (True, 'ok'):
                    errors.append(value)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    values = []
    for rid in rids:
        values += [p[1] for p in ok(onep.read(cik, rid, {'limit': 10000}))]
    assert sorted(values) == list(range(8000))


# ---------------------------------------------------------------- storage
def test_window_read_uses_the_index():
    platform = Platform(Store())
    plan = platform.store.execute(
        'EXPLAIN QUERY PLAN SELECT ts, value FROM points WHERE res=? AND ts>=? AND ts<=? '
        'ORDER BY ts DESC, id DESC LIMIT ?', (1, 0, 10, 1000))
    details = ' '.join(row[-1] for row in plan)
    assert 'USING INDEX points_res_ts' in details
    assert 'SCAN points' not in details.replace('USING INDEX', '')
    assert 'TEMP B-TREE' not in details


ARITY = {'read': 2, 'write': 3, 'writegroup': 1, 'record': 3, 'recordbatch': 2, 'flush': 2,
         'wait': 2, 'create': 3, 'move': 3, 'update': 2, 'info': 2, 'listing': 3, 'drop': 1,
         'usage': 4, 'map': 3, 'lookup': 3, 'unmap': 3, 'share': 2, 'revoke': 2, 'activate': 3,
         'deactivate': 3, 'grant': 3, 'tag': 3, 'comment': 3}


@pytest.mark.parametrize('seed', range(6))
def test_random_arguments_never_cause_an_internal_error(emu, onep, cik, seed):
    rng = random.Random(seed)
    rid = make_dataport(onep, cik, alias='p')
    pool = [None, True, 0, -1, 1.5, 2 ** 70, '', 'x', 'alias', 'client', 'share', 'dataport',
            rid, cik, [], [1, 2], [[1, 2]], [[rid, 1]], {}, {'alias': 'p'}, {'alias': ''},
            {'alias': 7}, {'limit': 'x'}, {'format': 'float'}, {rid: ['read']}, {'ttl': 1},
            {'since': 'x', 'timeout': 1}, {'timeout': 1}, {'rid': rid}, {'code': 'x'}]
    refs = [rid, {'alias': 'p'}, {'alias': ''}, 'x' * 40, 5, 'alias', 'share', 'client']
    calls = []
    for number in range(600):
        procedure = rng.choice(sorted(ARITY))
        count = max(0, ARITY[procedure] + rng.choice([-1, 0, 0, 0, 1]))
        arguments = [rng.choice(pool) for _ in range(count)]
        if arguments and rng.random() < 0.7:
            arguments[0] = rng.choice(refs)
        if procedure == 'wait':  # keep long polls short: 1 ms
            arguments = [rng.choice(refs), {'timeout': 1}]
        calls.append({'id': number, 'procedure': procedure, 'arguments': arguments})
    statuses = set()
    for start in range(0, len(calls), 50):
        for item in rpc(emu, {'cik': cik}, calls[start:start + 50]):
            assert item.get('error', {}).get('code') != 500, (calls[item['id']], item)
            assert item['status'] != 'ok' or set(item) <= {'id', 'status', 'result'}
            statuses.add(str(item['status']))
    # the calls reached the procedures' own checks, not only the argument-shape check
    assert {'ok', 'invalid', 'fail', 'restricted'} <= statuses


def test_a_client_hanging_up_during_a_long_poll_is_harmless(live_emu, capfd):
    onep = live_emu.onep()
    cik = live_emu.root_cik
    rid = make_dataport(onep, cik)
    body = json.dumps({'auth': {'cik': cik}, 'calls': [
        {'id': 1, 'procedure': 'wait', 'arguments': [rid, {'timeout': 300}]}]}).encode()
    sock = socket.create_connection((live_emu.host, live_emu.port), timeout=10)
    sock.sendall(b'POST /onep:v1/rpc/process HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n'
                 % len(body) + body)
    sock.close()
    status, _, text = post(live_emu, {'auth': {'cik': cik}, 'calls': [
        {'id': 1, 'procedure': 'wait', 'arguments': [rid, {'timeout': 400}]}]})
    assert json.loads(text) == [{'id': 1, 'status': 'expire'}]
    assert 'Traceback' not in capfd.readouterr().err
