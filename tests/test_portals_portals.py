# -*- coding: utf-8 -*-
"""pyonep.portals.Portals: logging in (interactive and not), the portal and device helpers
built on the endpoints, and pyonep.portals.utils. Each talks HTTP to a scripted Portals
domain (tests/portals_domain.py) and is checked against the requests and returns of 0.13.8."""
from __future__ import unicode_literals

import json
import os
import subprocess
import sys

import pytest

import pyonep.portals
from portals_domain import (BASIC, DEVICES, DOMAIN, MINE, OTHER, PASSWORD, PREFIX, TOKEN_BODY,
                            USER, device, domain_routes, portal, summary)
from pyonep._compat import http_client
from pyonep.exceptions import PortalsResponseException
from pyonep.portals import Portals
from pyonep.portals.utils import dictify_device_meta, stringify_device_meta
from recording_server import Reply, json_reply

LOOKUP = [('GET', '/portals', ''), ('GET', '/portals/100', ''), ('GET', '/portals/200', '')]
BULK = ('GET', '/users/_this/devices/[rid1,rid2]', '')


@pytest.fixture
def domain(server):
    """The server answering as a domain with portals Other (100) and My Portal (200)."""
    server.reply = domain_routes()
    return server


def bulk(requests_made):
    """The bulk device requests among ``requests_made``, brackets unescaped and the RIDs in
    them sorted (Python 2.7 lists a portal's aliases in no set order)."""
    found = []
    for method, path, query in requests_made:
        if path.startswith('/users/_this/devices/'):
            rids = path.split('/')[-1].replace('%5B', '').replace('%5D', '').split(',')
            found.append((method, '/users/_this/devices/[%s]' % ','.join(sorted(rids)), query))
    return found


@pytest.fixture
def prompts(monkeypatch):
    """Answer the terminal prompts of pyonep.portals from a list; record what was asked."""
    asked = []
    answers = []

    def ask(prompt):
        asked.append(prompt)
        return answers.pop(0)
    monkeypatch.setattr(pyonep.portals, '_input', ask)
    monkeypatch.setattr(pyonep.portals, 'getpass', ask)
    return asked, answers


def at(server):
    """The base URL of the Portals API on ``server``."""
    return 'http://%s%s' % (server.host, PREFIX)


# Logging in.

def test_interactive_login_asks_for_everything(domain, prompts, capsys):
    asked, answers = prompts
    answers.extend([DOMAIN, 'My Portal', USER, PASSWORD])
    token, portals = Portals.login_to_portal(portals_url=at(domain))
    assert asked == ['Enter domain: ', 'Enter name of Portal: ', 'Enter username: ',
                     'Enter User Password: ']
    assert capsys.readouterr().out == '\n'
    assert token == TOKEN_BODY
    assert (portals.domain(), portals.portal_name(), portals.user()) == (DOMAIN, 'My Portal', USER)
    assert (portals.portal_id(), portals.portal_cik()) == ('200', 'cik200')
    assert summary(domain.requests) == [('GET', '/users/_this/token', '')] + LOOKUP
    assert all(r.headers['authorization'] == BASIC for r in domain.requests)


def test_login_with_a_password_asks_nothing(domain, prompts):
    asked, _ = prompts
    token, portals = Portals.login_to_portal(DOMAIN, 'My Portal', USER, PASSWORD,
                                             portals_url=at(domain))
    assert asked == [] and token == TOKEN_BODY
    assert portals.auth() is not None and portals.portal_id() == '200'
    assert summary(domain.requests) == [('GET', '/users/_this/token', '')] + LOOKUP
    assert all(r.headers['authorization'] == BASIC for r in domain.requests)


def test_login_with_a_token_uses_it_and_asks_for_no_other(domain, prompts):
    token, portals = Portals.login_to_portal(DOMAIN, 'My Portal', USER, 'tok', use_token=True,
                                             portals_url=at(domain))
    assert token == 'tok' and portals.auth() is None
    assert summary(domain.requests) == LOOKUP
    assert all(r.headers['authorization'] == 'Token tok' for r in domain.requests)


def test_login_with_a_token_and_portal_id_sends_nothing(domain, prompts):
    token, portals = Portals.login_to_portal(DOMAIN, 'My Portal', USER, 'tok', use_token=True,
                                             portal_id='200', portals_url=at(domain))
    assert (token, portals.portal_id(), portals.portal_cik()) == ('tok', '200', None)
    assert domain.requests == []


def test_login_with_use_token_but_no_credential_asks_for_the_password(domain, prompts):
    asked, answers = prompts
    answers.append(PASSWORD)
    token, portals = Portals.login_to_portal(DOMAIN, 'My Portal', USER, use_token=True,
                                             portals_url=at(domain))
    assert asked == ['Enter User Password: '] and token == TOKEN_BODY
    assert domain.requests[0].headers['authorization'] == BASIC


def test_login_with_get_devices_fetches_them(domain):
    Portals.login_to_portal(DOMAIN, 'My Portal', USER, 'tok', use_token=True, get_devices=True,
                            portals_url=at(domain))
    assert summary(domain.requests)[:3] == LOOKUP
    assert bulk(summary(domain.requests)) == [('GET', '/users/_this/devices/[rid1,rid2]', '')]


def test_login_to_an_unknown_portal_selects_none(domain):
    token, portals = Portals.login_to_portal(DOMAIN, 'Nope', USER, 'tok', use_token=True,
                                             portals_url=at(domain))
    assert (token, portals.portal_id(), portals.portal_cik()) == ('tok', None, None)


def test_login_of_a_subclass_returns_the_subclass(domain):
    """0.13.8 defect: it always made a plain Portals."""
    class Mine(Portals):
        pass
    assert isinstance(Mine.login_to_portal(DOMAIN, 'My Portal', USER, 't', True,
                                            portals_url=at(domain))[1], Mine)


def test_login_with_a_wrong_password_raises_http_error(server, capsys):
    import requests
    server.reply = lambda r: json_reply({'error': 'auth'}, status=401)
    with pytest.raises(requests.exceptions.HTTPError):
        Portals.login_to_portal(DOMAIN, 'My Portal', USER, 'wrong', portals_url=at(server))
    assert 'get_user_token: Something went wrong: <401>: Unauthorized' in capsys.readouterr().out


LOGIN_SCRIPT = '''
import sys
sys.path.insert(0, sys.argv[1])
from pyonep.portals import Portals
token, portals = Portals.login_to_portal(portals_url=sys.argv[2])
print('RESULT %s %s %s' % (token, portals.portal_id(), portals.portal_cik()))
'''


@pytest.mark.skipif(not hasattr(os, 'setsid'), reason='needs a POSIX system')
def test_interactive_login_reads_the_terminal_answers_from_stdin(domain, tmp_path):
    """The real prompts, no stand-ins: with no controlling terminal, getpass falls back to
    reading stdin, as it does when a program's input is piped."""
    script = os.path.join(str(tmp_path), 'login.py')
    with open(script, 'w') as f:
        f.write(LOGIN_SCRIPT)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen([sys.executable, script, root, at(domain)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=os.setsid)
    out, err = proc.communicate(('%s\nMy Portal\n%s\n%s\n' % (DOMAIN, USER, PASSWORD)).encode())
    out = out.decode('utf-8')
    assert proc.returncode == 0, err
    assert 'Enter domain: Enter name of Portal: Enter username: ' in out
    assert 'Enter User Password: ' in out + err.decode('utf-8')
    assert 'RESULT %s 200 cik200' % TOKEN_BODY in out
    assert domain.requests[0].headers['authorization'] == BASIC


def test_constructor_asks_for_the_password_when_auth_is_left_out(prompts, capsys):
    asked, answers = prompts
    answers.append('typed')
    portals = Portals(DOMAIN, 'My Portal', USER)
    assert asked == ['Enter User Password: ']
    assert capsys.readouterr().out == '\n'
    assert portals.auth().password == 'typed'


# Portals of the domain.

def test_get_portals_list(make_portals, domain):
    assert make_portals().get_portals_list() == [('100', 'Other', ('100', OTHER)),
                                                 ('200', 'My Portal', ('200', MINE))]
    assert summary(domain.requests) == LOOKUP


def test_get_portal_by_name_selects_it(make_portals, domain):
    portals = make_portals(portal_name='x')
    assert portals.get_portal_by_name('My Portal') == ('200', 'My Portal', ('200', MINE))
    assert (portals.portal_name(), portals.portal_id(), portals.portal_cik()) == (
        'My Portal', '200', 'cik200')
    assert portals.get_portal_by_name('Nope') is None
    assert (portals.portal_name(), portals.portal_id()) == ('My Portal', '200')


def test_get_portal_cik(make_portals, domain):
    portals = make_portals()
    assert portals.get_portal_cik('Other') == 'cik100'
    assert portals.portal_id() == '100'  # it selects the portal, as in 0.13.8
    with pytest.raises(ValueError, match="no portal named u?'Nope'"):
        portals.get_portal_cik('Nope')


def test_portal_without_a_name_raises_a_clear_error(make_portals, server):
    server.reply = domain_routes(portals=[{'id': '1', 'info': {}}])
    with pytest.raises(PortalsResponseException, match='info.description.name'):
        make_portals().get_portals_list()


def test_user_portals_picker_asks_until_the_answer_is_valid(make_portals, domain, prompts,
                                                            capsys):
    asked, answers = prompts
    answers.extend(['x', '5', '1'])
    portals = make_portals(portal_name='?')
    assert portals.user_portals_picker() is None
    assert asked == ['Enter choice ([0, 1]): '] * 3
    listing = '\t0 - Other\n\t1 - My Portal\n'
    assert capsys.readouterr().out == (
        listing + "'x' is not a valid choice. Please choose from [0, 1]\n" +
        listing + "'5' is not a valid choice. Please choose from [0, 1]\n" + listing)
    assert (portals.portal_name(), portals.portal_id(), portals.portal_cik()) == (
        'My Portal', '200', 'cik200')


def test_user_portals_picker_with_no_portals(make_portals, server, prompts, capsys):
    server.reply = domain_routes(portals=[])
    assert make_portals().user_portals_picker() is None
    assert capsys.readouterr().out == 'No portals to choose from.\n'


# Devices.

def test_get_all_devices_in_portal(make_portals, domain):
    devices = make_portals().get_all_devices_in_portal()
    assert sorted(d['rid'] for d in devices) == ['rid1', 'rid2']
    metas = dict((d['rid'], d['info']['description']['meta']) for d in devices)
    assert metas == {'rid1': {'location': 'Lab'}, 'rid2': ''}  # '' is not JSON: left alone
    assert summary(domain.requests)[:3] == LOOKUP


def test_devices_are_fetched_ten_at_a_time(make_portals, server):
    rids = ['r%02d' % i for i in range(23)]
    server.reply = domain_routes(portals=[portal('200', 'My Portal', 'k',
                                                 dict((r, [r]) for r in rids))])
    devices = make_portals().get_all_devices_in_portal()
    assert sorted(d['rid'] for d in devices) == rids
    blocks = [p.split('[')[1].rstrip(']').split(',') for _, p, _ in bulk(summary(server.requests))]
    assert [len(b) for b in blocks] == [10, 10, 3]
    assert sorted(sum(blocks, [])) == rids


def test_devices_of_an_unknown_portal_raise_a_clear_error(make_portals, domain):
    with pytest.raises(ValueError, match="no portal named u?'Nope'"):
        make_portals(portal_name='Nope').get_all_devices_in_portal()


def test_map_aliases_looks_the_portal_up_once(make_portals, domain):
    """0.13.8 defect: it listed every portal of the domain again for each device."""
    devices = make_portals().map_aliases_to_device_objects()
    assert dict((d['rid'], d['portals_aliases']) for d in devices) == {
        'rid1': ['one'], 'rid2': ['two', 'deux']}
    assert summary(domain.requests)[:3] == LOOKUP
    assert bulk(summary(domain.requests)[3:]) == [BULK] and len(domain.requests) == 4


def test_search_for_devices_by_serial_number(make_portals, server, capsys):
    routes = domain_routes()
    nosn = dict(DEVICES['rid2'], sn=None)
    routes.add('GET', '/users/_this/devices/*', json_reply([DEVICES['rid1'], nosn]))
    server.reply = routes
    found = make_portals().search_for_devices_by_serial_number('SN-0')
    assert [d['rid'] for d in found] == ['rid1']
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith('dictify: ')  # Fan's meta is '', not JSON: 0.13.8 says so
    assert out[1].startswith("Problem checking device ") and "'Fan'" in out[1]
    assert [d['rid'] for d in make_portals().search_for_devices_by_serial_number('N-0')] == []


def test_print_device_list_of_the_portal(make_portals, domain, capsys):
    """0.13.8 defect: with no list given it raised KeyError('portals_aliases')."""
    make_portals().print_device_list()
    lines = sorted(capsys.readouterr().out.splitlines())
    assert lines.pop(-1).startswith('dictify: ')  # Fan's meta is '', not JSON
    assert lines == ["Fan\t\tSN-002\t\t['two', 'deux']" if sys.version_info[0] > 2 else
                     "Fan\t\tSN-002\t\t[u'two', u'deux']", 'Pump\t\tSN-001\t\tone']


def named(name, sn, aliases):
    return dict(device('r-' + name, sn, name, {}), portals_aliases=aliases)


SORTABLE = [named('b', 'S2', ['y']), named('a', 'S1', ['z']), named('c', 'S2', ['x']),
            named('d', None, ['w'])]


@pytest.mark.parametrize('key,expected', [
    ('sn', ['a\t\tS1\t\tz', 'b\t\tS2\t\ty', 'c\t\tS2\t\tx']),
    ('name', ['a\t\tS1\t\tz', 'b\t\tS2\t\ty', 'c\t\tS2\t\tx', 'd\t\tNone\t\tw']),
    ('portals_aliases', ['d\t\tNone\t\tw', 'c\t\tS2\t\tx', 'b\t\tS2\t\ty', 'a\t\tS1\t\tz']),
])
def test_print_sorted_device_list(make_portals, server, capsys, key, expected):
    """0.13.8 defect: devices sharing a key were printed once per device sharing it."""
    make_portals().print_sorted_device_list(SORTABLE, sort_key=key)
    assert capsys.readouterr().out.splitlines() == expected
    assert server.requests == []


def test_print_sorted_device_list_with_an_unknown_key(make_portals, capsys):
    make_portals().print_sorted_device_list(SORTABLE, sort_key=str('size'))
    assert capsys.readouterr().out == "Sort key 'size' not recognized.\n"


def test_rename_device_changes_the_argument_and_saves(make_portals, server):
    server.reply = lambda r: json_reply(json.loads(r.body))
    dev = device('rid1', 'S', 'Old', {'a': 1})
    got = make_portals().rename_device(dev, 'New')
    assert dev['info']['description']['name'] == 'New'  # as in 0.13.8
    assert json.loads(server.requests[0].body)['info']['description'] == {
        'name': 'New', 'meta': '{"a": 1}'}
    assert got['info']['description'] == {'name': 'New', 'meta': {'a': 1}}


def test_add_location_timezone_to_device(make_portals, server):
    server.reply = lambda r: json_reply(json.loads(r.body))
    dev = device('rid1', 'S', 'N', '{"a": 1}')
    got = make_portals().add_location_timezone_to_device(dev, 'Lab', 'UTC')
    meta = {'a': 1, 'location': 'Lab', 'Location': 'Lab', 'timezone': 'UTC', 'Timezone': 'UTC'}
    assert got['info']['description']['meta'] == meta
    sent = json.loads(server.requests[0].body)['info']['description']['meta']
    assert json.loads(sent) == meta


@pytest.mark.parametrize('meta', ['', None])
def test_add_location_timezone_to_a_device_with_empty_meta(make_portals, server, meta):
    server.reply = lambda r: json_reply(json.loads(r.body))
    got = make_portals().add_location_timezone_to_device(device('r', 'S', 'N', meta), 'L', 'T')
    assert got['info']['description']['meta'] == {'location': 'L', 'Location': 'L',
                                                  'timezone': 'T', 'Timezone': 'T'}


def test_add_location_timezone_to_a_device_whose_meta_is_not_an_object(make_portals, server,
                                                                       capsys):
    with pytest.raises(ValueError, match='not a JSON object'):
        make_portals().add_location_timezone_to_device(device('r', 'S', 'N', 'oops'), 'L', 'T')
    assert server.requests == []
    assert capsys.readouterr().out.startswith('dictify: ')


def test_add_device_with_name_location_timezone(make_portals, server):
    """0.13.8 defect: on Python 3 the last step raised NameError ('unicode')."""
    routes = domain_routes()
    routes.add('POST', '/portals/200/devices', json_reply(DEVICES['rid1'], status=201))
    routes.add('PUT', '/devices/rid1', lambda r: json_reply(json.loads(r.body)))
    server.reply = routes
    portals = make_portals()
    portals.set_portal_id('200')
    got = portals.add_device_with_name_location_timezone('mod', 'SN-001', 'Pump 2', 'Lab', 'UTC')
    assert summary(server.requests) == [('POST', '/portals/200/devices', ''),
                                        ('PUT', '/devices/rid1', ''), ('PUT', '/devices/rid1', '')]
    assert got['info']['description']['name'] == 'Pump 2'
    assert got['info']['description']['meta'] == {
        'location': 'Lab', 'Location': 'Lab', 'timezone': 'UTC', 'Timezone': 'UTC'}


def test_add_device_with_name_when_the_creation_is_not_201(make_portals, server):
    server.reply = lambda r: json_reply({}, status=200)
    portals = make_portals()
    portals.set_portal_id('200')
    with pytest.raises(PortalsResponseException, match='created no device'):
        portals.add_device_with_name_location_timezone('m', 's', 'n', 'l', 't')
    assert len(server.requests) == 1


def test_get_cik(make_portals, server):
    server.reply = lambda r: json_reply(DEVICES['rid1'])
    assert make_portals().get_cik('rid1') == 'cik-rid1'
    assert summary(server.requests) == [('GET', '/devices/rid1', '')]
    server.reply = lambda r: json_reply({'rid': 'rid1'})
    with pytest.raises(PortalsResponseException, match='info.key'):
        make_portals().get_cik('rid1')


# Users and permissions.

def test_get_user_id_from_email(make_portals, domain):
    portals = make_portals()
    assert portals.get_user_id_from_email(USER) == '9'
    assert portals.get_user_id_from_email('nobody@example.com') is None
    assert summary(domain.requests) == [('GET', '/accounts', '')] * 2


def test_get_user_permission_from_email(make_portals, domain):
    assert make_portals().get_user_permission_from_email(USER) == [
        {'access': '___admin', 'oid': {'id': '200', 'type': 'Portal'}}]
    assert summary(domain.requests) == [('GET', '/accounts', ''), ('GET', '/users/9/permissions', '')]


def test_permission_of_an_unknown_email_is_a_clear_error(make_portals, domain):
    """0.13.8 defect: it asked for /users/None/permissions."""
    with pytest.raises(ValueError, match='no user account'):
        make_portals().get_user_permission_from_email('nobody@example.com')
    assert summary(domain.requests) == [('GET', '/accounts', '')]


def test_add_dplist_permission_for_user_on_portal(make_portals, server, capsys):
    routes = domain_routes()
    routes.add('POST', '/users/9/permissions', Reply(status=202))
    server.reply = routes
    assert make_portals().add_dplist_permission_for_user_on_portal(USER, '200') is None
    permissions = ('GET', '/users/9/permissions', '')
    accounts = ('GET', '/accounts', '')
    assert summary(server.requests) == [accounts, accounts, permissions,
                                        ('POST', '/users/9/permissions', ''),
                                        accounts, permissions]
    sent = server.requests[3]
    assert sent.headers['content-type'] == 'application/json; charset=utf-8'
    assert json.loads(sent.body) == [{'access': 'd_p_list', 'oid': {'id': '200', 'type': 'Portal'}}]
    if sys.version_info >= (3, 6):
        assert sent.body == '[{"access": "d_p_list", "oid": {"id": "200", "type": "Portal"}}]'
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 2 and "___admin" in printed[0] and printed[0] == printed[1]


# Utilities and settings.

def test_dictify_and_stringify_device_meta():
    dev = device('r', 's', 'n', '{"a": [1]}')
    assert dictify_device_meta(dev) is dev
    assert dev['info']['description']['meta'] == {'a': [1]}
    assert dictify_device_meta(dev)['info']['description']['meta'] == {'a': [1]}  # py3 NameError in 0.13.8
    assert stringify_device_meta(dev) is dev
    assert dev['info']['description']['meta'] == '{"a": [1]}'
    assert stringify_device_meta(dev)['info']['description']['meta'] == '{"a": [1]}'
    assert dictify_device_meta({'rid': 'r'}) == {'rid': 'r'}
    assert stringify_device_meta({'info': {}}) == {'info': {}}


def test_dictify_prints_when_meta_is_not_json(capsys):
    dev = device('r', 's', 'n', 'not json')
    assert dictify_device_meta(dev)['info']['description']['meta'] == 'not json'
    assert capsys.readouterr().out.startswith('dictify: ')


def test_debug_turns_on_the_http_debug_output_and_false_leaves_it(monkeypatch):
    """0.13.8 defect: Portals ignored debug=True, and every new object reset the level to 0."""
    monkeypatch.setattr(http_client.HTTPConnection, 'debuglevel', 0)
    Portals(DOMAIN, 'P', USER, 'pw', debug=True)
    assert http_client.HTTPConnection.debuglevel == 1
    Portals(DOMAIN, 'P', USER, 'pw')
    assert http_client.HTTPConnection.debuglevel == 1


def test_module_names_and_constants():
    from pyonep.portals import HTTP_STATUS, Domain, Endpoints
    from pyonep.portals.__version__ import __version__
    from pyonep.portals.endpoints import Domain as Domain2, Endpoints as Endpoints2
    assert (Domain, Endpoints) == (Domain2, Endpoints2) and issubclass(Portals, Endpoints)
    assert issubclass(Endpoints, Domain) and __version__ == '0.0.1'
    assert (HTTP_STATUS.OK, HTTP_STATUS.ADDED, HTTP_STATUS.NO_CONTENT, HTTP_STATUS.BAD_REQ,
            HTTP_STATUS.UNAUTH, HTTP_STATUS.NO_USER, HTTP_STATUS.CONFLICT) == (
        200, 201, 204, 400, 401, 404, 409)
