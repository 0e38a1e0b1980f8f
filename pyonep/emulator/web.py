"""The emulator's view of HTTP: a parsed request and the response a handler returns.

Handlers (the RPC endpoint, the provisioning endpoints, the device API) take a
:class:`Request` and return a :class:`Response`; only ``server.py`` touches sockets.
"""
import json
import time
from urllib.parse import parse_qsl, unquote


class Request(object):
    """One HTTP request as the emulator's handlers see it.

    Attributes: ``method`` ('GET', 'POST', ...), ``path`` (percent-decoded, without the
    query), ``raw_path`` (as sent), ``query`` (the raw query string), ``headers`` (a
    case-insensitive mapping), ``body`` (bytes), ``server_address`` ((host, port) the
    server listens on), ``client_address``, ``received`` (Unix time the request was
    read, for the call log's durations) and ``fault`` (None, or the description of the
    fault rule that struck it, for the call log).
    """

    def __init__(self, method, raw_path, headers, body, server_address=None, client_address=None):
        self.method = method
        path, _, query = raw_path.partition('?')
        self.raw_path = path
        self.path = unquote(path)
        self.query = query
        self.headers = headers
        self.body = body
        self.server_address = server_address
        self.client_address = client_address
        self.received = time.time()
        self.fault = None

    def header(self, name, default=None):
        """Return the value of header ``name`` (any case), or ``default``."""
        value = self.headers.get(name)
        return default if value is None else value

    def query_pairs(self):
        """Return the query string's fields as a list of (name, value) pairs, in order."""
        return parse_qsl(self.query, keep_blank_values=True)

    def form_pairs(self):
        """Return the body's url-encoded form fields as (name, value) pairs, in order.

        A body that is not valid UTF-8 yields no pairs rather than an exception. NUL bytes
        at the end of the body are dropped: C device code sends ``sizeof("alias=5")``
        bytes, its string's terminator included (Exosite's C library does).
        """
        try:
            text = self.body.rstrip(b'\x00').decode('utf-8')
        except UnicodeDecodeError:
            return []
        return parse_qsl(text, keep_blank_values=True)


class Response(object):
    """What a handler answers: ``status``, ``body`` (bytes), ``content_type`` and extra
    ``headers`` (a list of (name, value) pairs). A ``content_type`` of None sends no
    Content-Type header."""

    def __init__(self, status=200, body=b'', content_type='text/plain; charset=utf-8', headers=None):
        if not isinstance(body, bytes):
            body = body.encode('utf-8')
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = list(headers or [])


def text_response(status, text, content_type='text/plain; charset=utf-8', headers=None):
    """Return a Response carrying ``text`` encoded as UTF-8."""
    return Response(status, text, content_type, headers)


def json_response(value, status=200, headers=None):
    """Return a Response whose body is ``value`` as compact JSON."""
    return Response(status, json.dumps(value, separators=(',', ':')),
                    'application/json; charset=utf-8', headers)
