"""The fleet side of the emulated One Platform: vendors, models, serial numbers, content
and groups (state and rules only; ``provision_api.py`` and ``device_api.py`` speak HTTP).

Everything lives in the shared :class:`~pyonep.emulator.store.Store` (tables ``fleet_*``)
and changes inside ``store.transaction()``, so a file database keeps the fleet across
restarts. A rule that refuses a request raises :class:`FleetError`, whose ``status`` is
the HTTP status the provisioning API answers.

How the emulator models the provisioning system:

- A vendor is a name registered to one client (its "vendor client"). A vendor is used
  with that client's CIK or with one of the vendor's tokens. The emulator's configured
  vendor (store meta ``vendor``, ``vendor_token``, ``vendor_rid``) is registered to the
  root client when the store is first opened, its token under the id ``default``.
- A model belongs to a vendor and names a template client (by RID or share code) plus the
  clone options ``noaliases``, ``nocomments`` and ``nohistorical``. A template named by RID
  must be the vendor client or below it (RIDs are not secrets), when the model is made and
  when a serial number is enabled; another tenant's client is named by a share code.
- A serial number (sn) is whitelisted in a model one by one, or by ranges. Enabling it
  for an owner clones the template under that owner (the owner must be the vendor client
  or below it); the clone's status is ``notactivated``. Activation gives the device a
  fresh CIK and makes the client ``activated``; it succeeds once, until the sn is enabled
  again (re-enable or remap give a new CIK and the status ``notactivated``). Disable
  makes the client ``expired``: its CIK stops working. Every step is written to the
  sn's activation log.
- Content belongs to a model. Unprotected content is available to every activated sn of
  the model. Protected content is available to an sn only when some group holds both
  (directly, or through groups that are members of groups), and the membership has not
  expired. Group members have a type: ``sn``, ``content`` or ``group`` (other types are
  stored and listed but grant nothing).
- A model can be shared with other vendors; a vendor with a share may enable, re-enable,
  disable and remap its serial numbers and list the ones it enabled.
- Deleting a model deletes its serial numbers, content, groups and shares, but not the
  clients already created (they belong to their owners); deleting an sn likewise keeps
  its client.
"""
import binascii
import json
import os
import re
import sqlite3

from pyonep.emulator.models import CallError

SCHEMA = """
CREATE TABLE IF NOT EXISTS fleet_vendors (name TEXT PRIMARY KEY, owner TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS fleet_tokens (
    vendor TEXT NOT NULL, id TEXT NOT NULL, token TEXT UNIQUE NOT NULL, PRIMARY KEY (vendor, id));
CREATE TABLE IF NOT EXISTS fleet_models (
    mid INTEGER PRIMARY KEY, vendor TEXT NOT NULL, name TEXT NOT NULL, template TEXT NOT NULL,
    kind TEXT NOT NULL, ref TEXT NOT NULL, options TEXT NOT NULL, UNIQUE (vendor, name));
CREATE TABLE IF NOT EXISTS fleet_sns (
    id INTEGER PRIMARY KEY, mid INTEGER NOT NULL, sn TEXT NOT NULL, extra TEXT NOT NULL,
    rid TEXT, enabled_by TEXT, UNIQUE (mid, sn));
CREATE INDEX IF NOT EXISTS fleet_sns_mid_id ON fleet_sns (mid, id);
CREATE INDEX IF NOT EXISTS fleet_sns_rid ON fleet_sns (rid);
CREATE TABLE IF NOT EXISTS fleet_ranges (id INTEGER PRIMARY KEY, mid INTEGER NOT NULL, spec TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fleet_log (
    id INTEGER PRIMARY KEY, mid INTEGER NOT NULL, sn TEXT NOT NULL, ts INTEGER NOT NULL,
    conn TEXT NOT NULL, entry TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS fleet_log_sn ON fleet_log (mid, sn);
CREATE TABLE IF NOT EXISTS fleet_shares (mid INTEGER NOT NULL, vendor TEXT NOT NULL, PRIMARY KEY (mid, vendor));
CREATE TABLE IF NOT EXISTS fleet_content (
    mid INTEGER NOT NULL, id TEXT NOT NULL, meta TEXT NOT NULL, protected INTEGER NOT NULL,
    type TEXT NOT NULL, data BLOB NOT NULL, updated INTEGER NOT NULL, PRIMARY KEY (mid, id));
CREATE TABLE IF NOT EXISTS fleet_groups (
    mid INTEGER NOT NULL, id TEXT NOT NULL, meta TEXT NOT NULL, PRIMARY KEY (mid, id));
CREATE TABLE IF NOT EXISTS fleet_members (
    mid INTEGER NOT NULL, grp TEXT NOT NULL, type TEXT NOT NULL, member TEXT NOT NULL,
    expire INTEGER NOT NULL, meta TEXT NOT NULL, PRIMARY KEY (mid, grp, type, member));
CREATE INDEX IF NOT EXISTS fleet_members_member ON fleet_members (mid, type, member);
"""

OPTIONS = ('noaliases', 'nocomments', 'nohistorical')
RANGE_FORMATS = ('base10', 'base16', 'mac:48', 'mac-48', 'mac.48')
RANGE_KEYS = ('format', 'length', 'casing', 'first', 'last')
MEMBER_TYPES = ('sn', 'content', 'group')
MIN_PAGE, MAX_PAGE, DEFAULT_PAGE = 5, 1000, 5
MAX_NAME = 256
MAX_INT = 2 ** 62  # integers stay well inside sqlite's 64 bits
VENDOR_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$')

# groups that hold a member, directly or through groups that are members of groups
CONTAINING_GROUPS_SQL = """
WITH RECURSIVE up(grp) AS (
    SELECT grp FROM fleet_members WHERE mid=:mid AND type=:type AND member=:member
        AND (expire=0 OR expire>:now)
    UNION
    SELECT m.grp FROM fleet_members m JOIN up ON m.type='group' AND m.member=up.grp
        WHERE m.mid=:mid AND (m.expire=0 OR m.expire>:now))
SELECT grp FROM up"""


class FleetError(Exception):
    """A provisioning rule refused a request.

    Attributes: ``status`` (the HTTP status to answer, e.g. 404), ``message`` (a short
    text for the response body) and ``allow`` (the methods a 405 answer lists, or None).
    """

    def __init__(self, status, message, allow=None):
        if len(message) > 300:  # messages quote client input; keep them short
            message = message[:297] + '...'
        Exception.__init__(self, '%d %s' % (status, message))
        self.status = status
        self.message = message
        self.allow = allow


def new_token():
    """Return a fresh random 40-hex-digit vendor token."""
    return binascii.hexlify(os.urandom(20)).decode('ascii')


def page(offset, limit):
    """Return ``(offset, limit)`` as integers from query text, the limit held between 5
    and 1000 (default 5) and the offset at least 0 (default 0).

    Raises :class:`FleetError` (400) for text that is not an integer.
    """
    try:
        offset = int(offset) if offset not in (None, '') else 0
        limit = int(limit) if limit not in (None, '') else DEFAULT_PAGE
    except ValueError:
        raise FleetError(400, 'offset and limit must be integers')
    return min(max(offset, 0), MAX_INT), min(max(limit, MIN_PAGE), MAX_PAGE)


def check_name(what, value):
    """Return ``value`` when it is a usable identifier (non-empty text without control
    characters, at most 256 characters); raise :class:`FleetError` (400) otherwise."""
    if not isinstance(value, str) or not value or len(value) > MAX_NAME or any(
            ord(c) < 32 or ord(c) == 127 for c in value):
        raise FleetError(400, '%s must be 1 to %d printable characters' % (what, MAX_NAME))
    return value


# ------------------------------------------------------------------ serial number ranges
def normalize_range(spec):
    """Check one serial number range object and return it with defaults filled in.

    A range is ``{"format": "base10"|"base16"|"mac:48"|"mac-48"|"mac.48", "length": n
    (not for mac formats; 0 or null means no padding), "casing": "upper"|"lower" (null
    means lower), "first": n, "last": n}``. exoline sends ``length`` and ``casing`` as null
    when it has no value for them. Raises :class:`FleetError` (400) for anything else.
    """
    if not isinstance(spec, dict):
        raise FleetError(400, 'each range must be an object')
    fmt = spec.get('format')
    if fmt not in RANGE_FORMATS:
        raise FleetError(400, 'range format must be one of %s' % ', '.join(RANGE_FORMATS))
    out = {'format': fmt}
    for key in ('first', 'last'):
        value = spec.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise FleetError(400, 'range %s must be a non-negative integer' % key)
        out[key] = value
    if out['first'] > out['last']:
        raise FleetError(400, 'range first must not be above last')
    if fmt.startswith('mac'):
        if out['last'] >= 1 << 48:
            raise FleetError(400, 'a mac range holds 48-bit numbers')
    else:
        length = spec.get('length') or 0
        if not isinstance(length, int) or isinstance(length, bool) or not 0 <= length <= 64:
            raise FleetError(400, 'range length must be an integer from 0 to 64')
        out['length'] = length
    if fmt != 'base10':
        casing = spec.get('casing') or 'lower'
        if casing not in ('upper', 'lower'):
            raise FleetError(400, 'range casing must be "upper" or "lower"')
        out['casing'] = casing
    return out


def posted_range(spec):
    """Return range ``spec`` (already checked by :func:`normalize_range`) as the platform
    shows it: the five keys as they were posted, a missing one as None (null)."""
    return dict((key, spec.get(key)) for key in RANGE_KEYS)


def range_sn(spec, number):
    """Return the serial number text of ``number`` in the (normalized) range ``spec``."""
    fmt = spec['format']
    if fmt == 'base10':
        return str(number).zfill(spec['length'])
    digits = '%x' % number
    if fmt == 'base16':
        digits = digits.zfill(spec['length'])
    else:
        digits = digits.zfill(12)
        if fmt == 'mac.48':
            digits = '.'.join(digits[i:i + 4] for i in range(0, 12, 4))
        else:
            digits = fmt[3].join(digits[i:i + 2] for i in range(0, 12, 2))
    return digits.upper() if spec['casing'] == 'upper' else digits


def in_range(spec, sn):
    """Return True when serial number ``sn`` is written exactly as range ``spec`` writes
    one of its numbers."""
    text = sn
    if spec['format'].startswith('mac'):
        text = re.sub(r'[:.-]', '', sn)
    base = 10 if spec['format'] == 'base10' else 16
    if not text or not re.match(r'^[0-9a-fA-F]+$' if base == 16 else r'^[0-9]+$', text):
        return False
    number = int(text, base)
    return spec['first'] <= number <= spec['last'] and range_sn(spec, number) == sn


class Fleet(object):
    """The provisioning state of the emulator.

    Arguments: ``store`` (the shared :class:`~pyonep.emulator.store.Store`) and
    ``platform`` (the :class:`~pyonep.emulator.models.Platform` whose clients devices
    become). Creates the ``fleet_*`` tables when missing and registers the configured
    vendor the first time a store is opened.

    Methods take the calling vendor's name (see :meth:`vendor_for_key`) and raise
    :class:`FleetError` when a rule refuses the request.
    """

    def __init__(self, store, platform):
        self.store = store
        self.platform = platform
        store.ensure_schema(SCHEMA)
        with store.transaction():
            name, rid = store.get_meta('vendor'), store.get_meta('vendor_rid')
            if name and rid and store.get_meta('fleet_seeded') is None:
                store.set_meta('fleet_seeded', '1')
                if not self._rows('SELECT 1 FROM fleet_vendors WHERE name=? OR owner=?', name, rid):
                    self._exec('INSERT INTO fleet_vendors (name, owner) VALUES (?, ?)', name, rid)
                    token = store.get_meta('vendor_token')
                    if token:
                        self._exec('INSERT INTO fleet_tokens (vendor, id, token) VALUES (?, ?, ?)',
                                   name, 'default', token)

    # ------------------------------------------------------------------ helpers
    def _rows(self, sql, *params):
        return self.store.execute(sql, params)

    def _exec(self, sql, *params):
        return self.store.conn.execute(sql, params)

    def now(self):
        """Return the platform clock as whole Unix seconds."""
        return self.platform.now()

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
            self._own_template(vendor, ref)
            return ref
        rid = self.platform.resolve_sharecode(ref)
        if rid is None or self.platform.client_status(rid) is None:
            raise FleetError(400, 'the template %r is neither a client RID nor a share code of one' % (ref,))
        return rid

    def _own_template(self, vendor, rid):
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
            if not self.platform.is_below(self.vendor_owner(vendor), owner):
                raise FleetError(403, "owner is not the vendor's client or one of its descendants")
            if model['ref'] == model['template'] and self.platform.client_status(model['ref']):
                # named by RID (not by a share code): it may have left the subtree since
                self._own_template(model['vendor'], model['template'])
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
                model = self.model(vendor, model_name)
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
            model = self.model(vendor, model_name)
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
