"""The HTTP transport shared by :class:`pyonep.onep.OnepV1` and :class:`pyonep.provision.Provision`.

It is a thin layer over a ``requests.Session``: keep-alive reuse when asked for, a fresh
connection otherwise, certificate checks by default, and request logging at DEBUG level that
costs nothing while DEBUG is off.
"""
import logging
import threading

import requests
from requests.utils import get_netrc_auth, requote_uri

from pyonep._compat import PY2, text_type

_DEFAULT_LOG = logging.getLogger('pyonep.onephttp')


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
        reuseconnection: True keeps one connection alive across requests (reopened by itself
            when the server or an error closed it); False (default) opens a new connection
            for every request.
        log: the ``logging.Logger`` that DEBUG lines go to (default ``pyonep.onephttp``).
        curldebug: True logs each request as a runnable curl command instead of the plain
            description.

    Settings that requests reads from the environment (proxies, ``REQUESTS_CA_BUNDLE``,
    ``~/.netrc``) are read once, at the first request, not on every request.
    One instance may be used from several threads: requests on the kept-alive connection
    take turns.
    """

    def __init__(self, host, https=True, httptimeout=15, headers={}, reuseconnection=False,
                 log=None, curldebug=False):
        self.host = ('https://' if https else 'http://') + host
        self.https = https
        self.httptimeout = httptimeout
        self.headers = headers
        self.reuseconnection = reuseconnection
        self.log = log if log is not None else _DEFAULT_LOG
        self.curldebug = curldebug
        self._lock = threading.Lock()
        self._session = None
        self._env = None

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

    def close(self):
        """Close the kept-alive connection, if any. Returns None; never raises.

        A later request opens a new connection, so the object stays usable.
        """
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()

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
        :class:`pyonep.exceptions.JsonRPCRequestException`). The kept-alive connection is
        closed first. The HTTP status is not checked: a 4xx or 5xx reply is returned.
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
        try:
            if keepalive:
                with self._lock:
                    if self._session is None:
                        self._session = self._new_session()
                    response = self._session.request(method, self.host + path, data=body,
                                                     headers=allheaders, timeout=timeout,
                                                     verify=verify)
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
            if keepalive:
                self.close()
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
                response.headers.get('Content-Encoding', 'identity') == 'identity' and \
                len(response.content) < int(expected) and response.request.method != 'HEAD':
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


__all__ = ['OneP_Request', 'shell_quote']
