"""What the inspector shows of the fleet (vendors, models, serial numbers, content) and of
the Portals domain (users, portals, devices). Read-only, no HTTP (``inspector_api.py``
serves it); errors are :class:`~pyonep.emulator.inspector.InspectorError`.

Vendor tokens, CIKs and the like are ``None`` unless the caller passes ``reveal=True``.
"""
import json

from pyonep.emulator.fleet import FleetError
from pyonep.emulator.inspector.views import InspectorError, marks

BLOB_PREVIEW = 4096
MAX_PAGE = 500


def _page(offset, limit, default=100):
    offset = 0 if offset is None else offset
    limit = default if limit is None else limit
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise InspectorError(400, 'offset must be 0 or more and limit 1 to %d' % MAX_PAGE)
    return offset, limit


class FleetView(object):
    """Read-only queries over the emulator's fleet and Portals domain (``state`` as for
    :class:`~pyonep.emulator.inspector.Inspector`)."""

    def __init__(self, state):
        self.store = state.store
        self.platform = state.platform
        self.fleet = state.fleet
        self.portals = state.portals

    def _rows(self, sql, *params):
        return self.store.execute(sql, params)

    def _names(self, rids):
        """Return ``{rid: name}`` of the resources among ``rids`` that exist."""
        rids = [r for r in set(rids) if r]
        if not rids:
            return {}
        return dict((rid, json.loads(desc).get('name', '')) for rid, desc in self._rows(
            'SELECT rid, description FROM resources WHERE rid IN (%s)' % marks(rids), *rids))

    def _statuses(self, rids):
        rids = [r for r in set(rids) if r]
        if not rids:
            return {}
        return dict(self._rows("SELECT rid, status FROM resources WHERE type='client' AND rid "
                               "IN (%s)" % marks(rids), *rids))

    def _model(self, vendor, name):
        try:
            return self.fleet.vendors.model(vendor, name)
        except FleetError as exc:
            raise InspectorError(404, exc.message)

    # ------------------------------------------------------------------ fleet
    def overview(self, reveal=False):
        """Return the vendors (``name``, ``owner`` RID and name, ``tokens``: ``{"id",
        "token"}`` with the token only when ``reveal``) and every model (``vendor``,
        ``name``, ``template`` RID and name, ``options``, ``shared_with``, ``ranges``,
        ``sns`` (how many serial numbers are listed, and how many have a client in each
        status), ``content`` (``id``, ``meta``, ``protected``, ``type``, ``size``,
        ``updated``) and ``groups`` (how many))."""
        vendors = []
        for name, owner in self._rows('SELECT name, owner FROM fleet_vendors ORDER BY rowid'):
            tokens = [{'id': i, 'token': t if reveal else None} for i, t in self._rows(
                'SELECT id, token FROM fleet_tokens WHERE vendor=? ORDER BY rowid', name)]
            vendors.append({'name': name, 'owner': owner, 'tokens': tokens})
        names = self._names([v['owner'] for v in vendors])
        for vendor in vendors:
            vendor['owner_name'] = names.get(vendor['owner'])
        models = []
        rows = self._rows('SELECT mid, vendor, name, template, kind, ref, options FROM '
                          'fleet_models ORDER BY mid')
        templates = self._names([r[3] for r in rows])
        for mid, vendor, name, template, kind, ref, options in rows:
            sns = {'total': self._rows('SELECT COUNT(*) FROM fleet_sns WHERE mid=?', mid)[0][0]}
            for status, count in self._rows(
                    "SELECT COALESCE(r.status, 'no client'), COUNT(*) FROM fleet_sns s LEFT JOIN "
                    "resources r ON r.rid = s.rid WHERE s.mid=? GROUP BY 1", mid):
                sns[status] = count
            content = [{'id': c, 'meta': m, 'protected': bool(p), 'type': t, 'size': s, 'updated': u}
                       for c, m, p, t, s, u in self._rows(
                           'SELECT id, meta, protected, type, length(data), updated FROM '
                           'fleet_content WHERE mid=? ORDER BY rowid', mid)]
            models.append({
                'vendor': vendor, 'name': name, 'template': template,
                'template_name': templates.get(template), 'template_ref': [kind, ref],
                'options': json.loads(options),
                'shared_with': [v for (v,) in self._rows(
                    'SELECT vendor FROM fleet_shares WHERE mid=? ORDER BY rowid', mid)],
                'ranges': [json.loads(s) for (s,) in self._rows(
                    'SELECT spec FROM fleet_ranges WHERE mid=? ORDER BY id', mid)],
                'sns': sns, 'content': content,
                'groups': self._rows('SELECT COUNT(*) FROM fleet_groups WHERE mid=?', mid)[0][0]})
        return {'vendors': vendors, 'models': models}

    def serial_numbers(self, vendor, model, offset=None, limit=None, text=None):
        """Return one page of model ``model``'s serial numbers (of vendor ``vendor``), in
        the order they were added, those containing ``text`` when given. Each: ``sn``,
        ``extra``, ``rid`` (its client, or None), ``status`` (the client's: activated,
        notactivated, expired; None without a client), ``enabled_by`` and ``last_log``
        (the newest activation log entry: ``[timestamp, connection info, entry]``).
        Returns ``{"vendor", "model", "total", "offset", "limit", "sns"}``. Raises 400
        for bad paging, 404 for an unknown model."""
        offset, limit = _page(offset, limit)
        found = self._model(vendor, model)
        where, params = 'mid=?', (found['mid'],)
        if text:
            where += " AND instr(sn, ?) > 0"
            params += (text,)
        total = self._rows('SELECT COUNT(*) FROM fleet_sns WHERE ' + where, *params)[0][0]
        rows = self._rows('SELECT sn, extra, rid, enabled_by FROM fleet_sns WHERE %s ORDER BY id '
                          'LIMIT ? OFFSET ?' % where, *(params + (limit, offset)))
        statuses = self._statuses([r[2] for r in rows])
        sns = []
        for sn, extra, rid, enabled_by in rows:
            log = self._rows('SELECT ts, conn, entry FROM fleet_log WHERE mid=? AND sn=? ORDER BY '
                             'id DESC LIMIT 1', found['mid'], sn)
            alive = rid if rid in statuses else None  # a client dropped through RPC is gone
            sns.append({'sn': sn, 'extra': extra, 'rid': alive, 'status': statuses.get(rid),
                        'enabled_by': enabled_by, 'last_log': list(log[0]) if log else None})
        return {'vendor': vendor, 'model': model, 'total': total, 'offset': offset,
                'limit': limit, 'sns': sns}

    def blob(self, vendor, model, cid):
        """Return content ``cid`` of a model with a preview of its blob: ``{"id", "type",
        "size", "meta", "protected", "updated", "text" (the first 4 KiB when they are
        UTF-8, else None), "hex" (the first 512 bytes in hex when not), "truncated"}``.
        Raises 404 for an unknown model or content."""
        found = self._model(vendor, model)
        try:
            ctype, size, updated, meta, protected = self.fleet.content.content_info(found, cid)
            _, data = self.fleet.content.content_blob(found, cid)
        except FleetError as exc:
            raise InspectorError(404, exc.message)
        part = bytes(data[:BLOB_PREVIEW])
        try:
            text, hexed = part.decode('utf-8'), None
            if '\x00' in text:
                raise UnicodeDecodeError('utf-8', part, 0, 1, 'NUL byte')
        except UnicodeDecodeError:
            text, hexed = None, ' '.join('%02x' % b for b in part[:512])
        return {'vendor': vendor, 'model': model, 'id': cid, 'type': ctype, 'size': size,
                'meta': meta, 'protected': protected, 'updated': updated, 'text': text,
                'hex': hexed, 'truncated': size > (BLOB_PREVIEW if text is not None else 512)}

    # ------------------------------------------------------------------ Portals
    def portals_view(self, offset=None, limit=None, reveal=False):
        """Return the Portals domain: ``domain`` (``name``, ``id``, ``rid``, ``vendor``),
        and one page (``offset``, ``limit``) each of ``users`` (``id``, ``email``,
        ``user_name``, ``full_name``, ``rid``, ``permissions``), ``portals`` (``id``,
        ``name``, ``rid``, ``owner`` user id and e-mail, ``plan``, ``devices`` (how many),
        ``cik`` only when ``reveal``) and ``devices`` (``rid``, ``name``, ``portal``,
        ``type``, ``vendor``, ``model``, ``sn``, ``status``, ``data_sources``), with their
        totals. Raises 400 for bad paging."""
        offset, limit = _page(offset, limit)
        portals = self.portals
        users = []
        for user_id, email, user_name, full_name, rid in self._rows(
                'SELECT id, email, user_name, full_name, rid FROM portals_users ORDER BY rowid '
                'LIMIT ? OFFSET ?', limit, offset):
            users.append({'id': user_id, 'email': email, 'user_name': user_name,
                          'full_name': full_name, 'rid': rid,
                          'permissions': [{'access': a, 'type': t, 'id': o} for a, t, o in self._rows(
                              'SELECT access, type, oid FROM portals_permissions WHERE user_id=? '
                              'ORDER BY rowid', user_id)]})
        emails = dict(self._rows('SELECT id, email FROM portals_users'))
        portal_rows = self._rows('SELECT p.id, p.rid, p.user_id, p.plan_id, r.cik, r.description '
                                 'FROM portals_portals p JOIN resources r ON r.rid = p.rid '
                                 'ORDER BY p.rowid LIMIT ? OFFSET ?', limit, offset)
        portal_list = []
        for pid, rid, user_id, plan, cik, desc in portal_rows:
            portal_list.append({
                'id': pid, 'rid': rid, 'name': json.loads(desc).get('name', ''), 'owner': user_id,
                'owner_email': emails.get(user_id), 'plan': plan, 'cik': cik if reveal else None,
                'devices': self._rows("SELECT COUNT(*) FROM resources WHERE owner=? AND "
                                      "type='client'", rid)[0][0]})
        portal_of = dict((rid, pid) for pid, rid in self._rows('SELECT id, rid FROM portals_portals'))
        device_sql = ("FROM resources d JOIN portals_portals p ON p.rid = d.owner LEFT JOIN "
                      "portals_devices x ON x.rid = d.rid WHERE d.type='client'")
        devices = []
        for rid, owner, status, desc, dtype, vendor, model, sn in self._rows(
                'SELECT d.rid, d.owner, d.status, d.description, x.type, x.vendor, x.model, x.sn '
                + device_sql + ' ORDER BY d.id LIMIT ? OFFSET ?', limit, offset):
            devices.append({
                'rid': rid, 'name': json.loads(desc).get('name', ''), 'portal': portal_of.get(owner),
                'type': dtype or 'generic', 'vendor': vendor, 'model': model, 'sn': sn,
                'status': status, 'data_sources': self._rows(
                    "SELECT COUNT(*) FROM resources WHERE owner=? AND type='dataport'", rid)[0][0]})
        return {
            'domain': {'name': portals.domain, 'id': portals.domain_id, 'rid': portals.domain_rid,
                       'vendor': portals.vendor},
            'offset': offset, 'limit': limit,
            'users': users, 'users_total': self._rows('SELECT COUNT(*) FROM portals_users')[0][0],
            'portals': portal_list,
            'portals_total': self._rows('SELECT COUNT(*) FROM portals_portals p JOIN resources r '
                                        'ON r.rid = p.rid')[0][0],
            'devices': devices,
            'devices_total': self._rows('SELECT COUNT(*) ' + device_sql)[0][0]}
