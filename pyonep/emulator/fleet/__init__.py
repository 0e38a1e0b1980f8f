"""The fleet side of the emulated One Platform: vendors, models, serial numbers, content
and groups (state and rules only; ``http/provision.py`` and ``http/device.py`` speak HTTP).

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
from pyonep.emulator.fleet.common import SCHEMA, FleetError, page  # noqa: F401 - the interface
from pyonep.emulator.fleet.content import Contents
from pyonep.emulator.fleet.devices import Devices
from pyonep.emulator.fleet.vendors import Vendors

__all__ = ['Fleet', 'FleetError', 'page']


class Fleet(object):
    """The provisioning state of the emulator, in three parts: ``vendors``
    (:class:`~pyonep.emulator.fleet.vendors.Vendors`: vendors, tokens, models, model
    shares), ``devices`` (:class:`~pyonep.emulator.fleet.devices.Devices`: serial numbers,
    ranges, activation) and ``content`` (:class:`~pyonep.emulator.fleet.content.Contents`:
    content and groups).

    Arguments: ``store`` (the shared :class:`~pyonep.emulator.store.Store`) and
    ``platform`` (the :class:`~pyonep.emulator.platform.Platform` whose clients devices
    become). Creates the ``fleet_*`` tables when missing and registers the configured
    vendor the first time a store is opened.
    """

    def __init__(self, store, platform):
        self.store = store
        self.platform = platform
        self.vendors = Vendors(store, platform)
        self.devices = Devices(store, platform, self.vendors)
        self.content = Contents(store, platform)
        store.ensure_schema(SCHEMA)
        with store.transaction() as conn:
            name, rid = store.get_meta('vendor'), store.get_meta('vendor_rid')
            if name and rid and store.get_meta('fleet_seeded') is None:
                store.set_meta('fleet_seeded', '1')
                if not conn.execute('SELECT 1 FROM fleet_vendors WHERE name=? OR owner=?',
                                    (name, rid)).fetchall():
                    conn.execute('INSERT INTO fleet_vendors (name, owner) VALUES (?, ?)', (name, rid))
                    token = store.get_meta('vendor_token')
                    if token:
                        conn.execute('INSERT INTO fleet_tokens (vendor, id, token) VALUES (?, ?, ?)',
                                     (name, 'default', token))
