"""Fault rules (/_emulator/faults) seen over raw HTTP: which requests they match, how often
they strike, and each effect."""
import http.client
import json
import logging
import threading

import pytest

from control_helpers import advance, control
from rpc_helpers import make_client, make_dataport, ok, post

READ_ROOT = [{'id': 1, 'procedure': 'lookup', 'arguments': ['alias', '']}]


def add(emu, **rule):
    status, answer = control(emu, 'POST', 'faults', rule)
    assert status == 201, answer
    return answer


def rules(emu):
    status, answer = control(emu, 'GET', 'faults')
    assert status == 200
    return answer


def rpc_status(emu, calls=READ_ROOT, auth=None):
    """POST an RPC request; return (HTTP status, headers, decoded body or text)."""
    status, headers, text = post(emu, {'auth': auth or {'cik': emu.root_cik}, 'calls': calls})
    try:
        return status, headers, json.loads(text)
    except ValueError:
        return status, headers, text


def struck(emu, requests=1):
    """Send ``requests`` RPC requests; return for each whether a 503 rule struck it."""
    return [rpc_status(emu)[0] == 503 for _ in range(requests)]


def test_a_rule_is_answered_with_its_id_and_listed_with_its_hits(emu):
    rule = add(emu, api='rpc', status=503)
    assert rule == {'api': 'rpc', 'status': 503, 'id': rule['id'], 'hits': 0, 'matched': 0,
                    'active': True}
    assert struck(emu, 2) == [True, True]
    assert rules(emu) == [dict(rule, hits=2, matched=2)]


def test_status_answers_without_running_the_call(emu, onep, cik):
    rid = make_dataport(onep, cik, alias='t')
    add(emu, api='rpc', status=503, body={'error': {'code': 503, 'message': 'down'}},
        headers={'Retry-After': '30'})
    status, headers, body = rpc_status(emu, [{'id': 1, 'procedure': 'write',
                                              'arguments': [rid, 1, {}]}])
    assert (status, headers['Retry-After'], body) == (503, '30', {'error': {
        'code': 503, 'message': 'down'}})
    control(emu, 'DELETE', 'faults')
    assert ok(onep.read(cik, rid, {})) == []


def test_status_default_bodies_rpc_json_rest_text(emu):
    add(emu, status=500)
    status, headers, body = rpc_status(emu)
    assert (status, body) == (500, {'error': {'code': 500, 'message': 'Internal Server Error'}})
    assert headers['Content-Type'].startswith('application/json')
    status, headers, text = post(emu, b'', path='/provision/manage/model/', method='GET')
    assert (status, text) == (500, 'Internal Server Error')
    assert headers['Content-Type'].startswith('text/plain')


def test_status_with_a_text_body_and_a_content_type(emu):
    add(emu, status=200, body='<html>maintenance</html>',
        headers={'Content-Type': 'text/html'})
    status, headers, text = post(emu, {'auth': {'cik': emu.root_cik}, 'calls': READ_ROOT})
    assert (status, headers['Content-Type'], text) == (200, 'text/html', '<html>maintenance</html>')


def test_rpc_status_answers_the_matching_calls_and_runs_the_others(emu, onep, cik):
    rid = make_dataport(onep, cik)
    add(emu, procedure='write', rpc_status='restricted')
    _, _, reply = rpc_status(emu, [
        {'id': 1, 'procedure': 'write', 'arguments': [rid, 1, {}]},
        {'id': 2, 'procedure': 'record', 'arguments': [rid, [[1500000000, 2]], {}]},
        {'id': 3, 'procedure': 'write', 'arguments': [rid, 3, {}]}])
    assert reply == [{'id': 1, 'status': 'restricted'}, {'id': 2, 'status': 'ok'},
                     {'id': 3, 'status': 'restricted'}]
    assert ok(onep.read(cik, rid, {'limit': 10})) == [[1500000000, 2]]


def test_rpc_error_answers_an_error_object_with_or_without_a_status(emu):
    add(emu, rpc_error={'code': 500, 'message': 'boom', 'context': 'calls'}, count=1)
    assert rpc_status(emu)[2] == [{'id': 1, 'error': {'code': 500, 'message': 'boom',
                                                      'context': 'calls'}}]
    add(emu, rpc_status='fail', rpc_error={'code': 501, 'message': 'no'}, count=1)
    assert rpc_status(emu)[2] == [{'id': 1, 'status': 'fail',
                                   'error': {'code': 501, 'message': 'no'}}]
    assert rpc_status(emu)[2][0]['status'] == 'ok'


def test_rpc_effects_never_touch_other_apis(emu):
    add(emu, rpc_status='restricted')
    assert post(emu, b'', path='/timestamp', method='GET')[0] == 200
    assert rules(emu)[0]['matched'] == 0


def test_drop_before_closes_without_running_the_call(emu, onep, cik):
    rid = make_dataport(onep, cik)
    add(emu, procedure='write', drop='before')
    with pytest.raises(http.client.RemoteDisconnected):
        rpc_status(emu, [{'id': 1, 'procedure': 'write', 'arguments': [rid, 7, {}]}])
    control(emu, 'DELETE', 'faults')
    assert ok(onep.read(cik, rid, {})) == []


def test_drop_after_leaves_the_write_stored(emu, onep, cik):
    rid = make_dataport(onep, cik)
    add(emu, procedure='write', drop='after')
    with pytest.raises(http.client.RemoteDisconnected):
        rpc_status(emu, [{'id': 1, 'procedure': 'write', 'arguments': [rid, 7, {}]}])
    control(emu, 'DELETE', 'faults')
    assert ok(onep.read(cik, rid, {})) == [[1500000000, 7]]


def test_latency_holds_the_answer_back_without_holding_up_other_connections(emu, onep, cik):
    rid = make_dataport(onep, cik)
    add(emu, procedure='write', latency_ms=2000)
    answers = []
    slow = threading.Thread(target=lambda: answers.append(rpc_status(emu, [
        {'id': 1, 'procedure': 'write', 'arguments': [rid, 5, {}]}])[2]))
    slow.start()
    try:
        # the call has run already (the read waits for nothing) while its answer is held
        for _ in range(200):
            if ok(onep.read(cik, rid, {})):
                break
        assert ok(onep.read(cik, rid, {})) == [[1500000000, 5]]
        assert slow.is_alive() and answers == []
    finally:
        slow.join()
    assert answers == [[{'id': 1, 'status': 'ok'}]]


def test_stopping_the_emulator_cuts_a_held_answer_short():
    from pyonep.emulator import Emulator
    emulator = Emulator().start()
    add(emulator, latency_ms=600000)
    errors = []

    def request():
        try:
            rpc_status(emulator)
        except Exception as exc:  # answered at once, or the connection closed
            errors.append(exc)

    slow = threading.Thread(target=request)
    slow.start()
    for _ in range(10000):
        if rules(emulator)[0]['hits']:
            break
    emulator.stop()
    slow.join(60)
    assert not slow.is_alive()


def test_filters_api_path_cik_and_procedure(emu, onep, cik):
    _, other = make_client(onep, cik)
    add(emu, cik=other, status=503)
    assert struck(emu) == [False]
    assert rpc_status(emu, auth={'cik': other})[0] == 503
    control(emu, 'DELETE', 'faults')

    add(emu, api='provision', path='/provision/manage/content/', status=500)
    assert post(emu, b'', path='/provision/manage/model/', method='GET')[0] != 500
    assert post(emu, b'', path='/provision/manage/content/m/', method='GET')[0] == 500
    assert struck(emu) == [False]
    control(emu, 'DELETE', 'faults')

    add(emu, procedure='drop', status=503)
    assert struck(emu) == [False]
    assert rpc_status(emu, READ_ROOT + [{'id': 2, 'procedure': 'drop',
                                         'arguments': ['x']}])[0] == 503


def test_the_device_api_matches_by_its_cik_header(emu, onep, cik):
    _, device = make_client(onep, cik)
    add(emu, api='device', cik=device, status=429, headers={'Retry-After': '5'})
    status, headers, _ = post(emu, b'', path='/onep:v1/stack/alias?x', method='GET',
                              headers={'X-Exosite-CIK': device})
    assert (status, headers['Retry-After']) == (429, '5')
    assert post(emu, b'', path='/onep:v1/stack/alias?x', method='GET',
                headers={'X-Exosite-CIK': cik})[0] != 429


def test_after_and_count(emu):
    add(emu, status=503, after=2, count=3)
    assert struck(emu, 7) == [False, False, True, True, True, False, False]
    rule = rules(emu)[0]
    assert (rule['hits'], rule['matched'], rule['active']) == (3, 5, False)


def test_for_s_retires_the_rule_on_the_platform_clock(emu):
    rule = add(emu, status=503, for_s=30)
    assert rule['until'] == 1500000030
    assert struck(emu) == [True]
    advance(emu, 29)
    assert struck(emu) == [True]
    advance(emu, 1)
    assert struck(emu) == [False]
    assert rules(emu)[0]['active'] is False


def test_the_same_seed_strikes_the_same_requests(emu):
    add(emu, status=503, probability=0.5, seed=42)
    first = struck(emu, 40)
    control(emu, 'DELETE', 'faults')
    add(emu, status=503, probability=0.5, seed=42)
    assert struck(emu, 40) == first
    assert 5 < sum(first) < 35            # some struck, some did not
    control(emu, 'DELETE', 'faults')
    add(emu, status=503, probability=0.5, seed='another')
    assert struck(emu, 40) != first


def test_probability_zero_never_strikes(emu):
    add(emu, status=503, probability=0)
    assert struck(emu, 5) == [False] * 5
    assert rules(emu)[0]['matched'] == 5


def test_the_first_rule_that_strikes_wins(emu):
    add(emu, status=503, count=1)
    add(emu, status=500)
    assert [rpc_status(emu)[0] for _ in range(2)] == [503, 500]
    assert [(r['hits'], r['matched']) for r in rules(emu)] == [(1, 1), (1, 1)]


def test_struck_requests_are_logged(emu, caplog):
    add(emu, status=503)
    with caplog.at_level(logging.INFO, logger='pyonep.emulator'):
        struck(emu)
    assert 'fault 1 (status 503) struck POST /onep:v1/rpc/process' in caplog.text


def test_control_calls_are_never_struck(emu):
    add(emu, status=503)
    add(emu, drop='before')
    assert control(emu, 'GET', 'clock')[0] == 200
    assert [r['matched'] for r in rules(emu)] == [0, 0]


def test_delete_one_rule_or_all(emu):
    first, second = add(emu, status=503), add(emu, status=500)
    assert control(emu, 'DELETE', 'faults/%d' % first['id']) == (200, {'removed': 1})
    assert [r['id'] for r in rules(emu)] == [second['id']]
    status, answer = control(emu, 'DELETE', 'faults/%d' % first['id'])
    assert status == 404 and 'no fault rule' in answer['error']
    assert control(emu, 'DELETE', 'faults/x')[0] == 404
    add(emu, status=502)
    assert control(emu, 'DELETE', 'faults') == (200, {'removed': 2})
    assert rules(emu) == []
    assert add(emu, status=503)['id'] > second['id']        # ids are never used twice


@pytest.mark.parametrize('rule, field', [
    ({}, 'status'),
    ({'status': 503, 'drop': 'after'}, 'drop'),
    ({'status': 99}, 'status'),
    ({'status': 204}, 'status'),
    ({'status': '503'}, 'status'),
    ({'status': 503, 'oops': 1}, 'oops'),
    ({'api': 'soap', 'status': 503}, 'api'),
    ({'api': 'provision', 'rpc_status': 'invalid'}, 'api'),
    ({'api': 'device', 'procedure': 'read', 'status': 503}, 'api'),
    ({'procedure': '', 'status': 503}, 'procedure'),
    ({'cik': 5, 'status': 503}, 'cik'),
    ({'path': 'provision', 'status': 503}, 'path'),
    ({'probability': 1.5, 'status': 503}, 'probability'),
    ({'probability': True, 'status': 503}, 'probability'),
    ({'seed': 1.5, 'status': 503}, 'seed'),
    ({'count': 0, 'status': 503}, 'count'),
    ({'after': -1, 'status': 503}, 'after'),
    ({'for_s': 0, 'status': 503}, 'for_s'),
    ({'status': 503, 'headers': {'Content-Length': '5'}}, 'headers'),
    ({'status': 503, 'headers': {'X-A': 'one\r\nX-B: two'}}, 'headers'),
    ({'status': 503, 'headers': ['Retry-After']}, 'headers'),
    ({'latency_ms': 100, 'body': 'x'}, 'body'),
    ({'drop': 'after', 'headers': {}}, 'headers'),
    ({'rpc_status': 5}, 'rpc_status'),
    ({'rpc_error': {'code': '500', 'message': 'x'}}, 'rpc_error'),
    ({'rpc_error': {'code': 500, 'message': 'x', 'extra': 1}}, 'rpc_error'),
    ({'latency_ms': -1}, 'latency_ms'),
    ({'latency_ms': 600001}, 'latency_ms'),
    ({'drop': 'during'}, 'drop'),
])
def test_bad_rules_get_400_naming_the_field(emu, rule, field):
    status, answer = control(emu, 'POST', 'faults', rule)
    assert status == 400, answer
    assert answer['field'] == field and answer['error'].startswith(field + ':')
    assert rules(emu) == []


def test_a_rule_that_is_not_an_object_is_refused(emu):
    assert control(emu, 'POST', 'faults', [1])[1]['field'] == 'body'
    assert control(emu, 'POST', 'faults', b'not json', raw=True)[1]['field'] == 'body'


def test_wrong_methods_get_405(emu):
    status, answer = control(emu, 'PUT', 'faults', {})
    assert status == 405
    assert control(emu, 'GET', 'faults/1')[0] == 405
    assert control(emu, 'DELETE', 'clock')[0] == 405
