"""What the inspector shows of the platform: the resource tree, data, data flow and calls.

This module only reads (no HTTP here: ``inspector_api.py`` serves the answers as JSON,
``inspector_fleet.py`` gathers the fleet and Portals views). Every answer is plain dicts
and lists, small whatever the size of the store: lists come in pages, a chart is at most
:data:`MAX_CHART` points (read's ``givenwindow`` selection downsamples a longer series).

Secrets (CIKs, tokens, the startup passwords) are left out (``None``) unless the caller
passes ``reveal=True``.

Errors are :class:`InspectorError` with the HTTP status to answer (400 for arguments of
the wrong shape, 404 for something that does not exist).
"""
import json

from pyonep.emulator.platform.constants import ANCESTORS_SQL, RID_PATTERN, TYPES
from pyonep.emulator.platform.procedures.info import basic_status

DEFAULT_PAGE, MAX_PAGE = 100, 500
DEFAULT_CHART, MAX_CHART = 600, 2000
DEFAULT_TABLE, MAX_TABLE = 100, 1000
#: The chart and table windows, in seconds back from now (``all``: the whole series).
WINDOWS = {'1m': 60, '10m': 600, '1h': 3600, '6h': 6 * 3600, '1d': 86400, '7d': 7 * 86400,
           '30d': 30 * 86400, 'all': None}
SECRET_KEYS = ('root_cik', 'vendor_token', 'portals_password', 'portal_cik',
               'portals_vendor_token')
DATA_TYPES = ('dataport', 'datarule', 'dispatch')
RESOURCE_COLUMNS = 'id, rid, type, owner, cik, status, description, created, modified, subscribe'
RESOURCE_KEYS = tuple(RESOURCE_COLUMNS.split(', '))


class InspectorError(Exception):
    """A request the inspector cannot answer: ``status`` (400 or 404) and ``message``."""

    def __init__(self, status, message):
        Exception.__init__(self, '%d %s' % (status, message))
        self.status = status
        self.message = message


def marks(items):
    """Return ``?, ?, ...`` with one mark per item, for an SQL ``IN`` list."""
    return ','.join('?' * len(items))


class Inspector(object):
    """Read-only queries over one emulator's ``state`` (see
    :class:`pyonep.emulator.http.server.State`: store, platform, fleet, portals, config and
    the call log ``calls``)."""

    def __init__(self, state):
        self.state = state
        self.store = state.store
        self.platform = state.platform

    # ------------------------------------------------------------------ helpers
    def _rows(self, sql, *params):
        return self.store.execute(sql, params)

    def _row(self, rid):
        """Return the resource row of ``rid`` as a dict; raise 400 for a malformed RID and
        404 for an unknown one."""
        if not isinstance(rid, str) or not RID_PATTERN.match(rid):
            raise InspectorError(400, 'rid must be 40 hexadecimal digits')
        rows = self._rows('SELECT %s FROM resources WHERE rid=?' % RESOURCE_COLUMNS, rid)
        if not rows:
            raise InspectorError(404, 'no resource %s' % rid)
        return self._as_row(rows[0])

    @staticmethod
    def _as_row(values):
        row = dict(zip(RESOURCE_KEYS, values))
        row['description'] = json.loads(row['description'])
        return row

    def _latest(self, res):
        rows = self._rows('SELECT ts, value FROM points WHERE res=? ORDER BY ts DESC, id DESC '
                          'LIMIT 1', res)
        return list(rows[0]) if rows else None

    def _first(self, res):
        rows = self._rows('SELECT ts, value FROM points WHERE res=? ORDER BY ts, id LIMIT 1', res)
        return list(rows[0]) if rows else None

    def _rule_state(self, res):
        """Return a datarule's ``{"counter", "deadline"}`` (None before its first input)."""
        state = self._rows('SELECT state, deadline FROM rulestate WHERE res=?', res)
        return dict(json.loads(state[0][0]), deadline=state[0][1]) if state else None

    def _brief(self, rids):
        """Return ``{rid: {"rid", "type", "name"}}`` for the resources among ``rids`` that exist."""
        rids = [r for r in set(rids) if r]
        out = {}
        for begin in range(0, len(rids), 500):
            chunk = rids[begin:begin + 500]
            for rid, rtype, desc in self._rows('SELECT rid, type, description FROM resources '
                                               'WHERE rid IN (%s)' % marks(chunk), *chunk):
                out[rid] = {'rid': rid, 'type': rtype, 'name': json.loads(desc).get('name', '')}
        return out

    def _roles(self, rids):
        """Return ``{rid: text}`` saying what a client is to the fleet and Portals (a
        vendor's client, a Portals user, portal or device), for the clients among ``rids``."""
        roles = {}
        if not rids:
            return roles
        queries = (
            ("SELECT owner, 'vendor ' || name FROM fleet_vendors WHERE owner IN (%s)"),
            ("SELECT rid, 'Portals user ' || email FROM portals_users WHERE rid IN (%s)"),
            ("SELECT rid, 'Portals portal ' || id FROM portals_portals WHERE rid IN (%s)"),
            ("SELECT rid, 'Portals device' || COALESCE(' ' || sn, '') FROM portals_devices "
             "WHERE rid IN (%s)"),
            ("SELECT s.rid, 'device ' || s.sn || ' of model ' || m.name FROM fleet_sns s "
             "JOIN fleet_models m ON m.mid = s.mid WHERE s.rid IN (%s)"),
        )
        for sql in queries:
            for rid, text in self._rows(sql % marks(rids), *rids):
                roles.setdefault(rid, text)
        if self.platform.root_rid in rids:
            roles[self.platform.root_rid] = 'root client' + (
                ', ' + roles[self.platform.root_rid] if self.platform.root_rid in roles else '')
        return roles

    def _nodes(self, rows):
        """Return the tree entries of resource ``rows`` (dicts): name, aliases, format,
        status, owner and its name, child counts and role (clients) and latest point (data
        resources)."""
        rids = [row['rid'] for row in rows]
        aliases = {}
        if rids:
            for rid, alias, client in self._rows('SELECT rid, alias, client FROM aliases WHERE rid '
                                                 'IN (%s) ORDER BY alias' % marks(rids), *rids):
                aliases.setdefault(rid, []).append({'alias': alias, 'client': client})
        clients = [row['rid'] for row in rows if row['type'] == 'client']
        counts = {}
        if clients:
            for owner, rtype, count in self._rows(
                    'SELECT owner, type, COUNT(*) FROM resources WHERE owner IN (%s) '
                    'GROUP BY owner, type' % marks(clients), *clients):
                counts.setdefault(owner, {})[rtype] = count
        roles = self._roles(clients)
        owners = self._brief([row['owner'] for row in rows])
        nodes = []
        for row in rows:
            desc = row['description']
            node = {'rid': row['rid'], 'type': row['type'], 'name': desc.get('name', ''),
                    'owner': row['owner'],
                    'owner_name': owners[row['owner']]['name'] if row['owner'] in owners else None,
                    'aliases': [dict(a, own=a['client'] == row['owner'])
                                for a in aliases.get(row['rid'], [])],
                    'status': basic_status(row['type'], row['status'], desc),
                    'created': row['created'], 'modified': row['modified'],
                    'subscribe': row['subscribe']}
            if row['type'] == 'client':
                node['children'] = dict((t, counts.get(row['rid'], {}).get(t, 0)) for t in TYPES)
                node['role'] = roles.get(row['rid'])
            else:
                node['format'] = desc.get('format', 'string')
                node['latest'] = self._latest(row['id'])
            if row['type'] == 'datarule':
                node['rule'] = sorted(desc.get('rule', {}))[0] if desc.get('rule') else None
            if row['type'] == 'dispatch':
                node['method'] = desc.get('method')
                node['recipient'] = desc.get('recipient')
            nodes.append(node)
        return nodes

    @staticmethod
    def _page(offset, limit, default=DEFAULT_PAGE, most=MAX_PAGE):
        """Check paging arguments: ``offset`` at least 0, ``limit`` 1..``most``."""
        offset = 0 if offset is None else offset
        limit = default if limit is None else limit
        if offset < 0 or not 1 <= limit <= most:
            raise InspectorError(400, 'offset must be 0 or more and limit 1 to %d' % most)
        return offset, limit

    # ------------------------------------------------------------------ overview
    def changes(self):
        """Return what a polling page compares to learn whether to fetch again:
        ``changes`` (rows the store has changed since it opened), ``calls`` (the newest
        call log id) and ``now`` (platform time)."""
        with self.store.lock:
            changes = self.store.conn.total_changes
        return {'changes': changes, 'calls': self.state.calls.last_id, 'now': self.platform.now()}

    def overview(self, reveal=False):
        """Return the emulator's startup settings (secrets ``None`` unless ``reveal``),
        the number of resources of each type, points, dispatch records and logged calls,
        the platform time and the root client's RID."""
        config = self.state.config.as_dict()
        for key in SECRET_KEYS:
            if not reveal and key in config:
                config[key] = None
        counts = dict((t, 0) for t in TYPES)
        counts.update(dict(self._rows('SELECT type, COUNT(*) FROM resources GROUP BY type')))
        counts['points'] = self._rows('SELECT COUNT(*) FROM points')[0][0]
        counts['dispatch records'] = self._rows('SELECT COUNT(*) FROM dispatch_log')[0][0]
        counts['calls logged'] = len(self.state.calls)
        return {'config': config, 'counts': counts, 'now': self.platform.now(),
                'root_rid': self.platform.root_rid, 'secrets_shown': bool(reveal),
                'call_log_capacity': self.state.calls.capacity}

    # ------------------------------------------------------------------ tree
    def tree(self, parent=None, offset=None, limit=None):
        """Return one page of the resource tree.

        Without ``parent``: the clients that no client owns (the root client first, then
        the Portals domain's and any other). With ``parent`` (a client's RID): that
        client's entry and one page of what it owns, clients first, oldest first.
        Returns ``{"parent", "total", "offset", "limit", "children"}``. Raises 400/404.
        """
        offset, limit = self._page(offset, limit)
        if parent is None:
            where, params, top = 'owner IS NULL', (), None
        else:
            top = self._row(parent)
            if top['type'] != 'client':
                raise InspectorError(400, 'only a client has children')
            where, params, top = 'owner=?', (parent,), self._nodes([top])[0]
        total = self._rows('SELECT COUNT(*) FROM resources WHERE ' + where, *params)[0][0]
        order = "rid != ?, " if parent is None else ''
        order_params = (self.platform.root_rid,) if parent is None else ()
        rows = self._rows(
            "SELECT %s FROM resources WHERE %s ORDER BY %stype != 'client', id LIMIT ? OFFSET ?"
            % (RESOURCE_COLUMNS, where, order), *(params + order_params + (limit, offset)))
        return {'parent': top, 'total': total, 'offset': offset, 'limit': limit,
                'children': self._nodes([self._as_row(r) for r in rows])}

    def find(self, text, limit=None):
        """Return the resources whose RID starts with ``text``, or whose name or one of
        whose aliases contains it (any case): at most ``limit`` tree entries, each with its
        ``path`` (the RIDs from its top client down to it). Raises 400 for empty text."""
        _, limit = self._page(0, limit, default=50)
        if not text:
            raise InspectorError(400, 'give some text to find')
        like = '%' + text.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_') + '%'
        rows = self._rows(
            "SELECT %s FROM resources WHERE rid LIKE ? ESCAPE '\\' OR json_extract(description, "
            "'$.name') LIKE ? ESCAPE '\\' OR rid IN (SELECT rid FROM aliases WHERE alias LIKE ? "
            "ESCAPE '\\') ORDER BY id LIMIT ?" % RESOURCE_COLUMNS,
            like[1:], like, like, limit)
        nodes = self._nodes([self._as_row(r) for r in rows])
        for node in nodes:
            node['path'] = self.path(node['rid'])
        return {'text': text, 'found': nodes}

    def path(self, rid):
        """Return the RIDs from the top client down to ``rid`` (itself included)."""
        return [r for (r,) in self._rows(ANCESTORS_SQL, rid)][::-1]

    def resource(self, rid, reveal=False):
        """Return everything the details pane shows of resource ``rid``: its tree entry,
        description, ``path`` (entries from the top down), ``cik`` (a client's, only when
        ``reveal``), ``source`` (what it subscribes to), ``subscribers``, ``rule_state``
        (a datarule's counter and timer deadline), ``records`` (a dispatch's newest
        records and their ``records_total``) and ``fleet`` (the serial number a client was
        made for). Raises 400/404."""
        row = self._row(rid)
        node = self._nodes([row])[0]
        node['description'] = row['description']
        path = self.path(rid)
        briefs = self._brief(path + [row['subscribe']])
        node['path'] = [briefs[r] for r in path if r in briefs]
        node['cik'] = row['cik'] if reveal else None
        node['has_cik'] = row['type'] == 'client'
        node['source'] = briefs.get(row['subscribe'])
        node['subscribers'] = [{'rid': r, 'type': t, 'name': json.loads(d).get('name', '')}
                               for r, t, d in self._rows(
                                   'SELECT rid, type, description FROM resources WHERE '
                                   'subscribe=? ORDER BY id LIMIT 100', rid)]
        if row['type'] == 'datarule':
            node['rule_state'] = self._rule_state(row['id'])
        if row['type'] == 'dispatch':
            records = self.records(rid, 0, 20)
            node['records'], node['records_total'] = records['records'], records['total']
        if row['type'] == 'client':
            sns = self._rows('SELECT m.vendor, m.name, s.sn FROM fleet_sns s JOIN fleet_models m '
                             'ON m.mid = s.mid WHERE s.rid=?', rid)
            node['fleet'] = [{'vendor': v, 'model': m, 'sn': s} for v, m, s in sns]
        return node

    def cik(self, rid):
        """Return ``{"rid", "cik"}`` of client ``rid``. Raises 400 (not a client), 404."""
        row = self._row(rid)
        if row['type'] != 'client':
            raise InspectorError(400, 'only a client has a CIK')
        return {'rid': rid, 'cik': row['cik']}

    # ------------------------------------------------------------------ data
    def dataports(self, offset=None, limit=None, text=None):
        """Return one page of the resources that hold data (dataports, datarules,
        dispatches), oldest first, those whose name or alias contains ``text`` when given:
        ``{"total", "offset", "limit", "items"}`` of tree entries."""
        offset, limit = self._page(offset, limit)
        where, params = "type IN ('dataport', 'datarule', 'dispatch')", ()
        if text:
            like = '%' + text.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_') + '%'
            where += (" AND (json_extract(description, '$.name') LIKE ? ESCAPE '\\' OR rid IN "
                      "(SELECT rid FROM aliases WHERE alias LIKE ? ESCAPE '\\'))")
            params = (like, like)
        total = self._rows('SELECT COUNT(*) FROM resources WHERE ' + where, *params)[0][0]
        rows = self._rows('SELECT %s FROM resources WHERE %s ORDER BY id LIMIT ? OFFSET ?'
                          % (RESOURCE_COLUMNS, where), *(params + (limit, offset)))
        return {'total': total, 'offset': offset, 'limit': limit,
                'items': self._nodes([self._as_row(r) for r in rows])}

    def window(self, res, name):
        """Return ``(start, end)`` of window ``name`` (see :data:`WINDOWS`) for the
        resource whose internal id is ``res``: ``all`` spans its first to its last point,
        the others end now (or at the last point, when that is later)."""
        if name not in WINDOWS:
            raise InspectorError(400, 'window must be one of %s' % ', '.join(WINDOWS))
        first, last = self._first(res), self._latest(res)
        now = self.platform.now()
        if WINDOWS[name] is None:
            if first is None:
                return now, now
            return first[0], max(last[0], first[0])
        end = max(now, last[0]) if last else now
        return end - WINDOWS[name] + 1, end

    def data(self, rid, window='all', points=None, limit=None, before=None):
        """Return the data view of resource ``rid``.

        ``window`` names the time span (:data:`WINDOWS`); ``points`` caps the chart
        (default 600, at most 2000: a longer series is downsampled with read's
        ``givenwindow`` selection, the earliest point of each of ``points`` equal slices);
        ``limit`` is the size of the table page (newest points first, default 100) and
        ``before`` the ``next`` cursor of the previous page.

        Returns ``{"resource", "window": {"name", "start", "end"}, "count" (points in the
        window), "chart" (``{"points", "downsampled"}``, or None for strings), "table"
        (``[[ts, value], ...]``), "next" (cursor of the next table page, or None),
        "first", "latest"}``. Raises 400 (a client, bad arguments) and 404.
        """
        row = self._row(rid)
        if row['type'] not in DATA_TYPES:
            raise InspectorError(400, 'a client holds no data')
        points = DEFAULT_CHART if points is None else points
        limit = DEFAULT_TABLE if limit is None else limit
        if not 2 <= points <= MAX_CHART or not 1 <= limit <= MAX_TABLE:
            raise InspectorError(400, 'points must be 2 to %d and limit 1 to %d'
                                 % (MAX_CHART, MAX_TABLE))
        start, end = self.window(row['id'], window)
        count = self._rows('SELECT COUNT(*) FROM points WHERE res=? AND ts>=? AND ts<=?',
                           row['id'], start, end)[0][0]
        fmt = row['description'].get('format', 'string')
        chart = None
        if fmt in ('integer', 'float') and row['type'] != 'dispatch':
            with self.store.lock:
                if count <= points:
                    series = self.platform.series.read(row['id'], start, end, 'asc', count)
                else:
                    series = self.platform.series.read(row['id'], start, end, 'asc', points,
                                                       'givenwindow')
            chart = {'points': series, 'downsampled': count > points}
        table, cursor = self._table(row['id'], start, end, limit, before)
        return {'resource': self._nodes([row])[0],
                'window': {'name': window, 'start': start, 'end': end}, 'count': count,
                'chart': chart, 'table': table, 'next': cursor,
                'first': self._first(row['id']), 'latest': self._latest(row['id'])}

    def _table(self, res, start, end, limit, before):
        """One page of the newest points in start..end, below the cursor ``before``
        (``"<ts>-<point id>"``), and the cursor of the next page."""
        if before is None:
            rows = self._rows('SELECT ts, id, value FROM points WHERE res=? AND ts>=? AND ts<=? '
                              'ORDER BY ts DESC, id DESC LIMIT ?', res, start, end, limit + 1)
        else:
            parts = before.split('-')
            if len(parts) != 2 or not all(p.isdigit() and len(p) < 19 for p in parts):
                raise InspectorError(400, 'before must be the next cursor of a page')
            ts, pid = int(parts[0]), int(parts[1])
            rows = self._rows('SELECT ts, id, value FROM points WHERE res=? AND ts>=? AND '
                              '(ts<? OR (ts=? AND id<?)) AND ts<=? ORDER BY ts DESC, id DESC '
                              'LIMIT ?', res, start, ts, ts, pid, end, limit + 1)
        cursor = '%d-%d' % rows[limit - 1][:2] if len(rows) > limit else None
        return [[ts, value] for ts, _, value in rows[:limit]], cursor

    # ------------------------------------------------------------------ data flow
    def flow(self, rtype='datarule', offset=None, limit=None):
        """Return one page of the data flow: every datarule (``rtype`` 'datarule'), every
        dispatch ('dispatch') or every dataport that subscribes to something ('dataport'),
        oldest first. Each item is a tree entry with ``description``, ``source`` and
        ``subscribers`` (brief entries); datarules add ``rule_state``, dispatches their
        newest five ``records`` and ``records_total``. Returns ``{"type", "total",
        "offset", "limit", "items"}``. Raises 400."""
        offset, limit = self._page(offset, limit, default=50, most=200)
        if rtype not in DATA_TYPES:
            raise InspectorError(400, 'type must be one of %s' % ', '.join(DATA_TYPES))
        where = 'type=?' + (' AND subscribe IS NOT NULL' if rtype == 'dataport' else '')
        total = self._rows('SELECT COUNT(*) FROM resources WHERE ' + where, rtype)[0][0]
        rows = [self._as_row(r) for r in self._rows(
            'SELECT %s FROM resources WHERE %s ORDER BY id LIMIT ? OFFSET ?'
            % (RESOURCE_COLUMNS, where), rtype, limit, offset)]
        items = self._nodes(rows)
        rids = [row['rid'] for row in rows]
        subscribers = {}
        if rids:
            for rid, source, stype, desc in self._rows(
                    'SELECT rid, subscribe, type, description FROM resources WHERE subscribe IN '
                    '(%s) ORDER BY id' % marks(rids), *rids):
                subscribers.setdefault(source, []).append(
                    {'rid': rid, 'type': stype, 'name': json.loads(desc).get('name', '')})
        sources = self._brief([row['subscribe'] for row in rows])
        for row, item in zip(rows, items):
            item['description'] = row['description']
            item['source'] = sources.get(row['subscribe'])
            item['subscribers'] = subscribers.get(row['rid'], [])
            if rtype == 'datarule':
                item['rule_state'] = self._rule_state(row['id'])
            if rtype == 'dispatch':
                records = self.records(row['rid'], 0, 5)
                item['records'], item['records_total'] = records['records'], records['total']
        return {'type': rtype, 'total': total, 'offset': offset, 'limit': limit, 'items': items}

    def records(self, rid, offset=None, limit=None):
        """Return one page of what dispatch ``rid`` would have sent, newest first:
        ``{"rid", "total", "offset", "limit", "records"}``, each record with
        ``timestamp``, ``method``, ``recipient``, ``subject``, ``message`` and ``status``.
        Raises 400 (not a dispatch), 404."""
        offset, limit = self._page(offset, limit)
        if self._row(rid)['type'] != 'dispatch':
            raise InspectorError(400, 'only a dispatch has records')
        keys = ('timestamp', 'method', 'recipient', 'subject', 'message', 'status')
        total = self._rows('SELECT COUNT(*) FROM dispatch_log WHERE rid=?', rid)[0][0]
        rows = self._rows('SELECT ts, method, recipient, subject, message, status FROM '
                          'dispatch_log WHERE rid=? ORDER BY id DESC LIMIT ? OFFSET ?',
                          rid, limit, offset)
        return {'rid': rid, 'total': total, 'offset': offset, 'limit': limit,
                'records': [dict(zip(keys, r)) for r in rows]}

    # ------------------------------------------------------------------ calls
    def calls(self, since=None, before=None, limit=None, key=None, text=None, kind=None):
        """Return the newest logged calls that match (see
        :meth:`pyonep.emulator.calllog.CallLog.entries`): ``{"calls", "last_id",
        "capacity", "logged"}``. Raises 400 for bad paging."""
        _, limit = self._page(0, limit)
        if (since is not None and since < 0) or (before is not None and before < 0):
            raise InspectorError(400, 'since and before are call ids (0 or more)')
        log = self.state.calls
        found = log.entries(since=since or 0, before=before, limit=limit, key=key or None,
                            text=text or None, kind=kind or None)
        return {'calls': found, 'last_id': log.last_id, 'capacity': log.capacity,
                'logged': len(log)}
