# -*- coding: utf-8 -*-
"""The shared transport, onephttp.OneP_Request, and OnepV1/Provision on top of it:
connection reuse counted on the server side, reconnection, long polls, DEBUG logging and
the runnable curl lines."""
from __future__ import unicode_literals

import json
import logging
import subprocess
import sys

import pytest
import requests

from pyonep.onephttp import OneP_Request, shell_quote
from recording_server import RecordingServer, Reply, free_port

CIK = '5de0cfcf7b5bed2ea7a801234567890123456789'
RID = '34eaae237988167d90bfc2ffeb666daaaaaaaaaa'


class CaptureHandler(logging.Handler):
    """Keeps the formatted message of every record it gets."""

    def __init__(self):
        logging.Handler.__init__(self, logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture
def debug_log():
    """Capture DEBUG lines of pyonep.onep and pyonep.provision; restore the levels after."""
    handler = CaptureHandler()
    loggers = [logging.getLogger('pyonep.onep'), logging.getLogger('pyonep.provision')]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    yield handler
    for lg, level in zip(loggers, levels):
        lg.removeHandler(handler)
        lg.setLevel(level)


def test_reuseconnection_keeps_one_connection_for_200_calls(make_onep, server):
    client = make_onep(reuseconnection=True)
    for n in range(200):
        assert client.write(CIK, RID, n)[0] is True
    assert len(server.requests) == 200
    assert server.connections == 1


def test_without_reuse_every_request_has_its_own_connection(make_onep, server):
    client = make_onep()
    for n in range(20):
        client.write(CIK, RID, n)
    assert server.connections == 20
    assert len(set(r.connection for r in server.requests)) == 20


def test_server_closing_every_100th_request_loses_nothing(make_onep):
    with RecordingServer(close_every=100) as srv:
        client = make_onep(port=srv.port, reuseconnection=True)
        for n in range(250):
            assert client.write(CIK, RID, n) == (
                True, {'procedure': 'write', 'arguments': [RID, n, {}]})
        client.close()
        assert len(srv.requests) == 250
        assert srv.connections == 3
        assert [json.loads(r.body)['calls'][0]['arguments'][1] for r in srv.requests] == list(range(250))


def test_close_then_next_call_reconnects(make_onep, server):
    """0.13.8 defect: after close() a reusing client failed with AttributeError forever."""
    client = make_onep(reuseconnection=True)
    client.read(CIK, RID, {})
    client.close()
    client.close()  # twice is fine
    assert client.read(CIK, RID, {})[0] is True
    assert server.connections == 2


def test_transport_error_then_next_call_reconnects(make_onep, server):
    """0.13.8 defect: after a transport error a reusing client never recovered."""
    client = make_onep(reuseconnection=True, httptimeout=1)
    client.read(CIK, RID, {})
    server.reply = lambda r: Reply(body='[]', delay=1.5)
    with pytest.raises(Exception):
        client.read(CIK, RID, {})
    from recording_server import rpc_echo
    server.reply = rpc_echo
    assert client.read(CIK, RID, {})[0] is True
    assert client.read(CIK, RID, {})[0] is True
    assert server.connections == 2


def test_wait_uses_a_fresh_connection_without_timeout(make_onep, server):
    client = make_onep(reuseconnection=True, httptimeout=1)
    client.read(CIK, RID, {})
    server.reply = lambda r: Reply(body=json.dumps([{'id': r.json()['calls'][0]['id'],
                                                     'status': 'ok', 'result': [1, 2]}]),
                                   delay=1.5)
    assert client.wait(CIK, RID, {'timeout': 1500}) == (True, [1, 2])  # longer than httptimeout
    assert server.requests[1].connection != server.requests[0].connection


def test_request_returns_text_and_response_and_leaves_header_dicts_alone(server):
    server.reply = lambda r: Reply(status=201, body='ünï', headers={'Content-Type': 'text/plain; charset=utf-8'})
    base = {'Accept': 'text/plain'}
    extra = {'X-Exosite-CIK': CIK, 'Accept': 'text/csv'}
    transport = OneP_Request(server.host, https=False, headers=base)
    text, response = transport.request('GET', '/p?q=1', headers=extra)
    assert text == 'ünï' and response.status_code == 201
    assert isinstance(response, requests.Response)
    assert base == {'Accept': 'text/plain'} and extra == {'X-Exosite-CIK': CIK, 'Accept': 'text/csv'}
    sent = server.requests[0]
    assert (sent.method, sent.path, sent.query) == ('GET', '/p', 'q=1')
    assert sent.headers['accept'] == 'text/csv' and sent.headers['x-exosite-cik'] == CIK
    transport.request('GET', '/p')
    assert server.requests[1].headers['accept'] == 'text/plain'
    assert 'x-exosite-cik' not in server.requests[1].headers


def test_request_failure_raises_or_calls_exception_fn():
    transport = OneP_Request('127.0.0.1:%d' % free_port(), https=False, reuseconnection=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        transport.request('GET', '/')
    seen = []
    assert transport.request('GET', '/', exception_fn=seen.append) == (None, None)
    assert len(seen) == 1 and isinstance(seen[0], requests.exceptions.ConnectionError)


def test_shell_quote():
    assert shell_quote("it's") == "'it'\\''s'"
    out = subprocess.check_output(['sh', '-c', 'printf %s ' + shell_quote("a 'b' $HOME \\ \"c\"")])
    assert out.decode('utf-8') == "a 'b' $HOME \\ \"c\""


def run_logged_curl(line):
    assert line.startswith("curl '")
    return subprocess.check_output(['sh', '-c', line]).decode('utf-8')


def same_request(a, b, header_names):
    assert (a.method, a.path, a.query, a.body) == (b.method, b.path, b.query, b.body)
    for name in header_names:
        assert a.headers.get(name) == b.headers.get(name), name


def test_curldebug_line_runs_with_real_curl_onep(make_onep, server, debug_log):
    client = make_onep(curldebug=True, agent="it's me/1.0")
    value = "quote ' and \"double\" and ünï"
    result = client.write(CIK, {'alias': 'x'}, value)
    assert len(debug_log.lines) >= 1
    curl_line = debug_log.lines[0]
    assert '\n' not in curl_line and ' -X POST -m 10 ' in curl_line
    reply = run_logged_curl(curl_line)
    assert len(server.requests) == 2
    same_request(server.requests[0], server.requests[1],
                 ['content-type', 'user-agent'])
    assert json.loads(reply) == [{'id': 0, 'status': 'ok', 'result': result[1]}]


def test_curldebug_line_runs_with_real_curl_provision(make_provision, server, debug_log):
    server.reply = lambda r: Reply(body='sn1,status\n', headers={'Content-Type': 'text/plain'})
    prov = make_provision(curldebug=True)
    pr = prov.serialnumber_list('k1', 'my model', offset=5, status=True)
    pr2 = prov.serialnumber_add('k1', 'my model', "it's", extra='x y')
    lines = [l for l in debug_log.lines if l.startswith('curl ')]
    assert len(lines) == 2
    assert run_logged_curl(lines[0]) == pr.body
    assert run_logged_curl(lines[1]) == pr2.body
    same_request(server.requests[0], server.requests[2], ['x-exosite-cik', 'accept'])
    same_request(server.requests[1], server.requests[3],
                 ['x-exosite-cik', 'accept', 'content-type'])


def test_debug_log_without_curl_names_method_path_host_headers_body(make_onep, server, debug_log):
    client = make_onep()
    client.read(CIK, RID, {})
    request_line = debug_log.lines[0]
    assert request_line.startswith('POST /onep:v1/rpc/process\nHost: http://127.0.0.1:%d\n' % server.port)
    assert 'application/json; charset=utf-8' in request_line
    assert server.requests[0].body in request_line
    assert any(l.startswith('HTTP/1.1 200 OK') for l in debug_log.lines[1:])


def _called_from_pyonep():
    return sys._getframe(2).f_globals.get('__name__', '').startswith(('pyonep', 'logging'))


class CountingStr(str):
    """A header value that counts how often pyonep or logging turns it into text (the
    HTTP library's own str() calls, e.g. Python 2's httplib, do not count)."""
    formatted = 0

    def __str__(self):
        if _called_from_pyonep():
            CountingStr.formatted += 1
        return str.__str__(self)

    def __format__(self, spec):
        if _called_from_pyonep():
            CountingStr.formatted += 1
        return str.__format__(self, spec)

    def __repr__(self):
        if _called_from_pyonep():
            CountingStr.formatted += 1
        return str.__repr__(self)


@pytest.mark.parametrize('curldebug', [False, True])
def test_nothing_is_formatted_for_the_log_while_debug_is_off(make_onep, server, curldebug):
    """0.13.8 defect: log lines were formatted even with DEBUG off."""
    logger = logging.getLogger('pyonep.onep')
    level = logger.level
    handler = CaptureHandler()
    logger.addHandler(handler)
    try:
        agent = CountingStr('agent/1.0')
        logger.setLevel(logging.INFO)
        client = make_onep(agent=agent, curldebug=curldebug, reuseconnection=True)
        CountingStr.formatted = 0
        client.read(CIK, RID, {})
        assert CountingStr.formatted == 0 and handler.lines == []
        logger.setLevel(logging.DEBUG)  # the same request does format when DEBUG is on
        client.read(CIK, RID, {})
        assert CountingStr.formatted > 0 and handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
