"""Resource procedures through OnepV1: create (every type and clone), move, update, info,
listing, drop, usage; aliases (map, lookup, unmap); shares and keys; tag and comment."""
import pytest

from rpc_helpers import call, make_client, make_dataport, ok

NOW = 1500000000
RETENTION = {'count': 'infinity', 'duration': 'infinity'}


def test_create_client_fills_in_the_documented_defaults(onep, cik):
    rid = ok(onep.create(cik, 'client', {'name': 'Dev'}))
    desc = ok(onep.info(cik, rid, {'description': True}))['description']
    assert desc == {'limits': dict((k, 0) for k in (
        'client', 'dataport', 'datarule', 'disk', 'dispatch', 'email', 'email_bucket', 'http',
        'http_bucket', 'share', 'sms', 'sms_bucket', 'xmpp', 'xmpp_bucket')),
        'locked': False, 'meta': '', 'name': 'Dev', 'public': False}


def test_create_client_limits_inherit_and_numbers(onep, cik):
    rid = ok(onep.create(cik, 'client', {'limits': {'dataport': 'inherit', 'client': 5}}))
    limits = ok(onep.info(cik, rid, {'description': True}))['description']['limits']
    assert limits['dataport'] == 'inherit' and limits['client'] == 5 and limits['sms'] == 0
    assert onep.create(cik, 'client', {'limits': {'dataport': -1}}) == (False, 'invalid')
    assert onep.create(cik, 'client', {'limits': {'bogus': 1}}) == (False, 'invalid')


def test_create_dataport_defaults(onep, cik):
    rid = make_dataport(onep, cik, 'string')
    desc = ok(onep.info(cik, rid, {'description': True}))['description']
    assert desc == {'format': 'string', 'meta': '', 'name': '', 'preprocess': [],
                    'public': False, 'retention': RETENTION, 'subscribe': None}


@pytest.mark.parametrize('desc', [{}, {'format': 'double'}, {'format': 'float', 'public': 'yes'},
                                  {'format': 'float', 'retention': {'count': -1}},
                                  {'format': 'float', 'name': 5}])
def test_create_dataport_rejects_bad_descriptions(onep, cik, desc):
    assert onep.create(cik, 'dataport', desc) == (False, 'invalid')


def test_create_datarule_and_dispatch_defaults(onep, cik):
    rule = ok(onep.create(cik, 'datarule', {'format': 'integer', 'rule': {
        'simple': {'comparison': 'gt', 'constant': 5}}}))
    desc = ok(onep.info(cik, rule, {'description': True}))['description']
    assert desc['rule'] == {'simple': {'comparison': 'gt', 'constant': 5, 'repeat': False}}
    assert desc['retention'] == RETENTION and desc['subscribe'] is None
    dispatch = ok(onep.create(cik, 'dispatch', {'method': 'email', 'recipient': 'a@example.com'}))
    desc = ok(onep.info(cik, dispatch, {'description': True}))['description']
    assert desc == {'locked': False, 'message': '', 'meta': '', 'method': 'email', 'name': '',
                    'preprocess': [], 'public': False, 'recipient': 'a@example.com',
                    'retention': RETENTION, 'subject': '', 'subscribe': None}
    assert ok(onep.info(cik, dispatch, {'basic': True}))['basic']['status'] == 'activated'


def test_create_under_an_explicit_parent(emu, onep, cik):
    child, child_cik = make_client(onep, cik)
    reply = call(emu, {'cik': cik}, 'create', child, 'dataport', {'format': 'float'})
    assert reply['status'] == 'ok'
    assert ok(onep.listing(child_cik, ['dataport'], {})) == {'dataport': [reply['result']]}


def test_create_unknown_type_is_invalid(onep, cik):
    assert onep.create(cik, 'gizmo', {}) == (False, 'invalid')


def test_clone_copies_subtree_aliases_and_history(onep, cik):
    template, tcik = make_client(onep, cik, {'name': 'template'})
    port = make_dataport(onep, tcik, alias='temp')
    ok(onep.write(tcik, port, 7))
    clone = ok(onep.create(cik, 'clone', {'rid': template}))
    clone_cik = ok(onep.info(cik, clone, {'key': True}))['key']
    assert clone_cik != tcik
    ok(onep.activate(cik, 'client', clone_cik))  # a clone waits for activation (live platform)
    ports = ok(onep.listing(clone_cik, ['dataport'], {}))['dataport']
    assert len(ports) == 1 and ports[0] != port
    assert ok(onep.read(clone_cik, {'alias': 'temp'}, {})) == [[NOW, 7]]
    bare = ok(onep.create(cik, 'clone', {'rid': template, 'noaliases': True, 'nohistorical': True}))
    bare_cik = ok(onep.info(cik, bare, {'key': True}))['key']
    ok(onep.activate(cik, 'client', bare_cik))
    assert onep.read(bare_cik, {'alias': 'temp'}, {}) == (False, 'invalid')
    bare_port = ok(onep.listing(bare_cik, ['dataport'], {}))['dataport'][0]
    assert ok(onep.read(bare_cik, bare_port, {})) == []


def test_clone_by_share_code(onep, cik):
    template, tcik = make_client(onep, cik)
    code = ok(onep.share(cik, template))
    clone = ok(onep.create(cik, 'clone', {'code': code}))
    assert ok(onep.info(cik, clone, {'basic': True}))['basic']['type'] == 'client'
    assert onep.create(cik, 'clone', {'code': 'f' * 40}) == (False, 'invalid')


def test_clone_of_a_dataport_is_invalid(onep, cik):
    port = make_dataport(onep, cik)
    assert onep.create(cik, 'clone', {'rid': port}) == (False, 'invalid')


def test_move_with_and_without_aliases(onep, cik):
    a, a_cik = make_client(onep, cik)
    b, b_cik = make_client(onep, cik)
    port = make_dataport(onep, a_cik, alias='x')
    ok(onep.move(cik, port, b))
    assert ok(onep.listing(b_cik, ['dataport'], {})) == {'dataport': [port]}
    assert ok(onep.listing(a_cik, ['dataport'], {})) == {'dataport': []}
    assert ok(onep.lookup(b_cik, 'alias', 'x')) == port
    ok(onep.move(cik, port, a, {'aliases': False}))
    assert onep.lookup(a_cik, 'alias', 'x') == (False, 'invalid')


def test_move_into_its_own_subtree_is_invalid(onep, cik):
    a, a_cik = make_client(onep, cik)
    inner, _ = make_client(onep, a_cik)
    assert onep.move(cik, a, inner) == (False, 'invalid')


def test_update_changes_the_description_but_not_the_format(onep, cik, clock):
    rid = make_dataport(onep, cik, name='old')
    clock.advance(60)
    ok(onep.update(cik, rid, {'name': 'new', 'retention': {'count': 5}}))
    info = ok(onep.info(cik, rid, {'description': True, 'basic': True}))
    assert info['description']['name'] == 'new'
    assert info['description']['retention'] == {'count': 5, 'duration': 'infinity'}
    assert info['basic']['modified'] == NOW + 60 and info['basic']['created'] == NOW
    assert onep.update(cik, rid, {'format': 'string'}) == (False, 'invalid')
    assert onep.update(cik, {'alias': ''}, {'name': 'me'}) == (False, 'restricted')


def test_info_with_empty_options_reports_everything_available(onep, cik):
    child, child_cik = make_client(onep, cik)
    info = ok(onep.info(cik, child, {}))
    assert set(info) == {'aliases', 'basic', 'comments', 'counts', 'description', 'key',
                         'shares', 'subscribers', 'tagged', 'tags', 'usage'}
    assert info['key'] == child_cik
    own = ok(onep.info(child_cik, {'alias': ''}, {}))
    assert 'key' not in own
    port = make_dataport(onep, cik)
    assert set(ok(onep.info(cik, port, {}))) == {
        'aliases', 'basic', 'comments', 'description', 'shares', 'storage', 'subscribers',
        'tagged', 'tags'}


def test_info_counts_usage_storage_and_aliases(onep, cik):
    child, child_cik = make_client(onep, cik)
    make_dataport(onep, child_cik)
    port = make_dataport(onep, cik, 'string', alias='log')
    ok(onep.map(cik, port, 'journal'))
    ok(onep.recordbatch(cik, port, [[5, 'abc'], [9, 'de']]))
    info = ok(onep.info(cik, {'alias': ''}, {'counts': True, 'usage': True, 'aliases': True}))
    assert info['counts']['client'] == 1 and info['counts']['dataport'] == 1
    assert info['usage']['client'] == 1 and info['usage']['dataport'] == 2
    assert info['counts']['disk'] == 5
    assert info['aliases'] == {port: ['journal', 'log']}
    assert ok(onep.info(cik, port, {'storage': True}))['storage'] == {
        'count': 2, 'first': 5, 'last': 9, 'size': 5}


def test_info_key_is_only_for_the_direct_owner(onep, cik):
    """Only the direct owner sees a client's key; for anyone else ``info`` leaves it out
    and stays 'ok', as the live platform did (exoline's exo.py asks every node for its key
    and fills in what is missing)."""
    child, child_cik = make_client(onep, cik)
    grandchild, _ = make_client(onep, child_cik)
    assert onep.info(cik, grandchild, {'key': True}) == (True, {})
    assert 'key' in ok(onep.info(child_cik, grandchild, {'key': True}))


def test_info_rejects_unknown_options(onep, cik):
    assert onep.info(cik, {'alias': ''}, {'colour': True}) == (False, 'invalid')


def test_listing_forms_and_options(emu, onep, cik):
    child, child_cik = make_client(onep, cik)
    port = make_dataport(onep, cik, alias='p')
    assert ok(onep.listing(cik, ['client', 'dataport'], {})) == {
        'client': [child], 'dataport': [port]}
    assert ok(onep.listing(cik, ['dataport', 'client'])) == [[port], [child]]
    assert ok(onep.listing(cik, ['datarule'], {}, {'alias': ''})) == {'datarule': []}
    reply = call(emu, {'cik': cik}, 'listing', ['gizmo'], {})
    assert reply['status'] == 'error'
    theirs = make_dataport(onep, child_cik, alias='mine')
    ok(onep.map(cik, theirs, 'theirs'))
    assert ok(onep.listing(cik, ['dataport'], {'aliased': True})) == {'dataport': [port, theirs]}


def test_listing_activated_public_and_tagged(onep, cik):
    a, a_cik = make_client(onep, cik)
    b, b_cik = make_client(onep, cik)
    shared = make_dataport(onep, a_cik)
    public = make_dataport(onep, a_cik, public=True)
    ok(onep.activate(b_cik, 'share', ok(onep.share(a_cik, shared))))
    assert ok(onep.listing(b_cik, ['dataport'], {'activated': True})) == {'dataport': [shared]}
    assert ok(onep.listing(b_cik, ['dataport'], {'public': True})) == {'dataport': [public]}
    ok(onep.tag(a_cik, shared, 'add', 'hot'))
    assert ok(onep.listing(a_cik, ['dataport'], {'owned': True, 'tagged': ['hot', 'x']})) == {
        'dataport': [shared]}
    assert ok(onep.info(a_cik, shared, {'tags': True})) == {'tags': ['hot']}
    assert ok(onep.info(cik, a, {'tagged': True})) == {'tagged': [shared]}
    ok(onep.tag(a_cik, shared, 'remove', 'hot'))
    assert ok(onep.listing(a_cik, ['dataport'], {'tagged': ['hot']})) == {'dataport': []}


def test_drop_removes_the_whole_subtree_with_aliases_and_data(onep, cik):
    child, child_cik = make_client(onep, cik)
    port = make_dataport(onep, child_cik, alias='inner')
    ok(onep.write(child_cik, port, 1))
    ok(onep.map(cik, child, 'kid'))
    ok(onep.map(cik, port, 'deep'))
    ok(onep.drop(cik, {'alias': 'kid'}))
    assert onep.lookup(cik, 'alias', 'kid') == (False, 'invalid')
    assert onep.lookup(cik, 'alias', 'deep') == (False, 'invalid')
    assert onep.read(cik, port, {}) == (False, 'restricted')  # a RID naming nothing
    assert ok(onep.listing(cik, ['client'], {})) == {'client': []}
    with pytest.raises(Exception):
        onep.info(child_cik, {'alias': ''}, {})


def test_drop_of_itself_or_outside_is_restricted(onep, cik):
    a, a_cik = make_client(onep, cik)
    b, b_cik = make_client(onep, cik)
    assert onep.drop(a_cik, {'alias': ''}) == (False, 'restricted')
    assert onep.drop(a_cik, b) == (False, 'restricted')


def test_usage_counts_entity_seconds_and_consumables(onep, cik, clock):
    child, child_cik = make_client(onep, cik)
    make_dataport(onep, child_cik)
    clock.advance(100)
    assert ok(onep.usage(cik, {'alias': ''}, 'dataport', NOW, NOW + 100)) == 100
    assert ok(onep.usage(cik, {'alias': ''}, 'client', NOW + 50, NOW + 100)) == 50
    ok(onep.share(cik, child))
    assert ok(onep.usage(cik, {'alias': ''}, 'share', NOW, NOW + 200)) == 1
    assert onep.usage(cik, {'alias': ''}, 'bananas', 0, 1) == (False, 'invalid')


def test_map_lookup_unmap(onep, cik):
    port = make_dataport(onep, cik)
    ok(onep.map(cik, port, 'temperature'))
    assert onep.map(cik, port, 'temperature') == (False, 'invalid')
    assert ok(onep.lookup(cik, 'alias', 'temperature')) == port
    me = ok(onep.lookup(cik, 'alias', ''))
    assert ok(onep.info(cik, me, {'basic': True}))['basic']['type'] == 'client'
    assert ok(onep.lookup(cik, 'owner', port)) == me
    ok(onep.unmap(cik, 'temperature'))
    assert onep.lookup(cik, 'alias', 'temperature') == (False, 'invalid')
    assert onep.unmap(cik, 'temperature') == (True, 'ok')  # unmapped already: still ok (live platform)


def test_lookup_full_form_and_own_owner(emu, onep, cik):
    child, child_cik = make_client(onep, cik)
    ok(onep.map(child_cik, make_dataport(onep, child_cik), 'x'))
    reply = call(emu, {'cik': cik}, 'lookup', child, 'alias', 'x')
    assert reply['status'] == 'ok'
    assert onep.lookup(child_cik, 'owner', {'alias': ''}) == (False, 'restricted')


def test_share_activate_lookup_deactivate_revoke(onep, cik):
    a, a_cik = make_client(onep, cik)
    b, b_cik = make_client(onep, cik)
    port = make_dataport(onep, a_cik)
    ok(onep.write(a_cik, port, 3))
    code = ok(onep.share(a_cik, port, {'meta': 'for b'}))
    assert len(code) == 40
    assert onep.read(b_cik, port, {}) == (False, 'restricted')
    ok(onep.activate(b_cik, 'share', code))
    assert ok(onep.read(b_cik, port, {})) == [[NOW, 3]]
    assert onep.write(b_cik, port, 4) == (False, 'restricted')
    assert ok(onep.lookup(b_cik, 'shared', code)) == port
    assert ok(onep.info(a_cik, port, {'shares': True})) == {
        'shares': [{'activator': b, 'code': code, 'meta': 'for b'}]}
    assert onep.activate(cik, 'share', code) == (False, 'invalid')
    ok(onep.deactivate(b_cik, 'share', code))
    assert onep.read(b_cik, port, {}) == (False, 'restricted')
    ok(onep.activate(b_cik, 'share', code))
    assert onep.revoke(b_cik, 'share', code) == (False, 'noauth')
    ok(onep.revoke(a_cik, 'share', code))
    assert onep.read(b_cik, port, {}) == (False, 'restricted')
    assert onep.revoke(a_cik, 'share', code) == (False, 'invalid')


def test_share_meta_update_with_code(onep, cik):
    port = make_dataport(onep, cik)
    code = ok(onep.share(cik, port, {'meta': 'one'}))
    assert ok(onep.share(cik, port, {'meta': 'two', 'code': code})) == code
    assert ok(onep.info(cik, port, {'shares': True}))['shares'][0]['meta'] == 'two'


def test_revoke_deactivate_and_activate_client_keys(onep, cik):
    child, child_cik = make_client(onep, cik)
    ok(onep.revoke(cik, 'client', child_cik))
    with pytest.raises(Exception):
        onep.info(child_cik, {'alias': ''}, {})
    new_cik = ok(onep.info(cik, child, {'key': True}))['key']
    assert new_cik != child_cik
    assert ok(onep.info(cik, child, {'basic': True}))['basic']['status'] == 'notactivated'
    ok(onep.activate(cik, 'client', new_cik))
    assert ok(onep.info(new_cik, {'alias': ''}, {'basic': True}))['basic']['status'] == 'activated'
    assert onep.activate(cik, 'client', new_cik) == (False, 'invalid')
    ok(onep.deactivate(cik, 'client', new_cik))
    assert ok(onep.info(cik, child, {'basic': True}))['basic']['status'] == 'expired'
    assert onep.activate(cik, 'client', new_cik) == (False, 'invalid')
    assert onep.revoke(cik, 'client', 'e' * 40) == (False, 'invalid')
    other, other_cik = make_client(onep, cik)
    sibling, sibling_cik = make_client(onep, cik)
    assert onep.revoke(sibling_cik, 'client', other_cik) == (False, 'noauth')


def test_comment_is_stored_and_shown_by_info(onep, cik):
    port = make_dataport(onep, cik)
    assert onep._call('comment', cik, [port, 'public', 'hello'], False) == (True, 'ok')
    assert ok(onep.info(cik, port, {'comments': True})) == {'comments': [['public', 'hello']]}
    assert onep._call('comment', cik, [port, 'secret', 'x'], False)[0] is False
