"""What the fleet's parts share: the ``fleet_*`` tables, limits, :class:`FleetError`
(whose ``status`` is the HTTP status the provisioning API answers), paging and names, and
:class:`Part`, the base of the fleet's parts (store, platform and clock)."""
import binascii
import os
import re

SCHEMA = """
CREATE TABLE IF NOT EXISTS fleet_vendors (name TEXT PRIMARY KEY, owner TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS fleet_tokens (
    vendor TEXT NOT NULL, id TEXT NOT NULL, token TEXT UNIQUE NOT NULL, PRIMARY KEY (vendor, id));
CREATE TABLE IF NOT EXISTS fleet_models (
    mid INTEGER PRIMARY KEY, vendor TEXT NOT NULL, name TEXT NOT NULL, template TEXT NOT NULL,
    kind TEXT NOT NULL, ref TEXT NOT NULL, options TEXT NOT NULL, UNIQUE (vendor, name));
CREATE TABLE IF NOT EXISTS fleet_sns (
    id INTEGER PRIMARY KEY, mid INTEGER NOT NULL, sn TEXT NOT NULL, extra TEXT NOT NULL,
    rid TEXT, enabled_by TEXT, UNIQUE (mid, sn));
CREATE INDEX IF NOT EXISTS fleet_sns_mid_id ON fleet_sns (mid, id);
CREATE INDEX IF NOT EXISTS fleet_sns_rid ON fleet_sns (rid);
CREATE TABLE IF NOT EXISTS fleet_ranges (id INTEGER PRIMARY KEY, mid INTEGER NOT NULL, spec TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fleet_log (
    id INTEGER PRIMARY KEY, mid INTEGER NOT NULL, sn TEXT NOT NULL, ts INTEGER NOT NULL,
    conn TEXT NOT NULL, entry TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS fleet_log_sn ON fleet_log (mid, sn);
CREATE TABLE IF NOT EXISTS fleet_shares (mid INTEGER NOT NULL, vendor TEXT NOT NULL, PRIMARY KEY (mid, vendor));
CREATE TABLE IF NOT EXISTS fleet_content (
    mid INTEGER NOT NULL, id TEXT NOT NULL, meta TEXT NOT NULL, protected INTEGER NOT NULL,
    type TEXT NOT NULL, data BLOB NOT NULL, updated INTEGER NOT NULL, PRIMARY KEY (mid, id));
CREATE TABLE IF NOT EXISTS fleet_groups (
    mid INTEGER NOT NULL, id TEXT NOT NULL, meta TEXT NOT NULL, PRIMARY KEY (mid, id));
CREATE TABLE IF NOT EXISTS fleet_members (
    mid INTEGER NOT NULL, grp TEXT NOT NULL, type TEXT NOT NULL, member TEXT NOT NULL,
    expire INTEGER NOT NULL, meta TEXT NOT NULL, PRIMARY KEY (mid, grp, type, member));
CREATE INDEX IF NOT EXISTS fleet_members_member ON fleet_members (mid, type, member);
"""

OPTIONS = ('noaliases', 'nocomments', 'nohistorical')
RANGE_FORMATS = ('base10', 'base16', 'mac:48', 'mac-48', 'mac.48')
RANGE_KEYS = ('format', 'length', 'casing', 'first', 'last')
MEMBER_TYPES = ('sn', 'content', 'group')
MIN_PAGE, MAX_PAGE, DEFAULT_PAGE = 5, 1000, 5
MAX_NAME = 256
MAX_INT = 2 ** 62  # integers stay well inside sqlite's 64 bits
VENDOR_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$')

# groups that hold a member, directly or through groups that are members of groups
CONTAINING_GROUPS_SQL = """
WITH RECURSIVE up(grp) AS (
    SELECT grp FROM fleet_members WHERE mid=:mid AND type=:type AND member=:member
        AND (expire=0 OR expire>:now)
    UNION
    SELECT m.grp FROM fleet_members m JOIN up ON m.type='group' AND m.member=up.grp
        WHERE m.mid=:mid AND (m.expire=0 OR m.expire>:now))
SELECT grp FROM up"""


def short_message(message, limit=300):
    """Return an error ``message`` cut to ``limit`` characters (with '...'): the
    services' refusals quote client input, which may be of any size."""
    return message if len(message) <= limit else message[:limit - 3] + '...'


class FleetError(Exception):
    """A provisioning rule refused a request.

    Attributes: ``status`` (the HTTP status to answer, e.g. 404), ``message`` (a short
    text for the response body) and ``allow`` (the methods a 405 answer lists, or None).
    """

    def __init__(self, status, message, allow=None):
        message = short_message(message)
        Exception.__init__(self, '%d %s' % (status, message))
        self.status = status
        self.message = message
        self.allow = allow


def new_token():
    """Return a fresh random 40-hex-digit vendor token."""
    return binascii.hexlify(os.urandom(20)).decode('ascii')


def page(offset, limit):
    """Return ``(offset, limit)`` as integers from query text, the limit held between 5
    and 1000 (default 5) and the offset at least 0 (default 0).

    Raises :class:`FleetError` (400) for text that is not an integer.
    """
    try:
        offset = int(offset) if offset not in (None, '') else 0
        limit = int(limit) if limit not in (None, '') else DEFAULT_PAGE
    except ValueError:
        raise FleetError(400, 'offset and limit must be integers')
    return min(max(offset, 0), MAX_INT), min(max(limit, MIN_PAGE), MAX_PAGE)


def check_name(what, value):
    """Return ``value`` when it is a usable identifier (non-empty text without control
    characters, at most 256 characters); raise :class:`FleetError` (400) otherwise."""
    if not isinstance(value, str) or not value or len(value) > MAX_NAME or any(
            ord(c) < 32 or ord(c) == 127 for c in value):
        raise FleetError(400, '%s must be 1 to %d printable characters' % (what, MAX_NAME))
    return value


class Part(object):
    """Base of the fleet's parts: ``store`` (the shared :class:`~pyonep.emulator.store.Store`)
    and ``platform`` (the :class:`~pyonep.emulator.platform.Platform` whose clients devices
    become)."""

    def __init__(self, store, platform):
        self.store = store
        self.platform = platform

    def _rows(self, sql, *params):
        return self.store.execute(sql, params)

    def _exec(self, sql, *params):
        return self.store.conn.execute(sql, params)

    def now(self):
        """Return the platform clock as whole Unix seconds."""
        return self.platform.now()
