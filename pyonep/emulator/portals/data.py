"""Data sources of the emulated Portals domain: dataports owned by a device or a portal
(state and rules only; ``portals_api.py`` speaks HTTP).

A data source is read and written through the One Platform procedures (``read``,
``write``, ``recordbatch``), so everything the RPC document says about formats, windows and
sorting holds here too. Its Portals object shows the newest point as ``data`` and its
``unit`` from the description's meta (``{"datasource": {"unit": ...}}``, which is how
Portals stores it; a dataport made over RPC with other meta has the unit ``""``).
"""
import json

from pyonep.emulator.portals.domain import ADMIN, MANAGE, VIEW, level_of
from pyonep.emulator.portals.users import PortalsError, short_text

DATA_INFO = {'basic': True, 'description': True, 'shares': True, 'storage': True,
             'subscribers': True, 'tags': True}
READ_OPTIONS = ('starttime', 'endtime', 'limit')
FORMATS = ('float', 'integer', 'string')


def read_options(fields):
    """Return RPC read options from query fields (a dict of text): ``starttime``,
    ``endtime`` and ``limit`` (integers) and ``sort`` (``asc`` or ``desc``). Raises
    :class:`~pyonep.emulator.portals.users.PortalsError` 400 for other values."""
    options = {}
    for name in READ_OPTIONS:
        if fields.get(name) not in (None, ''):
            try:
                options[name] = int(fields[name])
            except ValueError:
                raise PortalsError(400, '%s must be an integer' % name)
    if fields.get('sort') not in (None, ''):
        if fields['sort'] not in ('asc', 'desc'):
            raise PortalsError(400, 'sort must be "asc" or "desc"')
        options['sort'] = fields['sort']
    return options


def is_record(value):
    """True when a written body is a list of ``[timestamp, value]`` pairs (a record)
    rather than one value."""
    return isinstance(value, list) and bool(value) and all(
        isinstance(e, list) and len(e) == 2 for e in value)


class DataSources(object):
    """The data sources of a :class:`~pyonep.emulator.portals.Portals` domain.

    Argument: ``portals``. Methods taking ``caller`` check its access and raise
    :class:`~pyonep.emulator.portals.users.PortalsError` (403, 404, 400) when a rule refuses.
    """

    def __init__(self, portals):
        self.portals = portals
        self.platform = portals.platform

    def find(self, rid):
        """Return ``(rid, owner kind, owner, portal)`` of data source ``rid``: the owner is
        a device (kind ``'Device'``, its facts) or a portal (kind ``'Portal'``). Raises
        :class:`PortalsError` 404 for anything else."""
        portals = self.portals
        owner_rid = portals.owner_of(rid)
        if owner_rid is None or self.platform.info(rid, {'basic': True})['basic']['type'] != 'dataport':
            raise PortalsError(404, 'no data source %r' % (rid,))
        portal = portals.portal_of_client(owner_rid)
        if portal is not None:
            return rid, 'Portal', portal, portal
        try:
            device, portal = portals.device(owner_rid)
        except PortalsError:
            raise PortalsError(404, 'no data source %r' % (rid,))
        return rid, 'Device', device, portal

    def level(self, user, found):
        """Return ``user``'s level on a data source (as :meth:`find` returns it): its own
        permissions, else its owner's."""
        rid, kind, owner, portal = found
        own = level_of('DataSource', self.portals.users.accesses(user, 'DataSource', rid))
        if kind == 'Portal':
            return max(own, self.portals.portal_level(user, portal))
        return max(own, self.portals.device_level(user, owner, portal))

    def _reach(self, caller, rid, wanted, what):
        found = self.find(rid)
        self.portals.need(self.level(caller, found), wanted, '%s data source %s' % (what, rid))
        return found

    def object(self, rid):
        """Return the Data Source object of dataport ``rid``."""
        info = self.platform.info(rid, DATA_INFO)
        try:
            unit = json.loads(info['description'].get('meta') or '{}')['datasource']['unit']
        except (ValueError, TypeError, KeyError):
            unit = ''
        return {'data': self.portals._rpc('read', rid, {'limit': 1}), 'info': info, 'rid': rid,
                'unit': unit if isinstance(unit, str) else ''}

    def get(self, caller, rid):
        """Return the object of data source ``rid`` (needs ``d___read``)."""
        self._reach(caller, rid, VIEW, 'read')
        return self.object(rid)

    def bulk(self, caller, rids):
        """Return the objects of data sources ``rids`` (each needs ``d___read``); 404 when
        one is unknown, 403 when one is out of reach."""
        found = [self.find(rid) for rid in rids]
        for item in found:
            self.portals.need(self.level(caller, item), VIEW, 'read data source %s' % item[0])
        return [self.object(item[0]) for item in found]

    def of_device(self, caller, device_rid):
        """Return the data sources of a device (needs ``d___view`` on it)."""
        self.portals.get_device(caller, device_rid)
        return [self.object(rid) for rid in self.portals.children(device_rid, 'dataport')]

    def of_portal(self, caller, portal_id):
        """Return the data sources a portal owns itself (needs ``p_manage`` on it)."""
        portal = self.portals._portal(portal_id)
        self.portals.need(self.portals.portal_level(caller, portal), MANAGE,
                          'list the data sources of this portal')
        return [self.object(rid) for rid in self.portals.children(portal['rid'], 'dataport')]

    def create(self, caller, kind, ident, body):
        """Create a data source under the device ``ident`` (kind ``'Device'``, needs
        ``___admin`` on it) or the portal ``ident`` (kind ``'Portal'``, needs
        ``p_manage``) from ``body`` (``{"info": {"description": {"format", "name"}},
        "unit"}``, all optional; the format defaults to ``string``) and return its object.
        Raises :class:`PortalsError` 400 for a bad body, 403, 404."""
        portals = self.portals
        if kind == 'Device':
            device, portal = portals.device(ident)
            portals.need(portals.device_level(caller, device, portal), ADMIN,
                         'create data sources under this device')
            owner = ident
        else:
            portal = portals._portal(ident)
            portals.need(portals.portal_level(caller, portal), MANAGE,
                         'create data sources under this portal')
            owner = portal['rid']
        if not isinstance(body, dict):
            raise PortalsError(400, 'the body must be a Data Source object')
        info = body.get('info', {})
        description = info.get('description', {}) if isinstance(info, dict) else None
        if not isinstance(description, dict):
            raise PortalsError(400, 'info.description must be an object')
        fmt = description.get('format', 'string')
        if fmt not in FORMATS:
            raise PortalsError(400, 'format must be one of %s' % ', '.join(FORMATS))
        name = short_text('name', description.get('name', ''))
        unit = short_text('unit', body.get('unit', ''))
        meta = json.dumps({'datasource': {'description': '', 'unit': unit}})
        rid = portals._rpc('create', owner, 'dataport', {
            'format': fmt, 'name': name, 'meta': meta,
            'retention': {'count': 'infinity', 'duration': 'infinity'}})
        return self.object(rid)

    def read(self, caller, rids, options):
        """Return ``{rid: [[timestamp, value], ...]}`` for data sources ``rids`` (each
        needs ``d___read``) read with RPC ``options`` (see :func:`read_options`).
        Raises :class:`PortalsError` 404 unknown, 403, 400 bad options."""
        for rid in rids:
            self._reach(caller, rid, VIEW, 'read')
        return dict((rid, self.portals._rpc('read', rid, options)) for rid in rids)

    def write(self, caller, rid, value):
        """Write ``value`` to data source ``rid`` now, or record it when it is a list of
        ``[timestamp, value]`` pairs (needs ``d__write``). All or nothing: raises
        :class:`PortalsError` 400 when the platform refuses a value, 403, 404."""
        self._reach(caller, rid, MANAGE, 'write')
        with self.portals.store.transaction():
            if is_record(value):
                self.portals._rpc('recordbatch', rid, value)
            else:
                self.portals._rpc('write', rid, value)

    def delete(self, caller, rid):
        """Delete data source ``rid`` with its data (needs ``___admin`` on it)."""
        self._reach(caller, rid, ADMIN, 'delete')
        with self.portals.store.transaction():
            self.portals.users.forget_object('DataSource', rid)
            self.platform.drop(rid)
