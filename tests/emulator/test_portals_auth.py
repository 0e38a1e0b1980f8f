"""Portals API: the domain the emulator starts with, logging in (basic auth and tokens),
signing up, users and accounts, over HTTP."""
import base64
import json
import os
import subprocess
import sys

import pytest
import requests

from pyonep.emulator import PORTALS_KEYS, Emulator
from portals_helpers import admin, api, domain_id, error, expect, new_user
from rpc_helpers import ok


def test_startup_offers_a_domain_admin_and_a_portal(emu):
    assert emu.portals_url == emu.url + '/api/portals/v1'
    assert emu.portals_vendor == emu.portals_domain.split('.')[0] != emu.vendor
    assert emu.portals_user == 'admin@' + emu.portals_domain
    portal = expect(api(emu, 'GET', '/portals/' + emu.portal_id, admin(emu)), 200)
    assert portal['info']['description']['name'] == emu.portal_name == 'Emulated Portal'
    assert portal['info']['key'] == emu.portal_cik
    assert expect(api(emu, 'GET', '/portals', admin(emu)), 200) == [{'id': emu.portal_id}]
    # the portal's CIK works for RPC; the root client's tree does not hold the domain
    onep = emu.onep()
    assert ok(onep.info(emu.portal_cik, {'alias': ''}, {'basic': True}))['basic']['type'] == 'client'
    assert ok(onep.listing(emu.root_cik, ['client'], {})) == {'client': []}
    portal_rid = expect(api(emu, 'GET', '/portal', admin(emu)), 200)[0]['rid']
    assert onep.info(emu.root_cik, portal_rid, {}) == (False, 'restricted')


def test_startup_keys_can_be_chosen_and_persist(tmp_path):
    db = str(tmp_path / 'p.db')
    with Emulator(db=db, portals_domain='acme.example.test', portals_user='boss@acme.test',
                  portals_password='s3cret') as emu:
        first = dict((k, getattr(emu, k)) for k in PORTALS_KEYS)
        assert (emu.portals_domain, emu.portals_vendor) == ('acme.example.test', 'acme')
        expect(api(emu, 'GET', '/users/_this', ('boss@acme.test', 's3cret')), 200)
        token = expect(api(emu, 'GET', '/users/_this/token', admin(emu)), 200)
    with Emulator(db=db, portals_password='ignored') as emu:
        assert dict((k, getattr(emu, k)) for k in PORTALS_KEYS) == first
        expect(api(emu, 'GET', '/users/_this', admin(emu)), 200)
        expect(api(emu, 'GET', '/users/_this', token), 200)


def test_a_domain_whose_vendor_is_taken_refuses_to_start():
    with pytest.raises(ValueError) as raised:
        Emulator(vendor='acme', portals_domain='acme.example.test').start()
    assert "'acme'" in str(raised.value)


def test_subprocess_mode_offers_the_same_keys():
    with Emulator(subprocess=True, portals_user='sub@x.test', portals_password='pw') as emu:
        assert emu.platform is None and emu.portals_user == 'sub@x.test'
        assert all(getattr(emu, key) for key in PORTALS_KEYS)
        portal = expect(api(emu, 'GET', '/portals/' + emu.portal_id, ('sub@x.test', 'pw')), 200)
        assert portal['info']['key'] == emu.portal_cik


def test_wrong_password_unknown_user_and_bad_headers_are_401(emu):
    for auth in ((emu.portals_user, 'wrong'), ('nobody@x.test', emu.portals_password)):
        reply = api(emu, 'GET', '/portal', auth)
        error(reply, 401)
        assert reply.headers['WWW-Authenticate'].startswith('Basic')
    for header in ('Bearer abc', 'Basic !!!', 'Basic ' + base64.b64encode(b'no-colon').decode(),
                   'Token nope', 'Token'):
        error(api(emu, 'GET', '/portal', headers={'Authorization': header}), 401)


def test_no_credentials_is_403(emu):
    error(api(emu, 'GET', '/portal'), 403)
    error(api(emu, 'GET', '/portals/' + emu.portal_id), 403)


def test_the_user_name_logs_in_too_and_email_is_any_case(emu):
    user, (email, password) = new_user(emu, 'Mixed@Case.test')
    assert user['userName'] == 'Mixed@Case.test'
    expect(api(emu, 'GET', '/users/_this', ('mixed@case.TEST', password)), 200)


def test_token_from_users_this_token_authenticates_with_or_without_quotes(emu, clock):
    reply = api(emu, 'GET', '/users/_this/token', admin(emu))
    token = expect(reply, 200)
    assert reply.text == json.dumps(token)  # a JSON string, as the document shows
    me = expect(api(emu, 'GET', '/users/_this', token), 200)
    assert me['email'] == emu.portals_user
    # pyonep 0.13.8 returns the body text, quotes included, and sends it back as it is
    expect(api(emu, 'GET', '/users/_this', headers={'Authorization': 'Token ' + reply.text}), 200)
    clock.advance(30 * 86400 - 1)
    expect(api(emu, 'GET', '/users/_this', token), 200)
    clock.advance(1)
    error(api(emu, 'GET', '/users/_this', token), 401)


def test_users_get_their_own_token_and_admins_anyones(emu):
    user, creds = new_user(emu, 'u1@x.test')
    other, _ = new_user(emu, 'u2@x.test')
    token = expect(api(emu, 'GET', '/users/%s/token' % user['id'], creds), 200)
    assert expect(api(emu, 'GET', '/users/_this', token), 200)['id'] == user['id']
    error(api(emu, 'GET', '/users/%s/token' % other['id'], creds), 403)
    by_admin = expect(api(emu, 'GET', '/users/%s/token' % other['id'], admin(emu)), 200)
    assert expect(api(emu, 'GET', '/users/_this', by_admin), 200)['id'] == other['id']
    error(api(emu, 'GET', '/users/1234567890/token', admin(emu)), 404)


def test_sign_up_creates_a_user_with_a_client_of_its_own(emu):
    reply = api(emu, 'POST', '/users', body={'email': 'new@x.test', 'password': 'pw',
                                            'Firstname': 'Ada', 'Lastname': 'L', 'extra': 1})
    user = expect(reply, 201)
    assert (user['email'], user['fullName'], user['permissions'], user['activated']) == (
        'new@x.test', 'Ada L', [], True)
    assert len(user['id']) == 10 and user['id'].isdigit() and len(user['rid']) == 40
    error(api(emu, 'POST', '/users', body={'email': 'NEW@x.test', 'password': 'pw'}), 409)
    for body in ({}, {'email': 'no-at-sign'}, {'email': 'a:b@x.test'}, {'email': ['x@y.z']},
                 {'email': 'x@y.z', 'password': ''}, {'email': 'x@y.z', 'password': 5}, [], 'x'):
        error(api(emu, 'POST', '/users', body=body), 400)
    error(api(emu, 'GET', '/users', admin(emu)), 405)


def test_get_user_is_for_oneself_or_a_domain_user_viewer(emu):
    user, creds = new_user(emu, 'a@x.test')
    other, _ = new_user(emu, 'b@x.test')
    assert expect(api(emu, 'GET', '/users/' + user['id'], creds), 200)['email'] == 'a@x.test'
    error(api(emu, 'GET', '/users/' + other['id'], creds), 403)
    assert expect(api(emu, 'GET', '/users/' + other['id'], admin(emu)), 200)['id'] == other['id']
    error(api(emu, 'GET', '/users/9999999999', admin(emu)), 404)
    viewer, viewer_creds = new_user(emu, 'v@x.test', grants=[('d_u_view', 'Domain', domain_id(emu))])
    expect(api(emu, 'GET', '/users/' + other['id'], viewer_creds), 200)


def test_accounts(emu):
    user, creds = new_user(emu, 'acc@x.test')
    accounts = expect(api(emu, 'GET', '/accounts', admin(emu)), 200)
    assert [a['email'] for a in accounts] == [emu.portals_user, 'acc@x.test']
    assert set(accounts[1]) == {'email', 'fullName', 'id', 'rid', 'meta', 'phoneNumber', 'userName'}
    error(api(emu, 'GET', '/accounts', creds), 403)
    assert expect(api(emu, 'GET', '/accounts/acc@x.test', creds), 200)['id'] == user['id']
    assert expect(api(emu, 'GET', '/accounts/' + user['id'], creds), 200)['email'] == 'acc@x.test'
    error(api(emu, 'GET', '/accounts/' + emu.portals_user, creds), 403)
    error(api(emu, 'GET', '/accounts/nobody@x.test', creds), 403)  # no probing by a user
    error(api(emu, 'GET', '/accounts/nobody@x.test', admin(emu)), 404)
    error(api(emu, 'GET', '/accounts/1234567890', admin(emu)), 404)


def test_domain_listing_shows_vendor_and_token_to_admins_only(emu):
    entry, = expect(api(emu, 'GET', '/domain/', admin(emu)), 200)
    assert (entry['role'], entry['domain'], entry['name'], entry['token']) == (
        'admin', emu.portals_domain, emu.portals_vendor, emu.portals_vendor_token)
    _, creds = new_user(emu, 'plain@x.test')
    entry, = expect(api(emu, 'GET', '/domain', creds), 200)
    assert entry['role'] == 'user' and 'token' not in entry and 'name' not in entry


def test_cli_takes_the_portals_options_and_refuses_a_taken_vendor():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=root)
    refused = subprocess.run([sys.executable, '-m', 'pyonep.emulator', '--vendor', 'acme',
                              '--portals-domain', 'acme.example.test'],
                             capture_output=True, env=env, timeout=60)
    assert refused.returncode == 1 and refused.stdout == b''
    assert b'onep-emulator: cannot start:' in refused.stderr and b"'acme'" in refused.stderr
    process = subprocess.Popen([sys.executable, '-m', 'pyonep.emulator', '--portals-domain',
                                'plant.example.test', '--portals-user', 'ops@plant.test',
                                '--portals-password', 'pw'],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        config = json.loads(process.stdout.readline().decode())
        assert (config['portals_domain'], config['portals_vendor'], config['portals_user'],
                config['portals_password']) == ('plant.example.test', 'plant', 'ops@plant.test', 'pw')
        url = 'http://%s:%d/api/portals/v1/portals/%s' % (config['host'], config['port'],
                                                          config['portal_id'])
        assert requests.get(url, auth=('ops@plant.test', 'pw'), timeout=30).json()['info'][
            'key'] == config['portal_cik']
    finally:
        process.terminate()
        process.communicate(timeout=30)
