"""Audit of the RPC semantics against the platform's RPC document: each test pins a case
where the emulator once answered differently from what the document says."""
from rpc_helpers import call, make_client, rpc


def test_resource_id_auth_naming_the_cik_own_client_does_not_reach_its_owner(emu, onep, cik):
    # resource_id auth acts as the owner of a resource strictly below the CIK's client; a
    # client is not its own ancestor, so naming itself must not make it act as its parent.
    child, child_cik = make_client(onep, cik)
    sibling, _ = make_client(onep, cik)
    auth = {'cik': child_cik, 'resource_id': child}
    reply = rpc(emu, auth, [{'id': 1, 'procedure': 'info', 'arguments': [sibling, {}]}])
    assert reply == {'error': {'code': 401, 'message': 'Invalid', 'context': 'auth'}}
    # a resource strictly below still works: the child's dataport names the child
    port = call(emu, {'cik': child_cik}, 'create', 'dataport', {'format': 'integer'})['result']
    reply = call(emu, {'cik': child_cik, 'resource_id': port}, 'lookup', {'alias': ''}, 'alias', '')
    assert reply == {'status': 'ok', 'result': child}


def test_listing_unknown_type_gives_status_error_with_a_message(emu, cik):
    reply = call(emu, {'cik': cik}, 'listing', {'alias': ''}, ['gizmo'], {})
    assert reply['status'] == 'error'
    assert isinstance(reply.get('result'), str) and 'gizmo' in reply['result']


def test_listing_with_a_resource_but_no_options_gives_the_list_form(emu, cik):
    # leaving the options out selects the (deprecated) list-of-lists result, whether or not
    # the client to list is named first
    port = call(emu, {'cik': cik}, 'create', 'dataport', {'format': 'integer'})['result']
    reply = call(emu, {'cik': cik}, 'listing', {'alias': ''}, ['datarule', 'dataport'])
    assert reply == {'status': 'ok', 'result': [[], [port]]}
    reply = call(emu, {'cik': cik}, 'listing', {'alias': ''}, ['dataport'], {})
    assert reply == {'status': 'ok', 'result': {'dataport': [port]}}


def test_retention_count_zero_keeps_nothing_but_still_publishes(emu, cik):
    # retention limits what a resource stores, not what it publishes: a subscriber of a
    # resource that keeps no points still receives every value written to it
    auth = {'cik': cik}
    source = call(emu, auth, 'create', 'dataport',
                  {'format': 'integer', 'retention': {'count': 0}})['result']
    copy = call(emu, auth, 'create', 'dataport', {'format': 'integer', 'subscribe': source})['result']
    rule = call(emu, auth, 'create', 'datarule', {
        'format': 'integer', 'subscribe': source, 'retention': {'count': 0},
        'rule': {'simple': {'comparison': 'gt', 'constant': 5, 'repeat': True}}})['result']
    alarm = call(emu, auth, 'create', 'dispatch', {
        'method': 'email', 'recipient': 'ops@example.com', 'subscribe': rule})['result']
    assert call(emu, auth, 'write', source, 7) == {'status': 'ok'}
    assert call(emu, auth, 'read', source, {}) == {'status': 'ok', 'result': []}
    assert call(emu, auth, 'read', rule, {}) == {'status': 'ok', 'result': []}
    assert [p[1] for p in call(emu, auth, 'read', copy, {})['result']] == [7]
    assert [p[1] for p in call(emu, auth, 'read', alarm, {})['result']] == ['emulated']
    assert [e['message'] for e in emu.platform.dispatch_log(alarm)] == ['1']


def _client_under(emu, auth):
    rid = call(emu, auth, 'create', {'alias': ''}, 'client', {})['result']
    return rid, {'cik': call(emu, auth, 'info', rid, {'key': True})['result']['key']}


def test_move_out_of_an_ancestors_reach_deletes_its_now_invalid_aliases(emu, cik):
    # an ancestor's alias of a resource moved out of its subtree would name a resource it
    # can no longer reach: the move deletes it (with or without the "aliases" option)
    root = {'cik': cik}
    for keep_aliases in (False, True):
        a, a_auth = _client_under(emu, root)
        b, _ = _client_under(emu, root)
        p, p_auth = _client_under(emu, a_auth)
        port = call(emu, p_auth, 'create', 'dataport', {'format': 'integer'})['result']
        inner = call(emu, p_auth, 'create', 'dataport', {'format': 'integer'})['result']
        assert call(emu, a_auth, 'map', 'alias', port, 'far')['status'] == 'ok'
        assert call(emu, a_auth, 'map', 'alias', p, 'child')['status'] == 'ok'
        assert call(emu, p_auth, 'map', 'alias', inner, 'near')['status'] == 'ok'
        assert call(emu, root, 'move', port, b, {'aliases': keep_aliases}) == {'status': 'ok'}
        assert call(emu, a_auth, 'lookup', {'alias': ''}, 'alias', 'far') == {'status': 'invalid'}
        assert call(emu, a_auth, 'info', {'alias': ''}, {'aliases': True})['result'] == {
            'aliases': {p: ['child']}}
        assert call(emu, a_auth, 'map', 'alias', inner, 'far') == {'status': 'ok'}
        # aliases that still reach their resource stay
        assert call(emu, p_auth, 'lookup', {'alias': ''}, 'alias', 'near')['result'] == inner
