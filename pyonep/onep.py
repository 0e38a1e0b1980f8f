"""The One Platform JSON-RPC client: :class:`OnepV1` and its queue of deferred calls.

Every API method sends one call (or queues it with ``defer=True``) to the platform's
JSON-RPC endpoint, ``/onep:v1/rpc/process``, and returns ``(isok, result)``: isok is True and
result the procedure's result (or ``'ok'``) on success, isok is False and result the status
(e.g. ``'invalid'``) otherwise.
"""
import json
import logging
import threading

from pyonep import onephttp
from pyonep._callqueue import CallQueue
from pyonep._compat import ordered, rpc_call, rpc_request, string_types
from pyonep._gcpause import gc_paused
from pyonep.exceptions import (JsonRPCRequestException, OneException,  # noqa: F401
                               OnePlatformException)

log = logging.getLogger(__name__)

# From this many calls on, send_deferred pauses the cyclic garbage collector (see there).
_GC_PAUSE_CALLS = 1000


def _request_failed(exc):
    """Raise the JsonRPCRequestException that stands for a request that could not be made."""
    raise JsonRPCRequestException('Failed to make http request: %s' % (exc,))


class FORMATS(object):
    """Data formats of a dataport: ``STRING``, ``FLOAT`` and ``INTEGER``."""
    STRING = 'string'
    FLOAT = 'float'
    INTEGER = 'integer'


class DeferredRequests(object):
    """Calls queued with ``defer=True``, one queue per auth, until they are sent together.

    A dict auth is keyed by its sorted ``key:value`` pairs, so equal dicts share a queue; a
    string auth (a CIK) is its own key. Safe to fill and read from several threads. It only
    keeps calls: it sends nothing (see :meth:`OnepV1.send_deferred`) and makes no request.
    It keeps the items of a call's argument list, not the list itself, so queueing adds no
    object for Python's cyclic garbage collector to walk again and again.
    """

    def __init__(self):
        self._requests = {}
        self._notimeout = {}
        self._lock = threading.Lock()

    @staticmethod
    def _authstr(auth):
        if isinstance(auth, dict):
            return '{' + ','.join('{0}:{1}'.format(k, auth[k]) for k in sorted(auth)) + '}'
        return auth

    def add(self, auth, method, args, notimeout=False):
        """Queue one call for auth.

        Arguments: auth (a CIK string or an auth dict), method (the procedure name), args (its
        argument list), notimeout (True when the call is a long poll such as ``wait``).

        Returns None. Raises nothing.
        """
        key = self._authstr(auth)
        with self._lock:
            queue = self._requests.get(key)
            if queue is None:
                queue = self._requests[key] = CallQueue()
                self._notimeout[key] = False
            queue.add(method, args)
            if notimeout:
                self._notimeout[key] = True

    def reset(self, auth):
        """Forget every call queued for auth.

        Arguments: auth. Returns None; does nothing when none are queued. Raises nothing.
        """
        key = self._authstr(auth)
        with self._lock:
            self._requests.pop(key, None)
            self._notimeout.pop(key, None)

    def has_requests(self, auth):
        """Tell whether calls are queued for auth.

        Arguments: auth. Returns True when at least one call is queued for it, else False.
        Raises nothing.
        """
        return bool(self._requests.get(self._authstr(auth)))

    def get_method_args_pairs(self, auth):
        """Return a new list of the ``(method, args)`` queued for auth, oldest first. An args
        list comes back as an equal new list holding the same items.

        Arguments: auth. Raises KeyError when nothing was queued for auth.
        """
        key = self._authstr(auth)
        with self._lock:
            return self._requests[key].pairs()

    def get_notimeout(self, auth):
        """Tell whether any call queued for auth needs no timeout (a ``wait``).

        Arguments: auth. Returns True or False (False when nothing is queued). Raises nothing.
        """
        return self._notimeout.get(self._authstr(auth), False)

    def take(self, auth):
        """Remove and return what is queued for auth, in one step.

        Arguments: auth. Returns ``(queue, notimeout)``: queue has ``len()`` and ``pairs()``
        (the list of ``(method, args)``), and is empty, with notimeout False, when nothing was
        queued. Raises nothing.
        """
        key = self._authstr(auth)
        with self._lock:
            return self._requests.pop(key, None) or CallQueue(), self._notimeout.pop(key, False)


class OnepV1(object):
    """Client of the One Platform JSON-RPC API (``POST /onep:v1/rpc/process`` by default).

    Arguments:
        host: the platform's host name (default ``'m2.exosite.com'``).
        port: its port (default ``'443'``).
        url: the RPC path (default ``'/onep:v1/rpc/process'``).
        https: True for https:// (default), False for http://.
        httptimeout: seconds to wait for a connection and for each read (default 10);
            ``wait`` calls have no timeout.
        agent: the ``User-Agent`` header sent with every request of this instance; None
            (default) leaves requests' own.
        reuseconnection: True keeps one connection alive across requests; False (default)
            opens a new one per request.
        logrequests: True appends every request (``{"auth": ..., "calls": ...}``) to the
            list that :meth:`loggedrequests` returns.
        curldebug: True logs each request at DEBUG as a runnable curl command.
        startid: the id of the first call; each call composed takes the next one.

    Every API method is named after the procedure it calls, takes ``auth`` first and
    ``defer=False`` last. ``auth`` is a CIK string or an auth dict (``{"cik": ...}``,
    ``{"token": ...}``, ...; see :meth:`connect_as`). A resource is an RID string,
    ``{"alias": name}`` or ``{"alias": ""}`` for the auth's own client.

    With ``defer=True`` the call is only queued (see :meth:`send_deferred`): the method
    returns True and raises nothing. Otherwise one HTTP request carries the call and the
    method returns ``(isok, result)``:

    - success (status ``ok``): ``(True, result)``, result being the procedure's result, or
      ``'ok'`` for procedures that have none;
    - failure of that call: ``(False, status)``, status being what the platform answered,
      e.g. ``'invalid'``, ``'restricted'``, ``'noauth'``, ``'expire'``, or ``'fail'`` for a
      call it could not run (unknown procedure, malformed arguments).

    It raises (all subclasses of :class:`pyonep.exceptions.OneException`):

    - :class:`pyonep.exceptions.OnePlatformException` when the platform answers with an
      error object for the whole request (e.g. auth that does not authenticate), when the
      reply is not JSON, when a reply item has an error but no status, or when no reply
      item answers the call;
    - :class:`pyonep.exceptions.OneException` ("Unknown error") for JSON of any other
      shape;
    - :class:`pyonep.exceptions.JsonRPCRequestException` ("Failed to make http request:
      ...") when the request cannot be made (refused, reset, timed out, name not resolved).

    The HTTP status of the reply is not looked at, only its body. One instance can be shared
    by several threads.
    """

    headers = {'Content-Type': 'application/json; charset=utf-8'}

    def __init__(self, host='m2.exosite.com', port='443', url='/onep:v1/rpc/process', https=True,
                 httptimeout=10, agent=None, reuseconnection=False, logrequests=False,
                 curldebug=False, startid=0):
        self.url = url
        self.headers = dict(OnepV1.headers)
        if agent is not None:
            self.headers['User-Agent'] = agent
        self.onephttp = onephttp.OneP_Request(host + ':' + str(port), https=https,
                                              httptimeout=int(httptimeout), headers=self.headers,
                                              reuseconnection=reuseconnection, log=log,
                                              curldebug=curldebug)
        self.deferred = DeferredRequests()
        self.logrequests = logrequests
        self._loggedrequests = []
        self.startid = startid
        self._clientid = None
        self._resourceid = None
        self._id_lock = threading.Lock()

    def close(self):
        """Close the kept-alive connection, if any. Returns None; never raises.

        The instance stays usable: the next request opens a new connection.
        """
        self.onephttp.close()

    def loggedrequests(self):
        """Return the list of requests this instance sent with ``logrequests=True``.

        Takes no arguments. Each item is the request dict ``{"auth": ..., "calls": [...]}``, in
        the order sent; the list is empty when logrequests is False. Raises nothing.
        """
        return self._loggedrequests

    def _getAuth(self, auth):
        """Return the auth object to send: a dict is sent as it is; a string is a CIK and
        becomes ``{"cik": cik}``, plus ``client_id`` or ``resource_id`` after
        :meth:`connect_as` or :meth:`connect_owner`."""
        if isinstance(auth, string_types):
            if self._clientid is not None:
                return ordered(('cik', auth), ('client_id', self._clientid))
            if self._resourceid is not None:
                return ordered(('cik', auth), ('resource_id', self._resourceid))
            return {'cik': auth}
        return auth

    def _composeCalls(self, method_args_pairs):
        """Return a list of call dicts ``{"id", "procedure", "arguments"}`` for the given
        ``(method, args)`` pairs, taking the next ids of this instance (thread-safe)."""
        count = len(method_args_pairs)
        with self._id_lock:
            first = self.startid
            self.startid = first + count
        return [rpc_call(callid, method, args)
                for callid, (method, args) in zip(range(first, first + count), method_args_pairs)]

    def _callJsonRPC(self, auth, callrequests, returnreq=False, notimeout=False):
        """Send the calls in one HTTP request and map the reply.

        Arguments: auth (CIK string or auth dict), callrequests (list of call dicts),
        returnreq (True returns every ``(call, isok, result)``), notimeout (True for a fresh
        connection without timeout).

        Returns: ``(isok, result)`` of the first reply item, or with returnreq the list of
        ``(call, isok, result)`` in the reply's order (call is None when the item's id
        matches none of the calls).

        Raises: OnePlatformException (error object, reply not JSON, no usable reply item),
        OneException ("Unknown error" for any other JSON), JsonRPCRequestException (the
        request could not be made).
        """
        jsonreq = rpc_request(self._getAuth(auth), callrequests)
        if self.logrequests:
            self._loggedrequests.append(jsonreq)
        body = json.dumps(jsonreq)
        text, _ = self.onephttp.request('POST', self.url, body, exception_fn=_request_failed,
                                        notimeout=notimeout)
        try:
            reply = json.loads(text)
        except Exception as exc:  # ValueError, or RecursionError for deep nesting, as 0.13.8
            raise OnePlatformException(
                'Exception while parsing JSON response: %s\n%s' % (text, exc))
        if isinstance(reply, dict) and 'error' in reply:
            raise OnePlatformException(str(reply['error']))
        if not isinstance(reply, list):
            raise OneException('Unknown error')
        results = self._match(reply, callrequests, text)
        if returnreq:
            return results
        if not results:
            raise OnePlatformException(
                'No usable item in the JSON-RPC reply (each needs a "status" or an "error") '
                'for call id(s) %s: %s' % ([c['id'] for c in callrequests], text))
        return results[0][1:]

    @staticmethod
    def _match(reply, callrequests, text):
        """Return ``[(call, isok, result)]`` for the reply items, each matched to its call by id."""
        bycall = dict((call['id'], call) for call in callrequests)
        results = []
        for item in reply:
            if not isinstance(item, dict):
                raise OnePlatformException(
                    'JSON-RPC reply item is not an object: %r in %s' % (item, text))
            try:
                call = bycall.get(item.get('id'))
            except TypeError:  # an unhashable id (a list or an object) matches no call
                call = None
            if 'status' in item:
                if item['status'] == 'ok':
                    results.append((call, True, item['result'] if 'result' in item else 'ok'))
                else:
                    results.append((call, False, item['status']))
            elif 'error' in item:
                raise OnePlatformException(str(item['error']))
        return results

    def _call(self, method, auth, arg, defer, notimeout=False):
        """Send one call, or queue it.

        Arguments: method (procedure name), auth, arg (argument list), defer (True queues
        the call for :meth:`send_deferred`), notimeout (True: no timeout, for long polls).

        Returns True when deferred, else what :meth:`_callJsonRPC` returns for the call.
        """
        if defer:
            self.deferred.add(auth, method, arg, notimeout=notimeout)
            return True
        calls = self._composeCalls([(method, arg)])
        return self._callJsonRPC(auth, calls, notimeout=notimeout)

    def has_deferred(self, auth):
        """Tell whether calls are queued for auth (with ``defer=True``) and not sent yet.

        Arguments: auth (CIK string or auth dict). Returns True or False. Raises nothing;
        sends nothing.
        """
        return self.deferred.has_requests(auth)

    def send_deferred(self, auth):
        """Send every call queued for auth in one request (one JSON-RPC request to ``url``, the
        calls in the order they were queued, with no timeout when one of them is a ``wait``).

        The queue is emptied whether or not the request succeeds (the ids used stay spent).
        A string auth picks up :meth:`connect_as` / :meth:`connect_owner` as they stand now.

        Arguments: auth (the CIK string or auth dict the calls were queued with).

        Returns: the list of ``(call, isok, result)``, in the reply's order: call is the call
        dict sent (``{"id", "procedure", "arguments"}``, or None when the reply item's id matches
        no call), ``(isok, result)`` as for a single call (``(False, status)`` when that call
        failed; the other calls still count).

        Raises: JsonRPCRequestException('No deferred requests to send.') when nothing is
        queued for auth; otherwise OnePlatformException, OneException or
        JsonRPCRequestException as described in :class:`OnepV1`.

        A batch of 1,000 calls or more (without a ``wait``) is composed, sent and matched with
        Python's cyclic garbage collector paused, so its cost grows in proportion to its size
        instead of faster. The pause is process-wide: other threads run without cyclic
        collection until the reply is matched, the HTTP round trip included. The collector's
        state is restored afterwards, also when the call raises.
        """
        queue, notimeout = self.deferred.take(auth)
        if not queue:
            raise JsonRPCRequestException('No deferred requests to send.')
        if notimeout or len(queue) < _GC_PAUSE_CALLS:
            calls = self._composeCalls(queue.pairs())
            return self._callJsonRPC(auth, calls, returnreq=True, notimeout=notimeout)
        with gc_paused():
            calls = self._composeCalls(queue.pairs())
            return self._callJsonRPC(auth, calls, returnreq=True, notimeout=notimeout)

    def connect_as(self, clientid):
        """Make string auths act as the client ``clientid`` (an RID under the CIK's client):
        they become ``{"cik": cik, "client_id": clientid}``. Clears :meth:`connect_owner`.

        Arguments: clientid (an RID). Returns None. Raises nothing; sends nothing.
        """
        self._clientid = clientid
        self._resourceid = None

    def connect_owner(self, resourceid):
        """Make string auths act as the owner of ``resourceid``: they become
        ``{"cik": cik, "resource_id": resourceid}``. Clears :meth:`connect_as`.

        Arguments: resourceid (an RID). Returns None. Raises nothing; sends nothing.
        """
        self._resourceid = resourceid
        self._clientid = None

    # --- the API: one method per procedure ------------------------------------------------

    def activate(self, auth, codetype, code, defer=False):
        """Activate a client's CIK or a share code (procedure ``activate``, arguments
        ``[codetype, code]``).

        Arguments: auth, codetype (``'client'`` or ``'share'``), code (the CIK or share code),
        defer.

        Returns ``(True, 'ok')`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, 'invalid')`` for an unknown or used code, ``(False, 'noauth')``), True when
        deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('activate', auth, [codetype, code], defer)

    def create(self, auth, type, desc, defer=False):
        """Create a resource under the auth's client (procedure ``create``, arguments
        ``[type, desc]``).

        Arguments: auth, type (``'client'``, ``'dataport'``, ``'datarule'``, ``'dispatch'`` or
        ``'clone'``), desc (its description dict), defer.

        Returns ``(True, rid)`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, 'invalid')`` for a bad description), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('create', auth, [type, desc], defer)

    def createDataport(self, auth, desc, defer=False):
        """Create a dataport (procedure ``create``, arguments ``['dataport', desc]``).

        Arguments: auth, desc (the dataport description dict, e.g. ``{"format": "integer"}``),
        defer.

        Returns ``(True, rid)`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, 'invalid')``), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('create', auth, ['dataport', desc], defer)

    def deactivate(self, auth, codetype, code, defer=False):
        """Deactivate a client's CIK or a share (procedure ``deactivate``, arguments
        ``[codetype, code]``).

        Arguments: auth, codetype (``'client'`` or ``'share'``), code, defer.

        Returns ``(True, 'ok')`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, 'invalid')``), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('deactivate', auth, [codetype, code], defer)

    def drop(self, auth, resource, defer=False):
        """Delete a resource and everything under it (procedure ``drop``, arguments
        ``[resource]``).

        Arguments: auth, resource (RID or ``{"alias": ...}``), defer.

        Returns ``(True, 'ok')`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, 'restricted')`` for a resource the caller does not own), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('drop', auth, [resource], defer)

    def flush(self, auth, resource, options=None, defer=False):
        """Delete a dataport's or datarule's data points (procedure ``flush``, arguments
        ``[resource]`` or ``[resource, options]``).

        Arguments: auth, resource, options (e.g. ``{"newerthan": t, "olderthan": t}``; sent only
        when not None; without it every point goes), defer.

        Returns ``(True, 'ok')`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, 'invalid')`` for a bound that is not a timestamp), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        args = [resource]
        if options is not None:
            args.append(options)
        return self._call('flush', auth, args, defer)

    def grant(self, auth, resource, permissions, ttl=None, defer=False):
        """Grant a token with permissions on a resource (procedure ``grant``, arguments
        ``[resource, permissions]`` plus ``{"ttl": ttl}``).

        Arguments: auth, resource, permissions (dict mapping an RID to a list of procedure
        names), ttl (seconds; ``{"ttl": ttl}`` is sent only when not None), defer.

        Returns ``(True, token)`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, 'restricted')``, ``(False, 'invalid')``), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        args = [resource, permissions]
        if ttl is not None:
            args.append({'ttl': ttl})
        return self._call('grant', auth, args, defer)

    def info(self, auth, resource, options={}, defer=False):
        """Read a resource's information (procedure ``info``, arguments ``[resource, options]``).

        Arguments: auth, resource, options (which parts to return, e.g. ``{"basic": True}``;
        ``{}`` means all), defer.

        Returns ``(True, info_dict)`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, 'invalid')``), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('info', auth, [resource, options], defer)

    def listing(self, auth, types, options=None, resource=None, defer=False):
        """List the children of a resource by type (procedure ``listing``, arguments ``[types]``,
        ``[types, options]`` or ``[resource, types, options]``).

        Arguments: auth, types (list of type names), options (dict; when None only ``[types]``
        is sent and resource is ignored), resource (the parent; when None the auth's own
        client), defer.

        Returns ``(True, listing)`` on success (a dict of RID lists by type; a list of RID
        lists, one per type, when options is None), ``(False, status)`` when the call fails
        (e.g. ``(False, 'error')`` for an unknown type), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        if options is None:
            args = [types]
        elif resource is None:
            args = [types, options]
        else:
            args = [resource, types, options]
        return self._call('listing', auth, args, defer)

    def lookup(self, auth, type, mapping, defer=False):
        """Look up an RID (procedure ``lookup``, arguments ``[type, mapping]``).

        Arguments: auth, type (``'alias'``, ``'owner'`` or ``'shared'``), mapping (the alias,
        RID or share code), defer.

        Returns ``(True, rid)`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, 'invalid')`` for an unknown alias), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('lookup', auth, [type, mapping], defer)

    def map(self, auth, resource, alias, defer=False):
        """Give a resource an alias (procedure ``map``, arguments ``['alias', resource, alias]``).

        Arguments: auth, resource, alias, defer.

        Returns ``(True, 'ok')`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, 'invalid')`` for an alias already in use), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('map', auth, ['alias', resource, alias], defer)

    def move(self, auth, resource, destinationresource, options={'aliases': True}, defer=False):
        """Move a resource under another client (procedure ``move``, arguments
        ``[resource, destinationresource, options]``).

        Arguments: auth, resource, destinationresource (the new owner client), options (default
        ``{"aliases": True}``), defer.

        Returns ``(True, 'ok')`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, 'invalid')``), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('move', auth, [resource, destinationresource, options], defer)

    def read(self, auth, resource, options, defer=False):
        """Read data points (procedure ``read``, arguments ``[resource, options]``).

        Arguments: auth, resource, options (e.g. ``{"limit": 1, "sort": "desc"}``), defer.

        Returns ``(True, [[timestamp, value], ...])`` on success, ``(False, status)`` when the
        call fails (e.g. ``(False, 'invalid')``), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('read', auth, [resource, options], defer)

    def record(self, auth, resource, entries, options={}, defer=False):
        """Write data points with timestamps (procedure ``record``, arguments
        ``[resource, entries, options]``).

        Arguments: auth, resource, entries (``[[timestamp, value], ...]``; a negative timestamp
        is relative to now), options, defer.

        Returns ``(True, 'ok')`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, 'invalid')``), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('record', auth, [resource, entries, options], defer)

    def recordbatch(self, auth, resource, entries, defer=False):
        """Write data points with timestamps, reporting each (procedure ``recordbatch``, arguments
        ``[resource, entries]``).

        Arguments: auth, resource, entries (``[[timestamp, value], ...]``), defer.

        Returns ``(True, 'ok')`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, [[timestamp, 'invalid'], ...])`` naming the entries refused), True when
        deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('recordbatch', auth, [resource, entries], defer)

    def revoke(self, auth, codetype, code, defer=False):
        """Revoke a client's CIK (it is replaced by a new one) or a share code (procedure
        ``revoke``, arguments ``[codetype, code]``).

        Arguments: auth, codetype (``'client'`` or ``'share'``), code, defer.

        Returns ``(True, 'ok')`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, 'invalid')`` for an unknown code, ``(False, 'noauth')``), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('revoke', auth, [codetype, code], defer)

    def share(self, auth, resource, options={}, defer=False):
        """Make a share code for a resource (procedure ``share``, arguments
        ``[resource, options]``).

        Arguments: auth, resource, options (e.g. ``{"meta": ..., "duration": ...}``), defer.

        Returns ``(True, code)`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, 'invalid')``), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('share', auth, [resource, options], defer)

    def tag(self, auth, resource, action, tag, defer=False):
        """Add or remove a tag (procedure ``tag``, arguments ``[resource, action, tag]``).

        Arguments: auth, resource, action (``'add'`` or ``'remove'``), tag, defer.

        Returns ``(True, 'ok')`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, 'restricted')``), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('tag', auth, [resource, action, tag], defer)

    def unmap(self, auth, alias, defer=False):
        """Remove an alias (procedure ``unmap``, arguments ``['alias', alias]``).

        Arguments: auth, alias, defer.

        Returns ``(True, 'ok')`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, 'invalid')``), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('unmap', auth, ['alias', alias], defer)

    def update(self, auth, resource, desc={}, defer=False):
        """Change a resource's description (procedure ``update``, arguments ``[resource, desc]``).

        Arguments: auth, resource, desc (the fields to change), defer.

        Returns ``(True, 'ok')`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, 'invalid')``), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('update', auth, [resource, desc], defer)

    def usage(self, auth, resource, metric, starttime, endtime, defer=False):
        """Read a resource's usage of a metric over a time window (procedure ``usage``, arguments
        ``[resource, metric, starttime, endtime]``).

        Arguments: auth, resource, metric (e.g. ``'dataport'``, ``'share'``, ``'email'``),
        starttime, endtime (Unix timestamps; endtime may be None), defer.

        Returns ``(True, amount)`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, 'invalid')``), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('usage', auth, [resource, metric, starttime, endtime], defer)

    def wait(self, auth, resource, options, defer=False):
        """Wait for a new data point (procedure ``wait``, arguments ``[resource, options]``), on a
        fresh connection with no HTTP timeout: the platform ends the wait after
        ``options["timeout"]`` ms.

        Arguments: auth, resource, options (``{"timeout": ms, "since": t}``), defer (the queued
        call then makes :meth:`send_deferred` wait with no timeout too).

        Returns ``(True, [timestamp, value])`` on success, ``(False, status)`` when the call
        fails (``(False, 'expire')`` when the time ran out), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('wait', auth, [resource, options], defer, notimeout=True)

    def write(self, auth, resource, value, options={}, defer=False):
        """Write one value now (procedure ``write``, arguments ``[resource, value, options]``).

        Arguments: auth, resource, value, options, defer.

        Returns ``(True, 'ok')`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, 'invalid')``), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('write', auth, [resource, value, options], defer)

    def writegroup(self, auth, entries, defer=False):
        """Write values to several dataports at the same timestamp (procedure ``writegroup``,
        arguments ``[entries]``).

        Arguments: auth, entries (``[[resource, value], ...]``), defer.

        Returns ``(True, 'ok')`` on success, ``(False, status)`` when the call fails (e.g.
        ``(False, 'invalid')``), True when deferred.

        Raises: OnePlatformException, OneException or JsonRPCRequestException (see
        :class:`OnepV1`); nothing when deferred.
        """
        return self._call('writegroup', auth, [entries], defer)


__all__ = ['OnepV1', 'DeferredRequests', 'FORMATS']
