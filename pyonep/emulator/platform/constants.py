"""The One Platform's fixed vocabulary and limits, the sqlite schema of the resource tree, and
the small value helpers every rule module uses (no state, no HTTP)."""
import binascii
import json
import math
import os
import re

TYPES = ('client', 'dataport', 'datarule', 'dispatch')
FORMATS = ('float', 'integer', 'string')
CLIENT_STATUSES = ('activated', 'notactivated', 'expired')
LIMIT_KEYS = ('client', 'dataport', 'datarule', 'disk', 'dispatch', 'email', 'email_bucket',
              'http', 'http_bucket', 'share', 'sms', 'sms_bucket', 'xmpp', 'xmpp_bucket')
# Limit keys the platform accepted beyond the documented ones (kept only when given): exoline's
# test suite creates every client with "io": "inherit".
EXTRA_LIMIT_KEYS = ('io',)
RID_PATTERN = re.compile(r'^[0-9a-f]{40}$')
DISPATCH_METHODS = ('email', 'http_get', 'http_post', 'http_put', 'sms', 'xmpp')
COMPARISONS = {
    'gt': lambda a, b: a > b, 'lt': lambda a, b: a < b, 'eq': lambda a, b: a == b,
    'geq': lambda a, b: a >= b, 'leq': lambda a, b: a <= b, 'neq': lambda a, b: a != b,
}
PREPROCESS_OPS = ('add', 'sub', 'mul', 'div', 'mod', 'value') + tuple(COMPARISONS)
INFO_OPTIONS = ('aliases', 'basic', 'comments', 'counts', 'description', 'key', 'shares',
                'storage', 'subscribers', 'tagged', 'tags', 'usage')
CONSUMABLES = ('email', 'http', 'sms', 'xmpp')
MAX_STRING = 65536
INT64 = 2 ** 63
MAX_WAIT_MS = 300000
MAX_DEPTH = 16
MIN_TIMER_PERIOD = 1  # seconds: a datarule timeout is 0 or at least this
MAX_TIMER_CATCHUP = 1000  # a timer that missed more periods fires only for the latest ones
# read's givenwindow selection looks each window up by index when there are at most this
# many windows (one query each), else runs one query over every point of the range
MAX_WINDOW_PROBES = 4096

SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    id INTEGER PRIMARY KEY, rid TEXT UNIQUE NOT NULL, type TEXT NOT NULL, owner TEXT,
    cik TEXT UNIQUE, status TEXT, description TEXT NOT NULL, created INTEGER NOT NULL,
    modified INTEGER NOT NULL, subscribe TEXT);
CREATE INDEX IF NOT EXISTS resources_owner ON resources (owner);
CREATE INDEX IF NOT EXISTS resources_subscribe ON resources (subscribe);
CREATE TABLE IF NOT EXISTS aliases (
    client TEXT NOT NULL, alias TEXT NOT NULL, rid TEXT NOT NULL, PRIMARY KEY (client, alias));
CREATE INDEX IF NOT EXISTS aliases_rid ON aliases (rid);
CREATE TABLE IF NOT EXISTS points (
    id INTEGER PRIMARY KEY AUTOINCREMENT, res INTEGER NOT NULL, ts INTEGER NOT NULL, value);
CREATE INDEX IF NOT EXISTS points_res_ts ON points (res, ts);
CREATE TABLE IF NOT EXISTS shares (
    code TEXT PRIMARY KEY, rid TEXT NOT NULL, sharer TEXT NOT NULL, meta TEXT NOT NULL,
    activator TEXT, created INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS shares_rid ON shares (rid);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, client TEXT NOT NULL, permissions TEXT NOT NULL, expires REAL);
CREATE TABLE IF NOT EXISTS tags (
    rid TEXT NOT NULL, tag TEXT NOT NULL, tagger TEXT NOT NULL, PRIMARY KEY (rid, tag, tagger));
CREATE INDEX IF NOT EXISTS tags_tag ON tags (tag);
CREATE TABLE IF NOT EXISTS comments (
    id INTEGER PRIMARY KEY, rid TEXT NOT NULL, author TEXT NOT NULL, visibility TEXT NOT NULL,
    text TEXT NOT NULL, created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rulestate (
    res INTEGER PRIMARY KEY, state TEXT NOT NULL, deadline REAL);
CREATE INDEX IF NOT EXISTS rulestate_deadline ON rulestate (deadline);
CREATE TABLE IF NOT EXISTS dispatch_log (
    id INTEGER PRIMARY KEY, rid TEXT NOT NULL, ts INTEGER NOT NULL, method TEXT, recipient TEXT,
    subject TEXT, message TEXT, status TEXT);
CREATE INDEX IF NOT EXISTS dispatch_log_rid ON dispatch_log (rid);
"""

SUBTREE_SQL = ('WITH RECURSIVE sub(rid) AS (SELECT ? UNION ALL '
               'SELECT r.rid FROM resources r JOIN sub ON r.owner = sub.rid) SELECT rid FROM sub')
ANCESTORS_SQL = ('WITH RECURSIVE up(rid, owner) AS (SELECT rid, owner FROM resources WHERE rid = ? '
                 'UNION ALL SELECT r.rid, r.owner FROM resources r JOIN up ON r.rid = up.owner) '
                 'SELECT rid FROM up')


def new_key():
    """Return a fresh random 40-hex-digit key (used for RIDs, CIKs, share codes, tokens)."""
    return binascii.hexlify(os.urandom(20)).decode('ascii')


def is_number(value):
    """Return True for an int or float that is not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_finite(value):
    """Return True for a number JSON can carry: an int, or a float that is not NaN or an
    infinity (bools are not numbers)."""
    return is_number(value) and math.isfinite(value)


def dumps(value):
    """Return ``value`` as compact JSON with sorted keys (how descriptions are stored)."""
    return json.dumps(value, separators=(',', ':'), sort_keys=True)


def chunks(items, size=500):
    """Yield ``(slice, marks)`` for ``items`` in slices of at most ``size``, ``marks`` being
    the ``?,?,...`` placeholders of an SQL ``IN`` list for that slice."""
    for start in range(0, len(items), size):
        chunk = items[start:start + size]
        yield chunk, ','.join('?' * len(chunk))
