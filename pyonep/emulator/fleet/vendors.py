"""Vendors, their tokens, their models (a template client and clone options) and model
shares with other vendors."""
import json
import sqlite3

from pyonep.emulator.fleet.common import (
    OPTIONS, VENDOR_NAME, FleetError, Part, check_name, new_token)


class Vendors(Part):
    """Vendors, vendor tokens, models and model shares. Methods take the calling vendor's
    name (see :meth:`vendor_for_key`) and raise :class:`FleetError` when a rule refuses."""

    # ------------------------------------------------------------------ vendors
    def vendor_for_key(self, key):
        """Return ``(vendor, by_token)`` for a vendor token or for the CIK of a vendor
        client, or ``(None, False)`` when ``key`` is neither."""
        if not key:
            return None, False
        rows = self._rows('SELECT vendor FROM fleet_tokens WHERE token=?', key)
        if rows:
            return rows[0][0], True
        rid = self.platform.rid_for_cik(key)
        rows = self._rows('SELECT name FROM fleet_vendors WHERE owner=?', rid) if rid else []
        return (rows[0][0] if rows else None), False

    def vendor_owner(self, vendor):
        """Return the RID of the client ``vendor`` is registered to, or None."""
        rows = self._rows('SELECT owner FROM fleet_vendors WHERE name=?', vendor)
        return rows[0][0] if rows else None

    def vendor_of_client(self, rid):
        """Return the vendor name registered to client ``rid``, or None."""
        rows = self._rows('SELECT name FROM fleet_vendors WHERE owner=?', rid)
        return rows[0][0] if rows else None

    def register_vendor(self, rid, name):
        """Register vendor ``name`` to client ``rid``.

        Raises :class:`FleetError`: 400 for a name that is not 1 to 64 letters, digits,
        ``_``, ``.`` or ``-`` (starting with a letter or digit); 409 when the name is
        taken or the client already has a vendor.
        """
        if not isinstance(name, str) or not VENDOR_NAME.match(name):
            raise FleetError(400, 'vendor must be 1 to 64 letters, digits, "_", "." or "-"')
        with self.store.transaction():
            if self.vendor_of_client(rid) is not None:
                raise FleetError(409, 'this client already has a vendor')
            if self.vendor_owner(name) is not None:
                raise FleetError(409, 'vendor name already registered')
            self._exec('INSERT INTO fleet_vendors (name, owner) VALUES (?, ?)', name, rid)

    def unregister_vendor(self, vendor, name):
        """Unregister ``name``, which must be ``vendor`` (the caller's own), deleting its
        tokens, models (with their serial numbers, content and groups) and shares.

        Raises :class:`FleetError` 404 when ``name`` is not the caller's vendor.
        """
        if name != vendor:
            raise FleetError(404, 'vendor %r is not registered to this client' % (name,))
        with self.store.transaction():
            for (model,) in self._rows('SELECT name FROM fleet_models WHERE vendor=?', vendor):
                self.delete_model(vendor, model)
            self._exec('DELETE FROM fleet_shares WHERE vendor=?', vendor)
            self._exec('DELETE FROM fleet_tokens WHERE vendor=?', vendor)
            self._exec('DELETE FROM fleet_vendors WHERE name=?', vendor)

    def token_ids(self, vendor):
        """Return the ids of ``vendor``'s tokens, in creation order."""
        return [r[0] for r in self._rows('SELECT id FROM fleet_tokens WHERE vendor=? ORDER BY rowid', vendor)]

    def create_token(self, vendor, token_id):
        """Create a token for ``vendor`` under ``token_id`` and return it.

        Raises :class:`FleetError` 400 for a bad id, 409 when the id exists.
        """
        check_name('id', token_id)
        with self.store.transaction():
            if self._rows('SELECT 1 FROM fleet_tokens WHERE vendor=? AND id=?', vendor, token_id):
                raise FleetError(409, 'token id already exists')
            token = new_token()
            self._exec('INSERT INTO fleet_tokens (vendor, id, token) VALUES (?, ?, ?)',
                       vendor, token_id, token)
            return token

    def get_token(self, vendor, token_id):
        """Return ``vendor``'s token ``token_id``; raise :class:`FleetError` 404 if none."""
        rows = self._rows('SELECT token FROM fleet_tokens WHERE vendor=? AND id=?', vendor, token_id)
        if not rows:
            raise FleetError(404, 'no such token id')
        return rows[0][0]

    def delete_token(self, vendor, token_id):
        """Delete ``vendor``'s token ``token_id``; raise :class:`FleetError` 404 if none."""
        with self.store.transaction():
            if not self._exec('DELETE FROM fleet_tokens WHERE vendor=? AND id=?', vendor, token_id).rowcount:
                raise FleetError(404, 'no such token id')

    # ------------------------------------------------------------------ models
    def _model(self, vendor, name, missing=404):
        rows = self._rows('SELECT mid, template, kind, ref, options FROM fleet_models '
                          'WHERE vendor=? AND name=?', vendor, name)
        if not rows:
            raise FleetError(missing, 'no model %r for vendor %r' % (name, vendor))
        mid, template, kind, ref, options = rows[0]
        return {'mid': mid, 'vendor': vendor, 'name': name, 'template': template,
                'kind': kind, 'ref': ref, 'options': json.loads(options)}

    def model(self, vendor, name, as_vendor=None, missing=404):
        """Return model ``name`` as a dict (``mid``, ``vendor``, ``name``, ``template``,
        ``kind`` 'rid' or 'code', ``ref``, ``options``).

        With ``as_vendor`` (the X-Exosite-Vendor header), the model is ``as_vendor``'s and
        ``vendor`` must hold a share of it. Raises :class:`FleetError` with status
        ``missing`` for an unknown model, 403 for a model not shared with ``vendor``.
        """
        if as_vendor and as_vendor != vendor:
            model = self._model(as_vendor, name, missing)
            if not self._rows('SELECT 1 FROM fleet_shares WHERE mid=? AND vendor=?', model['mid'], vendor):
                raise FleetError(403, 'model %r is not shared with vendor %r' % (name, vendor))
            model['shared_to'] = vendor
            return model
        model = self._model(vendor, name, missing)
        model['shared_to'] = None
        return model

    def _template(self, vendor, kind, ref):
        """Return the RID of the template client named by ``kind``/``ref``.

        A RID must name a client in ``vendor``'s own subtree (RIDs are not secrets); a share
        code names whatever client its owner shared. Raises :class:`FleetError` 400 for
        neither, 403 for another tenant's client.
        """
        if kind not in ('rid', 'code') or not isinstance(ref, str) or not ref:
            raise FleetError(400, 'a template is given as rid=<rid> or code=<share code>')
        if kind == 'rid' and self.platform.client_status(ref) is not None:
            self.check_own_template(vendor, ref)
            return ref
        rid = self.platform.resolve_sharecode(ref)
        if rid is None or self.platform.client_status(rid) is None:
            raise FleetError(400, 'the template %r is neither a client RID nor a share code of one' % (ref,))
        return rid

    def check_own_template(self, vendor, rid):
        """Raise :class:`FleetError` 403 unless client ``rid`` is ``vendor``'s client or below it."""
        if not self.platform.is_below(self.vendor_owner(vendor), rid):
            raise FleetError(403, "the template is not in the vendor's subtree; share it and "
                                  "give code=<share code>")

    @staticmethod
    def _options(options):
        options = list(options or [])
        for option in options:
            if option not in OPTIONS:
                raise FleetError(400, 'unknown option %r (use %s)' % (option, ', '.join(OPTIONS)))
        return sorted(set(options), key=OPTIONS.index)

    def model_names(self, vendor):
        """Return the names of ``vendor``'s models, in creation order."""
        return [r[0] for r in self._rows('SELECT name FROM fleet_models WHERE vendor=? ORDER BY mid', vendor)]

    def shared_models(self, vendor):
        """Return ``(owner vendor, model)`` pairs of the models shared with ``vendor``."""
        return self._rows('SELECT m.vendor, m.name FROM fleet_shares s JOIN fleet_models m '
                          'ON m.mid=s.mid WHERE s.vendor=? ORDER BY m.mid', vendor)

    def create_model(self, vendor, name, kind, ref, options=()):
        """Create model ``name`` cloning the client given by ``kind`` ('rid': a RID, or a
        share code as the client sends it; 'code': a share code) and ``ref``, with clone
        ``options`` (a subset of noaliases, nocomments, nohistorical).

        Raises :class:`FleetError` 400 for a bad name, template or option, 403 for a
        template RID outside the vendor's subtree, 409 when the vendor already has a model
        of that name.
        """
        check_name('model', name)
        options = self._options(options)
        with self.store.transaction():
            template = self._template(vendor, kind, ref)
            try:
                self._exec('INSERT INTO fleet_models (vendor, name, template, kind, ref, options) '
                           'VALUES (?, ?, ?, ?, ?, ?)', vendor, name, template, kind, ref, json.dumps(options))
            except sqlite3.IntegrityError:
                raise FleetError(409, 'model %r already exists' % (name,))

    def update_model(self, vendor, name, kind, ref, options=()):
        """Give model ``name`` a new template (``kind``/``ref`` as for :meth:`create_model`)
        and options. Raises :class:`FleetError` 404 unknown model, 400 bad template/option,
        403 a template RID outside the vendor's subtree."""
        options = self._options(options)
        with self.store.transaction():
            model = self._model(vendor, name)
            template = self._template(vendor, kind, ref)
            self._exec('UPDATE fleet_models SET template=?, kind=?, ref=?, options=? WHERE mid=?',
                       template, kind, ref, json.dumps(options), model['mid'])

    def delete_model(self, vendor, name):
        """Delete model ``name`` with its serial numbers, ranges, log, content, groups and
        shares (clients already created stay). Raises :class:`FleetError` 404 if unknown."""
        with self.store.transaction():
            mid = self._model(vendor, name)['mid']
            for table in ('fleet_sns', 'fleet_ranges', 'fleet_log', 'fleet_shares', 'fleet_content',
                          'fleet_groups', 'fleet_members', 'fleet_models'):
                self._exec('DELETE FROM %s WHERE mid=?' % table, mid)

    # ------------------------------------------------------------------ shares
    def share_model(self, vendor, name, grantee):
        """Share model ``name`` with vendor ``grantee`` (sharing twice changes nothing).

        Raises :class:`FleetError` 404 for an unknown model or grantee, 400 for sharing
        with oneself.
        """
        with self.store.transaction():
            mid = self._model(vendor, name)['mid']
            if self.vendor_owner(grantee) is None:
                raise FleetError(404, 'no vendor %r' % (grantee,))
            if grantee == vendor:
                raise FleetError(400, 'a vendor cannot share a model with itself')
            self._exec('INSERT OR IGNORE INTO fleet_shares (mid, vendor) VALUES (?, ?)', mid, grantee)

    def unshare_model(self, vendor, name, grantee):
        """Remove ``grantee``'s share of model ``name``; raise :class:`FleetError` 404 when
        the model is unknown or not shared with ``grantee``."""
        with self.store.transaction():
            mid = self._model(vendor, name)['mid']
            if not self._exec('DELETE FROM fleet_shares WHERE mid=? AND vendor=?', mid, grantee).rowcount:
                raise FleetError(404, 'model %r is not shared with %r' % (name, grantee))

    def model_shares(self, vendor, name):
        """Return the names of the vendors model ``name`` is shared with."""
        mid = self._model(vendor, name)['mid']
        return [r[0] for r in self._rows('SELECT vendor FROM fleet_shares WHERE mid=? ORDER BY rowid', mid)]
