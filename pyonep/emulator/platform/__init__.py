"""The emulated One Platform: its rules, with no HTTP in them.

The package is split by concept; each module holds the rules of one:

- ``constants.py``: types, formats, limits, the sqlite schema, value helpers;
- ``calls.py``: :class:`Caller`, the errors, :class:`Partial`, argument checks;
- ``descriptions.py``: resource descriptions, their defaults and checks;
- ``tree.py``: resources, ownership, CIKs and statuses, aliases, copy, move and drop;
- ``access.py``: the auth forms, reach checks, shares, CIK activation, tokens;
- ``series.py``: formats and conversions, retention, points and read selections;
- ``flow.py`` and ``datarules.py``: preprocessing, subscriptions, datarules and their
  timers, dispatch records, and waking ``wait`` calls;
- ``procedures/``: the 24 JSON-RPC procedures, thin functions over the above;
- ``core.py``: :class:`Platform`, which holds the concepts over one store and runs
  procedures in transactions.

Failures are exceptions: :class:`AuthError` (credentials that do not authenticate, the RPC
401 error object), :class:`ArgumentError` (arguments of the wrong shape, the RPC 501
"arguments" error), :class:`UnknownProcedure` (the RPC 501 "procedure" error) and
:class:`CallError` (a per-call status such as ``invalid``, ``restricted`` or ``noauth``).

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
from pyonep.emulator.platform.calls import (  # noqa: F401 - the package's interface
    ArgumentError, AuthError, CallError, Caller, Partial, PlatformError, UnknownProcedure)
from pyonep.emulator.platform.constants import (  # noqa: F401
    CLIENT_STATUSES, FORMATS, LIMIT_KEYS, MAX_TIMER_CATCHUP, MIN_TIMER_PERIOD, TYPES,
    is_finite, is_number, new_key)
from pyonep.emulator.platform.core import Platform  # noqa: F401

__all__ = ['ArgumentError', 'AuthError', 'CallError', 'Caller', 'Partial', 'Platform',
           'PlatformError', 'UnknownProcedure', 'CLIENT_STATUSES', 'FORMATS', 'LIMIT_KEYS',
           'MAX_TIMER_CATCHUP', 'MIN_TIMER_PERIOD', 'TYPES', 'is_finite', 'is_number', 'new_key']
