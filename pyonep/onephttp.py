"""The HTTP transport shared by :class:`pyonep.onep.OnepV1` and :class:`pyonep.provision.Provision`.

It is a thin layer over requests: a pool of kept-alive connections that several threads use
at once when asked for (``pyonep._keepalive``), a fresh connection for every request
otherwise, certificate checks by default, and request logging at DEBUG level that costs
nothing while DEBUG is off.
"""
import logging
import numbers
import threading

import requests
from requests.utils import get_netrc_auth, requote_uri

from pyonep._compat import PY2, text_type
from pyonep._keepalive import HostPool

_DEFAULT_LOG = logging.getLogger('pyonep.onephttp')

#: The default :attr:`OneP_Request.poolsize`: at most 10 kept-alive connections per client,
#: so up to 10 threads sharing a client have requests in flight at once (requests' default).
DEFAULT_POOLSIZE = 10


def shell_quote(text):
    """Return text between single quotes, safe to paste into a POSIX shell.

    Arguments: text, a string. Each single quote inside becomes ``'\\''``. Returns a string;
    raises nothing.
    """
    return "'" + text.replace("'", "'\\''") + "'"


def _as_text(data):
    if isinstance(data, bytes) and not PY2:
        return data.decode('utf-8', 'replace')
    if PY2 and isinstance(data, str):
        return data.decode('utf-8', 'replace')
    return data


class OneP_Request(object):
    """Sends HTTP requests to one host, the way both pyonep clients need.

    Arguments:
        host: ``"<host>:<port>"``.
        https: True for https://, False for http:// (default True).
        httptimeout: seconds to wait for a connection and for each read (default 15).
        headers: dict of headers sent with every request. It is used as given, never
            modified, so later changes the owner makes to it apply to the next requests.
        reuseconnection: True keeps connections alive across requests, in a pool of up to
            ``poolsize`` (a connection the server or an error closed is reopened by itself);
            False (default) opens a new connection for every request.
        log: the ``logging.Logger`` that DEBUG lines go to (default ``pyonep.onephttp``).
        curldebug: True logs each request as a runnable curl command instead of the plain
            description.
        poolsize: with reuseconnection, the most connections kept open at once (default
            :data:`DEFAULT_POOLSIZE`, 10). See :attr:`poolsize`.

    One instance may be used from several threads at once. With reuseconnection each request
    takes a kept-alive connection no other request is using, so requests from several
    threads run at the same time: a connection is opened when all are busy and fewer than
    ``poolsize`` are open; past that, a request waits for a free one. A client used by one
    thread holds one connection. Without reuseconnection every request has its own.

    Settings that requests reads from the environment (proxies and ``no_proxy``,
    ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE``, ``~/.netrc``) are read once, at the first
    request, not on every request; so is the CA bundle's location checked.
    """

    def __init__(self, host, https=True, httptimeout=15, headers={}, reuseconnection=False,
                 log=None, curldebug=False, poolsize=DEFAULT_POOLSIZE):
        self.host = ('https://' if https else 'http://') + host
        self.https = https
        self.httptimeout = httptimeout
        self.headers = headers
        self.reuseconnection = reuseconnection
        self.log = log if log is not None else _DEFAULT_LOG
        self.curldebug = curldebug
        self.poolsize = poolsize
        self._lock = threading.Lock()
        self._pool = None
        self._env = None

    @property
    def poolsize(self):
        """The most kept-alive connections open at once (an int >= 1), that is the most
        requests that run at the same time with reuseconnection; more wait for a free
        connection. Setting it takes effect when the pool is next opened: at the first
        request, or the first after :meth:`close`. Setting anything but an int >= 1 raises
        ValueError."""
        return self._poolsize

    @poolsize.setter
    def poolsize(self, size):
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
            raise ValueError('poolsize must be an int of at least 1, not %r' % (size,))
        self._poolsize = size

    def _environment(self):
        """Return (proxies, netrc auth, CA bundle or None), read from the environment once."""
        if self._env is None:
            probe = requests.Session()
            settings = probe.merge_environment_settings(self.host, {}, None, None, None)
            probe.close()
            ca_bundle = settings['verify'] if settings['verify'] is not True else None
            self._env = (settings['proxies'], get_netrc_auth(self.host), ca_bundle)
        return self._env

    def _new_session(self):
        proxies, auth, _ = self._environment()
        session = requests.Session()
        session.trust_env = False  # the environment was read once, in _environment()
        session.proxies.update(proxies)
        session.auth = auth
        return session

    def _keptalive(self):
        """Return the pool of kept-alive connections, opened at the first request."""
        pool = self._pool
        if pool is None:
            proxies, auth, _ = self._environment()
            with self._lock:
                pool = self._pool
                if pool is None:
                    pool = self._pool = HostPool(self.host, self.poolsize, proxies, auth)
        return pool

    def close(self):
        """Close the kept-alive connections, if any. Returns None; never raises.

        A later request opens a new connection, so the object stays usable. Requests that
        other threads have in flight finish on their connections, which are then closed.
        """
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def _log_request(self, method, path, body, headers, timeout):
        if self.curldebug:
            parts = ['curl', shell_quote(requote_uri(self.host + path)), '-X', method]
            if timeout is not None:
                parts.extend(['-m', str(timeout)])
            for name, value in headers.items():
                parts.extend(['-H', shell_quote('%s: %s' % (name, value))])
            if body:
                parts.extend(['-d', shell_quote(_as_text(body))])
            self.log.debug(' '.join(parts))
        else:
            self.log.debug('%s %s\nHost: %s\nHeaders: %s\nBody: %s',
                           method, path, self.host, headers, _as_text(body))

    def request(self, method, path, body=None, headers={}, exception_fn=None, notimeout=False,
                verify=True):
        """Send one request and read the whole reply.

        Arguments:
            method: the HTTP method, e.g. ``'POST'``.
            path: the path and query string, appended to the host.
            body: the request body (text or bytes), or None for none.
            headers: dict of extra headers for this request; they win over the instance's
                headers. The dict is not modified.
            exception_fn: called with the exception when the request fails; when it is None
                the exception is raised.
            notimeout: True sends on a fresh connection with no timeout (long polls).
            verify: False skips the TLS certificate check (default True).

        Returns: ``(response_text, response)``, the body as text (decoded as requests
        decodes it; a JSON reply without a charset is read as UTF-8) and the
        ``requests.Response``. When the request fails and exception_fn returns, returns
        ``(None, None)``.

        Raises: the network library's exception (a ``requests.exceptions.RequestException``
        such as ``requests.exceptions.ConnectionError`` or ``requests.exceptions.Timeout``)
        when exception_fn is None, else whatever exception_fn raises (OnepV1's raises
        :class:`pyonep.exceptions.JsonRPCRequestException`). The connection the request
        used is closed first (the pool's other connections stay open). The HTTP status is
        not checked: a 4xx or 5xx reply is returned.
        """
        if headers:
            allheaders = dict(self.headers)
            allheaders.update(headers)
        else:
            allheaders = self.headers
        timeout = None if notimeout else self.httptimeout
        if isinstance(body, text_type):
            body = body.encode('utf-8')
        if self.log.isEnabledFor(logging.DEBUG):
            self._log_request(method, path, body, allheaders, timeout)
        _, _, ca_bundle = self._environment()
        if verify and ca_bundle is not None:
            verify = ca_bundle
        keepalive = self.reuseconnection and not notimeout
        response = None
        try:
            if keepalive:
                response = self._keptalive().send(method, path, body, allheaders, timeout,
                                                  verify)
                text = self._text(response)
            else:
                session = self._new_session()
                try:
                    response = session.request(method, self.host + path, data=body,
                                               headers=allheaders, timeout=timeout,
                                               verify=verify)
                    text = self._text(response)
                finally:
                    session.close()
        except Exception as exc:
            if response is not None:
                response.close()  # a connection not read to its end is closed, not reused
            if exception_fn is None:
                raise
            exception_fn(exc)
            return None, None
        if self.log.isEnabledFor(logging.DEBUG):
            self.log.debug('HTTP/1.1 %s %s\nHeaders: %s\nBody: %s', response.status_code,
                           response.reason, dict(response.headers), text)
        return text, response

    @staticmethod
    def _text(response):
        """Return the reply body as text; raise ConnectionError when it is cut short."""
        expected = response.headers.get('Content-Length')
        if expected is not None and expected.isdigit() and \
                len(response.content) < int(expected) and \
                response.headers.get('Content-Encoding', 'identity') == 'identity' and \
                response.request.method != 'HEAD':
            # urllib3 1.x (the one on Python 2.7) hands over a cut body without complaint
            raise requests.exceptions.ConnectionError(
                'Connection broken: the reply ended after %d of its %s bytes'
                % (len(response.content), expected), response=response)
        if response.encoding is None and \
                response.headers.get('Content-Type', '').startswith('application/json'):
            response.encoding = 'utf-8'  # JSON is UTF-8 (RFC 8259); skips charset guessing
        return response.text

    def __repr__(self):
        return '<OneP_Request %s>' % (self.host,)


__all__ = ['OneP_Request', 'DEFAULT_POOLSIZE', 'shell_quote']
