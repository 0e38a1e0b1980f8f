"""The procedures that report on resources: info and usage, with the figures they share.

Each takes ``(platform, caller, args)`` and runs inside the call's transaction; see
:mod:`pyonep.emulator.platform.procedures`.
"""
from pyonep.emulator.platform.calls import CallError, arguments, options_of
from pyonep.emulator.platform.constants import (
    CONSUMABLES, INFO_OPTIONS, INT64, TYPES, chunks, is_number)


def _count(conn, sql, *params):
    return conn.execute(sql, params).fetchone()[0]


def info(platform, caller, args):
    """info [<ResourceID>, {option: true, ...}] ({} means every option available to the
    caller).

    Returns an object with one entry per option. An option the caller may not see is
    left out of the result, even when asked for explicitly (``key`` is for the direct
    owner of a client; ``aliases``, ``shares``, ``tagged`` for the owner and the resource
    itself). Status 'invalid' for an unknown option.
    """
    ref, options = arguments(args, 1, 2)
    options = options_of(options)
    for key in options:
        if key not in INFO_OPTIONS:
            raise CallError('invalid', 'unknown info option %r' % key)
    row = platform.access.resolve(caller, ref, 'info', access='read')
    everything = not options
    wanted = [k for k in INFO_OPTIONS if everything or options.get(k)]
    is_client = row['type'] == 'client'
    owner_or_self = caller.rid in (row['rid'], row['owner'])
    allowed = {'aliases': owner_or_self, 'tagged': owner_or_self, 'shares': owner_or_self,
               'key': is_client and caller.rid == row['owner'],
               'counts': is_client, 'usage': is_client, 'storage': not is_client}
    conn = platform.store.conn
    result = {}
    for key in wanted:
        if not allowed.get(key, True):
            continue  # left out, as the platform does, even when asked for explicitly
        if key == 'basic':
            result['basic'] = _basic(conn, row)
        elif key == 'description':
            result['description'] = row['description']
        elif key == 'key':
            result['key'] = row['cik']
        elif key == 'aliases':
            result['aliases'] = platform.tree.aliases_of(row['rid']) if is_client else {}
        elif key == 'shares':
            result['shares'] = [{'activator': a, 'code': c, 'meta': m} for c, m, a in conn.execute(
                'SELECT code, meta, activator FROM shares WHERE rid=? ORDER BY created, code',
                (row['rid'],)).fetchall()]
        elif key == 'subscribers':
            result['subscribers'] = [[t, r] for r, t in platform.tree.subscribers(row['rid'])]
        elif key == 'storage':
            result['storage'] = platform.series.storage(row['id'])
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
            result['counts'] = _figures(conn, [row['rid']])
        elif key == 'usage':
            result['usage'] = _figures(conn, platform.tree.subtree(row['rid']))
    return result


def _basic(conn, row):
    basic = {'created': row['created'], 'modified': row['modified'], 'type': row['type'],
             'subscribers': _count(conn, 'SELECT COUNT(*) FROM resources WHERE subscribe=?',
                                   row['rid'])}
    status = basic_status(row['type'], row['status'], row['description'])
    if status is not None:
        basic['status'] = status
    if status == 'running':
        # exoline's diff knows basic.activity: a script runs from its last upload on
        basic['activity'] = [[row['modified'], ['running']]]
    return basic


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


def _figures(conn, owners):
    """Resources owned by ``owners`` by type, their disk bytes and consumables."""
    figures = dict((k, 0) for k in TYPES + ('disk', 'share') + CONSUMABLES)
    for chunk, marks in chunks(owners):
        for rtype, count in conn.execute(
                'SELECT type, COUNT(*) FROM resources WHERE owner IN (%s) GROUP BY type' % marks,
                chunk).fetchall():
            figures[rtype] += count
        figures['disk'] += _count(
            conn, 'SELECT COALESCE(SUM(LENGTH(value)), 0) FROM points WHERE res IN '
            '(SELECT id FROM resources WHERE owner IN (%s))' % marks, *chunk)
        figures['share'] += _count(
            conn, 'SELECT COUNT(*) FROM shares WHERE sharer IN (%s)' % marks, *chunk)
        for method, count in conn.execute(
                'SELECT d.method, COUNT(*) FROM dispatch_log d JOIN resources r ON r.rid = d.rid '
                'WHERE r.owner IN (%s) GROUP BY d.method' % marks, chunk).fetchall():
            figures[method.split('_')[0]] += count
    return figures


def usage(platform, caller, args):
    """usage [<ResourceID>, metric, starttime, endtime] of a client and its subtree.

    Returns a number: resource-seconds for an entity metric, a count for a consumable.
    An ``endtime`` of null means now (exoline's ``usage`` sends null when no end is
    given). Status 'invalid' for an unknown metric or a bad window.
    """
    ref, metric, start, end = arguments(args, 4)
    row = platform.access.resolve_client(caller, ref, 'usage')
    if end is None:
        end = platform.now()
    if metric not in TYPES + ('share',) + CONSUMABLES:
        raise CallError('invalid', 'unknown metric')
    if not (is_number(start) and is_number(end)) or not -INT64 < start <= end < INT64:
        raise CallError('invalid', 'starttime and endtime are timestamps, start <= end')
    conn = platform.store.conn
    total = 0
    for chunk, marks in chunks(platform.tree.subtree(row['rid'])):
        if metric in TYPES:
            now = platform.now()
            for created, in conn.execute(
                    'SELECT created FROM resources WHERE type=? AND owner IN (%s)' % marks,
                    [metric] + chunk).fetchall():
                total += max(0, min(end, now) - max(start, created))
        elif metric == 'share':
            total += _count(conn, 'SELECT COUNT(*) FROM shares WHERE created>=? AND created<=? '
                            'AND sharer IN (%s)' % marks, start, end, *chunk)
        else:
            total += _count(
                conn, 'SELECT COUNT(*) FROM dispatch_log d JOIN resources r ON r.rid = d.rid WHERE '
                "d.ts>=? AND d.ts<=? AND (d.method=? OR d.method LIKE 'http_%%' AND ?='http') "
                'AND r.owner IN (%s)' % marks, start, end, metric, metric, *chunk)
    return int(total)
