"""Helpers shared by the fleet-side tests (provisioning and device HTTP API)."""
import http.client as httplib
from urllib.parse import urlencode

from rpc_helpers import ok

FORM = 'application/x-www-form-urlencoded; charset=utf-8'
CSV = 'text/csv; charset=utf-8'


class Reply(object):
    """One raw HTTP answer: ``status``, ``headers`` (dict, lower-case names), ``body``
    (bytes) and ``text``."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = dict((k.lower(), v) for k, v in headers)
        self.body = body
        self.text = body.decode('utf-8', 'replace')

    def lines(self):
        return self.text.split('\r\n') if self.text else []

    def __repr__(self):
        return '<Reply %d %r>' % (self.status, self.text[:200])


def http(emu, method, path, body=b'', headers=None, fields=None):
    """Send one raw request to the emulator and return a :class:`Reply`.

    ``fields`` (a list of pairs) becomes a form body with the form Content-Type.
    """
    headers = dict(headers or {})
    if fields is not None:
        body = urlencode(fields)
        headers.setdefault('Content-Type', FORM)
    if isinstance(body, str):
        body = body.encode('utf-8')
    conn = httplib.HTTPConnection(emu.host, emu.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        conn.close()


def vendor_headers(emu):
    """The management key header of the emulator's configured vendor (its token)."""
    return {'X-Exosite-Token': emu.vendor_token}


def make_template(onep, cik):
    """Create a template client under ``cik`` holding an integer dataport aliased 'temp'
    (with one stored point, 7) and a string dataport aliased 'msg'. Returns its RID."""
    rid = ok(onep.create(cik, 'client', {'name': 'template'}))
    tcik = ok(onep.info(cik, rid, {'key': True}))['key']
    temp = ok(onep.create(tcik, 'dataport', {'format': 'integer', 'name': 'temp'}))
    ok(onep.map(tcik, temp, 'temp'))
    ok(onep.write(tcik, temp, 7))
    msg = ok(onep.create(tcik, 'dataport', {'format': 'string', 'name': 'msg'}))
    ok(onep.map(tcik, msg, 'msg'))
    return rid


def setup_model(emu, model='m', sns=('SN1',), options=()):
    """Create a template and a model of the configured vendor, whitelist ``sns``.
    Returns the template RID."""
    onep = emu.onep()
    rid = make_template(onep, emu.root_cik)
    headers = vendor_headers(emu)
    reply = http(emu, 'POST', '/provision/manage/model/', headers=headers,
                 fields=[('model', model), ('rid', rid)] + [('options[]', o) for o in options])
    assert reply.status == 205, reply
    if sns:
        reply = http(emu, 'POST', '/provision/manage/model/%s/' % model, headers=headers,
                     fields=[('sn[]', sn) for sn in sns])
        assert reply.status == 205, reply
    return rid


def enable_and_activate(emu, model, sn, owner=None):
    """Enable ``sn`` for ``owner`` (the root client by default), activate it as the device
    would, and return ``(client rid, device cik)``."""
    owner = owner or emu.platform.root_rid
    reply = http(emu, 'POST', '/provision/manage/model/%s/%s' % (model, sn),
                 headers=vendor_headers(emu), fields=[('enable', 'true'), ('owner', owner)])
    assert reply.status == 200, reply
    rid = reply.text
    reply = http(emu, 'POST', '/provision/activate',
                 fields=[('vendor', emu.vendor), ('model', model), ('sn', sn)])
    assert reply.status == 200, reply
    return rid, reply.text
