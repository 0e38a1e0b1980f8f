"""Fault rules: which requests fail on purpose, how often, and how (no HTTP here).

A rule is a JSON object. It says which requests it matches (every field left out matches
all):

- ``api``: ``"rpc"``, ``"provision"``, ``"device"`` or ``"portals"``;
- ``procedure``: an RPC procedure name; a request matches when any call of its batch is
  one (only RPC requests can match);
- ``cik``: the caller's CIK (the RPC ``auth``'s ``cik``, else the ``X-Exosite-CIK`` header);
- ``path``: a prefix of the request path (``/provision/manage/model/``, ``/onep:v1/stack``).

How often it strikes a matching request:

- ``after``: let that many matching requests through first (default 0);
- ``probability``: 0 to 1 (default 1), drawn per matching request from the rule's own
  random sequence; ``seed`` (an integer or a string) makes the sequence repeat, so the same
  requests in the same order are struck again;
- ``count``: retire after striking that many times;
- ``for_s``: retire that many seconds (of the platform clock) after the rule was added.

And exactly one effect:

- ``status`` (200 to 599): answer that HTTP status without running the call, with
  ``body`` (a string is sent as text, anything else as JSON; by default the RPC API gets
  ``{"error": {"code": <status>, "message": <reason>}}`` and the other APIs the reason
  phrase) and ``headers`` (an object, e.g. ``{"Retry-After": "30"}``);
- ``rpc_status`` and/or ``rpc_error`` (RPC only): each call of the batch that matches
  ``procedure`` (every call when there is none) answers ``{"id", "status": rpc_status}``,
  ``{"id", "error": rpc_error}`` or both, while the other calls run as usual;
  ``rpc_error`` is ``{"code": <int>, "message": <str>[, "context": <str>]}``;
- ``latency_ms`` (up to 600000): the call runs, and its answer is held back that long;
- ``drop``: ``"before"`` closes the connection without running the call, ``"after"`` runs
  and commits it, then closes without answering.

At most one rule strikes a request: the first, in the order the rules were added, whose
filters match and whose counters and draw say so; the rules after it do not see that
request. :class:`Faults` keeps the rules; :class:`RuleError` names the field of a bad rule.
"""
import random
import re
import threading

from http import HTTPStatus

APIS = ('rpc', 'provision', 'device', 'portals')
DROPS = ('before', 'after')
EFFECTS = ('status', 'rpc_status', 'rpc_error', 'latency_ms', 'drop')
FIELDS = ('api', 'procedure', 'cik', 'path', 'probability', 'seed', 'count', 'after', 'for_s',
          'status', 'body', 'headers', 'rpc_status', 'rpc_error', 'latency_ms', 'drop')
MAX_LATENCY_MS = 600000
MAX_TEXT = 1024
MAX_BODY_CHARS = 1024 * 1024
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$")
FRAMING_HEADERS = ('content-length', 'transfer-encoding', 'connection')
NO_BODY_STATUSES = (204, 205, 304)


class RuleError(ValueError):
    """A fault rule that cannot be used: ``field`` names the offending field and ``str()``
    says what is wrong with it."""

    def __init__(self, field, message):
        ValueError.__init__(self, '%s: %s' % (field, message))
        self.field = field


class Target(object):
    """A request as the rules see it: ``api`` (one of :data:`APIS`, or None for a path that
    belongs to no API), ``path``, ``cik`` (the caller's, or None) and ``procedures`` (the
    procedure names of an RPC batch; empty for the other APIs)."""

    def __init__(self, api, path, cik=None, procedures=()):
        self.api = api
        self.path = path
        self.cik = cik
        self.procedures = list(procedures)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value \
        and abs(value) != float('inf')


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _text(spec, field, limit=MAX_TEXT):
    value = spec[field]
    if not isinstance(value, str) or not value or len(value) > limit:
        raise RuleError(field, 'must be a non-empty string of at most %d characters' % limit)
    return value


def _headers(value):
    if not isinstance(value, dict):
        raise RuleError('headers', 'must be an object of header names and string values')
    headers = []
    for name, text in value.items():
        if not HEADER_NAME.match(name):
            raise RuleError('headers', '%r is not a header name' % (name,))
        if name.lower() in FRAMING_HEADERS:
            raise RuleError('headers', '%s is set by the server itself' % name)
        if not isinstance(text, str) or len(text) > MAX_TEXT or re.search(r'[\r\n\x00]', text):
            raise RuleError('headers', 'the value of %s must be one line of text' % name)
        headers.append((name, text))
    return headers


def _rpc_error(value):
    if not isinstance(value, dict) or not _is_int(value.get('code')) or \
            not isinstance(value.get('message'), str):
        raise RuleError('rpc_error', 'must be an object with an integer "code" and a string '
                                     '"message" (and optionally a string "context")')
    extra = set(value) - {'code', 'message', 'context'}
    if extra or not isinstance(value.get('context', ''), str):
        raise RuleError('rpc_error', 'takes only code, message and a string context')
    return dict(value)


class Rule(object):
    """One fault rule, checked and ready to match (build it with :meth:`Faults.add`).

    Attributes: ``id``, the fields of the rule (None when left out), ``matched`` (matching
    requests seen), ``hits`` (requests struck), ``until`` (platform time at which
    ``for_s`` retires it, or None), ``retired`` (True once ``count`` is used up) and
    ``effect`` (the name of its effect field).
    """

    def __init__(self, rule_id, spec, now):
        """Check ``spec`` (a dict) and build the rule; raise :class:`RuleError` when bad."""
        if not isinstance(spec, dict):
            raise RuleError('rule', 'must be a JSON object')
        for field in spec:
            if field not in FIELDS:
                raise RuleError(field, 'is not a field of a fault rule (fields: %s)'
                                % ', '.join(FIELDS))
        self.id = rule_id
        self.spec = dict(spec)
        get = spec.get
        self.api = get('api')
        if self.api is not None and self.api not in APIS:
            raise RuleError('api', 'must be one of %s' % ', '.join(APIS))
        self.procedure = _text(spec, 'procedure') if 'procedure' in spec else None
        self.cik = _text(spec, 'cik') if 'cik' in spec else None
        self.path = _text(spec, 'path') if 'path' in spec else None
        if self.path is not None and not self.path.startswith('/'):
            raise RuleError('path', 'must start with /')
        self.probability = get('probability', 1)
        if not _is_number(self.probability) or not 0 <= self.probability <= 1:
            raise RuleError('probability', 'must be a number from 0 to 1')
        self.seed = get('seed')
        if self.seed is not None and not (_is_int(self.seed) or isinstance(self.seed, str)):
            raise RuleError('seed', 'must be an integer or a string')
        self.count = get('count')
        if self.count is not None and not (_is_int(self.count) and self.count >= 1):
            raise RuleError('count', 'must be an integer of at least 1')
        self.after = get('after', 0)
        if not (_is_int(self.after) and self.after >= 0):
            raise RuleError('after', 'must be an integer of at least 0')
        for_s = get('for_s')
        if for_s is not None and not (_is_number(for_s) and for_s > 0):
            raise RuleError('for_s', 'must be a number of seconds above 0')
        self.until = None if for_s is None else now + for_s
        self._effect(spec)
        self.random = random.Random(self.seed)
        self.matched = 0
        self.hits = 0
        self.retired = False

    def _effect(self, spec):
        effects = [name for name in ('status', 'latency_ms', 'drop') if name in spec]
        if 'rpc_status' in spec or 'rpc_error' in spec:
            effects.append('rpc_status' if 'rpc_status' in spec else 'rpc_error')
        if not effects:
            raise RuleError('status', 'a rule needs one effect: status, rpc_status or rpc_error, '
                                      'latency_ms, or drop')
        if len(effects) > 1:
            raise RuleError(effects[1], 'a rule has one effect; this one also has %s' % effects[0])
        self.effect = effects[0]
        for name in ('body', 'headers'):
            if name in spec and self.effect != 'status':
                raise RuleError(name, 'goes with status only')
        self.status = spec.get('status')
        if self.effect == 'status' and not (_is_int(self.status) and 200 <= self.status <= 599
                                            and self.status not in NO_BODY_STATUSES):
            raise RuleError('status', 'must be an HTTP status from 200 to 599 that has a body')
        self.body = spec.get('body')
        if self.body is not None and isinstance(self.body, str) and len(self.body) > MAX_BODY_CHARS:
            raise RuleError('body', 'must be at most %d characters' % MAX_BODY_CHARS)
        self.headers = _headers(spec['headers']) if 'headers' in spec else []
        self.rpc_status = _text(spec, 'rpc_status') if 'rpc_status' in spec else None
        self.rpc_error = _rpc_error(spec['rpc_error']) if 'rpc_error' in spec else None
        if self.procedure is not None or self.effect in ('rpc_status', 'rpc_error'):
            if self.api not in (None, 'rpc'):
                raise RuleError('api', 'must be "rpc" (or left out) with %s' % (
                    'procedure' if self.procedure is not None else self.effect))
        self.latency_ms = spec.get('latency_ms')
        if self.effect == 'latency_ms' and not (
                _is_number(self.latency_ms) and 0 <= self.latency_ms <= MAX_LATENCY_MS):
            raise RuleError('latency_ms', 'must be a number from 0 to %d' % MAX_LATENCY_MS)
        self.drop = spec.get('drop')
        if self.effect == 'drop' and self.drop not in DROPS:
            raise RuleError('drop', 'must be "before" or "after"')

    def active(self, now):
        """True while the rule may still strike at platform time ``now``."""
        return not self.retired and (self.until is None or now < self.until)

    def matches(self, target):
        """True when a :class:`Target` passes the rule's filters (counters aside)."""
        if self.effect in ('rpc_status', 'rpc_error') or self.procedure is not None:
            if target.api != 'rpc':
                return False
        if self.api is not None and target.api != self.api:
            return False
        if self.procedure is not None and self.procedure not in target.procedures:
            return False
        if self.cik is not None and target.cik != self.cik:
            return False
        return self.path is None or target.path.startswith(self.path)

    def call_reply(self, call):
        """For an ``rpc_status``/``rpc_error`` rule: the reply item (without id) that replaces
        RPC ``call`` (a dict), or None when the call runs as usual."""
        if self.procedure is not None and call.get('procedure') != self.procedure:
            return None
        reply = {}
        if self.rpc_status is not None:
            reply['status'] = self.rpc_status
        if self.rpc_error is not None:
            reply['error'] = dict(self.rpc_error)
        return reply

    def status_reply(self, api):
        """For a ``status`` rule: return ``(status, body, headers)`` to answer a request of
        ``api`` with (``body`` a str or a JSON value; see the module docstring)."""
        body = self.body
        if body is None:
            try:
                reason = HTTPStatus(self.status).phrase
            except ValueError:  # a status without a standard name
                reason = 'Emulated fault'
            if api == 'rpc':
                body = {'error': {'code': self.status, 'message': reason}}
            else:
                body = reason
        return self.status, body, list(self.headers)

    def describe(self):
        """Return a short text naming the rule and its effect (for the log)."""
        value = getattr(self, self.effect)
        return 'fault %d (%s %s)' % (self.id, self.effect, value)

    def as_dict(self, now):
        """Return the rule as given, with ``id``, ``hits``, ``matched``, ``active`` and
        (with ``for_s``) ``until``, the platform time it retires at."""
        out = dict(self.spec)
        out.update(id=self.id, hits=self.hits, matched=self.matched, active=self.active(now))
        if self.until is not None:
            out['until'] = self.until
        return out


class Faults(object):
    """The fault rules of one emulator, safe to use from every connection's thread.

    Arguments: ``clock``, the platform clock (a callable returning Unix seconds), which
    times ``for_s``.
    """

    def __init__(self, clock):
        self.clock = clock
        self._lock = threading.Lock()
        self._rules = []
        self._next_id = 1

    def add(self, spec):
        """Add the rule ``spec`` (a dict) and return it as :meth:`Rule.as_dict` shows it.

        Raises :class:`RuleError` (and adds nothing) when ``spec`` is not a valid rule.
        """
        with self._lock:
            rule = Rule(self._next_id, spec, self.clock())
            self._next_id += 1
            self._rules.append(rule)
            return rule.as_dict(self.clock())

    def list(self):
        """Return every rule (retired ones too), oldest first, as :meth:`Rule.as_dict`."""
        now = self.clock()
        with self._lock:
            return [rule.as_dict(now) for rule in self._rules]

    def remove(self, rule_id):
        """Remove the rule with id ``rule_id``; return True, or False when there is none."""
        with self._lock:
            kept = [rule for rule in self._rules if rule.id != rule_id]
            removed = len(kept) != len(self._rules)
            self._rules = kept
            return removed

    def clear(self):
        """Remove every rule and return how many there were."""
        with self._lock:
            count, self._rules = len(self._rules), []
            return count

    def any(self):
        """True when at least one rule exists (a quick check before describing a request)."""
        return bool(self._rules)

    def strike(self, target):
        """Return the :class:`Rule` that strikes the request ``target`` (a :class:`Target`),
        or None; counts the match and the hit."""
        now = self.clock()
        with self._lock:
            for rule in self._rules:
                if not rule.active(now) or not rule.matches(target):
                    continue
                rule.matched += 1
                if rule.matched <= rule.after:
                    continue
                if rule.probability < 1 and rule.random.random() >= rule.probability:
                    continue
                rule.hits += 1
                if rule.count is not None and rule.hits >= rule.count:
                    rule.retired = True
                return rule
        return None
