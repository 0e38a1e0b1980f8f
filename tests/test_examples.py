"""Every program in examples/ runs, as a user would run it, and says what it should.

Each example is run as a subprocess with this interpreter (on Python 2.7, 3.6 and 3.7 too:
users run their programs there): once with no options (it starts its own embedded
emulator) and once against an emulator started here, through --host, --port, --cik and the
vendor options. ``test_emulator_fixture.py`` is run with pytest. Below Python 3.8 the
emulator runs as a child process with a newer interpreter (see
:func:`pyonep.emulator.find_python`); the tests that need it are skipped, saying why, only
when there is none.
"""
import glob
import os
import subprocess
import sys
import threading

import pytest

from emulator_support import needs_emulator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, 'examples')
TIMEOUT = 120

# What each program must print (beside exiting with status 0).
EXPECTED = {
    'quickstart.py': [
        "write 21.5 -> (True, 'ok')",
        'read the newest point -> True [[',
        "has_deferred -> True",
        "recordbatch -> True ok",
        "write  -> True ok",
        'serialnumber_activate -> the device\'s new CIK ',
        "the device writes with it -> (True, 'ok')",
        ', 22.0]])',
        'Done.',
    ],
    'write_read.py': [
        "write 20.5 -> (True, 'ok')",
        "recordbatch of 5 points -> (True, 'ok')",
        'all 6 points, oldest first:',
        '20.5',
    ],
    'deferred_writes.py': [
        'calls queued for this CIK: True',
        'sent 14 calls in one request; the queue is now empty: True',
        '13 succeeded, 1 failed',
        "failed: write [{'alias': 'window'}, 'open', {}] ->",
        'temperature now holds 6 points',
    ],
    'window_downsample.py': [
        'recorded 288 points, one every 5 minutes over 24 hours',
        'the last hour holds 13 points',
        '6 points by time slices ("givenwindow"):',
        '6 points spread over the points ("autowindow"):',
    ],
    'tokens_grant.py': [
        'for one hour',
        'read temperature with the token -> (True, [[',
        'write temperature with the token -> (False, ',
        'read setpoint with the token -> (False, ',
        # Python 2 writes the error object's text with u'' strings, in any order.
        '1.5 seconds later -> refused: {',
        "'code': 401",
    ],
    'provisioning_flow.py': [
        'model_create                 205',
        'serialnumber_activate        200',
        'activate again (refused)     409',
        "device writes -> (True, 'ok')",
        'device downloads firmware.bin -> 200 14 bytes, as uploaded: True',
        'device writes while disabled -> refused:',
        "device writes with its new CIK -> (True, 'ok')",
        'model_remove                 2',
    ],
    'portals_device.py': [
        'logged in to the portal "',
        'add_device -> M-0001 notactivated',
        'the device activated and got its CIK: True',
        'the device writes power=3.5 -> HTTP 204',
        'power through Portals -> [3.5, 2.5, 1.5]',
        'delete_device -> True',
    ],
    'outage_gateway.py': [
        '+10 s  sent 1 reading(s)',
        'the platform goes down for 30 seconds',
        '+15 s  platform unavailable (OnePlatformException); keeping 1 reading(s)',
        '+50 s  sent 8 reading(s)',
        'the outage refused 3 request(s)',
        'nothing left unsent: True',
        'the platform holds all 12 readings, each at the time it was taken: True',
    ],
    'datarule_timer.py': [
        '59 minutes after a heartbeat, offline = 0',
        'an hour after the next heartbeat, offline = 1, since +119 minutes',
        'a heartbeat again, offline = 0',
        'moved the clock 119 minutes forward in ',
    ],
    'error_handling.py': [
        'write text to an integer dataport -> (False, ',
        'read an alias that does not exist -> (False, ',
        'unknown CIK -> ',
        'nothing listening -> Failed to make http request:',
        'send_deferred with an empty queue -> No deferred requests to send.',
        'unknown model -> isok=False, Status: 404',
        'with raise_api_exceptions=True -> ProvisionException: 404',
        'nothing listening -> requests.exceptions.ConnectionError',
        'caught OnePlatformException',
    ],
}
VENDOR_EXAMPLES = ('quickstart.py', 'provisioning_flow.py', 'error_handling.py')
PORTALS_EXAMPLES = ('portals_device.py',)


class Result(object):
    """What a finished program did: ``returncode``, ``stdout`` and ``stderr`` (text)."""

    def __init__(self, returncode, stdout, stderr):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


def run_program(command, cwd=None, env=None, timeout=TIMEOUT):
    """Run ``command`` to its end and return its Result (subprocess.run is not in Python 2.7).

    Raises AssertionError, with what the program printed, when it had to be killed after
    ``timeout`` seconds.
    """
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, universal_newlines=True)
    killed = []

    def kill():
        killed.append(True)
        process.kill()

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        stdout, stderr = process.communicate()
    finally:
        timer.cancel()
    assert not killed, '%s was killed after %d seconds\n--- stdout\n%s--- stderr\n%s' % (
        ' '.join(command), timeout, stdout, stderr)
    return Result(process.returncode, stdout, stderr)


def run(args, timeout=TIMEOUT):
    """Run ``python args...`` in examples/ with this checkout first on the path."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join([ROOT] + [p for p in [env.get('PYTHONPATH')] if p])
    return run_program([sys.executable] + args, cwd=EXAMPLES, env=env, timeout=timeout)


def check_output(name, result):
    report = '%s exited %d\n--- stdout\n%s--- stderr\n%s' % (
        name, result.returncode, result.stdout, result.stderr)
    assert result.returncode == 0, report
    for expected in EXPECTED[name]:
        assert expected in result.stdout, 'missing %r in the output of %s' % (expected, report)


@pytest.fixture(scope='module')
def external():
    """One emulator shared by the runs that are pointed at it with --host."""
    from pyonep.emulator import Emulator
    with Emulator() as emu:
        yield emu


def test_every_example_is_tested():
    programs = sorted(name for name in os.listdir(EXAMPLES)
                      if name.endswith('.py') and not name.startswith(('_', 'test_')))
    assert programs == sorted(EXPECTED)


@needs_emulator
@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_example_on_embedded_emulator(name):
    result = run([name])
    check_output(name, result)
    assert 'Started a One Platform emulator at http://127.0.0.1:' in result.stdout


@needs_emulator
@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_example_against_a_running_emulator(name, external):
    args = [name, '--host', external.host, '--port', str(external.port), '--cik', external.root_cik]
    if name in VENDOR_EXAMPLES:
        args += ['--vendor', external.vendor, '--vendor-token', external.vendor_token]
    if name in PORTALS_EXAMPLES:  # the Portals domain is a vendor of its own
        args += ['--vendor', external.portals_vendor,
                 '--vendor-token', external.portals_vendor_token,
                 '--portals-domain', external.portals_domain,
                 '--portals-user', external.portals_user,
                 '--portals-password', external.portals_password,
                 '--portal-name', external.portal_name]
    result = run(args)
    check_output(name, result)
    assert 'Started a One Platform emulator' not in result.stdout
    # The example cleaned up after itself: the root client owns no client any more, and
    # the portal no device.
    isok, listing = external.onep().listing(external.root_cik, ['client'], {})
    assert isok and listing['client'] == [], listing
    assert external.portals().get_portal_by_id(external.portal_id)['devices'] == []


@needs_emulator
def test_quickstart_keep_leaves_what_the_inspector_shows():
    """The issue's user story: start the emulator, run the quickstart against it, and the
    inspector shows the device, its data for a chart, and the calls the quickstart made."""
    import json
    import requests
    from pyonep.emulator import Emulator
    with Emulator() as emu:
        result = run(['quickstart.py', '--host', emu.host, '--port', str(emu.port), '--cik',
                      emu.root_cik, '--vendor', emu.vendor, '--vendor-token', emu.vendor_token,
                      '--keep'])
        check_output('quickstart.py', result)
        assert 'Kept the clients and the model (--keep)' in result.stdout

        def view(name, **params):
            reply = requests.get(emu.inspector_url + 'api/' + name, params=params)
            assert reply.status_code == 200, reply.text
            return reply.json()
        found = view('find', text='Quickstart device')['found']
        assert [n['type'] for n in found] == ['client'] and found[0]['status'] == 'activated'
        temperature = [n for n in view('tree', parent=found[0]['rid'])['children']
                       if n['name'] == 'temperature'][0]
        data = view('data', rid=temperature['rid'])
        assert [v for _, v in data['chart']['points']] == [19.0, 19.5, 20.25, 21.5]
        calls = view('calls', limit=500)['calls']
        procedures = [c['procedure'] for call in calls if call['kind'] == 'rpc'
                      for c in json.loads(call['request']['body'])['calls']]
        assert {'create', 'map', 'write', 'read', 'recordbatch', 'lookup'} <= set(procedures)
        assert 'drop' not in procedures
        assert any(c['path'] == '/provision/activate' for c in calls)
    assert run(['quickstart.py', '--keep']).returncode == 0  # accepted without --host too


def test_host_without_cik_is_a_usage_error():
    result = run(['write_read.py', '--host', '127.0.0.1', '--port', '1'])
    assert result.returncode == 2
    assert 'with --host, also give --cik' in result.stderr


def test_options_without_host_are_a_usage_error():
    result = run(['quickstart.py', '--port', '8080', '--vendor-token', 'x'])
    assert result.returncode == 2
    assert 'these options need --host: --port --vendor-token' in result.stderr


def test_provisioning_example_needs_vendor_options():
    result = run(['provisioning_flow.py', '--host', '127.0.0.1', '--cik', 'a' * 40])
    assert result.returncode == 2
    assert 'with --host, also give --vendor --vendor-token' in result.stderr


def test_portals_example_needs_the_portals_options():
    result = run(['portals_device.py', '--host', '127.0.0.1', '--cik', 'a' * 40,
                  '--vendor', 'v', '--vendor-token', 't'])
    assert result.returncode == 2
    assert ('with --host, also give --portals-domain --portals-user --portals-password '
            '--portal-name') in result.stderr


@needs_emulator
def test_unreachable_platform_gives_a_one_line_error(external):
    # A wrong port: nothing listens there (the emulator's own port plus a closed socket's).
    import socket
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    result = run(['write_read.py', '--host', '127.0.0.1', '--port', str(port),
                  '--cik', external.root_cik])
    assert result.returncode == 1
    assert result.stderr.startswith('error: JsonRPCRequestException: Failed to make http request')
    assert 'Traceback' not in result.stderr


@needs_emulator
def test_wrong_cik_gives_a_one_line_error(external):
    result = run(['write_read.py', '--host', external.host, '--port', str(external.port),
                  '--cik', '0' * 40])
    assert result.returncode == 1
    assert result.stderr.startswith('error: OnePlatformException: ')
    assert '401' in result.stderr and 'Traceback' not in result.stderr


def installed_pytest_plugins():
    """Return the names of the pytest11 entry points (pytest's plugins) installed here."""
    try:
        from importlib.metadata import entry_points
    except ImportError:  # Python < 3.8: the backport, which pytest itself needs there
        from importlib_metadata import entry_points
    found = entry_points()
    plugins = found.select(group='pytest11') if hasattr(found, 'select') \
        else found.get('pytest11', [])
    return [ep.name for ep in plugins]


@needs_emulator
def test_fixture_example_passes_under_pytest():
    assert 'pyonep_emulator' in installed_pytest_plugins(), (
        'the pytest11 entry point of pyonep is missing: install pyonep (pip install -e .)')
    result = run(['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'test_emulator_fixture.py'])
    assert result.returncode == 0, result.stdout + result.stderr
    assert '2 passed' in result.stdout


def find_python27():
    """Return a Python 2.7 interpreter of this machine (on PATH or under pyenv), or None."""
    candidates = [os.path.join(folder, 'python2.7')
                  for folder in os.environ.get('PATH', '').split(os.pathsep) if folder]
    pyenv_root = os.environ.get('PYENV_ROOT', os.path.expanduser('~/.pyenv'))
    candidates += sorted(glob.glob(os.path.join(pyenv_root, 'versions', '2.7*', 'bin', 'python2.7')))
    for path in candidates:
        if os.access(path, os.X_OK) and run_program([path, '-c', 'pass']).returncode == 0:
            return path
    return None


def test_examples_compile_on_python_2_7():
    """The examples teach users of 0.13.8 too, who may still run Python 2.7."""
    python27 = find_python27()
    if python27 is None:
        pytest.skip('no Python 2.7 on this machine')
    for name in sorted(os.listdir(EXAMPLES)):
        if name.endswith('.py'):
            path = os.path.join(EXAMPLES, name)
            result = run_program(
                [python27, '-c', 'import sys; compile(open(sys.argv[1]).read(), sys.argv[1], "exec")',
                 path])
            assert result.returncode == 0, '%s does not compile on Python 2.7:\n%s' % (
                name, result.stderr)
