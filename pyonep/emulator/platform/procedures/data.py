"""The time-series procedures: read, write, writegroup, record, recordbatch, flush, wait.

Each takes ``(platform, caller, args)`` and runs inside the call's transaction (``wait``
excepted); see :mod:`pyonep.emulator.platform.procedures`.
"""
import time

from pyonep.emulator.platform.calls import (
    ArgumentError, CallError, Partial, arguments, options_of)
from pyonep.emulator.platform.constants import INT64, MAX_WAIT_MS, is_finite, is_number


def read(platform, caller, args):
    """read [<ResourceID>, {starttime, endtime, sort, limit, selection}].

    Returns the list of [timestamp, value] points. Status 'invalid' for a client, an
    unknown resource or bad option values; 'restricted' when out of reach.
    """
    ref, options = arguments(args, 1, 2)
    options = options_of(options)
    row = platform.access.resolve(caller, ref, 'read', access='read')
    if row['type'] == 'client':
        raise CallError('invalid', 'a client holds no data')
    start = options.get('starttime', 0)
    end = options.get('endtime', platform.now())
    limit = options.get('limit', 1)
    sort = options.get('sort', 'desc')
    selection = options.get('selection', 'all')
    for value in (start, end, limit):
        if not is_number(value) or not -INT64 < value < INT64:
            raise CallError('invalid', 'starttime, endtime and limit are numbers')
    if sort not in ('asc', 'desc') or selection not in ('all', 'givenwindow', 'autowindow'):
        raise CallError('invalid', 'bad sort or selection')
    return platform.series.read(row['id'], int(start), int(end), sort, int(limit), selection)


def write(platform, caller, args):
    """write [<ResourceID>, value, {options}]: store ``value`` at the current second.

    Returns None. Status 'invalid' when the value does not fit the format (or the
    resource is a client); 'restricted' when out of reach.
    """
    ref, value, options = arguments(args, 2, 3)
    options_of(options)
    row = platform.access.resolve(caller, ref, 'write')
    platform.flow.receive(row, value, platform.now())


def writegroup(platform, caller, args):
    """writegroup [[[<ResourceID>, value], ...]]: every value at one timestamp.

    Returns None. One bad entry fails the whole call (status 'invalid' or 'restricted')
    and nothing is written.
    """
    entries, = arguments(args, 1)
    if not isinstance(entries, list) or not all(
            isinstance(e, list) and len(e) == 2 for e in entries):
        raise ArgumentError('writegroup takes a list of [resource, value] pairs')
    now = platform.now()
    for ref, value in entries:
        platform.flow.receive(platform.access.resolve(caller, ref, 'writegroup'), value, now)


def _entries(entries):
    if not isinstance(entries, list) or not all(
            isinstance(e, list) and len(e) == 2 for e in entries):
        raise ArgumentError('entries are a list of [timestamp, value] pairs')
    return entries


def record(platform, caller, args):
    """record [<ResourceID>, [[timestamp, value], ...], {}]; negative timestamps count back
    from now.

    Returns None. All or nothing: one bad entry gives status 'invalid' and writes nothing.
    """
    ref, entries, options = arguments(args, 2, 3)
    options_of(options)
    row = platform.access.resolve(caller, ref, 'record')
    for ts, value in _entries(entries):
        platform.flow.receive(row, value, platform.series.timestamp(ts))


def recordbatch(platform, caller, args):
    """recordbatch [<ResourceID>, [[timestamp, value], ...]]; bad entries are reported
    as the status [[timestamp, 'invalid'], ...] (the timestamp as sent when it is a
    finite number or a string, else null) and the good ones are still stored."""
    ref, entries = arguments(args, 2)
    row = platform.access.resolve(caller, ref, 'recordbatch')
    bad = []
    for ts, value in _entries(entries):
        try:
            with platform.store.transaction():
                platform.flow.receive(row, value, platform.series.timestamp(ts))
        except CallError:
            bad.append([ts if is_finite(ts) or isinstance(ts, str) else None, 'invalid'])
    if bad:
        return Partial(bad)


def flush(platform, caller, args):
    """flush [<ResourceID>, {newerthan, olderthan}]: delete points (all without options).

    Returns None. Status 'invalid' for a bound that is not a timestamp, 'restricted'
    for a resource the caller does not own.
    """
    ref, options = arguments(args, 1, 2)
    options = options_of(options)
    row = platform.access.resolve(caller, ref, 'flush')
    bounds = {}
    for key in ('newerthan', 'olderthan'):
        if key in options:
            value = options[key]
            if not is_number(value) or not -INT64 < value < INT64:
                raise CallError('invalid', '%s must be a timestamp' % key)
            bounds[key] = value
    platform.series.flush(row['id'], **bounds)


def wait(platform, caller, args):
    """wait [<ResourceID>, {timeout (ms), since}]: runs outside the store transaction.

    Returns ('ok', [timestamp, value]) for the first point after ``since`` (or after the
    call arrived), ('expire', None) when ``timeout`` milliseconds pass first (at most
    300 seconds), or ('error', message) for a timeout or since that is not a number within
    64 bits.
    """
    ref, options = arguments(args, 1, 2)
    options = options_of(options)
    timeout = options.get('timeout', 30000)
    since = options.get('since')
    if not (is_number(timeout) and 0 <= timeout < INT64) or not (
            since is None or (is_number(since) and -INT64 < since < INT64)):
        return Partial('error', 'timeout and since must be numbers within 64 bits')
    store, flow = platform.store, platform.flow
    try:
        with store.transaction():
            flow.fire_due_timers()
            platform.access.check_caller(caller)
            row = platform.access.resolve(caller, ref, 'wait', access='read')
            baseline = platform.series.newest_id(row['id'])
    except CallError as exc:
        return Partial(exc.status)
    if since is not None:
        query = ('SELECT ts, value FROM points WHERE res=? AND ts>? ORDER BY ts, id LIMIT 1',
                 (row['id'], int(since)))
    else:
        query = ('SELECT ts, value FROM points WHERE res=? AND id>? ORDER BY id LIMIT 1',
                 (row['id'], baseline))
    deadline = time.monotonic() + min(timeout, MAX_WAIT_MS) / 1000.0
    while True:
        generation = flow.generation()
        found = store.execute(*query)
        if found:
            return list(found[0])
        remaining = deadline - time.monotonic()
        if remaining <= 0 or flow.closed:
            return Partial('expire')
        flow.wait_for_change(generation, min(remaining, 1.0))
        platform.tick()
