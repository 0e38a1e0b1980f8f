"""Serial numbers (one by one and by ranges), enabling their clients, activation, and
the activation log."""
import json
import sqlite3

from pyonep.emulator.fleet.common import FleetError, Part, check_name
from pyonep.emulator.fleet.ranges import in_range, normalize_range, posted_range
from pyonep.emulator.platform import CallError


class Devices(Part):
    """The serial numbers of models and the device clients made for them; ``vendors`` (a
    :class:`~pyonep.emulator.fleet.vendors.Vendors`) finds models and vendor clients."""

    def __init__(self, store, platform, vendors):
        Part.__init__(self, store, platform)
        self.vendors = vendors

    # ------------------------------------------------------------------ serial numbers
    def add_sns(self, model, entries):
        """Whitelist serial numbers in ``model``: ``entries`` is a list of ``(sn, extra)``.

        All or nothing. Raises :class:`FleetError` 400 for a bad sn or extra, 409 when an
        sn is already in the model (or twice in ``entries``).
        """
        rows = []
        for sn, extra in entries:
            check_name('sn', sn)
            if not isinstance(extra, str) or len(extra) > 65536:
                raise FleetError(400, 'extra must be text of at most 65536 characters')
            rows.append((model['mid'], sn, extra))
        with self.store.transaction() as conn:
            try:
                conn.executemany('INSERT INTO fleet_sns (mid, sn, extra) VALUES (?, ?, ?)', rows)
            except sqlite3.IntegrityError:
                raise FleetError(409, 'serial number already exists')

    def remove_sns(self, model, sns):
        """Remove serial numbers ``sns`` (a list) from ``model``, with their log and group
        memberships; their clients stay. Unknown serial numbers are ignored."""
        with self.store.transaction() as conn:
            for sn in sns:
                conn.execute('DELETE FROM fleet_sns WHERE mid=? AND sn=?', (model['mid'], sn))
                conn.execute('DELETE FROM fleet_log WHERE mid=? AND sn=?', (model['mid'], sn))
                conn.execute("DELETE FROM fleet_members WHERE mid=? AND type='sn' AND member=?",
                             (model['mid'], sn))

    def remove_sn(self, model, sn):
        """Remove one serial number; raise :class:`FleetError` 404 when it is unknown."""
        with self.store.transaction():
            if not self._rows('SELECT 1 FROM fleet_sns WHERE mid=? AND sn=?', model['mid'], sn):
                raise FleetError(404, 'no serial number %r' % (sn,))
            self.remove_sns(model, [sn])

    def list_sns(self, model, offset, limit, shared=None):
        """Return one page of ``model``'s serial numbers as ``(sn, status, rid, extra)``
        tuples in the order they were added. ``status`` and ``rid`` are '' for an sn
        without a client. Only those enabled by vendor ``shared`` when given (and always
        so, with ``extra`` empty, for a vendor using a share)."""
        sql = 'SELECT sn, rid, extra FROM fleet_sns WHERE mid=?'
        params = [model['mid']]
        by = model['shared_to'] or shared
        if by:
            sql += ' AND enabled_by=?'
            params.append(by)
        rows = self._rows(sql + ' ORDER BY id LIMIT ? OFFSET ?', *(params + [limit, offset]))
        return [(sn, self._status(rid), rid or '', '' if model['shared_to'] else extra)
                for sn, rid, extra in rows]

    def _status(self, rid):
        return (self.platform.client_status(rid) or '') if rid else ''

    def _sn(self, model, sn, materialize=False):
        """Return the sn row ``{id, sn, extra, rid, enabled_by}`` or None; an sn that is
        only in a range gets a row when ``materialize``."""
        rows = self._rows('SELECT id, extra, rid, enabled_by FROM fleet_sns WHERE mid=? AND sn=?',
                          model['mid'], sn)
        if not rows and materialize and any(in_range(spec, sn) for spec in self.ranges(model)):
            self._exec("INSERT INTO fleet_sns (mid, sn, extra) VALUES (?, ?, '')", model['mid'], sn)
            return self._sn(model, sn)
        if not rows:
            return None
        sid, extra, rid, enabled_by = rows[0]
        if rid and self.platform.client_status(rid) is None:
            rid = None  # the client was dropped through the RPC API
        return {'id': sid, 'sn': sn, 'extra': extra, 'rid': rid, 'enabled_by': enabled_by}

    def sn_exists(self, model, sn):
        """Return True when ``sn`` is whitelisted in ``model`` (one by one or by a range)."""
        return self._sn(model, sn) is not None or any(in_range(s, sn) for s in self.ranges(model))

    def _visible_sn(self, model, sn, materialize=False):
        row = self._sn(model, sn, materialize)
        if row is None:
            raise FleetError(404, 'no serial number %r in model %r' % (sn, model['name']))
        if model['shared_to'] and row['rid'] and row['enabled_by'] != model['shared_to']:
            raise FleetError(403, 'serial number %r was enabled by another vendor' % (sn,))
        return row

    def sn_info(self, model, sn):
        """Return ``(status, rid, extra)`` of serial number ``sn``, or None when it is
        unused (unknown, or whitelisted without a client). ``extra`` is '' through a share."""
        row = self._sn(model, sn)
        if row is None or not row['rid'] or (
                model['shared_to'] and row['enabled_by'] != model['shared_to']):
            return None
        return self._status(row['rid']), row['rid'], '' if model['shared_to'] else row['extra']

    def log(self, model, sn, conn_info, entry):
        """Append ``entry`` to the activation log of ``sn`` (``conn_info`` says who asked)."""
        self._exec('INSERT INTO fleet_log (mid, sn, ts, conn, entry) VALUES (?, ?, ?, ?, ?)',
                   model['mid'], sn, self.now(), conn_info, entry)

    def activation_log(self, model, sn):
        """Return the activation log of ``sn`` as ``(timestamp, connection info, entry)``
        tuples, oldest first."""
        if self._sn(model, sn) is not None or not self.sn_exists(model, sn):
            self._visible_sn(model, sn)  # 404 unknown sn, 403 another vendor's through a share
        return self._rows('SELECT ts, conn, entry FROM fleet_log WHERE mid=? AND sn=? ORDER BY id',
                          model['mid'], sn)

    def enable(self, model, sn, owner, conn_info=''):
        """Create the client of ``sn``: clone the model's template under ``owner`` (per the
        model's options), status ``notactivated``. Returns the new client's RID.

        Raises :class:`FleetError` 404 unknown sn, 409 when the sn already has a client or
        the template is gone, 403 when ``owner`` is not the (sharing) vendor's client or
        below it or when a template named by RID has left the model vendor's subtree, 400
        when ``owner`` is not a client.
        """
        vendor = model['shared_to'] or model['vendor']
        with self.store.transaction():
            row = self._visible_sn(model, sn, materialize=True)
            if row['rid']:
                raise FleetError(409, 'serial number %r already has a client' % (sn,))
            if not isinstance(owner, str) or self.platform.client_status(owner) is None:
                raise FleetError(400, 'owner must be the RID of a client')
            if not self.platform.is_below(self.vendors.vendor_owner(vendor), owner):
                raise FleetError(403, "owner is not the vendor's client or one of its descendants")
            if model['ref'] == model['template'] and self.platform.client_status(model['ref']):
                # named by RID (not by a share code): it may have left the subtree since
                self.vendors.check_own_template(model['vendor'], model['template'])
            options = model['options']
            try:
                rid, _ = self.platform.clone(
                    model['template'], owner, aliases='noaliases' not in options,
                    comments='nocomments' not in options, historical='nohistorical' not in options)
            except CallError:
                raise FleetError(409, "the model's template client no longer exists")
            self.platform.set_client_status(rid, 'notactivated')
            self._exec('UPDATE fleet_sns SET rid=?, enabled_by=? WHERE id=?', rid, vendor, row['id'])
            self.log(model, sn, conn_info, 'enabled')
            return rid

    def reenable(self, model, sn, conn_info=''):
        """Give the client of ``sn`` a new CIK and the status ``notactivated`` so that the
        device can activate again. Raises :class:`FleetError` 404 unknown sn, 409 when the
        sn has no client."""
        with self.store.transaction():
            row = self._visible_sn(model, sn)
            if not row['rid']:
                raise FleetError(409, 'serial number %r has not been enabled' % (sn,))
            self.platform.regenerate_cik(row['rid'])
            self.platform.set_client_status(row['rid'], 'notactivated')
            self.log(model, sn, conn_info, 're-enabled')

    def remap(self, model, sn, oldsn, conn_info=''):
        """Move the client of ``oldsn`` to ``sn`` (new CIK, status ``notactivated``).

        Raises :class:`FleetError` 404 for an unknown sn or oldsn, 409 when ``oldsn`` has
        no client or ``sn`` already has one.
        """
        with self.store.transaction():
            old = self._visible_sn(model, oldsn)
            new = self._visible_sn(model, sn, materialize=True)
            if not old['rid']:
                raise FleetError(409, 'serial number %r has no client to remap' % (oldsn,))
            if new['rid']:
                raise FleetError(409, 'serial number %r already has a client' % (sn,))
            self._exec('UPDATE fleet_sns SET rid=?, enabled_by=? WHERE id=?', old['rid'],
                       old['enabled_by'], new['id'])
            self._exec('UPDATE fleet_sns SET rid=NULL, enabled_by=NULL WHERE id=?', old['id'])
            self.platform.regenerate_cik(old['rid'])
            self.platform.set_client_status(old['rid'], 'notactivated')
            self.log(model, oldsn, conn_info, 'remapped to %s' % sn)
            self.log(model, sn, conn_info, 'remapped from %s' % oldsn)

    def disable(self, model, sn, conn_info=''):
        """Expire the client of ``sn``: its CIK stops working until the sn is re-enabled.
        Raises :class:`FleetError` 404 unknown sn, 409 when the sn has no client."""
        with self.store.transaction():
            row = self._visible_sn(model, sn)
            if not row['rid']:
                raise FleetError(409, 'serial number %r has not been enabled' % (sn,))
            self.platform.set_client_status(row['rid'], 'expired')
            self.log(model, sn, conn_info, 'disabled')

    def activate(self, vendor, model_name, sn, conn_info=''):
        """Activate the device ``sn`` of ``vendor``'s model and return its new CIK.

        Raises :class:`FleetError` 404 when vendor, model or sn is unknown, 409 when the
        sn is not enabled for activation (never enabled, already activated, disabled).
        Refusals of a known sn are written to its log too.
        """
        refusal = None
        with self.store.transaction():
            try:
                model = self.vendors.model(vendor, model_name)
            except FleetError:
                raise FleetError(404, 'no such vendor and model')
            row = self._sn(model, sn)  # None for an sn only in a range: never enabled
            if row is None and not self.sn_exists(model, sn):
                raise FleetError(404, 'no serial number %r in model %r' % (sn, model_name))
            status = self._status(row['rid'] if row else None)
            if status != 'notactivated':
                refusal = {'': 'it was never enabled', 'activated': 'it is already activated',
                           'expired': 'it is disabled'}.get(status, status)
                self.log(model, sn, conn_info, 'activation refused: %s' % refusal)
            else:
                cik = self.platform.regenerate_cik(row['rid'])
                self.platform.set_client_status(row['rid'], 'activated')
                self.log(model, sn, conn_info, 'activated')
        if refusal:
            raise FleetError(409, 'serial number %r is not enabled for activation: %s' % (sn, refusal))
        return cik

    def device_model(self, vendor, model_name, rid, missing=403):
        """Return ``(model, sn)`` for the activated device client ``rid`` in ``vendor``'s
        model; raise :class:`FleetError` ``missing`` when the pair is unknown, 403 when
        ``rid`` is not an activated serial number of it."""
        try:
            model = self.vendors.model(vendor, model_name)
        except FleetError:
            raise FleetError(missing, 'no such vendor and model')
        rows = self._rows('SELECT sn FROM fleet_sns WHERE mid=? AND rid=?', model['mid'], rid)
        if not rows or self._status(rid) != 'activated':
            raise FleetError(403, 'this client is not an activated serial number of the model')
        return model, rows[0][0]

    # ------------------------------------------------------------------ ranges
    def posted_ranges(self, model):
        """Return ``model``'s serial number ranges as they were posted (see
        :func:`posted_range`), in order: what ``GET ...?show=ranges`` answers."""
        return [json.loads(r[0]) for r in self._rows('SELECT spec FROM fleet_ranges WHERE mid=? ORDER BY id',
                                                     model['mid'])]

    def ranges(self, model):
        """Return ``model``'s serial number ranges (normalized dicts), in order."""
        return [normalize_range(spec) for spec in self.posted_ranges(model)]

    def add_ranges(self, model, specs):
        """Add serial number ranges (see :func:`normalize_range`); raise
        :class:`FleetError` 400 for a bad one (nothing is added then)."""
        for spec in specs:
            normalize_range(spec)
        with self.store.transaction() as conn:
            conn.executemany('INSERT INTO fleet_ranges (mid, spec) VALUES (?, ?)',
                             [(model['mid'], json.dumps(posted_range(s))) for s in specs])

    def delete_ranges(self, model, specs):
        """Delete the ranges equal to one given (compared normalized, so a null length
        matches a missing one); others are ignored. Raises :class:`FleetError` 400 for a
        malformed range."""
        doomed = [normalize_range(s) for s in specs]
        with self.store.transaction() as conn:
            for rid, spec in conn.execute('SELECT id, spec FROM fleet_ranges WHERE mid=?',
                                          (model['mid'],)).fetchall():
                if normalize_range(json.loads(spec)) in doomed:
                    conn.execute('DELETE FROM fleet_ranges WHERE id=?', (rid,))
