"""Exosite Portals: users, portals, devices, data sources and permissions of a domain, over
the Portals REST API (pyonep 0.13.8's ``pyonep.portals``).

:class:`Portals` is the class to use: :meth:`Portals.login_to_portal` logs a user in (asking
for what it is not given), then its methods and those of
:class:`pyonep.portals.endpoints.Endpoints` call the API. Requests go to
``https://<domain>/api/portals/v1``; :meth:`Endpoints.set_portals_url` aims them elsewhere,
such as a local emulator.
"""
from __future__ import print_function

import json
import re
from getpass import getpass

from pyonep._compat import ordered, read_input as _input
from pyonep.exceptions import PortalsResponseException
from pyonep.portals.constants import HTTP_STATUS
from pyonep.portals.endpoints import (PLAIN, TYPED, Domain, Endpoints, path_segment,
                                      reply_field, rid_list)
from pyonep.portals.utils import dictify_device_meta, stringify_device_meta

__all__ = ['Portals', 'Endpoints', 'Domain', 'HTTP_STATUS', 'dictify_device_meta',
           'stringify_device_meta']

# Portals' bulk device request takes this many RIDs at a time.
_DEVICES_PER_REQUEST = 10


class Portals(Endpoints):
    """A user logged in to a Portals domain, with one portal selected.

    Arguments:
        domain: the domain's host name, e.g. ``mydomain.exosite.com``.
        portal_name: the name of the portal to work on, e.g. ``'My Device Portal'``.
        user: the user's e-mail address or user name.
        auth: the password, or a token when ``use_token`` is true. Left out, the password is
            asked for on the terminal (``Enter User Password:``, not echoed).
        use_token: True when ``auth`` is a Portals token (sent as ``Authorization: Token
            <auth>``); False (default) sends basic auth with the user and password.
        debug: True makes the standard library print every HTTP exchange (process-wide).

    Making the object sends nothing. Portal-specific methods act on the portal selected by
    :meth:`get_portal_by_name`, :meth:`set_portal_id` or :meth:`login_to_portal`.
    Errors are those described for :class:`pyonep.portals.endpoints.Endpoints`.
    """

    def __init__(self, domain, portal_name, user, auth='__prompt__', use_token=False,
                 debug=False):
        if auth == '__prompt__':
            print('')  # some terminals put the password prompt on the previous line
            auth = getpass('Enter User Password: ')
        Endpoints.__init__(self, domain, portal_name, user, auth, use_token=use_token,
                           debug=debug)

    @classmethod
    def login_to_portal(cls, domain=None, portal_name=None, user=None, credential=None,
                        use_token=False, portal_id=None, get_devices=False, debug=False,
                        portals_url=None):
        """Log a user in and select a portal; return ``(token, portals_object)``.

        Arguments:
            domain, portal_name, user: asked for on the terminal (``Enter domain:``, ``Enter
                name of Portal:``, ``Enter username:``) when None.
            credential: the password, or a token when ``use_token`` is true. None asks for
                the password on the terminal.
            use_token: True when ``credential`` is a token.
            portal_id: the portal's id. Given, the portal is selected with no request; None
                looks the portal up by name (:meth:`get_portal_by_name`), which also sets
                :meth:`portal_cik`. A name that matches no portal leaves no portal selected.
            get_devices: True also fetches the portal's devices
                (:meth:`map_aliases_to_device_objects`); the result is not kept.
            debug: as for :class:`Portals`.
            portals_url: where the Portals API is, when not at
                ``https://<domain>/api/portals/v1`` (see :meth:`set_portals_url`); used from
                the first request on. Not in pyonep 0.13.8.

        With a password (asked for or given), the token comes from :meth:`get_user_token`
        (a JSON string, quotes included) and the object keeps using the password. With a
        token, the token is returned as given. The object is of the class this is called
        on. Errors: those of the requests made.
        """
        if domain is None:
            domain = _input('Enter domain: ')
        if portal_name is None:
            portal_name = _input('Enter name of Portal: ')
        if user is None:
            user = _input('Enter username: ')
        if credential is None:
            portals = cls(domain=domain, portal_name=portal_name, user=user, debug=debug)
        else:
            portals = cls(domain=domain, portal_name=portal_name, user=user, auth=credential,
                          use_token=use_token, debug=debug)
        if portals_url is not None:
            portals.set_portals_url(portals_url)
        if credential is not None and use_token:
            token = credential
        else:
            token = portals.get_user_token()
        if portal_id is None:
            portals.get_portal_by_name(portals.portal_name())
        else:
            portals.set_portal_id(portal_id)
        if get_devices:
            portals.map_aliases_to_device_objects()
        return token, portals

    # Portals of the domain.

    def get_portals_list(self):
        """List the domain's portals: ``GET /portals``, then ``GET /portals/<id>`` for each.

        Returns a list of ``(id, name, (id, portal_object))`` tuples.
        """
        listing = []
        for portal_id in self.get_domain_portal_ids() or []:
            portal = self.get_portal_by_id(portal_id)
            name = reply_field(portal, ('info', 'description', 'name'), None,
                               'portal %s' % (portal_id,))
            listing.append((portal_id, name, (portal_id, portal)))
        return listing

    def get_portal_by_name(self, portal_name):
        """Select the portal named ``portal_name``: sets :meth:`portal_name`,
        :meth:`portal_id` and :meth:`portal_cik` (requests as :meth:`get_portals_list`).

        Returns its ``(id, name, (id, portal_object))`` tuple, or None (nothing selected)
        when no portal has that name.
        """
        for portal in self.get_portals_list():
            if portal[1] == portal_name:
                self.set_portal_name(portal[1])
                self.set_portal_id(portal[0])
                self.set_portal_cik(reply_field(portal[2][1], ('info', 'key'), None,
                                                'portal %s' % (portal[0],)))
                return portal
        return None

    def _named_portal(self, portal_name):
        portal = self.get_portal_by_name(portal_name)
        if portal is None:
            raise ValueError('no portal named %r on %s' % (portal_name, self.domain()))
        return portal

    def get_portal_cik(self, portal_name):
        """Select the portal named ``portal_name`` (:meth:`get_portal_by_name`) and return
        its CIK. Raises ValueError when no portal has that name."""
        return self._named_portal(portal_name)[2][1]['info']['key']

    def user_portals_picker(self):
        """Ask on the terminal which of the domain's portals to select.

        Prints ``<number> - <name>`` for each portal and asks ``Enter choice ([0, 1, ...]):``
        until the answer is one of the numbers, then selects that portal (name, id and CIK).
        Returns None; prints ``No portals to choose from.`` when the domain has none.
        """
        portals = self.get_portals_list()
        if not portals:
            print('No portals to choose from.')
            return None
        choices = list(range(len(portals)))
        while True:
            for number, portal in enumerate(portals):
                print('\t{0} - {1}'.format(number, portal[1]))
            choice = _input('Enter choice ({0}): '.format(choices))
            try:
                picked = portals[choices.index(int(choice))]
            except ValueError:
                print("'{0}' is not a valid choice. Please choose from {1}".format(
                    choice, choices))
                continue
            self.set_portal_name(picked[1])
            self.set_portal_id(picked[0])
            self.set_portal_cik(picked[2][1].get('info', {}).get('key'))
            return None

    # Devices.

    def rename_device(self, device_obj, new_name):
        """Set the name in ``device_obj`` and save it (:meth:`update_device`).

        Returns the updated device object of the reply.
        """
        device_obj['info']['description']['name'] = new_name
        return self.update_device(device_obj)

    def add_location_timezone_to_device(self, device_obj, location, timezone):
        """Set ``location``/``Location`` and ``timezone``/``Timezone`` in the device's meta
        (both spellings, as Portals reads either) and save it (:meth:`update_device`).

        ``device_obj``'s meta is parsed into a dict in place (an empty meta becomes ``{}``)
        and gets the four keys. Returns the updated device object of the reply. Raises
        ValueError when the meta is not a JSON object.
        """
        dictify_device_meta(device_obj)
        description = device_obj['info']['description']
        if description.get('meta') in (None, ''):
            description['meta'] = {}
        if not isinstance(description['meta'], dict):
            raise ValueError('the device meta is not a JSON object: %r' % (description['meta'],))
        description['meta']['location'] = location
        description['meta']['Location'] = location
        description['meta']['timezone'] = timezone
        description['meta']['Timezone'] = timezone
        return self.update_device(device_obj)

    def add_device_with_name_location_timezone(self, model, serial, name, location,
                                               timezone):
        """Create a device (:meth:`add_device`), name it (:meth:`rename_device`), then set
        its location and time zone (:meth:`add_location_timezone_to_device`): a POST and
        two PUTs. Returns the final device object. Raises PortalsResponseException when
        Portals answered the creation with a success other than 201."""
        device = self.add_device(model, serial)
        if device is None:
            raise PortalsResponseException('add_device created no device (see the status '
                                           'printed above)')
        return self.add_location_timezone_to_device(self.rename_device(device, name),
                                                    location, timezone)

    def delete_device(self, rid):
        """Delete a device (``DELETE /devices/<rid>``).

        Returns True and prints ``Successfully deleted device with rid: <rid>`` on 204.
        Otherwise prints ``Something went wrong: <status>: <reason>``, raises HTTPError for
        4xx/5xx and returns False for other statuses.
        """
        r = self._send('DELETE', '/devices/' + path_segment(rid, 'device rid'), TYPED)
        if self._succeeded(r, None, (HTTP_STATUS.NO_CONTENT,)):
            print('Successfully deleted device with rid: {0}'.format(rid))
            return True
        return False

    def get_cik(self, rid):
        """Return the CIK of the device ``rid`` (from :meth:`get_device`)."""
        return reply_field(self.get_device(rid), ('info', 'key'), None, 'device %s' % (rid,))

    def _devices_and_aliases(self):
        portal = self._named_portal(self.portal_name())
        aliases = reply_field(portal[2][1], ('info', 'aliases'), None,
                              'portal %s' % (portal[0],))
        rids = [rid.strip() for rid in aliases]
        devices = []
        for start in range(0, len(rids), _DEVICES_PER_REQUEST):
            block = self.get_multiple_devices(rids[start:start + _DEVICES_PER_REQUEST])
            if block is not None:
                devices.extend(block)
            else:
                print('Not adding to device list: {0!r}'.format(block))
        for device in devices:
            dictify_device_meta(device)
        return devices, aliases

    def get_all_devices_in_portal(self):
        """Return the device objects of the portal named :meth:`portal_name`, metas parsed
        into dicts.

        Selects that portal (:meth:`get_portal_by_name`), then fetches its devices (the
        keys of the portal's ``info.aliases``) ten at a time with
        :meth:`get_multiple_devices`. Raises ValueError when no portal has that name.
        """
        return self._devices_and_aliases()[0]

    def map_aliases_to_device_objects(self):
        """Return :meth:`get_all_devices_in_portal`'s devices, each with a
        ``portals_aliases`` key: its aliases in the portal (a list)."""
        devices, aliases = self._devices_and_aliases()
        for device in devices:
            device['portals_aliases'] = reply_field(aliases, (device['rid'],), None,
                                                    "the portal's aliases")
        return devices

    def search_for_devices_by_serial_number(self, sn):
        """Return the portal's devices whose serial number matches the regular expression
        ``sn`` at its start (so a prefix matches). A device without a serial number is
        skipped, with a line printed about it."""
        pattern = re.compile(sn)
        matches = []
        for device in self.get_all_devices_in_portal():
            try:
                if pattern.match(device.get('sn')):
                    matches.append(device)
            except TypeError as err:
                print('Problem checking device {0!r}: {1!r}'.format(
                    device['info']['description'].get('name'), str(err)))
        return matches

    def print_device_list(self, device_list=None):
        """Print one line per device: name, serial number and aliases, separated by two tabs
        (a single alias is printed bare, several as a list).

        Arguments: device_list, device objects with ``portals_aliases``; None prints the
        portal's devices (:meth:`map_aliases_to_device_objects`). Returns None.
        """
        devices = device_list if device_list is not None else \
            self.map_aliases_to_device_objects()
        for device in devices:
            aliases = device['portals_aliases']
            print('{0}\t\t{1}\t\t{2}'.format(device['info']['description']['name'],
                                            device['sn'],
                                            aliases[0] if len(aliases) == 1 else aliases))

    def print_sorted_device_list(self, device_list=None, sort_key='sn'):
        """Print the devices as :meth:`print_device_list` does, sorted by ``sort_key``:
        ``'sn'`` (default), ``'name'`` or ``'portals_aliases'``.

        Devices whose key is None are left out. An unknown key prints ``Sort key '<key>'
        not recognized.`` and no devices. Returns None.
        """
        devices = device_list if device_list is not None else \
            self.map_aliases_to_device_objects()
        keys = {'sn': lambda device: device['sn'],
                'name': lambda device: device['info']['description']['name'],
                'portals_aliases': lambda device: device['portals_aliases']}
        if sort_key in keys:
            key = keys[sort_key]
            chosen = sorted((device for device in devices if key(device) is not None), key=key)
        else:
            print('Sort key {0!r} not recognized.'.format(sort_key))
            chosen = []
        self.print_device_list(device_list=chosen)

    # Data sources.

    def list_portal_data_sources(self):
        """List the selected portal's data sources (``GET /portals/<portal id>/data-sources``).

        Returns the parsed list; on a status other than 200, prints ``Something went wrong:
        <status>: <reason>`` and returns ``{}`` (nothing raised, as in pyonep 0.13.8).
        Raises ValueError when no portal is selected.
        """
        r = self._send('GET', self._portal_path('/data-sources'), PLAIN)
        if self._succeeded(r, None, (HTTP_STATUS.OK,), raise_errors=False):
            return self._json(r)
        return {}

    def list_device_data_sources(self, device_rid):
        """List a device's data sources (``GET /devices/<device_rid>/data-sources``).

        Returns the parsed list; on a status other than 200, prints ``Something went wrong:
        <status>: <reason>`` and returns None (nothing raised, as in pyonep 0.13.8).
        """
        path = '/devices/' + path_segment(device_rid, 'device rid') + '/data-sources'
        r = self._send('GET', path, PLAIN)
        if self._succeeded(r, None, (HTTP_STATUS.OK,), raise_errors=False):
            return self._json(r)
        return None

    def get_data_source_bulk_request(self, rids, limit=5):
        """Read the latest points of several data sources
        (``GET /data-sources/[rid1,rid2]/data?limit=<limit>``).

        Arguments: rids, a list of data source RIDs (or one as a string); limit, points per
        data source (default 5). Returns the parsed reply, ``{rid: [[timestamp, value],
        ...]}``; on a status other than 200, prints ``Something went wrong: <status>:
        <reason>`` and returns ``{}`` (nothing raised, as in pyonep 0.13.8).
        """
        path = '/data-sources/' + rid_list(rids, 'data source rid') + '/data?limit=' + str(limit)
        r = self._send('GET', path, TYPED)
        if self._succeeded(r, None, (HTTP_STATUS.OK,), raise_errors=False):
            return self._json(r)
        return {}

    # Users and permissions.

    def get_user_id_from_email(self, email):
        """Return the user id of the account with e-mail ``email`` (from
        :meth:`get_all_user_accounts`), or None when there is none."""
        for account in self.get_all_user_accounts() or []:
            if account.get('email') == email:
                return account.get('id')
        return None

    def get_user_permission_from_email(self, email):
        """Return the permissions of the user with e-mail ``email``
        (:meth:`get_user_id_from_email`, then :meth:`get_user_permission`). Raises
        ValueError when no account has that e-mail."""
        user_id = self.get_user_id_from_email(email)
        if user_id is None:
            raise ValueError('no user account with e-mail %r on %s' % (email, self.domain()))
        return self.get_user_permission(user_id)

    def add_dplist_permission_for_user_on_portal(self, user_email, portal_id):
        """Give the user with e-mail ``user_email`` the ``d_p_list`` permission on portal
        ``portal_id`` (:meth:`add_user_permission`), printing the user's permissions before
        and after. Returns what :meth:`add_user_permission` returns. Raises ValueError when
        no account has that e-mail."""
        user_id = self.get_user_id_from_email(user_email)
        print(self.get_user_permission_from_email(user_email))
        permission = ordered(('access', 'd_p_list'),
                             ('oid', ordered(('id', portal_id), ('type', 'Portal'))))
        result = self.add_user_permission(user_id, json.dumps([permission]))
        print(self.get_user_permission_from_email(user_email))
        return result
