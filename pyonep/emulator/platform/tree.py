"""The resource tree: resources and who owns them, CIKs and client statuses, aliases, and
the operations that reshape the tree (copy, move, drop). No HTTP, no access checks: callers
(the procedures, the fleet, Portals) decide who may do what; see ``access.py``.

A resource is a row of table ``resources``; :meth:`Tree.row` returns it as a dict with keys
``id`` (the internal integer id points are stored under), ``rid``, ``type``, ``owner``,
``cik``, ``status``, ``description`` (decoded), ``created``, ``modified`` and ``subscribe``.

Lookups are cached (rows, CIKs, aliases, ancestors, subscribers), so a call that runs
often costs few SQL statements. The cache is kept while ``store.version`` stays the same:
the store counts every change to ``resources`` and ``aliases`` (whatever SQL makes it),
every rollback, and a snapshot replacing its contents.
"""
import json

from pyonep.emulator.platform.calls import ArgumentError, CallError
from pyonep.emulator.platform.constants import (
    ANCESTORS_SQL, SUBTREE_SQL, chunks, dumps, new_key)
from pyonep.emulator.platform.descriptions import client_desc

ROW_KEYS = ('id', 'rid', 'type', 'owner', 'cik', 'status', 'description', 'created',
            'modified', 'subscribe')
ROW_SQL = 'SELECT %s FROM resources WHERE rid=?' % ', '.join(ROW_KEYS)


class Tree(object):
    """The resource tree kept in ``store`` (a :class:`~pyonep.emulator.store.Store`), with
    ``clock`` (a callable returning Unix seconds) for creation times.

    ``on_new_datarule(row)`` is called for every datarule inserted (the data flow arms its
    timer); it does nothing until the platform sets it.
    """

    def __init__(self, store, clock):
        self.store = store
        self.clock = clock
        self.on_new_datarule = lambda row: None
        self._cache = {}
        self._cache_version = None
        store.watch('resources', 'aliases')

    def _cached(self, key, compute):
        """Return the cached answer for ``key``, computing it with ``compute()`` when the
        cache does not hold it (under ``store.lock``, so no stale answer is ever kept)."""
        with self.store.lock:
            if self._cache_version != self.store.version:
                self._cache.clear()
                self._cache_version = self.store.version
            try:
                return self._cache[key]
            except KeyError:
                value = self._cache[key] = compute()
                return value

    def now(self):
        """Return the current time as whole Unix seconds."""
        return int(self.clock())

    # ------------------------------------------------------------ reading
    def row(self, rid):
        """Return resource ``rid`` as a dict (see the module docstring), or None."""
        if not isinstance(rid, str):
            return None
        raw = self._cached(('row', rid), lambda: (self.store.execute(ROW_SQL, (rid,)) or [None])[0])
        if raw is None:
            return None
        row = dict(zip(ROW_KEYS, raw))
        row['description'] = json.loads(row['description'])
        return row

    def client_standing(self, rid):
        """Return ``(status, locked)`` of resource ``rid`` (what every call checks of its
        caller), or None when there is no such resource."""
        def compute():
            row = self.row(rid)
            return None if row is None else (row['status'], bool(row['description'].get('locked')))
        return self._cached(('standing', rid), compute) if isinstance(rid, str) else None

    def rid_of_id(self, res):
        """Return the RID of the resource whose internal id is ``res``, or None."""
        rows = self.store.execute('SELECT rid FROM resources WHERE id=?', (res,))
        return rows[0][0] if rows else None

    def subtree(self, rid):
        """Return ``rid`` and the RIDs of everything below it (an empty list for none)."""
        return [r for (r,) in self.store.execute(SUBTREE_SQL, (rid,))]

    def ancestors(self, rid):
        """Return ``rid`` and the RIDs of its owners up to the top of its tree."""
        return list(self._cached(('up', rid), lambda: tuple(
            r for (r,) in self.store.execute(ANCESTORS_SQL, (rid,)))))

    def is_below(self, ancestor_rid, rid):
        """Tell whether ``rid`` is ``ancestor_rid`` or in its subtree (None matches nothing;
        only ownership counts, not statuses or locks)."""
        return any(r == ancestor_rid for r in self.ancestors(rid))

    def subscribers(self, rid):
        """Return ``[(rid, type), ...]`` of the resources subscribed to ``rid``, oldest first."""
        return list(self._cached(('subscribers', rid), lambda: tuple(tuple(r) for r in self.store.execute(
            'SELECT rid, type FROM resources WHERE subscribe=? ORDER BY id', (rid,)))))

    def rid_for_cik(self, cik):
        """Return the RID of the activated client whose CIK is ``cik``, else None."""
        if not isinstance(cik, str):
            return None
        rows = self._cached(('cik', cik), lambda: self.store.execute(
            "SELECT rid FROM resources WHERE cik=? AND type='client' AND status='activated'", (cik,)))
        return rows[0][0] if rows else None

    def client_by_cik(self, cik):
        """Return ``(rid, status)`` of the client whose CIK is ``cik`` (any status), or None."""
        rows = self.store.execute("SELECT rid, status FROM resources WHERE cik=? AND type='client'",
                                  (cik,)) if isinstance(cik, str) else []
        return tuple(rows[0]) if rows else None

    # ------------------------------------------------------------ writing
    def insert(self, owner, rtype, desc, cik=None, created=None):
        """Insert a resource of type ``rtype`` with the checked description ``desc`` under
        ``owner`` (None for a top client) and return ``(rid, cik)`` (cik None unless a client;
        a client's status starts 'activated')."""
        rid = new_key()
        now = self.now() if created is None else created
        status = None
        if rtype == 'client':
            cik = cik or new_key()
            status = 'activated'
        self.store.conn.execute(
            'INSERT INTO resources (rid, type, owner, cik, status, description, created, modified, '
            'subscribe) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
            (rid, rtype, owner, cik if rtype == 'client' else None, status, dumps(desc), now, now,
             desc.get('subscribe')))
        if rtype == 'datarule':
            self.on_new_datarule(self.row(rid))
        return rid, cik

    def set_description(self, rid, desc, touch=True):
        """Store ``desc`` as the description of ``rid`` (and its ``subscribe``); ``touch``
        sets ``modified`` to now."""
        if touch:
            self.store.conn.execute(
                'UPDATE resources SET description=?, subscribe=?, modified=? WHERE rid=?',
                (dumps(desc), desc.get('subscribe'), self.now(), rid))
        else:
            self.store.conn.execute('UPDATE resources SET description=?, subscribe=? WHERE rid=?',
                                    (dumps(desc), desc.get('subscribe'), rid))

    def set_status(self, rid, status):
        """Set the status of client ``rid``."""
        self.store.conn.execute('UPDATE resources SET status=? WHERE rid=?', (status, rid))

    def set_cik(self, rid, cik, status):
        """Give client ``rid`` the CIK ``cik`` and the status ``status``."""
        self.store.conn.execute('UPDATE resources SET cik=?, status=? WHERE rid=?', (cik, status, rid))

    # ------------------------------------------------------------ aliases
    def alias_target(self, client_rid, alias):
        """Return the RID that ``alias`` names in the alias space of ``client_rid`` (the client
        itself for ''); raise CallError('invalid') for an unmapped alias."""
        if alias == '':
            return client_rid
        rows = self._cached(('alias', client_rid, alias), lambda: self.store.execute(
            'SELECT rid FROM aliases WHERE client=? AND alias=?', (client_rid, alias)))
        if not rows:
            raise CallError('invalid', 'no such alias')
        return rows[0][0]

    def ref_rid(self, client_rid, ref):
        """Return the RID a <ResourceID> argument (a RID or ``{"alias": name}``) names for
        ``client_rid``. Raises ArgumentError for another shape, CallError for an unknown alias."""
        if isinstance(ref, str):
            return ref
        if isinstance(ref, dict) and list(ref) == ['alias'] and isinstance(ref['alias'], str):
            return self.alias_target(client_rid, ref['alias'])
        raise ArgumentError('a resource is a RID string or {"alias": string}')

    def map_alias(self, client_rid, alias, rid):
        """Name ``rid`` ``alias`` for ``client_rid``; CallError('invalid') when empty or used."""
        if alias == '' or self.store.conn.execute('SELECT 1 FROM aliases WHERE client=? AND alias=?',
                                                  (client_rid, alias)).fetchall():
            raise CallError('invalid', 'alias already in use')
        self.store.conn.execute('INSERT INTO aliases (client, alias, rid) VALUES (?, ?, ?)',
                                (client_rid, alias, rid))

    def unmap_alias(self, client_rid, alias):
        """Forget ``alias`` of ``client_rid`` (nothing happens when it is not mapped)."""
        self.store.conn.execute('DELETE FROM aliases WHERE client=? AND alias=?', (client_rid, alias))

    def aliases_of(self, client_rid):
        """Return ``{rid: [alias, ...]}`` of the aliases ``client_rid`` has made."""
        aliases = {}
        for alias, rid in self.store.execute('SELECT alias, rid FROM aliases WHERE client=? '
                                             'ORDER BY alias', (client_rid,)):
            aliases.setdefault(rid, []).append(alias)
        return aliases

    # ------------------------------------------------------------ reshaping
    def clone(self, template_rid, owner_rid, aliases, comments, historical, desc):
        """Copy client ``template_rid`` and its subtree under ``owner_rid`` and return
        ``(rid, cik)`` of the copy (see :meth:`Platform.clone
        <pyonep.emulator.platform.Platform.clone>`)."""
        template = self.row(template_rid)
        owner = self.row(owner_rid)
        if template is None or template['type'] != 'client':
            raise CallError('invalid', 'the template must be a client')
        if owner is None or owner['type'] != 'client':
            raise CallError('invalid', 'the owner must be a client')
        conn = self.store.conn
        mapping = {}
        rows = [self.row(rid) for rid in self.subtree(template_rid)]
        for row in rows:
            new_owner = owner_rid if row['rid'] == template_rid else mapping[row['owner']]
            description = row['description']
            if row['rid'] == template_rid and desc:
                description = client_desc(desc, base=description)
            rid, _ = self.insert(new_owner, row['type'], description)
            mapping[row['rid']] = rid
        for row in rows:
            new = self.row(mapping[row['rid']])
            description = json.loads(dumps(new['description']))
            sub = description.get('subscribe')
            if sub in mapping:
                description['subscribe'] = mapping[sub]
            for item in description.get('preprocess', []):
                if item[1] in mapping:
                    item[1] = mapping[item[1]]
            self.set_description(new['rid'], description, touch=False)
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
        top = self.row(mapping[template_rid])
        return top['rid'], top['cik']

    def move(self, row, target_rid, keep_aliases):
        """Give resource ``row`` the owner ``target_rid``. The old owner's aliases for it move
        along (``keep_aliases``) or go; former ancestors that no longer reach the moved
        subtree lose their aliases into it."""
        conn = self.store.conn
        old_owner = row['owner']
        lost = set(self.ancestors(old_owner)) - set(self.ancestors(target_rid))
        conn.execute('UPDATE resources SET owner=? WHERE rid=?', (target_rid, row['rid']))
        for alias, in conn.execute('SELECT alias FROM aliases WHERE client=? AND rid=?',
                                   (old_owner, row['rid'])).fetchall():
            conn.execute('DELETE FROM aliases WHERE client=? AND alias=?', (old_owner, alias))
            if keep_aliases:
                conn.execute('INSERT OR IGNORE INTO aliases (client, alias, rid) VALUES (?, ?, ?)',
                             (target_rid, alias, row['rid']))
        moved = self.subtree(row['rid'])
        for client in lost:
            for chunk, marks in chunks(moved):
                conn.execute('DELETE FROM aliases WHERE client=? AND rid IN (%s)' % marks,
                             [client] + chunk)

    def drop(self, rid):
        """Delete ``rid`` and its subtree with their points, timers, aliases, shares, tokens,
        tags, comments and dispatch records; subscribers of dropped resources unsubscribe."""
        conn = self.store.conn
        for chunk, marks in chunks(self.subtree(rid)):
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
                row = self.row(sub_rid)
                row['description']['subscribe'] = None
                self.set_description(sub_rid, row['description'], touch=False)
            conn.execute('DELETE FROM resources WHERE rid IN (%s)' % marks, chunk)
