# -*- coding: utf-8 -*-
"""The kept-alive pool of onephttp.OneP_Request, over real loopback HTTP: requests from
several threads run at once, each connection carries one request at a time and never hands
a reply to the wrong call, connections come back after errors and timeouts, a connection
the server closed is replaced, the pool sends what requests.Session sends, and the
environment (proxies, no_proxy, CA bundle, ~/.netrc) is read once."""
from __future__ import unicode_literals

import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from pyonep.exceptions import JsonRPCRequestException
from pyonep.onephttp import DEFAULT_POOLSIZE, OneP_Request
from recording_server import RecordingServer, Reply, rpc_echo

CIK = '5de0cfcf7b5bed2ea7a801234567890123456789'
RID = '34eaae237988167d90bfc2ffeb666daaaaaaaaaa'
ENV_NAMES = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'REQUESTS_CA_BUNDLE',
             'CURL_CA_BUNDLE', 'NETRC']


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No proxy, CA bundle or netrc settings in the environment (HOME is an empty folder)."""
    for name in ENV_NAMES:
        monkeypatch.delenv(str(name), raising=False)
        monkeypatch.delenv(str(name.lower()), raising=False)
    monkeypatch.setenv(str('HOME'), str(tmp_path))
    return EnvPatch(monkeypatch)


class EnvPatch(object):
    """setenv/delenv with native strings on Python 2 and 3."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch

    def setenv(self, name, value):
        self.monkeypatch.setenv(str(name), str(value))

    def delenv(self, name):
        self.monkeypatch.delenv(str(name))


def run_threads(count, target, watchdog=60):
    """Run target(n) in count threads; return the errors they raised. Fails the test when a
    thread is still running after watchdog seconds (a pool that lost a connection blocks)."""
    errors = []

    def guarded(n):
        try:
            target(n)
        except Exception as exc:
            errors.append((n, repr(exc)))

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for t in threads:
        t.daemon = True
        t.start()
    for t in threads:
        t.join(watchdog)
        assert not t.is_alive(), 'a request is still waiting: a connection was not given back'
    return errors


class Gate(object):
    """A server reply that counts the requests inside the server at once (``most``) and
    holds each one until ``width`` have been inside together (or ``wait`` seconds pass),
    then answers with ``then`` (default: the JSON-RPC echo)."""

    def __init__(self, width, wait=20, then=rpc_echo):
        self.width = width
        self.wait = wait
        self.then = then
        self.now = 0
        self.most = 0
        self.cond = threading.Condition()

    def __call__(self, request):
        with self.cond:
            self.now += 1
            self.most = max(self.most, self.now)
            self.cond.notify_all()
            deadline = time.time() + self.wait
            while self.most < self.width and time.time() < deadline:
                self.cond.wait(max(deadline - time.time(), 0.01))
        try:
            return self.then(request)
        finally:
            with self.cond:
                self.now -= 1


def echo_body(request):
    """Answer with the request's own body, so a reply names the request it belongs to."""
    return Reply(body=request.body, headers={'Content-Type': 'text/plain; charset=utf-8'})


# --- threads -------------------------------------------------------------------------------

def test_requests_from_several_threads_run_at_the_same_time(make_onep, server):
    """0.13.8 and the single kept-alive connection let one request out at a time."""
    gate = Gate(4)
    server.reply = gate
    client = make_onep(reuseconnection=True, httptimeout=60)
    results = {}

    def work(n):
        results[n] = client.write(CIK, {'alias': 'a%d' % n}, n)

    assert run_threads(4, work) == []
    assert gate.most == 4  # all four were in the server together
    assert server.connections == 4
    for n in range(4):
        assert results[n] == (True, {'procedure': 'write', 'arguments': [{'alias': 'a%d' % n}, n, {}]})


def test_poolsize_bounds_the_requests_in_flight_and_nothing_is_lost(server):
    gate = Gate(3, wait=0.02, then=echo_body)  # never 3 at once: each is held 20 ms
    server.reply = gate
    transport = OneP_Request(server.host, https=False, reuseconnection=True, poolsize=2)
    wrong = []

    def work(n):
        for i in range(10):
            body = 'thread %d call %d' % (n, i)
            text, response = transport.request('POST', '/echo', body)
            if text != body or response.status_code != 200:
                wrong.append((body, text))

    assert run_threads(6, work) == []
    transport.close()
    assert wrong == []
    assert len(server.requests) == 60
    assert sorted(r.body for r in server.requests) == sorted(
        'thread %d call %d' % (n, i) for n in range(6) for i in range(10))
    assert gate.most <= 2 and server.connections <= 2


def test_connections_come_back_after_timeouts_and_resets(server):
    """With 2 connections and more failures than that, the pool still serves: every failed
    request gave its connection back (closed), and a late reply never reaches another call."""
    def reply(request):
        kind = request.body.split()[0]
        if kind == 'slow':
            return Reply(body=request.body, delay=0.8)  # after the 0.3 s timeout
        if kind == 'reset':
            return Reply(body=request.body * 50, reset=True)
        return echo_body(request)

    server.reply = reply
    transport = OneP_Request(server.host, https=False, httptimeout=0.3, reuseconnection=True,
                             poolsize=2)
    outcomes = []

    def work(n):
        for i, kind in enumerate(['slow', 'ok', 'reset', 'ok', 'slow', 'ok']):
            body = '%s %d %d' % (kind, n, i)
            try:
                text, _ = transport.request('POST', '/x', body)
                outcomes.append((kind, text == body))
            except requests.exceptions.RequestException as exc:
                outcomes.append((kind, type(exc).__name__))

    assert run_threads(4, work) == []
    assert sorted(set(o for o in outcomes if o[0] == 'ok')) == [('ok', True)]
    assert set(o[1] for o in outcomes if o[0] == 'slow') == set(['ReadTimeout'])
    assert all(o[1] in ('ChunkedEncodingError', 'ConnectionError') for o in outcomes
               if o[0] == 'reset')
    # Both connections are free: two requests held in the server together both get in.
    gate = Gate(2, then=echo_body)
    server.reply = gate
    transport.httptimeout = 30
    assert run_threads(2, lambda n: transport.request('POST', '/x', 'after %d' % n)) == []
    assert gate.most == 2


def test_exception_fn_and_a_client_error_give_the_connection_back(make_onep, server):
    client = make_onep(reuseconnection=True, httptimeout=1)
    client.onephttp.poolsize = 1
    client.close()  # the new size applies from the next pool
    server.reply = lambda r: Reply(body='[]', delay=1.5)
    with pytest.raises(JsonRPCRequestException):
        client.read(CIK, RID, {})
    server.reply = lambda r: Reply(body='{"id": 1, "status": "o', reset=True)
    with pytest.raises(JsonRPCRequestException):
        client.read(CIK, RID, {})
    server.reply = rpc_echo
    results = []
    assert run_threads(1, lambda n: results.append(client.read(CIK, RID, {})), watchdog=20) == []
    assert results[0][0] is True


def test_poolsize_is_checked_and_defaults_to_ten(make_onep):
    assert DEFAULT_POOLSIZE == 10
    assert OneP_Request('127.0.0.1:1').poolsize == 10
    assert make_onep(reuseconnection=True).onephttp.poolsize == DEFAULT_POOLSIZE
    assert OneP_Request('127.0.0.1:1', poolsize=3).poolsize == 3
    for bad in (0, -1, 1.5, True, '3', None):
        with pytest.raises(ValueError):
            OneP_Request('127.0.0.1:1', poolsize=bad)
    transport = OneP_Request('127.0.0.1:1')
    with pytest.raises(ValueError):
        transport.poolsize = 0
    assert transport.poolsize == 10


def test_one_thread_uses_one_connection(make_onep, server):
    client = make_onep(reuseconnection=True)
    for n in range(30):
        client.write(CIK, RID, n)
    assert server.connections == 1


# --- the server closes a kept-alive connection ------------------------------------------------

class OneRequestServer(object):
    """A loopback HTTP/1.1 server that reads one request per connection, sends what
    :meth:`answer` gives for it and closes the connection. ``port`` and ``host``
    (``127.0.0.1:<port>``) say where it listens; ``connections`` counts what it accepted;
    ``closed`` is set each time it has closed one."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.host = '127.0.0.1:%d' % self.port
        self.connections = 0
        self.closed = threading.Event()
        thread = threading.Thread(target=self._serve)
        thread.daemon = True
        thread.start()

    def answer(self, body):
        """Return the raw bytes that answer a request with ``body``."""
        raise NotImplementedError

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except (OSError, socket.error):
                return
            self.connections += 1
            data = b''
            while b'\r\n\r\n' not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b'\r\n\r\n')
            length = [int(line.split(b':')[1]) for line in head.split(b'\r\n')
                      if line.lower().startswith(b'content-length:')]
            while length and len(body) < length[0]:
                body += conn.recv(65536)
            conn.sendall(self.answer(body))
            conn.close()
            self.closed.set()

    def close(self):
        self.sock.close()


class HangUpServer(OneRequestServer):
    """Answers each RPC request with a keep-alive reply (no ``Connection: close``), then
    closes the connection, as a server does when a kept-alive connection has been idle
    too long. Each call's result is the number of the connection that answered it."""

    def answer(self, body):
        calls = json.loads(body.decode('utf-8'))['calls']
        reply = json.dumps([{'id': c['id'], 'status': 'ok', 'result': self.connections}
                            for c in calls]).encode('utf-8')
        return (b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n'
                b'Content-Length: ' + str(len(reply)).encode('ascii') + b'\r\n\r\n' + reply)


def test_a_connection_the_server_closed_is_replaced(make_onep):
    srv = HangUpServer()
    try:
        client = make_onep(port=srv.port, reuseconnection=True)
        for n in range(1, 6):
            srv.closed.clear()
            assert client.read(CIK, RID, {}) == (True, n)  # answered on connection n
            assert srv.closed.wait(10)
        assert srv.connections == 5
    finally:
        srv.close()


# --- what goes on the wire and what comes back ----------------------------------------------

REQUESTS = [
    ('POST', '/onep:v1/rpc/process', '{"auth": {"cik": "k"}, "calls": []}',
     {'Content-Type': 'application/json; charset=utf-8'}),
    ('GET', '/provision/manage/model/my model/?offset=5&status=true', None,
     {'X-Exosite-CIK': CIK}),
    ('POST', '/provision/manage/model/m/', 'add=true&sn=s%C3%BC',
     {'X-Exosite-Token': 't', 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'}),
    ('PUT', '/provision/manage/model/m', 'rid=r', {'X-Exosite-CIK': CIK}),
    ('DELETE', '/provision/manage/content/m/c', '', {'X-Exosite-CIK': CIK}),
    ('POST', '/provision/register', None, {'X-Exosite-Token': 't'}),
    ('POST', '/ünï/path', 'ünï body', {'User-Agent': 'agent/1.0'}),
]


def sent(server_request):
    headers = list(server_request.headers.items())
    if sys.version_info < (3, 7):
        headers.sort()  # the server's dict keeps no order there
    return (server_request.method, server_request.path, server_request.query,
            server_request.body, headers)


@pytest.mark.parametrize('method,path,body,headers', REQUESTS)
def test_the_pool_sends_what_a_requests_session_sends(server, method, path, body, headers):
    base = {'Accept': 'text/plain'}
    pooled = OneP_Request(server.host, https=False, headers=base, reuseconnection=True)
    fresh = OneP_Request(server.host, https=False, headers=base)  # a requests.Session a request
    for _ in range(2):  # the second request of the pool comes from its template
        text, response = pooled.request(method, path, body, headers)
        text2, response2 = fresh.request(method, path, body, headers)
        assert sent(server.requests[-2]) == sent(server.requests[-1])
        assert (text, response.status_code, response.reason) == (
            text2, response2.status_code, response2.reason)
    pooled.close()


def test_the_response_is_a_requests_response_like_the_session_made(server):
    server.reply = lambda r: Reply(status=404, body='nö', headers={
        'Content-Type': 'text/plain; charset=iso-8859-1', 'X-Thing': 'a'})
    transport = OneP_Request(server.host, https=False, reuseconnection=True)
    text, response = transport.request('POST', '/a?b=1', 'body')
    assert isinstance(response, requests.Response)
    assert (response.status_code, response.reason, response.encoding) == (404, 'Not Found', 'iso-8859-1')
    assert response.headers['x-thing'] == 'a' and response.headers['X-THING'] == 'a'
    assert response.url == 'http://%s/a?b=1' % server.host
    assert response.request.method == 'POST' and response.request.body == b'body'
    assert response.request.headers['Content-Length'] == '4'
    assert response.content == 'nö'.encode('utf-8') and text == response.text
    assert response.history == [] and response.ok is False


def test_cookies_are_kept_and_redirects_followed_as_a_session_does(server):
    def reply(request):
        if request.path == '/login':
            return Reply(status=302, headers={'Location': '/home', 'Set-Cookie': 'sid=abc; Path=/'})
        return Reply(body='cookie=%s' % request.headers.get('cookie'),
                     headers={'Content-Type': 'text/plain'})

    server.reply = reply
    for reuse in (True, False):
        transport = OneP_Request(server.host, https=False, reuseconnection=reuse)
        text, response = transport.request('GET', '/login')
        assert (text, response.status_code) == ('cookie=sid=abc', 200)
        assert [r.status_code for r in response.history] == [302]
        text, _ = transport.request('GET', '/other')  # the cookie stays with a kept session
        assert text == ('cookie=sid=abc' if reuse else 'cookie=None')
        transport.close()


class RawReplyServer(OneRequestServer):
    """Answers every request with the given raw bytes."""

    def __init__(self, reply):
        self.reply = reply
        OneRequestServer.__init__(self)

    def answer(self, body):
        return self.reply


def test_chunked_and_gzipped_replies_read_as_requests_reads_them():
    import gzip
    import io
    packed = io.BytesIO()
    with gzip.GzipFile(fileobj=packed, mode='wb') as f:
        f.write(b'[{"id": 0, "status": "ok", "result": "unpacked"}]')
    packed = packed.getvalue()
    chunks = b''.join(b'%x\r\n' % len(part) + part + b'\r\n'
                      for part in (packed[:10], packed[10:])) + b'0\r\n\r\n'
    reply = (b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n'
             b'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n' + chunks)
    srv = RawReplyServer(reply)
    try:
        for reuse in (True, False):
            text, response = OneP_Request(srv.host, https=False, reuseconnection=reuse).request(
                'POST', '/onep:v1/rpc/process', '{}')
            assert text == '[{"id": 0, "status": "ok", "result": "unpacked"}]'
            assert response.headers['content-encoding'] == 'gzip'
    finally:
        srv.close()


def test_the_errors_are_requests_own(server):
    transport = OneP_Request(server.host, https=False, httptimeout=0.3, reuseconnection=True)
    server.reply = lambda r: Reply(body='x', delay=0.8)
    with pytest.raises(requests.exceptions.ReadTimeout):
        transport.request('GET', '/')
    server.reply = lambda r: Reply(body='abcdef' * 100, reset=True)
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        transport.request('GET', '/')
    with pytest.raises(requests.exceptions.InvalidHeader):
        transport.request('GET', '/', headers={'X-Bad': 'a\nb'})
    server.reply = lambda r: echo_body(r)
    assert transport.request('POST', '/', 'fine')[0] == 'fine'
    pair = OneP_Request(server.host, https=False, httptimeout=(5, 0.3), reuseconnection=True)
    server.reply = lambda r: Reply(body='x', delay=0.8)  # a (connect, read) pair, as requests
    with pytest.raises(requests.exceptions.ReadTimeout):
        pair.request('GET', '/')


# --- the environment, read once ---------------------------------------------------------------

def proxy_reply(request):
    """A forward proxy's answer: the absolute URL it was asked for, and the proxy auth."""
    return Reply(body=json.dumps({'url': request.path, 'auth': request.headers.get('proxy-authorization')}))


def test_proxy_and_no_proxy_from_the_environment_read_once(clean_env, server):
    with RecordingServer(reply=proxy_reply) as proxy:
        clean_env.setenv('HTTP_PROXY', 'http://user:pw@%s' % proxy.host)
        clean_env.setenv('NO_PROXY', 'direct.invalid')
        transport = OneP_Request('pyonep.invalid:8080', https=False, reuseconnection=True)
        for _ in range(3):
            text, _ = transport.request('POST', '/onep:v1/rpc/process', '{}')
            assert json.loads(text) == {'url': 'http://pyonep.invalid:8080/onep:v1/rpc/process',
                                        'auth': 'Basic dXNlcjpwdw=='}
        clean_env.delenv('HTTP_PROXY')  # read once: the transport keeps its proxy
        transport.close()
        assert json.loads(transport.request('GET', '/again')[0])['url'] == \
            'http://pyonep.invalid:8080/again'
        assert proxy.connections == 2 and len(proxy.requests) == 4
        # no_proxy: the server itself is named there, so requests go to it directly.
        clean_env.setenv('HTTP_PROXY', 'http://%s' % proxy.host)
        clean_env.setenv('NO_PROXY', '127.0.0.1')
        direct = OneP_Request(server.host, https=False, reuseconnection=True)
        assert direct.request('GET', '/direct')[1].status_code == 200
        assert len(proxy.requests) == 4 and server.requests[-1].path == '/direct'


def test_netrc_credentials_from_the_environment(clean_env, server, tmp_path):
    netrc = tmp_path / '.netrc'
    netrc.write_text('machine 127.0.0.1 login me password secret\n')
    os.chmod(str(netrc), 0o600)
    for reuse in (True, False):
        transport = OneP_Request(server.host, https=False, reuseconnection=reuse)
        transport.request('GET', '/x')
        transport.request('GET', '/x')
        assert server.requests[-1].headers.get('authorization') == 'Basic bWU6c2VjcmV0'
        transport.close()


@pytest.fixture
def tls_server(tmp_path):
    """A loopback HTTPS RecordingServer with a self-signed certificate for localhost; yields
    (server, ``"localhost:<port>"``, path of the certificate). (Python 2.7 cannot match an IP
    address in a certificate without the ipaddress backport, hence a name.)"""
    ssl = pytest.importorskip('ssl')
    cert, key = str(tmp_path / 'cert.pem'), str(tmp_path / 'key.pem')
    try:
        subprocess.check_call(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
                               '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
                               '-addext', 'subjectAltName=DNS:localhost'],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip('openssl 1.1.1 or later is needed to make a self-signed certificate')
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if hasattr(ssl, 'PROTOCOL_TLS_SERVER')
                             else ssl.PROTOCOL_SSLv23)
    context.load_cert_chain(cert, key)
    with RecordingServer(ssl_context=context) as srv:
        yield srv, 'localhost:%d' % srv.port, cert


@pytest.mark.parametrize('variable', ['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'])
def test_ca_bundle_from_the_environment_read_once(clean_env, tls_server, variable):
    tls, host, cert = tls_server
    untrusting = OneP_Request(host, reuseconnection=True)
    with pytest.raises(requests.exceptions.SSLError):
        untrusting.request('GET', '/')
    clean_env.setenv(variable, cert)
    transport = OneP_Request(host, reuseconnection=True)
    assert transport.request('GET', '/')[0] == 'ok'
    clean_env.delenv(variable)  # read once
    os.rename(cert, cert + '.gone')  # and not looked at again for each request
    for _ in range(3):
        assert transport.request('GET', '/')[0] == 'ok'
    assert tls.connections == 1  # kept alive (the refused handshake never got that far)
    transport.close()


def test_missing_ca_bundle_fails_every_request_as_requests_does(clean_env, tls_server, tmp_path):
    _, host, _ = tls_server
    clean_env.setenv('REQUESTS_CA_BUNDLE', str(tmp_path / 'nowhere.pem'))
    transport = OneP_Request(host, reuseconnection=True)
    for _ in range(2):
        with pytest.raises((IOError, OSError)) as err:
            transport.request('GET', '/')
        assert 'CA certificate bundle' in str(err.value)
