"""The emulated Portals domain: its users' portals and devices, and who may reach them
(state and rules only; ``portals_api.py`` speaks HTTP, ``portals_users.py`` keeps the
users, ``portals_accounts.py`` says what users may see of users and hand out,
``portals_data.py`` keeps the data sources).

How the emulator models Portals (the Portals API document is the reference):

- There is one domain, named when the store is first opened (by default
  ``portals<8 hex digits>.emulator.test``; the Host header of requests is not looked
  at). Its One Platform client has no owner: it tops a tree of its own beside the
  root client's, so the root CIK never reaches Portals data and the root's listing is
  unchanged. The domain is a vendor of the fleet: its name is the domain's first label
  (pyonep 0.13.8's ``Endpoints.vendor()`` reads it there), with a vendor token of its own.
- Each user has a client under the domain's client; each portal is a client under its
  owner's client; each device is a client under its portal; a data source is a dataport
  owned by a device or by a portal. So RPC with a portal's CIK (its ``info.key``) lists
  and reads the same devices and data sources that Portals shows, and a device's own CIK
  writes what Portals reads.
- A device of type ``vendor`` is added by model and serial number: the model is one of
  the domain vendor's (or one another vendor shares with it) and the serial number one
  of its whitelisted ones; the fleet enables it with the portal as owner (a clone of the
  model's template, status ``notactivated``), and the device activates with
  ``POST /provision/activate`` (``vendor=<domain vendor>&model=...&sn=...``) as usual.
  Its alias in the portal is its serial number (``<model>:<sn>`` when that is taken).
  A ``generic`` device is an empty activated client, aliased by its RID. Deleting a
  device drops its client, which frees the serial number for adding again.
- Access: a user with ``___admin`` on the domain may do everything. Otherwise what a user
  may do with a portal follows from its permissions on it (``___admin`` is the owner's,
  given at creation; ``p_manage`` manages; ``p___view`` views; ``p_m_crea`` only adds
  devices), with a device from its permissions on the device or else its portal's
  (``___admin``, ``d_update``, ``d___view``), and with a data source from its own or else
  its owner's (``___admin``, ``d__write``, ``d___read``). A user adding a device gets
  ``___admin`` on it. Unknown ids answer 404; objects of the domain the caller may not
  reach answer 403.
"""
import datetime
import json

from pyonep.emulator.fleet import FleetError
from pyonep.emulator.platform import LIMIT_KEYS, ArgumentError, Caller
from pyonep.emulator.portals.users import PortalsError, Users, new_id, short_text

SCHEMA = """
CREATE TABLE IF NOT EXISTS portals_portals (
    id TEXT PRIMARY KEY, rid TEXT UNIQUE NOT NULL, user_id TEXT NOT NULL, plan_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS portals_devices (
    rid TEXT PRIMARY KEY, type TEXT NOT NULL, vendor TEXT, model TEXT, sn TEXT);
"""

VIEW, MANAGE, ADMIN = 1, 2, 3
LEVELS = {
    'Portal': {'___admin': ADMIN, 'p_manage': MANAGE, 'p___view': VIEW},
    'Device': {'___admin': ADMIN, 'd_update': MANAGE, 'd___view': VIEW},
    'DataSource': {'___admin': ADMIN, 'd__write': MANAGE, 'd___read': VIEW},
}
CLIENT_INFO = {'aliases': True, 'basic': True, 'description': True, 'key': True, 'shares': True,
               'subscribers': True, 'tagged': True, 'tags': True}
INHERIT = dict((k, 'inherit') for k in LIMIT_KEYS)
DEFAULT_PORTAL_NAME = 'Emulated Portal'
DEFAULT_PLAN = '1000000000'


def level_of(otype, accesses):
    """Return the highest level (0, VIEW, MANAGE or ADMIN) that ``accesses`` give on an
    object of type ``otype``."""
    return max([LEVELS[otype].get(a, 0) for a in accesses] + [0])


class Portals(object):
    """The Portals domain of the emulator.

    Arguments: ``store``, ``platform`` and ``fleet`` (the emulator's), and, used only the
    first time a store is opened: ``domain`` (the domain name; its first label becomes the
    domain's vendor), ``user`` (the first user's e-mail address, a domain admin; default
    ``admin@<domain>``) and ``password`` (generated when None). A first portal named
    ``Emulated Portal`` is made for that user.

    Attributes: ``users`` (:class:`~pyonep.emulator.portals.users.Users`), ``domain``,
    ``domain_id``, ``domain_rid``, ``vendor``, ``data``
    (:class:`~pyonep.emulator.portals.data.DataSources`) and ``accounts``
    (:class:`~pyonep.emulator.portals.accounts.Accounts`).

    Methods taking ``caller`` (the authenticated user, a dict) check its access and raise
    :class:`~pyonep.emulator.portals.users.PortalsError` when a rule refuses. Raises
    ``ValueError`` at creation for a domain whose vendor name the fleet refuses.
    """

    def __init__(self, store, platform, fleet, domain=None, user=None, password=None):
        from pyonep.emulator.portals.accounts import Accounts
        from pyonep.emulator.portals.data import DataSources
        self.store = store
        self.platform = platform
        self.fleet = fleet
        store.ensure_schema(SCHEMA)  # DDL commits: keep it out of transactions
        with store.transaction():
            if store.get_meta('portals_domain') is None:
                self._seed(domain, user, password)
        self.domain = store.get_meta('portals_domain')
        self.domain_id = store.get_meta('portals_domain_id')
        self.domain_rid = store.get_meta('portals_domain_rid')
        self.vendor = store.get_meta('portals_vendor')
        self.users = Users(store, platform, self.domain_rid)
        with store.transaction():
            if store.get_meta('portals_portal_id') is None:
                admin = self.users.create(store.get_meta('portals_user'),
                                          store.get_meta('portals_password'))
                self.users.grant(admin, '___admin', 'Domain', self.domain_id)
                portal = self.create_portal(admin, admin['id'], {'planId': DEFAULT_PLAN})
                self._rpc('update', self._portal(portal['id'])['rid'], {'name': DEFAULT_PORTAL_NAME})
                store.set_meta('portals_portal_id', portal['id'])
        self.data = DataSources(self)
        self.accounts = Accounts(self)

    def _seed(self, domain, user, password):
        import binascii
        import os
        suffix = binascii.hexlify(os.urandom(4)).decode('ascii')
        domain = domain or 'portals%s.emulator.test' % suffix
        vendor = domain.split('.')[0]
        rid, _ = self.platform.create_top_client({'name': domain, 'limits': INHERIT})
        try:
            self.fleet.vendors.register_vendor(rid, vendor)
        except FleetError as exc:
            raise ValueError('cannot use %r as the Portals domain: its vendor name %r: %s'
                             % (domain, vendor, exc.message))
        self.fleet.vendors.create_token(vendor, 'default')
        for key, value in (('portals_domain', domain), ('portals_domain_rid', rid),
                           ('portals_domain_id', new_id(lambda _: False)),
                           ('portals_vendor', vendor),
                           ('portals_user', user or 'admin@' + domain),
                           ('portals_password', password or binascii.hexlify(os.urandom(8)).decode())):
            self.store.set_meta(key, value)

    def config(self):
        """Return the startup keys of the domain: ``portals_domain``, ``portals_user``,
        ``portals_password``, ``portal_id``, ``portal_name``, ``portal_cik``,
        ``portals_vendor`` and ``portals_vendor_token`` (None when the first portal or
        the vendor's token was deleted since)."""
        meta = self.store.get_meta
        portal = self._portal_row(meta('portals_portal_id'))
        info = self.platform.info(portal['rid'], {'description': True, 'key': True}) if portal else None
        tokens = self.fleet.vendors.token_ids(self.vendor)
        return {'portals_domain': self.domain, 'portals_user': meta('portals_user'),
                'portals_password': meta('portals_password'),
                'portal_id': portal['id'] if portal else None,
                'portal_name': info['description']['name'] if info else None,
                'portal_cik': info['key'] if info else None,
                'portals_vendor': self.vendor,
                'portals_vendor_token': self.fleet.vendors.get_token(self.vendor, tokens[0]) if tokens else None}

    # ------------------------------------------------------------------ helpers
    def _rpc(self, procedure, *arguments):
        """Run an RPC procedure as the domain's client; return its result. Raises
        :class:`PortalsError` 400 when the platform refuses it."""
        try:
            status, result = self.platform.run(Caller(self.domain_rid), procedure, list(arguments))
        except ArgumentError as exc:
            raise PortalsError(400, '%s refused: %s' % (procedure, exc))
        if status != 'ok':
            raise PortalsError(400, '%s refused: %s' % (procedure, status))
        return result

    def owner_of(self, rid):
        """Return the owner RID of resource ``rid`` when it is in the domain's tree (and
        not its top), else None."""
        if not isinstance(rid, str) or rid == self.domain_rid:
            return None
        status, owner = self.platform.run(Caller(self.domain_rid), 'lookup', ['owner', rid])
        return owner if status == 'ok' else None

    def children(self, rid, rtype):
        """Return the RIDs of the resources of type ``rtype`` that ``rid`` owns."""
        return self._rpc('listing', rid, [rtype], {})[rtype]

    def is_admin(self, user):
        """True when ``user`` holds ``___admin`` on the domain."""
        return '___admin' in self.users.accesses(user, 'Domain', self.domain_id)

    def need_domain(self, user, access):
        """Raise :class:`PortalsError` 403 unless ``user`` holds ``access`` on the domain
        (``___admin`` and the stronger accesses of
        :data:`~pyonep.emulator.portals.users.DOMAIN_IMPLIES` count)."""
        from pyonep.emulator.portals.users import DOMAIN_IMPLIES
        held = self.users.accesses(user, 'Domain', self.domain_id)
        if '___admin' in held or access in held or any(
                access in DOMAIN_IMPLIES.get(a, ()) for a in held):
            return
        raise PortalsError(403, 'this needs %s permission to the domain' % access)

    @staticmethod
    def need(level, wanted, what):
        """Raise :class:`PortalsError` 403 unless ``level`` reaches ``wanted``."""
        if level < wanted:
            raise PortalsError(403, 'no permission to %s' % what)

    # ------------------------------------------------------------------ portals
    def _portal_row(self, portal_id):
        rows = self.store.execute('SELECT id, rid, user_id, plan_id FROM portals_portals WHERE id=?',
                                  (portal_id,)) if isinstance(portal_id, str) else []
        if not rows or self.platform.client_status(rows[0][1]) is None:
            return None
        return dict(zip(('id', 'rid', 'user_id', 'plan_id'), rows[0]))

    def _portal(self, portal_id):
        portal = self._portal_row(str(portal_id) if isinstance(portal_id, int) else portal_id)
        if portal is None:
            raise PortalsError(404, 'no portal %r' % (portal_id,))
        return portal

    def portal_of_client(self, rid):
        """Return the portal (a dict: ``id``, ``rid``, ``user_id``, ``plan_id``) whose
        client is ``rid``, or None."""
        rows = self.store.execute('SELECT id FROM portals_portals WHERE rid=?', (rid,))
        return self._portal_row(rows[0][0]) if rows else None

    def portal_level(self, user, portal):
        """Return ``user``'s level (0, VIEW, MANAGE, ADMIN) on ``portal``."""
        if self.is_admin(user):
            return ADMIN
        return level_of('Portal', self.users.accesses(user, 'Portal', portal['id']))

    def portal_object(self, user, portal, level=None):
        """Return the Portal object of ``portal`` as ``user`` sees it (``key`` is null
        below ``___admin``)."""
        level = self.portal_level(user, portal) if level is None else level
        info = self.platform.info(portal['rid'], CLIENT_INFO)
        if level < ADMIN:
            info['key'] = None
        return {'devices': self.children(portal['rid'], 'client'), 'id': portal['id'],
                'info': info, 'planId': portal['plan_id']}

    def get_portal(self, caller, portal_id):
        """Return the Portal object of ``portal_id`` (needs ``p___view``; 404 unknown)."""
        portal = self._portal(portal_id)
        level = self.portal_level(caller, portal)
        self.need(level, VIEW, 'view this portal')
        return self.portal_object(caller, portal, level)

    def domain_portal_ids(self, caller):
        """Return ``[{"id": ...}]`` of every portal of the domain (needs ``d_p_list``)."""
        self.need_domain(caller, 'd_p_list')
        rows = self.store.execute('SELECT id, rid FROM portals_portals ORDER BY rowid')
        return [{'id': i} for i, rid in rows if self.platform.client_status(rid) is not None]

    def user_portals(self, caller):
        """Return the portals ``caller`` owns or manages: ``[{"name", "domain", "key",
        "rid", "role"}]`` with role ``owner`` or ``manager``."""
        out = []
        for (portal_id,) in self.store.execute('SELECT id FROM portals_portals ORDER BY rowid'):
            portal = self._portal_row(portal_id)
            if portal is None:
                continue
            accesses = self.users.accesses(caller, 'Portal', portal_id)
            if portal['user_id'] == caller['id']:
                role = 'owner'
            elif level_of('Portal', accesses) >= MANAGE:
                role = 'manager'
            else:
                continue
            info = self.platform.info(portal['rid'], {'description': True, 'key': True})
            out.append({'name': info['description']['name'], 'domain': self.domain,
                        'key': info['key'], 'rid': portal['rid'], 'role': role})
        return out

    def create_portal(self, caller, user_id, body):
        """Create a portal owned by user ``user_id`` (``_this``: the caller) from ``body``
        (``{"planId": digits}``) and return its Portal object.

        Needs ``d_p_crea`` on the domain, and domain ``___admin`` to create one for
        another user. Raises :class:`PortalsError` 400 for a bad body, 403, 404 unknown user.
        """
        owner = self.users.resolve(caller, user_id)
        self.need_domain(caller, 'd_p_crea')
        if owner['id'] != caller['id'] and not self.is_admin(caller):
            raise PortalsError(403, 'only a domain admin creates portals for other users')
        plan = body.get('planId') if isinstance(body, dict) else None
        if isinstance(plan, int) and not isinstance(plan, bool):
            plan = str(plan)
        if not isinstance(plan, str) or not plan.isdigit() or len(plan) > 20:
            raise PortalsError(400, 'the body must be {"planId": <plan id, digits>}')
        with self.store.transaction() as conn:
            rid, _ = self.platform.create_client(owner['rid'], {'limits': INHERIT})
            portal_id = new_id(self._portal_row)
            conn.execute('INSERT INTO portals_portals (id, rid, user_id, plan_id) VALUES (?, ?, ?, ?)',
                         (portal_id, rid, owner['id'], plan))
            self.users.grant(owner, '___admin', 'Portal', portal_id)
        portal = self._portal(portal_id)
        return self.portal_object(owner, portal)

    def update_portal(self, caller, portal_id, body):
        """Apply ``body`` (a Portal object: only ``info.description`` and ``info.aliases``
        count; aliases replace all the portal's aliases) and return the Portal object.

        Needs ``p_manage``. Raises :class:`PortalsError` 400 for a bad body (nothing is
        changed then), 403, 404.
        """
        portal = self._portal(portal_id)
        level = self.portal_level(caller, portal)
        self.need(level, MANAGE, 'update this portal')
        info = body.get('info', {}) if isinstance(body, dict) else None
        if not isinstance(info, dict):
            raise PortalsError(400, 'the body must be a Portal object: {"info": {...}}')
        with self.store.transaction():
            if 'description' in info:
                self._update_description(portal['rid'], info['description'])
            if 'aliases' in info:
                self._replace_aliases(portal, info['aliases'])
        return self.portal_object(caller, portal, level)

    def _update_description(self, rid, description):
        if not isinstance(description, dict):
            raise PortalsError(400, 'info.description must be an object')
        status, _ = self.platform.run(Caller(self.domain_rid), 'update', [rid, description])
        if status != 'ok':
            raise PortalsError(400, 'info.description was refused (%s): check its fields' % status)

    def _aliases(self, portal):
        """Return every alias the portal's client maps."""
        mapped = self.platform.info(portal['rid'], {'aliases': True})['aliases']
        return [alias for names in mapped.values() for alias in names]

    def _replace_aliases(self, portal, aliases):
        if aliases == []:
            aliases = {}
        if not isinstance(aliases, dict) or not all(
                isinstance(v, list) and all(isinstance(a, str) and a for a in v)
                for v in aliases.values()):
            raise PortalsError(400, 'info.aliases must map RIDs to lists of aliases')
        caller = Caller(portal['rid'])
        for alias in self._aliases(portal):
            self.platform.run(caller, 'unmap', ['alias', alias])
        for rid, names in aliases.items():
            if rid == portal['rid'] or not self.platform.is_below(portal['rid'], rid):
                raise PortalsError(400, '%r is not a device or data source of this portal' % (rid,))
            for alias in names:
                status, _ = self.platform.run(caller, 'map', ['alias', rid, alias])
                if status != 'ok':
                    raise PortalsError(400, 'alias %r is used twice' % (alias,))

    def delete_portal(self, caller, portal_id):
        """Delete the portal with its devices and data sources (needs ``___admin`` on it);
        return its name. Raises :class:`PortalsError` 403, 404."""
        portal = self._portal(portal_id)
        self.need(self.portal_level(caller, portal), ADMIN, 'delete this portal')
        name = self.platform.info(portal['rid'], {'description': True})['description']['name']
        with self.store.transaction() as conn:
            for rid in self.children(portal['rid'], 'client'):
                self._forget_device(rid)
            for rid in self.children(portal['rid'], 'dataport'):
                self.users.forget_object('DataSource', rid)
            self.platform.drop(portal['rid'])
            conn.execute('DELETE FROM portals_portals WHERE id=?', (portal['id'],))
            self.users.forget_object('Portal', portal['id'])
        return name

    # ------------------------------------------------------------------ devices
    def device(self, rid):
        """Return ``(device facts, portal)`` for the device client ``rid`` (facts: ``type``,
        ``vendor``, ``model``, ``sn``); raise :class:`PortalsError` 404 when ``rid`` is not
        a client directly under a portal."""
        owner = self.owner_of(rid)
        portal = self.portal_of_client(owner) if owner else None
        if portal is None or self.platform.client_status(rid) is None:
            raise PortalsError(404, 'no device %r' % (rid,))
        rows = self.store.execute('SELECT type, vendor, model, sn FROM portals_devices WHERE rid=?', (rid,))
        facts = dict(zip(('type', 'vendor', 'model', 'sn'), rows[0])) if rows else {
            'type': 'generic', 'vendor': None, 'model': None, 'sn': None}
        facts['rid'] = rid
        return facts, portal

    def device_level(self, user, device, portal):
        """Return ``user``'s level on ``device`` (its own permissions, else its portal's)."""
        own = level_of('Device', self.users.accesses(user, 'Device', device['rid']))
        return max(own, self.portal_level(user, portal))

    def device_object(self, user, device, level):
        """Return the Device object of ``device`` (``key`` null below ``___admin``)."""
        info = self.platform.info(device['rid'], CLIENT_INFO)
        if level < ADMIN:
            info['key'] = None
        members = [{'access': access, 'oid': {'type': 'User', 'id': user_id}}
                   for user_id, access in self.users.holders('Device', device['rid'])]
        return {'dataSources': self.children(device['rid'], 'dataport'), 'info': info,
                'members': members, 'model': device['model'], 'rid': device['rid'],
                'sn': device['sn'], 'type': device['type'], 'vendor': device['vendor']}

    def get_device(self, caller, rid, wanted=VIEW):
        """Return the Device object of ``rid`` (needs ``d___view``, or ``wanted``).
        Raises :class:`PortalsError` 403, 404."""
        device, portal = self.device(rid)
        level = self.device_level(caller, device, portal)
        self.need(level, wanted, 'view this device')
        return self.device_object(caller, device, level)

    def portal_devices(self, caller, portal_id, offset=0, limit=None):
        """Return the Device objects of a portal's devices (needs ``p___view``), the page
        ``offset``/``limit`` of them. Raises :class:`PortalsError` 403, 404."""
        portal = self._portal(portal_id)
        self.need(self.portal_level(caller, portal), VIEW, 'view this portal')
        rids = self.children(portal['rid'], 'client')
        rids = rids[offset:] if limit is None else rids[offset:offset + limit]
        return [self.get_device(caller, rid) for rid in rids]

    def devices_bulk(self, caller, rids):
        """Return the Device objects of ``rids`` (each needs ``d___view``). Raises
        :class:`PortalsError` 400 when one is not a device, 403."""
        found = []
        for rid in rids:
            try:
                found.append(self.device(rid))
            except PortalsError:
                raise PortalsError(400, '%r is not a device' % (rid,))
        out = []
        for device, portal in found:
            level = self.device_level(caller, device, portal)
            self.need(level, VIEW, 'view device %s' % device['rid'])
            out.append(self.device_object(caller, device, level))
        return out

    def add_device(self, caller, portal_id, body):
        """Add a device to a portal from ``body`` (``{"type": "vendor", "model", "sn",
        "vendor"}`` or ``{"type": "generic"}``) and return its Device object.

        Needs ``p_m_crea`` (or ``p_manage``). Raises :class:`PortalsError` 404 unknown
        portal, 403, and 400 with ``errors`` for a bad body (``missing_type``,
        ``missing_model``, ``missing_sn``), a model the domain may not use
        (``forbidden_model``), a serial number the model does not list (``invalid_sn``) or
        one already in use (``unavailable_sn``).
        """
        portal = self._portal(portal_id)
        accesses = self.users.accesses(caller, 'Portal', portal['id'])
        if self.portal_level(caller, portal) < MANAGE and 'p_m_crea' not in accesses:
            raise PortalsError(403, 'no permission to add devices to this portal')
        if not isinstance(body, dict) or body.get('type') not in ('vendor', 'generic'):
            raise PortalsError(400, 'type must be "vendor" or "generic"', ['missing_type'])
        if body['type'] == 'generic':
            rid = self._new_device(caller, portal, 'generic', None, None, None)
        else:
            rid = self._vendor_device(caller, portal, body.get('vendor', self.vendor),
                                      body.get('model'), body.get('sn'))
        return self.get_device(caller, rid)

    def create_device(self, caller, body):
        """``POST /device``: add a vendor device to the portal whose client is
        ``body["portal_rid"]``, named ``body["name"]`` (``location`` and ``timezone``
        optional); return ``{"rid", "cik"}``.

        Needs ``p_manage``. Raises :class:`PortalsError` 403, and 400 with ``errors``:
        ``missing_<field>``, ``portal_not_found``, ``forbidden_model``, ``invalid_sn``,
        ``unavailable_sn``.
        """
        if not isinstance(body, dict):
            raise PortalsError(400, 'the body must be a JSON object', ['missing_portal_rid'])
        for field in ('portal_rid', 'vendor', 'model', 'serialnumber', 'name'):
            if not isinstance(body.get(field), str) or not body[field]:
                raise PortalsError(400, '%s is required' % field, ['missing_' + field])
        portal = self.portal_of_client(body['portal_rid'])
        if portal is None:
            raise PortalsError(400, 'no portal has that RID', ['portal_not_found'])
        self.need(self.portal_level(caller, portal), MANAGE, 'add devices to this portal')
        meta = {}
        for field in ('location', 'timezone'):
            meta[field] = short_text(field, body.get(field, ''))
        with self.store.transaction():
            rid = self._vendor_device(caller, portal, body['vendor'], body['model'],
                                      body['serialnumber'], name=short_text('name', body['name']),
                                      place=meta)
            return {'rid': rid, 'cik': self.platform.info(rid, {'key': True})['key']}

    def _vendor_device(self, caller, portal, vendor, model_name, sn, name=None, place=None):
        for field, value in (('model', model_name), ('sn', sn), ('vendor', vendor)):
            if not isinstance(value, str) or not value:
                raise PortalsError(400, '%s is required' % field, ['missing_' + field])
        with self.store.transaction():
            try:
                model = self.fleet.vendors.model(self.vendor, model_name, as_vendor=vendor)
            except FleetError:
                raise PortalsError(400, 'model %r of vendor %r is not available in this domain'
                                   % (model_name, vendor), ['forbidden_model'])
            if not self.fleet.devices.sn_exists(model, sn):
                raise PortalsError(400, 'serial number %r is not one of model %r' % (sn, model_name),
                                   ['invalid_sn'])
            try:
                rid = self.fleet.devices.enable(model, sn, portal['rid'], 'portals')
            except FleetError as exc:
                raise PortalsError(400, 'serial number %r is not available: %s' % (sn, exc.message),
                                   ['unavailable_sn'])
            return self._new_device(caller, portal, 'vendor', model['vendor'], model_name, sn,
                                    rid=rid, name=name, place=place)

    def _new_device(self, caller, portal, dtype, vendor, model, sn, rid=None, name=None, place=None):
        """Record a device (creating a generic one's client), name it, alias it in the
        portal and give ``caller`` ``___admin`` on it; return its RID."""
        now = datetime.datetime.utcfromtimestamp(self.platform.now()).strftime('%Y-%m-%dT%H:%M:%S+00:00')
        device = {'type': dtype}
        if dtype == 'vendor':
            device.update(model=model, vendor=vendor, sn=sn)
        meta = dict(place or {'timezone': '', 'location': ''}, device=device)
        with self.store.transaction() as conn:
            if rid is None:
                rid, _ = self.platform.create_client(portal['rid'], {'limits': INHERIT})
            self._rpc('update', rid, {'name': name or 'New Device@' + now, 'meta': json.dumps(meta)})
            conn.execute('INSERT OR REPLACE INTO portals_devices (rid, type, vendor, model, sn) '
                         'VALUES (?, ?, ?, ?, ?)', (rid, dtype, vendor, model, sn))
            taken = set(self._aliases(portal))
            candidates = (sn, '%s:%s' % (model, sn)) if sn else ()
            alias = next(a for a in candidates + (rid,) if a not in taken)
            self.platform.run(Caller(portal['rid']), 'map', ['alias', rid, alias])
            self.users.grant(caller, '___admin', 'Device', rid)
        return rid

    def update_device(self, caller, rid, body):
        """Apply ``body`` (a Device object; only ``info.description`` counts) and return
        the Device object. Needs ``d_update``. Raises :class:`PortalsError` 400, 403, 404."""
        device, portal = self.device(rid)
        level = self.device_level(caller, device, portal)
        self.need(level, MANAGE, 'update this device')
        info = body.get('info', {}) if isinstance(body, dict) else None
        if not isinstance(info, dict):
            raise PortalsError(400, 'the body must be a Device object: {"info": {...}}')
        if 'description' in info:
            self._update_description(rid, info['description'])
        return self.device_object(caller, device, level)

    def delete_device(self, caller, rid):
        """Delete a device, its client and its data sources (needs ``d_update``). The
        serial number can be added again. Raises :class:`PortalsError` 403, 404."""
        device, portal = self.device(rid)
        self.need(self.device_level(caller, device, portal), MANAGE, 'delete this device')
        with self.store.transaction():
            self._forget_device(rid)
            self.platform.drop(rid)

    def _forget_device(self, rid):
        for port in self.children(rid, 'dataport'):
            self.users.forget_object('DataSource', port)
        self.users.forget_object('Device', rid)
        self.store.conn.execute('DELETE FROM portals_devices WHERE rid=?', (rid,))
