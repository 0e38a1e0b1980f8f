"""A seeded, bounded fuzz test of the whole emulator (issue 9, item 10).

Every RPC procedure gets hostile values in each argument position (wrong types, lone
surrogates, 1e400, NaN, 64-bit overflows, deep nesting, long strings), with too few and too
many arguments, under hostile auth objects; every REST endpoint (provisioning, device API)
gets every method with hostile paths, queries, headers and bodies; and raw HTTP gets odd
request lines and framing. The promises checked: never a 5xx other than 501/505, every RPC
reply is strict JSON (no NaN or Infinity) in the documented shape, every complete request
is answered with a status line, and the server still serves afterwards.

The seed is fixed (``PYONEP_FUZZ_SEED`` picks another) and the counts are bounded, so a
failure reproduces and the run takes seconds. ``pytest -s`` prints how many inputs ran.
"""
import json
import os
import random
import socket
from urllib.parse import quote

import pytest

from fleet_helpers import enable_and_activate, http, setup_model, vendor_headers
from rpc_helpers import make_client, make_dataport, ok, post

SEED = int(os.environ.get('PYONEP_FUZZ_SEED', '9'))
COUNTS = {}
RAW = {'1e400': '1e400', '-1e400': '-1e400', 'huge-int': '9' * 5000, 'NaN': 'NaN',
       'Infinity': 'Infinity'}
# built with chr(): a lone surrogate literal breaks pytest's assertion rewriting on Python 3.13
SURROGATES = [chr(0xD800), chr(0xDFFF), 'a' + chr(0xDC00) + 'b']


def counted(kind, number=1):
    COUNTS[kind] = COUNTS.get(kind, 0) + number


def raw(name):
    """A placeholder that becomes the bare JSON token RAW[name] once encoded."""
    return '\x00raw:%s\x00' % name


def encode(value):
    """Encode ``value`` as JSON text (NaN and infinities bare), with raw() placeholders
    replaced by their tokens."""
    text = json.dumps(value)
    for name, token in RAW.items():
        text = text.replace(json.dumps(raw(name)), token)
    return text.encode('ascii')


def nested(depth, leaf=1):
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def hostile_values(rid, cik):
    deep_dict = 1
    for _ in range(300):
        deep_dict = {'a': deep_dict}
    return [None, True, False, 0, -1, 1.5, -0.0, 2 ** 63, -2 ** 63 - 1, 2 ** 70, 10 ** 40,
            float('nan'), float('inf'), float('-inf'), raw('1e400'), raw('-1e400'),
            raw('huge-int'), '', 'x', ' ', '\x00', '\u2603', 'a' * 70000, '1' * 40, 'f' * 40,
            rid, cik, [], [1], [None], [[1, 2]], [[]], [[rid, 1]], [['x', 1]], [[raw('NaN'), 1]],
            nested(400), deep_dict, {}, {'x': 1}, {'alias': ''}, {'alias': 'p'}, {'alias': 5},
            {'alias': []}, {'alias': 'p', 'x': 1}, {'rid': rid}, {'code': []}, {'limit': 'x'},
            {'limit': raw('NaN')}, {'starttime': raw('1e400')}, {'format': 'float'},
            {'format': ['float']}, {'sort': {}}, {'selection': 'givenwindow', 'limit': 10 ** 40},
            {'ttl': raw('Infinity')}, {'ttl': 0.001}, {'since': raw('NaN'), 'timeout': 0},
            {'timeout': 2 ** 64}, {'newerthan': raw('1e400')}, {'public': True},
            {'tagged': [[]]}, {'tagged': ['t']}, {'aliases': []}, {'shares': True}, {'key': 1},
            {rid: ['read', 'write']}, {rid: 'read'}, {rid: [[]]},
            {'preprocess': [['add', raw('1e400')]]}, {'retention': {'count': raw('NaN')}},
            {'limits': {'client': raw('Infinity')}}, {'subscribe': []},
            {'rule': {'simple': {'comparison': [], 'constant': 1}}},
            {'rule': {'timeout': {'timeout': 5e-324}}}, {'method': 'email', 'recipient': 5}]


def baselines(port, scratch, other, cik):
    """Valid arguments of each procedure, to be spoiled one position at a time.
    Procedures that remove or move things come last, so the others see live resources."""
    code = 'c' * 40
    return [
        ('read', [port, {}]), ('write', [port, 1, {}]), ('writegroup', [[[port, 1]]]),
        ('record', [port, [[1, 1]], {}]), ('recordbatch', [port, [[1, 1]]]),
        ('wait', [port, {'timeout': 0}]), ('info', [port, {}]),
        ('create', [{'alias': ''}, 'dataport', {'format': 'integer'}]),
        ('update', [port, {'name': 'n'}]), ('listing', [{'alias': ''}, ['dataport'], {}]),
        ('usage', [{'alias': ''}, 'dataport', 0, 10]), ('map', ['alias', port, 'a1']),
        ('lookup', [{'alias': ''}, 'alias', 'p']), ('unmap', [{'alias': ''}, 'alias', 'a1']),
        ('share', [port, {}]), ('activate', [{'alias': ''}, 'share', code]),
        ('grant', [port, {port: ['read']}, {'ttl': 10}]), ('tag', [port, 'add', 't']),
        ('comment', [port, 'public', 'c']), ('deactivate', [{'alias': ''}, 'share', code]),
        ('revoke', ['share', code]), ('flush', [scratch, {}]),
        ('move', [scratch, other, {}]), ('drop', [scratch]),
    ]


def field_templates(port, client):
    """Calls with one inner field (an option, a description key, an entry) to spoil: each
    yields the call's arguments for a value put in that field."""
    desc_keys = ['format', 'name', 'meta', 'public', 'preprocess', 'retention', 'subscribe',
                 'rule', 'method', 'recipient', 'locked', 'limits', 'message', 'subject']
    templates = [('writegroup', lambda v: [[[v, 1]]]), ('writegroup', lambda v: [[[port, v]]]),
                 ('writegroup', lambda v: [[v]]), ('record', lambda v: [port, [[v, 1]], {}]),
                 ('record', lambda v: [port, [[1, v]], {}]), ('record', lambda v: [port, [v], {}]),
                 ('recordbatch', lambda v: [port, [[v, 1]]]), ('recordbatch', lambda v: [port, [[1, v]]]),
                 ('grant', lambda v: [port, {port: v}]), ('grant', lambda v: [port, {port: [v]}]),
                 ('grant', lambda v: [port, {port: ['read']}, {'ttl': v}]),
                 ('share', lambda v: [port, {'meta': v}]), ('share', lambda v: [port, {'code': v}]),
                 ('create', lambda v: ['clone', {'rid': v}]), ('create', lambda v: ['clone', {'code': v}]),
                 ('create', lambda v: ['clone', {'rid': client, 'noaliases': v}]),
                 ('create', lambda v: ['datarule', {'format': 'integer', 'rule': {'simple': {
                     'comparison': 'gt', 'constant': v}}}]),
                 ('create', lambda v: ['datarule', {'format': 'integer', 'rule': {'count': {
                     'comparison': 'gt', 'constant': 1, 'count': v, 'timeout': 1}}}]),
                 ('create', lambda v: ['datarule', {'format': 'integer', 'rule': {'interval': {
                     'comparison': 'gt', 'constant': 1, 'timeout': v, 'repeat': v}}}]),
                 ('create', lambda v: ['datarule', {'format': 'integer', 'rule': {v: {}}}
                                       if isinstance(v, str) and '\x00' not in v else {'rule': v}]),
                 ('create', lambda v: ['dataport', {'format': 'float', 'preprocess': [[v, 1]]}]),
                 ('create', lambda v: ['dataport', {'format': 'float', 'preprocess': [['add', v]]}]),
                 ('create', lambda v: ['dataport', {'format': 'float', 'retention': {'count': v}}]),
                 ('create', lambda v: ['dataport', {'format': 'float', 'retention': {'duration': v}}]),
                 ('create', lambda v: ['client', {'limits': {'dataport': v}}]),
                 ('create', lambda v: ['client', {'limits': v}]),
                 ('listing', lambda v: [{'alias': ''}, ['dataport'], {'tagged': v}]),
                 ('listing', lambda v: [{'alias': ''}, [v], {}]),
                 ('lookup', lambda v: [{'alias': ''}, 'owner', v]),
                 ('lookup', lambda v: [{'alias': ''}, 'shared', v]),
                 ('usage', lambda v: [{'alias': ''}, v, 0, 10]),
                 ('move', lambda v: [port, client, {'aliases': v}])]
    for key in desc_keys:
        templates.append(('create', lambda v, key=key: ['dispatch', {'method': 'email',
                                                                    'recipient': 'a', key: v}]))
        templates.append(('create', lambda v, key=key: ['dataport', {'format': 'integer', key: v}]))
        templates.append(('update', lambda v, key=key: [port, {key: v}]))
        templates.append(('update', lambda v, key=key: [client, {key: v}]))
    for key in ('aliases', 'basic', 'comments', 'counts', 'description', 'key', 'shares',
                'storage', 'subscribers', 'tagged', 'tags', 'usage'):
        templates.append(('info', lambda v, key=key: [port, {key: v}]))
    for key in ('starttime', 'endtime', 'limit', 'sort', 'selection'):
        templates.append(('read', lambda v, key=key: [port, {key: v, 'limit': 3}
                                                      if key != 'limit' else {key: v}]))
    for key in ('newerthan', 'olderthan'):
        templates.append(('flush', lambda v, key=key: [port, {key: v, 'olderthan': 0}]))
    templates.append(('wait', lambda v: [port, {'timeout': 0, 'since': v}]))
    templates.append(('wait', lambda v: [port, {'timeout': v}] if not (
        isinstance(v, (int, float)) and not isinstance(v, bool) and 1 < v < 2 ** 63) else [port, {}]))
    return templates


def safe_wait(procedure, arguments):
    """A wait must not block the test: its options always hold a timeout (0 by default)."""
    if procedure != 'wait' or not arguments:
        return arguments
    if len(arguments) == 1:
        arguments = arguments + [{}]
    if arguments[1] is None:   # no options: the default timeout is 30 s
        arguments[1] = {}
    if isinstance(arguments[1], dict) and 'timeout' not in arguments[1]:
        arguments[1] = dict(arguments[1], timeout=0)
    return arguments


def strict_json(text):
    def refuse(token):
        raise AssertionError('reply is not strict JSON: it holds %s' % token)
    return json.loads(text, parse_constant=refuse)


def check_rpc(emu, auth, calls):
    """Send one RPC request; check the HTTP status, strict JSON and the reply's shape."""
    body = encode({'auth': auth, 'calls': calls}) if not isinstance(calls, bytes) else calls
    status, headers, text = post(emu, body)
    counted('RPC requests')
    assert status == 200, (status, text[:300])
    assert headers['Content-Type'] == 'application/json; charset=utf-8'
    if text == '':
        return None
    reply = strict_json(text)
    if isinstance(reply, dict):
        assert set(reply) == {'error'} and reply['error']['code'] in (-1, 400, 401), reply
        return reply
    assert isinstance(reply, list)
    for item in reply:
        assert isinstance(item.get('status'), (str, list)), item
        assert item.get('error', {}).get('code') != 500, (calls[item['id']], item)
        assert set(item) <= {'id', 'status', 'result', 'error'}, item
    return reply


@pytest.fixture
def world(emu):
    onep, cik = emu.onep(), emu.root_cik
    port = make_dataport(onep, cik, 'integer', alias='p')
    other, other_cik = make_client(onep, cik)
    return onep, cik, port, other, other_cik


def still_serves(emu):
    assert ok(emu.onep().info(emu.root_cik, {'alias': ''}, {'basic': True}))['basic']['type'] == 'client'
    assert http(emu, 'GET', '/timestamp').status == 200


# ---------------------------------------------------------------- RPC
def test_rpc_procedures_with_hostile_arguments(emu, world):
    onep, cik, port, other, _ = world
    rng = random.Random(SEED)
    values = hostile_values(port, cik)
    calls = []
    for procedure, base in baselines(port, make_client(onep, cik)[0], other, cik):
        for position in range(len(base)):
            for value in values:
                arguments = list(base)
                arguments[position] = value
                calls.append((procedure, safe_wait(procedure, arguments)))
        for arguments in ([], base[:-1], base + [None], base + [{}], base + [rng.choice(values)]):
            calls.append((procedure, safe_wait(procedure, list(arguments))))
        calls.append((procedure, {'not': 'a list'}))
    statuses = set()
    for start in range(0, len(calls), 60):
        batch = [{'id': start + n, 'procedure': p, 'arguments': a}
                 for n, (p, a) in enumerate(calls[start:start + 60])]
        reply = check_rpc(emu, {'cik': cik}, batch)
        assert isinstance(reply, list) and len(reply) == len(batch), reply
        statuses.update(str(item['status']) for item in reply)
    counted('RPC calls (procedure x position x value)', len(calls))
    assert {'ok', 'invalid', 'restricted', 'fail'} <= statuses
    still_serves(emu)


def test_rpc_fields_inside_arguments_with_hostile_values(emu, world):
    onep, cik, port, other, _ = world
    calls = []
    for procedure, make in field_templates(port, other):
        for value in hostile_values(port, cik):
            calls.append((procedure, safe_wait(procedure, make(value))))
    for start in range(0, len(calls), 60):
        batch = [{'id': start + n, 'procedure': p, 'arguments': a}
                 for n, (p, a) in enumerate(calls[start:start + 60])]
        reply = check_rpc(emu, {'cik': cik}, batch)
        assert isinstance(reply, list) and len(reply) == len(batch), reply
        for item in reply:  # what was stored is still strict JSON
            if item['status'] == 'ok' and batch[item['id'] - start]['procedure'] == 'create':
                check_rpc(emu, {'cik': cik}, [{'id': 1, 'procedure': 'info',
                                               'arguments': [item['result'], {}]}])
    counted('RPC calls (inner field x value)', len(calls))
    still_serves(emu)


def test_rpc_whole_requests_that_cannot_be_run(emu, world):
    onep, cik, port, other, other_cik = world
    rng = random.Random(SEED + 1)
    requests = []
    for procedure, base in baselines(port, port, other, cik):    # lone surrogates: not JSON text
        for position in range(len(base)):
            arguments = list(base)
            arguments[position] = rng.choice(SURROGATES)
            requests.append(({'cik': cik}, [{'id': 1, 'procedure': procedure,
                                             'arguments': safe_wait(procedure, arguments)}]))
        requests.append(({'cik': cik}, [{'id': rng.choice(SURROGATES), 'procedure': procedure,
                                         'arguments': base}]))
        requests.append(({'cik': cik}, [{'id': 1, 'procedure': procedure + chr(0xD800),
                                         'arguments': base}]))
    auths = [{'cik': v} for v in hostile_values(port, cik)[:30]] + [
        {'token': s} for s in SURROGATES] + [{'cik': s} for s in SURROGATES] + [
        {'cik': cik, 'client_id': v} for v in (None, 5, [], port, other, 'f' * 40, chr(0xDC00))] + [
        {'cik': cik, 'resource_id': v} for v in (None, 5, {}, port, cik, 'f' * 40, chr(0xD800))] + [
        {'cik': other_cik, 'client_id': other, 'resource_id': port}, {'token': None}, {},
        [], 'cik', None, 5, {'cik': cik, 'token': 'x'}]
    for auth in auths:
        requests.append((auth, [{'id': 1, 'procedure': 'listing', 'arguments': [['client'], {}]}]))
    bodies = [b'', b'{', b'\xff\xfe', b'[]', b'null', b'{"auth": NaN, "calls": []}',
              b'{"auth": {"cik": "%s"}, "calls": %s%s}' % (cik.encode(), b'[' * 100000, b']' * 100000),
              b'{"auth": %s1%s, "calls": []}' % (b'{"a":' * 50000, b'}' * 50000),
              b'{"auth": {"cik": "%s"}, "calls": [{"id": NaN, "procedure": "read", "arguments": []}]}'
              % cik.encode(),
              b'{"auth": {"cik": "%s"}, "calls": [{"id": 1e400, "procedure": "read"}]}' % cik.encode(),
              b'{"auth": {"cik": "%s"}, "calls": [{"id": [], "procedure": "read"}]}' % cik.encode(),
              b'{"auth": {"cik": "%s"}, "calls": [{"id": 1, "procedure": 5, "arguments": []}]}'
              % cik.encode(),
              b'{"auth": {"cik": "%s"}, "calls": [{"id": 1, "procedure": "__init__", '
              b'"arguments": []}, {"id": 2, "procedure": "_row", "arguments": []}]}' % cik.encode(),
              b'{"auth": {"cik": "%s"}, "calls": [{"procedure": "read", "arguments": ["\\ud800"]}]}'
              % cik.encode()]
    for auth, calls in requests:
        check_rpc(emu, auth, calls)
    for body in bodies:
        check_rpc(emu, None, body)
    counted('RPC requests refused whole (surrogates, auth, bodies)', len(requests) + len(bodies))
    still_serves(emu)


# ---------------------------------------------------------------- REST
def rest_endpoints(model, sn):
    m, s = quote(model), quote(sn)
    return ['/provision/register', '/provision/admin/auth/', '/provision/admin/auth/default',
            '/provision/manage/model/', '/provision/manage/model/%s' % m,
            '/provision/manage/model/%s/' % m, '/provision/manage/model/%s/%s' % (m, s),
            '/provision/manage/content/%s/' % m, '/provision/manage/content/%s/c' % m,
            '/provision/manage/group/%s/' % m, '/provision/manage/group/%s/g' % m,
            '/provision/manage/group/%s/g/' % m, '/provision/manage/share/%s/' % m,
            '/provision/manage/share/%s/other' % m, '/provision/activate', '/provision/download',
            '/onep:v1/stack/alias', '/api:v1/stack/alias', '/onep:v1/stack/record',
            '/onep:v1/stack/alias/p', '/timestamp', '/ip', '/onep:v1/rpc/process']


HOSTILE_SEGMENTS = ['%00', '%ff', '%ED%A0%80', '..', '%2e%2e', '%2F', 'a' * 5000, '%E2%98%83',
                    '', ' ', '%25', "'", '"', ';DROP TABLE', '\u2603']
HOSTILE_FIELDS = ['', 'true', 'false', '-1', '1e400', 'NaN', '9' * 5000, '%ff', '\x00', 'x' * 70000,
                  chr(0xD800), '{"ranges": 1}', 'f' * 40, 'default']
FIELD_NAMES = ['model', 'rid', 'code', 'options[]', 'sn', 'sn[]', 'extra', 'enable', 'disable',
               'owner', 'oldsn', 'delete', 'remove', 'id', 'meta', 'protected', 'type',
               'expire', 'vendor', 'offset', 'limit', 'show', 'shared', 'status', 'download',
               'info', 'alias', 'p', '1400000000', '-5', '']
CONTENT_TYPES = [None, 'application/x-www-form-urlencoded', 'text/csv', 'application/json',
                 'text/plain', 'multipart/form-data; boundary=x', 'application/json; charset=koi8-r']


JSON_BODIES = [b'{"ranges": [{"format": "base10", "first": 1e400, "last": NaN}]}',
               b'{"ranges": %s]}' % (b'[' * 100000), b'{"ranges": %s%s}' % (b'[' * 100000, b']' * 100000),
               b'{"ranges": [%s]}' % (b'9' * 5000),
               b'{"ranges": [{"format": "mac:48", "first": 0, "last": 1, "length": []}]}',
               b'{"ranges": [{"format": "\\ud800", "first": 0, "last": 1}]}',
               b'{"ranges": [{"format": "base16", "first": 0, "last": 2, "casing": {}}]}',
               b'{"ranges": [{"format": "base10", "first": 0, "last": 99999999999999999999}]}',
               b'{"ranges": null}', b'[' * 5000, b'{"ranges": [{"format": []}]}']
CSV_BODIES = [b'"unterminated,x\r\n', b'a,b,c,d,e,f\r\n\x00,\xff\r\n', b',,,\r\n' * 50,
              b'sn1,"x""y"\r\nsn1,dup\r\n', b'\r\n\r\n', b'"a\x00b",c\r\n']


def hostile_body(rng):
    kind = rng.choice(['form', 'form', 'json', 'csv', 'bytes', 'empty'])
    if kind == 'form':
        fields = [(rng.choice(FIELD_NAMES), rng.choice(HOSTILE_FIELDS)) for _ in range(rng.randint(1, 5))]
        return '&'.join('%s=%s' % (quote(n, safe='[]'), quote(v.encode('utf-8', 'surrogatepass')))
                        for n, v in fields).encode('ascii')
    if kind == 'json':
        return rng.choice(JSON_BODIES)
    if kind == 'csv':
        return rng.choice(CSV_BODIES)
    if kind == 'bytes':
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    return b''


def hostile_headers(rng, keys):
    headers = {}
    if rng.random() < 0.8:
        headers[rng.choice(['X-Exosite-CIK', 'X-Exosite-Token'])] = rng.choice(
            keys + ['', 'f' * 40, '\xff' * 3, 'x' * 1000])
    if rng.random() < 0.3:
        headers['X-Exosite-Vendor'] = rng.choice(['', 'other', 'nobody', '\xe9'])
    if rng.random() < 0.3:
        headers['Range'] = rng.choice(['bytes=0-', 'bytes=-0', 'bytes=5-1', 'bytes=%s-' % ('9' * 5000),
                                       'bytes=0-0,1-1', 'lines=1-2', ''])
    if rng.random() < 0.2:  # long polls stay short: at most 1 ms
        headers['Request-Timeout'] = rng.choice(['0', '1', '-1', 'x', '300001', '1e3', ''])
    if rng.random() < 0.2:
        headers['If-Modified-Since'] = rng.choice(['0', '-1', 'yesterday', '9' * 40,
                                                   'Mon, 32 Foo 2016 99:99:99 GMT'])
    ctype = rng.choice(CONTENT_TYPES)
    if ctype:
        headers['Content-Type'] = ctype
    return headers


IMPLEMENTED = ('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH')


def check_rest(emu, method, path, body=b'', headers=None):
    reply = http(emu, method, path, body, headers=headers)
    counted('REST requests')
    # 501: a method the server does not know (OPTIONS, PATCH), or /ip on no IPv4 address
    assert reply.status < 500 or reply.status == 501 and (
        method not in IMPLEMENTED or path == '/ip'), (method, path, reply)
    if path == '/onep:v1/rpc/process' and method in IMPLEMENTED and reply.text:
        strict_json(reply.text)
    return reply


def test_rest_endpoints_with_hostile_requests(emu, world):
    onep, cik, port, other, other_cik = world
    setup_model(emu, 'm', ('A', 'B'))
    _, device_cik = enable_and_activate(emu, 'm', 'A')
    assert http(emu, 'POST', '/provision/manage/group/m/', headers=vendor_headers(emu),
                fields=[('id', 'g')]).status == 205
    keys = [cik, emu.vendor_token, device_cik, other_cik]
    methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']
    endpoints = rest_endpoints('m', 'A')
    for path in ('/provision/manage/model/m/', '/provision/manage/group/m/g/'):   # every body
        for body, ctype in [(b, 'application/json') for b in JSON_BODIES] + [
                (b, 'text/csv') for b in CSV_BODIES]:
            for method in ('POST', 'DELETE'):
                check_rest(emu, method, path, body, dict(vendor_headers(emu), **{'Content-Type': ctype}))
    for path in endpoints:                                  # every endpoint, every method
        for method in methods:
            for headers in ({}, vendor_headers(emu), {'X-Exosite-CIK': device_cik}):
                check_rest(emu, method, path, b'', headers)
    rng = random.Random(SEED + 2)
    for _ in range(800):
        path = rng.choice(endpoints)
        if rng.random() < 0.3:
            parts = path.split('/')
            parts[rng.randrange(1, len(parts))] = rng.choice(HOSTILE_SEGMENTS)
            path = '/'.join(parts)
        if rng.random() < 0.5:
            path += '?' + '&'.join('%s=%s' % (quote(rng.choice(FIELD_NAMES), safe='[]'),
                                              quote(rng.choice(HOSTILE_FIELDS)[:5000].encode(
                                                  'utf-8', 'surrogatepass')))
                                   for _ in range(rng.randint(1, 4)))  # raw HTTP tries long lines
        method = rng.choice(['GET', 'POST', 'POST', 'PUT', 'DELETE'])
        check_rest(emu, method, quote(path, safe="/:?&=%[];'\""), hostile_body(rng),
                   hostile_headers(rng, keys))
    counted('REST endpoints', len(endpoints))
    still_serves(emu)


# ---------------------------------------------------------------- raw HTTP
def exchange(emu, data):
    sock = socket.create_connection((emu.host, emu.port), timeout=10)
    received = b''
    try:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)   # the server sees the end of what was sent
        except OSError:                     # it answered and closed before reading it all
            pass
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                return received
            if not chunk:
                return received
            received += chunk
    finally:
        sock.close()


def test_raw_http_with_odd_framing(emu):
    rng = random.Random(SEED + 3)
    lines = [b'GET /timestamp HTTP/1.1', b'POST /onep:v1/rpc/process HTTP/1.1',
             b'GET /timestamp HTTP/2.0', b'GET /timestamp HTTP/1.0', b'GET /timestamp HTTP/0.9',
             b'GET /timestamp', b'GET', b'BREW /pot HTCPCP/1.0', b'\x00\x01\x02', b'GET  /  HTTP/1.1',
             b'GET /timestamp HTTP/1.1 x', b'get /timestamp http/1.1', b'GET /%ff%00 HTTP/1.1',
             b'GET ' + b'a' * 70000 + b' HTTP/1.1', b'\r\nGET /timestamp HTTP/1.1']
    headers = [b'Host: x', b'Content-Length: 5', b'Content-Length: 0', b'Content-Length: -1',
               b'Content-Length: 99999999999999999999', b'Content-Length: 2, 3',
               b'Transfer-Encoding: chunked', b'Transfer-Encoding: gzip, chunked',
               b'Transfer-Encoding: \x0bchunked', b'Content-Length : 3', b' folded: x',
               b'NoColon', b'X: ' + b'y' * 70000, b'Expect: 100-continue', b'Connection: close',
               b'Connection: keep-alive', b'X-Exosite-CIK: \xff', b':empty-name']
    bodies = [b'', b'{}', b'0\r\n\r\n', b'5\r\nhello\r\n0\r\n\r\n', b'{"auth": {}, "calls": []}',
              b'GET /timestamp HTTP/1.1\r\nHost: x\r\n\r\n', b'\x00' * 100]
    for _ in range(250):
        request = rng.choice(lines) + b'\r\n'
        for _ in range(rng.randint(0, 4)):
            request += rng.choice(headers) + b'\r\n'
        request += b'\r\n' + rng.choice(bodies)
        received = exchange(emu, request)
        counted('raw HTTP requests')
        assert received.startswith(b'HTTP/1.1 '), (request[:200], received[:200])
        for status in (int(s) for s in __import__('re').findall(rb'(?:^|\r\n)HTTP/1\.1 (\d{3}) ', received)):
            assert status < 500 or status == 505, (request[:200], received[:300])
    still_serves(emu)


def test_zz_report_counts():
    """Print what the fuzz tests tried (shown with ``pytest -s``)."""
    print('\nfuzz seed %d: %s' % (SEED, ', '.join('%s %d' % kv for kv in sorted(COUNTS.items()))))
