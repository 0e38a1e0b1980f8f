"""Starting the emulator: the command line (ready line, signals, persistence across a
restart), Emulator in-process and as a subprocess, the pytest fixture, and Python 2.7."""
import glob
import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from pyonep.emulator import PORTALS_KEYS, Emulator, EmulatorError
from pyonep.emulator.control import connect
from rpc_helpers import make_client, make_dataport, ok, rpc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEYS = {'host', 'port', 'root_cik', 'vendor', 'vendor_token', 'control', 'inspector'} | set(
    PORTALS_KEYS)


def start_cli(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    process = subprocess.Popen([sys.executable, '-m', 'pyonep.emulator'] + list(args),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    line = process.stdout.readline().decode()
    if not line:
        process.kill()
        raise AssertionError(process.communicate()[1].decode())
    return process, json.loads(line)


def stop_cli(process, signum=signal.SIGTERM):
    process.send_signal(signum)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert out == b'' and b'Traceback' not in err
    return err


class Endpoint(object):
    """Where a started CLI listens (what the helpers need from an Emulator)."""

    def __init__(self, config):
        self.host, self.port = config['host'], config['port']

    def onep(self):
        return Emulator.onep(self)


def test_cli_prints_one_ready_line_and_stops_on_sigterm():
    process, config = start_cli('--vendor', 'acme', '--vendor-token', 't' * 40,
                                '--root-cik', 'c' * 40)
    try:
        assert set(config) == KEYS
        assert config['host'] == '127.0.0.1' and config['port'] > 0
        assert config['inspector'] == 'http://127.0.0.1:%d/_inspector/' % config['port']
        assert (config['vendor'], config['vendor_token'], config['root_cik']) == (
            'acme', 't' * 40, 'c' * 40)
        assert config['control'] == 'http://127.0.0.1:%d/_emulator/' % config['port']
        control = connect(config['control'], 'c' * 40)
        assert control.clock.freeze()['frozen'] is True
        reply = rpc(Endpoint(config), {'cik': 'c' * 40}, [
            {'id': 1, 'procedure': 'lookup', 'arguments': ['alias', '']}])
        assert reply[0]['status'] == 'ok'
    finally:
        stop_cli(process)


def test_cli_file_database_survives_a_restart(tmp_path):
    db = str(tmp_path / 'platform.db')
    process, config = start_cli('--db', db)
    try:
        endpoint = Endpoint(config)
        onep = endpoint.onep()
        cik = config['root_cik']
        child, child_cik = make_client(onep, cik)
        port = make_dataport(onep, child_cik, alias='temp')
        ok(onep.recordbatch(child_cik, port, [[100, 1], [200, 2]]))
        code = ok(onep.share(child_cik, port))
        token = ok(onep.grant(child_cik, {'alias': ''}, {port: ['read']}))
    finally:
        stop_cli(process, signal.SIGINT)
    process, again = start_cli('--db', db, '--root-cik', 'd' * 40, '--vendor', 'other')
    try:
        for key in ('root_cik', 'vendor', 'vendor_token'):
            assert again[key] == config[key]
        onep = Endpoint(again).onep()
        assert ok(onep.read(child_cik, {'alias': 'temp'}, {'limit': 5})) == [[200, 2], [100, 1]]
        assert ok(onep.lookup(cik, 'shared', code)) == port
        assert ok(onep.read({'token': token}, port, {}))[0][1] == 2
        assert ok(onep.listing(cik, ['client'], {})) == {'client': [child]}
    finally:
        stop_cli(process)


def test_cli_rejects_bad_arguments(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)
    bad_port = subprocess.run([sys.executable, '-m', 'pyonep.emulator', '--port', '70000'],
                              capture_output=True, env=env, timeout=30)
    assert bad_port.returncode == 2 and b'--port' in bad_port.stderr
    bad_db = subprocess.run([sys.executable, '-m', 'pyonep.emulator', '--db', str(tmp_path)],
                            capture_output=True, env=env, timeout=30)
    assert bad_db.returncode == 1 and b'cannot start' in bad_db.stderr
    assert b'Traceback' not in bad_db.stderr


def test_in_process_emulator_with_a_file_keeps_data(tmp_path):
    db = str(tmp_path / 'p.db')
    with Emulator(db=db) as first:
        port = make_dataport(first.onep(), first.root_cik, alias='x')
        ok(first.onep().write(first.root_cik, port, 5))
        root_cik, vendor = first.root_cik, first.vendor
    with Emulator(db=db) as second:
        assert (second.root_cik, second.vendor) == (root_cik, vendor)
        assert ok(second.onep().read(root_cik, {'alias': 'x'}, {}))[0][1] == 5


def test_emulator_attributes_and_restart_guard():
    with Emulator(root_cik='a' * 40, vendor='v', vendor_token='b' * 40) as emu:
        assert emu.url == 'http://127.0.0.1:%d' % emu.port
        assert (emu.root_cik, emu.vendor, emu.vendor_token) == ('a' * 40, 'v', 'b' * 40)
        assert emu.platform.root_cik == 'a' * 40
        with pytest.raises(RuntimeError):
            emu.start()
        assert emu.provision().__class__.__name__ == 'Provision'


def test_subprocess_mode():
    with Emulator(subprocess=True, vendor='sub') as emu:
        assert emu.platform is None and emu.vendor == 'sub'
        onep = emu.onep()
        rid = make_dataport(onep, emu.root_cik)
        ok(onep.write(emu.root_cik, rid, 3))
        assert ok(onep.read(emu.root_cik, rid, {}))[0][1] == 3


def test_subprocess_mode_offers_the_controls(tmp_path):
    with Emulator(subprocess=True) as emu:
        assert emu.control_url == emu.url + '/_emulator/'
        onep, cik = emu.onep(), emu.root_cik
        rid = make_dataport(onep, cik)
        now = emu.clock.freeze()['now']
        emu.clock.advance(3600)
        ok(onep.write(cik, rid, 1))
        assert ok(onep.read(cik, rid, {})) == [[int(now + 3600), 1]]
        path = str(tmp_path / 'state.sqlite')
        emu.snapshot(path)
        with emu.faults.add(procedure='read', rpc_status='restricted') as fault:
            assert onep.read(cik, rid, {}) == (False, 'restricted')
        assert fault.hits() == 1 and emu.faults.list() == []
        emu.reset()
        assert ok(onep.listing(cik, ['dataport'], {})) == {'dataport': []}
        assert emu.clock.frozen() is False
        emu.restore(path)
        # the snapshot does not hold the clock: read up to the time of the point
        assert ok(onep.read(cik, rid, {'endtime': int(now + 3600)})) == [[int(now + 3600), 1]]


def test_subprocess_mode_reports_a_failed_start(tmp_path, monkeypatch):
    with pytest.raises(EmulatorError) as caught:
        Emulator(subprocess=True, db=str(tmp_path)).start()
    assert 'cannot start' in str(caught.value)
    monkeypatch.setenv('PYONEP_EMULATOR_PYTHON', str(tmp_path / 'no-python'))
    with pytest.raises(EmulatorError):
        Emulator(subprocess=True).start()
    with pytest.raises(ValueError):
        Emulator(subprocess=True, clock=lambda: 0)


def test_pytest_fixture(tmp_path):
    test_file = tmp_path / 'test_uses_fixture.py'
    test_file.write_text(textwrap.dedent('''
        import pytest
        from pyonep.exceptions import OnePlatformException

        def test_write_then_read(onep_emulator):
            onep = onep_emulator.onep()
            cik = onep_emulator.root_cik
            isok, rid = onep.create(cik, 'dataport', {'format': 'integer'})
            assert isok
            onep.write(cik, rid, 42)
            assert onep.read(cik, rid, {})[1][0][1] == 42

        def test_the_fixture_has_the_controls(onep_emulator):
            onep = onep_emulator.onep()
            cik = onep_emulator.root_cik
            start = onep_emulator.clock.freeze()['now']
            onep_emulator.clock.advance(60)
            assert onep_emulator.clock.now() == start + 60
            with onep_emulator.faults.add(status=503):
                with pytest.raises(OnePlatformException):
                    onep.listing(cik, ['client'], {})
            onep_emulator.reset()
            assert onep.listing(cik, ['client'], {}) == (True, {'client': []})
    '''))
    env = dict(os.environ, PYTHONPATH=ROOT)
    result = subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-p', 'no:pyonep_emulator', '-p',
         'pyonep.emulator.pytest_plugin', '-p', 'no:cacheprovider', str(test_file)],
        capture_output=True, env=env, cwd=str(tmp_path), timeout=120)
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    assert b'2 passed' in result.stdout


def python27():
    """A Python 2.7 that has pyonep's dependencies (PYONEP_TEST_PYTHON27, else pyenv's)."""
    candidates = [os.environ.get('PYONEP_TEST_PYTHON27')]
    pyenv_root = os.environ.get('PYENV_ROOT', os.path.expanduser('~/.pyenv'))
    candidates += glob.glob(os.path.join(pyenv_root, 'versions', '2.7*', 'bin', 'python2.7'))
    for path in filter(None, candidates):
        if subprocess.run([path, '-c', 'import requests, six'], capture_output=True).returncode == 0:
            return path
    return None


@pytest.mark.skipif(python27() is None, reason='no Python 2.7 with requests and six installed')
def test_python27_imports_the_package_and_drives_a_subprocess_emulator():
    compile_check = subprocess.run(
        [python27(), '-m', 'py_compile', os.path.join(ROOT, 'pyonep', 'emulator', '__init__.py'),
         os.path.join(ROOT, 'pyonep', 'emulator', 'pytest_plugin.py'),
         os.path.join(ROOT, 'pyonep', 'emulator', 'control.py')], capture_output=True)
    assert compile_check.returncode == 0, compile_check.stderr
    script = textwrap.dedent('''
        import json, urllib2
        from pyonep.emulator import Emulator
        with Emulator() as emu:
            body = json.dumps({"auth": {"cik": emu.root_cik}, "calls": [
                {"id": 1, "procedure": "lookup", "arguments": ["alias", ""]}]})
            reply = json.loads(urllib2.urlopen(emu.url + "/onep:v1/rpc/process", body).read())
            assert reply[0]["status"] == "ok", reply
            now = emu.clock.freeze()["now"]
            assert emu.clock.advance(60)["now"] == now + 60
            with emu.faults.add(status=503) as fault:
                pass
            assert fault.hits() == 0
            print("ok")
    ''')
    env = dict(os.environ, PYTHONPATH=ROOT, PYONEP_EMULATOR_PYTHON=sys.executable)
    result = subprocess.run([python27(), '-c', script], capture_output=True, env=env, timeout=60)
    assert result.stdout.strip() == b'ok', result.stderr


def test_acknowledged_writes_survive_a_killed_process(tmp_path):
    db = str(tmp_path / 'killed.db')
    process, config = start_cli('--db', db)
    try:
        onep = Endpoint(config).onep()
        rid = make_dataport(onep, config['root_cik'], alias='x')
        for value in range(50):
            ok(onep.write(config['root_cik'], rid, value))
    finally:
        process.kill()
        process.communicate(timeout=30)
    process, config = start_cli('--db', db)
    try:
        onep = Endpoint(config).onep()
        values = [p[1] for p in ok(onep.read(config['root_cik'], {'alias': 'x'}, {'limit': 100}))]
        assert sorted(values) == list(range(50))
    finally:
        stop_cli(process)


def test_a_busy_port_is_reported_and_the_file_is_released(tmp_path):
    db = str(tmp_path / 'busy.db')
    with Emulator() as first:
        with pytest.raises(OSError):
            Emulator(db=db, port=first.port).start()
    with Emulator(db=db) as second:  # the database is usable again
        assert second.root_cik
