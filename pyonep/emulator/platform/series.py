"""Time series: value formats and conversions, timestamps, storing points under retention,
and the read selections (``all``, ``givenwindow``, ``autowindow``). No HTTP.

Points live in table ``points`` under the internal id of their resource (``res``), with
whole-second timestamps; points sharing a second keep their arrival order (``id``).
"""
import math
import re

from pyonep.emulator.platform.calls import CallError
from pyonep.emulator.platform.constants import INT64, MAX_STRING, MAX_WINDOW_PROBES, is_number


def convert(fmt, value):
    """Return ``value`` as stored by a resource of format ``fmt`` or raise CallError('invalid').

    ``integer`` takes integers, integral floats and strings holding an integer (within 64
    bits); ``float`` takes finite numbers and numeric strings; ``string`` takes strings (at
    most 64 KiB) and numbers (stored as their text). Booleans, null, lists and objects are
    invalid for every format.
    """
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


class Series(object):
    """The points of every resource in ``store``, with ``clock`` for "now"."""

    def __init__(self, store, clock):
        self.store = store
        self.clock = clock

    def timestamp(self, value):
        """Return a record timestamp as whole seconds (a negative one counts back from now);
        CallError('invalid') for anything but a number within range."""
        if not is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
            raise CallError('invalid', 'timestamp must be a number')
        value = int(value)
        if value < 0:
            value = int(self.clock()) + value
        if not 0 <= value < 2 ** 53:
            raise CallError('invalid', 'timestamp out of range')
        return value

    def latest(self, res):
        """Return the newest ``[ts, value]`` of resource id ``res``, or None."""
        rows = self.store.conn.execute(
            'SELECT ts, value FROM points WHERE res=? ORDER BY ts DESC, id DESC LIMIT 1',
            (res,)).fetchall()
        return list(rows[0]) if rows else None

    def newest_id(self, res):
        """Return the internal id of the newest point of ``res`` (0 for none)."""
        return self.store.conn.execute('SELECT COALESCE(MAX(id), 0) FROM points WHERE res=?',
                                       (res,)).fetchone()[0]

    def store_point(self, row, ts, value):
        """Store ``value`` at ``ts`` for resource ``row`` under its retention and return True,
        or False when its retention keeps nothing (a count of 0)."""
        conn = self.store.conn
        retention = row['description'].get('retention', {})
        count = retention.get('count', 'infinity')
        if count == 0:
            return False
        conn.execute('INSERT INTO points (res, ts, value) VALUES (?, ?, ?)', (row['id'], ts, value))
        if count != 'infinity':
            conn.execute('DELETE FROM points WHERE res=? AND id IN (SELECT id FROM points WHERE res=? '
                         'ORDER BY ts DESC, id DESC LIMIT -1 OFFSET ?)', (row['id'], row['id'], int(count)))
        duration = retention.get('duration', 'infinity')
        if duration != 'infinity':
            conn.execute('DELETE FROM points WHERE res=? AND ts < ?',
                         (row['id'], self.clock() - duration * 3600))
        return True

    def flush(self, res, newerthan=None, olderthan=None):
        """Delete the points of ``res`` (only those newer and/or older than the bounds given)."""
        sql, params = 'DELETE FROM points WHERE res=?', [res]
        if newerthan is not None:
            sql += ' AND ts > ?'
            params.append(newerthan)
        if olderthan is not None:
            sql += ' AND ts < ?'
            params.append(olderthan)
        self.store.conn.execute(sql, params)

    def storage(self, res):
        """Return info's ``storage`` figures of ``res``: count, first, last and size."""
        count, first, last, size = self.store.conn.execute(
            'SELECT COUNT(*), COALESCE(MIN(ts), 0), COALESCE(MAX(ts), 0), '
            'COALESCE(SUM(LENGTH(value)), 0) FROM points WHERE res=?', (res,)).fetchone()
        return {'count': count, 'first': first, 'last': last, 'size': size}

    def read(self, res, start, end, sort, limit, selection='all'):
        """Return the [timestamp, value] points of the resource whose internal id is ``res``
        in ``start``..``end`` (inclusive), ``sort`` 'asc' or 'desc', at most ``limit``.

        ``selection`` 'givenwindow' cuts start..end into ``limit`` equal windows, each giving
        its earliest point; 'autowindow' picks ``limit`` points spread evenly over the range.
        """
        conn = self.store.conn
        order = 'ASC' if sort == 'asc' else 'DESC'
        limit = max(limit, 0)
        if selection == 'all' or limit == 0:
            rows = conn.execute('SELECT ts, value FROM points WHERE res=? AND ts>=? AND ts<=? '
                                'ORDER BY ts %s, id %s LIMIT ?' % (order, order),
                                (res, start, end, limit)).fetchall()
            return [list(r) for r in rows]
        if selection == 'givenwindow':
            # each window gives its earliest point, whatever the sort (the platform's answer,
            # seen by exoline's read_selection test)
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
        query in :meth:`read` gives, without reading every point of the range): window
        ``n`` holds the timestamps ``ts`` with ``(ts - start) * limit // width == n``."""
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
