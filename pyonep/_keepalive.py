"""The kept-alive side of :class:`pyonep.onephttp.OneP_Request`: a pool of connections to one
host that several threads use at once.

It sends through the machinery requests itself uses, one level below ``Session.request``:

- a request is prepared by a ``requests.Session`` once and kept as a template; a later
  request with the same method, path and headers copies it and sets its body, so the bytes
  sent are the ones requests would send;
- it goes out on the urllib3 connection pool that requests' ``HTTPAdapter`` makes for the
  host (with requests' TLS settings and proxies), looked up once, with the CA bundle
  checked once, instead of on every request;
- urllib3's errors become requests' exceptions exactly as ``HTTPAdapter.send`` and
  ``Response.content`` turn them, and the reply becomes a ``requests.Response`` the way
  ``HTTPAdapter.build_response`` makes one.

That costs about half the CPU of ``Session.request``, for the same contract.
"""
import socket
import threading
from datetime import timedelta
from timeit import default_timer

import requests
from requests import exceptions as rexc
from requests.adapters import HTTPAdapter
from requests.cookies import extract_cookies_to_jar
from requests.models import REDIRECT_STATI, PreparedRequest
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3 import exceptions as uexc
from urllib3.util import Timeout

# Templates kept per pool; past this many (e.g. a path per serial number) they start over.
_MAX_TEMPLATES = 64


class _HostAdapter(HTTPAdapter):
    """requests' HTTPAdapter for one host and one certificate setting: it hands out the urllib3
    pool of that host, looked up and set up (CA bundle checked) at the first request only. The
    pool holds up to ``poolsize`` connections, opened as needed; a request that finds them all
    busy waits for one."""

    def __init__(self, poolsize):
        HTTPAdapter.__init__(self, pool_connections=1, pool_maxsize=poolsize, pool_block=True)
        self._pool = None

    def pool_for(self, prepared, verify, proxies):
        """Return the urllib3 pool for the host of prepared, with verify's certificate checks.

        Raises requests.exceptions.InvalidURL for a URL urllib3 cannot place, OSError when
        the CA bundle named by verify does not exist (as requests does)."""
        if self._pool is None:
            try:
                if hasattr(HTTPAdapter, 'get_connection_with_tls_context'):  # requests >= 2.32
                    pool = self.get_connection_with_tls_context(prepared, verify, proxies=proxies)
                else:
                    pool = self.get_connection(prepared.url, proxies)
            except uexc.LocationValueError as exc:
                raise rexc.InvalidURL(exc, request=prepared)
            self.cert_verify(pool, prepared.url, verify, None)
            self._pool = pool
        return self._pool


def _sending_error(exc, request):
    """Return the requests exception that HTTPAdapter.send raises for a urllib3 error, or None
    for an exception it lets through."""
    if isinstance(exc, (uexc.ProtocolError, socket.error)):
        return rexc.ConnectionError(exc, request=request)
    if isinstance(exc, uexc.MaxRetryError):
        reason = exc.reason
        if isinstance(reason, uexc.ConnectTimeoutError) and \
                not isinstance(reason, uexc.NewConnectionError):
            return rexc.ConnectTimeout(exc, request=request)
        if isinstance(reason, uexc.ResponseError):
            return rexc.RetryError(exc, request=request)
        if isinstance(reason, uexc.ProxyError):
            return rexc.ProxyError(exc, request=request)
        if isinstance(reason, uexc.SSLError):
            return rexc.SSLError(exc, request=request)
        return rexc.ConnectionError(exc, request=request)
    if isinstance(exc, uexc.ClosedPoolError):
        return rexc.ConnectionError(exc, request=request)
    if isinstance(exc, uexc.ProxyError):
        return rexc.ProxyError(exc)
    if isinstance(exc, uexc.SSLError):
        return rexc.SSLError(exc, request=request)
    if isinstance(exc, uexc.ReadTimeoutError):
        return rexc.ReadTimeout(exc, request=request)
    if isinstance(exc, uexc.InvalidHeader):
        return rexc.InvalidHeader(exc, request=request)
    return None


def _reading_error(exc):
    """Return the requests exception that Response.content raises for a urllib3 error met while
    reading the body, or None for an exception it lets through."""
    if isinstance(exc, uexc.ProtocolError):
        return rexc.ChunkedEncodingError(exc)
    if isinstance(exc, uexc.DecodeError):
        return rexc.ContentDecodingError(exc)
    if isinstance(exc, uexc.ReadTimeoutError):
        return rexc.ConnectionError(exc)
    if isinstance(exc, uexc.SSLError):
        return rexc.SSLError(exc)
    return None


class HostPool(object):
    """Kept-alive connections to one host, shared by the threads that send through it.

    Arguments: host (``"http://host:port"`` or ``"https://host:port"``), size (the most
    connections open at once, an int >= 1), proxies (requests' proxies dict, read from the
    environment), auth (the ``~/.netrc`` credentials for the host, or None).

    Each request takes a connection that no other request is using, opening one when all are
    busy and fewer than size are open, else waiting until one is free. It gives it back once
    the reply is read, or closes it when the request failed. Cookies the server sets are kept
    and sent back, and redirects are followed, as a ``requests.Session`` does. Thread-safe.
    """

    def __init__(self, host, size, proxies, auth):
        self.host = host
        self.size = size
        self.proxies = proxies
        self._session = requests.Session()
        self._session.trust_env = False  # the caller read the environment once
        self._session.proxies.update(proxies)
        self._session.auth = auth
        self._adapters = {}
        self._templates = {}
        self._timeouts = {}
        self._has_cookies = False
        self._closed = False
        self._lock = threading.Lock()

    def _adapter(self, verify):
        adapter = self._adapters.get(verify)
        if adapter is None:
            with self._lock:
                if self._closed:  # another thread closed the pool as this request began
                    raise rexc.ConnectionError('The connection pool was closed')
                adapter = self._adapters.get(verify)
                if adapter is None:
                    adapter = self._adapters[verify] = _HostAdapter(self.size)
        return adapter

    def _full(self, method, path, body, headers, adapter):
        """Prepare a request as ``Session.request`` does; return (prepared, target, headers
        as a dict, chunked)."""
        prepared = self._session.prepare_request(
            requests.Request(method, self.host + path, data=body, headers=headers))
        chunked = not (prepared.body is None or 'Content-Length' in prepared.headers)
        return (prepared, adapter.request_url(prepared, self.proxies), dict(prepared.headers),
                chunked)

    def _prepare(self, method, path, body, headers, adapter):
        """Return (the requests.PreparedRequest, the request target, the headers to send as a
        dict, whether the body goes chunked), from a template when the request has one."""
        if self._has_cookies or not (body is None or isinstance(body, bytes)):
            return self._full(method, path, body, headers, adapter)
        key = (method, path, bool(body), tuple(headers.items()))
        try:
            template = self._templates.get(key)
        except TypeError:  # a header value that is not a string: requests will say so
            return self._full(method, path, body, headers, adapter)
        if template is None:
            # Prepared with a stand-in body, so Content-Length is there and in its place.
            template = self._full(method, path, b'-' if body else None, headers, adapter)
            if len(self._templates) >= _MAX_TEMPLATES:
                self._templates.clear()
            self._templates[key] = template
        template, target, sendheaders, _ = template
        # PreparedRequest.copy() without copying the (empty) cookie jar: nothing writes to
        # it (requests copies a request before a redirect uses its cookies).
        prepared = PreparedRequest()
        prepared.method = template.method
        prepared.url = template.url
        prepared.headers = template.headers.copy()
        prepared._cookies = template._cookies
        prepared.hooks = template.hooks
        sendheaders = sendheaders.copy()
        if body:
            prepared.body = body
            prepared.headers['Content-Length'] = sendheaders['Content-Length'] = str(len(body))
        return prepared, target, sendheaders, False

    def _timeout(self, seconds):
        """Return urllib3's Timeout for seconds, or for a (connect, read) pair, as requests
        makes it."""
        timeout = self._timeouts.get(seconds)
        if timeout is None:
            connect, read = seconds if isinstance(seconds, tuple) else (seconds, seconds)
            timeout = self._timeouts[seconds] = Timeout(connect=connect, read=read)
        return timeout

    def send(self, method, path, body, headers, timeout, verify):
        """Send one request on a pooled connection; return its ``requests.Response``, body read.

        Arguments: method, path (appended to the host), body (bytes or None; other bodies go
        as requests sends them), headers (dict), timeout (seconds for the connection and for
        each read, a (connect, read) pair, or None), verify (True, False or the path of a
        CA bundle).

        Raises what ``requests.Session.request`` raises: a
        ``requests.exceptions.RequestException`` (ConnectionError, Timeout, SSLError, ...),
        or OSError when the CA bundle does not exist.
        """
        adapter = self._adapter(verify)
        prepared, target, sendheaders, chunked = self._prepare(method, path, body, headers,
                                                               adapter)
        pool = adapter.pool_for(prepared, verify, self.proxies)
        start = default_timer()
        try:
            raw = pool.urlopen(prepared.method, target, body=prepared.body, headers=sendheaders,
                               redirect=False, assert_same_host=False, preload_content=False,
                               decode_content=False, retries=adapter.max_retries,
                               timeout=self._timeout(timeout), chunked=chunked)
        except Exception as exc:  # urllib3 closed the connection and put it back
            error = _sending_error(exc, prepared)
            if error is None:
                raise
            raise error
        try:
            response = self._response(prepared, raw, adapter)
            response.elapsed = timedelta(seconds=default_timer() - start)
            if raw.status in REDIRECT_STATI and response.is_redirect:
                return self._redirect(response, prepared, timeout, verify)
            try:
                content = raw.read(decode_content=True)
            except Exception as exc:
                error = _reading_error(exc)
                if error is None:
                    raise
                raise error
        except BaseException:
            # Whatever went wrong (Ctrl-C included), the connection must not stay taken,
            # or the pool would shrink for good: close it and put it back.
            raw.close()
            raw.release_conn()
            raise
        # What Response.content would do, with one read instead of a stream of chunks.
        response._content = content or b''
        response._content_consumed = True
        return response

    def _response(self, prepared, raw, adapter):
        """Return the requests.Response for a urllib3 reply, as HTTPAdapter.build_response
        makes it; keep the cookies it sets."""
        response = requests.Response()
        response.status_code = raw.status
        response.headers = headers = CaseInsensitiveDict(raw.headers)
        response.encoding = get_encoding_from_headers(headers)
        response.raw = raw
        response.reason = raw.reason
        response.url = prepared.url
        response.request = prepared
        response.connection = adapter
        if 'set-cookie' in raw.headers or 'set-cookie2' in raw.headers:
            extract_cookies_to_jar(response.cookies, prepared, raw)
            extract_cookies_to_jar(self._session.cookies, prepared, raw)
            self._has_cookies = True
        return response

    def _redirect(self, response, prepared, timeout, verify):
        """Follow the redirects as Session.request does; return the last response."""
        history = list(self._session.resolve_redirects(
            response, prepared, timeout=timeout, verify=verify, proxies=self.proxies))
        self._has_cookies = self._has_cookies or len(self._session.cookies) > 0
        if not history:
            return response
        history.insert(0, response)
        last = history.pop()
        last.history = history
        return last

    def close(self):
        """Close every connection of the pool that is not in use; one in use is closed when its
        request ends. A request starting at that very moment fails with
        ``requests.exceptions.ConnectionError``. Returns None; never raises."""
        with self._lock:
            self._closed = True
            adapters, self._adapters = list(self._adapters.values()), {}
        for adapter in adapters:
            adapter.close()
        self._session.close()
