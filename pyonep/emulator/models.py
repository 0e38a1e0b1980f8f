"""The emulated One Platform: resources, keys, aliases, time series, shares and tokens.

:class:`Platform` keeps the resource tree in a :class:`~pyonep.emulator.store.Store` and
implements every JSON-RPC procedure as Python (no HTTP here; ``rpc.py`` turns request
bodies into calls of :meth:`Platform.run`). Failures are exceptions: :class:`AuthError`
(credentials that do not authenticate, the RPC 401 error object), :class:`ArgumentError`
(arguments of the wrong shape, the RPC 501 "arguments" error), :class:`UnknownProcedure`
(the RPC 501 "procedure" error) and :class:`CallError` (a per-call status such as
``invalid``, ``restricted`` or ``noauth``).

Interface for the other parts of the emulator (the fleet and device API code use these):

- ``Platform(store, clock=None, root_cik=None)``; ``platform.root_rid``, ``platform.root_cik``
- ``platform.rid_for_cik(cik)`` -> rid, or None unless the CIK currently authenticates
- ``platform.create_client(owner_rid, desc=None)`` -> ``(rid, cik)``;
  ``platform.create_top_client(desc=None)`` -> ``(rid, cik)`` of a client with no owner
- ``platform.info(rid, options)``: ``info`` of a resource as its owner sees it
- ``platform.clone(template_rid, owner_rid, aliases=True, comments=True, historical=True,
  desc=None)`` -> ``(rid, cik)``
- ``platform.regenerate_cik(rid)`` -> new CIK; ``platform.drop(rid)``
- ``platform.set_client_status(rid, status)`` ('activated', 'notactivated', 'expired');
  ``platform.client_status(rid)``
- ``platform.is_below(ancestor_rid, rid)`` -> True when ``rid`` is ``ancestor_rid`` or in
  its subtree
- ``platform.resolve_sharecode(code)`` -> rid or None
- ``platform.call(auth, procedure, arguments)`` -> ``(status, result)``: one RPC procedure run
  as ``auth`` (e.g. ``{'cik': ...}``); raises :class:`AuthError` like the RPC endpoint's 401
- ``platform.run(Caller(rid), procedure, arguments)``: the same for a caller already
  authenticated (``Caller(rid)`` is what the CIK of client ``rid`` authenticates as); the
  device API authenticates once per request and runs its procedures this way
- ``platform.dispatch_log(rid)`` -> what a dispatch would have sent
- ``platform.tick()`` fires the timers that are due; ``platform.next_deadline()`` -> the
  earliest armed timer deadline or None (``clock.move_platform`` steps through them)

What is emulated and what is not:

- Time series keep every point written, with whole-second timestamps; points sharing a
  second keep their arrival order.
- Formats: ``integer`` takes integers, integral floats and strings holding an integer
  (other values get status ``invalid``; integers beyond 64 bits too); ``float`` takes
  numbers and numeric strings (not NaN or infinities); ``string`` takes strings (at most
  64 KiB) and numbers (stored as their text). Booleans, null, lists and objects are
  ``invalid`` for every format.
- Retention ``count`` and ``duration`` (hours) are applied on every write to the resource;
  they limit what is stored, not what subscribers receive (a count of 0 keeps nothing).
- Preprocess operations run on every value a resource receives, in order; comparison
  operations give 1 or 0; an operand that is a resource uses that resource's latest value.
- Subscriptions: a resource receives (through its own preprocess and rule) every value
  stored by the resource it subscribes to.
- Datarules ``simple``, ``timeout``, ``interval``, ``duration`` and ``count`` are evaluated
  on every input, and their timers fire when the platform clock passes them (checked at
  the start of every call). They output 1 (true) or 0 (false) in the rule's format.
  A ``timeout`` is 0 or at least :data:`MIN_TIMER_PERIOD` (1 second); a shorter one is
  ``invalid``. A timer that missed more than :data:`MAX_TIMER_CATCHUP` (1000) periods
  (the clock jumped, or the emulator was stopped) fires only for the latest 1000. A rule
  whose timer fails (one stored by an older emulator, say) is logged on the
  ``pyonep.emulator`` logger and its timer is disabled until its next input; a subscriber
  that fails does not fail the write that feeds it.
- Script datarules are stored and shown by ``info``, but scripts never run; a value
  written to a script datarule is stored as it is.
- Dispatches never send e-mail, SMS, XMPP or HTTP. Each value a dispatch receives adds a
  record of the message it would have sent (see :meth:`Platform.dispatch_log`) and stores
  the point ``"undelivered"`` when the dispatch is locked, else ``"emulated"``.
- Client limits are stored and shown by ``info`` but not enforced; ``locked`` clients get
  status ``locked`` for every call, ``wait`` included, and so does a ``client_id`` or
  ``resource_id`` auth made with a locked client's CIK.
- ``info`` figures: ``disk`` and storage ``size`` count the bytes of stored values;
  ``usage`` counts the resources that exist now (dropped ones are forgotten) and the
  dispatch records and shares made in the window.
- ``wait`` waits at most 300 seconds whatever its ``timeout``.
- ``grant`` makes a 40-hex-digit token bound to a client: ``{"token": ...}`` auth then acts
  as that client, but only for the procedures that ``permissions`` (an object mapping a
  resource ID to a list of procedure names) lists for the resource each call targets,
  until ``ttl`` seconds have passed. A token that grants gives at most what it holds:
  procedures it may run on resources it covers, expiring no later than itself.
"""
import binascii
import json
import logging
import math
import os
import re
import threading
import time

LOG = logging.getLogger('pyonep.emulator')
TYPES = ('client', 'dataport', 'datarule', 'dispatch')
FORMATS = ('float', 'integer', 'string')
CLIENT_STATUSES = ('activated', 'notactivated', 'expired')
LIMIT_KEYS = ('client', 'dataport', 'datarule', 'disk', 'dispatch', 'email', 'email_bucket',
              'http', 'http_bucket', 'share', 'sms', 'sms_bucket', 'xmpp', 'xmpp_bucket')
# Limit keys the platform accepted beyond the documented ones (kept only when given): exoline's
# test suite creates every client with "io": "inherit".
EXTRA_LIMIT_KEYS = ('io',)
RID_PATTERN = re.compile(r'^[0-9a-f]{40}$')
DISPATCH_METHODS = ('email', 'http_get', 'http_post', 'http_put', 'sms', 'xmpp')
COMPARISONS = {
    'gt': lambda a, b: a > b, 'lt': lambda a, b: a < b, 'eq': lambda a, b: a == b,
    'geq': lambda a, b: a >= b, 'leq': lambda a, b: a <= b, 'neq': lambda a, b: a != b,
}
PREPROCESS_OPS = ('add', 'sub', 'mul', 'div', 'mod', 'value') + tuple(COMPARISONS)
INFO_OPTIONS = ('aliases', 'basic', 'comments', 'counts', 'description', 'key', 'shares',
                'storage', 'subscribers', 'tagged', 'tags', 'usage')
CONSUMABLES = ('email', 'http', 'sms', 'xmpp')
MAX_STRING = 65536
INT64 = 2 ** 63
MAX_WAIT_MS = 300000
MAX_DEPTH = 16
MIN_TIMER_PERIOD = 1  # seconds: a datarule timeout is 0 or at least this
MAX_TIMER_CATCHUP = 1000  # a timer that missed more periods fires only for the latest ones
# read's givenwindow selection looks each window up by index when there are at most this
# many windows (one query each), else runs one query over every point of the range
MAX_WINDOW_PROBES = 4096

SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    id INTEGER PRIMARY KEY, rid TEXT UNIQUE NOT NULL, type TEXT NOT NULL, owner TEXT,
    cik TEXT UNIQUE, status TEXT, description TEXT NOT NULL, created INTEGER NOT NULL,
    modified INTEGER NOT NULL, subscribe TEXT);
CREATE INDEX IF NOT EXISTS resources_owner ON resources (owner);
CREATE INDEX IF NOT EXISTS resources_subscribe ON resources (subscribe);
CREATE TABLE IF NOT EXISTS aliases (
    client TEXT NOT NULL, alias TEXT NOT NULL, rid TEXT NOT NULL, PRIMARY KEY (client, alias));
CREATE INDEX IF NOT EXISTS aliases_rid ON aliases (rid);
CREATE TABLE IF NOT EXISTS points (
    id INTEGER PRIMARY KEY AUTOINCREMENT, res INTEGER NOT NULL, ts INTEGER NOT NULL, value);
CREATE INDEX IF NOT EXISTS points_res_ts ON points (res, ts);
CREATE TABLE IF NOT EXISTS shares (
    code TEXT PRIMARY KEY, rid TEXT NOT NULL, sharer TEXT NOT NULL, meta TEXT NOT NULL,
    activator TEXT, created INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS shares_rid ON shares (rid);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, client TEXT NOT NULL, permissions TEXT NOT NULL, expires REAL);
CREATE TABLE IF NOT EXISTS tags (
    rid TEXT NOT NULL, tag TEXT NOT NULL, tagger TEXT NOT NULL, PRIMARY KEY (rid, tag, tagger));
CREATE INDEX IF NOT EXISTS tags_tag ON tags (tag);
CREATE TABLE IF NOT EXISTS comments (
    id INTEGER PRIMARY KEY, rid TEXT NOT NULL, author TEXT NOT NULL, visibility TEXT NOT NULL,
    text TEXT NOT NULL, created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rulestate (
    res INTEGER PRIMARY KEY, state TEXT NOT NULL, deadline REAL);
CREATE INDEX IF NOT EXISTS rulestate_deadline ON rulestate (deadline);
CREATE TABLE IF NOT EXISTS dispatch_log (
    id INTEGER PRIMARY KEY, rid TEXT NOT NULL, ts INTEGER NOT NULL, method TEXT, recipient TEXT,
    subject TEXT, message TEXT, status TEXT);
CREATE INDEX IF NOT EXISTS dispatch_log_rid ON dispatch_log (rid);
"""

SUBTREE_SQL = ('WITH RECURSIVE sub(rid) AS (SELECT ? UNION ALL '
               'SELECT r.rid FROM resources r JOIN sub ON r.owner = sub.rid) SELECT rid FROM sub')
ANCESTORS_SQL = ('WITH RECURSIVE up(rid, owner) AS (SELECT rid, owner FROM resources WHERE rid = ? '
                 'UNION ALL SELECT r.rid, r.owner FROM resources r JOIN up ON r.rid = up.owner) '
                 'SELECT rid FROM up')


class PlatformError(Exception):
    """Base class of the errors the platform raises."""


class AuthError(PlatformError):
    """The ``auth`` of a request does not authenticate (the RPC 401 error object)."""


class ArgumentError(PlatformError):
    """A procedure got arguments of the wrong number or shape (RPC error 501, "arguments")."""


class UnknownProcedure(PlatformError):
    """The procedure named by a call does not exist (RPC error 501, "procedure")."""


class CallError(PlatformError):
    """A call failed with a platform status such as 'invalid', 'restricted' or 'noauth'.

    Attribute ``status`` holds the status string the RPC reply carries.
    """

    def __init__(self, status, message=None):
        PlatformError.__init__(self, message or status)
        self.status = status


def new_key():
    """Return a fresh random 40-hex-digit key (used for RIDs, CIKs, share codes, tokens)."""
    return binascii.hexlify(os.urandom(20)).decode('ascii')


def is_number(value):
    """Return True for an int or float that is not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_finite(value):
    """Return True for a number JSON can carry: an int, or a float that is not NaN or an
    infinity (bools are not numbers)."""
    return is_number(value) and math.isfinite(value)


def _timer_period_ok(period):
    """Tell whether ``period`` is a usable datarule timeout: 0, or at least
    MIN_TIMER_PERIOD seconds (and within 64 bits)."""
    return is_number(period) and (period == 0 or MIN_TIMER_PERIOD <= period < INT64)


def basic_status(rtype, client_status, description):
    """Return the ``basic.status`` that ``info`` shows for a resource, or None for the
    types that have none (dataports, datarules without a script).

    Arguments: ``rtype`` (the resource type), ``client_status`` (a client's stored status:
    'activated', 'notactivated' or 'expired'; ignored for other types) and ``description``
    (the resource's description dict). A client shows its status, or 'locked' when its
    description says so; a dispatch 'activated' or 'locked'; a script datarule 'running'
    (exoline's ``script --follow`` reads it; scripts never run here, so they stay so).
    """
    if rtype == 'client':
        return 'locked' if description.get('locked') else client_status
    if rtype == 'dispatch':
        return 'locked' if description.get('locked') else 'activated'
    if 'script' in description.get('rule', {}):
        return 'running'
    return None


def _dumps(value):
    return json.dumps(value, separators=(',', ':'), sort_keys=True)


class Caller(object):
    """Who a call runs as: ``rid`` of the calling client, ``permissions`` (None for a CIK,
    or the ``{rid: [procedure, ...]}`` of a token), ``via`` (the client whose CIK
    authenticated a ``client_id`` or ``resource_id`` auth, else None) and ``expires`` (the
    Unix time a token stops working, None for a CIK or a token without a ttl)."""

    def __init__(self, rid, permissions=None, via=None, expires=None):
        self.rid = rid
        self.permissions = permissions
        self.via = via
        self.expires = expires


class Platform(object):
    """The emulated One Platform, stored in ``store``.

    Arguments: ``store`` (a :class:`~pyonep.emulator.store.Store`), ``clock`` (a callable
    returning Unix time in seconds as a float; ``time.time`` by default; tests pass a clock
    they can advance) and ``root_cik`` (the CIK the root client gets when the store is new;
    generated when None; ignored when the store already has a root).

    Attributes: ``store``, ``clock``, ``root_rid``, ``root_cik``.
    """

    def __init__(self, store, clock=None, root_cik=None):
        self.store = store
        self.clock = clock or time.time
        self._changed = threading.Condition(threading.Lock())
        self._closed = False
        self._generation = 0
        store.ensure_schema(SCHEMA)
        with store.transaction():
            root = store.get_meta('root_rid')
            if root is None:
                root, _ = self._insert_resource(None, 'client', self._client_desc({'limits': dict(
                    (k, 'inherit') for k in LIMIT_KEYS), 'name': 'root'}), cik=root_cik)
                store.set_meta('root_rid', root)
            self.root_rid = root

    # ----------------------------------------------------------------- interface
    @property
    def root_cik(self):
        """The CIK of the root client (the top of the resource tree)."""
        return self._row(self.root_rid)['cik']

    def now(self):
        """Return the platform's current time as whole Unix seconds."""
        return int(self.clock())

    def rid_for_cik(self, cik):
        """Return the RID of the client whose CIK is ``cik`` if it currently authenticates
        (the client exists and its status is 'activated'), else None."""
        if not isinstance(cik, str):
            return None
        rows = self.store.execute(
            "SELECT rid FROM resources WHERE cik=? AND type='client' AND status='activated'", (cik,))
        return rows[0][0] if rows else None

    def create_client(self, owner_rid, desc=None):
        """Create a client owned by ``owner_rid`` and return ``(rid, cik)``.

        ``desc`` is a client description as for the ``create`` procedure; its defaults are
        filled in, with every limit ``"inherit"`` when ``desc`` is None. The new client's
        status is 'activated'. Raises :class:`CallError` ('invalid') for an unknown owner or
        a bad description.
        """
        if desc is None:
            desc = {'limits': dict((k, 'inherit') for k in LIMIT_KEYS)}
        with self.store.transaction():
            owner = self._row(owner_rid)
            if owner is None or owner['type'] != 'client':
                raise CallError('invalid', 'owner is not a client')
            return self._insert_resource(owner_rid, 'client', self._client_desc(desc))

    def create_top_client(self, desc=None):
        """Create a client that has no owner and return ``(rid, cik)``.

        It tops a tree of its own beside the root's, out of reach of the root CIK (the
        Portals domain keeps its users, portals and devices under one). ``desc`` is as for
        :meth:`create_client`. Raises :class:`CallError` ('invalid') for a bad description.
        """
        if desc is None:
            desc = {'limits': dict((k, 'inherit') for k in LIMIT_KEYS)}
        with self.store.transaction():
            return self._insert_resource(None, 'client', self._client_desc(desc))

    def info(self, rid, options):
        """Return the ``info`` result of resource ``rid`` as its owner sees it (the key of
        a client included), whatever the status of the owner: for the parts of the emulator
        that act as the platform itself rather than as a client.

        ``options`` is the info options object (``{}``: everything). Raises
        :class:`CallError` ('invalid') for an unknown resource, one without an owner, or
        an unknown option.
        """
        with self.store.transaction():
            row = self._row(rid)
            if row is None or row['owner'] is None:
                raise CallError('invalid', 'no such resource')
            return self.proc_info(Caller(row['owner']), [rid, options])

    def clone(self, template_rid, owner_rid, aliases=True, comments=True, historical=True, desc=None):
        """Copy the client ``template_rid`` and its whole subtree under ``owner_rid``.

        Copies dataports, datarules, dispatches and sub-clients with their descriptions,
        the aliases inside the subtree (unless ``aliases`` is false), comments (unless
        ``comments`` is false) and stored points (unless ``historical`` is false).
        Subscriptions between copied resources point at the copies. ``desc`` (a dict)
        replaces fields of the top client's description. Returns ``(rid, cik)`` of the copy.
        Raises :class:`CallError` ('invalid') when the template is not a client or the
        owner does not exist.
        """
        with self.store.transaction():
            return self._clone(template_rid, owner_rid, aliases, comments, historical, desc)

    def regenerate_cik(self, rid):
        """Give client ``rid`` a new CIK (the old one stops working) and return it.

        The status is left unchanged. Raises :class:`CallError` ('invalid') when ``rid``
        is not a client.
        """
        with self.store.transaction() as conn:
            row = self._row(rid)
            if row is None or row['type'] != 'client':
                raise CallError('invalid', 'not a client')
            cik = new_key()
            conn.execute('UPDATE resources SET cik=? WHERE rid=?', (cik, rid))
            return cik

    def drop(self, rid):
        """Delete resource ``rid`` with its whole subtree, aliases, data, shares and tokens.

        Raises :class:`CallError` ('invalid') for an unknown resource or the root.
        """
        with self.store.transaction():
            if self._row(rid) is None or rid == self.root_rid:
                raise CallError('invalid', 'no such resource')
            self._drop(rid)

    def set_client_status(self, rid, status):
        """Set the status of client ``rid``: 'activated', 'notactivated' or 'expired'.

        Only an 'activated' client's CIK authenticates. Raises :class:`CallError`
        ('invalid') for an unknown client or status.
        """
        if status not in CLIENT_STATUSES:
            raise CallError('invalid', 'unknown status %r' % (status,))
        with self.store.transaction() as conn:
            row = self._row(rid)
            if row is None or row['type'] != 'client':
                raise CallError('invalid', 'not a client')
            conn.execute('UPDATE resources SET status=? WHERE rid=?', (status, rid))

    def client_status(self, rid):
        """Return the status of client ``rid`` ('activated', 'notactivated' or 'expired'),
        or None when there is no such client."""
        row = self._row(rid)
        return row['status'] if row and row['type'] == 'client' else None

    def is_below(self, ancestor_rid, rid):
        """Tell whether resource ``rid`` is ``ancestor_rid`` itself or in its subtree.

        Arguments: ``ancestor_rid`` and ``rid``, resource IDs (None is allowed and matches
        nothing). Returns True or False; an unknown (or dropped) ``rid`` is below nothing.
        Only the ownership tree counts: the statuses and locks of the clients do not.
        Raises nothing of its own.
        """
        return any(r == ancestor_rid for (r,) in self.store.execute(ANCESTORS_SQL, (rid,)))

    def resolve_sharecode(self, code):
        """Return the RID a share code was made for, or None for an unknown code."""
        rows = self.store.execute('SELECT rid FROM shares WHERE code=?', (code,))
        return rows[0][0] if rows else None

    def dispatch_log(self, rid):
        """Return what dispatch ``rid`` would have sent, oldest first.

        Each entry is a dict with ``timestamp``, ``method``, ``recipient``, ``subject``,
        ``message`` and ``status`` ('undelivered' when the dispatch is locked, else
        'emulated'). Nothing is ever really sent.
        """
        rows = self.store.execute(
            'SELECT ts, method, recipient, subject, message, status FROM dispatch_log '
            'WHERE rid=? ORDER BY id', (rid,))
        keys = ('timestamp', 'method', 'recipient', 'subject', 'message', 'status')
        return [dict(zip(keys, row)) for row in rows]

    def call(self, auth, procedure, arguments):
        """Run one RPC procedure as ``auth`` and return ``(status, result)``.

        ``auth`` is an RPC auth object (``{'cik': ...}``, with ``client_id`` or
        ``resource_id``, or ``{'token': ...}``). ``status`` is 'ok' or the failure status
        (a list of ``[timestamp, 'invalid']`` for a partly failed ``recordbatch``);
        ``result`` is None for procedures without one. Failures that the RPC reports as a
        status are returned, not raised. Raises :class:`AuthError` when ``auth`` does not
        authenticate, :class:`ArgumentError` or :class:`UnknownProcedure` for a malformed call.
        """
        return self.run(self.authenticate(auth), procedure, arguments)

    def tick(self):
        """Fire every datarule timer whose deadline the clock has passed."""
        with self.store.transaction():
            changed = self._tick()
        if changed:
            self._notify()

    def next_deadline(self):
        """Return the earliest armed datarule timer deadline (Unix seconds), or None."""
        return self.store.execute(
            'SELECT MIN(deadline) FROM rulestate WHERE deadline IS NOT NULL')[0][0]

    def close(self):
        """Wake every ``wait`` call so it answers at once (used when the server stops)."""
        self._closed = True
        self._notify()

    # ------------------------------------------------------------ authentication
    def authenticate(self, auth):
        """Return the :class:`Caller` that ``auth`` authenticates as.

        Raises :class:`AuthError` for an unknown, revoked, expired or not activated CIK,
        an unknown or expired token, a ``client_id`` outside the CIK's subtree, a
        ``resource_id`` that is not strictly below the CIK's client (the client itself
        would act as its own owner), or an auth object of any other shape.
        """
        if not isinstance(auth, dict):
            raise AuthError('auth is not an object')
        keys = set(auth)
        if keys == {'token'}:
            token = auth['token']
            rows = self.store.execute('SELECT client, permissions, expires FROM tokens WHERE token=?',
                                      (token,)) if isinstance(token, str) else []
            if not rows:
                raise AuthError('unknown token')
            client, permissions, expires = rows[0]
            if expires is not None and self.clock() >= expires:
                raise AuthError('token expired')
            row = self._row(client)
            if row is None or row['status'] != 'activated':
                raise AuthError('token client is gone')
            return Caller(client, json.loads(permissions), expires=expires)
        if 'cik' not in keys or not keys <= {'cik', 'client_id', 'resource_id'} or len(keys) > 2:
            raise AuthError('unsupported auth')
        rid = self.rid_for_cik(auth['cik'])
        if rid is None:
            raise AuthError('unknown CIK')
        if 'client_id' in auth:
            target = self._row(auth['client_id']) if isinstance(auth['client_id'], str) else None
            if target is None or target['type'] != 'client' or not self.is_below(rid, target['rid']):
                raise AuthError('client_id is not in the subtree of the CIK')
            return Caller(target['rid'], via=rid)
        if 'resource_id' in auth:
            target = self._row(auth['resource_id']) if isinstance(auth['resource_id'], str) else None
            if target is None or target['rid'] == rid or not self.is_below(rid, target['rid']):
                raise AuthError('resource_id is not strictly below the client of the CIK')
            return Caller(target['owner'], via=rid)
        return Caller(rid)

    def run(self, caller, procedure, arguments):
        """Run ``procedure`` with ``arguments`` (a list) as ``caller`` (a :class:`Caller`).

        Returns ``(status, result)`` like :meth:`call`. Raises :class:`ArgumentError` and
        :class:`UnknownProcedure` for malformed calls.
        """
        if not isinstance(procedure, str) or procedure.startswith('_') or not hasattr(
                self, 'proc_' + procedure):
            raise UnknownProcedure(procedure)
        if not isinstance(arguments, list):
            raise ArgumentError('arguments must be a list')
        method = getattr(self, 'proc_' + procedure)
        if procedure == 'wait':
            return method(caller, arguments)
        changes = self.store.conn.total_changes
        try:
            with self.store.transaction():
                self._tick()
                self._check_caller(caller)
                result = method(caller, arguments)
        except CallError as exc:
            return exc.status, None
        finally:
            if self.store.conn.total_changes != changes:  # wake waiters only for new writes
                self._notify()
        if isinstance(result, Partial):
            return result.status, result.result
        return 'ok', result

    def _check_caller(self, caller):
        """Raise AuthError when the calling client (or the client whose CIK authenticated
        for it) is gone or not activated, CallError('locked') when either is locked."""
        for rid in (caller.rid, caller.via):
            if rid is None:
                continue
            row = self._row(rid)
            if row is None or row['status'] != 'activated':
                raise AuthError('calling client is gone')
            if row['description'].get('locked'):
                raise CallError('locked')

    # ------------------------------------------------------------ row helpers
    def _row(self, rid):
        if not isinstance(rid, str):
            return None
        rows = self.store.execute(
            'SELECT id, rid, type, owner, cik, status, description, created, modified, subscribe '
            'FROM resources WHERE rid=?', (rid,))
        if not rows:
            return None
        keys = ('id', 'rid', 'type', 'owner', 'cik', 'status', 'description', 'created',
                'modified', 'subscribe')
        row = dict(zip(keys, rows[0]))
        row['description'] = json.loads(row['description'])
        return row

    def _subtree(self, rid):
        return [r for (r,) in self.store.execute(SUBTREE_SQL, (rid,))]

    def _insert_resource(self, owner, rtype, desc, cik=None, created=None):
        rid = new_key()
        now = self.now() if created is None else created
        status = None
        if rtype == 'client':
            cik = cik or new_key()
            status = 'activated'
        subscribe = desc.get('subscribe')
        self.store.conn.execute(
            'INSERT INTO resources (rid, type, owner, cik, status, description, created, modified, '
            'subscribe) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
            (rid, rtype, owner, cik if rtype == 'client' else None, status, _dumps(desc), now, now,
             subscribe))
        if rtype == 'datarule':
            self._arm_rule(self._row(rid))
        return rid, cik

    def _notify(self):
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    # ------------------------------------------------------------ resolving
    def _resolve(self, caller, ref, procedure, access='owner'):
        """Return the row a <ResourceID> argument names, checked for ``access``.

        ``access`` is 'owner' (the resource must be in the caller's subtree) or 'read' (a
        share activated by the caller or a public resource also does). Raises
        :class:`ArgumentError` for a reference of the wrong shape and :class:`CallError`
        ('invalid' unknown, 'restricted' out of reach or not granted to a token).
        """
        rid = self._ref_rid(caller, ref)
        row = self._row(rid)
        if row is None:
            # the platform does not tell a RID that names nothing (a dropped resource, say)
            # from one out of reach; only a malformed id is invalid
            if RID_PATTERN.match(rid):
                raise CallError('restricted', 'resource out of reach')
            raise CallError('invalid', 'no such resource')
        if not self.is_below(caller.rid, rid):
            readable = access == 'read' and (row['description'].get('public') or self.store.execute(
                'SELECT 1 FROM shares WHERE rid=? AND activator=?', (rid, caller.rid)))
            if not readable:
                raise CallError('restricted', 'resource out of reach')
        self._check_permission(caller, procedure, rid)
        return row

    def _check_permission(self, caller, procedure, rid):
        """Refuse ('restricted') a token call of ``procedure`` on ``rid`` that its grant does
        not cover. A grant names resources; one on a client covers that client's whole
        subtree, resources created after the grant included."""
        if caller.permissions is None:
            return
        for (covering,) in self.store.execute(ANCESTORS_SQL, (rid,)):
            if procedure in caller.permissions.get(covering, ()):
                return
        raise CallError('restricted', 'token does not grant %s on %s' % (procedure, rid))

    def _ref_rid(self, caller, ref):
        if isinstance(ref, str):
            return ref
        if isinstance(ref, dict) and list(ref) == ['alias'] and isinstance(ref['alias'], str):
            if ref['alias'] == '':
                return caller.rid
            rows = self.store.execute('SELECT rid FROM aliases WHERE client=? AND alias=?',
                                      (caller.rid, ref['alias']))
            if not rows:
                raise CallError('invalid', 'no such alias')
            return rows[0][0]
        raise ArgumentError('a resource is a RID string or {"alias": string}')

    def _client_ref(self, caller, ref, procedure):
        row = self._resolve(caller, ref, procedure)
        if row['type'] != 'client':
            raise CallError('invalid', 'not a client')
        return row

    # ------------------------------------------------------------ descriptions
    def _client_desc(self, desc, base=None):
        if not isinstance(desc, dict):
            raise ArgumentError('description must be an object')
        out = base or {'limits': dict((k, 0) for k in LIMIT_KEYS), 'locked': False, 'meta': '',
                       'name': '', 'public': False}
        out = json.loads(json.dumps(out))
        for key, value in desc.items():
            if key == 'limits':
                if not isinstance(value, dict):
                    raise CallError('invalid', 'limits must be an object')
                for lkey, lvalue in value.items():
                    if lkey not in LIMIT_KEYS + EXTRA_LIMIT_KEYS or not (lvalue == 'inherit' or (
                            is_finite(lvalue) and lvalue >= 0)):
                        raise CallError('invalid', 'bad limit %r' % (lkey,))
                    out['limits'][lkey] = lvalue
            elif key in ('locked', 'public'):
                out[key] = self._boolean(value)
            elif key in ('meta', 'name'):
                out[key] = self._text(value)
        return out

    def _boolean(self, value):
        if not isinstance(value, bool):
            raise CallError('invalid', 'expected a boolean')
        return value

    def _text(self, value):
        if not isinstance(value, str):
            raise CallError('invalid', 'expected a string')
        return value

    def _data_desc(self, caller, rtype, desc, base=None):
        """Fill in and check the description of a dataport, datarule or dispatch."""
        if not isinstance(desc, dict):
            raise ArgumentError('description must be an object')
        if base is None:
            out = {'meta': '', 'name': '', 'preprocess': [], 'public': False,
                   'retention': {'count': 'infinity', 'duration': 'infinity'}, 'subscribe': None}
            if rtype == 'dispatch':
                out.update({'locked': False, 'message': '', 'subject': ''})
        else:
            out = json.loads(json.dumps(base))
        for key, value in desc.items():
            if key in ('meta', 'name', 'message', 'subject', 'recipient') and (
                    rtype == 'dispatch' or key in ('meta', 'name')):
                out[key] = self._text(value)
            elif key == 'public' or (key == 'locked' and rtype == 'dispatch'):
                out[key] = self._boolean(value)
            elif key == 'format' and rtype != 'dispatch':
                if value not in FORMATS:
                    raise CallError('invalid', 'format must be one of %s' % (FORMATS,))
                if base is not None and value != base.get('format'):
                    raise CallError('invalid', 'format may not be changed')
                out['format'] = value
            elif key == 'method' and rtype == 'dispatch':
                if value not in DISPATCH_METHODS:
                    raise CallError('invalid', 'unknown dispatch method')
                out['method'] = value
            elif key == 'retention':
                out['retention'] = self._retention(value, out['retention'])
            elif key == 'preprocess':
                out['preprocess'] = self._preprocess_desc(caller, value)
            elif key == 'subscribe':
                out['subscribe'] = None if value is None else self._resolve(
                    caller, value, 'subscribe', access='read')['rid']
            elif key == 'rule' and rtype == 'datarule':
                out['rule'] = self._rule_desc(value)
        required = {'dataport': ('format',), 'datarule': ('format', 'rule'),
                    'dispatch': ('method', 'recipient')}[rtype]
        for key in required:
            if key not in out:
                raise CallError('invalid', 'description needs %r' % key)
        return out

    def _retention(self, value, current):
        if not isinstance(value, dict):
            raise CallError('invalid', 'retention must be an object')
        out = dict(current)
        for key, item in value.items():
            if key not in ('count', 'duration') or not (item == 'infinity' or (
                    is_number(item) and 0 <= item < INT64)):
                raise CallError('invalid', 'bad retention %r' % (key,))
            out[key] = item
        return out

    def _preprocess_desc(self, caller, value):
        if not isinstance(value, list):
            raise CallError('invalid', 'preprocess must be a list')
        out = []
        for item in value:
            if not (isinstance(item, list) and len(item) == 2 and item[0] in PREPROCESS_OPS):
                raise CallError('invalid', 'preprocess items are [operation, operand]')
            operand = item[1]
            if is_number(operand) and not is_finite(operand):
                raise CallError('invalid', 'a preprocess operand must be a finite number')
            if not is_number(operand):
                operand = self._resolve(caller, operand, 'preprocess', access='read')['rid']
            elif item[0] in ('div', 'mod') and operand == 0:
                raise CallError('invalid', 'division by zero')
            out.append([item[0], operand])
        return out

    def _rule_desc(self, rule):
        if not (isinstance(rule, dict) and len(rule) == 1):
            raise CallError('invalid', 'rule must be an object with one kind')
        kind, spec = list(rule.items())[0]
        if kind == 'script':
            if not isinstance(spec, str):
                raise CallError('invalid', 'script must be a string')
            return rule
        needs = {'simple': ('comparison', 'constant'), 'timeout': ('timeout',),
                 'interval': ('comparison', 'constant', 'timeout'),
                 'duration': ('comparison', 'constant', 'timeout'),
                 'count': ('comparison', 'constant', 'count', 'timeout')}
        if kind not in needs or not isinstance(spec, dict):
            raise CallError('invalid', 'unknown rule %r' % (kind,))
        spec = dict((k, v) for k, v in spec.items() if k in needs[kind] + ('repeat',))
        spec.setdefault('repeat', False)
        for key in needs[kind]:
            if key not in spec:
                raise CallError('invalid', 'rule needs %r' % key)
        if 'comparison' in spec and not (isinstance(spec['comparison'], str) and
                                         spec['comparison'] in COMPARISONS):
            raise CallError('invalid', 'unknown comparison')
        for key in ('constant', 'timeout', 'count'):
            if key in spec and not (is_number(spec[key]) and abs(spec[key]) < INT64):
                raise CallError('invalid', '%r must be a number' % key)
        if 'timeout' in spec and not _timer_period_ok(spec['timeout']):
            raise CallError('invalid', 'timeout must be 0 or at least %d second' % MIN_TIMER_PERIOD)
        if not isinstance(spec['repeat'], bool):
            raise CallError('invalid', 'repeat must be a boolean')
        return {kind: spec}

    # ------------------------------------------------------------ values
    def _convert(self, fmt, value):
        """Return ``value`` as stored by a resource of format ``fmt`` or raise 'invalid'."""
        if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
            raise CallError('invalid', 'value of the wrong type')
        if fmt == 'string':
            if is_number(value):
                if isinstance(value, float) and not math.isfinite(value):
                    raise CallError('invalid', 'not a finite number')
                value = repr(value)
            if len(value.encode('utf-8', 'surrogatepass')) > MAX_STRING:
                raise CallError('invalid', 'string longer than 64 KiB')
            return value
        if isinstance(value, str):
            text = value.strip()
            try:
                value = int(text) if re.match(r'^[-+]?\d+$', text) else float(text)
            except ValueError:
                raise CallError('invalid', 'not a number')
        if isinstance(value, float) and not math.isfinite(value):
            raise CallError('invalid', 'not a finite number')
        if fmt == 'integer':
            if isinstance(value, float):
                if value != int(value):
                    raise CallError('invalid', 'not an integer')
                value = int(value)
            if not -INT64 <= value < INT64:
                raise CallError('invalid', 'integer out of range')
            return value
        return float(value)

    def _timestamp(self, value):
        if not is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
            raise CallError('invalid', 'timestamp must be a number')
        value = int(value)
        if value < 0:
            value = self.now() + value
        if not 0 <= value < 2 ** 53:
            raise CallError('invalid', 'timestamp out of range')
        return value

    def _latest(self, row):
        rows = self.store.conn.execute(
            'SELECT ts, value FROM points WHERE res=? ORDER BY ts DESC, id DESC LIMIT 1',
            (row['id'],)).fetchall()
        return list(rows[0]) if rows else None

    def _preprocess(self, row, value):
        for op, operand in row['description'].get('preprocess', []):
            if not is_number(operand):
                source = self._row(operand)
                latest = self._latest(source) if source else None
                if latest is None or not is_number(latest[1]):
                    raise CallError('invalid', 'preprocess operand has no numeric value')
                operand = latest[1]
            if op == 'value':
                value = operand
                continue
            if isinstance(value, str):
                value = self._convert('float', value)
            if not is_number(value):
                raise CallError('invalid', 'preprocess needs a number')
            if op in COMPARISONS:
                value = 1 if COMPARISONS[op](value, operand) else 0
            elif op == 'add':
                value = value + operand
            elif op == 'sub':
                value = value - operand
            elif op == 'mul':
                value = value * operand
            elif op in ('div', 'mod'):
                if operand == 0:
                    raise CallError('invalid', 'division by zero')
                value = value / operand if op == 'div' else value % operand
        return value

    # ------------------------------------------------------------ data flow
    def _receive(self, row, value, ts, depth=0):
        """Deliver ``value`` at ``ts`` to resource ``row`` (a write or a publication)."""
        if row['type'] == 'client':
            raise CallError('invalid', 'a client holds no data')
        desc = row['description']
        value = self._preprocess(row, value)
        if row['type'] == 'dataport':
            self._store_point(row, ts, self._convert(desc['format'], value), depth)
        elif row['type'] == 'dispatch':
            self._dispatch(row, value, ts, depth)
        elif 'script' in desc['rule']:
            self._store_point(row, ts, self._convert(desc['format'], value), depth)
        else:
            if not is_number(value):
                value = self._convert('float', value)
            state, deadline = self._rule_state(row)
            outputs = self._rule_input(desc['rule'], state, value, ts)
            self._save_rule_state(row, state)
            for out_ts, out in outputs:
                self._rule_output(row, out_ts, out, depth)

    def _store_point(self, row, ts, value, depth):
        conn = self.store.conn
        retention = row['description'].get('retention', {})
        count = retention.get('count', 'infinity')
        if count == 0:  # nothing is kept, but subscribers still receive the value
            self._publish(row, ts, value, depth)
            return
        conn.execute('INSERT INTO points (res, ts, value) VALUES (?, ?, ?)', (row['id'], ts, value))
        if count != 'infinity':
            conn.execute('DELETE FROM points WHERE res=? AND id IN (SELECT id FROM points WHERE res=? '
                         'ORDER BY ts DESC, id DESC LIMIT -1 OFFSET ?)', (row['id'], row['id'], int(count)))
        duration = retention.get('duration', 'infinity')
        if duration != 'infinity':
            conn.execute('DELETE FROM points WHERE res=? AND ts < ?',
                         (row['id'], self.clock() - duration * 3600))
        self._publish(row, ts, value, depth)

    def _publish(self, row, ts, value, depth):
        if depth >= MAX_DEPTH:
            return
        for (rid,) in self.store.conn.execute(
                'SELECT rid FROM resources WHERE subscribe=? ORDER BY id', (row['rid'],)).fetchall():
            try:
                with self.store.transaction():  # a savepoint: a refusal undoes this subscriber only
                    self._receive(self._row(rid), value, ts, depth + 1)
            except CallError:
                pass
            except Exception:  # a broken subscriber (stored by an older emulator) fails alone
                LOG.warning('resource %s failed to receive a value of %s', rid, row['rid'],
                            exc_info=True)

    def _dispatch(self, row, value, ts, depth):
        desc = row['description']
        text = value if isinstance(value, str) else _dumps(value)
        message = desc.get('message') or text
        message = message.replace('[[value]]', text).replace('[[subscribe.cid]]', row['owner'] or '')
        status = 'undelivered' if desc.get('locked') else 'emulated'
        self.store.conn.execute(
            'INSERT INTO dispatch_log (rid, ts, method, recipient, subject, message, status) '
            'VALUES (?, ?, ?, ?, ?, ?, ?)',
            (row['rid'], ts, desc['method'], desc['recipient'], desc.get('subject', ''), message,
             status))
        self._store_point(row, ts, status, depth)

    # ------------------------------------------------------------ datarules
    def _rule_state(self, row):
        rows = self.store.conn.execute('SELECT state, deadline FROM rulestate WHERE res=?',
                                       (row['id'],)).fetchall()
        if not rows:
            return {'deadline': None, 'counter': 0}, None
        state = json.loads(rows[0][0])
        state['deadline'] = rows[0][1]
        return state, rows[0][1]

    def _save_rule_state(self, row, state):
        self.store.conn.execute('INSERT OR REPLACE INTO rulestate (res, state, deadline) VALUES (?, ?, ?)',
                                (row['id'], _dumps({'counter': state.get('counter', 0)}),
                                 state.get('deadline')))

    def _arm_rule(self, row):
        rule = row['description']['rule']
        if 'timeout' in rule and rule['timeout']['timeout'] > 0:
            self._save_rule_state(row, {'deadline': self.clock() + rule['timeout']['timeout'],
                                        'counter': 0})

    def _rule_input(self, rule, state, value, ts):
        """Apply one input to a rule's state; return the outputs as (ts, bool) pairs."""
        kind, spec = list(rule.items())[0]
        if kind == 'timeout':
            state['deadline'] = ts + spec['timeout'] if spec['timeout'] > 0 else None
            return [(ts, False)]
        result = COMPARISONS[spec['comparison']](value, spec['constant'])
        if kind == 'simple':
            return [(ts, result)]
        if kind == 'interval':
            if not result:
                state['deadline'] = None
            elif state.get('deadline') is None:
                state['deadline'] = ts + spec['timeout']
            return [(ts, result)]
        if kind == 'duration':
            if not result:
                state['deadline'] = None
                return [(ts, False)]
            if state.get('deadline') is None:
                state['deadline'] = ts + spec['timeout']
            return []
        # count
        if not result:
            return []
        if state.get('deadline') is None:
            state['deadline'] = ts + spec['timeout']
            state['counter'] = 1
        else:
            state['counter'] = state.get('counter', 0) + 1
        if state['counter'] >= spec['count']:
            state['deadline'] = ts + spec['timeout']
            state['counter'] = 0
            return [(ts, True)]
        return []

    def _rule_elapse(self, rule, state):
        """Fire a rule's timer at its deadline; return the output (a bool) and re-arm it."""
        kind, spec = list(rule.items())[0]
        deadline = state['deadline']
        if kind in ('timeout', 'interval'):
            state['deadline'] = deadline + spec['timeout'] if spec['timeout'] > 0 else None
            return True
        state['deadline'] = None
        if kind == 'duration':
            return True
        state['counter'] = 0
        return False

    def _rule_output(self, row, ts, out, depth):
        desc = row['description']
        repeat = list(desc['rule'].values())[0].get('repeat', False)
        value = self._convert(desc['format'], 1 if out else 0)
        if not repeat:
            latest = self._latest(row)
            if latest is not None and latest[1] == value:
                return
        self._store_point(row, ts, value, depth)

    def _tick(self):
        """Fire the timers that are due. A rule that fails (a rule stored by an older
        emulator, say) is logged and its timer disabled; the other rules and the call that
        ticked go on."""
        now = self.clock()
        changed = False
        for res, in self.store.conn.execute(
                'SELECT res FROM rulestate WHERE deadline IS NOT NULL AND deadline <= ? '
                'ORDER BY deadline', (now,)).fetchall():
            try:
                with self.store.transaction():  # a savepoint: a failure undoes this rule only
                    changed = self._fire_timer(res, now) or changed
            except Exception:
                rid = self.store.conn.execute('SELECT rid FROM resources WHERE id=?', (res,)).fetchone()
                LOG.warning('datarule %s: its timer failed and is disabled', rid and rid[0],
                            exc_info=True)
                self.store.conn.execute('UPDATE rulestate SET deadline=NULL WHERE res=?', (res,))
        return changed

    def _fire_timer(self, res, now):
        """Fire the timer of the datarule whose internal id is ``res`` for the periods that
        have passed by ``now``, at most MAX_TIMER_CATCHUP of them (the latest); return True
        when it output anything."""
        rows = self.store.conn.execute('SELECT rid FROM resources WHERE id=?', (res,)).fetchall()
        if not rows:
            self.store.conn.execute('DELETE FROM rulestate WHERE res=?', (res,))
            return False
        row = self._row(rows[0][0])
        state, _ = self._rule_state(row)
        rule = row['description']['rule']
        kind, spec = list(rule.items())[0]
        period, repeat = spec['timeout'], spec.get('repeat', False)
        if not _timer_period_ok(period):
            raise CallError('invalid', 'timer period %r below the minimum' % (period,))
        if repeat and period > 0 and kind in ('timeout', 'interval'):  # outputs every period
            missed = int((now - state['deadline']) // period) + 1
            if missed > MAX_TIMER_CATCHUP:
                state['deadline'] += (missed - MAX_TIMER_CATCHUP) * period  # drop the oldest
        fired = 0
        while state['deadline'] is not None and state['deadline'] <= now and fired < MAX_TIMER_CATCHUP:
            fired_at = int(state['deadline'])
            out = self._rule_elapse(rule, state)
            self._rule_output(row, fired_at, out, 0)
            fired += 1
            if not repeat and state['deadline'] is not None and state['deadline'] <= now:
                # the output would not change again: skip to the next deadline after now
                state['deadline'] += (int((now - state['deadline']) // period) + 1) * period
        self._save_rule_state(row, state)
        return fired > 0

    # ------------------------------------------------------------ copying and dropping
    def _clone(self, template_rid, owner_rid, aliases, comments, historical, desc):
        template = self._row(template_rid)
        owner = self._row(owner_rid)
        if template is None or template['type'] != 'client':
            raise CallError('invalid', 'the template must be a client')
        if owner is None or owner['type'] != 'client':
            raise CallError('invalid', 'the owner must be a client')
        conn = self.store.conn
        mapping = {}
        rows = [self._row(rid) for rid in self._subtree(template_rid)]
        for row in rows:
            new_owner = owner_rid if row['rid'] == template_rid else mapping[row['owner']]
            description = row['description']
            if row['rid'] == template_rid and desc:
                description = self._client_desc(desc, base=description)
            rid, _ = self._insert_resource(new_owner, row['type'], description)
            mapping[row['rid']] = rid
        for row in rows:
            new = self._row(mapping[row['rid']])
            description = json.loads(_dumps(new['description']))
            sub = description.get('subscribe')
            if sub in mapping:
                description['subscribe'] = mapping[sub]
            for item in description.get('preprocess', []):
                if item[1] in mapping:
                    item[1] = mapping[item[1]]
            conn.execute('UPDATE resources SET description=?, subscribe=? WHERE rid=?',
                         (_dumps(description), description.get('subscribe'), new['rid']))
            if historical and row['type'] != 'client':
                conn.execute('INSERT INTO points (res, ts, value) SELECT ?, ts, value FROM points '
                             'WHERE res=? ORDER BY id', (new['id'], row['id']))
            if comments:
                conn.execute('INSERT INTO comments (rid, author, visibility, text, created) '
                             'SELECT ?, author, visibility, text, created FROM comments WHERE rid=?',
                             (new['rid'], row['rid']))
            if aliases and row['type'] == 'client':
                for alias, target in conn.execute('SELECT alias, rid FROM aliases WHERE client=?',
                                                  (row['rid'],)).fetchall():
                    if target in mapping:
                        conn.execute('INSERT INTO aliases (client, alias, rid) VALUES (?, ?, ?)',
                                     (new['rid'], alias, mapping[target]))
        top = self._row(mapping[template_rid])
        return top['rid'], top['cik']

    def _drop(self, rid):
        conn = self.store.conn
        rids = self._subtree(rid)
        for chunk_start in range(0, len(rids), 500):
            chunk = rids[chunk_start:chunk_start + 500]
            marks = ','.join('?' * len(chunk))
            ids = 'SELECT id FROM resources WHERE rid IN (%s)' % marks
            conn.execute('DELETE FROM points WHERE res IN (%s)' % ids, chunk)
            conn.execute('DELETE FROM rulestate WHERE res IN (%s)' % ids, chunk)
            conn.execute('DELETE FROM aliases WHERE client IN (%s) OR rid IN (%s)' % (marks, marks),
                         chunk + chunk)
            conn.execute('DELETE FROM shares WHERE rid IN (%s) OR sharer IN (%s)' % (marks, marks),
                         chunk + chunk)
            conn.execute('UPDATE shares SET activator=NULL WHERE activator IN (%s)' % marks, chunk)
            conn.execute('DELETE FROM tokens WHERE client IN (%s)' % marks, chunk)
            conn.execute('DELETE FROM tags WHERE rid IN (%s) OR tagger IN (%s)' % (marks, marks),
                         chunk + chunk)
            conn.execute('DELETE FROM comments WHERE rid IN (%s)' % marks, chunk)
            conn.execute('DELETE FROM dispatch_log WHERE rid IN (%s)' % marks, chunk)
            for (sub_rid,) in conn.execute('SELECT rid FROM resources WHERE subscribe IN (%s)' % marks,
                                           chunk).fetchall():
                row = self._row(sub_rid)
                row['description']['subscribe'] = None
                conn.execute('UPDATE resources SET description=?, subscribe=NULL WHERE rid=?',
                             (_dumps(row['description']), sub_rid))
            conn.execute('DELETE FROM resources WHERE rid IN (%s)' % marks, chunk)

    # ================================================================ procedures
    # Each proc_<name>(caller, args) runs inside a transaction and returns the result
    # (None when the procedure has none) or raises CallError (its status is the call's) or
    # ArgumentError (arguments of the wrong number or shape: RPC error 501 "arguments").

    @staticmethod
    def _args(args, low, high=None):
        high = low if high is None else high
        if not low <= len(args) <= high:
            raise ArgumentError('expected %d to %d arguments' % (low, high))
        return list(args) + [None] * (high - len(args))

    @staticmethod
    def _options(value):
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ArgumentError('options must be an object')
        return value

    # ---------------------------------------------------------------- time series
    def proc_read(self, caller, args):
        """read [<ResourceID>, {starttime, endtime, sort, limit, selection}].

        Returns the list of [timestamp, value] points. Status 'invalid' for a client, an
        unknown resource or bad option values; 'restricted' when out of reach.
        """
        ref, options = self._args(args, 1, 2)
        options = self._options(options)
        row = self._resolve(caller, ref, 'read', access='read')
        if row['type'] == 'client':
            raise CallError('invalid', 'a client holds no data')
        start = options.get('starttime', 0)
        end = options.get('endtime', self.now())
        limit = options.get('limit', 1)
        sort = options.get('sort', 'desc')
        selection = options.get('selection', 'all')
        for value in (start, end, limit):
            if not is_number(value) or not -INT64 < value < INT64:
                raise CallError('invalid', 'starttime, endtime and limit are numbers')
        if sort not in ('asc', 'desc') or selection not in ('all', 'givenwindow', 'autowindow'):
            raise CallError('invalid', 'bad sort or selection')
        return self.read_points(row['id'], int(start), int(end), sort, int(limit), selection)

    def read_points(self, res, start, end, sort, limit, selection='all'):
        """Return the [timestamp, value] points of the resource whose internal id is ``res``
        in ``start``..``end`` (inclusive), ``sort`` 'asc' or 'desc', at most ``limit``."""
        conn = self.store.conn
        order = 'ASC' if sort == 'asc' else 'DESC'
        limit = max(limit, 0)
        if selection == 'all' or limit == 0:
            rows = conn.execute('SELECT ts, value FROM points WHERE res=? AND ts>=? AND ts<=? '
                                'ORDER BY ts %s, id %s LIMIT ?' % (order, order),
                                (res, start, end, limit)).fetchall()
            return [list(r) for r in rows]
        if selection == 'givenwindow':
            # ``limit`` equal windows over start..end; each gives its earliest point,
            # whatever the sort (the platform's answer, seen by exoline's read_selection test)
            width = max(end - start + 1, 1)
            if min(limit, width) <= MAX_WINDOW_PROBES:
                return self._window_probes(res, start, end, limit, width, order)
            rows = conn.execute(
                'SELECT ts, value FROM (SELECT ts, value, id, ROW_NUMBER() OVER (PARTITION BY '
                '((ts - ?) * ?) / ? ORDER BY ts, id) AS n FROM points WHERE res=? AND ts>=? AND '
                'ts<=?) WHERE n = 1 ORDER BY ts %s, id %s LIMIT ?' % (order, order),
                (start, limit, width, res, start, end, limit)).fetchall()
            return [list(r) for r in rows]
        rows = conn.execute('SELECT ts, value FROM points WHERE res=? AND ts>=? AND ts<=? '
                            'ORDER BY ts %s, id %s' % (order, order), (res, start, end)).fetchall()
        if len(rows) <= limit:
            return [list(r) for r in rows]
        if limit == 1:
            return [list(rows[0])]
        step = (len(rows) - 1) / float(limit - 1)
        return [list(rows[int(round(i * step))]) for i in range(limit)]

    def _window_probes(self, res, start, end, limit, width, order):
        """The givenwindow selection by one indexed look-up per window (what the window
        query below gives, without reading every point of the range): window ``n`` holds
        the timestamps ``ts`` with ``(ts - start) * limit // width == n``."""
        found = []
        for n in range(limit):
            low = start + (n * width + limit - 1) // limit
            high = min(start + ((n + 1) * width + limit - 1) // limit, end + 1)
            if low >= high:
                continue
            row = self.store.conn.execute(
                'SELECT ts, value FROM points WHERE res=? AND ts>=? AND ts<? ORDER BY ts, id '
                'LIMIT 1', (res, low, high)).fetchone()
            if row is not None:
                found.append(list(row))
        return found if order == 'ASC' else found[::-1]

    def proc_write(self, caller, args):
        """write [<ResourceID>, value, {options}]: store ``value`` at the current second.

        Returns None. Status 'invalid' when the value does not fit the format (or the
        resource is a client); 'restricted' when out of reach.
        """
        ref, value, options = self._args(args, 2, 3)
        self._options(options)
        row = self._resolve(caller, ref, 'write')
        self._receive(row, value, self.now())

    def proc_writegroup(self, caller, args):
        """writegroup [[[<ResourceID>, value], ...]]: every value at one timestamp.

        Returns None. One bad entry fails the whole call (status 'invalid' or 'restricted')
        and nothing is written.
        """
        entries, = self._args(args, 1)
        if not isinstance(entries, list) or not all(
                isinstance(e, list) and len(e) == 2 for e in entries):
            raise ArgumentError('writegroup takes a list of [resource, value] pairs')
        now = self.now()
        for ref, value in entries:
            self._receive(self._resolve(caller, ref, 'writegroup'), value, now)

    def _entries(self, entries):
        if not isinstance(entries, list) or not all(
                isinstance(e, list) and len(e) == 2 for e in entries):
            raise ArgumentError('entries are a list of [timestamp, value] pairs')
        return entries

    def proc_record(self, caller, args):
        """record [<ResourceID>, [[timestamp, value], ...], {}]; negative timestamps count back
        from now.

        Returns None. All or nothing: one bad entry gives status 'invalid' and writes nothing.
        """
        ref, entries, options = self._args(args, 2, 3)
        self._options(options)
        row = self._resolve(caller, ref, 'record')
        for ts, value in self._entries(entries):
            self._receive(row, value, self._timestamp(ts))

    def proc_recordbatch(self, caller, args):
        """recordbatch [<ResourceID>, [[timestamp, value], ...]]; bad entries are reported
        as the status [[timestamp, 'invalid'], ...] (the timestamp as sent when it is a
        finite number or a string, else null) and the good ones are still stored."""
        ref, entries = self._args(args, 2)
        row = self._resolve(caller, ref, 'recordbatch')
        bad = []
        for ts, value in self._entries(entries):
            try:
                with self.store.transaction():
                    self._receive(row, value, self._timestamp(ts))
            except CallError:
                bad.append([ts if is_finite(ts) or isinstance(ts, str) else None, 'invalid'])
        if bad:
            return Partial(bad)

    def proc_flush(self, caller, args):
        """flush [<ResourceID>, {newerthan, olderthan}]: delete points (all without options).

        Returns None. Status 'invalid' for a bound that is not a timestamp, 'restricted'
        for a resource the caller does not own.
        """
        ref, options = self._args(args, 1, 2)
        options = self._options(options)
        row = self._resolve(caller, ref, 'flush')
        sql, params = 'DELETE FROM points WHERE res=?', [row['id']]
        for key, op in (('newerthan', '>'), ('olderthan', '<')):
            if key in options:
                value = options[key]
                if not is_number(value) or not -INT64 < value < INT64:
                    raise CallError('invalid', '%s must be a timestamp' % key)
                sql += ' AND ts %s ?' % op
                params.append(value)
        self.store.conn.execute(sql, params)

    def proc_wait(self, caller, args):
        """wait [<ResourceID>, {timeout (ms), since}]: runs outside the store transaction.

        Returns ('ok', [timestamp, value]) for the first point after ``since`` (or after the
        call arrived), ('expire', None) when ``timeout`` milliseconds pass first, or ('error',
        message) for a timeout or since that is not a number within 64 bits.
        """
        ref, options = self._args(args, 1, 2)
        options = self._options(options)
        timeout = options.get('timeout', 30000)
        since = options.get('since')
        if not (is_number(timeout) and 0 <= timeout < INT64) or not (
                since is None or (is_number(since) and -INT64 < since < INT64)):
            return 'error', 'timeout and since must be numbers within 64 bits'
        try:
            with self.store.transaction():
                self._tick()
                self._check_caller(caller)
                row = self._resolve(caller, ref, 'wait', access='read')
                baseline = self.store.conn.execute(
                    "SELECT COALESCE(MAX(id), 0) FROM points WHERE res=?", (row['id'],)).fetchone()[0]
        except CallError as exc:
            return exc.status, None
        if since is not None:
            query = ('SELECT ts, value FROM points WHERE res=? AND ts>? ORDER BY ts, id LIMIT 1',
                     (row['id'], int(since)))
        else:
            query = ('SELECT ts, value FROM points WHERE res=? AND id>? ORDER BY id LIMIT 1',
                     (row['id'], baseline))
        deadline = time.monotonic() + min(timeout, MAX_WAIT_MS) / 1000.0
        while True:
            with self._changed:
                generation = self._generation
            found = self.store.execute(*query)
            if found:
                return 'ok', list(found[0])
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._closed:
                return 'expire', None
            with self._changed:
                if generation == self._generation:
                    self._changed.wait(min(remaining, 1.0))
            self.tick()

    # ---------------------------------------------------------------- resources
    def proc_create(self, caller, args):
        """create [<ResourceID>,] type, description: a client, dataport, datarule, dispatch or
        clone under the given client (the caller when the first argument is the type).

        Returns the new RID. A clone's top client starts 'notactivated': its owner activates
        it with ``activate ["client", <its CIK>]``. Status 'invalid' for an unknown type or a
        bad description, 'restricted' for a parent or clone source out of reach.
        """
        if args and isinstance(args[0], str) and args[0] in TYPES + ('clone',):
            parent, (rtype, desc) = {'alias': ''}, self._args(args, 1, 2)
        else:
            parent, rtype, desc = self._args(args, 2, 3)
        owner = self._client_ref(caller, parent, 'create')
        desc = {} if desc is None else desc
        if not isinstance(desc, dict):
            raise ArgumentError('description must be an object')
        if rtype == 'client':
            rid, _ = self._insert_resource(owner['rid'], 'client', self._client_desc(desc))
            return rid
        if rtype == 'clone':
            source = desc.get('rid')
            if 'code' in desc:
                if not isinstance(desc['code'], str):
                    raise CallError('invalid', 'code must be a share code string')
                rows = self.store.conn.execute('SELECT rid, activator FROM shares WHERE code=?',
                                               (desc['code'],)).fetchall()
                if not rows or rows[0][1] is not None or 'rid' in desc:
                    raise CallError('invalid', 'unknown or activated share code')
                source = rows[0][0]
            else:
                source = self._resolve(caller, source, 'create')['rid']
            rid, _ = self._clone(source, owner['rid'], not desc.get('noaliases', False),
                                 True, not desc.get('nohistorical', False), None)
            # the copy waits for its owner to activate its CIK (activate ["client", cik])
            self.store.conn.execute("UPDATE resources SET status='notactivated' WHERE rid=?", (rid,))
            return rid
        if rtype not in TYPES:
            raise CallError('invalid', 'unknown resource type')
        rid, _ = self._insert_resource(owner['rid'], rtype, self._data_desc(caller, rtype, desc))
        return rid

    def proc_move(self, caller, args):
        """move [<ResourceID>, <DestinationClientID>, {aliases}]: give a resource a new owner;
        the old owner's aliases for it move along (``aliases`` true, the default) or go, and
        former ancestors that no longer reach the moved subtree lose their aliases into it.

        Returns None. Status 'invalid' for moving the caller or into the resource's own
        subtree, 'restricted' when either side is out of reach.
        """
        ref, dest, options = self._args(args, 2, 3)
        options = self._options(options)
        row = self._resolve(caller, ref, 'move')
        target = self._client_ref(caller, dest, 'move')
        if row['rid'] == caller.rid or self.is_below(row['rid'], target['rid']):
            raise CallError('invalid', 'a resource cannot move itself or into its own subtree')
        conn = self.store.conn
        old_owner = row['owner']
        lost = set(r for (r,) in conn.execute(ANCESTORS_SQL, (old_owner,)).fetchall()) - set(
            r for (r,) in conn.execute(ANCESTORS_SQL, (target['rid'],)).fetchall())
        conn.execute('UPDATE resources SET owner=? WHERE rid=?', (target['rid'], row['rid']))
        for alias, in conn.execute('SELECT alias FROM aliases WHERE client=? AND rid=?',
                                   (old_owner, row['rid'])).fetchall():
            conn.execute('DELETE FROM aliases WHERE client=? AND alias=?', (old_owner, alias))
            if options.get('aliases', True):
                conn.execute('INSERT OR IGNORE INTO aliases (client, alias, rid) VALUES (?, ?, ?)',
                             (target['rid'], alias, row['rid']))
        # former ancestors that no longer reach the moved subtree lose their aliases into it
        moved = self._subtree(row['rid'])
        for client in lost:
            for begin in range(0, len(moved), 500):
                chunk = moved[begin:begin + 500]
                conn.execute('DELETE FROM aliases WHERE client=? AND rid IN (%s)'
                             % ','.join('?' * len(chunk)), [client] + chunk)

    def proc_update(self, caller, args):
        """update [<ResourceID>, description]: change fields of the description.

        Returns None. Status 'invalid' for bad fields or a format change, 'restricted'
        for the caller itself or a resource out of reach.
        """
        ref, desc = self._args(args, 2)
        row = self._resolve(caller, ref, 'update')
        if row['rid'] == caller.rid:
            raise CallError('restricted', 'a resource may not update itself')
        if not isinstance(desc, dict):
            raise ArgumentError('description must be an object')
        if row['type'] == 'client':
            new = self._client_desc(desc, base=row['description'])
        else:
            new = self._data_desc(caller, row['type'], desc, base=row['description'])
        self.store.conn.execute('UPDATE resources SET description=?, subscribe=?, modified=? WHERE rid=?',
                                (_dumps(new), new.get('subscribe'), self.now(), row['rid']))
        if row['type'] == 'datarule' and new.get('rule') != row['description'].get('rule'):
            self.store.conn.execute('DELETE FROM rulestate WHERE res=?', (row['id'],))
            self._arm_rule(self._row(row['rid']))

    def proc_info(self, caller, args):
        """info [<ResourceID>, {option: true, ...}] ({} means every option available to the
        caller).

        Returns an object with one entry per option. An option the caller may not see is
        left out of the result, even when asked for explicitly (``key`` is for the direct
        owner of a client; ``aliases``, ``shares``, ``tagged`` for the owner and the resource
        itself). Status 'invalid' for an unknown option.
        """
        ref, options = self._args(args, 1, 2)
        options = self._options(options)
        for key in options:
            if key not in INFO_OPTIONS:
                raise CallError('invalid', 'unknown info option %r' % key)
        row = self._resolve(caller, ref, 'info', access='read')
        everything = not options
        wanted = [k for k in INFO_OPTIONS if everything or options.get(k)]
        is_client = row['type'] == 'client'
        owner_or_self = caller.rid in (row['rid'], row['owner'])
        allowed = {'aliases': owner_or_self, 'tagged': owner_or_self, 'shares': owner_or_self,
                   'key': is_client and caller.rid == row['owner'],
                   'counts': is_client, 'usage': is_client, 'storage': not is_client}
        conn = self.store.conn
        result = {}
        for key in wanted:
            if not allowed.get(key, True):
                continue  # left out, as the platform does, even when asked for explicitly
            if key == 'basic':
                basic = {'created': row['created'], 'modified': row['modified'], 'type': row['type'],
                         'subscribers': self._count('SELECT COUNT(*) FROM resources WHERE subscribe=?',
                                                    row['rid'])}
                status = basic_status(row['type'], row['status'], row['description'])
                if status is not None:
                    basic['status'] = status
                if status == 'running':
                    # exoline's diff knows basic.activity: a script runs from its last upload on
                    basic['activity'] = [[row['modified'], ['running']]]
                result['basic'] = basic
            elif key == 'description':
                result['description'] = row['description']
            elif key == 'key':
                result['key'] = row['cik']
            elif key == 'aliases':
                aliases = {}
                if is_client:
                    for alias, rid in conn.execute('SELECT alias, rid FROM aliases WHERE client=? '
                                                   'ORDER BY alias', (row['rid'],)).fetchall():
                        aliases.setdefault(rid, []).append(alias)
                result['aliases'] = aliases
            elif key == 'shares':
                result['shares'] = [{'activator': a, 'code': c, 'meta': m} for c, m, a in conn.execute(
                    'SELECT code, meta, activator FROM shares WHERE rid=? ORDER BY created, code',
                    (row['rid'],)).fetchall()]
            elif key == 'subscribers':
                result['subscribers'] = [[t, r] for r, t in conn.execute(
                    'SELECT rid, type FROM resources WHERE subscribe=? ORDER BY id',
                    (row['rid'],)).fetchall()]
            elif key == 'storage':
                count, first, last, size = conn.execute(
                    'SELECT COUNT(*), COALESCE(MIN(ts), 0), COALESCE(MAX(ts), 0), '
                    'COALESCE(SUM(LENGTH(value)), 0) FROM points WHERE res=?', (row['id'],)).fetchone()
                result['storage'] = {'count': count, 'first': first, 'last': last, 'size': size}
            elif key == 'tags':
                result['tags'] = sorted(set(t for (t,) in conn.execute(
                    'SELECT tag FROM tags WHERE rid=?', (row['rid'],)).fetchall()))
            elif key == 'tagged':
                result['tagged'] = sorted(set(r for (r,) in conn.execute(
                    'SELECT rid FROM tags WHERE tagger=?', (row['rid'],)).fetchall()))
            elif key == 'comments':
                result['comments'] = [[v, t] for v, t in conn.execute(
                    'SELECT visibility, text FROM comments WHERE rid=? ORDER BY id',
                    (row['rid'],)).fetchall()]
            elif key == 'counts':
                result['counts'] = self._usage_figures(row['rid'], [row['rid']])
            elif key == 'usage':
                result['usage'] = self._usage_figures(row['rid'], self._subtree(row['rid']))
        return result

    def _count(self, sql, *params):
        return self.store.conn.execute(sql, params).fetchone()[0]

    def _usage_figures(self, rid, owners):
        """Resources owned by ``owners`` by type, their disk bytes and consumables."""
        figures = dict((k, 0) for k in TYPES + ('disk', 'share') + CONSUMABLES)
        for start in range(0, len(owners), 500):
            chunk = owners[start:start + 500]
            marks = ','.join('?' * len(chunk))
            for rtype, count in self.store.conn.execute(
                    'SELECT type, COUNT(*) FROM resources WHERE owner IN (%s) GROUP BY type' % marks,
                    chunk).fetchall():
                figures[rtype] += count
            figures['disk'] += self._count(
                'SELECT COALESCE(SUM(LENGTH(value)), 0) FROM points WHERE res IN '
                '(SELECT id FROM resources WHERE owner IN (%s))' % marks, *chunk)
            figures['share'] += self._count(
                'SELECT COUNT(*) FROM shares WHERE sharer IN (%s)' % marks, *chunk)
            for method, count in self.store.conn.execute(
                    'SELECT d.method, COUNT(*) FROM dispatch_log d JOIN resources r ON r.rid = d.rid '
                    'WHERE r.owner IN (%s) GROUP BY d.method' % marks, chunk).fetchall():
                figures[method.split('_')[0]] += count
        return figures

    def proc_listing(self, caller, args):
        """listing [<ResourceID>, types, options] (or the deprecated [types] / [types, options]).

        Returns {type: [rid, ...]}, or a list of lists in the order of ``types`` when the
        options are left out (the deprecated form: [types] or [<ResourceID>, types]). Status 'error' for an unknown type, with a message
        naming it as the result.
        """
        if args and isinstance(args[0], list):
            types, options = self._args(args, 1, 2)
            client = self._client_ref(caller, {'alias': ''}, 'listing')
            deprecated = len(args) == 1
        else:
            ref, types, options = self._args(args, 2, 3)
            client = self._client_ref(caller, ref, 'listing')
            deprecated = len(args) == 2
        if not isinstance(types, list):
            raise ArgumentError('types must be a list')
        bad = [t for t in types if t not in TYPES]
        if bad:
            return Partial('error', 'unknown resource types: %s' % ', '.join(map(str, bad)))
        options = self._options(options)
        if not any(options.get(k) for k in ('owned', 'activated', 'aliased', 'public')):
            options = dict(options, owned=True)
        conn = self.store.conn
        found = []
        if options.get('owned'):
            found += conn.execute('SELECT rid FROM resources WHERE owner=? ORDER BY id',
                                  (client['rid'],)).fetchall()
        if options.get('activated'):
            found += conn.execute('SELECT rid FROM shares WHERE activator=? ORDER BY created',
                                  (client['rid'],)).fetchall()
        if options.get('aliased'):
            found += conn.execute('SELECT DISTINCT rid FROM aliases WHERE client=? ORDER BY alias',
                                  (client['rid'],)).fetchall()
        if options.get('public'):  # the text search is a prefilter: "public" may be nested
            found += [(rid,) for rid, desc in conn.execute(
                "SELECT rid, description FROM resources WHERE description LIKE '%\"public\":true%' "
                'ORDER BY id').fetchall() if json.loads(desc).get('public') is True]
        tagged = options.get('tagged')
        if tagged is not None:
            if not isinstance(tagged, list) or not all(isinstance(t, str) for t in tagged):
                raise ArgumentError('tagged must be a list of tags')
            marks = ','.join('?' * len(tagged)) or 'NULL'
            with_tags = set(r for (r,) in conn.execute(
                'SELECT rid FROM tags WHERE tag IN (%s)' % marks, tagged).fetchall())
            found = [f for f in found if f[0] in with_tags]
        by_type = dict((t, []) for t in types)
        seen = set()
        for (rid,) in found:
            row = self._row(rid)
            if rid in seen or row is None or row['type'] not in by_type:
                continue
            if row['type'] == 'client' and rid == client['rid']:
                continue
            seen.add(rid)
            by_type[row['type']].append(rid)
        if deprecated:
            return [by_type[t] for t in types]
        return by_type

    def proc_drop(self, caller, args):
        """drop [<ResourceID>]: delete the resource and its whole subtree.

        Returns None. Status 'restricted' for the caller itself or a resource out of reach.
        """
        ref, = self._args(args, 1)
        row = self._resolve(caller, ref, 'drop')
        if row['rid'] == caller.rid:
            raise CallError('restricted', 'a client cannot drop itself')
        self._drop(row['rid'])

    def proc_usage(self, caller, args):
        """usage [<ResourceID>, metric, starttime, endtime] of a client and its subtree.

        Returns a number: resource-seconds for an entity metric, a count for a consumable.
        An ``endtime`` of null means now (exoline's ``usage`` sends null when no end is
        given). Status 'invalid' for an unknown metric or a bad window.
        """
        ref, metric, start, end = self._args(args, 4)
        row = self._client_ref(caller, ref, 'usage')
        if end is None:
            end = self.now()
        if metric not in TYPES + ('share',) + CONSUMABLES:
            raise CallError('invalid', 'unknown metric')
        if not (is_number(start) and is_number(end)) or not -INT64 < start <= end < INT64:
            raise CallError('invalid', 'starttime and endtime are timestamps, start <= end')
        subtree = self._subtree(row['rid'])
        conn = self.store.conn
        total = 0
        for begin in range(0, len(subtree), 500):
            chunk = subtree[begin:begin + 500]
            marks = ','.join('?' * len(chunk))
            if metric in TYPES:
                now = self.now()
                for created, in conn.execute(
                        'SELECT created FROM resources WHERE type=? AND owner IN (%s)' % marks,
                        [metric] + chunk).fetchall():
                    total += max(0, min(end, now) - max(start, created))
            elif metric == 'share':
                total += self._count('SELECT COUNT(*) FROM shares WHERE created>=? AND created<=? '
                                     'AND sharer IN (%s)' % marks, start, end, *chunk)
            else:
                total += self._count(
                    'SELECT COUNT(*) FROM dispatch_log d JOIN resources r ON r.rid = d.rid WHERE '
                    "d.ts>=? AND d.ts<=? AND (d.method=? OR d.method LIKE 'http_%%' AND ?='http') "
                    'AND r.owner IN (%s)' % marks, start, end, metric, metric, *chunk)
        return int(total)

    # ---------------------------------------------------------------- aliases
    def proc_map(self, caller, args):
        """map ["alias", <ResourceID>, alias]: name a resource in the caller's alias space.

        Returns None. Status 'invalid' when the alias is empty or already used.
        """
        kind, ref, alias = self._args(args, 3)
        if kind != 'alias' or not isinstance(alias, str):
            raise ArgumentError('map takes ["alias", resource, alias string]')
        row = self._resolve(caller, ref, 'map', access='read')
        if alias == '' or self.store.conn.execute('SELECT 1 FROM aliases WHERE client=? AND alias=?',
                                                  (caller.rid, alias)).fetchall():
            raise CallError('invalid', 'alias already in use')
        self.store.conn.execute('INSERT INTO aliases (client, alias, rid) VALUES (?, ?, ?)',
                                (caller.rid, alias, row['rid']))

    def _client_and_rest(self, caller, args, kinds, procedure):
        """Split [<ClientID>, kind, value] or the deprecated [kind, value]."""
        if len(args) == 2:
            client, (kind, value) = self._client_ref(caller, {'alias': ''}, procedure), args
        else:
            ref, kind, value = self._args(args, 3)
            client = self._client_ref(caller, ref, procedure)
        if kind not in kinds:
            raise ArgumentError('%s takes one of %s' % (procedure, kinds))
        return client, kind, value

    def proc_unmap(self, caller, args):
        """unmap [<ClientID>, "alias", alias] (or the deprecated ["alias", alias]).

        Returns None, also for an alias that is not mapped (the platform answers 'ok').
        """
        client, _, alias = self._client_and_rest(caller, args, ('alias',), 'unmap')
        if not isinstance(alias, str):
            raise ArgumentError('an alias is a string')
        self.store.conn.execute('DELETE FROM aliases WHERE client=? AND alias=?',
                                (client['rid'], alias))

    def proc_lookup(self, caller, args):
        """lookup [<ClientID>, "alias" | "aliased" | "owner" | "shared", value] (or the
        deprecated form). "aliased" is the same as "alias" (the platform accepts it; exoline
        sends ``["aliased", ""]`` to learn the caller's own RID).

        Returns a RID. Status 'invalid' for an unknown alias or share code, 'restricted'
        for a client asking for its own owner.
        """
        client, kind, value = self._client_and_rest(
            caller, args, ('alias', 'aliased', 'owner', 'shared'), 'lookup')
        inner = Caller(client['rid'], caller.permissions)
        if kind in ('alias', 'aliased'):
            if not isinstance(value, str):
                raise ArgumentError('an alias is a string')
            return self._ref_rid(inner, {'alias': value})
        if kind == 'owner':
            row = self._resolve(inner, value, 'lookup')
            if row['rid'] == client['rid']:
                raise CallError('restricted', "a client may not look up its own owner")
            return row['owner']
        rid = self.resolve_sharecode(value) if isinstance(value, str) else None
        if rid is None:
            raise CallError('invalid', 'unknown share code')
        return rid

    # ---------------------------------------------------------------- shares and keys
    def proc_share(self, caller, args):
        """share [<ResourceID>, {meta, code}]: make a share code (or change the meta of
        ``code``; exoline's ``share --share=<code>`` names it ``share``, which works too).

        Returns the 40-hex-digit code. Status 'invalid' for an unknown ``code`` or a meta
        that is not a string.
        """
        ref, options = self._args(args, 1, 2)
        options = self._options(options)
        row = self._resolve(caller, ref, 'share')
        if 'share' in options and 'code' not in options:
            options = dict(options, code=options['share'])
        meta = options.get('meta', '')
        if not isinstance(meta, str):
            raise CallError('invalid', 'meta must be a string')
        conn = self.store.conn
        if 'code' in options:
            if not isinstance(options['code'], str):
                raise CallError('invalid', 'code must be a share code string')
            cursor = conn.execute('UPDATE shares SET meta=? WHERE code=? AND rid=?',
                                  (meta, options['code'], row['rid']))
            if not cursor.rowcount:
                raise CallError('invalid', 'unknown share code')
            return options['code']
        code = new_key()
        conn.execute('INSERT INTO shares (code, rid, sharer, meta, activator, created) '
                     'VALUES (?, ?, ?, ?, NULL, ?)', (code, row['rid'], caller.rid, meta, self.now()))
        return code

    def proc_revoke(self, caller, args):
        """revoke ["client" | "share", code]: a revoked CIK is replaced by a new one (to be
        activated if the old one was); a revoked share code is deleted.

        Returns None. Status 'invalid' for an unknown code, 'noauth' when the caller does
        not own what the code is for.
        """
        kind, code = self._args(args, 2)
        if kind not in ('client', 'share') or not isinstance(code, str):
            raise ArgumentError('revoke takes ["client" | "share", code]')
        self._check_permission(caller, 'revoke', caller.rid)
        conn = self.store.conn
        if kind == 'share':
            rows = conn.execute('SELECT rid FROM shares WHERE code=?', (code,)).fetchall()
            if not rows:
                raise CallError('invalid', 'unknown share code')
            if not self.is_below(caller.rid, rows[0][0]):
                raise CallError('noauth', 'not the owner of the shared resource')
            conn.execute('DELETE FROM shares WHERE code=?', (code,))
            return None
        rows = conn.execute("SELECT rid, status FROM resources WHERE cik=? AND type='client'",
                            (code,)).fetchall()
        if not rows:
            raise CallError('invalid', 'unknown CIK')
        rid, status = rows[0]
        if rid == caller.rid or not self.is_below(caller.rid, rid):
            raise CallError('noauth', 'not the owner of that client')
        conn.execute('UPDATE resources SET cik=?, status=? WHERE rid=?',
                     (new_key(), 'notactivated' if status == 'activated' else status, rid))

    def proc_activate(self, caller, args):
        """activate [<ClientID>, "client" | "share", code] (or the deprecated [kind, code]).

        Returns None. Status 'invalid' for an unknown code, a CIK that is not waiting for
        activation, or a share already activated (by anyone, or by this client for the same
        resource); 'noauth' for a CIK of a client the caller does not own.
        """
        client, kind, code = self._client_and_rest(caller, args, ('client', 'share'), 'activate')
        conn = self.store.conn
        if kind == 'client':
            rows = conn.execute("SELECT rid, status FROM resources WHERE cik=? AND type='client'",
                                (code,)).fetchall() if isinstance(code, str) else []
            if not rows or rows[0][1] != 'notactivated':
                raise CallError('invalid', 'unknown, activated or expired CIK')
            if rows[0][0] == client['rid'] or not self.is_below(client['rid'], rows[0][0]):
                raise CallError('noauth', 'not the owner of that client')
            conn.execute("UPDATE resources SET status='activated' WHERE rid=?", (rows[0][0],))
            return None
        rows = conn.execute('SELECT rid, activator FROM shares WHERE code=?',
                            (code,)).fetchall() if isinstance(code, str) else []
        if not rows or rows[0][1] is not None:
            raise CallError('invalid', 'unknown or already activated share code')
        if conn.execute('SELECT 1 FROM shares WHERE rid=? AND activator=?',
                        (rows[0][0], client['rid'])).fetchall():
            raise CallError('invalid', 'a share of that resource is already activated')
        conn.execute('UPDATE shares SET activator=? WHERE code=?', (client['rid'], code))

    def proc_deactivate(self, caller, args):
        """deactivate [<ClientID>, "client" | "share", code] (or the deprecated [kind, code]):
        a CIK expires; a share activation (by code or shared RID) is withdrawn.

        Returns None. Status 'invalid' for an unknown code, 'noauth' for a CIK of a client
        the caller does not own.
        """
        client, kind, code = self._client_and_rest(caller, args, ('client', 'share'), 'deactivate')
        conn = self.store.conn
        if kind == 'client':
            rows = conn.execute("SELECT rid FROM resources WHERE cik=? AND type='client'",
                                (code,)).fetchall() if isinstance(code, str) else []
            if not rows:
                raise CallError('invalid', 'unknown CIK')
            if rows[0][0] == client['rid'] or not self.is_below(client['rid'], rows[0][0]):
                raise CallError('noauth', 'not the owner of that client')
            conn.execute("UPDATE resources SET status='expired' WHERE rid=?", (rows[0][0],))
            return None
        if not isinstance(code, str):
            raise ArgumentError('a share code or RID is a string')
        cursor = conn.execute('UPDATE shares SET activator=NULL WHERE activator=? AND (code=? OR rid=?)',
                              (client['rid'], code, code))
        if not cursor.rowcount:
            raise CallError('invalid', 'no such activated share')

    def proc_grant(self, caller, args):
        """grant [<ResourceID>, {rid: [procedure, ...]}, {"ttl": seconds}]: make a token that
        acts as the given client (the owner, for another resource type), only for the
        listed procedures on the listed resources, until ``ttl`` seconds pass (forever
        without it).

        A token calling grant gives at most what it holds: every listed procedure on every
        listed resource must be one it may run there, and the new token expires no later
        than the calling token (without a ``ttl`` it expires with it).

        Returns the 40-hex-digit token. Status 'restricted' for a resource outside that
        client's subtree, or beyond what a calling token holds; 'invalid' for a ttl that
        is not a positive number.
        """
        ref, permissions, options = self._args(args, 2, 3)
        options = self._options(options)
        row = self._resolve(caller, ref, 'grant')
        client = row['rid'] if row['type'] == 'client' else row['owner']
        if not isinstance(permissions, dict) or not all(
                isinstance(v, list) and all(isinstance(p, str) for p in v)
                for v in permissions.values()):
            raise ArgumentError('permissions map a resource ID to a list of procedure names')
        granted = {}
        for rid, procedures in permissions.items():
            target = self._resolve(caller, rid, 'grant')
            if not self.is_below(client, target['rid']):
                raise CallError('restricted', 'a token can only reach the subtree of its client')
            granted[target['rid']] = sorted(set(procedures))
        ttl = options.get('ttl')
        if ttl is not None and (not is_number(ttl) or not 0 < ttl < INT64):
            raise CallError('invalid', 'ttl must be a positive number of seconds')
        expires = None if ttl is None else self.clock() + ttl
        if caller.permissions is not None:  # a token gives at most what it holds
            for rid, procedures in granted.items():
                for procedure in procedures:
                    self._check_permission(caller, procedure, rid)
            if caller.expires is not None and expires is None:
                expires = caller.expires
            elif caller.expires is not None and expires > caller.expires:
                raise CallError('restricted', 'a token cannot outlive the token granting it')
        token = new_key()
        self.store.conn.execute('INSERT INTO tokens (token, client, permissions, expires) VALUES (?, ?, ?, ?)',
                                (token, client, _dumps(granted), expires))
        return token

    def proc_tag(self, caller, args):
        """tag [<ResourceID>, "add" | "remove", tag]: tags show in info and filter listing.

        Returns None. Status 'restricted' for a resource out of reach.
        """
        ref, action, tag = self._args(args, 3)
        if action not in ('add', 'remove') or not isinstance(tag, str):
            raise ArgumentError('tag takes [resource, "add" | "remove", tag string]')
        row = self._resolve(caller, ref, 'tag', access='read')
        if action == 'add':
            self.store.conn.execute('INSERT OR IGNORE INTO tags (rid, tag, tagger) VALUES (?, ?, ?)',
                                    (row['rid'], tag, caller.rid))
        else:
            self.store.conn.execute('DELETE FROM tags WHERE rid=? AND tag=? AND tagger=?',
                                    (row['rid'], tag, caller.rid))

    def proc_comment(self, caller, args):
        """comment [<ResourceID>, "public" | "private", text] (deprecated but accepted); shown
        by info's ``comments``.

        Returns None. Status 'restricted' for a resource out of reach.
        """
        ref, visibility, text = self._args(args, 3)
        if visibility not in ('public', 'private') or not isinstance(text, str):
            raise ArgumentError('comment takes [resource, "public" | "private", text]')
        row = self._resolve(caller, ref, 'comment', access='read')
        self.store.conn.execute('INSERT INTO comments (rid, author, visibility, text, created) '
                                'VALUES (?, ?, ?, ?, ?)', (row['rid'], caller.rid, visibility, text,
                                                          self.now()))


class Partial(object):
    """A procedure outcome whose status is not 'ok': ``status`` (a string, or recordbatch's
    list of bad entries) and the ``result`` to send with it (None for none)."""

    def __init__(self, status, result=None):
        self.status = status
        self.result = result
