"""Python side of the emulator's control API (``/_emulator/``): clock, faults, state.

:class:`pyonep.emulator.Emulator` (and so the ``onep_emulator`` pytest fixture) has these
as ``emu.clock``, ``emu.faults``, ``emu.reset()``, ``emu.snapshot(path)`` and
``emu.restore(path)``. They speak HTTP to the emulator, in-process or in a child process
alike, so they work from Python 2.7 too. :func:`connect` gives the same for an emulator
started elsewhere (``python -m pyonep.emulator``), from its URL and root CIK::

    from pyonep.emulator.control import connect
    control = connect('http://127.0.0.1:8080', root_cik)
    control.clock.advance(3600)
    with control.faults.add(api='rpc', status=503, for_s=30):
        ...

Each call raises :class:`ControlError` when the emulator refuses it (a bad rule names its
field), and ``requests``' exceptions when the emulator cannot be reached.

This module must stay importable on Python 2.7.
"""
import json

import requests

TIMEOUT = 600  # seconds; moving the clock far can fire many timers


class ControlError(Exception):
    """The control API refused a call: ``status`` (the HTTP status), ``field`` (the field
    of the request at fault, or None) and the emulator's message as ``str()``."""

    def __init__(self, status, message, field=None):
        Exception.__init__(self, message)
        self.status = status
        self.field = field


class Control(object):
    """The control API of one emulator.

    Arguments: ``endpoint``, any object with ``url`` (``http://host:port``) and ``root_cik``
    attributes, read at every call (so an :class:`~pyonep.emulator.Emulator` whose root CIK
    changes by :meth:`restore` keeps working).

    Attributes: ``clock`` (a :class:`ClockControl`) and ``faults`` (a :class:`FaultControl`).
    """

    def __init__(self, endpoint):
        self._endpoint = endpoint
        self.clock = ClockControl(self)
        self.faults = FaultControl(self)

    def request(self, method, name, body=None, raw=False):
        """Send one control request to ``/_emulator/<name>`` and return its answer.

        ``body`` is sent as JSON (or as it is when ``raw``). Returns the decoded JSON
        answer, or the bytes of the answer when ``raw``. Raises :class:`ControlError`
        for a status of 400 or more, ``requests.exceptions.RequestException`` when the
        request cannot be made.
        """
        headers = {'X-Exosite-CIK': self._endpoint.root_cik}
        if body is not None and not raw:
            body = json.dumps(body)
            headers['Content-Type'] = 'application/json; charset=utf-8'
        url = '%s/_emulator/%s' % (self._endpoint.url.rstrip('/'), name)
        session = requests.Session()
        session.trust_env = False  # loopback: no proxy from the environment
        try:
            response = session.request(method, url, data=body, headers=headers, timeout=TIMEOUT)
        finally:
            session.close()
        if response.status_code >= 400:
            try:
                answer = response.json()
                message, field = answer['error'], answer.get('field')
            except (ValueError, KeyError, TypeError):
                message, field = response.text, None
            raise ControlError(response.status_code, message, field)
        if raw:
            return response.content
        return response.json()

    def reset(self):
        """Make the platform empty again (same root CIK, vendor and vendor token), remove
        every fault rule and put the clock back on real time.

        Returns the startup keys as a dict. Raises :class:`ControlError`.
        """
        return self.request('POST', 'reset')

    def snapshot(self, path):
        """Save the whole platform to the file ``path`` (a sqlite database, also usable as
        ``--db``). Returns None. Raises :class:`ControlError`, ``IOError``."""
        data = self.request('GET', 'snapshot', raw=True)
        with open(path, 'wb') as f:
            f.write(data)

    def restore(self, path):
        """Put the platform back in the state saved in the file ``path`` by :meth:`snapshot`.

        Returns the startup keys as a dict (root CIK, vendor and vendor token are the
        snapshot's). Raises :class:`ControlError` (status 400, field ``body``) for a file
        that is not a snapshot, with the platform unchanged.
        """
        with open(path, 'rb') as f:
            data = f.read()
        return json.loads(self.request('POST', 'snapshot', data, raw=True).decode('utf-8'))


class ClockControl(object):
    """The emulator's clock: what every timestamp, timer, ttl and window of the platform
    reads. ``wait`` (long polls), HTTP timeouts and ``latency_ms`` faults stay in real time.
    """

    def __init__(self, control):
        self._control = control

    def state(self):
        """Return ``{"now": <Unix seconds>, "frozen": <bool>}``. Raises :class:`ControlError`."""
        return self._control.request('GET', 'clock')

    def now(self):
        """Return the platform's current Unix time in seconds (a float)."""
        return self.state()['now']

    def frozen(self):
        """Return True while the clock is frozen."""
        return self.state()['frozen']

    def advance(self, seconds):
        """Move the clock ``seconds`` (>= 0) forward; every datarule timer due on the way has
        fired, in order, at its own due time, when this returns.

        Returns the new clock state (see :meth:`state`). Raises :class:`ControlError`
        (field ``advance``) for a negative or non-numeric amount.
        """
        return self._control.request('POST', 'clock', {'advance': seconds})

    def set(self, when):
        """Move the clock to Unix time ``when`` (not before now), firing the timers on the
        way as :meth:`advance` does. Returns the new clock state. Raises
        :class:`ControlError` (field ``set``) for a time before now."""
        return self._control.request('POST', 'clock', {'set': when})

    def freeze(self):
        """Stop the clock where it stands (it then moves only by :meth:`advance` and
        :meth:`set`). Returns the new clock state."""
        return self._control.request('POST', 'clock', {'freeze': True})

    def unfreeze(self):
        """Let the clock run again from the time it shows. Returns the new clock state."""
        return self._control.request('POST', 'clock', {'freeze': False})


class FaultControl(object):
    """The emulator's fault rules (see :mod:`pyonep.emulator.faults` for the fields)."""

    def __init__(self, control):
        self._control = control

    def add(self, **rule):
        """Add a fault rule given as keyword arguments, e.g. ``add(api='rpc', status=503,
        for_s=30)``, and return it as a :class:`Fault` (a context manager that removes it).

        Raises :class:`ControlError` (status 400, ``field`` naming the bad field) for a
        rule the emulator refuses.
        """
        return Fault(self, self._control.request('POST', 'faults', rule))

    def list(self):
        """Return every rule as a list of dicts, with ``id``, ``hits`` (requests struck),
        ``matched`` and ``active``."""
        return self._control.request('GET', 'faults')

    def get(self, rule_id):
        """Return the rule with id ``rule_id`` as :meth:`list` shows it, or None."""
        for rule in self.list():
            if rule['id'] == rule_id:
                return rule
        return None

    def remove(self, rule_id):
        """Remove the rule with id ``rule_id``. Returns None. Raises :class:`ControlError`
        (404) when there is no such rule."""
        self._control.request('DELETE', 'faults/%d' % rule_id)

    def clear(self):
        """Remove every rule; return how many there were."""
        return self._control.request('DELETE', 'faults')['removed']


class Fault(dict):
    """A fault rule as the emulator answered it (a dict: the fields, ``id``, ``hits``...).

    Use it as a context manager to remove the rule when the block ends::

        with emu.faults.add(procedure='write', drop='after') as fault:
            ...
        assert fault.hits() == 1
    """

    def __init__(self, faults, answer):
        dict.__init__(self, answer)
        self._faults = faults

    @property
    def id(self):
        """The rule's id."""
        return self['id']

    def hits(self):
        """Return how many requests the rule has struck so far (asks the emulator; works
        after the rule was removed too, giving the last count seen)."""
        current = self._faults.get(self.id)
        if current is not None:
            self.update(current)
        return self['hits']

    def remove(self):
        """Remove the rule; a rule already removed (or cleared) is not an error. Returns None."""
        self.hits()
        try:
            self._faults.remove(self.id)
        except ControlError as exc:
            if exc.status != 404:
                raise

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.remove()


class _Endpoint(object):
    def __init__(self, url, root_cik):
        self.url = url
        self.root_cik = root_cik


def connect(url, root_cik):
    """Return the :class:`Control` of the emulator at ``url`` (``http://host:port``, or the
    ``control`` URL of its startup line) used with its root CIK. Sends nothing."""
    base = url.rstrip('/')
    if base.endswith('/_emulator'):
        base = base[:-len('/_emulator')]
    return Control(_Endpoint(base, root_cik))
