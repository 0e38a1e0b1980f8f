"""The call log: the last requests the emulator served, for the inspector's Calls view.

:class:`CallLog` keeps the newest :data:`CAPACITY` requests in memory (a ring buffer: the
oldest entry goes when a new one comes), each with its answer. The server's loop
(``http/loop.py``) records every request once it is answered, and every request refused for
its framing or size once its head was read (without its body); the inspector's own requests
(paths in ``skip``) are not recorded. Nothing is written to disk and the log starts empty at every
start.

What an entry holds (a dict): ``id`` (1, 2, ... in arrival order), ``time`` (Unix time of
the answer, wall clock), ``duration_ms``, ``method``, ``path``, ``query``, ``client`` (the
peer's address), ``kind`` (``rpc``, ``provision``, ``device``, ``portals``, ``emulator``
or ``other``, from the path), ``status`` (the HTTP status; None when a fault rule dropped
the connection without an answer), ``fault`` (None, or the fault rule that struck the
request, see :mod:`pyonep.emulator.faults`), ``keys`` (the CIKs and tokens
the request carried: ``X-Exosite-CIK``/``X-Exosite-Token`` headers, ``"cik"`` and
``"token"`` fields of a JSON body, and the CIK an activation answered with), and
``request`` and ``response``, each ``{"headers", "body", "size", "truncated",
"binary"}``.

Bodies are kept up to :data:`MAX_SHOWN` bytes each (``truncated`` says when more was
sent; ``size`` is the full length); a body that is not text is kept as a hex dump of its
first bytes (``binary``). Secrets (CIKs, tokens, passwords in ``Authorization``) are kept
as they were sent: the log is only shown to the machine the emulator runs on.
"""
import collections
import itertools
import re
import threading
import time

CAPACITY = 500
MAX_SHOWN = 8192
MAX_HEX = 512
KEY_HEADERS = ('X-Exosite-CIK', 'X-Exosite-Token')
# JSON fields whose string value is a key: the RPC auth object ("cik", "token")
KEY_FIELD = re.compile(r'"(?:cik|token)"\s*:\s*"([^"\\]{1,200})"')
ACTIVATION_ANSWER = re.compile(r'^[0-9a-f]{40}$')
KINDS = (
    ('rpc', ('/onep:v1/rpc/process', '/api:v1/rpc/process')),
    ('provision', ('/provision/',)),
    ('portals', ('/api/portals/',)),
    ('device', ('/onep:v1/stack/', '/api:v1/', '/timestamp', '/ip')),
    ('emulator', ('/_emulator/',)),
)


def kind_of(path):
    """Return the API a request path belongs to: ``rpc``, ``provision``, ``portals``,
    ``device``, ``emulator`` or ``other``."""
    for kind, prefixes in KINDS:
        if path.startswith(prefixes):
            return kind
    return 'other'


def shown_body(body, limit=MAX_SHOWN):
    """Return what the log keeps of ``body`` (bytes): ``{"body", "size", "truncated",
    "binary"}``. Text (UTF-8) is kept up to ``limit`` bytes; anything else as a hex dump
    of its first :data:`MAX_HEX` bytes."""
    size = len(body)
    part = body[:limit]
    text = part.decode('utf-8', 'replace')
    # a cut in the middle of a character leaves one replacement character at the end
    damaged = text[:-1] if size > limit else text
    binary = '\x00' in text or '\ufffd' in damaged
    if binary:
        text = ' '.join('%02x' % b for b in body[:MAX_HEX])
    return {'body': text, 'size': size, 'truncated': size > (MAX_HEX if binary else limit),
            'binary': binary}


def request_keys(headers, body, path, response_text):
    """Return the sorted CIKs and tokens a request carried (see the module docstring)."""
    keys = set()
    for name in KEY_HEADERS:
        value = headers.get(name)
        if value:
            keys.add(value.strip())
    if b'"cik"' in body or b'"token"' in body:
        keys.update(KEY_FIELD.findall(body.decode('utf-8', 'replace')))
    if path == '/provision/activate' and ACTIVATION_ANSWER.match(response_text.strip()):
        keys.add(response_text.strip())
    return sorted(keys)


class CallLog(object):
    """The newest ``capacity`` requests served (see the module docstring).

    Arguments: ``capacity`` (entries kept), ``skip`` (path prefixes not recorded) and
    ``clock`` (wall clock for the ``time`` of entries, ``time.time`` by default).
    Thread-safe: the server records from its loop and from the threads of long polls.
    """

    def __init__(self, capacity=CAPACITY, skip=('/_inspector',), clock=None):
        self.capacity = capacity
        self.skip = tuple(skip)
        self.clock = clock or time.time
        self._entries = collections.deque(maxlen=capacity)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.last_id = 0

    def record(self, request, response):
        """Add one served request: ``request`` (a :class:`~pyonep.emulator.http.messages.Request`)
        and the ``response`` (a :class:`~pyonep.emulator.http.messages.Response`) sent for it, or
        None when the connection was dropped without an answer.

        Requests for the root page and for paths in ``skip`` are not recorded. Returns
        the new entry's id (None when skipped). Raises nothing of its own.

        Recording is cheap (it runs for every call the emulator serves): it keeps the first
        :data:`MAX_SHOWN` bytes of each body and builds the entry the first time
        :meth:`entries` shows it.
        """
        path = request.path
        if path == '/' or path.startswith(self.skip):
            return None
        record = _Record(request, response, self.clock())
        with self._lock:
            record.id = next(self._ids)
            self.last_id = record.id
            self._entries.append(record)
        return record.id

    def entries(self, since=0, before=None, limit=100, key=None, text=None, kind=None):
        """Return the logged entries that match, newest first, at most ``limit``.

        Arguments: ``since`` (only ids above it: for polling), ``before`` (only ids below
        it: for the next page), ``key`` (a CIK or token: entries that carried it, or
        whose request or answer shows it), ``text`` (entries whose path, query or bodies
        contain it) and ``kind`` (see :func:`kind_of`). Raises nothing of its own.
        """
        with self._lock:
            records = list(self._entries)
        found = []
        for record in reversed(records):
            if record.id <= since or (before is not None and record.id >= before):
                continue
            entry = record.entry()
            if kind and entry['kind'] != kind:
                continue
            if key and key not in entry['keys'] and not self._shows(entry, key):
                continue
            if text and not (text in entry['path'] or text in entry['query']
                             or self._shows(entry, text)):
                continue
            found.append(entry)
            if len(found) >= limit:
                break
        return found

    @staticmethod
    def _shows(entry, text):
        return text in entry['request']['body'] or text in entry['response']['body'] or any(
            text in value for _, value in entry['request']['headers'])

    def __len__(self):
        with self._lock:
            return len(self._entries)


class _Record(object):
    """One logged request as recorded: the fields :meth:`entry` needs, bodies cut to what
    is shown, so that holding :data:`CAPACITY` records never holds whole large bodies."""

    __slots__ = ('id', 'time', 'duration_ms', 'method', 'path', 'query', 'client', 'fault',
                 'headers', 'body', 'size', 'keys', 'status', 'reply_type', 'reply_headers',
                 'reply', 'reply_size', '_entry')

    def __init__(self, request, response, now):
        received = request.received
        self.time = now
        self.duration_ms = None if received is None else round((time.time() - received) * 1000, 2)
        self.method, self.path, self.query = request.method, request.path, request.query
        self.client = request.client_address[0] if request.client_address else None
        self.fault = request.fault
        self.headers = request.headers
        body = request.body
        self.size = len(body)
        self.body = body[:MAX_SHOWN + 4]
        # a key may sit anywhere in a large body: look for it now, while the body is whole
        self.keys = None if self.size <= len(self.body) else request_keys(
            request.headers, body, request.path, '')
        self.status = None if response is None else response.status
        self.reply_type = None if response is None else response.content_type
        self.reply_headers = [] if response is None else response.headers
        reply = b'' if response is None else response.body
        self.reply_size = len(reply)
        self.reply = reply[:MAX_SHOWN + 4]
        self._entry = None

    def entry(self):
        """Return the entry dict of the module docstring (built once)."""
        if self._entry is not None:
            return self._entry
        reply = _shown(self.reply, self.reply_size)
        answer_text = '' if reply['binary'] else reply['body']
        keys = self.keys
        if keys is None:
            keys = request_keys(self.headers, self.body, self.path, answer_text)
        else:
            keys = sorted(set(keys) | set(request_keys({}, b'', self.path, answer_text)))
        self._entry = {
            'id': self.id, 'time': self.time, 'duration_ms': self.duration_ms,
            'method': self.method, 'path': self.path, 'query': self.query,
            'client': self.client, 'kind': kind_of(self.path), 'status': self.status,
            'fault': self.fault, 'keys': keys,
            'request': dict(_shown(self.body, self.size),
                            headers=[[k, v] for k, v in self.headers.items()]),
            'response': dict(reply, headers=[] if self.status is None else (
                [['Content-Type', self.reply_type]] + [list(h) for h in self.reply_headers])),
        }
        self.headers = self.body = self.reply = self.reply_headers = None
        return self._entry


def _shown(kept, size):
    """Return :func:`shown_body` of a body of ``size`` bytes of which ``kept`` is the start."""
    shown = shown_body(kept)
    if size > len(kept):
        shown['size'] = size
        shown['truncated'] = True
    return shown
