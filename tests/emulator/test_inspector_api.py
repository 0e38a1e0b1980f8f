"""The inspector over HTTP: its JSON views (tree, resource, data, flow, calls, fleet,
Portals), the page and its files, privacy (loopback only, secrets on demand), bad query
parameters (400, never 500) and a big store (pages, not dumps)."""
import json
import socket

import pytest
import requests

from pyonep.emulator import Emulator
from pyonep.emulator.http.messages import Request
from pyonep.emulator.http.server import route
from rpc_helpers import make_client, make_dataport, ok, post, rpc


def get(emu, view, **params):
    """GET an inspector view; return (status, decoded JSON)."""
    reply = requests.get(emu.inspector_url + 'api/' + view, params=params, timeout=30)
    assert reply.headers['Content-Type'].startswith('application/json')
    return reply.status_code, reply.json()


def view(emu, name, **params):
    status, body = get(emu, name, **params)
    assert status == 200, body
    return body


def create_many(emu, cik, descriptions):
    """Create resources in batches of one RPC request each; return their RIDs."""
    rids = []
    for begin in range(0, len(descriptions), 200):
        calls = [{'id': i, 'procedure': 'create', 'arguments': list(d)}
                 for i, d in enumerate(descriptions[begin:begin + 200])]
        reply = rpc(emu, {'cik': cik}, calls)
        assert all(item['status'] == 'ok' for item in reply), reply
        rids += [item['result'] for item in reply]
    return rids


# ---------------------------------------------------------------------- page, files, URL
def test_home_page_links_to_the_inspector(emu):
    reply = requests.get(emu.url + '/')
    assert reply.status_code == 200 and reply.headers['Content-Type'].startswith('text/html')
    assert 'href="/_inspector/"' in reply.text and 'loopback' in reply.text
    assert requests.head(emu.url + '/').status_code == 200
    assert requests.post(emu.url + '/', data='x').status_code == 405


def test_inspector_url_and_its_page(emu):
    assert emu.inspector_url == emu.url + '/_inspector/'
    assert emu.state.config.as_dict()['inspector'] == emu.inspector_url
    bare = requests.get(emu.url + '/_inspector', allow_redirects=False)
    assert bare.status_code == 301 and bare.headers['Location'] == '/_inspector/'
    page = requests.get(emu.inspector_url)
    assert page.status_code == 200 and 'static/app.js' in page.text and 'Loopback only' in page.text
    assert "script-src 'self'" in page.headers['Content-Security-Policy']
    for name in ('app.js', 'kit.js'):
        script = requests.get(emu.inspector_url + 'static/' + name)
        assert script.status_code == 200 and script.headers['Content-Type'].startswith('text/javascript')
        assert 'innerHTML' not in script.text and 'http' not in script.text.replace(
            'http://www.w3.org/2000/svg', '')  # values go in as text; nothing from elsewhere
    style = requests.get(emu.inspector_url + 'static/style.css')
    assert style.status_code == 200 and style.headers['Content-Type'].startswith('text/css')
    for name in ('static/nothing.js', 'static/..%2Fserver.py', 'static/%2e%2e/inspector.py',
                 'static/.hidden.css', 'elsewhere'):
        assert requests.get(emu.inspector_url + name).status_code == 404, name


def test_inspector_url_names_a_loopback_address():
    from pyonep.emulator.http.inspector import inspector_url
    assert inspector_url('127.0.0.1', 8080) == 'http://127.0.0.1:8080/_inspector/'
    assert inspector_url('0.0.0.0', 80) == 'http://127.0.0.1:80/_inspector/'
    assert inspector_url('::1', 80) == 'http://[::1]:80/_inspector/'


def test_the_inspector_only_reads(emu):
    for method in ('POST', 'PUT', 'DELETE', 'PATCH'):
        reply = requests.request(method, emu.inspector_url + 'api/tree')
        assert reply.status_code == 405 and reply.headers['Allow'] == 'GET, HEAD'


def test_unknown_view_is_404(emu):
    status, body = get(emu, 'nothing')
    assert status == 404 and 'tree' in body['error']


def test_inspector_url_of_a_subprocess_emulator():
    with Emulator(subprocess=True) as emu:
        assert emu.inspector_url == emu.url + '/_inspector/'
        assert view(emu, 'overview')['config']['inspector'] == emu.inspector_url


# ---------------------------------------------------------------------- privacy
def test_secrets_only_on_demand(emu, onep, cik):
    rid, child_cik = make_client(onep, cik, {'name': 'device'})
    overview = view(emu, 'overview')
    assert overview['config']['root_cik'] is None and overview['config']['vendor_token'] is None
    assert overview['config']['portals_password'] is None
    assert cik not in json.dumps(overview)
    revealed = view(emu, 'overview', reveal=1)['config']
    assert revealed['root_cik'] == cik and revealed['vendor_token'] == emu.vendor_token
    assert revealed['portals_password'] == emu.portals_password
    resource = view(emu, 'resource', rid=rid)
    assert resource['cik'] is None and resource['has_cik'] and child_cik not in json.dumps(resource)
    assert view(emu, 'resource', rid=rid, reveal=1)['cik'] == child_cik
    assert view(emu, 'cik', rid=rid) == {'rid': rid, 'cik': child_cik}
    fleet = view(emu, 'fleet')
    assert [t['token'] for v in fleet['vendors'] for t in v['tokens']] == [None, None]
    tokens = [t['token'] for v in view(emu, 'fleet', reveal=1)['vendors'] for t in v['tokens']]
    assert emu.vendor_token in tokens and emu.portals_vendor_token in tokens
    assert [p['cik'] for p in view(emu, 'portals')['portals']] == [None]
    assert [p['cik'] for p in view(emu, 'portals', reveal=1)['portals']] == [emu.portal_cik]


@pytest.mark.parametrize('host', ['evil.example', 'evil.example:80', '10.0.0.8', 'localhost.evil.example'])
def test_a_page_on_another_name_cannot_read_the_inspector(emu, host):
    """A web page whose name resolves to 127.0.0.1 (DNS rebinding) sends its own name as
    Host: no view answers it, the page neither."""
    for path in ('/_inspector/api/overview?reveal=1', '/_inspector/api/calls', '/_inspector/'):
        status, _, text = post(emu, b'', path=path, method='GET', headers={'Host': host})
        assert status == 403 and 'loopback' in text, path


@pytest.mark.parametrize('host', ['127.0.0.1', 'localhost', '[::1]:8080', '127.0.0.2', 'LOCALHOST:1'])
def test_loopback_names_are_accepted(emu, host):
    status, _, text = post(emu, b'', path='/_inspector/api/changes', method='GET',
                           headers={'Host': host})
    assert status == 200, text


def test_clients_off_the_loopback_get_403(emu):
    """Only a request from another machine can show this, and tests bind loopback only: so
    the server's own routing function answers a request as it would arrive from one."""
    for client in (('192.0.2.7', 40000), ('::ffff:192.0.2.7', 40000), ('2001:db8::1', 1)):
        for path in ('/_inspector/api/overview?reveal=1', '/_inspector/api/cik', '/_inspector/'):
            request = Request('GET', path, {'Host': '127.0.0.1'}, b'', ('127.0.0.1', emu.port), client)
            response = route(emu.state, request)
            assert response.status == 403 and emu.root_cik.encode() not in response.body
    request = Request('GET', '/', {}, b'', ('127.0.0.1', emu.port), ('192.0.2.7', 4))
    assert route(emu.state, request).status == 200  # the home page holds nothing secret
    mapped = Request('GET', '/_inspector/api/changes', {}, b'', None, ('::ffff:127.0.0.1', 4))
    assert route(emu.state, mapped).status == 200


# ---------------------------------------------------------------------- tree and resources
def test_tree_tops_children_and_statuses(emu, onep, cik, clock):
    tops = view(emu, 'tree')
    assert tops['parent'] is None and tops['total'] == 2
    root, domain = tops['children']
    assert root['rid'] == emu.platform.root_rid and root['role'].startswith('root client')
    assert domain['name'] == emu.portals_domain and 'vendor ' + emu.portals_vendor in domain['role']

    port = make_dataport(onep, cik, 'float', alias='temp', name='temperature')
    gateway, gateway_cik = make_client(onep, cik, {'name': 'gateway'})
    locked, _ = make_client(onep, cik, {'name': 'locked', 'locked': True})
    revoked, revoked_cik = make_client(onep, cik, {'name': 'revoked'})
    ok(onep.revoke(cik, 'client', revoked_cik))
    expired, expired_cik = make_client(onep, cik, {'name': 'expired'})
    ok(onep.deactivate(cik, 'client', expired_cik))
    mailer = ok(onep.create(cik, 'dispatch', {'method': 'email', 'recipient': 'a@b.c',
                                              'locked': True, 'name': 'mailer'}))
    ok(onep.write(cik, port, 21.5))
    make_dataport(onep, gateway_cik, 'string', alias='note')

    page = view(emu, 'tree', parent=root['rid'])
    assert page['parent']['children'] == {'client': 4, 'dataport': 1, 'datarule': 0, 'dispatch': 1}
    names = [(n['type'], n['name'], n['status']) for n in page['children']]
    assert names == [('client', 'gateway', 'activated'), ('client', 'locked', 'locked'),
                     ('client', 'revoked', 'notactivated'), ('client', 'expired', 'expired'),
                     ('dataport', 'temperature', None), ('dispatch', 'mailer', 'locked')]
    temperature = page['children'][4]
    assert temperature['aliases'] == [{'alias': 'temp', 'client': root['rid'], 'own': True}]
    assert temperature['format'] == 'float' and temperature['latest'] == [1500000000, 21.5]
    assert page['children'][0]['children']['dataport'] == 1
    assert mailer == page['children'][5]['rid']
    assert view(emu, 'tree', parent=gateway)['children'][0]['aliases'][0]['alias'] == 'note'


def test_tree_pages_a_client_with_many_children(emu, cik):
    rids = create_many(emu, cik, [['dataport', {'format': 'integer', 'name': 'p%04d' % i}]
                                  for i in range(1200)])
    root = emu.platform.root_rid
    first = view(emu, 'tree', parent=root)
    assert first['total'] == 1200 and len(first['children']) == 100 and first['limit'] == 100
    last = view(emu, 'tree', parent=root, offset=1150, limit=500)
    assert [n['rid'] for n in last['children']] == rids[1150:]
    assert get(emu, 'tree', parent=root, limit=501)[0] == 400
    found = view(emu, 'find', text='p1199')['found']
    assert [n['rid'] for n in found] == [rids[1199]] and found[0]['path'] == [root, rids[1199]]
    assert len(view(emu, 'find', text='p1')['found']) == 50  # capped, not a dump
    assert view(emu, 'dataports', text='p11')['total'] == 100


def test_find_by_alias_rid_prefix_and_literal_wildcards(emu, onep, cik):
    port = make_dataport(onep, cik, alias='50%_off', name='sale')
    other = make_dataport(onep, cik, alias='5000', name='x')
    assert [n['rid'] for n in view(emu, 'find', text='50%_')['found']] == [port]
    assert [n['rid'] for n in view(emu, 'find', text=other[:12])['found']] == [other]
    assert view(emu, 'find', text='nothing like it')['found'] == []


def test_resource_details(emu, onep, cik):
    source = make_dataport(onep, cik, 'float', alias='temp', name='temperature')
    rule = ok(onep.create(cik, 'datarule', {'format': 'integer', 'name': 'hot', 'subscribe': source,
                                            'rule': {'simple': {'comparison': 'gt', 'constant': 30}}}))
    details = view(emu, 'resource', rid=source)
    assert [p['name'] for p in details['path']] == ['root', 'temperature']
    assert details['subscribers'] == [{'rid': rule, 'type': 'datarule', 'name': 'hot'}]
    assert details['description']['format'] == 'float' and details['has_cik'] is False
    rule_details = view(emu, 'resource', rid=rule)
    assert rule_details['source'] == {'rid': source, 'type': 'dataport', 'name': 'temperature'}
    assert rule_details['rule'] == 'simple'
    assert get(emu, 'resource', rid='f' * 40) == (404, {'error': 'no resource ' + 'f' * 40})
    assert get(emu, 'cik', rid=source)[0] == 400


# ---------------------------------------------------------------------- data
def test_data_chart_table_and_windows(emu, onep, cik, clock):
    port = make_dataport(onep, cik, 'float', alias='temp')
    ok(onep.recordbatch(cik, port, [[1500000000 - 7200, 1.0], [1500000000 - 600, 2.5],
                                    [1500000000 - 30, 3.0]]))
    clock.advance(10)
    data = view(emu, 'data', rid=port)
    assert data['window'] == {'name': 'all', 'start': 1500000000 - 7200, 'end': 1500000000 - 30}
    assert data['count'] == 3 and data['chart'] == {
        'points': [[1499992800, 1.0], [1499999400, 2.5], [1499999970, 3.0]], 'downsampled': False}
    assert data['table'] == data['chart']['points'][::-1] and data['next'] is None
    assert data['latest'] == [1499999970, 3.0] and data['first'] == [1499992800, 1.0]
    hour = view(emu, 'data', rid=port, window='1h')
    assert hour['window']['end'] == 1500000010 and hour['count'] == 2
    assert view(emu, 'data', rid=port, window='1m')['table'] == [[1499999970, 3.0]]


def test_data_of_strings_is_a_list(emu, onep, cik):
    port = make_dataport(onep, cik, 'string', alias='log')
    ok(onep.write(cik, port, 'started'))
    data = view(emu, 'data', rid=port)
    assert data['chart'] is None and data['table'] == [[1500000000, 'started']]


def test_data_of_a_long_series_is_downsampled_and_paged(emu, onep, cik):
    port = make_dataport(onep, cik, 'integer')
    # 6,000 points, two per second: the table pages must still give each exactly once
    ok(onep.recordbatch(cik, port, [[1000 + i // 2, i] for i in range(6000)]))
    data = view(emu, 'data', rid=port, points=50)
    assert data['count'] == 6000 and data['chart']['downsampled']
    assert data['chart']['points'] == ok(onep.read(cik, port, {
        'starttime': 1000, 'endtime': 3999, 'limit': 50, 'selection': 'givenwindow', 'sort': 'asc'}))
    assert len(view(emu, 'data', rid=port)['chart']['points']) == 600
    seen, cursor = [], None
    while True:
        page = view(emu, 'data', rid=port, limit=1000, **({'before': cursor} if cursor else {}))
        assert len(page['table']) <= 1000
        seen += [value for _, value in page['table']]
        cursor = page['next']
        if cursor is None:
            break
    assert seen == list(range(5999, -1, -1))


# ---------------------------------------------------------------------- data flow
def test_flow_datarule_state_output_and_dispatch_records(emu, onep, cik):
    temp = make_dataport(onep, cik, 'float', alias='temp', name='temperature')
    rule = ok(onep.create(cik, 'datarule', {
        'format': 'integer', 'name': 'hot', 'subscribe': temp,
        'rule': {'count': {'comparison': 'gt', 'constant': 30, 'count': 5, 'timeout': 60}}}))
    simple = ok(onep.create(cik, 'datarule', {
        'format': 'integer', 'name': 'simple', 'subscribe': temp,
        'rule': {'simple': {'comparison': 'gt', 'constant': 30}}}))
    mailer = ok(onep.create(cik, 'dispatch', {'method': 'sms', 'recipient': '+15551234',
                                              'message': 'hot: [[value]]', 'subscribe': simple,
                                              'name': 'pager'}))
    copy = make_dataport(onep, cik, 'float', name='copy', subscribe=temp)
    for value in (31, 32, 10):
        ok(onep.write(cik, temp, value))
    rules = view(emu, 'flow')
    assert rules['total'] == 2
    counting, simple_item = rules['items']
    assert counting['rid'] == rule and counting['rule_state'] == {'counter': 2, 'deadline': 1500000060}
    assert counting['latest'] is None and counting['source']['rid'] == temp
    assert simple_item['latest'] == [1500000000, 0]
    assert simple_item['subscribers'] == [{'rid': mailer, 'type': 'dispatch', 'name': 'pager'}]
    dispatches = view(emu, 'flow', rtype='dispatch')
    item = dispatches['items'][0]
    assert item['records_total'] == 2 and item['source']['rid'] == simple
    assert [(r['message'], r['recipient'], r['status']) for r in item['records']] == [
        ('hot: 0', '+15551234', 'emulated'), ('hot: 1', '+15551234', 'emulated')]
    ports = view(emu, 'flow', rtype='dataport')
    assert [p['rid'] for p in ports['items']] == [copy]
    paged = view(emu, 'records', rid=mailer, limit=1, offset=1)
    assert paged['total'] == 2 and [r['message'] for r in paged['records']] == ['hot: 1']
    assert get(emu, 'records', rid=temp)[0] == 400


# ---------------------------------------------------------------------- calls
def test_calls_log_every_api_with_answers_and_filters(emu, onep, cik):
    rid, child = make_client(onep, cik)
    ok(onep.write(cik, make_dataport(onep, cik, alias='n'), 1))
    requests.post(emu.url + '/onep:v1/stack/alias', data={'n': 2}, headers={'X-Exosite-CIK': cik})
    requests.get(emu.url + '/provision/manage/model/', headers={'X-Exosite-Token': emu.vendor_token})
    emu.portals().get_user_portals()
    view(emu, 'tree')  # the inspector's own requests are not logged
    calls = view(emu, 'calls')['calls']
    assert [c['kind'] for c in calls[:3]] == ['portals', 'provision', 'device']
    device = calls[2]
    assert device['method'] == 'POST' and device['status'] == 204 and device['keys'] == [cik]
    assert device['request']['body'] == 'n=2' and device['path'] == '/onep:v1/stack/alias'
    assert calls[1]['keys'] == [emu.vendor_token]
    assert not any(c['path'].startswith('/_inspector') for c in calls)
    write = [c for c in calls if c['kind'] == 'rpc' and '"write"' in c['request']['body']][0]
    assert json.loads(write['response']['body'])[0]['status'] == 'ok'
    assert write['status'] == 200 and write['duration_ms'] >= 0
    by_child = view(emu, 'calls', key=child)['calls']
    assert len(by_child) == 1 and '"info"' in by_child[0]['request']['body']  # its CIK was the answer
    assert [c['kind'] for c in view(emu, 'calls', kind='device')['calls']] == ['device']
    assert view(emu, 'calls', text='"write"')['calls'] == [write]
    newest = calls[0]['id']
    assert view(emu, 'calls', since=newest)['calls'] == []
    assert [c['id'] for c in view(emu, 'calls', before=newest, limit=2)['calls']] == [
        newest - 1, newest - 2]


def test_calls_keep_big_and_binary_bodies_short(emu, cik):
    big = json.dumps({'auth': {'cik': cik}, 'calls': [
        {'id': 1, 'procedure': 'lookup', 'arguments': ['alias', 'x' * 20000]}]}).encode()
    post(emu, big)
    post(emu, b'\x00\xff\xfe binary', path='/provision/activate')
    calls = view(emu, 'calls', limit=2)['calls']
    binary, text = calls
    assert text['request']['size'] == len(big) and text['request']['truncated']
    assert len(text['request']['body']) == 8192 and text['keys'] == [cik]
    assert binary['request']['binary'] and binary['request']['body'].startswith('00 ff fe 20')


def test_calls_struck_by_a_fault_are_marked(emu, onep, cik):
    """Issue 14: every request a fault rule strikes is marked in the call log, dropped
    connections included (they have no status)."""
    port = make_dataport(onep, cik, alias='n')
    with emu.faults.add(api='rpc', status=503, count=1) as rule:
        post(emu, {'auth': {'cik': cik}, 'calls': [
            {'id': 1, 'procedure': 'write', 'arguments': [port, 1]}]})
    with emu.faults.add(api='device', drop='after', count=1):
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.post(emu.url + '/onep:v1/stack/alias', data={'n': 2},
                          headers={'X-Exosite-CIK': cik}, timeout=30)
    struck = view(emu, 'calls', kind='rpc', limit=1)['calls'][0]
    dropped = view(emu, 'calls', kind='device', limit=1)['calls'][0]
    assert struck['status'] == 503 and struck['fault'].startswith('fault %d (status' % rule['id'])
    assert dropped['status'] is None and 'drop' in dropped['fault']
    assert dropped['request']['body'] == 'n=2'
    ok(onep.read(cik, port, {}))
    assert view(emu, 'calls', kind='rpc', limit=1)['calls'][0]['fault'] is None


def test_call_log_is_a_bounded_ring(emu):
    session = requests.Session()
    for _ in range(530):
        session.get(emu.url + '/timestamp')
    log = view(emu, 'calls', limit=500)
    assert log['logged'] == 500 == log['capacity'] == len(log['calls'])
    assert log['calls'][0]['id'] == log['last_id'] and log['calls'][-1]['id'] == log['last_id'] - 499


def test_changes_moves_with_writes_and_calls(emu, onep, cik):
    before = view(emu, 'changes')
    assert before == view(emu, 'changes')  # reading the inspector changes nothing
    ok(onep.write(cik, make_dataport(onep, cik), 1))
    after = view(emu, 'changes')
    assert after['changes'] > before['changes'] and after['calls'] > before['calls']


# ---------------------------------------------------------------------- fleet and Portals
def test_fleet_models_serial_numbers_and_content(emu, onep, cik):
    template = ok(onep.create(cik, 'client', {'name': 'tmpl'}))
    provision = emu.provision()
    assert provision.model_create(cik, 'meter', template).isok
    assert provision.serialnumber_add_batch(cik, 'meter', ['A1', 'A2', 'B1']).isok
    assert provision.serialnumber_enable(cik, 'meter', 'A1', emu.platform.root_rid).isok
    assert provision.serialnumber_activate('meter', 'A1', emu.vendor).isok
    assert provision.serialnumber_enable(cik, 'meter', 'A2', emu.platform.root_rid).isok
    assert provision.content_create(cik, 'meter', 'fw', 'firmware', protected=True).isok
    assert provision.content_upload(cik, 'meter', 'fw', b'\x7fELF\x00\x01', 'application/x-elf').isok
    assert provision.content_create(cik, 'meter', 'readme', 'text').isok
    assert provision.content_upload(cik, 'meter', 'readme', 'hello meter', 'text/plain').isok
    fleet = view(emu, 'fleet')
    model = fleet['models'][0]
    assert (model['vendor'], model['name'], model['template'], model['template_name']) == (
        emu.vendor, 'meter', template, 'tmpl')
    assert model['sns'] == {'total': 3, 'activated': 1, 'notactivated': 1, 'no client': 1}
    assert [(c['id'], c['protected'], c['size']) for c in model['content']] == [
        ('fw', True, 6), ('readme', False, 11)]
    sns = view(emu, 'sns', vendor=emu.vendor, model='meter')
    assert [(s['sn'], s['status']) for s in sns['sns']] == [
        ('A1', 'activated'), ('A2', 'notactivated'), ('B1', None)]
    assert sns['sns'][0]['last_log'][2] and sns['sns'][0]['rid']
    assert [s['sn'] for s in view(emu, 'sns', vendor=emu.vendor, model='meter', text='A')['sns']] == ['A1', 'A2']
    assert view(emu, 'sns', vendor=emu.vendor, model='meter', limit=1, offset=2)['sns'][0]['sn'] == 'B1'
    readme = view(emu, 'blob', vendor=emu.vendor, model='meter', cid='readme')
    assert readme['text'] == 'hello meter' and readme['hex'] is None
    firmware = view(emu, 'blob', vendor=emu.vendor, model='meter', cid='fw')
    assert firmware['text'] is None and firmware['hex'] == '7f 45 4c 46 00 01'
    assert get(emu, 'sns', vendor=emu.vendor, model='nope')[0] == 404
    assert get(emu, 'blob', vendor=emu.vendor, model='meter', cid='nope')[0] == 404
    client = view(emu, 'resource', rid=sns['sns'][0]['rid'])
    assert client['fleet'] == [{'vendor': emu.vendor, 'model': 'meter', 'sn': 'A1'}]
    assert client['role'] == 'device A1 of model meter'


def test_portals_domain_users_portals_devices(emu, onep, cik):
    # the template is the root's, shared with the domain's vendor by its share code
    template = ok(onep.create(cik, 'client', {'name': 'tmpl'}))
    provision = emu.provision(manage_by_cik=False, manage_by_sharecode=True)
    assert provision.model_create(emu.portals_vendor_token, 'meter', ok(onep.share(cik, template))).isok
    assert provision.serialnumber_add(emu.portals_vendor_token, 'meter', 'M-1').isok
    device = emu.portals().add_device('meter', 'M-1')
    portals = view(emu, 'portals')
    assert portals['domain']['name'] == emu.portals_domain
    assert [u['email'] for u in portals['users']] == [emu.portals_user]
    assert {'access': '___admin', 'type': 'Domain', 'id': portals['domain']['id']} in portals['users'][0]['permissions']
    assert [(p['id'], p['name'], p['devices'], p['owner_email']) for p in portals['portals']] == [
        (emu.portal_id, emu.portal_name, 1, emu.portals_user)]
    assert [(d['rid'], d['portal'], d['type'], d['model'], d['sn'], d['status']) for d in portals['devices']] == [
        (device['rid'], emu.portal_id, 'vendor', 'meter', 'M-1', 'notactivated')]
    assert (portals['users_total'], portals['portals_total'], portals['devices_total']) == (1, 1, 1)


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize('view_name, params', [
    ('tree', {'limit': 'abc'}), ('tree', {'limit': '0'}), ('tree', {'limit': '100000'}),
    ('tree', {'offset': '-1'}), ('tree', {'offset': '1e3'}), ('tree', {'bogus': '1'}),
    ('tree', {'parent': 'zz'}), ('tree', {'limit': '9' * 40}), ('tree', {'parent': 'ü' * 40}),
    ('tree', 'limit=1&limit=2'), ('tree', 'limit=%ff%fe'), ('tree', {'parent': 'x' * 5000}),
    ('find', {}), ('find', {'text': ''}), ('resource', {}), ('resource', {'rid': "' OR 1=1 --"}),
    ('resource', {'rid': 'a' * 40, 'reveal': 'maybe'}), ('data', {'rid': 'nope'}),
    ('data', {'window': 'all'}), ('data', {'rid': '%s', 'window': '5y'}),
    ('data', {'rid': '%s', 'points': '1'}), ('data', {'rid': '%s', 'points': '99999'}),
    ('data', {'rid': '%s', 'limit': '-5'}), ('data', {'rid': '%s', 'before': 'yesterday'}),
    ('data', {'rid': '%s', 'before': '1-2-3'}), ('data', {'rid': '%s', 'before': '9' * 30 + '-1'}),
    ('flow', {'rtype': 'client'}), ('flow', {'limit': '201'}), ('records', {'rid': '%s'}),
    ('calls', {'since': '-1'}), ('calls', {'limit': 'all'}), ('calls', {'before': 'x'}),
    ('sns', {'vendor': 'v'}), ('sns', {'vendor': 'v', 'model': 'm', 'offset': 'x'}),
    ('blob', {'vendor': 'v', 'model': 'm'}), ('portals', {'limit': '1000'}),
    ('changes', {'x': '1'}), ('overview', {'reveal': '2'}), ('cik', {'rid': '%s'}),
])
def test_garbage_query_parameters_get_400(emu, onep, cik, view_name, params):
    port = make_dataport(onep, cik)
    if isinstance(params, dict):
        query = dict((k, v.replace('%s', port)) for k, v in params.items())
    else:
        query = params
    reply = requests.get(emu.inspector_url + 'api/' + view_name, params=query)
    assert reply.status_code == 400, reply.text
    assert reply.json()['error']
    assert view(emu, 'changes')  # and the emulator still answers


@pytest.mark.parametrize('view_name, params', [
    ('resource', {'rid': 'a' * 40}), ('data', {'rid': 'b' * 40}), ('tree', {'parent': 'c' * 40}),
    ('records', {'rid': 'd' * 40}), ('cik', {'rid': 'e' * 40}), ('sns', {'vendor': 'v', 'model': 'm'}),
])
def test_unknown_things_get_404(emu, view_name, params):
    assert get(emu, view_name, **params)[0] == 404


def test_refused_requests_are_logged_when_their_head_was_read(emu, monkeypatch):
    """A request refused for its framing or its size shows in the call log, with its status
    and path (its body was never read); bytes that are no request at all do not."""
    from pyonep.emulator.http import server
    monkeypatch.setattr(server, 'MAX_BODY', 1000)
    for raw in (b'POST /onep:v1/rpc/process HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n',
                b'POST /provision/activate HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n'
                + b'x' * 5000,
                b'\x00\xff\xfe\r\n\r\n'):
        sock = socket.create_connection((emu.host, emu.port), timeout=10)
        try:
            sock.sendall(raw)
            while sock.recv(65536):
                pass
        finally:
            sock.close()
    calls = view(emu, 'calls', limit=5)['calls']
    assert [(c['status'], c['method'], c['path'], c['request']['size']) for c in calls] == [
        (413, 'POST', '/provision/activate', 0), (400, 'POST', '/onep:v1/rpc/process', 0)]
    assert 'Bad Content-Length' in calls[1]['response']['body']
