"""/provision/register and /provision/admin/auth: vendors, vendor tokens and the keys that
the management endpoints accept."""
import re

import pytest

from fleet_helpers import http
from rpc_helpers import make_client

MODELS = '/provision/manage/model/'


def test_configured_vendor_is_registered_to_the_root_with_its_token(emu):
    for headers in ({'X-Exosite-Token': emu.vendor_token}, {'X-Exosite-CIK': emu.root_cik},
                    {'X-Exosite-CIK': emu.vendor_token}, {'X-Exosite-Token': emu.root_cik}):
        reply = http(emu, 'GET', '/provision/register', headers=headers)
        assert (reply.status, reply.text) == (200, emu.vendor)
        assert reply.headers['content-type'] == 'text/plain; charset=utf-8'
        assert http(emu, 'GET', MODELS, headers=headers).status == 200
    tokens = http(emu, 'GET', '/provision/admin/auth/', headers={'X-Exosite-CIK': emu.root_cik})
    assert (tokens.status, tokens.text) == (200, 'default')


def test_register_show_unregister(emu):
    onep = emu.onep()
    _, cik = make_client(onep, emu.root_cik)
    headers = {'X-Exosite-CIK': cik}
    assert http(emu, 'GET', '/provision/register', headers=headers).status == 204
    assert http(emu, 'POST', '/provision/register', headers=headers, fields=[('vendor', 'v-1')]).status == 205
    assert http(emu, 'GET', '/provision/register', headers=headers).text == 'v-1'
    # one vendor per client, one client per vendor name
    assert http(emu, 'POST', '/provision/register', headers=headers, fields=[('vendor', 'v-2')]).status == 409
    _, other = make_client(onep, emu.root_cik)
    taken = http(emu, 'POST', '/provision/register', headers={'X-Exosite-CIK': other},
                 fields=[('vendor', 'v-1')])
    assert taken.status == 409 and 'already registered' in taken.text
    wrong = http(emu, 'POST', '/provision/register', headers=headers,
                 fields=[('delete', 'true'), ('vendor', 'someone-else')])
    assert wrong.status == 404
    assert http(emu, 'POST', '/provision/register', headers=headers,
                fields=[('delete', 'true'), ('vendor', 'v-1')]).status == 205
    assert http(emu, 'GET', '/provision/register', headers=headers).status == 204
    assert http(emu, 'POST', '/provision/register', headers={'X-Exosite-CIK': other},
                fields=[('vendor', 'v-1')]).status == 205


@pytest.mark.parametrize('name', ['', 'has space', '-lead', 'x' * 65, 'a,b', 'ü'])
def test_register_rejects_bad_names(emu, name):
    _, cik = make_client(emu.onep(), emu.root_cik)
    reply = http(emu, 'POST', '/provision/register', headers={'X-Exosite-CIK': cik},
                 fields=[('vendor', name)])
    assert reply.status == 400, reply


def test_register_needs_a_client_key(emu):
    assert http(emu, 'GET', '/provision/register').status == 401
    assert http(emu, 'GET', '/provision/register', headers={'X-Exosite-CIK': 'f' * 40}).status == 401
    by_token = http(emu, 'POST', '/provision/register', headers={'X-Exosite-Token': emu.vendor_token},
                    fields=[('vendor', 'other')])
    assert by_token.status == 401
    assert http(emu, 'PUT', '/provision/register', headers={'X-Exosite-CIK': emu.root_cik}).status == 405


def test_vendor_tokens(emu):
    headers = {'X-Exosite-CIK': emu.root_cik}
    made = http(emu, 'POST', '/provision/admin/auth/', headers=headers, fields=[('id', 'ci')])
    assert made.status == 200 and re.match('^[0-9a-f]{40}$', made.text)
    token = made.text
    assert http(emu, 'POST', '/provision/admin/auth/', headers=headers, fields=[('id', 'ci')]).status == 409
    assert http(emu, 'GET', '/provision/admin/auth/', headers=headers).text == 'default\r\nci'
    assert http(emu, 'GET', '/provision/admin/auth/ci', headers=headers).text == token
    assert http(emu, 'GET', MODELS, headers={'X-Exosite-Token': token}).status == 200
    assert http(emu, 'POST', '/provision/admin/auth/', headers=headers,
                fields=[('delete', 'true'), ('id', 'ci')]).status == 205
    assert http(emu, 'GET', MODELS, headers={'X-Exosite-Token': token}).status == 401
    assert http(emu, 'DELETE', '/provision/admin/auth/default', headers=headers).status == 205
    assert http(emu, 'GET', MODELS, headers={'X-Exosite-Token': emu.vendor_token}).status == 401
    assert http(emu, 'GET', '/provision/admin/auth/default', headers=headers).status == 404
    assert http(emu, 'DELETE', '/provision/admin/auth/default', headers=headers).status == 404
    assert http(emu, 'POST', '/provision/admin/auth/', headers=headers, fields=[]).status == 400


def test_vendor_tokens_need_the_vendor_clients_cik(emu):
    assert http(emu, 'GET', '/provision/admin/auth/', headers={'X-Exosite-Token': emu.vendor_token}).status == 401
    _, cik = make_client(emu.onep(), emu.root_cik)
    assert http(emu, 'GET', '/provision/admin/auth/', headers={'X-Exosite-CIK': cik}).status == 403


def test_management_keys(emu):
    assert http(emu, 'GET', MODELS).status == 401
    wrong = http(emu, 'GET', MODELS, headers={'X-Exosite-Token': '0' * 40})
    assert wrong.status == 401 and 'Unauthorized' in wrong.text
    _, cik = make_client(emu.onep(), emu.root_cik)
    assert http(emu, 'GET', MODELS, headers={'X-Exosite-CIK': cik}).status == 403
    # a wrong key in one header does not hide a good one in the other
    both = http(emu, 'GET', MODELS, headers={'X-Exosite-CIK': 'nope', 'X-Exosite-Token': emu.vendor_token})
    assert both.status == 200


@pytest.mark.parametrize('method,path,status', [
    ('GET', '/provision/', 404),
    ('GET', '/provision/nothing', 404),
    ('GET', '/provision/manage/widget/m/', 404),
    ('GET', '/provision/manage/model/m/sn/extra', 404),
    ('GET', '/provision/manage/model/%ff%fe', 400),
    ('PATCH', '/provision/manage/model/', 405),
    ('POST', '/provision/manage/model/m', 405),
    ('GET', '/provision/activate', 405),
    ('POST', '/provision/download', 405),
])
def test_unknown_paths_and_methods(emu, method, path, status):
    reply = http(emu, method, path, headers={'X-Exosite-Token': emu.vendor_token})
    assert reply.status == status, reply
    assert 'Traceback' not in reply.text
    if status == 405:
        assert reply.headers['allow']
