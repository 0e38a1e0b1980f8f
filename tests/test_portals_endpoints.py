# -*- coding: utf-8 -*-
"""pyonep.portals endpoints: each method's request on the wire (method, path, query, headers,
auth, body) as pyonep 0.13.8 sends it, what it returns for scripted replies, and its errors:
error statuses, bodies that are not JSON, refused connections, timeouts."""
from __future__ import unicode_literals

import json

import pytest
import requests

from portals_domain import (BASIC, DEVICES, JSON_TYPE, MINE, PREFIX, TOKEN_BODY, USER_AGENT,
                            assert_json_text, device)
from pyonep.exceptions import OneException, PortalsResponseException
from recording_server import Reply, free_port, json_reply

PERM = '[{"access":"d_u_list","oid":{"id":"1576946496","type":"Domain"}}]'
LOGIN, PLAIN, TYPED = 'login', 'plain', 'typed'
PORTAL = {'info': {'description': {'name': 'N'}}, 'id': '200'}

# method name, arguments, HTTP method, path under /api/portals/v1, query, header set, body,
# status and body of a reply the method accepts, what the method returns for that reply.
CASES = [
    ('get_user_token', (), 'GET', '/users/_this/token', '', LOGIN, '',
     200, TOKEN_BODY, TOKEN_BODY),
    ('get_domain_portal_ids', (), 'GET', '/portals', '', LOGIN, '',
     200, '[{"id": "100"}, {"id": "200"}]', ['100', '200']),
    ('get_user_portals', (), 'GET', '/portal', '', LOGIN, '',
     200, '[{"id": "200"}]', [{'id': '200'}]),
    ('get_portal_by_id', (123,), 'GET', '/portals/123', '', LOGIN, '',
     200, json.dumps(MINE), MINE),
    ('get_portal_by_id', ('200',), 'GET', '/portals/200', '', LOGIN, '',
     200, json.dumps(MINE), MINE),
    ('add_device', ('mod', 'sn 1'), 'POST', '/portals/200/devices', '', PLAIN,
     '{"model": "mod", "vendor": "mydomain", "sn": "sn 1", "type": "vendor"}',
     201, json.dumps(DEVICES['rid1']),
     dict(DEVICES['rid1'], info={'description': {'name': 'Pump', 'meta': {'location': 'Lab'}},
                                 'key': 'cik-rid1'})),
    ('update_portal', (PORTAL,), 'PUT', '/portals/200', '', PLAIN, json.dumps(PORTAL),
     200, json.dumps(MINE), MINE),
    ('get_device', ('rid1',), 'GET', '/devices/rid1', '', TYPED, '',
     200, json.dumps(DEVICES['rid1']), DEVICES['rid1']),
    ('get_device', ('a b',), 'GET', '/devices/a%20b', '', TYPED, '', 200, '{}', {}),
    ('get_multiple_devices', (['rid1', 'rid2'],), 'GET', '/users/_this/devices/[rid1,rid2]', '',
     TYPED, '', 200, '[{"rid": "rid1"}, {"rid": "rid2"}]', [{'rid': 'rid1'}, {'rid': 'rid2'}]),
    ('get_multiple_devices', (['rid1', 'rid2'],), 'GET', '/users/_this/devices/[rid1,rid2]', '',
     TYPED, '', 206, '[{"rid": "rid1"}]', [{'rid': 'rid1'}]),
    ('get_all_user_accounts', (), 'GET', '/accounts', '', TYPED, '',
     200, '[{"id": "9", "email": "me@example.com"}]', [{'id': '9', 'email': 'me@example.com'}]),
    ('get_user_permission', (9,), 'GET', '/users/9/permissions', '', TYPED, '',
     200, '[]', []),
    ('add_user_permission', ('9', PERM), 'POST', '/users/9/permissions', '', TYPED, PERM,
     202, '', None),
    ('add_user_permission', ('9', PERM), 'POST', '/users/9/permissions', '', TYPED, PERM,
     200, '{"ok": 1}', {'ok': 1}),
    ('create_token', ('9', PERM), 'POST', '/users/9/permissions', '', TYPED, PERM,
     202, '', None),
    ('delete_device', ('rid1',), 'DELETE', '/devices/rid1', '', TYPED, '', 204, '', True),
    ('list_portal_data_sources', (), 'GET', '/portals/200/data-sources', '', PLAIN, '',
     200, '[{"rid": "ds1"}]', [{'rid': 'ds1'}]),
    ('list_device_data_sources', ('rid1',), 'GET', '/devices/rid1/data-sources', '', PLAIN, '',
     200, '[{"rid": "ds1"}]', [{'rid': 'ds1'}]),
    ('get_data_source_bulk_request', (['ds1', 'ds2'],), 'GET', '/data-sources/[ds1,ds2]/data',
     'limit=5', TYPED, '', 200, '{"ds1": [[1, 2]], "ds2": []}', {'ds1': [[1, 2]], 'ds2': []}),
    ('get_data_source_bulk_request', (['ds1'], 2), 'GET', '/data-sources/[ds1]/data',
     'limit=2', TYPED, '', 200, '{"ds1": []}', {'ds1': []}),
]


def wire_path(path):
    """Return the path that requests puts on the wire for ``<base URL><path>``: like
    0.13.8, the client hands requests the URL as text, and requests escapes it (newer
    versions write ``[`` and ``]`` as ``%5B`` and ``%5D``)."""
    return requests.Request('GET', 'http://127.0.0.1' + PREFIX + path).prepare().path_url


def check_headers(sent, kind, server, authorization=BASIC):
    """Assert the headers 0.13.8 sends for header set ``kind``."""
    headers = sent.headers
    assert headers['user-agent'] == USER_AGENT
    assert headers['authorization'] == authorization
    assert headers['accept'] == '*/*'
    if kind == LOGIN:
        assert headers['host'] == 'mydomain.exosite.com'
    else:
        assert headers['host'] == server.host
    if kind == TYPED:
        assert headers['content-type'] == JSON_TYPE
    else:
        assert 'content-type' not in headers


@pytest.mark.parametrize('use_token', [False, True])
@pytest.mark.parametrize('name,args,method,path,query,kind,body,status,reply,returned', CASES)
def test_each_method_on_the_wire(make_portals, server, capsys, use_token, name, args, method,
                                 path, query, kind, body, status, reply, returned):
    server.reply = lambda r: Reply(status=status, body=reply)
    if use_token:
        portals = make_portals(auth='tok123', use_token=True)
    else:
        portals = make_portals()
    portals.set_portal_id('200')
    assert getattr(portals, name)(*args) == returned
    assert len(server.requests) == 1
    sent = server.requests[0]
    assert (sent.method, sent.path, sent.query) == (method, wire_path(path), query)
    if body.startswith('{'):
        assert_json_text(sent.body, body)
    else:
        assert sent.body == body
    check_headers(sent, kind, server, 'Token tok123' if use_token else BASIC)
    printed = capsys.readouterr().out
    if name == 'delete_device':
        assert printed == 'Successfully deleted device with rid: rid1\n'
    else:
        assert printed == ''


def test_update_device_sends_meta_as_json_text_and_leaves_the_argument_alone(make_portals,
                                                                               server):
    meta = {'location': 'Lab', 'n': [1, 2]}
    dev = device('rid1', 'SN-001', 'Pump', meta)
    before = json.loads(json.dumps(dev))
    reply = device('rid1', 'SN-001', 'Pump', 'whatever the server says')
    server.reply = lambda r: json_reply(reply)
    got = make_portals().update_device(dev)
    sent = server.requests[0]
    assert (sent.method, sent.path, sent.query) == ('PUT', PREFIX + '/devices/rid1', '')
    check_headers(sent, PLAIN, server)
    expected = device('rid1', 'SN-001', 'Pump', json.dumps(meta))
    assert_json_text(sent.body, json.dumps(expected))
    assert got == device('rid1', 'SN-001', 'Pump', meta)
    assert dev == before  # 0.13.8 left the caller's meta as a JSON string


def test_update_device_twice_does_not_encode_the_meta_twice(make_portals, server):
    """0.13.8 defect: a meta already a string (as get_device returns it) was encoded again."""
    dev = device('rid1', 'SN-001', 'Pump', '{"a": 1}')
    server.reply = lambda r: json_reply(device('rid1', 'SN-001', 'Pump', ''))
    portals = make_portals()
    assert portals.update_device(dev)['info']['description']['meta'] == '{"a": 1}'
    portals.update_device(dev)
    for sent in server.requests:
        assert json.loads(sent.body)['info']['description']['meta'] == '{"a": 1}'


def test_device_object_without_rid_is_a_key_error_and_sends_nothing(make_portals, server):
    with pytest.raises(KeyError):
        make_portals().update_device({'info': {'description': {}}})
    assert server.requests == []


def test_token_request_sends_the_token_header_and_no_basic_auth(make_portals, server):
    server.reply = lambda r: Reply(body=TOKEN_BODY)
    portals = make_portals(auth='"quoted"', use_token=True)
    assert portals.auth() is None
    assert portals.headers() == {'Authorization': 'Token "quoted"'}
    portals.get_user_token()
    assert server.requests[0].headers['authorization'] == 'Token "quoted"'


def test_headers_dict_is_the_objects_own(make_portals, server):
    server.reply = lambda r: json_reply({})
    portals = make_portals()
    portals.headers()['X-Extra'] = 'yes'
    portals.get_device('rid1')
    assert server.requests[0].headers['x-extra'] == 'yes'


def test_rids_given_as_one_string_are_one_rid(make_portals, server):
    """0.13.8 defect: a string of RIDs was split into characters (bulk data) or sent without
    brackets (multiple devices)."""
    server.reply = lambda r: json_reply({})
    portals = make_portals()
    portals.get_data_source_bulk_request('ds1')
    portals.get_multiple_devices('rid1')
    assert [r.path for r in server.requests] == [wire_path('/data-sources/[ds1]/data'),
                                                 wire_path('/users/_this/devices/[rid1]')]


def test_non_ascii_values_reach_the_wire_as_utf8(make_portals, server):
    server.reply = lambda r: json_reply({}, status=201)
    portals = make_portals()
    portals.set_portal_id('200')
    portals.add_device('mödel', 'sn-ü')
    assert server.requests[0].body == (
        '{"model": "m\\u00f6del", "vendor": "mydomain", "sn": "sn-\\u00fc", "type": "vendor"}')


def test_numeric_portal_id_is_used_in_paths(make_portals, server):
    """0.13.8 defect: a numeric portal id raised TypeError in add_device and friends."""
    server.reply = lambda r: json_reply({}, status=201)
    portals = make_portals()
    portals.set_portal_id(200)
    portals.add_device('m', 's')
    assert server.requests[0].path == PREFIX + '/portals/200/devices'


@pytest.mark.parametrize('call', [
    lambda p: p.add_device('m', 's'),
    lambda p: p.update_portal({}),
    lambda p: p.list_portal_data_sources(),
])
def test_portal_methods_without_a_portal_say_so_and_send_nothing(make_portals, server, call):
    """0.13.8 defect: TypeError (str + None) from deep inside."""
    with pytest.raises(ValueError, match='no portal is selected'):
        call(make_portals())
    assert server.requests == []


@pytest.mark.parametrize('call', [
    lambda p: p.get_device(None),
    lambda p: p.delete_device(None),
    lambda p: p.get_user_permission(None),
    lambda p: p.get_multiple_devices(['a', None]),
])
def test_none_ids_say_so_and_send_nothing(make_portals, server, call):
    with pytest.raises(ValueError, match='is None'):
        call(make_portals())
    assert server.requests == []


def test_use_token_without_a_token_is_a_clear_error():
    from pyonep.portals import Portals
    with pytest.raises(ValueError, match='needs the token'):
        Portals('d.example.com', 'P', 'u', auth=None, use_token=True)


# Error statuses.

# Every method that raises HTTPError for 4xx and 5xx, as 0.13.8's raise_for_status did.
RAISING = [('get_user_token', ()), ('get_domain_portal_ids', ()), ('get_user_portals', ()),
           ('get_portal_by_id', ('1',)), ('add_device', ('m', 's')),
           ('update_device', (device('rid1', 's', 'n', {}),)), ('update_portal', ({},)),
           ('get_device', ('rid1',)), ('get_multiple_devices', (['rid1'],)),
           ('get_all_user_accounts', ()), ('get_user_permission', ('9',)),
           ('add_user_permission', ('9', PERM)), ('create_token', ('9', PERM))]


@pytest.mark.parametrize('status,reason', [(400, 'Bad Request'), (401, 'Unauthorized'),
                                           (403, 'Forbidden'), (404, 'Not Found'),
                                           (409, 'Conflict'), (500, 'Internal Server Error')])
@pytest.mark.parametrize('name,args', RAISING)
def test_error_status_prints_and_raises_http_error(make_portals, server, capsys, name, args,
                                                   status, reason):
    server.reply = lambda r: json_reply({'error': 'nope'}, status=status)
    portals = make_portals()
    portals.set_portal_id('200')
    with pytest.raises(requests.exceptions.HTTPError) as err:
        getattr(portals, name)(*args)
    assert err.value.response.status_code == status
    assert err.value.response.json() == {'error': 'nope'}
    assert str(status) in str(err.value)
    assert capsys.readouterr().out == '%s: Something went wrong: <%d>: %s\n' % (
        name, status, reason)


def test_delete_device_error_prints_and_raises(make_portals, server, capsys):
    server.reply = lambda r: json_reply({'error': 'nope'}, status=404)
    with pytest.raises(requests.exceptions.HTTPError):
        make_portals().delete_device('rid9')
    assert capsys.readouterr().out == 'Something went wrong: <404>: Not Found\n'


@pytest.mark.parametrize('name,args,returned', [
    ('list_portal_data_sources', (), {}),
    ('list_device_data_sources', ('rid1',), None),
    ('get_data_source_bulk_request', (['ds1'],), {}),
])
@pytest.mark.parametrize('status,reason', [(403, 'Forbidden'), (500, 'Internal Server Error')])
def test_data_source_errors_print_and_return_empty_as_in_0138(make_portals, server, capsys, name,
                                                               args, returned, status, reason):
    server.reply = lambda r: json_reply({'error': 'nope'}, status=status)
    portals = make_portals()
    portals.set_portal_id('200')
    assert getattr(portals, name)(*args) == returned
    assert capsys.readouterr().out == 'Something went wrong: <%d>: %s\n' % (status, reason)


@pytest.mark.parametrize('name,args,status', [
    ('add_device', ('m', 's'), 200),         # Portals creates with 201
    ('get_device', ('rid1',), 201),
    ('delete_device', ('rid1',), 200),       # Portals deletes with 204
    ('get_user_token', (), 202),
])
def test_other_success_statuses_print_and_return_as_in_0138(make_portals, server, capsys, name,
                                                             args, status):
    server.reply = lambda r: json_reply({}, status=status)
    portals = make_portals()
    portals.set_portal_id('200')
    returned = getattr(portals, name)(*args)
    assert returned is (False if name == 'delete_device' else None)
    assert 'Something went wrong: <%d>' % status in capsys.readouterr().out


# Bodies that cannot be used.

@pytest.mark.parametrize('name,args,status', [
    ('get_domain_portal_ids', (), 200), ('get_user_portals', (), 200),
    ('get_portal_by_id', ('1',), 200), ('add_device', ('m', 's'), 201),
    ('update_portal', ({},), 200), ('get_device', ('rid1',), 200),
    ('get_multiple_devices', (['rid1'],), 200), ('get_all_user_accounts', (), 200),
    ('get_user_permission', ('9',), 200), ('add_user_permission', ('9', PERM), 200),
    ('list_portal_data_sources', (), 200), ('list_device_data_sources', ('rid1',), 200),
    ('get_data_source_bulk_request', (['ds1'],), 200),
])
@pytest.mark.parametrize('body', ['<html>Bad gateway</html>', '', '{"cut": '])
def test_body_that_is_not_json_raises_a_clear_error(make_portals, server, name, args, status,
                                                    body):
    server.reply = lambda r: Reply(status=status, body=body, headers={'Content-Type': 'text/html'})
    portals = make_portals()
    portals.set_portal_id('200')
    with pytest.raises(PortalsResponseException) as err:
        getattr(portals, name)(*args)
    assert isinstance(err.value, ValueError) and isinstance(err.value, OneException)
    assert 'not JSON' in str(err.value) and server.requests[0].path in str(err.value)
    assert err.value.response.status_code == status


@pytest.mark.parametrize('reply', ['{"id": "1"}', '[{"name": "x"}]', '[1]'])
def test_portal_id_list_of_the_wrong_shape_raises_a_clear_error(make_portals, server, reply):
    server.reply = lambda r: Reply(body=reply)
    with pytest.raises(PortalsResponseException):
        make_portals().get_domain_portal_ids()


def test_update_device_reply_without_description_raises_a_clear_error(make_portals, server):
    server.reply = lambda r: json_reply({'rid': 'rid1'})
    with pytest.raises(PortalsResponseException, match='info.description'):
        make_portals().update_device(device('rid1', 's', 'n', {}))


# The network.

def test_refused_connection_raises_requests_connection_error(make_portals):
    portals = make_portals()
    portals.set_portals_url('http://127.0.0.1:%d/api/portals/v1' % free_port())
    with pytest.raises(requests.exceptions.ConnectionError):
        portals.get_user_token()


def test_a_reply_slower_than_the_timeout_raises_requests_timeout(make_portals, server):
    """0.13.8 defect: no timeout, so a server that never answers hangs the program."""
    server.reply = lambda r: Reply(body=TOKEN_BODY, delay=1.5)
    portals = make_portals()
    assert portals.timeout() == 30
    portals.set_timeout(0.3)
    with pytest.raises(requests.exceptions.Timeout):
        portals.get_user_token()
    portals.set_timeout(None)
    assert portals.get_user_token() == TOKEN_BODY


def test_reset_mid_reply_raises_a_clear_error(make_portals, server):
    """Newer requests notice the short body (RequestException); older ones, on Python 2.7,
    hand over the half body, which then is not JSON."""
    server.reply = lambda r: Reply(body=json.dumps([MINE] * 20), reset=True)
    with pytest.raises((requests.exceptions.RequestException, PortalsResponseException)):
        make_portals().get_user_portals()


def test_endpoints_can_be_used_on_their_own(server):
    from pyonep.portals.endpoints import Endpoints
    server.reply = lambda r: json_reply({}, status=201)
    endpoints = Endpoints('mydomain.exosite.com', 'P', 'me@example.com', 'secret', portal_id='7')
    endpoints.set_portals_url('http://%s%s' % (server.host, PREFIX))
    endpoints.set_vendor('acme')
    assert endpoints.add_device('m', 's') == {}
    sent = server.requests[0]
    assert (sent.path, sent.headers['authorization']) == (PREFIX + '/portals/7/devices', BASIC)
    assert json.loads(sent.body)['vendor'] == 'acme'


def test_a_missing_field_error_shows_a_bounded_part_of_the_reply(make_portals, server):
    server.reply = lambda r: json_reply({'rid': 'x' * 5000})
    with pytest.raises(PortalsResponseException) as err:
        make_portals().get_cik('rid1')
    assert 'info.key' in str(err.value) and len(str(err.value)) < 400


def test_https_by_default_at_the_domain():
    from pyonep.portals import Portals
    portals = Portals('mydomain.exosite.com', 'P', 'u', 'pw')
    assert portals.portals_url() == 'https://mydomain.exosite.com/api/portals/v1'
    assert portals.domain_url() == 'https://mydomain.exosite.com'
    assert (portals.domain(), portals.user(), portals.vendor()) == (
        'mydomain.exosite.com', 'u', 'mydomain')
    assert (portals.user_agent(), portals.content_type()) == (USER_AGENT, JSON_TYPE)
    assert (portals.portal_name(), portals.portal_id(), portals.portal_cik()) == ('P', None, None)
    assert (portals.auth().username, portals.auth().password) == ('u', 'pw')
    assert portals.headers() == {}
