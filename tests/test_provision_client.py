# -*- coding: utf-8 -*-
"""Provision: every method's HTTP method, path, fields and key header on the wire, the
ProvisionResponse it returns, and errors with and without raise_api_exceptions."""
from __future__ import unicode_literals

import pytest
import requests

from pyonep import provision as provision_module
from pyonep.exceptions import OneException, ProvisionException
from recording_server import Reply, free_port

FORM = 'application/x-www-form-urlencoded; charset=utf-8'

# method, args, kwargs, HTTP method, path, query, body, content type (None: none sent)
CASES = [
    ('content_create', ('k', 'm', 'c', 'meta data'), {}, 'POST', '/provision/manage/content/m/', '', 'id=c&meta=meta+data', FORM),
    ('content_create', ('k', 'm', 'c', 'x'), {'protected': True}, 'POST', '/provision/manage/content/m/', '', 'id=c&meta=x&protected=true', FORM),
    ('content_create', ('k', 'm', 'c', 'x'), {'protected': None}, 'POST', '/provision/manage/content/m/', '', 'id=c&meta=x&protected=true', FORM),
    ('content_create', ('k', 'm', 'c', 'x'), {'protected': 0}, 'POST', '/provision/manage/content/m/', '', 'id=c&meta=x&protected=true', FORM),
    ('content_info', ('k', 'm', 'c'), {}, 'GET', '/provision/manage/content/m/c', '', '', None),
    ('content_info', ('k', 'm', 'c'), {'vendor': ''}, 'GET', '/provision/manage/content/m/c', '', '', None),
    ('content_info', ('k', 'm', 'c'), {'vendor': 'v'}, 'GET', '/provision/download', 'vendor=v&model=m&id=c&info=true', '', None),
    ('content_list', ('k', 'my model'), {}, 'GET', '/provision/manage/content/my%20model/', '', '', None),
    ('content_remove', ('k', 'm', 'c'), {}, 'DELETE', '/provision/manage/content/m/c', '', '', None),
    ('content_upload', ('k', 'm', 'c', 'a,b\n', 'text/csv'), {}, 'POST', '/provision/manage/content/m/c', '', 'a,b\n', 'text/csv'),
    ('model_create', ('k', 'm', 'rid1'), {}, 'POST', '/provision/manage/model/', '', 'model=m&rid=rid1', FORM),
    ('model_create', ('k', 'm', 'rid1'), {'aliases': False, 'comments': False, 'historical': False}, 'POST', '/provision/manage/model/', '',
     'model=m&rid=rid1&options%5B%5D=noaliases&options%5B%5D=nocomments&options%5B%5D=nohistorical', FORM),
    ('model_info', ('k', 'm'), {}, 'GET', '/provision/manage/model/m', '', '', None),
    ('model_list', ('k',), {}, 'GET', '/provision/manage/model/', '', '', None),
    ('model_remove', ('k', 'm'), {}, 'DELETE', '/provision/manage/model/m', '', 'delete=true&model=m&confirm=true', None),
    ('model_update', ('k', 'm', 'rid2'), {'historical': False}, 'PUT', '/provision/manage/model/m', '', 'rid=rid2&options%5B%5D=nohistorical', None),
    ('serialnumber_add', ('k', 'm', 'sn1'), {}, 'POST', '/provision/manage/model/m/', '', 'add=true&sn=sn1', FORM),
    ('serialnumber_add', ('k', 'm', 'sn1'), {'extra': ''}, 'POST', '/provision/manage/model/m/', '', 'add=true&sn=sn1', FORM),
    ('serialnumber_add', ('k', 'm', 'sn1'), {'extra': 'é x'}, 'POST', '/provision/manage/model/m/', '', 'add=true&sn=sn1&extra=%C3%A9+x', FORM),
    ('serialnumber_add_batch', ('k', 'm'), {}, 'POST', '/provision/manage/model/m/', '', 'add=true', FORM),
    ('serialnumber_add_batch', ('k', 'm', ['a', 'ü']), {}, 'POST', '/provision/manage/model/m/', '', 'add=true&sn%5B%5D=a&sn%5B%5D=%C3%BC', FORM),
    ('serialnumber_add_batch_csv', ('k', 'm', 'a,1\nb,2\n'), {}, 'POST', '/provision/manage/model/m/', '', 'a,1\nb,2\n', 'text/csv; charset=utf-8'),
    ('serialnumber_disable', ('k', 'm', 's'), {}, 'POST', '/provision/manage/model/m/s', '', 'disable=true', FORM),
    ('serialnumber_enable', ('k', 'm', 's', 'own'), {}, 'POST', '/provision/manage/model/m/s', '', 'enable=true&owner=own', FORM),
    ('serialnumber_info', ('k', 'm', 's'), {}, 'GET', '/provision/manage/model/m/s', '', '', None),
    ('serialnumber_info', ('k', 'm', 's'), {'actvtn_log': 1}, 'GET', '/provision/manage/model/m/s', 'show=log', '', None),
    ('serialnumber_list', ('k', 'm'), {}, 'GET', '/provision/manage/model/m/', 'offset=0&limit=1000', '', None),
    ('serialnumber_list', ('k', 'm', 3, 4, 'yes'), {}, 'GET', '/provision/manage/model/m/', 'offset=3&limit=4&status=true', '', None),
    ('serialnumber_reenable', ('k', 'm', 's'), {}, 'POST', '/provision/manage/model/m/s', '', 'enable=true', FORM),
    ('serialnumber_remap', ('k', 'm', 's', 'old'), {}, 'POST', '/provision/manage/model/m/s', '', 'enable=true&oldsn=old', FORM),
    ('serialnumber_remove', ('k', 'm', 's'), {}, 'DELETE', '/provision/manage/model/m/s', '', '', None),
    ('serialnumber_remove_batch', ('k', 'm', ['x', 'y']), {}, 'POST', '/provision/manage/model/m/', '', 'remove=true&sn%5B%5D=x&sn%5B%5D=y', FORM),
    ('vendor_register', ('k', 'v'), {}, 'POST', '/provision/register', '', 'vendor=v', FORM),
]


@pytest.mark.parametrize('by_cik', [True, False])
@pytest.mark.parametrize('name,args,kwargs,method,path,query,body,ctype', CASES)
def test_each_method_on_the_wire(make_provision, server, by_cik, name, args, kwargs, method,
                                 path, query, body, ctype):
    server.reply = lambda r: Reply(body='fine', headers={'Content-Type': 'text/plain; charset=utf-8'})
    prov = make_provision(manage_by_cik=by_cik)
    pr = getattr(prov, name)(*args, **kwargs)
    assert isinstance(pr, provision_module.ProvisionResponse)
    assert (pr.body, pr.isok, pr.status(), pr.reason()) == ('fine', True, 200, 'OK')
    sent = server.requests[0]
    assert (sent.method, sent.path, sent.query, sent.body) == (method, path, query, body)
    assert sent.headers.get('content-type') == ctype
    key_header = 'x-exosite-cik' if by_cik else 'x-exosite-token'
    other = 'x-exosite-token' if by_cik else 'x-exosite-cik'
    assert sent.headers[key_header] == 'k' and other not in sent.headers


def test_fixed_key_headers(make_provision, server):
    prov = make_provision(manage_by_cik=False)
    prov.content_download('cik1', 'v', 'm', 'file.bin')
    prov.serialnumber_activate('m', 'sn1', 'v')
    prov = make_provision(manage_by_cik=True)
    prov.vendor_show('tok')
    prov.vendor_unregister('tok', 'v')
    prov.serialnumber_activate('m', 'sn1', 'v')
    got = [(r.method, r.path, r.query, r.body, r.headers.get('x-exosite-cik'),
            r.headers.get('x-exosite-token')) for r in server.requests]
    assert got == [
        ('GET', '/provision/download', 'vendor=v&model=m&id=file.bin', '', 'cik1', None),
        ('POST', '/provision/activate', '', 'vendor=v&model=m&sn=sn1', None, ''),
        ('GET', '/provision/register', '', '', None, 'tok'),
        ('POST', '/provision/register', '', 'delete=true&vendor=v', None, 'tok'),
        ('POST', '/provision/activate', '', 'vendor=v&model=m&sn=sn1', '', None)]


def test_manage_by_sharecode_sends_code(make_provision, server):
    make_provision(manage_by_sharecode=True).model_create('k', 'm', 'share1', comments=False)
    assert server.requests[0].body == 'model=m&code=share1&options%5B%5D=nocomments'


def test_accept_header_reaches_the_wire(make_provision, server):
    """0.13.8 defect: the transport's header handling lost the Accept header."""
    make_provision().model_list('k')
    assert server.requests[0].headers['accept'] == provision_module.ACCEPT


def test_https_prefix_is_dropped_and_port_used(server):
    prov = provision_module.Provision(host='https://127.0.0.1', port=server.port)
    assert prov.model_list('k').isok
    assert server.requests[0].path == '/provision/manage/model/'


def test_path_constants():
    p = provision_module
    assert (p.PROVISION_BASE, p.PROVISION_ACTIVATE, p.PROVISION_DOWNLOAD, p.PROVISION_MANAGE,
            p.PROVISION_MANAGE_MODEL, p.PROVISION_MANAGE_CONTENT, p.PROVISION_REGISTER) == (
        '/provision', '/provision/activate', '/provision/download', '/provision/manage',
        '/provision/manage/model/', '/provision/manage/content/', '/provision/register')
    assert p.log.name == 'pyonep.provision'


@pytest.mark.parametrize('status,reason', [(400, 'Bad Request'), (404, 'Not Found'),
                                           (409, 'Conflict'), (500, 'Internal Server Error'),
                                           (503, 'Service Unavailable')])
def test_error_status_without_raise_returns_a_response(make_provision, server, status, reason):
    server.reply = lambda r: Reply(status=status, body='why', headers={'Content-Type': 'text/plain'})
    pr = make_provision().model_info('k', 'm')
    assert (pr.isok, pr.status(), pr.reason(), pr.body) == (False, status, reason, 'why')
    assert str(pr) == 'Status: %d, Reason: %s, Body: why' % (status, reason)
    assert repr(pr) == 'why'


@pytest.mark.parametrize('status,reason', [(400, 'Bad Request'), (404, 'Not Found'),
                                           (500, 'Internal Server Error')])
def test_error_status_with_raise_raises_provision_exception(make_provision, server, status, reason):
    server.reply = lambda r: Reply(status=status, body='why', headers={'Content-Type': 'text/plain'})
    with pytest.raises(ProvisionException) as err:
        make_provision(raise_api_exceptions=True).model_info('k', 'm')
    assert isinstance(err.value, OneException)
    assert str(err.value) == '%d %s' % (status, reason)
    assert err.value.response.status() == status and err.value.response.body == 'why'


def test_success_with_raise_returns_a_response(make_provision, server):
    server.reply = lambda r: Reply(status=204, body='')
    pr = make_provision(raise_api_exceptions=True).model_remove('k', 'm')
    assert (pr.isok, pr.status(), pr.body) == (True, 204, '')


def test_body_is_decoded_as_requests_decodes_it(make_provision, server):
    server.reply = lambda r: Reply(body='ünï'.encode('utf-8'), headers={'Content-Type': 'text/plain; charset=utf-8'})
    assert make_provision().model_list('k').body == 'ünï'
    server.reply = lambda r: Reply(body='ünï'.encode('utf-8'), headers={'Content-Type': 'text/plain'})
    assert make_provision().model_list('k').body == 'ünï'.encode('utf-8').decode('iso-8859-1')


def test_refused_raises_the_network_librarys_exception():
    prov = provision_module.Provision(host='127.0.0.1', port=free_port())
    with pytest.raises(requests.exceptions.ConnectionError):
        prov.model_list('k')


def test_read_timeout_raises_the_network_librarys_exception(make_provision, server):
    server.reply = lambda r: Reply(body='late', delay=2)
    with pytest.raises(requests.exceptions.Timeout):
        make_provision(httptimeout=1).model_list('k')


def test_close_works_and_the_client_stays_usable(make_provision, server):
    """0.13.8 defect: Provision.close() raised AttributeError."""
    prov = make_provision(reuseconnection=True)
    prov.model_list('k')
    prov.model_list('k')
    assert server.connections == 1
    prov.close()
    assert prov.model_list('k').isok
    assert server.connections == 2
    make_provision().close()


def test_reset_mid_reply_raises_the_network_librarys_exception(make_provision, server):
    server.reply = lambda r: Reply(body='x' * 500, headers={'Content-Type': 'text/plain'}, reset=True)
    prov = make_provision(reuseconnection=True)
    with pytest.raises(requests.exceptions.RequestException) as err:
        prov.model_list('k')
    assert not isinstance(err.value, OneException)
    server.reply = lambda r: Reply(body='back', headers={'Content-Type': 'text/plain'})
    assert prov.model_list('k').body == 'back'
