"""pyonep.emulator: a local One Platform for programs and tests written for pyonep.

``Emulator`` serves three of the platform's APIs on one loopback port:

- the JSON-RPC API, ``POST /onep:v1/rpc/process`` (:mod:`pyonep.emulator.http.rpc`), for
  :class:`pyonep.onep.OnepV1` (:meth:`Emulator.onep`);
- the provisioning API, ``/provision/...`` (:mod:`pyonep.emulator.http.provision`): vendors
  and vendor tokens, models, serial numbers, content, groups and model shares, and the
  device side (serial number activation, content download), for
  :class:`pyonep.provision.Provision` (:meth:`Emulator.provision`);
- the device HTTP data API (:mod:`pyonep.emulator.http.device`): ``/onep:v1/stack/alias``
  reads, writes and long polls, ``/onep:v1/stack/record``, ``/timestamp`` and ``/ip``,
  for devices that speak plain HTTP;
- the Portals API, ``/api/portals/v1/...`` (:mod:`pyonep.emulator.http.portals`): one
  domain with users, portals, devices added by model and serial number, data sources,
  permissions and tokens, for :mod:`pyonep.portals` (:attr:`Emulator.portals_url`).

Under ``/_emulator/`` it also serves a control API (:mod:`pyonep.emulator.http.control`):
its clock, fault rules, reset and snapshots, which ``Emulator`` offers as ``emu.clock``,
``emu.faults``, ``emu.reset()``, ``emu.snapshot(path)`` and ``emu.restore(path)``
(:mod:`pyonep.emulator.control`).

For example::

    from pyonep.emulator import Emulator

    with Emulator() as emu:
        onep = emu.onep()
        ok, rid = onep.create(emu.root_cik, 'dataport', {'format': 'integer'})
        models = emu.provision(manage_by_cik=False).model_list(emu.vendor_token)

On Python 3.8 and newer the server runs in the calling process, in a background thread.
On older interpreters (Python 2.7, 3.6, 3.7) ``Emulator`` starts ``python -m
pyonep.emulator`` with a newer interpreter: the one named by the environment variable
``PYONEP_EMULATOR_PYTHON``, else the first of python3.13 ... python3.8 found on ``PATH`` or
under ``$(pyenv root)/versions/*/bin`` that can import pyonep (it needs requests and six).

What is emulated and what is not is listed in :mod:`pyonep.emulator.platform`; in short:
Lua scripts never run and no e-mail, SMS, XMPP or HTTP message is ever sent (dispatches
keep a record of what they would have sent).

This module must stay importable on Python 2.7.
"""
import glob
import json
import os
import subprocess as _subprocess
import sys
import tempfile

from pyonep.emulator.control import Control, ControlError

__all__ = ['ControlError', 'Emulator', 'EmulatorError', 'find_python']

# The startup keys of the Portals domain (see docs/emulator.md).
PORTALS_KEYS = ('portals_domain', 'portals_user', 'portals_password', 'portal_id', 'portal_name',
                'portal_cik', 'portals_vendor', 'portals_vendor_token')
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class EmulatorError(Exception):
    """The emulator could not be started (no suitable interpreter, or it failed to start)."""


def _which(name):
    for folder in os.environ.get('PATH', '').split(os.pathsep):
        path = os.path.join(folder, name)
        if folder and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def _pyenv_root():
    root = os.environ.get('PYENV_ROOT')
    if root:
        return root
    try:
        out = _subprocess.check_output(['pyenv', 'root'], stderr=_subprocess.STDOUT)
        return out.decode('utf-8').strip()
    except (OSError, _subprocess.CalledProcessError):
        return os.path.expanduser('~/.pyenv')


# What a child interpreter runs: this copy of pyonep (from PACKAGE_PARENT, its first
# argument) with the child's own requests, six and standard library. PACKAGE_PARENT is not
# put on the child's PYTHONPATH: when pyonep is installed it is a site-packages directory,
# and a Python 2 one holds packages that break Python 3 (the typing backport, for one).
# The second argument is the module to run as __main__, with the remaining arguments.
_CHILD = (
    'import sys\n'
    'if sys.version_info < (3, 8):\n'
    '    sys.exit("the emulator needs Python 3.8+; %s is Python %s"'
    ' % (sys.executable, sys.version.split()[0]))\n'
    'import importlib.machinery, importlib.util, runpy\n'
    'spec = importlib.machinery.PathFinder.find_spec("pyonep", [sys.argv.pop(1)])\n'
    'sys.modules["pyonep"] = importlib.util.module_from_spec(spec)\n'
    'spec.loader.exec_module(sys.modules["pyonep"])\n'
    'runpy.run_module(sys.argv.pop(1), run_name="__main__", alter_sys=True)\n')


def _child_command(python, module, args=()):
    """Return the command that runs ``python -m module args...`` with this copy of pyonep."""
    return [python, '-c', _CHILD, PACKAGE_PARENT, module] + list(args)


def _runs(path):
    """True when ``path`` is a Python 3.8+ that can import the emulator (pyenv shims may
    refuse to run, and an interpreter without requests and six cannot import pyonep)."""
    try:
        with open(os.devnull, 'w') as devnull:
            return _subprocess.call(_child_command(path, 'pyonep.emulator.http.server'),
                                    stdout=devnull, stderr=devnull) == 0
    except OSError:
        return False


def find_python():
    """Return the path of a Python 3.8+ interpreter to run the emulator with.

    Uses ``PYONEP_EMULATOR_PYTHON`` when set (without checking it). Otherwise the first
    interpreter that can import pyonep's emulator among: the running one (if 3.8+),
    python3.13 ... python3.8 on ``PATH``, then ``$(pyenv root)/versions/*/bin``.
    Raises :class:`EmulatorError` when none is found.
    """
    chosen = os.environ.get('PYONEP_EMULATOR_PYTHON')
    if chosen:
        return chosen
    names = ['python3.%d' % minor for minor in range(13, 7, -1)]
    candidates = [sys.executable if sys.version_info >= (3, 8) else None]
    candidates += [_which(name) for name in names]
    versions = os.path.join(_pyenv_root(), 'versions')
    for name in names:
        candidates += sorted(glob.glob(os.path.join(versions, '*', 'bin', name)))
    for path in candidates:
        if path and _runs(path):
            return path
    raise EmulatorError('no Python 3.8+ interpreter with requests and six found to run the '
                        'emulator; set PYONEP_EMULATOR_PYTHON')


class Emulator(object):
    """A running local One Platform.

    Arguments: ``db`` (':memory:' or a sqlite file that keeps everything across restarts),
    ``host`` (default loopback), ``port`` (0 picks a free one), ``root_cik``, ``vendor``,
    ``vendor_token``, ``portals_domain``, ``portals_user``, ``portals_password`` (used
    for a new database, generated when None), ``subprocess`` (True
    runs the server as a child process; the default runs it in-process on Python 3.8+ and
    as a child process otherwise), ``clock`` (in-process only: a callable returning Unix
    time, the source the platform clock runs from; ``emu.clock`` moves it further).

    Attributes once started: ``host``, ``port``, ``url`` (``http://host:port``),
    ``root_cik``, ``vendor``, ``vendor_token``, ``control_url`` (the URL of the control
    API, ``<url>/_emulator/``), and ``platform`` (the in-process
    :class:`pyonep.emulator.platform.Platform`, None in subprocess mode). The Portals
    domain: ``portals_domain`` (its name), ``portals_user`` and ``portals_password`` (a
    domain admin), ``portal_id``, ``portal_name`` and ``portal_cik`` (that user's first
    portal), ``portals_vendor`` and ``portals_vendor_token`` (the domain's vendor, for
    the models its devices come from), and ``portals_url``. ``inspector_url``: the web
    inspector's page, to open in a browser on this machine (see docs/emulator.md).

    Control, in-process and subprocess alike (see :mod:`pyonep.emulator.control`):
    ``clock`` (``now()``, ``advance(s)``, ``set(t)``, ``freeze()``, ``unfreeze()``),
    ``faults`` (``add(**rule)``, ``list()``, ``remove(id)``, ``clear()``), :meth:`reset`,
    :meth:`snapshot` and :meth:`restore`.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`. :meth:`onep`,
    :meth:`provision` and :meth:`portals` return pyonep's clients pointed at it.
    """

    def __init__(self, db=':memory:', host='127.0.0.1', port=0, root_cik=None, vendor=None,
                 vendor_token=None, subprocess=None, clock=None, portals_domain=None,
                 portals_user=None, portals_password=None):
        if subprocess is None:
            subprocess = sys.version_info < (3, 8)
        if subprocess and clock is not None:
            raise ValueError('a clock can only be given to an in-process emulator')
        self.db = db
        self.host = host
        self.port = port
        self.root_cik = root_cik
        self.vendor = vendor
        self.vendor_token = vendor_token
        self.portals_domain = portals_domain
        self.portals_user = portals_user
        self.portals_password = portals_password
        self.portal_id = self.portal_name = self.portal_cik = None
        self.portals_vendor = self.portals_vendor_token = None
        self.inspector_url = None
        self.subprocess = subprocess
        self.clock_source = clock
        self.control_url = None
        self.platform = None
        self.state = None
        self._server = None
        self._process = None
        self._errors = None
        self._control = Control(self)
        self.clock = self._control.clock
        self.faults = self._control.faults

    @property
    def url(self):
        """The base URL of the running emulator, e.g. ``http://127.0.0.1:40123``."""
        return 'http://%s:%d' % (self.host, self.port)

    @property
    def portals_url(self):
        """The base URL of the Portals API, e.g. ``http://127.0.0.1:40123/api/portals/v1``
        (give it to ``Portals.set_portals_url``)."""
        return self.url + '/api/portals/v1'

    def start(self):
        """Start serving and return self.

        Raises :class:`EmulatorError` when the child process cannot start, ``OSError``
        when the address cannot be bound, ``RuntimeError`` when already started.
        """
        if self._server is not None or self._process is not None:
            raise RuntimeError('the emulator is already running')
        if self.subprocess:
            self._start_process()
        else:
            from pyonep.emulator.http.server import EmulatorServer, create_state
            state = create_state(self.db, self.host, self.port, self.root_cik, self.vendor,
                                 self.vendor_token, clock=self.clock_source,
                                 portals_domain=self.portals_domain,
                                 portals_user=self.portals_user,
                                 portals_password=self.portals_password)
            try:
                self._server = EmulatorServer(state)
            except Exception:
                state.store.close()
                raise
            self.state = state
            self._server.start()
            self.platform = self.state.platform
            self._adopt(self.state.config.as_dict())
        return self

    def _adopt(self, config):
        for key in ('host', 'port', 'root_cik', 'vendor', 'vendor_token') + PORTALS_KEYS:
            setattr(self, key, config[key])
        self.control_url = config.get('control')
        self.inspector_url = config.get('inspector')

    def reset(self):
        """Make the platform empty again: a root client with the same CIK, the same vendor
        and vendor token, no fault rules, the clock on real time.

        Returns None. Raises :class:`ControlError` when the emulator refuses.
        """
        self._adopt(self._control.reset())

    def snapshot(self, path):
        """Save the whole platform (clients, CIKs, RIDs, aliases, points, rules, timers,
        the fleet) to the file ``path``: a sqlite database, also usable as ``--db``.

        Returns None. Raises :class:`ControlError`, or ``IOError`` when ``path`` cannot
        be written.
        """
        self._control.snapshot(path)

    def restore(self, path):
        """Put the platform back in the state saved by :meth:`snapshot` in ``path``.

        The clock and the fault rules stay as they are. ``root_cik``, ``vendor`` and
        ``vendor_token`` become the snapshot's. Returns None. Raises :class:`ControlError`
        (status 400) for a file that is not a snapshot, leaving the platform unchanged.
        """
        self._adopt(self._control.restore(path))

    def _start_process(self):
        command = _child_command(find_python(), 'pyonep.emulator',
                                 ['--host', self.host, '--port', str(self.port), '--db', self.db])
        for flag, value in (('--root-cik', self.root_cik), ('--vendor', self.vendor),
                            ('--vendor-token', self.vendor_token),
                            ('--portals-domain', self.portals_domain),
                            ('--portals-user', self.portals_user),
                            ('--portals-password', self.portals_password)):
            if value is not None:
                command += [flag, value]
        # stderr goes to a file: a pipe nobody reads could fill up and stall the server
        errors = tempfile.TemporaryFile()
        try:
            process = _subprocess.Popen(command, stdout=_subprocess.PIPE, stderr=errors)
        except OSError as exc:
            errors.close()
            raise EmulatorError('cannot run %s: %s' % (command[0], exc))
        line = process.stdout.readline()
        try:
            config = json.loads(line.decode('utf-8'))
        except ValueError:
            process.kill()
            process.communicate()
            errors.seek(0)
            error = errors.read().decode('utf-8', 'replace')
            errors.close()
            raise EmulatorError('the emulator did not start: %s' % (error.strip() or 'no output'))
        self._errors = errors
        self._process = process
        self._adopt(config)

    def stop(self):
        """Stop serving. Acknowledged writes are kept (in the file when ``db`` is one).

        Returns None; does nothing when not running. Raises nothing of its own.
        """
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.communicate()
            finally:
                self._process = None
                self._errors.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def onep(self, **kwargs):
        """Return a :class:`pyonep.onep.OnepV1` pointed at this emulator (plain HTTP).

        Keyword arguments go to OnepV1 (e.g. ``reuseconnection=True``). Sends nothing;
        raises TypeError for an argument OnepV1 does not take.
        """
        from pyonep.onep import OnepV1
        return OnepV1(host=self.host, port=str(self.port), https=False, **kwargs)

    def portals(self, **kwargs):
        """Return a :class:`pyonep.portals.Portals` pointed at this emulator's Portals API,
        logged in as the domain admin (``portals_user``, ``portals_password``) with the
        first portal (``portal_id``, ``portal_name``, ``portal_cik``) selected.

        Keyword arguments go to Portals (e.g. ``debug=True``). Sends nothing; raises
        TypeError for an argument Portals does not take.
        """
        from pyonep.portals import Portals
        portals = Portals(self.portals_domain, self.portal_name, self.portals_user,
                          auth=self.portals_password, **kwargs)
        portals.set_portals_url(self.portals_url)
        portals.set_portal_id(self.portal_id)
        portals.set_portal_cik(self.portal_cik)
        return portals

    def provision(self, **kwargs):
        """Return a :class:`pyonep.provision.Provision` pointed at this emulator (plain HTTP).

        Keyword arguments go to Provision (e.g. ``raise_api_exceptions=True``). Sends
        nothing; raises TypeError for an argument Provision does not take.
        """
        from pyonep.provision import Provision
        return Provision(host=self.host, port=str(self.port), https=False, **kwargs)
