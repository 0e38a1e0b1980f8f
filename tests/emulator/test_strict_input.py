"""Never a 500, and strict JSON out (issue 9, items 6 and 7): lone surrogates, values of the
wrong type, deep nesting and numbers JSON cannot carry (1e400, NaN) get the documented
error, and no reply ever holds ``NaN`` or ``Infinity``."""
import json

import pytest

from fleet_helpers import http, setup_model, vendor_headers
from rpc_helpers import make_dataport, ok, post
from test_http_server import ARITY

SURROGATE = chr(0xD800)  # not a literal: Python 3.13 cannot compile one in rewritten tests


def strict_loads(text):
    """Parse ``text`` as strict JSON: NaN and infinities are refused as JavaScript does."""
    def refuse(token):
        raise ValueError('not JSON: %s' % token)
    return json.loads(text, parse_constant=refuse)


def send(emu, auth, procedure, arguments):
    """POST one call (JSON with ASCII escapes, as json.dumps writes a lone surrogate) and
    return (HTTP status, strictly parsed body)."""
    body = json.dumps({'auth': auth, 'calls': [
        {'id': 1, 'procedure': procedure, 'arguments': arguments}]}).encode('ascii')
    status, _, text = post(emu, body)
    return status, strict_loads(text)


def not_unicode(reply):
    return reply['error']['code'] == -1 and 'surrogate' in reply['error']['message']


# ---------------------------------------------------------------- 6. never a 500
@pytest.mark.parametrize('procedure', sorted(ARITY))
def test_a_lone_surrogate_anywhere_is_not_json_text(emu, onep, cik, procedure):
    rid = make_dataport(onep, cik, 'string', alias='s')
    filler = [rid, {}, {}, 0][:ARITY[procedure]]
    cases = [({'cik': cik}, [rid, SURROGATE] + filler[2:]),        # a string value
             ({'cik': cik}, [{'alias': SURROGATE}] + filler[1:]),  # an alias
             ({'cik': cik[:-1] + SURROGATE}, filler),              # a CIK
             ({'token': SURROGATE}, filler),                       # a token
             ({'cik': cik, 'client_id': SURROGATE}, filler)]
    for auth, arguments in cases:
        status, reply = send(emu, auth, procedure, arguments)
        assert status == 200 and not_unicode(reply), (auth, arguments, reply)
    assert ok(onep.read(cik, rid, {})) == []


def test_surrogate_pairs_are_text_and_are_kept(emu, onep, cik):
    rid = make_dataport(onep, cik, 'string')
    status, reply = send(emu, {'cik': cik}, 'write', [rid, 'snow \U0001F328'])
    assert (status, reply) == (200, [{'id': 1, 'status': 'ok'}])
    assert ok(onep.read(cik, rid, {}))[0][1] == 'snow \U0001F328'
    status, reply = send(emu, {'cik': cik}, 'write', [rid, 'a backslash then ud800: \\ud800'])
    assert reply == [{'id': 1, 'status': 'ok'}]


@pytest.mark.parametrize('comparison', [['gt'], {'gt': 1}, 5, None, True])
def test_a_comparison_of_the_wrong_type_is_invalid(emu, cik, comparison):
    for kind in ('simple', 'interval', 'duration', 'count'):
        spec = {'comparison': comparison, 'constant': 1, 'timeout': 1, 'count': 1}
        status, reply = send(emu, {'cik': cik}, 'create', ['datarule', {
            'format': 'integer', 'rule': {kind: spec}}])
        assert (status, reply) == (200, [{'id': 1, 'status': 'invalid'}]), kind


def test_deep_nesting_in_a_provisioning_body_gets_400(emu):
    setup_model(emu, 'm', ())
    body = '{"ranges": %s%s}' % ('[' * 100000, ']' * 100000)
    reply = http(emu, 'POST', '/provision/manage/model/m/', body,
                 headers=dict(vendor_headers(emu), **{'Content-Type': 'application/json'}))
    assert reply.status == 400, reply
    assert json.loads(http(emu, 'GET', '/provision/manage/model/m/?show=ranges',
                           headers=vendor_headers(emu)).text) == []


# ---------------------------------------------------------------- 7. strict JSON out
NOT_FINITE = [b'1e400', b'-1e400', b'NaN', b'Infinity', b'-Infinity']


@pytest.mark.parametrize('number', NOT_FINITE)
def test_numbers_json_cannot_carry_are_refused_in_descriptions(emu, onep, cik, number):
    rid = make_dataport(onep, cik)
    client = ok(onep.create(cik, 'client', {}))
    descriptions = [
        b'["dataport", {"format": "float", "preprocess": [["add", %s]]}]' % number,
        b'["dataport", {"format": "float", "preprocess": [["gt", %s]]}]' % number,
        b'["client", {"limits": {"dataport": %s}}]' % number,
        b'["dataport", {"format": "float", "retention": {"count": %s}}]' % number,
        b'["datarule", {"format": "float", "rule": {"simple": {"comparison": "gt", '
        b'"constant": %s}}}]' % number,
    ]
    updates = [b'["%s", {"preprocess": [["mul", %s]]}]' % (rid.encode(), number),
               b'["%s", {"limits": {"client": %s}}]' % (client.encode(), number)]
    for procedure, arguments in [('create', d) for d in descriptions] + [
            ('update', u) for u in updates]:
        body = b'{"auth": {"cik": "%s"}, "calls": [{"id": 1, "procedure": "%s", "arguments": %s}]}' % (
            cik.encode(), procedure.encode(), arguments)
        status, _, text = post(emu, body)
        assert (status, strict_loads(text)) == (200, [{'id': 1, 'status': 'invalid'}]), arguments
    for resource in (rid, client):
        strict_loads(post(emu, {'auth': {'cik': cik}, 'calls': [
            {'id': 1, 'procedure': 'info', 'arguments': [resource, {}]}]})[2])


@pytest.mark.parametrize('number', NOT_FINITE)
def test_replies_never_echo_numbers_json_cannot_carry(emu, onep, cik, number):
    rid = make_dataport(onep, cik)
    body = (b'{"auth": {"cik": "%s"}, "calls": [{"id": 1, "procedure": "recordbatch", '
            b'"arguments": ["%s", [[%s, 1], [1400000000, 2]]]}]}' % (cik.encode(), rid.encode(), number))
    status, _, text = post(emu, body)
    reply = strict_loads(text)
    assert status == 200 and reply[0]['status'][0][1] == 'invalid'
    assert ok(onep.read(cik, rid, {})) == [[1400000000, 2]]


def test_unknown_keys_of_a_rule_are_not_stored(emu, cik):
    body = (b'{"auth": {"cik": "%s"}, "calls": [{"id": 1, "procedure": "create", "arguments": '
            b'["datarule", {"format": "integer", "rule": {"simple": {"comparison": "gt", '
            b'"constant": 1, "extra": NaN, "public": true}}}]}]}' % cik.encode())
    status, _, text = post(emu, body)
    rid = strict_loads(text)[0]['result']
    info = strict_loads(post(emu, {'auth': {'cik': cik}, 'calls': [
        {'id': 1, 'procedure': 'info', 'arguments': [rid, {'description': True}]}]})[2])
    assert info[0]['result']['description']['rule'] == {
        'simple': {'comparison': 'gt', 'constant': 1, 'repeat': False}}


def test_a_timestamp_of_the_wrong_type_is_echoed_as_null(emu, onep, cik):
    rid = make_dataport(onep, cik)
    status, reply = send(emu, {'cik': cik}, 'recordbatch', [rid, [[[1], 1], ['x', 2], [{}, 3]]])
    assert reply == [{'id': 1, 'status': [[None, 'invalid'], ['x', 'invalid'], [None, 'invalid']]}]
