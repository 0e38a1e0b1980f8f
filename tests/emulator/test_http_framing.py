"""HTTP framing (issue 9, item 8): a request whose body length is ambiguous is refused with
400 and the connection closed, so its body is never read as a second request (the request
smuggling pattern); every answer has a status line, HTTP/2.0 and later get 505, and an
empty line before a request line is skipped as RFC 9112 allows."""
import re
import socket

import pytest

SMUGGLED = b'GET /timestamp HTTP/1.1\r\nHost: x\r\n\r\n'
RPC = b'POST /onep:v1/rpc/process HTTP/1.1\r\nHost: x\r\n'


def exchange(emu, data, wait=5.0):
    """Send raw bytes; return (everything the server sent, whether it closed the connection)."""
    sock = socket.create_connection((emu.host, emu.port), timeout=wait)
    received = b''
    closed = False
    try:
        sock.sendall(data)
        while True:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                closed = True
                break
            received += chunk
    finally:
        sock.close()
    return received, closed


def statuses(received):
    """Return the status codes of the answers in ``received``, in order."""
    return [int(code) for code in re.findall(rb'(?:^|\r\n)HTTP/1\.1 (\d{3}) ', received)]


def chunked(payload):
    return b'%x\r\n%s\r\n0\r\n\r\n' % (len(payload), payload)


@pytest.mark.parametrize('headers, body', [
    (b'Content-Length: 2\r\nContent-Length: %d\r\n' % (2 + len(SMUGGLED)), b'{}' + SMUGGLED),
    (b'Content-Length: %d\r\nContent-Length: 2\r\n' % (2 + len(SMUGGLED)), b'{}' + SMUGGLED),
    (b'Content-Length: 2, %d\r\n' % (2 + len(SMUGGLED)), b'{}' + SMUGGLED),
    (b'Transfer-Encoding: gzip, chunked\r\n', chunked(b'{}') + SMUGGLED),
    (b'Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n', chunked(b'{}') + SMUGGLED),
    (b'Transfer-Encoding: chunked, gzip\r\n', chunked(b'{}') + SMUGGLED),
    (b'Transfer-Encoding: identity\r\nContent-Length: 2\r\n', b'{}' + SMUGGLED),
    (b'Transfer-Encoding: chunked\r\nContent-Length: 2\r\n', chunked(b'{}') + SMUGGLED),
    (b'Content-Length : 2\r\n', b'{}' + SMUGGLED),
    (b'X-Folded: a\r\n Content-Length: 2\r\n', b'{}' + SMUGGLED),
    (b'Content-Length: +2\r\n', b'{}' + SMUGGLED),
    (b'Content-Length: 1_0\r\n', b'{}' + SMUGGLED),
])
def test_an_ambiguous_body_length_is_refused_and_the_connection_closed(emu, headers, body):
    received, closed = exchange(emu, RPC + headers + b'\r\n' + body)
    assert statuses(received) in ([400], [411]), received
    assert closed
    assert b'"code":400' in received


def test_a_repeated_content_length_with_one_value_is_accepted(emu):
    body = b'{"auth": {"cik": "%s"}, "calls": []}' % emu.root_cik.encode()
    length = b'Content-Length: %d\r\n' % len(body)
    received, closed = exchange(emu, RPC + length + length + b'Connection: close\r\n\r\n' + body)
    assert statuses(received) == [200] and received.endswith(b'\r\n\r\n[]')


@pytest.mark.parametrize('version', [b'HTTP/2.0', b'HTTP/3.0', b'HTTP/9.9'])
def test_http_2_and_later_get_505_with_a_status_line(emu, version):
    received, closed = exchange(emu, b'GET /timestamp %s\r\nHost: x\r\n\r\n' % version)
    assert received.startswith(b'HTTP/1.1 505 '), received
    assert closed


@pytest.mark.parametrize('line', [b'GET /timestamp', b'GET', b'GET /timestamp HTTP/1.x',
                                  b'GET /timestamp FTP/1.1', b'GET /timestamp HTTP/11',
                                  b'GET /timestamp HTTP/1.1 extra', b'\x00\xff\xfe'])
def test_a_malformed_request_line_gets_400_with_a_status_line(emu, line):
    received, closed = exchange(emu, line + b'\r\nHost: x\r\n\r\n')
    assert received.startswith(b'HTTP/1.1 400 '), received
    assert closed


@pytest.mark.parametrize('blank', [b'\r\n', b'\n', b'\r\n\r\n'])
def test_empty_lines_before_the_request_line_are_skipped(emu, blank):
    received, closed = exchange(emu, blank + b'GET /timestamp HTTP/1.1\r\nHost: x\r\n'
                                             b'Connection: close\r\n\r\n')
    assert statuses(received) == [200], received


def test_only_blank_lines_are_not_answered_with_silence_forever(emu):
    received, closed = exchange(emu, b'\r\n' * 100)
    assert received.startswith(b'HTTP/1.1 400 ') and closed, received


def test_http_1_0_is_still_served(emu):
    received, closed = exchange(emu, b'GET /timestamp HTTP/1.0\r\n\r\n')
    assert received.startswith(b'HTTP/1.1 200 ') and closed
