"""The :class:`Platform` facade: one object holding the platform's concepts (the resource
tree, access rules, time series and data flow) over one store, running procedures in
transactions, and offering the operations the fleet, Portals, device and control code use.
"""
import time

from pyonep.emulator.platform.access import Access
from pyonep.emulator.platform.calls import (
    ArgumentError, CallError, Caller, Partial, UnknownProcedure)
from pyonep.emulator.platform.constants import CLIENT_STATUSES, SCHEMA, new_key
from pyonep.emulator.platform.descriptions import client_desc, inherit_all
from pyonep.emulator.platform.flow import Flow
from pyonep.emulator.platform.procedures import OUTSIDE_TRANSACTION, PROCEDURES
from pyonep.emulator.platform.procedures.info import info as info_procedure
from pyonep.emulator.platform.series import Series
from pyonep.emulator.platform.tree import Tree


class Platform(object):
    """The emulated One Platform, stored in ``store``.

    Arguments: ``store`` (a :class:`~pyonep.emulator.store.Store`), ``clock`` (a callable
    returning Unix time in seconds as a float; ``time.time`` by default; tests pass a clock
    they can advance) and ``root_cik`` (the CIK the root client gets when the store is new;
    generated when None; ignored when the store already has a root).

    Attributes: ``store``, ``clock``, ``root_rid``, ``root_cik``, and the concepts
    ``tree`` (:class:`~pyonep.emulator.platform.tree.Tree`), ``access``
    (:class:`~pyonep.emulator.platform.access.Access`), ``series``
    (:class:`~pyonep.emulator.platform.series.Series`) and ``flow``
    (:class:`~pyonep.emulator.platform.flow.Flow`).
    """

    def __init__(self, store, clock=None, root_cik=None):
        self.store = store
        self.clock = clock or time.time
        store.ensure_schema(SCHEMA)
        self.tree = Tree(store, self.clock)
        self.access = Access(self.tree)
        self.series = Series(store, self.clock)
        self.flow = Flow(self.tree, self.series)
        self.tree.on_new_datarule = self.flow.arm_rule
        with store.transaction():
            root = store.get_meta('root_rid')
            if root is None:
                root, _ = self.tree.insert(None, 'client', client_desc(dict(
                    inherit_all(), name='root')), cik=root_cik)
                store.set_meta('root_rid', root)
            self.root_rid = root

    @property
    def root_cik(self):
        """The CIK of the root client (the top of the resource tree)."""
        return self.tree.row(self.root_rid)['cik']

    def now(self):
        """Return the platform's current time as whole Unix seconds."""
        return int(self.clock())

    # ------------------------------------------------------------ calls
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

    def authenticate(self, auth):
        """Return the :class:`Caller` that ``auth`` authenticates as; raises
        :class:`AuthError` otherwise (see :meth:`Access.authenticate
        <pyonep.emulator.platform.access.Access.authenticate>`)."""
        return self.access.authenticate(auth)

    def run(self, caller, procedure, arguments):
        """Run ``procedure`` with ``arguments`` (a list) as ``caller`` (a :class:`Caller`).

        Returns ``(status, result)`` like :meth:`call`. Raises :class:`ArgumentError` and
        :class:`UnknownProcedure` for malformed calls, :class:`AuthError` when the caller's
        client is gone or not activated.
        """
        function = PROCEDURES.get(procedure) if isinstance(procedure, str) else None
        if function is None:
            raise UnknownProcedure(procedure)
        if not isinstance(arguments, list):
            raise ArgumentError('arguments must be a list')
        if procedure in OUTSIDE_TRANSACTION:
            return self._outcome(function(self, caller, arguments))
        changes = self.store.conn.total_changes
        try:
            with self.store.transaction():
                self.flow.fire_due_timers()
                self.access.check_caller(caller)
                result = function(self, caller, arguments)
        except CallError as exc:
            return exc.status, None
        finally:
            if self.store.conn.total_changes != changes:  # wake waiters only for new writes
                self.flow.notify()
        return self._outcome(result)

    @staticmethod
    def _outcome(result):
        if isinstance(result, Partial):
            return result.status, result.result
        return 'ok', result

    # ------------------------------------------------------------ resources
    def rid_for_cik(self, cik):
        """Return the RID of the client whose CIK is ``cik`` if it currently authenticates
        (the client exists and its status is 'activated'), else None."""
        return self.tree.rid_for_cik(cik)

    def create_client(self, owner_rid, desc=None):
        """Create a client owned by ``owner_rid`` and return ``(rid, cik)``.

        ``desc`` is a client description as for the ``create`` procedure; its defaults are
        filled in, with every limit ``"inherit"`` when ``desc`` is None. The new client's
        status is 'activated'. Raises :class:`CallError` ('invalid') for an unknown owner or
        a bad description.
        """
        with self.store.transaction():
            owner = self.tree.row(owner_rid)
            if owner is None or owner['type'] != 'client':
                raise CallError('invalid', 'owner is not a client')
            return self.tree.insert(owner_rid, 'client', client_desc(
                inherit_all() if desc is None else desc))

    def create_top_client(self, desc=None):
        """Create a client that has no owner and return ``(rid, cik)``.

        It tops a tree of its own beside the root's, out of reach of the root CIK (the
        Portals domain keeps its users, portals and devices under one). ``desc`` is as for
        :meth:`create_client`. Raises :class:`CallError` ('invalid') for a bad description.
        """
        with self.store.transaction():
            return self.tree.insert(None, 'client', client_desc(
                inherit_all() if desc is None else desc))

    def info(self, rid, options):
        """Return the ``info`` result of resource ``rid`` as its owner sees it (the key of
        a client included), whatever the status of the owner: for the parts of the emulator
        that act as the platform itself rather than as a client.

        ``options`` is the info options object (``{}``: everything). Raises
        :class:`CallError` ('invalid') for an unknown resource, one without an owner, or
        an unknown option.
        """
        with self.store.transaction():
            row = self.tree.row(rid)
            if row is None or row['owner'] is None:
                raise CallError('invalid', 'no such resource')
            return info_procedure(self, Caller(row['owner']), [rid, options])

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
            return self.tree.clone(template_rid, owner_rid, aliases, comments, historical, desc)

    def regenerate_cik(self, rid):
        """Give client ``rid`` a new CIK (the old one stops working) and return it.

        The status is left unchanged. Raises :class:`CallError` ('invalid') when ``rid``
        is not a client.
        """
        with self.store.transaction():
            row = self.tree.row(rid)
            if row is None or row['type'] != 'client':
                raise CallError('invalid', 'not a client')
            cik = new_key()
            self.tree.set_cik(rid, cik, row['status'])
            return cik

    def drop(self, rid):
        """Delete resource ``rid`` with its whole subtree, aliases, data, shares and tokens.

        Raises :class:`CallError` ('invalid') for an unknown resource or the root.
        """
        with self.store.transaction():
            if self.tree.row(rid) is None or rid == self.root_rid:
                raise CallError('invalid', 'no such resource')
            self.tree.drop(rid)

    def set_client_status(self, rid, status):
        """Set the status of client ``rid``: 'activated', 'notactivated' or 'expired'.

        Only an 'activated' client's CIK authenticates. Raises :class:`CallError`
        ('invalid') for an unknown client or status.
        """
        if status not in CLIENT_STATUSES:
            raise CallError('invalid', 'unknown status %r' % (status,))
        with self.store.transaction():
            row = self.tree.row(rid)
            if row is None or row['type'] != 'client':
                raise CallError('invalid', 'not a client')
            self.tree.set_status(rid, status)

    def client_status(self, rid):
        """Return the status of client ``rid`` ('activated', 'notactivated' or 'expired'),
        or None when there is no such client."""
        row = self.tree.row(rid)
        return row['status'] if row and row['type'] == 'client' else None

    def is_below(self, ancestor_rid, rid):
        """Tell whether resource ``rid`` is ``ancestor_rid`` itself or in its subtree.

        Arguments: ``ancestor_rid`` and ``rid``, resource IDs (None is allowed and matches
        nothing). Returns True or False; an unknown (or dropped) ``rid`` is below nothing.
        Only the ownership tree counts: the statuses and locks of the clients do not.
        Raises nothing of its own.
        """
        return self.tree.is_below(ancestor_rid, rid)

    def resolve_sharecode(self, code):
        """Return the RID a share code was made for, or None for an unknown code."""
        found = self.access.share_row(code)
        return found[0] if found else None

    def dispatch_log(self, rid):
        """Return what dispatch ``rid`` would have sent, oldest first.

        Each entry is a dict with ``timestamp``, ``method``, ``recipient``, ``subject``,
        ``message`` and ``status`` ('undelivered' when the dispatch is locked, else
        'emulated'). Nothing is ever really sent.
        """
        return self.flow.dispatch_log(rid)

    # ------------------------------------------------------------ timers and waiting
    def tick(self):
        """Fire every datarule timer whose deadline the clock has passed."""
        with self.store.transaction():
            changed = self.flow.fire_due_timers()
        if changed:
            self.flow.notify()

    def next_deadline(self):
        """Return the earliest armed datarule timer deadline (Unix seconds), or None."""
        return self.flow.next_deadline()

    def close(self):
        """Wake every ``wait`` call so it answers at once (used when the server stops)."""
        self.flow.close()
