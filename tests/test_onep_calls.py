# -*- coding: utf-8 -*-
"""OnepV1 puts the right JSON-RPC request on the wire and returns what the reply says:
every API method, auth forms, ids, deferred queues and the subclass extension points."""
from __future__ import unicode_literals

import json

import pytest

import pyonep
from pyonep import onep as onep_module
from pyonep.exceptions import JsonRPCRequestException, OneException

CIK = '5de0cfcf7b5bed2ea7a801234567890123456789'
RID = '34eaae237988167d90bfc2ffeb666daaaaaaaaaa'
RID2 = '879542b837bfac5beee201234567890123456789'

# method, positional args, keyword args, procedure, arguments on the wire, notimeout
METHODS = [
    ('activate', ('client', CIK), {}, 'activate', ['client', CIK]),
    ('create', ('dataport', {'format': 'float'}), {}, 'create', ['dataport', {'format': 'float'}]),
    ('createDataport', ({'format': 'integer'},), {}, 'create', ['dataport', {'format': 'integer'}]),
    ('deactivate', ('share', 'code'), {}, 'deactivate', ['share', 'code']),
    ('drop', (RID,), {}, 'drop', [RID]),
    ('flush', (RID,), {}, 'flush', [RID]),
    ('flush', (RID,), {'options': {}}, 'flush', [RID, {}]),
    ('flush', (RID,), {'options': None}, 'flush', [RID]),
    ('grant', (RID, ['read']), {}, 'grant', [RID, ['read']]),
    ('grant', (RID, ['read']), {'ttl': 0}, 'grant', [RID, ['read'], {'ttl': 0}]),
    ('info', (RID,), {}, 'info', [RID, {}]),
    ('info', (RID, {'basic': True}), {}, 'info', [RID, {'basic': True}]),
    ('listing', (['dataport'],), {}, 'listing', [['dataport']]),
    ('listing', (['dataport'],), {'resource': RID}, 'listing', [['dataport']]),
    ('listing', (['dataport'], {}), {}, 'listing', [['dataport'], {}]),
    ('listing', (['dataport'], {'owned': True}, RID), {}, 'listing', [RID, ['dataport'], {'owned': True}]),
    ('lookup', ('alias', 'temp'), {}, 'lookup', ['alias', 'temp']),
    ('map', (RID, 'temp'), {}, 'map', ['alias', RID, 'temp']),
    ('move', (RID, RID2), {}, 'move', [RID, RID2, {'aliases': True}]),
    ('move', (RID, RID2, {'aliases': False}), {}, 'move', [RID, RID2, {'aliases': False}]),
    ('read', ({'alias': 'x'}, {'limit': 1}), {}, 'read', [{'alias': 'x'}, {'limit': 1}]),
    ('record', (RID, [[1, 2]]), {}, 'record', [RID, [[1, 2]], {}]),
    ('recordbatch', (RID, [[1, 2]]), {}, 'recordbatch', [RID, [[1, 2]]]),
    ('revoke', ('client', CIK), {}, 'revoke', ['client', CIK]),
    ('share', (RID,), {}, 'share', [RID, {}]),
    ('tag', (RID, 'add', 't'), {}, 'tag', [RID, 'add', 't']),
    ('unmap', ('temp',), {}, 'unmap', ['alias', 'temp']),
    ('update', (RID,), {}, 'update', [RID, {}]),
    ('update', (RID, {'name': 'n'}), {}, 'update', [RID, {'name': 'n'}]),
    ('usage', (RID, 'dataport', 1, None), {}, 'usage', [RID, 'dataport', 1, None]),
    ('wait', (RID, {'timeout': 10}), {}, 'wait', [RID, {'timeout': 10}]),
    ('write', (RID, 1.5), {}, 'write', [RID, 1.5, {}]),
    ('writegroup', ([[RID, 1]],), {}, 'writegroup', [[[RID, 1]]]),
]


@pytest.mark.parametrize('name,args,kwargs,procedure,arguments', METHODS)
def test_each_method_sends_its_procedure_and_arguments(make_onep, server, name, args, kwargs,
                                                       procedure, arguments):
    client = make_onep(startid=7)
    isok, result = getattr(client, name)(CIK, *args, **kwargs)
    assert (isok, result) == (True, {'procedure': procedure, 'arguments': arguments})
    sent = server.requests[-1]
    assert sent.method == 'POST' and sent.path == '/onep:v1/rpc/process'
    assert sent.headers['content-type'] == 'application/json; charset=utf-8'
    assert sent.body == ('{"auth": {"cik": "%s"}, "calls": [{"id": 7, "procedure": "%s", '
                         '"arguments": %s}]}' % (CIK, procedure, json.dumps(arguments)))


def test_body_is_json_dumps_with_default_settings(make_onep, server):
    client = make_onep()
    value = 'ünï "q" \u4f60 \U0001f600'
    client.write({'token': 'tok'}, {'alias': 'ä'}, value, {'x': float('nan')})
    body = server.requests[-1].body
    assert body == ('{"auth": {"token": "tok"}, "calls": [{"id": 0, "procedure": "write", '
                    '"arguments": [{"alias": "\\u00e4"}, "\\u00fcn\\u00ef \\"q\\" \\u4f60 '
                    '\\ud83d\\ude00", {"x": NaN}]}]}')


def test_ids_count_up_from_startid_for_the_life_of_the_instance(make_onep, server):
    client = make_onep(startid=1000)
    client.read(CIK, RID, {})
    client.write(CIK, RID, 1, defer=True)
    client.write(CIK, RID, 2, defer=True)
    client.info(CIK, RID)
    client.send_deferred(CIK)
    ids = [[c['id'] for c in r.json()['calls']] for r in server.requests]
    assert ids == [[1000], [1001], [1002, 1003]]  # deferred calls get ids when sent
    assert client.startid == 1004


def test_auth_forms_and_connect_as_connect_owner(make_onep, server):
    client = make_onep()
    client.read(CIK, RID, {})
    client.connect_as(RID)
    client.read(CIK, RID, {})
    client.read({'token': 't'}, RID, {})
    client.connect_owner(RID2)
    client.read(CIK, RID, {})
    client.connect_as(RID2)
    client.read(CIK, RID, {})
    bodies = [r.body for r in server.requests]
    assert [json.loads(b)['auth'] for b in bodies] == [
        {'cik': CIK}, {'cik': CIK, 'client_id': RID}, {'token': 't'},
        {'cik': CIK, 'resource_id': RID2}, {'cik': CIK, 'client_id': RID2}]
    # key order on the wire: cik first
    assert bodies[1].startswith('{"auth": {"cik": "%s", "client_id": "%s"}, "calls": ' % (CIK, RID))


def test_deferred_calls_go_in_one_request_per_auth(make_onep, server):
    client = make_onep()
    assert client.has_deferred(CIK) is False
    assert client.write(CIK, {'alias': 'a'}, 1, defer=True) is True
    assert client.read(CIK, {'alias': 'a'}, {}, defer=True) is True
    assert client.info({'cik': RID}, RID, defer=True) is True
    assert server.requests == []
    assert client.has_deferred(CIK) and client.has_deferred({'cik': RID})
    result = client.send_deferred(CIK)
    assert result == [
        ({'id': 0, 'procedure': 'write', 'arguments': [{'alias': 'a'}, 1, {}]}, True,
         {'procedure': 'write', 'arguments': [{'alias': 'a'}, 1, {}]}),
        ({'id': 1, 'procedure': 'read', 'arguments': [{'alias': 'a'}, {}]}, True,
         {'procedure': 'read', 'arguments': [{'alias': 'a'}, {}]})]
    assert len(server.requests) == 1
    assert client.has_deferred(CIK) is False
    assert client.has_deferred({'cik': RID}) is True
    with pytest.raises(JsonRPCRequestException) as err:
        client.send_deferred(CIK)
    assert str(err.value) == 'No deferred requests to send.'


def test_equal_dict_auths_share_a_queue_and_the_sent_auth_is_the_one_given(make_onep, server):
    client = make_onep()
    client.write({'cik': CIK, 'client_id': RID}, RID, 1, defer=True)
    client.write({'client_id': RID, 'cik': CIK}, RID, 2, defer=True)
    assert client.deferred.get_method_args_pairs({'client_id': RID, 'cik': CIK}) == [
        ('write', [RID, 1, {}]), ('write', [RID, 2, {}])]
    given = {'client_id': RID, 'cik': CIK}
    result = client.send_deferred(given)
    assert len(result) == 2
    assert server.requests[0].body.startswith('{"auth": %s, "calls": ' % json.dumps(given))


def test_string_auth_picks_up_connect_as_at_sending_time(make_onep, server):
    client = make_onep()
    client.write(CIK, RID, 1, defer=True)
    client.connect_as(RID2)
    client.send_deferred(CIK)
    assert server.requests[0].json()['auth'] == {'cik': CIK, 'client_id': RID2}


def test_deferred_wait_is_sent_without_timeout_flag(make_onep, server):
    client = make_onep()
    client.write(CIK, RID, 1, defer=True)
    assert client.deferred.get_notimeout(CIK) is False
    client.wait(CIK, RID, {'timeout': 5}, defer=True)
    assert client.deferred.get_notimeout(CIK) is True
    client.send_deferred(CIK)
    assert client.deferred.get_notimeout(CIK) is False


def test_a_failed_deferred_send_still_clears_the_queue_and_spends_the_ids(make_onep, server):
    from recording_server import free_port
    client = make_onep(port=free_port())
    client.write(CIK, RID, 1, defer=True)
    client.write(CIK, RID, 2, defer=True)
    with pytest.raises(JsonRPCRequestException):
        client.send_deferred(CIK)
    assert client.has_deferred(CIK) is False
    assert client.startid == 2


def test_deferred_requests_reset_and_missing_queue():
    queue = onep_module.DeferredRequests()
    queue.reset(CIK)  # nothing queued: no error
    queue.add(CIK, 'read', [RID, {}])
    queue.add(CIK, 'wait', [RID, {}], notimeout=True)
    assert queue.has_requests(CIK) and queue.get_notimeout(CIK)
    queue.reset(CIK)
    assert not queue.has_requests(CIK) and not queue.get_notimeout(CIK)
    with pytest.raises(KeyError):
        queue.get_method_args_pairs(CIK)


def test_subclass_sees_every_request_through_callJsonRPC_and_adds_procedures(make_onep, server):
    seen = []

    class Timed(onep_module.OnepV1):
        def _callJsonRPC(self, auth, callrequests, returnreq=False, notimeout=False):
            seen.append(([c['procedure'] for c in callrequests], returnreq, notimeout))
            return onep_module.OnepV1._callJsonRPC(self, auth, callrequests, returnreq,
                                                   notimeout=notimeout)

        def comment(self, auth, rid, visibility, text, defer=False):
            return self._call('comment', auth, [rid, visibility, text], defer)

    client = Timed(host='127.0.0.1', port=server.port, https=False)
    assert client.comment(CIK, RID, 'public', 'hi') == (
        True, {'procedure': 'comment', 'arguments': [RID, 'public', 'hi']})
    client.wait(CIK, RID, {'timeout': 1})
    client.comment(CIK, RID, 'private', 'later', defer=True)
    client.info(CIK, RID, defer=True)
    client.send_deferred(CIK)
    assert seen == [(['comment'], False, False), (['wait'], False, True),
                    (['comment', 'info'], True, False)]


def test_composeCalls_and_getAuth_keep_their_roles(make_onep):
    client = make_onep(startid=3)
    assert client._composeCalls([('read', [RID, {}]), ('drop', [RID])]) == [
        {'id': 3, 'procedure': 'read', 'arguments': [RID, {}]},
        {'id': 4, 'procedure': 'drop', 'arguments': [RID]}]
    assert client._getAuth(CIK) == {'cik': CIK}
    assert client._getAuth({'token': 'x'}) == {'token': 'x'}


def test_loggedrequests_records_each_request(make_onep, server):
    client = make_onep(logrequests=True)
    client.read(CIK, RID, {})
    client.write(CIK, RID, 1, defer=True)
    client.send_deferred(CIK)
    assert client.loggedrequests() == [
        {'auth': {'cik': CIK}, 'calls': [{'id': 0, 'procedure': 'read', 'arguments': [RID, {}]}]},
        {'auth': {'cik': CIK}, 'calls': [{'id': 1, 'procedure': 'write', 'arguments': [RID, 1, {}]}]}]
    assert make_onep().loggedrequests() == []


def test_url_and_agent_reach_the_wire(make_onep, server):
    client = make_onep(url='/onep:v1/rpc/process?x=1', agent='Exoline 2.0')
    client.read(CIK, RID, {})
    assert (server.requests[0].path, server.requests[0].query) == ('/onep:v1/rpc/process', 'x=1')
    assert server.requests[0].headers['user-agent'] == 'Exoline 2.0'


def test_package_surface():
    assert pyonep.OnepV1 is onep_module.OnepV1
    assert pyonep.DeferredRequests is onep_module.DeferredRequests
    from pyonep.provision import Provision
    assert pyonep.Provision is Provision
    assert (onep_module.FORMATS.STRING, onep_module.FORMATS.FLOAT,
            onep_module.FORMATS.INTEGER) == ('string', 'float', 'integer')
    from pyonep import exceptions
    for name in ('OnePlatformException', 'JsonRPCRequestException', 'JsonRPCResponseException',
                 'JsonStringException', 'ProvisionException'):
        assert issubclass(getattr(exceptions, name), OneException)
    assert onep_module.log.name == 'pyonep.onep'
    from pyonep import onephttp
    assert onephttp.OneP_Request


def test_version_is_above_0_13_8():
    parts = tuple(int(p) for p in pyonep.__version__.split('.'))
    assert parts > (0, 13, 8)
