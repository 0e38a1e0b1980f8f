"""Helpers shared by the emulator's tests (plain functions; fixtures are in conftest.py)."""
import http.client
import json


class Clock(object):
    """A platform clock that only moves when the test says so."""

    def __init__(self, start=1500000000.0):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def post(emu, body, headers=None, path='/onep:v1/rpc/process', method='POST'):
    """Send ``body`` (bytes, or a value sent as JSON) and return (HTTP status, headers, text)."""
    if not isinstance(body, bytes):
        body = json.dumps(body).encode('utf-8')
    conn = http.client.HTTPConnection(emu.host, emu.port, timeout=30)
    try:
        conn.request(method, path, body=body,
                     headers=dict({'Content-Type': 'application/json; charset=utf-8'},
                                  **(headers or {})))
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode('utf-8')
    finally:
        conn.close()


def rpc(emu, auth, calls):
    """POST one JSON-RPC request and return the decoded reply."""
    status, _, text = post(emu, {'auth': auth, 'calls': calls})
    assert status == 200, text
    return json.loads(text)


def call(emu, auth, procedure, *arguments):
    """Run one procedure over raw HTTP and return its reply item (without the id)."""
    reply = rpc(emu, auth, [{'id': 1, 'procedure': procedure, 'arguments': list(arguments)}])
    assert isinstance(reply, list), reply
    item = reply[0]
    assert item.pop('id') == 1
    return item


def ok(result):
    """Unwrap an OnepV1 ``(isok, value)`` reply that must have succeeded."""
    isok, value = result
    assert isok, value
    return value


def make_client(onep, cik, desc=None):
    """Create a client under ``cik`` and return (rid, cik of the new client)."""
    rid = ok(onep.create(cik, 'client', desc or {}))
    info = ok(onep.info(cik, rid, {'key': True}))
    return rid, info['key']


def make_dataport(onep, cik, fmt='integer', alias=None, **desc):
    """Create a dataport under ``cik`` (mapped to ``alias`` when given) and return its RID."""
    desc['format'] = fmt
    rid = ok(onep.create(cik, 'dataport', desc))
    if alias:
        ok(onep.map(cik, rid, alias))
    return rid
