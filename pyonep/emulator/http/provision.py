"""The provisioning REST API of the emulated One Platform (provision.md): ``/provision/...``.

:func:`handle` turns each request into calls of :class:`~pyonep.emulator.fleet.Fleet`
and answers as the platform does: 200 with ``text/csv`` lists (CRLF between lines),
``text/plain`` values or a form-encoded model description; 205 Reset Content (empty)
for a successful change; 204 where the document says a list or record is empty.

Authentication: management calls take the key in ``X-Exosite-CIK`` or
``X-Exosite-Token`` (either header may carry either kind of key): the CIK of a client a
vendor is registered to, or one of the vendor's tokens. A missing or unknown key answers
401; the CIK of a client without a vendor answers 403. ``/provision/register`` works with
any client's CIK; ``/provision/admin/auth/`` needs the vendor client's CIK (not a token).
``X-Exosite-Vendor: <name>`` on the serial number endpoints uses ``<name>``'s model
through a share (enable, re-enable, disable, remap and listings only).

Errors: 400 bad or missing fields (text saying which), 401/403 as above (and 403 for a
model template given by the RID of a client outside the vendor's subtree), 404 unknown
model, serial number, content, group, share or token (400 for an unknown model on the
content list and info endpoints and 403 on content downloads, as documented), 405
another method (with ``Allow``), 409 duplicates and refused state changes, 416 a bad
``Range``. Bodies are short text; no traceback ever reaches a client.

The device side is here too: ``POST /provision/activate`` (a device activates its serial
number and gets its CIK) and ``GET /provision/download`` (the device's content list, info
and blobs with ``Range``).
"""
import csv
import json
from urllib.parse import quote, unquote

from pyonep.emulator.fleet import FleetError, page
from pyonep.emulator.http.messages import (
    CSV_TYPE, FORM_TYPE, Fields, Response, blob_response, cik_client, conn_info, csv_response,
    error_response, only, reset, text_response)

PREFIX = '/provision/'
JS_TYPE = 'application/javascript; charset=utf-8'


def handle(state, request):
    """Answer one ``/provision/...`` request with a Response (see the module docstring).

    Never raises for bad input: refusals become 4xx text responses.
    """
    try:
        return _route(state, request)
    except FleetError as exc:
        return error_response(exc)


def _route(state, request):
    try:
        parts = [unquote(p, errors='strict') for p in request.raw_path[len(PREFIX):].split('/')]
    except UnicodeDecodeError:
        raise FleetError(400, 'the path must be UTF-8 once percent-decoded')
    if parts == ['activate']:
        return _activate(state, request)
    if parts == ['download']:
        return _download(state, request)
    if parts == ['register']:
        return _register(state, request)
    if parts[:2] == ['admin', 'auth'] and len(parts) == 3:
        return _tokens(state, request, parts[2])
    if len(parts) < 3 or parts[0] != 'manage' or parts[1] not in ('model', 'content', 'group', 'share'):
        raise FleetError(404, 'Not Found')
    kind, model, rest = parts[1], parts[2], parts[3:]
    vendor = _vendor(state, request)
    if kind == 'model' and parts[2:] == ['']:
        return _models(state, request, vendor)
    if not model:
        raise FleetError(404, 'Not Found')
    if kind == 'model' and not rest:
        return _model(state, request, vendor, model)
    if kind == 'model' and rest == ['']:
        return _sns(state, request, vendor, model)
    if kind == 'model' and len(rest) == 1:
        return _sn(state, request, vendor, model, rest[0])
    if kind == 'content' and len(rest) == 1:
        return _content(state, request, vendor, model, rest[0])
    if kind == 'group' and len(rest) == 1:
        return _group(state, request, vendor, model, rest[0])
    if kind == 'group' and len(rest) == 2 and rest[0] and rest[1] == '':
        return _members(state, request, vendor, model, rest[0])
    if kind == 'share' and len(rest) == 1:
        return _share(state, request, vendor, model, rest[0])
    raise FleetError(404, 'Not Found')


# ------------------------------------------------------------------ request parts
def _keys(request):
    return [k for k in (request.header('X-Exosite-CIK'), request.header('X-Exosite-Token')) if k]


def _vendor(state, request):
    """Return the calling vendor's name; raise FleetError 401/403."""
    keys = _keys(request)
    if not keys:
        raise FleetError(401, 'Unauthorized: send X-Exosite-CIK or X-Exosite-Token')
    for key in keys:
        vendor, _ = state.fleet.vendors.vendor_for_key(key)
        if vendor:
            return vendor
    if any(state.platform.rid_for_cik(k) for k in keys):
        raise FleetError(403, 'Forbidden: no vendor is registered to this client')
    raise FleetError(401, 'Unauthorized: unknown CIK or vendor token')


def _form(request):
    return Fields(request.form_pairs())


def _query(request):
    return Fields(request.query_pairs())


def _body_kind(request):
    """'csv', 'json' or 'form', from Content-Type (sniffed from the body when absent)."""
    ctype = (request.header('Content-Type') or '').split(';')[0].strip().lower()
    if ctype == 'text/csv':
        return 'csv'
    if ctype in ('application/javascript', 'application/json', 'text/javascript'):
        return 'json'
    if ctype:
        return 'form'
    body = request.body.lstrip()
    if body.startswith(b'{'):
        return 'json'
    return 'form' if b'=' in body or not body else 'csv'


def _text(request):
    try:
        return request.body.decode('utf-8')
    except UnicodeDecodeError:
        raise FleetError(400, 'the body must be UTF-8 text')


def _csv_rows(request, width):
    """Return the body's CSV rows padded to ``width`` fields (blank lines skipped)."""
    try:
        rows = [row for row in csv.reader(_text(request).splitlines()) if any(f.strip() for f in row)]
    except csv.Error as exc:
        raise FleetError(400, 'bad CSV: %s' % exc)
    return [(row + [''] * width)[:width] for row in rows]


def _ranges(request):
    try:
        value = json.loads(_text(request))
    except (ValueError, RecursionError):
        raise FleetError(400, 'the body must be JSON {"ranges": [...]}')
    if not isinstance(value, dict) or not isinstance(value.get('ranges'), list):
        raise FleetError(400, 'the body must be JSON {"ranges": [...]}')
    return value['ranges']


def _get_model(state, request, vendor, name, shared_ok=False, missing=404):
    as_vendor = request.header('X-Exosite-Vendor')
    if as_vendor and as_vendor != vendor and not shared_ok:
        raise FleetError(403, 'a shared model only allows enable, disable, re-enable and listings')
    return state.fleet.vendors.model(vendor, name, as_vendor=as_vendor, missing=missing)


# ------------------------------------------------------------------ vendors and tokens
def _register(state, request):
    only(request, 'GET', 'POST')
    fleet, keys = state.fleet, _keys(request)
    if not keys:
        raise FleetError(401, 'Unauthorized: send X-Exosite-CIK')
    rids = [r for r in (state.platform.rid_for_cik(k) for k in keys) if r]
    vendors = [v for v in (fleet.vendors.vendor_for_key(k)[0] for k in keys) if v]
    if request.method == 'GET':
        if not rids and not vendors:
            raise FleetError(401, 'Unauthorized: unknown CIK or vendor token')
        if not vendors:
            return Response(204, b'', 'text/plain; charset=utf-8')
        return text_response(200, vendors[0])
    fields = _form(request)
    name = fields.required('vendor')
    if fields.flag('delete'):
        if not vendors:
            raise FleetError(401 if not rids else 404, 'no vendor is registered to this key')
        fleet.vendors.unregister_vendor(vendors[0], name)
        return reset()
    if not rids:
        raise FleetError(401, 'Unauthorized: a vendor is registered with a client CIK')
    fleet.vendors.register_vendor(rids[0], name)
    return reset()


def _tokens(state, request, token_id):
    keys = _keys(request)
    rids = [r for r in (state.platform.rid_for_cik(k) for k in keys) if r]
    if not rids:
        raise FleetError(401, "Unauthorized: send the vendor client's X-Exosite-CIK")
    vendor = state.fleet.vendors.vendor_of_client(rids[0])
    if vendor is None:
        raise FleetError(403, 'Forbidden: no vendor is registered to this client')
    fleet = state.fleet
    if token_id:
        only(request, 'GET', 'DELETE')
        if request.method == 'GET':
            return text_response(200, fleet.vendors.get_token(vendor, token_id))
        fleet.vendors.delete_token(vendor, token_id)
        return reset()
    only(request, 'GET', 'POST')
    if request.method == 'GET':
        return csv_response(fleet.vendors.token_ids(vendor))
    fields = _form(request)
    if fields.flag('delete'):
        fleet.vendors.delete_token(vendor, fields.required('id'))
        return reset()
    return text_response(200, fleet.vendors.create_token(vendor, fields.required('id')))


# ------------------------------------------------------------------ models
def _template(fields):
    if fields.get('code'):
        return 'code', fields.get('code')
    if fields.get('rid'):
        return 'rid', fields.get('rid')
    raise FleetError(400, 'give the template as rid=<rid> or code=<share code>')


def _models(state, request, vendor):
    only(request, 'GET', 'POST')
    fleet = state.fleet
    if request.method == 'GET':
        if _query(request).get('show') == 'shared':
            return csv_response(fleet.vendors.shared_models(vendor))
        return csv_response(fleet.vendors.model_names(vendor))
    fields = _form(request)
    if fields.flag('delete'):
        fleet.vendors.delete_model(vendor, fields.required('model'))
        return reset()
    kind, ref = _template(fields)
    fleet.vendors.create_model(vendor, fields.required('model'), kind, ref, fields.all('options'))
    return reset()


def _model(state, request, vendor, name):
    only(request, 'GET', 'PUT', 'DELETE')
    fleet = state.fleet
    if request.method == 'GET':
        model = fleet.vendors.model(vendor, name)
        body = '%s=%s' % (model['kind'], quote(model['ref'], safe=''))
        body += ''.join('&options[]=%s' % option for option in model['options'])
        return Response(200, body, FORM_TYPE)
    if request.method == 'PUT':
        fields = _form(request)
        kind, ref = _template(fields)
        fleet.vendors.update_model(vendor, name, kind, ref, fields.all('options'))
        return reset()
    fleet.vendors.delete_model(vendor, name)
    return reset()


# ------------------------------------------------------------------ serial numbers
def _sns(state, request, vendor, name):
    only(request, 'GET', 'POST', 'DELETE')
    fleet = state.fleet
    model = _get_model(state, request, vendor, name, shared_ok=request.method == 'GET')
    if request.method == 'GET':
        query = _query(request)
        if query.get('show') == 'ranges':
            # a bare list, as posted (exoline's provision_sn test ran against the platform)
            return Response(200, json.dumps(fleet.devices.posted_ranges(model)), JS_TYPE)
        offset, limit = page(query.get('offset'), query.get('limit'))
        rows = fleet.devices.list_sns(model, offset, limit, shared=query.get('shared'))
        if query.flag('status'):
            return csv_response(rows)
        return csv_response([(sn, rid, extra) for sn, _, rid, extra in rows])
    kind = _body_kind(request)
    if kind == 'json':
        specs = _ranges(request)
        if request.method == 'POST':
            fleet.devices.add_ranges(model, specs)
        else:
            fleet.devices.delete_ranges(model, specs)
        return reset()
    if kind == 'csv':
        if request.method == 'POST':
            fleet.devices.add_sns(model, [(sn, extra) for sn, extra in _csv_rows(request, 2)])
        else:
            fleet.devices.remove_sns(model, [sn for sn, in _csv_rows(request, 1)])
        return reset()
    fields = _form(request)
    sns = fields.all('sn')
    if not sns or not all(sns):
        raise FleetError(400, 'give the serial numbers as sn=<sn> or sn[]=<sn>&...')
    if request.method == 'DELETE' or fields.flag('delete') or fields.flag('remove'):
        fleet.devices.remove_sns(model, sns)
    elif len(sns) == 1:
        fleet.devices.add_sns(model, [(sns[0], fields.get('extra') or '')])
    else:
        fleet.devices.add_sns(model, [(sn, '') for sn in sns])
    return reset()


def _sn(state, request, vendor, name, sn):
    only(request, 'GET', 'POST', 'DELETE')
    fleet = state.fleet
    model = _get_model(state, request, vendor, name, shared_ok=request.method != 'DELETE')
    if request.method == 'GET':
        query = _query(request)
        show = query.get('show')
        if show == 'groups':
            offset, limit = page(query.get('offset'), query.get('limit'))
            return csv_response(fleet.content.member_of(model, 'sn', sn, offset, limit), 204)
        if show == 'log':
            return csv_response(fleet.devices.activation_log(model, sn), 204)
        info = fleet.devices.sn_info(model, sn)
        return csv_response([info] if info else [], 204)
    if request.method == 'DELETE':
        fleet.devices.remove_sn(model, sn)
        return reset()
    fields, who = _form(request), conn_info(request)
    if fields.flag('disable'):
        fleet.devices.disable(model, sn, who)
        return reset()
    if not fields.flag('enable'):
        raise FleetError(400, 'send enable=true (with owner=<rid> or oldsn=<sn>) or disable=true')
    if fields.get('owner'):
        return csv_response([fleet.devices.enable(model, sn, fields.get('owner'), who)])
    if fields.get('oldsn'):
        fleet.devices.remap(model, sn, fields.get('oldsn'), who)
    else:
        fleet.devices.reenable(model, sn, who)
    return reset()


# ------------------------------------------------------------------ content
def _content(state, request, vendor, name, cid):
    fleet = state.fleet
    if not cid:
        only(request, 'GET', 'POST')
        model = _get_model(state, request, vendor, name, missing=400)
        if request.method == 'GET':
            sn = _query(request).get('sn')
            if sn is None:
                return csv_response(fleet.content.content_ids(model))
            _known_sn(fleet, model, sn)
            return csv_response(fleet.content.authorized_content(model, sn))
        fields = _form(request)
        if fields.flag('delete'):
            fleet.content.delete_content(model, fields.required('id'))
        else:
            fleet.content.create_content(model, fields.required('id'), fields.get('meta', ''),
                                 fields.flag('protected'))
        return reset()
    only(request, 'GET', 'POST', 'DELETE')
    query = _query(request)
    download = request.method == 'GET' and query.flag('download')
    model = _get_model(state, request, vendor, name, missing=403 if download else 400)
    if request.method == 'POST':
        content_type = request.header('Content-Type') or 'application/octet-stream'
        fleet.content.upload_content(model, cid, request.body, content_type)
        return reset()
    if request.method == 'DELETE':
        fleet.content.delete_content(model, cid)
        return reset()
    if query.get('show') == 'groups':
        offset, limit = page(query.get('offset'), query.get('limit'))
        fleet.content.content_info(model, cid)
        return csv_response(fleet.content.member_of(model, 'content', cid, offset, limit), 204)
    sn = query.get('sn')
    if sn is not None:
        _known_sn(fleet, model, sn, 403 if download else 400)
        fleet.content.check_authorized(model, cid, sn)
    if download:
        ctype, data = fleet.content.content_blob(model, cid)
        return blob_response(ctype, data, request.header('Range'))
    ctype, size, updated, meta, protected = fleet.content.content_info(model, cid)
    if sn is not None:
        return csv_response([(ctype, size, updated, meta)])
    return csv_response([(ctype, size, updated, meta, 'true' if protected else 'false')])


def _known_sn(fleet, model, sn, status=400):
    if not fleet.devices.sn_exists(model, sn):
        raise FleetError(status, 'no serial number %r in model %r' % (sn, model['name']))


# ------------------------------------------------------------------ groups
def _group(state, request, vendor, name, gid):
    fleet = state.fleet
    model = _get_model(state, request, vendor, name)
    query = _query(request)
    if not gid:
        only(request, 'GET', 'POST')
        if request.method == 'GET':
            offset, limit = page(query.get('offset'), query.get('limit'))
            return csv_response(fleet.content.groups(model, offset, limit), 204)
        fields = _form(request)
        if fields.flag('delete'):
            fleet.content.delete_group(model, fields.required('id'))
        else:
            fleet.content.create_group(model, fields.required('id'), fields.get('meta', ''))
        return reset()
    only(request, 'GET', 'DELETE')
    if request.method == 'DELETE':
        fleet.content.delete_group(model, gid)
        return reset()
    if query.get('show') == 'groups':
        fleet.content.group_info(model, gid)
        offset, limit = page(query.get('offset'), query.get('limit'))
        return csv_response(fleet.content.member_of(model, 'group', gid, offset, limit), 204)
    return csv_response([fleet.content.group_info(model, gid)])


def _members(state, request, vendor, name, gid):
    only(request, 'GET', 'POST', 'DELETE')
    fleet = state.fleet
    model = _get_model(state, request, vendor, name)
    if request.method == 'GET':
        query = _query(request)
        offset, limit = page(query.get('offset'), query.get('limit'))
        rows = fleet.content.members(model, gid, query.get('type'), query.get('id'), offset, limit)
        return csv_response(rows, 204)
    if _body_kind(request) == 'csv':
        if request.method == 'POST':
            fleet.content.set_members(model, gid, _csv_rows(request, 4))
        else:
            fleet.content.delete_members(model, gid, _csv_rows(request, 2))
        return reset()
    fields = _form(request)
    mtype, ids = fields.required('type'), fields.all('id')
    if not ids or not all(ids):
        raise FleetError(400, 'give the members as id=<id> or id[]=<id>&...')
    if request.method == 'DELETE' or fields.flag('delete'):
        fleet.content.delete_members(model, gid, [(mtype, i) for i in ids])
    else:
        fleet.content.set_members(model, gid, [(mtype, i, fields.get('expire'), fields.get('meta', ''))
                                       for i in ids])
    return reset()


# ------------------------------------------------------------------ shares
def _share(state, request, vendor, name, grantee):
    fleet = state.fleet
    if not grantee:
        only(request, 'GET', 'POST')
        if request.method == 'GET':
            return csv_response(fleet.vendors.model_shares(vendor, name), 204)
        fields = _form(request)
        if fields.flag('delete'):
            fleet.vendors.unshare_model(vendor, name, fields.required('vendor'))
        else:
            fleet.vendors.share_model(vendor, name, fields.required('vendor'))
        return reset()
    only(request, 'GET', 'DELETE')
    if request.method == 'DELETE':
        fleet.vendors.unshare_model(vendor, name, grantee)
        return reset()
    if grantee not in fleet.vendors.model_shares(vendor, name):
        raise FleetError(404, 'model %r is not shared with %r' % (name, grantee))
    return Response(204, b'', CSV_TYPE)


# ------------------------------------------------------------------ provisioning (device side)
def _activate(state, request):
    """``POST /provision/activate`` with ``vendor``, ``model`` and ``sn``: answer the
    device's new CIK (200 text/plain). 404 unknown vendor/model/sn, 409 not enabled for
    activation, 400 missing field, 405 another method. Raises FleetError for these."""
    only(request, 'POST')
    fields = Fields(request.form_pairs())
    vendor, model, sn = (fields.required(name) for name in ('vendor', 'model', 'sn'))
    cik = state.fleet.devices.activate(vendor, model, sn, conn_info(request))
    return text_response(200, cik)


def _download(state, request):
    """``GET /provision/download?vendor=&model=[&id=[&info=true]]`` as an activated device
    (its CIK in X-Exosite-CIK, or in X-Exosite-Token when that is absent): the content ids
    the device may fetch, one content's info (``<type>,<size>,<updated>,<meta>``) or its
    blob (``Range`` honoured). 401 bad CIK,
    403 when the device is not an activated sn of that vendor/model or the content is
    protected from it (400 instead for an unknown pair when asking for info), 404 unknown
    content. Raises FleetError for these."""
    only(request, 'GET')
    # Provision.content_info sends the device's CIK in X-Exosite-Token when managing by token
    header = 'X-Exosite-CIK' if request.header('X-Exosite-CIK') else 'X-Exosite-Token'
    rid = cik_client(state, request, header)
    fields = Fields(request.query_pairs())
    vendor, model_name = fields.required('vendor'), fields.required('model')
    fleet = state.fleet
    cid, info = fields.get('id'), fields.flag('info')
    model, sn = fleet.devices.device_model(vendor, model_name, rid, missing=400 if cid and info else 403)
    if not cid:
        return csv_response(fleet.content.authorized_content(model, sn))
    fleet.content.check_authorized(model, cid, sn)
    if info:
        ctype, size, updated, meta, _ = fleet.content.content_info(model, cid)
        return csv_response([(ctype, size, updated, meta)])
    ctype, data = fleet.content.content_blob(model, cid)
    return blob_response(ctype, data, request.header('Range'))
