"""The whole state at once: reset, snapshot and restore (/_emulator/reset, /_emulator/snapshot),
and who may use the control API at all."""
import os
import sqlite3
import threading

import pytest

from control_helpers import control
from fleet_helpers import enable_and_activate, http, setup_model
from pyonep.emulator import ControlError, Emulator
from rpc_helpers import make_client, make_dataport, ok

TYPES = ['client', 'dataport', 'datarule', 'dispatch']
COMMON = {'basic': True, 'description': True, 'aliases': True, 'subscribers': True,
          'shares': True, 'tags': True}
INFO = {'client': dict(COMMON, key=True)}


def tree(onep, cik):
    """Everything client ``cik`` can read of its subtree: info and points of each resource."""
    found = {}
    listing = ok(onep.listing(cik, TYPES, {}))
    for rtype in TYPES:
        for rid in listing[rtype]:
            info = ok(onep.info(cik, rid, INFO.get(rtype, dict(COMMON, storage=True))))
            entry = {'info': info}
            if rtype == 'client':
                entry['tree'] = tree(onep, info['key'])
            else:
                entry['points'] = ok(onep.read(cik, rid, {'limit': 1000, 'sort': 'asc'}))
            found[rid] = entry
    return found


def everything(emu):
    """What a program can read of the whole platform, RPC and fleet."""
    onep, prov = emu.onep(), emu.provision(manage_by_cik=False)
    fleet = {}
    for model in prov.model_list(emu.vendor_token).body.split('\r\n'):
        if model:
            fleet[model] = (prov.model_info(emu.vendor_token, model).body,
                            prov.serialnumber_list(emu.vendor_token, model, status=True).body,
                            prov.content_list(emu.vendor_token, model).body)
    return {'root': tree(onep, emu.root_cik), 'fleet': fleet,
            'aliases': ok(onep.info(emu.root_cik, {'alias': ''}, {'aliases': True}))}


def populate(emu):
    """A platform with a bit of everything; returns (a dataport rid, a datarule rid, a token)."""
    onep, cik = emu.onep(), emu.root_cik
    client, client_cik = make_client(onep, cik, {'name': 'device'})
    port = make_dataport(onep, client_cik, 'float', alias='temperature')
    for value in (20.5, 21.0, 21.5):
        ok(onep.write(client_cik, port, value))
    rule = ok(onep.create(client_cik, 'datarule', {'format': 'integer', 'subscribe': port,
                                                   'rule': {'timeout': {'timeout': 600}}}))
    ok(onep.map(client_cik, rule, 'offline'))
    token = ok(onep.grant(client_cik, {'alias': ''}, {port: ['read']}, ttl=86400))
    setup_model(emu, 'gateway', sns=('SN1', 'SN2'))
    enable_and_activate(emu, 'gateway', 'SN1')
    return port, rule, token


def test_a_restored_snapshot_gives_back_exactly_what_was_read(emu, tmp_path):
    port, rule, token = populate(emu)
    before = everything(emu)
    path = str(tmp_path / 'state.sqlite')
    emu.snapshot(path)

    onep, cik = emu.onep(), emu.root_cik
    make_client(onep, cik, {'name': 'later'})
    ok(onep.drop(cik, ok(onep.listing(cik, ['client'], {}))['client'][0]))
    emu.provision(manage_by_cik=False).model_remove(emu.vendor_token, 'gateway')
    assert everything(emu) != before

    emu.restore(path)
    assert everything(emu) == before
    assert ok(onep.read({'token': token}, port, {}))[0][1] == 21.5


def test_timers_come_back_with_a_snapshot(emu, tmp_path):
    port, rule, _ = populate(emu)
    path = str(tmp_path / 'state.sqlite')
    emu.snapshot(path)
    ok(emu.onep().drop(emu.root_cik, ok(emu.onep().listing(emu.root_cik, ['client'], {}))[
        'client'][0]))
    emu.restore(path)
    read = lambda: ok(emu.onep().read(emu.root_cik, rule, {'limit': 5, 'sort': 'asc'}))
    assert read() == []
    emu.clock.advance(600)
    assert read() == [[1500000600, 1]]          # armed when the rule was made, at 1500000000


def test_a_snapshot_is_a_db_file(emu, clock, tmp_path):
    populate(emu)
    before = everything(emu)
    path = str(tmp_path / 'state.sqlite')
    emu.snapshot(path)
    assert not os.path.exists(path + '-wal')
    with Emulator(db=path, clock=clock) as other:   # the same time: no timer is due yet
        assert (other.root_cik, other.vendor, other.vendor_token) == (
            emu.root_cik, emu.vendor, emu.vendor_token)
        assert everything(other) == before


def test_a_file_database_snapshots_and_restores_too(tmp_path):
    with Emulator(db=str(tmp_path / 'live.sqlite')) as emu:
        port, _, _ = populate(emu)
        before = everything(emu)
        path = str(tmp_path / 'state.sqlite')
        emu.snapshot(path)
        ok(emu.onep().write(emu.root_cik, port, 99.0))
        ok(emu.onep().drop(emu.root_cik, ok(emu.onep().listing(emu.root_cik, ['client'], {}))[
            'client'][0]))
        emu.restore(path)
        assert everything(emu) == before
        mode = emu.platform.store.execute('PRAGMA journal_mode')[0][0]
        assert mode == 'wal'
    with Emulator(db=str(tmp_path / 'live.sqlite')) as again:   # what was restored was kept
        assert everything(again) == before
        again.reset()
    with Emulator(db=str(tmp_path / 'live.sqlite')) as emptied:   # and so is a reset
        assert everything(emptied)['root'] == {} and emptied.root_cik == again.root_cik


@pytest.mark.parametrize('db', [':memory:', 'file'])
def test_snapshots_are_consistent_while_writes_go_on(tmp_path, db):
    """Each writegroup writes both dataports in one transaction: every snapshot taken
    meanwhile holds as many points of one as of the other."""
    with Emulator(db=str(tmp_path / 'live.sqlite') if db == 'file' else db) as emu:
        onep, cik = emu.onep(), emu.root_cik
        a, b = make_dataport(onep, cik), make_dataport(onep, cik)
        stop = threading.Event()

        def writer():
            value = 0
            while not stop.is_set():
                value += 1
                ok(onep.writegroup(cik, [[a, value], [b, value]]))

        thread = threading.Thread(target=writer)
        thread.start()
        counts = []
        try:
            for n in range(8):
                path = str(tmp_path / ('snap%d.sqlite' % n))
                emu.snapshot(path)
                conn = sqlite3.connect(path)
                ids = dict(conn.execute('SELECT rid, id FROM resources WHERE rid IN (?, ?)', (a, b)))
                counts.append(tuple(conn.execute('SELECT COUNT(*) FROM points WHERE res=?',
                                                 (ids[rid],)).fetchone()[0] for rid in (a, b)))
                conn.close()
        finally:
            stop.set()
            thread.join()
        assert all(x == y for x, y in counts), counts
        assert counts[-1][0] > 0


def test_a_snapshot_of_another_emulator_brings_its_keys(emu, tmp_path):
    path = str(tmp_path / 'other.sqlite')
    with Emulator(root_cik='a' * 40, vendor='othervendor', vendor_token='b' * 40) as other:
        make_dataport(other.onep(), other.root_cik, alias='theirs')
        other.snapshot(path)
    old_root = emu.root_cik
    emu.restore(path)
    assert (emu.root_cik, emu.vendor, emu.vendor_token) == ('a' * 40, 'othervendor', 'b' * 40)
    assert ok(emu.onep().lookup(emu.root_cik, 'alias', 'theirs'))
    assert control(emu, 'GET', 'clock', cik=old_root)[0] == 403


@pytest.mark.parametrize('content', [b'', b'not a database at all' * 100, 'empty-sqlite',
                                     'damaged'])
def test_a_file_that_is_not_a_snapshot_is_refused_and_changes_nothing(emu, tmp_path, content):
    populate(emu)
    before = everything(emu)
    if content == 'empty-sqlite':
        path = str(tmp_path / 'empty.sqlite')
        sqlite3.connect(path).execute('CREATE TABLE t (x)').connection.close()
        content = open(path, 'rb').read()
    elif content == 'damaged':
        path = str(tmp_path / 'good.sqlite')
        emu.snapshot(path)
        data = bytearray(open(path, 'rb').read())
        data = data[:len(data) // 2]
        content = bytes(data)
    status, answer = control(emu, 'POST', 'snapshot', content, raw=True)
    assert status == 400, answer
    assert answer['field'] == 'body'
    assert everything(emu) == before


def test_restore_from_python_raises_control_error(emu, tmp_path):
    path = tmp_path / 'junk.sqlite'
    path.write_bytes(b'junk' * 1000)
    with pytest.raises(ControlError) as info:
        emu.restore(str(path))
    assert info.value.status == 400 and 'not an emulator snapshot' in str(info.value)


def test_snapshot_answers_a_sqlite_file(emu):
    reply = http(emu, 'GET', '/_emulator/snapshot', headers={'X-Exosite-CIK': emu.root_cik})
    assert reply.status == 200
    assert reply.headers['content-type'] == 'application/vnd.sqlite3'
    assert reply.body.startswith(b'SQLite format 3\x00')


def test_reset_empties_the_platform_and_keeps_the_keys(emu):
    populate(emu)
    onep, cik = emu.onep(), emu.root_cik
    _, sub = make_client(onep, cik)
    emu.faults.add(api='provision', status=503)
    emu.clock.freeze()
    moved = emu.clock.advance(10 ** 6)['now']
    keys = (emu.root_cik, emu.vendor, emu.vendor_token)

    status, answer = control(emu, 'POST', 'reset')
    assert status == 200
    assert (answer['root_cik'], answer['vendor'], answer['vendor_token']) == keys
    assert ok(onep.listing(cik, TYPES, {})) == dict((t, []) for t in TYPES)
    with pytest.raises(Exception, match='401'):
        onep.listing(sub, ['client'], {})             # the clients are gone, their CIKs too
    assert emu.faults.list() == []
    clock = emu.clock.state()
    assert clock['frozen'] is False and clock['now'] < moved
    assert emu.provision(manage_by_cik=False).model_list(emu.vendor_token).status() == 200
    assert everything(emu)['fleet'] == {}
    # the vendor can build a fleet again at once
    setup_model(emu, 'again')
    assert list(everything(emu)['fleet']) == ['again']


def test_reset_from_python(emu):
    populate(emu)
    emu.reset()
    assert ok(emu.onep().listing(emu.root_cik, ['client'], {})) == {'client': []}


CONTROL_CALLS = [('GET', 'clock', None), ('POST', 'clock', {'advance': 10}),
                 ('GET', 'faults', None), ('POST', 'faults', {'status': 503}),
                 ('DELETE', 'faults', None), ('DELETE', 'faults/1', None),
                 ('POST', 'reset', None), ('GET', 'snapshot', None),
                 ('POST', 'snapshot', b'x'), ('GET', 'nothing', None)]


@pytest.mark.parametrize('method, name, body', CONTROL_CALLS)
def test_control_calls_need_the_root_cik(emu, method, name, body):
    onep, cik = emu.onep(), emu.root_cik
    port = make_dataport(onep, cik)
    ok(onep.write(cik, port, 1))
    _, sub = make_client(onep, cik)
    raw = isinstance(body, bytes)
    status, answer = control(emu, method, name, body, cik='', raw=raw)
    assert status == 401 and 'root CIK' in answer['error']
    for other in (sub, 'f' * 40, cik[:-1]):
        status, answer = control(emu, method, name, body, cik=other, raw=raw)
        assert status == 403 and 'root CIK' in answer['error']
    # nothing happened
    assert ok(onep.read(cik, port, {})) == [[1500000000, 1]]
    assert emu.faults.list() == [] and emu.clock.now() == 1500000000


def test_an_unknown_control_path_is_404(emu):
    status, answer = control(emu, 'GET', 'time')
    assert status == 404 and 'clock, faults, reset, snapshot' in answer['error']


def test_reset_and_restore_keep_the_portals_domain_usable(emu, tmp_path):
    """A reset gives a fresh Portals domain with the same name, user and password (so a
    program's login keeps working) and no devices; a restore brings back the snapshot's
    domain with its devices."""
    from portals_helpers import add_device, admin, api, expect, portals_model
    portals_model(emu)
    device = add_device(emu)
    domain, user, password = emu.portals_domain, emu.portals_user, emu.portals_password
    old_portal = emu.portal_id
    path = str(tmp_path / 'with-device.sqlite')
    emu.snapshot(path)
    emu.reset()
    assert (emu.portals_domain, emu.portals_user, emu.portals_password) == (domain, user, password)
    assert emu.portal_id != old_portal
    assert expect(api(emu, 'GET', '/portals/%s/devices' % emu.portal_id, admin(emu)), 200) == []
    assert emu.portals().get_portal_by_id(emu.portal_id)  # the client logs in again
    emu.restore(path)
    assert emu.portal_id == old_portal
    devices = expect(api(emu, 'GET', '/portals/%s/devices' % old_portal, admin(emu)), 200)
    assert [d['rid'] for d in devices] == [device['rid']]

