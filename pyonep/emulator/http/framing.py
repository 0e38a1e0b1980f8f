"""HTTP/1.1 framing on bytes, with no sockets: where a request's head ends, what it says,
how long its body is, and the bytes of an answer.

The event loop (``loop.py``) keeps each connection's unread bytes in a buffer and asks
:func:`take_head` for the next request head; the head tells how many body bytes follow.
:func:`serialize` turns a :class:`~pyonep.emulator.http.messages.Response` into the bytes
sent back, header section and body in one piece.

The rules, the parts of RFC 9112 a test platform must get right so that no request is
misread as another (the request smuggling pattern):

- up to :data:`MAX_BLANK_LINES` empty lines before a request line are skipped;
- a request line that is not ``METHOD target HTTP/1.x`` (or longer than :data:`MAX_LINE`)
  is refused with 400, HTTP/2.0 and later with 505;
- a header line over :data:`MAX_LINE` bytes, more than :data:`MAX_HEADERS` header lines, or
  a header section over :data:`MAX_HEAD` bytes is refused with 431;
- a body whose length is ambiguous is refused with 400: ``Content-Length`` headers that
  disagree or are not plain digits, any ``Transfer-Encoding`` (a lone ``chunked`` gets 411:
  send Content-Length), whitespace between a header name and its colon, a folded header
  line, or any other header line the standard library's parser finds defective.

Every refusal is a :class:`Refusal`; the server answers it and closes the connection.
"""
import email.parser
import email.utils
import http.client
import re
import time
from http import HTTPStatus

MAX_LINE = 65536  # the line limit of the standard library's parser, kept
MAX_HEADERS = 100
MAX_HEAD = 256 * 1024
MAX_BLANK_LINES = 8
SERVER_NAME = 'pyonep-emulator'

REQUEST_VERSION = re.compile(r'HTTP/(\d)\.\d\Z')
# the request line of nearly every request, taken without decoding and splitting
PLAIN_REQUEST_LINE = re.compile(rb'([!-~]+) ([!-~]+) (HTTP/1\.[0-9])\r?\n')
END_OF_HEAD = re.compile(rb'\n\r?\n')
DIGITS = re.compile(r'[0-9]+\Z')
# header lines the fast path takes: a name without whitespace, a colon, a value on one line
SIMPLE_HEADERS = re.compile(r'^([!-9;-~]+):[ \t]*([^\r\n]*?)\r?\n', re.MULTILINE)
CONTINUE = b'HTTP/1.1 100 Continue\r\n\r\n'
PHRASES = dict((status.value, status.phrase) for status in HTTPStatus)


class Refusal(Exception):
    """A request the server answers with ``status`` and an error ``message`` and then
    closes the connection on. ``head`` is the request's :class:`Head` when it was read
    (for the call log), else None."""

    def __init__(self, status, message, head=None):
        Exception.__init__(self, '%d %s' % (status, message))
        self.status = status
        self.message = message
        self.head = head


class Head(object):
    """A request's head: ``method``, ``target`` (the request target, with a leading ``//``
    made ``/``), ``version`` ('HTTP/1.1' or 'HTTP/1.0'), ``headers`` (a :class:`Headers`,
    or the standard library's ``HTTPMessage`` for an unusual but valid section),
    ``body_length`` (bytes), ``keep_alive`` (whether the client lets the connection stay
    open after the answer) and ``expects_continue`` (the client waits for ``100 Continue``
    before sending the body)."""

    __slots__ = ('method', 'target', 'version', 'headers', 'body_length', 'keep_alive',
                 'expects_continue')

    def __init__(self, method, target, version, headers, body_length):
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body_length = body_length
        connection = (headers.get('Connection') or '').lower()
        self.keep_alive = connection == 'keep-alive' or (
            version >= 'HTTP/1.1' and connection != 'close')
        self.expects_continue = version >= 'HTTP/1.1' and (
            headers.get('Expect') or '').lower() == '100-continue'


class Headers(object):
    """The header section of a request, looked up without regard to case.

    Offers what the server and handlers use of ``http.client.HTTPMessage``: :meth:`get`,
    :meth:`get_all`, ``in``, :meth:`keys`, :meth:`values` and :meth:`items`.
    """

    def __init__(self, pairs):
        self._pairs = pairs
        first = self._first = {}
        for name, value in pairs:
            first.setdefault(name.lower(), value)
        self._repeated = len(first) < len(pairs)

    def get(self, name, default=None):
        """Return the value of the first header ``name`` (any case), or ``default``."""
        return self._first.get(name.lower(), default)

    def get_all(self, name, failobj=None):
        """Return the values of every header ``name`` (any case), or ``failobj`` for none."""
        lowered = name.lower()
        if lowered not in self._first:
            return failobj
        if not self._repeated:
            return [self._first[lowered]]
        found = [v for n, v in self._pairs if n.lower() == lowered]
        return found or failobj

    def __contains__(self, name):
        return name.lower() in self._first

    def keys(self):
        """Return the header names, in order."""
        return [n for n, _ in self._pairs]

    def values(self):
        """Return the header values, in order."""
        return [v for _, v in self._pairs]

    def items(self):
        """Return the (name, value) pairs, in order."""
        return list(self._pairs)


def take_head(buffer):
    """Remove the next complete request head from the start of ``buffer`` (a bytearray)
    and return it as a :class:`Head`; the body, if any, is left at the start of ``buffer``.

    Returns None, leaving ``buffer`` as it is, while the head has not arrived in full.
    Raises :class:`Refusal` as soon as the bytes cannot begin an acceptable request (see
    the module docstring), so a client is answered without waiting for the rest.
    """
    start = _skip_blank_lines(buffer) if buffer[0] in (10, 13) else 0
    if start is None:
        return None
    line_end = buffer.find(b'\n', start)
    if line_end < 0:
        if len(buffer) - start > MAX_LINE:
            raise Refusal(400, 'Bad request line: send METHOD target HTTP/1.1')
        return None
    plain = PLAIN_REQUEST_LINE.match(buffer, start, line_end + 1)
    if plain is not None and line_end + 1 - start <= MAX_LINE:
        words = [word.decode('ascii') for word in plain.groups()]
    else:
        words = _request_line(bytes(buffer[start:line_end + 1]))
    end = END_OF_HEAD.search(buffer, line_end)
    if end is None:
        if len(buffer) - start > MAX_HEAD:
            raise Refusal(431, 'Header section over %d bytes' % MAX_HEAD)
        return None
    section = bytes(buffer[line_end + 1:end.end()])
    del buffer[:end.end()]
    method, target, version = words
    if target.startswith('//'):  # never read as a scheme-relative URL (gh-87389)
        target = '/' + target.lstrip('/')
    headers = parse_headers(section)
    head = Head(method, target, version, headers, 0)
    try:
        head.body_length = _body_length(headers)
    except Refusal as refusal:
        refusal.head = head
        raise
    return head


def _skip_blank_lines(buffer):
    """Return where the request line starts in ``buffer`` (after at most MAX_BLANK_LINES
    empty lines), or None when the bytes so far are all empty lines."""
    position = 0
    for _ in range(MAX_BLANK_LINES + 1):
        if buffer.startswith(b'\r\n', position):
            position += 2
        elif buffer.startswith(b'\n', position):
            position += 1
        elif buffer.startswith(b'\r', position) and position + 1 == len(buffer):
            return None  # perhaps the first half of an empty line
        else:
            return position if position < len(buffer) else None
    raise Refusal(400, 'Bad request line: send METHOD target HTTP/1.1')


def _request_line(line):
    """Return (method, target, version) of a request line; raise :class:`Refusal`."""
    words = line.decode('iso-8859-1').split()
    version = REQUEST_VERSION.match(words[-1]) if len(words) == 3 else None
    if version is None or len(line) > MAX_LINE:
        raise Refusal(400, 'Bad request line: send METHOD target HTTP/1.1')
    if version.group(1) != '1':
        raise Refusal(505, 'HTTP version not supported: use HTTP/1.1')
    return words


def parse_headers(section):
    """Parse a header section (bytes, each line with its line ending, the empty line that
    ends the section last).

    Returns a :class:`Headers` when every line is a plain ``Name: value`` line (the common
    case, without the cost of the ``email`` package), else the standard library's
    ``http.client.HTTPMessage`` of the same bytes, once it passes the checks of the module
    docstring. Raises :class:`Refusal` (431 or 400).
    """
    text = section.decode('iso-8859-1')
    pairs = SIMPLE_HEADERS.findall(text)
    lines = text.count('\n') - 1
    if lines > MAX_HEADERS:
        raise Refusal(431, 'Too many headers: at most %d' % MAX_HEADERS)
    if len(text) > MAX_LINE and max(map(len, text.split('\n'))) >= MAX_LINE:
        raise Refusal(431, 'Header line over %d bytes' % MAX_LINE)
    if len(pairs) != lines:
        return _unusual_headers(text)
    return Headers(pairs)


def _unusual_headers(text):
    headers = email.parser.Parser(_class=http.client.HTTPMessage).parsestr(text)
    if headers.defects or any(c in name for name in headers.keys() for c in ' \t') or any(
            '\n' in value for value in headers.values()):
        raise Refusal(400, 'Malformed header section')
    return headers


def _body_length(headers):
    """Return the body length the headers give; raise :class:`Refusal` when ambiguous."""
    if 'Transfer-Encoding' in headers:
        if [v.strip().lower() for v in headers.get_all('Transfer-Encoding')] == ['chunked']:
            raise Refusal(411, 'Chunked request bodies are not supported; send Content-Length')
        raise Refusal(400, 'Transfer-Encoding is not supported; send Content-Length')
    values = headers.get_all('Content-Length')
    if not values:
        return 0
    if len(values) == 1 and DIGITS.match(values[0]):
        return int(values[0])
    lengths = set(v.strip() for h in values for v in h.split(','))
    if len(lengths) > 1 or not all(DIGITS.match(v) for v in lengths):
        raise Refusal(400, 'Bad Content-Length')
    return int(lengths.pop())


_date = [0, '']


def http_date():
    """Return the current time as an HTTP date (computed once a second)."""
    now = int(time.time())
    if _date[0] != now:
        _date[:] = [now, email.utils.formatdate(now, usegmt=True)]
    return _date[1]


def serialize(response, keep_alive, with_body=True):
    """Return the bytes of ``response`` (a Response): status line, ``Server``, ``Date``,
    ``Content-Type`` (when the response has one), ``Content-Length``, its own headers,
    ``Connection`` (``keep-alive`` or ``close`` as ``keep_alive`` says), then the body
    unless ``with_body`` is false (the answer to HEAD). Header text that latin-1 cannot
    carry is sent as ``?``."""
    lines = ['HTTP/1.1 %d %s' % (response.status, PHRASES.get(response.status, '')),
             'Server: ' + SERVER_NAME, 'Date: ' + http_date()]
    if response.content_type:
        lines.append('Content-Type: ' + response.content_type)
    lines.append('Content-Length: %d' % len(response.body))
    for name, value in response.headers:
        lines.append('%s: %s' % (name, value))
    lines.append('Connection: keep-alive' if keep_alive else 'Connection: close')
    head = ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1', 'replace')
    return head + response.body if with_body else head
