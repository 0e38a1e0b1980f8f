"""Content (blobs a model offers its devices, protected or not) and groups (which
authorize serial numbers for protected content, and nest)."""
import sqlite3

from pyonep.emulator.fleet.common import (
    CONTAINING_GROUPS_SQL, MAX_INT, MAX_PAGE, FleetError, Part, check_name)


class Contents(Part):
    """The content and groups of models."""

    # ------------------------------------------------------------------ content
    def _content(self, model, cid):
        rows = self._rows('SELECT type, length(data), updated, meta, protected FROM fleet_content '
                          'WHERE mid=? AND id=?', model['mid'], cid)
        if not rows:
            raise FleetError(404, 'no content %r in model %r' % (cid, model['name']))
        return rows[0]

    def content_ids(self, model):
        """Return the ids of ``model``'s content, in creation order."""
        return [r[0] for r in self._rows('SELECT id FROM fleet_content WHERE mid=? ORDER BY rowid', model['mid'])]

    def authorized_content(self, model, sn):
        """Return the ids of ``model``'s content that serial number ``sn`` may download:
        every unprotected one and the protected ones sharing a group with ``sn``."""
        groups = self._groups_holding(model, 'sn', sn)
        out = []
        for cid, protected in self._rows('SELECT id, protected FROM fleet_content WHERE mid=? '
                                         'ORDER BY rowid', model['mid']):
            if not protected or groups & self._groups_holding(model, 'content', cid):
                out.append(cid)
        return out

    def _groups_holding(self, model, mtype, member):
        return set(r[0] for r in self.store.execute(CONTAINING_GROUPS_SQL, {
            'mid': model['mid'], 'type': mtype, 'member': member, 'now': self.now()}))

    def check_authorized(self, model, cid, sn):
        """Raise :class:`FleetError` (404 unknown content, 403 protected content that ``sn``
        is not authorized for) unless ``sn`` may download content ``cid``."""
        protected = self._content(model, cid)[4]
        if protected and not (self._groups_holding(model, 'sn', sn)
                              & self._groups_holding(model, 'content', cid)):
            raise FleetError(403, 'serial number %r is not authorized for content %r' % (sn, cid))

    def create_content(self, model, cid, meta, protected):
        """Create the empty content ``cid`` with ``meta`` text, ``protected`` (bool).
        Raises :class:`FleetError` 400 for a bad id or meta, 409 when it exists."""
        check_name('id', cid)
        if '/' in cid:
            raise FleetError(400, 'a content id cannot hold "/"')
        if not isinstance(meta, str):
            raise FleetError(400, 'meta must be text')
        with self.store.transaction():
            try:
                self._exec("INSERT INTO fleet_content (mid, id, meta, protected, type, data, updated) "
                           "VALUES (?, ?, ?, ?, 'application/octet-stream', ?, ?)",
                           model['mid'], cid, meta, 1 if protected else 0, b'', self.now())
            except sqlite3.IntegrityError:
                raise FleetError(409, 'content %r already exists' % (cid,))

    def upload_content(self, model, cid, data, content_type):
        """Store ``data`` (bytes) as the blob of content ``cid``, served later with
        ``content_type``. Raises :class:`FleetError` 404 when the content was not created."""
        with self.store.transaction():
            self._content(model, cid)
            self._exec('UPDATE fleet_content SET data=?, type=?, updated=? WHERE mid=? AND id=?',
                       data, content_type or 'application/octet-stream', self.now(), model['mid'], cid)

    def content_info(self, model, cid):
        """Return ``(content type, size, updated timestamp, meta, protected)`` of content
        ``cid``; raise :class:`FleetError` 404 when unknown."""
        ctype, size, updated, meta, protected = self._content(model, cid)
        return ctype, size, updated, meta, bool(protected)

    def content_blob(self, model, cid):
        """Return ``(content type, data)`` of content ``cid``; raise :class:`FleetError`
        404 when unknown."""
        self._content(model, cid)
        return self._rows('SELECT type, data FROM fleet_content WHERE mid=? AND id=?', model['mid'], cid)[0]

    def delete_content(self, model, cid):
        """Delete content ``cid`` and its group memberships; raise :class:`FleetError` 404
        when unknown."""
        with self.store.transaction():
            self._content(model, cid)
            self._exec('DELETE FROM fleet_content WHERE mid=? AND id=?', model['mid'], cid)
            self._exec("DELETE FROM fleet_members WHERE mid=? AND type='content' AND member=?",
                       model['mid'], cid)

    # ------------------------------------------------------------------ groups
    def groups(self, model, offset, limit):
        """Return one page of ``(group id, meta)`` of ``model``, in creation order."""
        return self._rows('SELECT id, meta FROM fleet_groups WHERE mid=? ORDER BY rowid LIMIT ? OFFSET ?',
                          model['mid'], limit, offset)

    def _group(self, model, gid):
        rows = self._rows('SELECT meta FROM fleet_groups WHERE mid=? AND id=?', model['mid'], gid)
        if not rows:
            raise FleetError(404, 'no group %r in model %r' % (gid, model['name']))
        return rows[0][0]

    def create_group(self, model, gid, meta):
        """Create group ``gid`` with ``meta``; raise :class:`FleetError` 400 for a bad id,
        409 when it exists."""
        check_name('id', gid)
        with self.store.transaction():
            try:
                self._exec('INSERT INTO fleet_groups (mid, id, meta) VALUES (?, ?, ?)', model['mid'], gid, meta)
            except sqlite3.IntegrityError:
                raise FleetError(409, 'group %r already exists' % (gid,))

    def delete_group(self, model, gid):
        """Delete group ``gid``, its members and its memberships of other groups; raise
        :class:`FleetError` 404 when unknown."""
        with self.store.transaction():
            self._group(model, gid)
            self._exec('DELETE FROM fleet_groups WHERE mid=? AND id=?', model['mid'], gid)
            self._exec("DELETE FROM fleet_members WHERE mid=? AND (grp=? OR (type='group' AND member=?))",
                       model['mid'], gid, gid)

    def group_info(self, model, gid):
        """Return ``(meta, member count)`` of group ``gid``; 404 :class:`FleetError` if unknown."""
        meta = self._group(model, gid)
        count = self._rows('SELECT COUNT(*) FROM fleet_members WHERE mid=? AND grp=?', model['mid'], gid)[0][0]
        return meta, count

    def member_of(self, model, mtype, member, offset, limit):
        """Return one page of the ids of the groups that directly hold ``member`` of type
        ``mtype``."""
        return [r[0] for r in self._rows(
            'SELECT grp FROM fleet_members WHERE mid=? AND type=? AND member=? ORDER BY rowid '
            'LIMIT ? OFFSET ?', model['mid'], mtype, member, limit, offset)]

    def members(self, model, gid, mtype=None, member=None, offset=0, limit=MAX_PAGE):
        """Return ``(type, member id, expire, meta)`` of group ``gid``'s members, filtered
        on ``mtype`` and ``member`` when given; 404 :class:`FleetError` for an unknown group."""
        self._group(model, gid)
        sql = 'SELECT type, member, expire, meta FROM fleet_members WHERE mid=? AND grp=?'
        params = [model['mid'], gid]
        for column, value in (('type', mtype), ('member', member)):
            if value is not None:
                sql += ' AND %s=?' % column
                params.append(value)
        return self._rows(sql + ' ORDER BY rowid LIMIT ? OFFSET ?', *(params + [limit, offset]))

    def set_members(self, model, gid, entries):
        """Add or update members of group ``gid``: ``entries`` holds ``(type, member id,
        expire, meta)``; ``expire`` is a Unix time after which the membership no longer
        counts ('' or 0: never). Raises :class:`FleetError` 404 unknown group, 400 bad entry
        (nothing is changed then)."""
        rows = []
        for mtype, member, expire, meta in entries:
            check_name('type', mtype)
            check_name('member id', member)
            try:
                expire = int(expire) if expire not in (None, '') else 0
            except ValueError:
                expire = -1
            if not 0 <= expire < MAX_INT:
                raise FleetError(400, 'expire must be a Unix timestamp (0: never)')
            if mtype == 'group' and member == gid:
                raise FleetError(400, 'a group cannot be a member of itself')
            rows.append((model['mid'], gid, mtype, member, expire, meta or ''))
        with self.store.transaction() as conn:
            self._group(model, gid)
            conn.executemany('INSERT OR REPLACE INTO fleet_members (mid, grp, type, member, expire, meta) '
                             'VALUES (?, ?, ?, ?, ?, ?)', rows)

    def delete_members(self, model, gid, entries):
        """Delete the ``(type, member id)`` members of group ``gid`` (absent ones are
        ignored); raise :class:`FleetError` 404 for an unknown group."""
        with self.store.transaction() as conn:
            self._group(model, gid)
            conn.executemany('DELETE FROM fleet_members WHERE mid=? AND grp=? AND type=? AND member=?',
                             [(model['mid'], gid, t, m) for t, m in entries])
