"""The Portals API, one method per endpoint.

:class:`Domain` holds where the requests go and who makes them; :class:`Endpoints` adds the
selected portal and one method per Portals API endpoint. :class:`pyonep.portals.Portals`
builds the conveniences on top. Requests, headers and return values are those of pyonep
0.13.8; see the "On the wire" section of the Portals guide page.
"""
from __future__ import print_function

import copy
import json

import requests
from requests.auth import HTTPBasicAuth

from pyonep._compat import http_client, ordered, string_types
from pyonep.exceptions import PortalsResponseException
from pyonep.portals.__version__ import __version__ as VERSION
from pyonep.portals.constants import DEFAULT_TIMEOUT, HTTP_STATUS, PORTALS_API_PATH
from pyonep.portals.utils import dictify_device_meta

# The header sets that pyonep 0.13.8 sends, each followed by the token header when the
# object uses a token. LOGIN: User-Agent, Host (the domain), Accept. PLAIN: User-Agent only.
# TYPED: User-Agent and Content-Type.
LOGIN, PLAIN, TYPED = 'login', 'plain', 'typed'


def path_segment(value, what):
    """Return value as text for a URL path, or raise ValueError naming ``what`` when it is
    None. Strings are used as given; other values (e.g. a numeric portal id) go through str().
    """
    if value is None:
        raise ValueError('%s is None' % what)
    return value if isinstance(value, string_types) else str(value)


def rid_list(rids, what='rids'):
    """Return ``[rid1,rid2,...]``, the way the bulk endpoints take several RIDs in a path.

    Arguments: rids, a list (or other iterable) of RIDs, or one RID as a string. Spaces in
    the RIDs are dropped, as pyonep 0.13.8 dropped them. Raises ValueError for a None RID.
    """
    if isinstance(rids, string_types):
        rids = [rids]
    return '[' + ','.join(path_segment(rid, what).replace(' ', '') for rid in rids) + ']'


def reply_field(obj, keys, response, what):
    """Return ``obj[keys[0]][keys[1]]...`` from a parsed Portals reply.

    Raises :class:`pyonep.exceptions.PortalsResponseException` naming ``what`` and the
    missing field when the reply does not have it.
    """
    value = obj
    for key in keys:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            shown = repr(obj)
            shown = shown if len(shown) <= 300 else shown[:300] + '...'
            raise PortalsResponseException(
                '%s has no %s: %s' % (what, '.'.join(str(k) for k in keys), shown), response)
    return value


class Domain(object):
    """A Portals domain, and the user who talks to it.

    Arguments:
        domain: the domain's host name, e.g. ``mydomain.exosite.com``.
        user: the user's e-mail address or user name.
        auth: the user's password, or a Portals token when ``use_token`` is true.
        use_token: False (default) sends HTTP basic auth (user, password) with every request;
            True sends the header ``Authorization: Token <auth>`` instead.

    Raises ValueError when ``use_token`` is true and ``auth`` is not a string.
    """

    def __init__(self, domain, user, auth, use_token=False):
        self._domain = domain
        self._user = user
        if use_token:
            if not isinstance(auth, string_types):
                raise ValueError('use_token=True needs the token as auth, got %r' % (auth,))
            self._auth_headers = {'Authorization': 'Token ' + auth}
            self._auth = None
        else:
            self._auth_headers = {}
            self._auth = HTTPBasicAuth(user, auth)
        self._domain_url = 'https://' + domain
        self._user_agent = 'Portals-Bindings-v{0}'.format(VERSION)
        self._content_type = 'application/json; charset=utf-8'

    def domain(self):
        """Return the domain's host name."""
        return self._domain

    def user(self):
        """Return the user name or e-mail address."""
        return self._user

    def auth(self):
        """Return the ``requests.auth.HTTPBasicAuth`` sent with each request, or None when
        the object uses a token."""
        return self._auth

    def domain_url(self):
        """Return ``https://<domain>``."""
        return self._domain_url

    def user_agent(self):
        """Return the User-Agent sent with every request: ``Portals-Bindings-v0.0.1``."""
        return self._user_agent

    def content_type(self):
        """Return the Content-Type some requests carry: ``application/json; charset=utf-8``."""
        return self._content_type

    def headers(self):
        """Return the dict of headers added to every request: ``{'Authorization': 'Token
        <token>'}`` with a token, else empty. It is the object's own dict: a header put in
        it goes with every later request."""
        return self._auth_headers


class Endpoints(Domain):
    """The Portals API endpoints, for one user on one domain and (for some) one portal.

    Arguments: domain, portal_name, user, auth and use_token as for :class:`Domain`;
    portal_id, the id of the portal that portal-specific methods act on (default None: set
    it with :meth:`set_portal_id`); debug, True to have the standard library print every
    HTTP exchange (``HTTPConnection.debuglevel``, which is process-wide).

    The API is reached at ``https://<domain>/api/portals/v1`` unless :meth:`set_portals_url`
    says otherwise. Errors, for every method unless its own docstring says otherwise:
    a reply with an unexpected status prints ``<method>: Something went wrong: <status>:
    <reason>``; then 4xx and 5xx raise ``requests.exceptions.HTTPError``, and other statuses
    return None. A reply whose body cannot be used raises
    :class:`pyonep.exceptions.PortalsResponseException`. A request that cannot be made
    raises the requests exception (``ConnectionError``, ``Timeout``...).
    """

    def __init__(self, domain, portal_name, user, auth, portal_id=None, use_token=False,
                 debug=False):
        Domain.__init__(self, domain=domain, user=user, auth=auth, use_token=use_token)
        self._portals_url = self.domain_url() + PORTALS_API_PATH
        self._vendor = domain.split('.')[0]
        self._portal_name = portal_name
        self._portal_id = portal_id
        self._portal_cik = None
        self._timeout = DEFAULT_TIMEOUT
        if debug:
            http_client.HTTPConnection.debuglevel = int(debug)

    # Settings of the object.

    def set_portals_url(self, url):
        """Send the requests to ``url`` (no trailing slash) instead of
        ``https://<domain>/api/portals/v1``, e.g. ``http://127.0.0.1:8080/api/portals/v1``
        for a local emulator. Returns None."""
        self._portals_url = url

    def set_vendor(self, vendor):
        """Set the vendor that :meth:`add_device` names (default: the domain's first label,
        ``mydomain`` for ``mydomain.exosite.com``). Returns None."""
        self._vendor = vendor

    def set_portal_id(self, _id):
        """Select the portal, by its id, that portal-specific methods act on. Returns None."""
        self._portal_id = _id

    def set_portal_cik(self, cik):
        """Set the portal's CIK as :meth:`portal_cik` returns it. Returns None."""
        self._portal_cik = cik

    def set_portal_name(self, name):
        """Set the portal name as :meth:`portal_name` returns it. Returns None."""
        self._portal_name = name

    def set_timeout(self, seconds):
        """Wait at most ``seconds`` for the connection and for each read of a reply (default
        30); None waits forever, as pyonep 0.13.8 did. Returns None."""
        self._timeout = seconds

    def portals_url(self):
        """Return the base URL of the Portals API that requests go to."""
        return self._portals_url

    def vendor(self):
        """Return the vendor that :meth:`add_device` names."""
        return self._vendor

    def portal_id(self):
        """Return the id of the selected portal, or None."""
        return self._portal_id

    def portal_cik(self):
        """Return the selected portal's CIK, or None until a portal is looked up by name."""
        return self._portal_cik

    def portal_name(self):
        """Return the portal name."""
        return self._portal_name

    def timeout(self):
        """Return the seconds a request may wait (None: forever)."""
        return self._timeout

    # The HTTP exchange, shared by every method.

    def _request_headers(self, kind):
        headers = {'User-Agent': self.user_agent()}
        if kind == LOGIN:
            headers['Host'] = self.domain()
            headers['Accept'] = '*/*'
        elif kind == TYPED:
            headers['Content-Type'] = self.content_type()
        headers.update(self.headers())
        return headers

    def _send(self, method, path, kind, body=None):
        """Send one request to ``<portals_url><path>`` and return the requests.Response."""
        return requests.request(method, self.portals_url() + path, data=body,
                                headers=self._request_headers(kind), auth=self.auth(),
                                timeout=self.timeout())

    @staticmethod
    def _succeeded(response, label, expected, raise_errors=True):
        """Return True when the reply's status is in ``expected``. Otherwise print what
        pyonep 0.13.8 printed, raise HTTPError for 4xx/5xx when ``raise_errors``, and
        return False."""
        if response.status_code in expected:
            return True
        prefix = label + ': ' if label else ''
        print('{0}Something went wrong: <{1}>: {2}'.format(
            prefix, response.status_code, response.reason))
        if raise_errors:
            response.raise_for_status()
        return False

    @staticmethod
    def _json(response):
        """Return the reply's body parsed as JSON, or raise PortalsResponseException."""
        try:
            return response.json()
        except ValueError as err:
            raise PortalsResponseException(
                'Portals answered %s %s (status %d) with a body that is not JSON: %r (%s)' % (
                    response.request.method, response.request.path_url,
                    response.status_code, response.text[:200], err), response)

    def _portal_path(self, suffix=''):
        if self.portal_id() is None:
            raise ValueError('no portal is selected: call set_portal_id() or '
                             'get_portal_by_name() first')
        return '/portals/' + path_segment(self.portal_id(), 'portal id') + suffix

    # The endpoints.

    def get_user_token(self):
        """Get a token for the user, to use instead of the password
        (``GET /users/_this/token``).

        Returns the reply's body as it is: the token as a JSON string, double quotes
        included (e.g. ``'"abc123"'``), as pyonep 0.13.8 returned it.
        """
        r = self._send('GET', '/users/_this/token', LOGIN)
        if self._succeeded(r, 'get_user_token', (HTTP_STATUS.OK,)):
            return r.text

    def get_domain_portal_ids(self):
        """List the ids of the domain's portals (``GET /portals``).

        Returns a list of portal ids (the ``id`` of each item of the reply).
        """
        r = self._send('GET', '/portals', LOGIN)
        if self._succeeded(r, 'get_domain_portal_ids', (HTTP_STATUS.OK,)):
            items = self._json(r)
            if not isinstance(items, list):
                raise PortalsResponseException('the list of portals is not a list: %r'
                                               % (items,), r)
            return [reply_field(item, ('id',), r, 'a portal of the list') for item in items]

    def get_user_portals(self):
        """List the portals of the user (``GET /portal``).

        Returns the parsed reply: a list of portal objects.
        """
        r = self._send('GET', '/portal', LOGIN)
        if self._succeeded(r, 'get_user_portals', (HTTP_STATUS.OK,)):
            return self._json(r)

    def get_portal_by_id(self, ID):
        """Get a portal object (``GET /portals/<ID>``).

        Arguments: ID, the portal's id (string or number). Returns the parsed portal object.
        """
        r = self._send('GET', '/portals/' + path_segment(ID, 'portal id'), LOGIN)
        if self._succeeded(r, 'get_portal_by_id', (HTTP_STATUS.OK,)):
            return self._json(r)

    def add_device(self, model, serial):
        """Create a device of the selected portal (``POST /portals/<portal id>/devices``,
        body ``{"model": model, "vendor": vendor(), "sn": serial, "type": "vendor"}``).

        Returns the new device object, its ``info.description.meta`` parsed into a dict
        (:func:`pyonep.portals.utils.dictify_device_meta`). Expects status 201. Raises
        ValueError when no portal is selected.
        """
        path = self._portal_path('/devices')
        device = ordered(('model', model), ('vendor', self.vendor()), ('sn', serial),
                         ('type', 'vendor'))
        r = self._send('POST', path, PLAIN, json.dumps(device))
        if self._succeeded(r, 'add_device', (HTTP_STATUS.ADDED,)):
            return dictify_device_meta(self._json(r))

    def update_device(self, device_obj):
        """Replace a device's description (``PUT /devices/<rid>``).

        Arguments: device_obj, a device object with ``rid`` and ``info.description``. Its
        meta is sent JSON-encoded, as Portals keeps it; a meta that already is a string is
        sent as it is. ``device_obj`` itself is not changed.
        Returns the device object of the reply, its meta replaced by (a copy of) the meta
        that was given. Raises KeyError when ``device_obj`` lacks ``rid`` or
        ``info.description``.
        """
        rid = path_segment(device_obj['rid'], 'device rid')
        description = device_obj['info']['description']
        to_send = copy.copy(device_obj)
        to_send['info'] = copy.copy(device_obj['info'])
        to_send['info']['description'] = copy.copy(description)
        has_meta = 'meta' in description
        if has_meta and not isinstance(description['meta'], string_types):
            to_send['info']['description']['meta'] = json.dumps(description['meta'])
        r = self._send('PUT', '/devices/' + rid, PLAIN, json.dumps(to_send))
        if self._succeeded(r, 'update_device', (HTTP_STATUS.OK,)):
            updated = self._json(r)
            if has_meta:
                reply_description = reply_field(updated, ('info', 'description'), r,
                                                'the updated device')
                reply_description['meta'] = json.loads(json.dumps(description['meta']))
            return updated

    def update_portal(self, portal_obj):
        """Replace the selected portal with ``portal_obj`` (``PUT /portals/<portal id>``).

        Everything of the portal that ``portal_obj`` leaves out is lost. Returns the parsed
        portal object of the reply. Raises ValueError when no portal is selected.
        """
        path = self._portal_path()
        r = self._send('PUT', path, PLAIN, json.dumps(portal_obj))
        if self._succeeded(r, 'update_portal', (HTTP_STATUS.OK,)):
            return self._json(r)

    def get_device(self, rid):
        """Get a device object (``GET /devices/<rid>``).

        Returns the parsed device object, its meta left as the JSON string Portals keeps.
        """
        r = self._send('GET', '/devices/' + path_segment(rid, 'device rid'), TYPED)
        if self._succeeded(r, 'get_device', (HTTP_STATUS.OK,)):
            return self._json(r)

    def get_multiple_devices(self, rids):
        """Get several device objects at once (``GET /users/_this/devices/[rid1,rid2]``).

        Arguments: rids, a list of device RIDs (or one RID as a string). Returns the parsed
        list of device objects, metas left as strings. A reply of status 206 (the server
        sent fewer than asked) also returns its list.
        """
        r = self._send('GET', '/users/_this/devices/' + rid_list(rids, 'device rid'), TYPED)
        if self._succeeded(r, 'get_multiple_devices',
                           (HTTP_STATUS.OK, HTTP_STATUS.PARTIAL_CONTENT)):
            return self._json(r)

    def get_all_user_accounts(self):
        """List the accounts of the domain's users (``GET /accounts``).

        Returns the parsed list of account objects (each has ``id`` and ``email``).
        """
        r = self._send('GET', '/accounts', TYPED)
        if self._succeeded(r, 'get_all_user_accounts', (HTTP_STATUS.OK,)):
            return self._json(r)

    def get_user_permission(self, user_id):
        """List a user's permissions (``GET /users/<user_id>/permissions``).

        Returns the parsed list of permission objects.
        """
        r = self._send('GET', self._permissions_path(user_id), TYPED)
        if self._succeeded(r, 'get_user_permission', (HTTP_STATUS.OK,)):
            return self._json(r)

    def _permissions_path(self, user_id):
        return '/users/{0}/permissions'.format(path_segment(user_id, 'user id'))

    def _post_permissions(self, label, user_id, permission_obj):
        r = self._send('POST', self._permissions_path(user_id), TYPED, permission_obj)
        if self._succeeded(r, label, (HTTP_STATUS.OK, HTTP_STATUS.ACCEPTED)):
            if r.status_code == HTTP_STATUS.ACCEPTED and not r.content:
                return None
            return self._json(r)

    def add_user_permission(self, user_id, permission_obj):
        """Give a user permissions (``POST /users/<user_id>/permissions``).

        Arguments: user_id; permission_obj, the body as a JSON string, e.g.
        ``'[{"access":"d_u_list","oid":{"id":"1576946496","type":"Domain"}}]'``.
        Returns the parsed reply; None for Portals' usual answer, 202 with an empty body.
        """
        return self._post_permissions('add_user_permission', user_id, permission_obj)

    def create_token(self, user_id, permission_obj):
        """Sends exactly what :meth:`add_user_permission` sends, and returns the same
        (pyonep 0.13.8's name for it; it creates no token)."""
        return self._post_permissions('create_token', user_id, permission_obj)
