"""Authentication: the four auth forms, isolation between siblings, grant tokens with
their permissions and expiry, and the 401 error object for keys that do not work."""
import pytest

from pyonep.exceptions import OnePlatformException
from rpc_helpers import call, make_client, make_dataport, ok, rpc

INVALID_AUTH = {'error': {'code': 401, 'message': 'Invalid', 'context': 'auth'}}


def test_unknown_cik_gets_the_401_error_object(emu):
    assert rpc(emu, {'cik': 'f' * 40}, [{'id': 1, 'procedure': 'info',
                                         'arguments': [{'alias': ''}, {}]}]) == INVALID_AUTH


def test_onepv1_raises_for_an_unknown_cik(onep):
    with pytest.raises(OnePlatformException) as caught:
        onep.info('0' * 40, {'alias': ''}, {})
    assert '401' in str(caught.value)


@pytest.mark.parametrize('auth', [{'cik': 5}, {'cik': None}, {}, {'token': 7},
                                  {'cik': 'a', 'token': 'b'}, {'cik': 'a', 'colour': 'b'}])
def test_malformed_credentials_get_401(emu, auth):
    assert rpc(emu, auth, [{'id': 1, 'procedure': 'info', 'arguments': [{'alias': ''}, {}]}]) == (
        INVALID_AUTH)


def test_revoked_and_deactivated_ciks_stop_working(emu, onep, cik):
    a, a_cik = make_client(onep, cik)
    b, b_cik = make_client(onep, cik)
    ok(onep.revoke(cik, 'client', a_cik))
    ok(onep.deactivate(cik, 'client', b_cik))
    for key in (a_cik, b_cik):
        assert rpc(emu, {'cik': key}, [{'id': 1, 'procedure': 'listing',
                                        'arguments': [['client'], {}]}]) == INVALID_AUTH


def test_siblings_cannot_reach_each_other(onep, cik):
    a, a_cik = make_client(onep, cik)
    b, b_cik = make_client(onep, cik)
    port = make_dataport(onep, a_cik)
    for result in (onep.read(b_cik, port, {}), onep.write(b_cik, port, 1), onep.info(b_cik, a, {}),
                   onep.drop(b_cik, port), onep.map(b_cik, port, 'x'), onep.flush(b_cik, port),
                   onep.update(b_cik, port, {'name': 'y'}), onep.share(b_cik, port)):
        assert result == (False, 'restricted')
    root = ok(onep.lookup(cik, 'alias', ''))
    assert onep.info(a_cik, root, {}) == (False, 'restricted')


def test_an_ancestor_reaches_the_whole_subtree(onep, cik):
    a, a_cik = make_client(onep, cik)
    inner, inner_cik = make_client(onep, a_cik)
    port = make_dataport(onep, inner_cik)
    ok(onep.write(cik, port, 5))
    assert ok(onep.read(a_cik, port, {}))[0][1] == 5


def test_client_id_auth_acts_as_a_descendant(emu, onep, cik):
    a, a_cik = make_client(onep, cik)
    b, b_cik = make_client(onep, cik)
    make_dataport(onep, a_cik, alias='here')
    reply = call(emu, {'cik': cik, 'client_id': a}, 'lookup', 'alias', 'here')
    assert reply['status'] == 'ok'
    assert rpc(emu, {'cik': b_cik, 'client_id': a}, [
        {'id': 1, 'procedure': 'lookup', 'arguments': ['alias', 'here']}]) == INVALID_AUTH


def test_resource_id_auth_acts_as_the_owner(emu, onep, cik):
    a, a_cik = make_client(onep, cik)
    port = make_dataport(onep, a_cik, alias='here')
    reply = call(emu, {'cik': cik, 'resource_id': port}, 'lookup', 'alias', 'here')
    assert reply == {'status': 'ok', 'result': port}
    assert rpc(emu, {'cik': a_cik, 'resource_id': 'b' * 40}, [
        {'id': 1, 'procedure': 'lookup', 'arguments': ['alias', 'here']}]) == INVALID_AUTH


def test_onepv1_connect_as_and_connect_owner(emu, cik):
    onep = emu.onep()
    a, a_cik = make_client(onep, cik)
    port = make_dataport(onep, a_cik, alias='here')
    onep.connect_as(a)
    assert ok(onep.lookup(cik, 'alias', 'here')) == port
    onep.connect_owner(port)
    assert ok(onep.lookup(cik, 'alias', 'here')) == port


def test_token_acts_with_exactly_the_granted_permissions(onep, cik):
    port = make_dataport(onep, cik, alias='temperature')
    other = make_dataport(onep, cik)
    ok(onep.write(cik, port, 1))
    token = ok(onep.grant(cik, {'alias': ''}, {port: ['read']}))
    assert len(token) == 40 and int(token, 16) >= 0
    auth = {'token': token}
    assert ok(onep.read(auth, {'alias': 'temperature'}, {}))[0][1] == 1
    assert onep.write(auth, port, 2) == (False, 'restricted')
    assert onep.read(auth, other, {}) == (False, 'restricted')
    assert onep.info(auth, port, {}) == (False, 'restricted')
    assert onep.create(auth, 'dataport', {'format': 'float'}) == (False, 'restricted')


def test_token_expires_after_its_ttl(emu, onep, cik, clock):
    port = make_dataport(onep, cik)
    token = ok(onep.grant(cik, {'alias': ''}, {port: ['read', 'write']}, ttl=60))
    ok(onep.write({'token': token}, port, 3))
    clock.advance(59)
    assert ok(onep.read({'token': token}, port, {}))[0][1] == 3
    clock.advance(1)
    assert rpc(emu, {'token': token}, [{'id': 1, 'procedure': 'read',
                                        'arguments': [port, {}]}]) == INVALID_AUTH


def test_grant_cannot_reach_outside_the_granting_client(onep, cik):
    a, a_cik = make_client(onep, cik)
    b, b_cik = make_client(onep, cik)
    port = make_dataport(onep, b_cik)
    assert onep.grant(a_cik, {'alias': ''}, {port: ['read']}) == (False, 'restricted')
    assert onep.grant(cik, a, {port: ['read']}) == (False, 'restricted')
    assert onep.grant(cik, a, {port: ['read']}, ttl=-5) == (False, 'restricted')
    own = make_dataport(onep, a_cik)
    assert onep.grant(a_cik, {'alias': ''}, {own: ['read']}, ttl=-5) == (False, 'invalid')


def test_token_dies_with_its_client(emu, onep, cik):
    a, a_cik = make_client(onep, cik)
    port = make_dataport(onep, a_cik)
    token = ok(onep.grant(a_cik, {'alias': ''}, {port: ['read']}))
    ok(onep.drop(cik, a))
    assert rpc(emu, {'token': token}, [{'id': 1, 'procedure': 'read',
                                        'arguments': [port, {}]}]) == INVALID_AUTH


def test_locked_client_gets_status_locked(onep, cik):
    a, a_cik = make_client(onep, cik)
    ok(onep.update(cik, a, {'locked': True}))
    assert onep.listing(a_cik, ['dataport'], {}) == (False, 'locked')
    assert ok(onep.info(cik, a, {'basic': True}))['basic']['status'] == 'locked'


def test_token_permissions_are_checked_for_every_resource_of_a_call(onep, cik):
    a = make_dataport(onep, cik)
    b = make_dataport(onep, cik)
    token = {'token': ok(onep.grant(cik, {'alias': ''}, {a: ['writegroup', 'drop'],
                                                         b: ['read']}))}
    assert onep.writegroup(token, [[a, 1], [b, 2]]) == (False, 'restricted')
    assert ok(onep.read(cik, a, {})) == []
    ok(onep.writegroup(token, [[a, 1]]))
    assert onep.drop(token, b) == (False, 'restricted')
    ok(onep.drop(token, a))
    assert onep.revoke(token, 'share', 'x' * 40) == (False, 'restricted')


def test_a_shared_resource_can_feed_a_subscriber_of_the_activator(onep, cik):
    a, a_cik = make_client(onep, cik)
    b, b_cik = make_client(onep, cik)
    source = make_dataport(onep, a_cik)
    ok(onep.activate(b_cik, 'share', ok(onep.share(a_cik, source))))
    mirror = make_dataport(onep, b_cik, subscribe=source)
    ok(onep.write(a_cik, source, 8))
    assert ok(onep.read(b_cik, mirror, {}))[0][1] == 8
    other, other_cik = make_client(onep, cik)
    assert onep.create(other_cik, 'dataport', {'format': 'integer', 'subscribe': source}) == (
        False, 'restricted')
