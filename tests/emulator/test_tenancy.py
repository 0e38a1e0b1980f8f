"""No tenant reaches another (issue 9, items 1-4): a model template must be the vendor's own,
a token holds at most what it was given, a locked client is locked in every auth form, and a
private resource is never listed as public."""
from fleet_helpers import http, make_template
from rpc_helpers import call, make_client, make_dataport, ok, rpc

MODELS = '/provision/manage/model/'
INVALID_AUTH = {'error': {'code': 401, 'message': 'Invalid', 'context': 'auth'}}


def vendor_under(emu, name):
    """Register vendor ``name`` to a new client under root; return (rid, cik, headers)."""
    rid, cik = make_client(emu.onep(), emu.root_cik)
    headers = {'X-Exosite-CIK': cik}
    assert http(emu, 'POST', '/provision/register', headers=headers,
                fields=[('vendor', name)]).status == 205
    return rid, cik, headers


# ---------------------------------------------------------------- 1. model templates
def test_a_model_template_must_be_in_the_vendors_own_subtree(emu):
    onep = emu.onep()
    _, victim_cik = make_client(onep, emu.root_cik)
    secret = make_template(onep, victim_cik)          # another tenant's client, with data
    _, mallory_cik, headers = vendor_under(emu, 'mallory')
    own = make_template(onep, mallory_cik)
    refused = http(emu, 'POST', MODELS, headers=headers, fields=[('model', 'm'), ('rid', secret)])
    assert refused.status == 403, refused
    assert http(emu, 'GET', MODELS, headers=headers).status in (200, 204)
    assert http(emu, 'GET', MODELS, headers=headers).text == ''
    assert http(emu, 'POST', MODELS, headers=headers,
                fields=[('model', 'm'), ('rid', own)]).status == 205
    put = http(emu, 'PUT', MODELS + 'm', 'rid=' + secret, headers=dict(
        headers, **{'Content-Type': 'application/x-www-form-urlencoded'}))
    assert put.status == 403, put
    assert http(emu, 'GET', MODELS + 'm', headers=headers).text == 'rid=' + own


def test_a_share_code_still_names_another_tenants_template(emu):
    onep = emu.onep()
    _, owner_cik = make_client(onep, emu.root_cik)
    template = make_template(onep, owner_cik)
    code = ok(onep.share(owner_cik, template))       # the owner hands the template over
    _, _, headers = vendor_under(emu, 'partner')
    assert http(emu, 'POST', MODELS, headers=headers,
                fields=[('model', 'm'), ('code', code)]).status == 205


def test_enabling_refuses_a_template_that_left_the_vendors_subtree(emu):
    onep = emu.onep()
    _, _, headers = vendor_under(emu, 'v')
    vendor_cik = headers['X-Exosite-CIK']
    template = make_template(onep, vendor_cik)
    assert http(emu, 'POST', MODELS, headers=headers, fields=[('model', 'm'), ('rid', template)]).status == 205
    assert http(emu, 'POST', MODELS + 'm/', headers=headers, fields=[('sn', 'A')]).status == 205
    other, _ = make_client(onep, emu.root_cik)
    ok(onep.move(emu.root_cik, template, other))      # root gives the template to another tenant
    vendor_rid = ok(onep.lookup(vendor_cik, 'alias', ''))
    enabled = http(emu, 'POST', MODELS + 'm/A', headers=headers,
                   fields=[('enable', 'true'), ('owner', vendor_rid)])
    assert enabled.status == 403, enabled
    assert ok(onep.listing(vendor_cik, ['client'], {})) == {'client': []}


# ---------------------------------------------------------------- 2. tokens
def test_a_token_grants_only_procedures_it_holds(onep, cik):
    port = make_dataport(onep, cik)
    ok(onep.write(cik, port, 1))
    granter = {'token': ok(onep.grant(cik, port, {port: ['grant', 'read']}))}
    assert onep.grant(granter, port, {port: ['write', 'flush', 'drop']}) == (False, 'restricted')
    assert onep.grant(granter, port, {port: ['read', 'write']}) == (False, 'restricted')
    reader = {'token': ok(onep.grant(granter, port, {port: ['read']}))}
    assert ok(onep.read(reader, port, {}))[0][1] == 1
    assert onep.write(reader, port, 2) == (False, 'restricted')


def test_a_token_grants_only_on_resources_it_covers(onep, cik):
    mine = make_dataport(onep, cik)
    other = make_dataport(onep, cik)
    granter = {'token': ok(onep.grant(cik, mine, {mine: ['grant', 'write']}))}
    assert onep.grant(granter, mine, {other: ['write']}) == (False, 'restricted')


def test_a_granted_token_lives_no_longer_than_its_granter(emu, onep, cik, clock):
    port = make_dataport(onep, cik)
    granter = {'token': ok(onep.grant(cik, port, {port: ['grant', 'write']}, ttl=1))}
    assert onep.grant(granter, port, {port: ['write']}, ttl=5) == (False, 'restricted')
    forever = {'token': ok(onep.grant(granter, port, {port: ['write']}))}   # no ttl: the granter's
    brief = {'token': ok(onep.grant(granter, port, {port: ['write']}, ttl=0.5))}
    ok(onep.write(forever, port, 1))
    clock.advance(0.5)
    assert rpc(emu, brief, [{'id': 1, 'procedure': 'write', 'arguments': [port, 2]}]) == INVALID_AUTH
    ok(onep.write(forever, port, 3))
    clock.advance(0.5)
    for token in (granter, forever):
        assert rpc(emu, token, [{'id': 1, 'procedure': 'write', 'arguments': [port, 4]}]) == INVALID_AUTH
    assert [p[1] for p in ok(onep.read(cik, port, {'limit': 10}))] == [3, 1]


def test_a_cik_still_grants_anything_in_its_subtree_for_any_time(onep, cik, clock):
    port = make_dataport(onep, cik)
    token = {'token': ok(onep.grant(cik, port, {port: ['write', 'flush', 'drop']}))}
    clock.advance(10 ** 6)
    ok(onep.write(token, port, 1))


# ---------------------------------------------------------------- 3. locked clients
def test_a_locked_client_is_locked_in_every_auth_form(emu, onep, cik):
    locked, locked_cik = make_client(onep, cik)
    child, child_cik = make_client(onep, locked_cik)
    port = make_dataport(onep, child_cik)
    ok(onep.update(cik, locked, {'locked': True}))
    assert call(emu, {'cik': locked_cik}, 'listing', ['client'], {}) == {'status': 'locked'}
    assert call(emu, {'cik': locked_cik, 'client_id': child}, 'write', port, 1) == {
        'status': 'locked'}
    assert call(emu, {'cik': locked_cik, 'resource_id': port}, 'create', 'dataport',
                {'format': 'integer'}) == {'status': 'locked'}
    assert call(emu, {'cik': locked_cik}, 'wait', port, {'timeout': 1}) == {'status': 'locked'}
    assert call(emu, {'cik': locked_cik, 'client_id': child}, 'wait', port,
                {'timeout': 1}) == {'status': 'locked'}
    assert ok(onep.read(cik, port, {})) == []
    assert ok(onep.listing(child_cik, ['dataport'], {})) == {'dataport': [port]}
    ok(onep.update(cik, locked, {'locked': False}))
    assert call(emu, {'cik': locked_cik, 'client_id': child}, 'write', port, 1) == {'status': 'ok'}


def test_a_token_of_a_locked_client_is_locked(emu, onep, cik):
    locked, locked_cik = make_client(onep, cik)
    port = make_dataport(onep, locked_cik)
    token = {'token': ok(onep.grant(locked_cik, port, {port: ['write', 'wait']}))}
    ok(onep.update(cik, locked, {'locked': True}))
    assert call(emu, token, 'write', port, 1) == {'status': 'locked'}
    assert call(emu, token, 'wait', port, {'timeout': 1}) == {'status': 'locked'}


# ---------------------------------------------------------------- 4. public listing
def test_public_inside_a_rule_does_not_make_a_datarule_public(onep, cik):
    a, a_cik = make_client(onep, cik)
    b, b_cik = make_client(onep, cik)
    hidden = ok(onep.create(a_cik, 'datarule', {'format': 'integer', 'rule': {
        'simple': {'comparison': 'gt', 'constant': 1, 'public': True}}}))
    public = make_dataport(onep, a_cik, public=True)
    assert ok(onep.listing(b_cik, ['datarule', 'dataport'], {'public': True})) == {
        'datarule': [], 'dataport': [public]}
    assert onep.read(b_cik, hidden, {}) == (False, 'restricted')
