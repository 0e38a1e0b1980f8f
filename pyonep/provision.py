"""The One Platform provisioning client (the REST API under ``/provision``).

Vendors use it to manage client models, serial numbers and content, and devices use it to
activate and to download content. Every method returns a :class:`ProvisionResponse`.
"""
import logging

from pyonep import onephttp
from pyonep._compat import native_str, urlencode
from pyonep.exceptions import ProvisionException

log = logging.getLogger(__name__)

PROVISION_BASE = '/provision'
PROVISION_ACTIVATE = PROVISION_BASE + '/activate'
PROVISION_DOWNLOAD = PROVISION_BASE + '/download'
PROVISION_MANAGE = PROVISION_BASE + '/manage'
PROVISION_MANAGE_MODEL = PROVISION_MANAGE + '/model/'
PROVISION_MANAGE_CONTENT = PROVISION_MANAGE + '/content/'
PROVISION_REGISTER = PROVISION_BASE + '/register'

FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded; charset=utf-8'
ACCEPT = 'text/plain, text/csv, application/x-www-form-urlencoded'


class ProvisionResponse(object):
    """The reply to one provisioning request.

    Arguments: body (the reply text), response (the ``requests.Response``).

    Attributes: ``body`` (text), ``response`` (the HTTP response), ``isok`` (True when the
    status is below 400). ``str()`` gives ``"Status: <code>, Reason: <reason>, Body: <body>"``
    and ``repr()`` the body.
    """

    def __init__(self, body, response):
        self.body = body
        self.response = response
        self.isok = response.status_code < 400

    def status(self):
        """Return the HTTP status code (an int, e.g. 200, 205 or 404). Raises nothing."""
        return self.response.status_code

    def reason(self):
        """Return the HTTP reason phrase, e.g. ``'Not Found'``. Raises nothing."""
        return self.response.reason

    def __str__(self):
        return native_str(u'Status: {0}, Reason: {1}, Body: {2}'.format(
            self.status(), self.reason(), self.body))

    def __repr__(self):
        return native_str(self.body)


def _model_options(aliases, comments, historical):
    """Return the ``options[]`` values that turn off what is False."""
    options = []
    if not aliases:
        options.append('noaliases')
    if not comments:
        options.append('nocomments')
    if not historical:
        options.append('nohistorical')
    return options


class Provision(object):
    """Client of the provisioning API.

    Arguments:
        host: the platform's host name (default ``'m2.exosite.com'``); a leading
            ``https://`` is dropped.
        port: its port (default ``'80'``).
        manage_by_cik: True (default) sends management keys as ``X-Exosite-CIK``, False as
            ``X-Exosite-Token`` (a vendor token).
        verbose: kept for compatibility; logging goes to the ``pyonep.provision`` logger.
        httptimeout: seconds to wait for a connection and for each read (default 5).
        https: True for https://, False (default) for http://.
        reuseconnection: True keeps one connection alive across requests.
        raise_api_exceptions: True raises ProvisionException for a status of 400 or more;
            False (default) returns the ProvisionResponse with ``isok`` False.
        curldebug: True logs each request at DEBUG as a runnable curl command.
        manage_by_sharecode: True makes :meth:`model_create` send the share code as ``code``
            instead of ``rid``.

    Every method sends one HTTP request to an endpoint under ``/provision`` and returns a
    :class:`ProvisionResponse`: ``isok`` True for a status below 400 (the body holds the
    answer), False for 4xx and 5xx (the body says why). Keys go in ``X-Exosite-CIK`` or
    ``X-Exosite-Token`` as manage_by_cik says, unless the method says otherwise.

    Errors raised by every method:

    - :class:`pyonep.exceptions.ProvisionException` for a status of 400 or more, only with
      raise_api_exceptions; its ``response`` attribute is the ProvisionResponse.
    - ``requests.exceptions.RequestException`` subclasses (e.g.
      ``requests.exceptions.ConnectionError``, ``requests.exceptions.Timeout``) when the
      request cannot be made, raised as they are (not wrapped, unlike
      :class:`pyonep.onep.OnepV1`).
    """

    def __init__(self, host='m2.exosite.com', port='80', manage_by_cik=True, verbose=False,
                 httptimeout=5, https=False, reuseconnection=False, raise_api_exceptions=False,
                 curldebug=False, manage_by_sharecode=False):
        if host.startswith('https://'):
            host = host[len('https://'):]
        self._manage_by_cik = manage_by_cik
        self._manage_by_sharecode = manage_by_sharecode
        self._verbose = verbose
        self._raise_api_exceptions = raise_api_exceptions
        self._onephttp = onephttp.OneP_Request(host + ':' + str(port), https=https,
                                               httptimeout=int(httptimeout),
                                               headers={'Accept': ACCEPT},
                                               reuseconnection=reuseconnection, log=log,
                                               curldebug=curldebug)

    def close(self):
        """Close the kept-alive connection, if any.

        Takes no arguments. Returns None; never raises. The client stays usable: the next
        request opens a new connection.
        """
        self._onephttp.close()

    def _request(self, path, key, data, method, key_is_cik, extra_headers=None):
        """Send one request and wrap its reply.

        Arguments: path, key (sent as ``X-Exosite-CIK`` when key_is_cik, else as
        ``X-Exosite-Token``), data (the form fields already encoded, or a raw body; for GET
        it becomes the query string), method, key_is_cik, extra_headers (dict or None).

        Returns a ProvisionResponse. Raises ProvisionException (with raise_api_exceptions
        and a status of 400 or more) or the network library's exception.
        """
        if method == 'GET':
            url = path + '?' + data if data else path
            body = None
        else:
            url = path
            body = data
        headers = {'X-Exosite-CIK' if key_is_cik else 'X-Exosite-Token': key}
        if method == 'POST':
            headers['Content-Type'] = FORM_CONTENT_TYPE
        if extra_headers:
            headers.update(extra_headers)
        text, response = self._onephttp.request(method, url, body, headers)
        pr = ProvisionResponse(text, response)
        if self._raise_api_exceptions and not pr.isok:
            raise ProvisionException(pr)
        return pr

    def _manage(self, method, path, key, fields=(), extra_headers=None):
        return self._request(path, key, urlencode(fields), method, self._manage_by_cik,
                             extra_headers)

    # --- content ---------------------------------------------------------------------------

    def content_create(self, key, model, contentid, meta, protected=False):
        """Create a content entry of a model (``POST /provision/manage/content/<model>/``, fields
        id, meta, protected).

        Arguments: key (vendor key: a CIK or a vendor token, see manage_by_cik), model,
        contentid, meta (description text), protected (``protected=true`` is sent unless it is
        exactly False).

        Returns a ProvisionResponse: on success ``isok`` is True and the status is 205 and the
        body empty; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 409 when the
        id already exists) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        fields = [('id', contentid), ('meta', meta)]
        if protected is not False:
            fields.append(('protected', 'true'))
        return self._manage('POST', PROVISION_MANAGE_CONTENT + model + '/', key, fields)

    def content_download(self, cik, vendor, model, contentid):
        """Download content as a device (``GET /provision/download?vendor=&model=&id=``).

        Arguments: cik (the device's CIK, always sent as ``X-Exosite-CIK``), vendor, model,
        contentid.

        Returns a ProvisionResponse: on success ``isok`` is True and the body is the content
        (206 for a partial one); on failure ``isok`` is False, ``status()`` is 400 or more (e.g.
        403 for an unknown vendor and model pair) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        data = urlencode([('vendor', vendor), ('model', model), ('id', contentid)])
        return self._request(PROVISION_DOWNLOAD, cik, data, 'GET', True)

    def content_info(self, key, model, contentid, vendor=None):
        """Read a content entry's information. Without vendor:
        ``GET /provision/manage/content/<model>/<id>`` with a vendor key. With a vendor:
        ``GET /provision/download?vendor=&model=&id=&info=true`` with the device's key.

        Arguments: key, model, contentid, vendor (used only when truthy).

        Returns a ProvisionResponse: on success ``isok`` is True and the body is the CSV line
        ``content-type,byte-size,updated-timestamp,meta,protected``; on failure ``isok`` is
        False, ``status()`` is 400 or more (e.g. 400 for an unknown model, 404 for an unknown
        content id) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        if not vendor:
            return self._manage('GET', PROVISION_MANAGE_CONTENT + model + '/' + contentid, key)
        return self._manage('GET', PROVISION_DOWNLOAD, key,
                            [('vendor', vendor), ('model', model), ('id', contentid),
                             ('info', 'true')])

    def content_list(self, key, model):
        """List a model's content ids (``GET /provision/manage/content/<model>/``).

        Arguments: key, model.

        Returns a ProvisionResponse: on success ``isok`` is True and the body has one content id
        per line; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 400 for an
        unknown model) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        return self._manage('GET', PROVISION_MANAGE_CONTENT + model + '/', key)

    def content_remove(self, key, model, contentid):
        """Delete a content entry (``DELETE /provision/manage/content/<model>/<id>``).

        Arguments: key, model, contentid.

        Returns a ProvisionResponse: on success ``isok`` is True and the status is 205 and the
        body empty; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 400 for an
        unknown model, 404 for an unknown content id) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        return self._manage('DELETE', PROVISION_MANAGE_CONTENT + model + '/' + contentid, key)

    def content_upload(self, key, model, contentid, data, mimetype):
        """Upload a content entry's data (``POST /provision/manage/content/<model>/<id>``, the raw
        data as body).

        Arguments: key, model, contentid, data (the raw bytes or text), mimetype (sent as
        Content-Type).

        Returns a ProvisionResponse: on success ``isok`` is True and the status is 205 and the
        body empty; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 400 for an
        unknown model, 404 for an unknown content id) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        return self._request(PROVISION_MANAGE_CONTENT + model + '/' + contentid, key, data,
                             'POST', self._manage_by_cik, {'Content-Type': mimetype})

    # --- models ----------------------------------------------------------------------------

    def model_create(self, key, model, sharecode, aliases=True, comments=True, historical=True):
        """Create a client model from a template client (``POST /provision/manage/model/``, fields
        model, rid or code, ``options[]``).

        Arguments: key, model (its name), sharecode (the template's RID, or its share code with
        manage_by_sharecode), aliases, comments, historical (each False sends an ``options[]``
        value that leaves that part out of clones).

        Returns a ProvisionResponse: on success ``isok`` is True and the status is 205 and the
        body empty; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 409 when a
        model of that name exists, 400 for a bad template) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        fields = [('model', model), ('code' if self._manage_by_sharecode else 'rid', sharecode),
                  ('options[]', _model_options(aliases, comments, historical))]
        return self._manage('POST', PROVISION_MANAGE_MODEL, key, fields)

    def model_info(self, key, model):
        """Read a model (``GET /provision/manage/model/<model>``).

        Arguments: key, model.

        Returns a ProvisionResponse: on success ``isok`` is True and the body is the model's
        description, form-encoded; on failure ``isok`` is False, ``status()`` is 400 or more
        (e.g. 401 or 403 for a key that may not manage it, 404 for an unknown model) and the
        body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        return self._manage('GET', PROVISION_MANAGE_MODEL + model, key)

    def model_list(self, key):
        """List the vendor's models (``GET /provision/manage/model/``).

        Arguments: key.

        Returns a ProvisionResponse: on success ``isok`` is True and the body has one model name
        per line; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 401 for an
        unknown key, 403 for a CIK without a vendor) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        return self._manage('GET', PROVISION_MANAGE_MODEL, key)

    def model_remove(self, key, model):
        """Delete a model (``DELETE /provision/manage/model/<model>``, fields delete=true, model,
        confirm=true).

        Arguments: key, model.

        Returns a ProvisionResponse: on success ``isok`` is True and the status is 205 and the
        body empty; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 401 or 403
        for a key that may not manage it, 404 for an unknown model) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        return self._manage('DELETE', PROVISION_MANAGE_MODEL + model, key,
                            [('delete', 'true'), ('model', model), ('confirm', 'true')])

    def model_update(self, key, model, clonerid, aliases=True, comments=True, historical=True):
        """Change a model's template client and options (``PUT /provision/manage/model/<model>``,
        fields rid, ``options[]``).

        Arguments: key, model, clonerid (the template's RID), aliases, comments, historical (as
        for :meth:`model_create`).

        Returns a ProvisionResponse: on success ``isok`` is True and the status is 205 and the
        body empty; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 401 or 403
        for a key that may not manage it, 404 for an unknown model) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        fields = [('rid', clonerid), ('options[]', _model_options(aliases, comments, historical))]
        return self._manage('PUT', PROVISION_MANAGE_MODEL + model, key, fields)

    # --- serial numbers --------------------------------------------------------------------

    def serialnumber_activate(self, model, serialnumber, vendor):
        """Activate a device's serial number (``POST /provision/activate``, fields vendor, model,
        sn); done by the device itself, with no key.

        Arguments: model, serialnumber, vendor. The key header that manage_by_cik picks is sent
        empty.

        Returns a ProvisionResponse: on success ``isok`` is True and the body is the device's
        new CIK; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 404 for an
        unknown serial number, 409 when it is not enabled for activation) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        return self._manage('POST', PROVISION_ACTIVATE, '',
                            [('vendor', vendor), ('model', model), ('sn', serialnumber)])

    def serialnumber_add(self, key, model, sn, extra=None):
        """Add one serial number to a model (``POST /provision/manage/model/<model>/``, fields
        add=true, sn, extra).

        Arguments: key, model, sn, extra (extra text; sent only when truthy).

        Returns a ProvisionResponse: on success ``isok`` is True and the status is 205 and the
        body empty; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 409 when the
        serial number already exists, 404 for an unknown model) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        fields = [('add', 'true'), ('sn', sn)]
        if extra:
            fields.append(('extra', extra))
        return self._manage('POST', PROVISION_MANAGE_MODEL + model + '/', key, fields)

    def serialnumber_add_batch(self, key, model, sns=[]):
        """Add several serial numbers (``POST /provision/manage/model/<model>/``, fields add=true,
        ``sn[]``).

        Arguments: key, model, sns (list of serial numbers).

        Returns a ProvisionResponse: on success ``isok`` is True and the status is 205 and the
        body empty; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 409 when one
        already exists, 404 for an unknown model) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        return self._manage('POST', PROVISION_MANAGE_MODEL + model + '/', key,
                            [('add', 'true'), ('sn[]', list(sns))])

    def serialnumber_add_batch_csv(self, key, model, csv_string):
        """Add serial numbers from CSV lines ``sn,extra``
        (``POST /provision/manage/model/<model>/``, the CSV as body,
        ``Content-Type: text/csv; charset=utf-8``).

        Arguments: key, model, csv_string.

        Returns a ProvisionResponse: on success ``isok`` is True and the status is 205 and the
        body empty; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 409 when one
        already exists, 404 for an unknown model) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        return self._request(PROVISION_MANAGE_MODEL + model + '/', key, csv_string, 'POST',
                             self._manage_by_cik, {'Content-Type': 'text/csv; charset=utf-8'})

    def serialnumber_disable(self, key, model, serialnumber):
        """Disable a serial number's client (``POST /provision/manage/model/<model>/<sn>``, field
        disable=true).

        Arguments: key, model, serialnumber.

        Returns a ProvisionResponse: on success ``isok`` is True and the status is 205 and the
        body empty; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 404 for an
        unknown model or serial number) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        return self._manage('POST', PROVISION_MANAGE_MODEL + model + '/' + serialnumber, key,
                            [('disable', 'true')])

    def serialnumber_enable(self, key, model, serialnumber, owner):
        """Enable a serial number, creating its client from the model under an owner client
        (``POST /provision/manage/model/<model>/<sn>``, fields enable=true, owner).

        Arguments: key, model, serialnumber, owner (the owner client's RID).

        Returns a ProvisionResponse: on success ``isok`` is True and the body is the new
        client's RID; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 404 for an
        unknown model or serial number, 409 when the owner lacks the resources) and the body
        says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        return self._manage('POST', PROVISION_MANAGE_MODEL + model + '/' + serialnumber, key,
                            [('enable', 'true'), ('owner', owner)])

    def serialnumber_info(self, key, model, serialnumber, actvtn_log=False):
        """Read a serial number's state (``GET /provision/manage/model/<model>/<sn>``, plus
        ``show=log`` for the activation log).

        Arguments: key, model, serialnumber, actvtn_log (truthy adds ``show=log``).

        Returns a ProvisionResponse: on success ``isok`` is True and the body has CSV lines
        ``<status>,<rid>,<extra>`` (or the log lines); 204 with an empty body when the serial
        number is unused; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 404
        for an unknown model or serial number) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        fields = [('show', 'log')] if actvtn_log else []
        return self._manage('GET', PROVISION_MANAGE_MODEL + model + '/' + serialnumber, key,
                            fields)

    def serialnumber_list(self, key, model, offset=0, limit=1000, status=False):
        """List a model's serial numbers (``GET /provision/manage/model/<model>/``, fields offset,
        limit, status).

        Arguments: key, model, offset, limit, status (truthy adds ``status=true``, the state of
        each).

        Returns a ProvisionResponse: on success ``isok`` is True and the body has one CSV line
        per serial number; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 401
        or 403 for a key that may not manage it, 404 for an unknown model) and the body says
        why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        fields = [('offset', offset), ('limit', limit)]
        if status:
            fields.append(('status', 'true'))
        return self._manage('GET', PROVISION_MANAGE_MODEL + model + '/', key, fields)

    def serialnumber_reenable(self, key, model, serialnumber):
        """Re-enable a disabled serial number (``POST /provision/manage/model/<model>/<sn>``, field
        enable=true).

        Arguments: key, model, serialnumber.

        Returns a ProvisionResponse: on success ``isok`` is True and the status is 205 and the
        body empty; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 404 for an
        unknown model or serial number) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        return self._manage('POST', PROVISION_MANAGE_MODEL + model + '/' + serialnumber, key,
                            [('enable', 'true')])

    def serialnumber_remap(self, key, model, serialnumber, oldsn):
        """Move a client from an old serial number to a new one
        (``POST /provision/manage/model/<model>/<sn>``, fields enable=true, oldsn).

        Arguments: key, model, serialnumber (the new one), oldsn.

        Returns a ProvisionResponse: on success ``isok`` is True and the status is 205 and the
        body empty; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 404 for an
        unknown model or serial number) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        return self._manage('POST', PROVISION_MANAGE_MODEL + model + '/' + serialnumber, key,
                            [('enable', 'true'), ('oldsn', oldsn)])

    def serialnumber_remove(self, key, model, serialnumber):
        """Remove a serial number (``DELETE /provision/manage/model/<model>/<sn>``).

        Arguments: key, model, serialnumber.

        Returns a ProvisionResponse: on success ``isok`` is True and the status is 205 and the
        body empty; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 404 for an
        unknown model or serial number) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        return self._manage('DELETE', PROVISION_MANAGE_MODEL + model + '/' + serialnumber, key)

    def serialnumber_remove_batch(self, key, model, sns):
        """Remove several serial numbers (``POST /provision/manage/model/<model>/``, fields
        remove=true, ``sn[]``).

        Arguments: key, model, sns (list).

        Returns a ProvisionResponse: on success ``isok`` is True and the status is 205 and the
        body empty; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 401 or 403
        for a key that may not manage it, 404 for an unknown model) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        return self._manage('POST', PROVISION_MANAGE_MODEL + model + '/', key,
                            [('remove', 'true'), ('sn[]', list(sns))])

    # --- vendors ---------------------------------------------------------------------------

    def vendor_register(self, key, vendor):
        """Register a vendor name for the key's client (``POST /provision/register``, field
        vendor).

        Arguments: key, vendor.

        Returns a ProvisionResponse: on success ``isok`` is True and the status is 205 and the
        body empty; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 409 when the
        name is taken or the client already has one, 401 for a key that is no client's CIK) and
        the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        return self._manage('POST', PROVISION_REGISTER, key, [('vendor', vendor)])

    def vendor_show(self, key):
        """Show the vendor registered for a key (``GET /provision/register``; the key is always
        sent as ``X-Exosite-Token``).

        Arguments: key.

        Returns a ProvisionResponse: on success ``isok`` is True and the body is the vendor name
        (204 with an empty body when there is none); on failure ``isok`` is False, ``status()``
        is 400 or more (e.g. 401 for an unknown key) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        return self._request(PROVISION_REGISTER, key, '', 'GET', False)

    def vendor_unregister(self, key, vendor):
        """Unregister a vendor name (``POST /provision/register``, fields delete=true, vendor; the
        key is always sent as ``X-Exosite-Token``).

        Arguments: key, vendor.

        Returns a ProvisionResponse: on success ``isok`` is True and the status is 205 and the
        body empty; on failure ``isok`` is False, ``status()`` is 400 or more (e.g. 404 for a
        name the key's client does not hold) and the body says why.

        Raises: ProvisionException (status >= 400, with raise_api_exceptions only); requests'
        own RequestException, unwrapped, when the request cannot be made.
        """
        return self._request(PROVISION_REGISTER, key,
                             urlencode([('delete', 'true'), ('vendor', vendor)]), 'POST', False)


__all__ = ['Provision', 'ProvisionResponse', 'PROVISION_BASE', 'PROVISION_ACTIVATE',
           'PROVISION_DOWNLOAD', 'PROVISION_MANAGE', 'PROVISION_MANAGE_MODEL',
           'PROVISION_MANAGE_CONTENT', 'PROVISION_REGISTER']
