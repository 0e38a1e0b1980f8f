"""Where the live One Platform differed from its documents, and real clients depend on it.

Each test holds one behaviour that a real client (exoline, pyonep 0.13.8's own tests), run
against the live platform, shows; its docstring names the evidence. docs/emulator.md lists
the same behaviours under "Where the platform differs from its documents". The emulator's
guarantees stay as they were: the tests also check that no answer opens a door.
"""
import json
import socket

import pytest

from pyonep.exceptions import OnePlatformException
from fleet_helpers import FORM, http, setup_model, vendor_headers
from rpc_helpers import call, make_client, make_dataport, ok, post

ALL_LIMITS = ('client', 'dataport', 'datarule', 'disk', 'dispatch', 'email', 'email_bucket',
              'http', 'http_bucket', 'io', 'share', 'sms', 'sms_bucket', 'xmpp', 'xmpp_bucket')


def test_client_limits_accept_io(onep, cik):
    """exoline test/test.py (Resource.__init__) creates every client with the limit key
    ``io``, which rpc.md does not list; the platform accepted it and showed it in info."""
    limits = dict((key, 'inherit') for key in ALL_LIMITS)
    rid = ok(onep.create(cik, 'client', {'limits': limits, 'name': 'with io'}))
    assert ok(onep.info(cik, rid, {'description': True}))['description']['limits']['io'] == 'inherit'
    other = ok(onep.create(cik, 'client', {'limits': {'io': 5}}))
    assert ok(onep.info(cik, other, {'description': True}))['description']['limits']['io'] == 5
    # still checked: an unknown key or a bad value stays invalid
    assert onep.create(cik, 'client', {'limits': {'bananas': 1}}) == (False, 'invalid')
    assert onep.create(cik, 'client', {'limits': {'io': -1}}) == (False, 'invalid')


def test_info_leaves_out_what_the_caller_may_not_see(onep, cik):
    """exoline exo.py (the tree command, about line 1852) asks a client for its own ``key``
    and then fills it in because "info doesn't contain key"; exo.py's make_info_options
    (about line 2663) always asks for ``key``, of dataports too. The platform answered
    'ok' and left the option out instead of refusing the whole call."""
    child, child_cik = make_client(onep, cik)
    port = make_dataport(onep, child_cik)
    mine = ok(onep.info(child_cik, {'alias': ''}, {'key': True, 'basic': True}))
    assert 'key' not in mine and mine['basic']['type'] == 'client'
    assert ok(onep.info(child_cik, port, {'key': True, 'description': True})).keys() == {'description'}
    # the owner still sees the key; a caller outside still gets nothing at all
    assert ok(onep.info(cik, child, {'key': True}))['key'] == child_cik
    sibling, sibling_cik = make_client(onep, cik)
    assert onep.info(sibling_cik, port, {'key': True}) == (False, 'restricted')


def test_lookup_aliased(onep, cik):
    """exoline exo.py (about lines 2458 and 2525: copy, diff, dump, spec, search) sends
    ``lookup ["aliased", ""]`` to learn the caller's own RID."""
    child, child_cik = make_client(onep, cik)
    assert ok(onep.lookup(child_cik, 'aliased', '')) == child
    port = make_dataport(onep, child_cik, alias='temp')
    assert ok(onep.lookup(child_cik, 'aliased', 'temp')) == port
    assert onep.lookup(child_cik, 'aliased', 'ghost') == (False, 'invalid')


def test_clone_starts_notactivated_and_its_owner_activates_it(onep, cik):
    """exoline exo.py (clone, about lines 3536-3545) always activates the new clone's CIK
    with ``activate ["client", cik]`` and fails unless that answers 'ok'."""
    template, template_cik = make_client(onep, cik, {'name': 'template'})
    make_dataport(onep, template_cik, alias='temp')
    clone = ok(onep.create(cik, 'clone', {'rid': template}))
    info = ok(onep.info(cik, clone, {'basic': True, 'key': True}))
    assert info['basic']['status'] == 'notactivated'
    with pytest.raises(OnePlatformException):  # the CIK does not authenticate yet
        onep.info(info['key'], {'alias': ''}, {'basic': True})
    assert onep.activate(cik, 'client', info['key']) == (True, 'ok')
    assert ok(onep.info(info['key'], {'alias': ''}, {'basic': True}))['basic']['status'] == 'activated'
    assert onep.activate(cik, 'client', info['key']) == (False, 'invalid')  # once only


def test_unmap_of_an_unmapped_alias_is_ok(onep, cik):
    """exoline test/test.py (map_test, about line 611) expects "unmap with umapped alias
    should work"."""
    port = make_dataport(onep, cik, alias='temp')
    assert onep.unmap(cik, 'temp') == (True, 'ok')
    assert onep.unmap(cik, 'temp') == (True, 'ok')
    assert onep.unmap(cik, 'never-mapped') == (True, 'ok')
    assert onep.lookup(cik, 'alias', 'temp') == (False, 'invalid')
    assert ok(onep.info(cik, port, {'basic': True}))['basic']['type'] == 'dataport'


def test_device_read_answers_in_reverse_query_order(emu, onep, cik):
    """exoline test/test.py (data_test, about lines 1270-1279) expects
    ``float=..&integer=..&string=..`` for ``?string&integer&float``, and the reverse of the
    query for a hybrid write and read too."""
    for alias, fmt in (('string', 'string'), ('integer', 'integer'), ('float', 'float')):
        make_dataport(onep, cik, fmt, alias=alias)
    headers = {'X-Exosite-CIK': cik, 'Content-Type': FORM}
    assert http(emu, 'POST', '/onep:v1/stack/alias', 'string=foo&integer=616&float=3.5',
                headers=headers).status == 204
    read = http(emu, 'GET', '/onep:v1/stack/alias?string&integer&float', headers=headers)
    assert read.text == 'float=3.5&integer=616&string=foo'
    read = http(emu, 'GET', '/onep:v1/stack/alias?integer&ghost&float&string', headers=headers)
    assert read.text == 'string=foo&float=3.5&integer=616'
    hybrid = http(emu, 'POST', '/onep:v1/stack/alias?integer&string', 'string=bar',
                  headers=headers)
    assert hybrid.text == 'string=bar&integer=616'


def test_show_ranges_is_a_bare_list_as_posted(emu):
    """exoline test/test.py (provision_sn_test, about lines 2258-2263) reads
    ``?show=ranges`` as a bare JSON list and expects the range as its plugin posted it,
    ``"length": null`` included; exoline's provision plugin also posts ``"casing": null``
    for base10 ranges and ``"length": null`` when no length is given."""
    setup_model(emu, 'm', ())
    headers = dict(vendor_headers(emu), **{'Content-Type': 'application/javascript; charset=utf-8'})
    mac = {'format': 'mac:48', 'length': None, 'casing': 'upper',
           'first': 1108152157440, 'last': 1108152157695}
    decimal = {'format': 'base10', 'length': None, 'casing': None, 'first': 1, 'last': 9}
    path = '/provision/manage/model/m/'
    assert http(emu, 'POST', path, json.dumps({'ranges': [mac, decimal]}), headers=headers).status == 205
    shown = http(emu, 'GET', path + '?show=ranges', headers=vendor_headers(emu))
    assert json.loads(shown.text) == [mac, decimal]
    # the ranges work: a number inside is whitelisted, written as the range writes it
    assert http(emu, 'GET', path + '01:02:03:04:05:10', headers=vendor_headers(emu)).status == 204
    assert http(emu, 'GET', path + '7', headers=vendor_headers(emu)).status == 204
    assert http(emu, 'DELETE', path, json.dumps({'ranges': [mac]}), headers=headers).status == 205
    assert json.loads(http(emu, 'GET', path + '?show=ranges', headers=vendor_headers(emu)).text) == [decimal]


def test_givenwindow_gives_the_earliest_point_of_each_window(onep, cik):
    """exoline test/test.py (read_selection_test, about lines 1170-1171) records points at
    1, 2, 3, 4, 5 and 8 and reads 1..10 in 2 windows with the default sort (desc): the
    platform answered 8 then 1, the earliest point of each window."""
    port = make_dataport(onep, cik, 'string')
    ok(onep.record(cik, port, [[1, 'a'], [2, 'a'], [3, 'c'], [4, 'd'], [5, 'e'], [8, 'f']]))
    window = {'starttime': 1, 'endtime': 10, 'limit': 2, 'selection': 'givenwindow'}
    assert ok(onep.read(cik, port, dict(window, sort='desc'))) == [[8, 'f'], [1, 'a']]
    assert ok(onep.read(cik, port, dict(window, sort='asc'))) == [[1, 'a'], [8, 'f']]
    # earliest by time, not by arrival
    late = make_dataport(onep, cik, 'string')
    ok(onep.record(cik, late, [[4, 'late'], [2, 'early']]))
    assert ok(onep.read(cik, late, dict(window, limit=1))) == [[2, 'early']]


def test_a_grant_on_a_client_covers_its_subtree(emu, onep, cik):
    """exoline test/test.py (token_test, about lines 2679-2689) grants read and write on a
    client and then writes with the token to a dataport of that client; pyonep 0.13.8's own
    test/test_rpc.py (about lines 36-53) writes by alias to a dataport created after the
    grant."""
    client, client_cik = make_client(onep, cik)
    before = make_dataport(onep, client_cik, 'string')
    token = ok(onep.grant(cik, client, {client: ['read', 'write', 'create', 'map']}))
    auth = {'token': token}
    assert call(emu, auth, 'write', before, 'x')['status'] == 'ok'
    created = call(emu, auth, 'create', 'dataport', {'format': 'integer'})
    assert created['status'] == 'ok'
    assert call(emu, auth, 'map', 'alias', created['result'], 'later')['status'] == 'ok'
    assert call(emu, auth, 'write', {'alias': 'later'}, 5)['status'] == 'ok'
    assert call(emu, auth, 'read', {'alias': 'later'}, {})['result'] == [[int(emu.platform.clock()), 5]]
    # only what was granted, only below the granted client
    assert call(emu, auth, 'drop', before)['status'] == 'restricted'
    outside = make_dataport(onep, cik)
    assert call(emu, auth, 'read', outside, {})['status'] == 'restricted'
    # a grant naming a dataport covers that dataport alone
    narrow = ok(onep.grant(cik, client, {before: ['read']}))
    assert call(emu, {'token': narrow}, 'read', before, {})['status'] == 'ok'
    assert call(emu, {'token': narrow}, 'read', created['result'], {})['status'] == 'restricted'


def test_a_rid_naming_nothing_is_restricted(onep, cik):
    """exoline test/test.py (create_test, about lines 662-665) expects ``info`` of a client
    it has just dropped to fail with 'restricted': the platform does not tell a RID that
    names nothing from one out of reach. A malformed id stays 'invalid'."""
    child, _ = make_client(onep, cik)
    ok(onep.drop(cik, child))
    assert onep.info(cik, child, {}) == (False, 'restricted')
    assert onep.read(cik, 'f' * 40, {}) == (False, 'restricted')
    assert onep.write(cik, '0123456789abcdef0123456789abcdef01234567', 1) == (False, 'restricted')
    assert onep.info(cik, 'not a rid', {}) == (False, 'invalid')
    assert onep.info(cik, {'alias': 'ghost'}, {}) == (False, 'invalid')


# ---------------------------------------------------------------- beyond exoline's suite
def test_rpc_answers_on_its_older_path(emu, cik):
    """node-onep (rpc.js) and javaonep (its examples and unit tests) post JSON-RPC to
    ``/api:v1/rpc/process``, the path the platform's 2013 documents named; onep-mock
    answers on both paths."""
    body = {'auth': {'cik': cik}, 'calls': [{'id': 1, 'procedure': 'lookup',
                                              'arguments': ['alias', '']}]}
    old = post(emu, body, path='/api:v1/rpc/process')
    new = post(emu, body, path='/onep:v1/rpc/process')
    assert old[0] == new[0] == 200
    assert json.loads(old[2]) == json.loads(new[2]) == [
        {'id': 1, 'status': 'ok', 'result': emu.platform.root_rid}]


def test_usage_with_a_null_endtime_means_now(onep, cik, clock):
    """exoline exo.py (usage, get_startend) sends ``null`` as the endtime when no
    ``--end`` is given or ``--end=now``."""
    make_dataport(onep, cik)
    clock.advance(100)
    start = int(clock()) - 50
    assert ok(onep.usage(cik, {'alias': ''}, 'dataport', start, None)) == 50
    assert ok(onep.usage(cik, {'alias': ''}, 'dataport', start, None)) == ok(
        onep.usage(cik, {'alias': ''}, 'dataport', start, int(clock())))
    assert onep.usage(cik, {'alias': ''}, 'dataport', None, None) == (False, 'invalid')


def test_a_script_has_a_run_status(onep, cik):
    """exoline exo.py (script --follow) reads ``basic.status`` of a script datarule, and
    exoline's diff leaves out ``basic.activity``: the platform sent both for scripts
    (portals.md's script examples show them too)."""
    script = ok(onep.create(cik, 'datarule', {'format': 'string', 'rule': {'script': 'debug("hi")'}}))
    basic = ok(onep.info(cik, script, {'basic': True}))['basic']
    assert basic['status'] == 'running'
    assert basic['activity'] == [[basic['modified'], ['running']]]
    port = make_dataport(onep, cik)
    assert 'status' not in ok(onep.info(cik, port, {'basic': True}))['basic']


def test_share_accepts_the_code_as_share(onep, cik):
    """exoline exo.py (share --share=<code> --meta=...) names the code to update
    ``share`` in the options."""
    port = make_dataport(onep, cik)
    code = ok(onep.share(cik, port, {'meta': 'one'}))
    assert ok(onep.share(cik, port, {'share': code, 'meta': 'two'})) == code
    shares = ok(onep.info(cik, port, {'shares': True}))['shares']
    assert [(s['code'], s['meta']) for s in shares] == [(code, 'two')]
    assert onep.share(cik, port, {'share': 'f' * 40}) == (False, 'invalid')


def test_device_write_with_a_c_string_terminator(emu, onep, cik):
    """Exosite's C device library documents ``exosite_write("myAlias=5",
    sizeof("myAlias=5"))``, which sends the string's NUL terminator as the last byte."""
    make_dataport(onep, cik, 'integer', alias='myAlias')
    headers = {'X-Exosite-CIK': cik, 'Content-Type': FORM}
    assert http(emu, 'POST', '/onep:v1/stack/alias', b'myAlias=5\x00', headers=headers).status == 204
    assert ok(onep.read(cik, {'alias': 'myAlias'}, {}))[0][1] == 5
    # a NUL anywhere else is still part of the value
    assert http(emu, 'POST', '/onep:v1/stack/alias', b'myAlias=5\x006', headers=headers).status == 400


def test_device_answers_fit_a_small_device_buffer(emu, onep, cik):
    """Exosite's Arduino library (Exosite.cpp) reads the status line, the headers and the
    body of an answer into one 200-byte buffer and gives up when it fills. http-data.md's
    examples show no Content-Type on the data answers, so none is sent."""
    port = make_dataport(onep, cik, 'string', alias='a')
    ok(onep.write(cik, port, 'x' * 40))
    raw = raw_exchange(emu, b'GET /onep:v1/stack/alias?a HTTP/1.1\r\nHost: d\r\n'
                            b'X-Exosite-CIK: ' + cik.encode() + b'\r\n\r\n')
    assert raw.startswith(b'HTTP/1.1 200 OK\r\n') and raw.endswith(b'\r\n\r\na=' + b'x' * 40)
    assert b'content-type' not in raw.lower()
    assert len(raw) < 200


def raw_exchange(emu, request):
    """Send ``request`` bytes on a fresh connection and return everything answered."""
    with socket.create_connection((emu.host, emu.port), timeout=10) as sock:
        sock.sendall(request)
        data = b''
        while b'\r\n\r\n' not in data:
            data += sock.recv(4096)
        head, _, body = data.partition(b'\r\n\r\n')
        length = int([line.split(b':')[1] for line in head.split(b'\r\n')
                      if line.lower().startswith(b'content-length')][0])
        while len(body) < length:
            body += sock.recv(4096)
        return head + b'\r\n\r\n' + body


def test_a_crlf_after_the_body_does_not_end_a_kept_alive_connection(emu, onep, cik):
    """Exosite's Arduino library (Exosite.cpp) sends a body with ``println``: a CRLF that
    Content-Length does not count follows it, and the next request goes on the same
    connection. HTTP/1.1 lets a server skip empty lines before a request line."""
    make_dataport(onep, cik, 'integer', alias='x')
    head = ('X-Exosite-CIK: %s\r\nHost: d\r\n' % cik).encode()
    write = (b'POST /onep:v1/stack/alias HTTP/1.1\r\n' + head +
             b'Content-Type: ' + FORM.encode() + b'\r\nContent-Length: 3\r\n\r\nx=7\r\n')
    read = b'GET /onep:v1/stack/alias?x HTTP/1.1\r\n' + head + b'\r\n'
    with socket.create_connection((emu.host, emu.port), timeout=10) as sock:
        sock.sendall(write + read)
        data = b''
        while not data.endswith(b'x=7'):
            chunk = sock.recv(4096)
            assert chunk, data
            data += chunk
    assert data.startswith(b'HTTP/1.1 204') and b'HTTP/1.1 200 OK' in data
