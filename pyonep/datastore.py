"""A buffering, caching layer over :class:`pyonep.onep.OnepV1` for one CIK: :class:`Datastore`.

Producers hand values to :meth:`Datastore.write` and :meth:`Datastore.record`; a background
thread sends them every ``interval`` seconds (live values with one ``writegroup``, entries with
one ``record`` per dataport). :meth:`Datastore.read` answers from a cache until it expires.
What cannot be sent stays buffered; what the platform refuses goes to
:meth:`Datastore.rejected`. The logger is ``pyonep.datastore``.
"""
import json
import logging
import numbers
import threading
import time

from pyonep._compat import monotonic, string_types
from pyonep.exceptions import OneException
from pyonep.onep import OnepV1

log = logging.getLogger(__name__)

#: Where a :class:`Datastore` connects when no ``transport`` is given (the keys a
#: ``transport`` dict may have; one that lacks a key gets it from here).
transport_config = {'host': 'm2.exosite.com', 'port': '80', 'url': '/onep:v1/rpc/process',
                    'https': False, 'timeout': 3}

#: How a :class:`Datastore` buffers and caches when no ``config`` is given (the keys a
#: ``config`` dict may have; one that lacks a key gets it from here). ``log_level`` is
#: accepted and not used, as in pyonep 0.13.8.
datastore_config = {'write_buffer_size': 1024, 'read_cache_size': 1024,
                    'read_cache_expire_time': 5, 'log_level': 'debug'}

#: Kept so that programs that import it keep working. No Datastore uses it: each instance
#: has a lock of its own.
lock = threading.Lock()

_TRANSPORT_DEFAULTS = dict(transport_config)
_CONFIG_DEFAULTS = dict(datastore_config)
# The description of a dataport created on first use when ``autocreate`` is True, or the
# keys an ``autocreate`` dict lacks.
_AUTOCREATE_DEFAULTS = {'format': 'string', 'preprocess': [], 'count': 'infinity',
                        'duration': 'infinity', 'visibility': 'parent'}


def _description(alias, name, format, preprocess, count, duration, visibility):
    """Return the description of a new dataport, the keys 0.13.8 sends."""
    return {'format': format, 'name': alias if name is None else name, 'visibility': visibility,
            'retention': {'count': count, 'duration': duration}, 'preprocess': preprocess}


def _check_alias(alias):
    if not isinstance(alias, string_types):
        raise TypeError('an alias is a string, not %r' % (alias,))
    if not alias:
        raise ValueError('an alias cannot be empty')


def _check_value(alias, value):
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        error = TypeError if isinstance(exc, TypeError) else ValueError
        raise error('the value for %r cannot be sent as JSON: %s' % (alias, exc))


def _check_entries(alias, entries):
    """Return entries as a list of (timestamp, value); raise ValueError or TypeError when an
    entry is not a [timestamp, value] pair with a numeric timestamp."""
    pairs = []
    for entry in entries:
        if not isinstance(entry, (list, tuple)) or len(entry) != 2:
            raise ValueError('record entries are [timestamp, value] pairs, not %r' % (entry,))
        stamp, value = entry
        if isinstance(stamp, bool) or not isinstance(stamp, numbers.Real):
            raise TypeError('a record timestamp is a number, not %r' % (stamp,))
        _check_value(alias, value)
        pairs.append((stamp, value))
    return pairs


class Datastore(object):
    """Buffered writes, cached reads and alias lookup for the client of one CIK.

    Arguments:
        cik: the CIK of the client whose dataports are read and written.
        interval: seconds between two sends of the background thread (a float is fine);
            0 or less means 1.
        autocreate: False (default) to use only dataports that exist; True, or a dict with
            any of ``format`` (``'string'``), ``preprocess`` (``[]``), ``count`` and
            ``duration`` (``'infinity'``) and ``visibility`` (``'parent'``), to create a
            dataport, with that description, for an alias that names none.
        config: a dict like :data:`datastore_config`: ``write_buffer_size`` (how many values
            may wait to be sent), ``read_cache_size`` (how many aliases are cached; when
            full the cache is emptied), ``read_cache_expire_time`` (seconds a cached read
            is served). It is read at each use, so later changes to it apply.
        transport: a dict like :data:`transport_config`: ``host``, ``port``, ``url``,
            ``https`` and ``timeout`` (seconds) of the :class:`pyonep.onep.OnepV1` made for
            this datastore, kept as the ``_conn`` attribute.

    Sends nothing when made; raises nothing of its own. Every method may be called from
    any thread.
    """

    def __init__(self, cik, interval, autocreate=False, config=datastore_config,
                 transport=transport_config):
        settings = dict(_TRANSPORT_DEFAULTS)
        settings.update(transport)
        self._conn = OnepV1(settings['host'], settings['port'], settings['url'],
                            settings['https'], settings['timeout'])
        self._cik = cik
        self._interval = interval if interval and interval > 0 else 1
        if autocreate:
            self._auto = dict(_AUTOCREATE_DEFAULTS)
            if isinstance(autocreate, dict):
                self._auto.update(autocreate)
        else:
            self._auto = False
        self._config = config
        self._liveBuffer = {}    # alias -> latest value not sent yet
        self._recordBuffer = {}  # alias -> [[timestamp, value, is_local_time], ...]
        self._pending = 0        # values accepted and neither sent nor rejected
        self._rejected = []      # (alias, timestamp, value, reason)
        self._lastError = None
        self._aliasDict = {}     # alias -> RID
        self._cache = {}         # alias -> {'data', 'count', 'time'}
        self._lock = threading.Lock()       # guards every attribute above
        self._flushing = threading.Lock()   # one send pass at a time
        self._creating = threading.Lock()   # one dataport creation at a time
        self._wake = threading.Event()
        self._thread = None
        self._running = False
        self._killed = False
        self._forceterminate = False
        self._daemon = False

    def _setting(self, name):
        return self._config.get(name, _CONFIG_DEFAULTS[name])

    # ------------------------------------------------------------------ aliases
    def _lookup(self, alias, forcequery=False):
        """Return the RID that alias names (cached unless forcequery), or None when it names
        none. Raises what OnepV1 raises when the request fails."""
        if not forcequery:
            with self._lock:
                rid = self._aliasDict.get(alias)
            if rid:
                return rid
        isok, result = self._conn.lookup(self._cik, 'alias', alias)
        with self._lock:
            if isok:
                self._aliasDict[alias] = result
            else:
                self._aliasDict.pop(alias, None)
        return result if isok else None

    def _create(self, alias, desc):
        """Create a dataport with description desc and map alias to it.

        Returns ``(rid, None)`` when created, ``(None, status)`` when the platform refused,
        ``(rid, 'exists')`` when the alias was mapped meanwhile (by another thread or program).
        """
        with self._creating:
            with self._lock:
                known = self._aliasDict.get(alias)
            if known:
                return known, 'exists'
            isok, rid = self._conn.create(self._cik, 'dataport', desc)
            if not isok:
                log.error('could not create a dataport for alias %r: %s', alias, rid)
                return None, rid
            isok, status = self._conn.map(self._cik, rid, alias)
            if not isok:
                self._conn.drop(self._cik, rid)
                existing = self._lookup(alias, forcequery=True)
                if existing is None:
                    log.error('could not map alias %r to a new dataport: %s', alias, status)
                    return None, status
                return existing, 'exists'
            with self._lock:
                self._aliasDict[alias] = rid
            return rid, None

    def _resolve(self, alias):
        """Return ``(rid, None)`` for alias, creating its dataport when autocreate is on, or
        ``(None, reason)``. Raises what OnepV1 raises when a request fails."""
        rid = self._lookup(alias)
        if rid is not None:
            return rid, None
        if not self._auto:
            return None, 'no dataport has the alias %r' % (alias,)
        auto = self._auto
        rid, status = self._create(alias, _description(
            alias, None, auto['format'], auto['preprocess'], auto['count'], auto['duration'],
            auto['visibility']))
        if rid is None:
            return None, 'could not create a dataport for %r: %s' % (alias, status)
        return rid, None

    # ------------------------------------------------------------------ buffers
    def _accept(self, alias):
        """True when the buffer has room, and alias names a dataport or may be created."""
        with self._lock:
            if self._pending >= self._setting('write_buffer_size'):
                return False
        return bool(self._auto) or self._lookup(alias) is not None

    def _added(self, count):
        """Count ``count`` new buffered values; the caller holds the lock. Returns True
        when the buffer is now full (the thread is then woken to send at once)."""
        self._pending += count
        return self._pending >= self._setting('write_buffer_size')

    def _keep(self, records):
        """Put entries that could not be sent back into the record buffer."""
        with self._lock:
            for alias, entries in records.items():
                if entries:
                    self._recordBuffer.setdefault(alias, []).extend(entries)

    def _settle(self, count):
        with self._lock:
            self._pending -= count

    def _reject(self, alias, entries, reason):
        with self._lock:
            self._rejected.extend((alias, entry[0], entry[1], reason) for entry in entries)
            self._pending -= len(entries)
        log.error('the platform refused %d value(s) for %r (%s); see Datastore.rejected()',
                  len(entries), alias, reason)

    @staticmethod
    def _wire(entries, now):
        """Return entries as sent by ``record``: a local time becomes a negative offset from
        now, so the platform's clock places it, and the rest is sent as given."""
        sent = []
        for stamp, value, local in entries:
            if local:
                stamp = min(int(stamp) - now, -1)  # 0 would mean 1970, not now
            sent.append([stamp, value])
        return sent

    # ------------------------------------------------------------------ sending
    def _flush_once(self):
        """Send what is buffered: live values with one writegroup, then each alias's entries
        with record. Raises the exception of a failed request; what it did not send is
        kept."""
        with self._flushing:
            with self._lock:
                live, self._liveBuffer = self._liveBuffer, {}
            try:
                if live:
                    self._send_live(live, int(time.time()))
                self._send_records()
            except Exception as exc:
                with self._lock:
                    self._lastError = exc
                raise
            with self._lock:
                self._lastError = None

    def _send_live(self, live, stamp):
        """Write live values with writegroup. When the platform refuses a group, it is halved
        until the refused values are found (the platform writes all of a group or none)."""
        waiting = dict((alias, [[stamp, value, True]]) for alias, value in live.items())
        try:
            todo = [[]]
            for alias, value in live.items():
                rid, reason = self._resolve(alias)
                if rid is None:
                    self._reject(alias, waiting.pop(alias), reason)
                else:
                    todo[0].append((alias, rid, value))
            while todo:
                part = todo.pop()
                if not part:
                    continue
                isok, status = self._conn.writegroup(self._cik, [[rid, value]
                                                                 for _, rid, value in part])
                if isok:
                    for alias, _, _ in part:
                        del waiting[alias]
                    self._settle(len(part))
                    log.info('wrote %d live value(s)', len(part))
                elif len(part) > 1:
                    middle = len(part) // 2
                    todo.extend([part[middle:], part[:middle]])
                else:
                    alias, rid, _ = part[0]
                    # A value for an alias that names another dataport, or none, now stays
                    # in `waiting`: it is recorded once the alias is resolved again.
                    if self._lookup(alias, forcequery=True) == rid:
                        self._reject(alias, waiting.pop(alias), status)
        finally:
            self._keep(waiting)  # what was neither written nor refused, at its first time

    def _send_records(self):
        with self._lock:
            records, self._recordBuffer = self._recordBuffer, {}
        aliases = list(records)
        for index, alias in enumerate(aliases):
            try:
                self._send_alias(alias, records[alias])
            except Exception:
                self._keep(dict((name, records[name]) for name in aliases[index + 1:]))
                raise

    def _send_alias(self, alias, entries):
        """Record entries in alias's dataport. Each entry is sent, rejected or kept (also when
        a request fails, which is then raised)."""
        try:
            rid, reason = self._resolve(alias)
        except Exception:
            self._keep({alias: entries})
            raise
        if rid is None:
            self._reject(alias, entries, reason)
            return
        todo, first = [entries], True
        while todo:
            part = todo.pop()
            try:
                isok, status = self._conn.record(self._cik, rid,
                                                 self._wire(part, int(time.time())))
                if not isok and first:
                    fresh = self._lookup(alias, forcequery=True)
            except Exception:
                self._keep({alias: part + [entry for rest in todo for entry in rest]})
                raise
            if isok:
                self._settle(len(part))
                log.info('recorded %d value(s) for %r', len(part), alias)
                continue
            if first:
                first = False
                if fresh != rid:  # the alias names another dataport, or none, now
                    self._keep({alias: part})
                    return
            if len(part) == 1:
                self._reject(alias, part, status)
            else:  # halve until the refused entries are found; the others get stored
                middle = len(part) // 2
                todo.extend([part[middle:], part[:middle]])

    def _run(self):
        while True:
            self._wake.wait(self._interval)
            self._wake.clear()
            with self._lock:
                if self._forceterminate:
                    self._running = False
                    return
            try:
                self._flush_once()
            except Exception as exc:
                log.error('could not send; %d value(s) kept for the next attempt: %s',
                          self.bufferCount(), exc, exc_info=not isinstance(exc, OneException))
            with self._lock:
                if self._forceterminate or (self._killed and self._pending == 0):
                    self._running = False
                    return

    # ------------------------------------------------------------------ public API
    def isThreadAlive(self):
        """Tell whether the background thread is running.

        Takes no arguments. Returns True or False (False before :meth:`start`). Raises
        nothing.
        """
        thread = self._thread
        return thread is not None and thread.is_alive()

    def comment(self, alias, visibility, commentstr):
        """Add a comment to the dataport of alias (procedure ``comment``).

        Arguments: alias, visibility (``'public'`` or ``'private'``), commentstr (the text).

        Returns True when the comment was added, False when no dataport has the alias or the
        platform refused it. Raises what :class:`pyonep.onep.OnepV1` raises when the request
        cannot be made or is answered with an error.
        """
        rid = self._lookup(alias)
        if rid is None:
            return False
        isok, _ = self._conn._call('comment', self._cik, [rid, visibility, commentstr], False)
        return isok is True

    def createDataport(self, alias, format, name=None, preprocess=[], count='infinity',
                       duration='infinity', visibility='public'):
        """Create a dataport and map alias to it, now (not through the buffer).

        Arguments: alias, format (``'float'``, ``'integer'`` or ``'string'``), name (default:
        the alias), preprocess (list of ``[operation, operand]``), count and duration (the
        retention: how many points, how many hours), visibility.

        Returns ``(True, True)`` when created, ``(False, 'Alias already existed.')`` when the
        alias names a dataport already, ``(False, 'Failed to create Dataport.')`` when the
        platform refused. Raises what :class:`pyonep.onep.OnepV1` raises when a request
        cannot be made or is answered with an error.
        """
        if self._lookup(alias) is not None:
            return False, 'Alias already existed.'
        rid, status = self._create(alias, _description(alias, name, format, preprocess, count,
                                                       duration, visibility))
        if rid is None:
            return False, 'Failed to create Dataport.'
        if status == 'exists':
            return False, 'Alias already existed.'
        return True, True

    def read(self, alias, count=1, forcequery=False):
        """Return the newest points of alias's dataport, from the cache while it is fresh.

        Arguments: alias; count (how many points, default 1); forcequery (True: ask the
        platform, for the alias and for the points, even when cached).

        A cached answer is used when it was read for the same count less than
        ``read_cache_expire_time`` seconds ago. Values buffered by :meth:`write` are not in
        it until they are sent.

        Returns the list of ``[timestamp, value]``, newest first, or False when no dataport
        has the alias, the platform refused the read, or the request failed (the reason is
        logged as an error). Raises nothing of its own.
        """
        if not forcequery:
            with self._lock:
                entry = self._cache.get(alias)
                if entry is not None and entry['count'] == count and (
                        monotonic() - entry['time'] <= self._setting('read_cache_expire_time')):
                    return list(entry['data'])
        try:
            rid = self._lookup(alias, forcequery)
            if rid is None:
                log.error('read: no dataport has the alias %r', alias)
                return False
            isok, data = self._conn.read(self._cik, rid, {'limit': count, 'sort': 'desc'})
        except Exception as exc:
            log.error('read of %r failed: %s', alias, exc)
            return False
        with self._lock:
            if not isok:
                self._aliasDict.pop(alias, None)
                self._cache.pop(alias, None)
            else:
                if alias not in self._cache and len(self._cache) >= self._setting(
                        'read_cache_size'):
                    self._cache.clear()
                self._cache[alias] = {'data': data, 'count': count, 'time': monotonic()}
        if not isok:
            log.error('read of %r refused: %s', alias, data)
            return False
        return list(data)

    def record(self, alias, entries):
        """Buffer timestamped values for alias; they are sent with one ``record`` call.

        Arguments: alias; entries, a list of ``[timestamp, value]``: a timestamp of 0 or
        more is a Unix time, a negative one counts back from the moment of this call.

        Returns True when the entries were buffered, False when the buffer is full or no
        dataport has the alias (without autocreate). Raises ValueError or TypeError, and
        buffers nothing, when an entry is not a ``[number, value]`` pair or a value cannot be
        sent as JSON; the alias lookup raises what :class:`pyonep.onep.OnepV1` raises.
        """
        _check_alias(alias)
        pairs = _check_entries(alias, entries)
        if not self._accept(alias):
            return False
        now = int(time.time())
        buffered = [[now + stamp, value, True] if stamp < 0 else [stamp, value, False]
                    for stamp, value in pairs]
        with self._lock:
            if self._pending >= self._setting('write_buffer_size'):
                return False
            self._recordBuffer.setdefault(alias, []).extend(buffered)
            full = self._added(len(buffered))
        if full:
            self._wake.set()
        log.debug('buffered %d entries for %r', len(buffered), alias)
        return True

    def restart(self):
        """Stop the background thread at once (without sending) and start a new one.

        Waits for the current thread to end (at most the transport's timeout when it is in
        a request). Buffered values are kept and sent by the new thread, which is a daemon
        when the old one was. Takes no arguments; returns None; raises nothing of its own.
        """
        self.stop(force=True)
        self.join()
        self.start(self._daemon)

    def start(self, daemon=False):
        """Start the background thread that sends the buffers every ``interval`` seconds.

        Arguments: daemon (True: the thread does not keep the program alive).

        Returns None. When the thread is running already, it keeps running (a pending
        :meth:`stop` is cancelled) and no second one is started. Raises nothing of its own.
        """
        with self._lock:
            self._killed = False
            self._forceterminate = False
            if self._running:
                return
            self._running = True
            self._daemon = daemon
            self._wake.clear()
            thread = threading.Thread(target=self._run, name='pyonep.datastore')
            thread.daemon = daemon
            self._thread = thread
        thread.start()

    def stop(self, force=False):
        """Ask the background thread to end; returns at once (see :meth:`join`).

        Arguments: force. False (default): the thread sends everything buffered now and
        ends when nothing is left; while the platform cannot be reached it keeps trying every
        ``interval`` seconds. True: it ends once the request in progress, if any, is
        answered, without sending anything more; buffered values stay for a later
        :meth:`start` or :meth:`flush`.

        Returns None. Raises nothing.
        """
        with self._lock:
            self._killed = True
            if force:
                self._forceterminate = True
        self._wake.set()

    def join(self, timeout=None):
        """Wait for the background thread to end.

        Arguments: timeout (seconds; None waits as long as it takes).

        Returns True when no thread is running (anymore), False when it still runs after
        timeout. Raises nothing.
        """
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def flush(self):
        """Send everything buffered now, from the calling thread (the background thread need
        not run).

        Takes no arguments. Returns None. Values the platform refuses go to
        :meth:`rejected`. Raises the exception of a request that failed
        (:class:`pyonep.exceptions.JsonRPCRequestException` when the platform cannot be
        reached, :class:`pyonep.exceptions.OnePlatformException` when it answers with an
        error such as a CIK it does not know); what was not sent stays buffered.
        """
        self._flush_once()

    def write(self, alias, value):
        """Buffer value as alias's newest value; it is sent with the next ``writegroup``.

        Arguments: alias, value. Until it is sent, a later write to the same alias replaces
        it: one value per alias per interval reaches the platform.

        Returns True when the value was buffered for an alias with nothing waiting; False
        when it replaced the value waiting for that alias (the new value will be sent), when
        the buffer is full, or when no dataport has the alias (without autocreate). Raises
        TypeError or ValueError, and buffers nothing, when the alias is not a string or the
        value cannot be sent as JSON; the alias lookup raises what
        :class:`pyonep.onep.OnepV1` raises.
        """
        _check_alias(alias)
        _check_value(alias, value)
        with self._lock:
            if alias in self._liveBuffer:
                self._liveBuffer[alias] = value
                log.debug('replaced the buffered value of %r', alias)
                return False
        if not self._accept(alias):
            return False
        with self._lock:
            if alias in self._liveBuffer:
                self._liveBuffer[alias] = value
                return False
            if self._pending >= self._setting('write_buffer_size'):
                return False
            self._liveBuffer[alias] = value
            full = self._added(1)
        if full:
            self._wake.set()
        log.debug('buffered a value for %r', alias)
        return True

    def bufferCount(self):
        """Return how many values are buffered and not sent yet (those being sent included).

        Takes no arguments; raises nothing.
        """
        with self._lock:
            return self._pending

    def rejected(self, clear=False):
        """Return the values the platform refused, oldest first.

        Arguments: clear (True also forgets them).

        Returns a list of ``(alias, timestamp, value, reason)``: timestamp is the Unix time
        the value was meant for (as given to :meth:`record`, or when :meth:`write`'s value
        was first sent), reason the platform's status (e.g. ``'invalid'``) or what failed.
        Raises nothing.
        """
        with self._lock:
            found = list(self._rejected)
            if clear:
                del self._rejected[:]
        return found

    def lastError(self):
        """Return the exception that made the latest send fail, or None when it succeeded
        (or none was made).

        Takes no arguments; raises nothing.
        """
        with self._lock:
            return self._lastError


__all__ = ['Datastore', 'datastore_config', 'transport_config']
