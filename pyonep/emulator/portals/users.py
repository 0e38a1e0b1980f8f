"""Users of the emulated Portals domain: accounts, passwords, tokens and permissions
(state and rules only; ``portals_api.py`` speaks HTTP).

Everything lives in the shared :class:`~pyonep.emulator.store.Store` (tables
``portals_users``, ``portals_tokens``, ``portals_permissions``), so a file database keeps
it across restarts. A rule that refuses a request raises :class:`PortalsError`, whose
``status`` is the HTTP status the Portals API answers.

How the emulator models Portals users:

- A user has a numeric id (ten digits, as text), an e-mail address (unique in the domain,
  any case), a user name (the e-mail address unless given), a full name, a phone number,
  ``meta`` (any JSON value) and a One Platform client under the domain's client (the
  account's ``rid``). Passwords are kept as salted PBKDF2 hashes.
- A user authenticates with HTTP basic auth (e-mail address or user name, and password)
  or with a token from ``GET /users/{id}/token``, which stays valid for 30 days of the
  platform clock.
- A permission is ``(access, object type, object id)`` held by a user. The object types
  are ``Domain``, ``Portal``, ``Device`` and ``DataSource`` (``Group`` and ``User`` are
  refused: the emulator has no groups). Which access strings each type takes is in
  :data:`ACCESS`; what they allow is decided by :mod:`pyonep.emulator.portals`, which
  knows the objects.
"""
import base64
import binascii
import hashlib
import hmac
import json
import os
import random
import re
import sqlite3

from pyonep.emulator.fleet.common import short_message

SCHEMA = """
CREATE TABLE IF NOT EXISTS portals_users (
    id TEXT PRIMARY KEY, email TEXT UNIQUE NOT NULL COLLATE NOCASE, user_name TEXT NOT NULL,
    full_name TEXT NOT NULL, phone TEXT NOT NULL, meta TEXT NOT NULL, salt TEXT NOT NULL,
    hash TEXT NOT NULL, rid TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS portals_tokens (
    token TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS portals_permissions (
    user_id TEXT NOT NULL, access TEXT NOT NULL, type TEXT NOT NULL, oid TEXT NOT NULL,
    PRIMARY KEY (user_id, type, oid, access));
CREATE INDEX IF NOT EXISTS portals_permissions_oid ON portals_permissions (type, oid);
"""

#: The access strings each object type of a permission takes.
ACCESS = {
    'Domain': ('___admin', 'd_s_cont', 'd_s_crea', 'd_p_list', 'd_p_crea', 'd_u_list',
               'd_u_view', 'd_____fs'),
    'Portal': ('___admin', 'p_manage', 'p_m_crea', 'p___view', 'p_contac'),
    'Device': ('___admin', 'd_update', 'd___view'),
    'DataSource': ('___admin', 'd__write', 'd___read'),
}
#: What a domain access string also grants (``___admin`` grants everything).
DOMAIN_IMPLIES = {'d_u_list': ('d_u_view',), 'd_p_list': ('d_p_crea',)}
TOKEN_DAYS = 30
PBKDF2_ROUNDS = 2000
MAX_TEXT = 255
MAX_META = 2 * 1024 * 1024
THIS = '_this'


class PortalsError(Exception):
    """A Portals rule refused a request.

    Attributes: ``status`` (the HTTP status to answer), ``message`` (a short text) and
    ``errors`` (the error identifiers some endpoints document, e.g. ``['invalid_sn']``,
    or None).
    """

    def __init__(self, status, message, errors=None):
        message = short_message(message)
        Exception.__init__(self, '%d %s' % (status, message))
        self.status = status
        self.message = message
        self.errors = errors


def new_id(taken):
    """Return a ten-digit numeric id (text) for which ``taken(id)`` is false."""
    rand = random.SystemRandom()
    while True:
        candidate = str(rand.randrange(10 ** 9, 10 ** 10))
        if not taken(candidate):
            return candidate


def short_text(what, value, allow_empty=True):
    """Return ``value`` when it is text of at most 255 characters without control
    characters (and not empty unless ``allow_empty``); raise :class:`PortalsError` 400."""
    if not isinstance(value, str) or len(value) > MAX_TEXT or (not value and not allow_empty) \
            or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise PortalsError(400, '%s must be text of %d to %d printable characters'
                           % (what, 0 if allow_empty else 1, MAX_TEXT))
    return value


def check_email(value):
    """Return ``value`` when it looks like an e-mail address usable as a login (one "@",
    no ":" or white space, at most 255 characters); raise :class:`PortalsError` 400."""
    short_text('email', value, allow_empty=False)
    if not re.match(r'^[^@\s:]+@[^@\s:]+$', value):
        raise PortalsError(400, 'email must be an e-mail address (without ":")')
    return value


def hash_password(password, salt):
    """Return the hex PBKDF2-SHA256 hash of ``password`` (text) with ``salt`` (hex text)."""
    return binascii.hexlify(hashlib.pbkdf2_hmac(
        'sha256', password.encode('utf-8'), binascii.unhexlify(salt), PBKDF2_ROUNDS)).decode('ascii')


class Users(object):
    """The users of the Portals domain, their tokens and their permissions.

    Arguments: ``store`` (the shared :class:`~pyonep.emulator.store.Store`), ``platform``
    (the :class:`~pyonep.emulator.platform.Platform`, for the clock and the users' clients)
    and ``domain_rid`` (the domain's client, under which each user gets one). Creates the
    tables when missing.

    A user is handed around as a dict: ``id``, ``email``, ``user_name``, ``full_name``,
    ``phone``, ``meta`` (decoded) and ``rid``.
    """

    def __init__(self, store, platform, domain_rid):
        self.store = store
        self.platform = platform
        self.domain_rid = domain_rid
        store.ensure_schema(SCHEMA)

    # ------------------------------------------------------------------ accounts
    def _user_rows(self, where, *params):
        rows = self.store.execute('SELECT id, email, user_name, full_name, phone, meta, rid '
                                  'FROM portals_users ' + where, params)
        keys = ('id', 'email', 'user_name', 'full_name', 'phone', 'meta', 'rid')
        users = [dict(zip(keys, row)) for row in rows]
        for user in users:
            user['meta'] = json.loads(user['meta'])
        return users

    def get(self, user_id):
        """Return the user whose id is ``user_id`` (text), or None."""
        found = self._user_rows('WHERE id=?', user_id) if isinstance(user_id, str) else []
        return found[0] if found else None

    def by_email(self, email):
        """Return the user whose e-mail address is ``email`` (any case), or None."""
        found = self._user_rows('WHERE email=?', email) if isinstance(email, str) else []
        return found[0] if found else None

    def all(self):
        """Return every user, oldest first."""
        return self._user_rows('ORDER BY rowid')

    def resolve(self, caller, user_id):
        """Return the user ``user_id`` names (``_this`` is ``caller``); raise
        :class:`PortalsError` 404 when there is none."""
        if user_id == THIS:
            return caller
        user = self.get(user_id)
        if user is None:
            raise PortalsError(404, 'no user %r in this domain' % (user_id,))
        return user

    def create(self, email, password=None, user_name=None, full_name='', phone='', meta=None):
        """Create a user and return it (see the class docstring for the dict).

        ``password`` None gives a random one (which nobody learns: the emulator sends no
        e-mail). ``user_name`` defaults to ``email``. Raises :class:`PortalsError` 400 for
        a bad field, 409 when the e-mail address (or user name) is taken.
        """
        check_email(email)
        if password is None:
            password = binascii.hexlify(os.urandom(16)).decode('ascii')
        short_text('password', password, allow_empty=False)
        user_name = short_text('userName', email if user_name in (None, '') else user_name)
        short_text('fullName', full_name)
        short_text('phoneNumber', phone)
        meta_text = json.dumps(meta)
        if len(meta_text) > MAX_META:
            raise PortalsError(400, 'meta must be under 2 MB as JSON')
        salt = binascii.hexlify(os.urandom(16)).decode('ascii')
        with self.store.transaction() as conn:
            if conn.execute('SELECT 1 FROM portals_users WHERE email=? OR user_name=? OR email=? '
                            'OR user_name=?', (email, email, user_name, user_name)).fetchall():
                raise PortalsError(409, 'the email already has an account in this domain')
            rid, _ = self.platform.create_client(self.domain_rid, {
                'name': email, 'limits': {'client': 'inherit', 'dataport': 'inherit',
                                          'datarule': 'inherit', 'dispatch': 'inherit'}})
            user_id = new_id(self.get)
            try:
                conn.execute('INSERT INTO portals_users (id, email, user_name, full_name, phone, '
                             'meta, salt, hash, rid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
                             (user_id, email, user_name, full_name, phone, meta_text, salt,
                              hash_password(password, salt), rid))
            except sqlite3.IntegrityError:
                raise PortalsError(409, 'the email already has an account in this domain')
        return self.get(user_id)

    def delete(self, user):
        """Delete ``user`` with its tokens, permissions and client (and so the portals and
        devices under it)."""
        with self.store.transaction() as conn:
            for table, column in (('portals_users', 'id'), ('portals_tokens', 'user_id'),
                                  ('portals_permissions', 'user_id')):
                conn.execute('DELETE FROM %s WHERE %s=?' % (table, column), (user['id'],))
            if self.platform.client_status(user['rid']) is not None:
                self.platform.drop(user['rid'])

    # ------------------------------------------------------------------ authentication
    def check_password(self, login, password):
        """Return the user whose e-mail address or user name is ``login`` when
        ``password`` is theirs; raise :class:`PortalsError` 401 otherwise."""
        rows = self.store.execute('SELECT id, salt, hash FROM portals_users WHERE email=? OR '
                                  'user_name=? ORDER BY email=? DESC', (login, login, login))
        for user_id, salt, stored in rows[:1]:
            if hmac.compare_digest(hash_password(password, salt), stored):
                return self.get(user_id)
        raise PortalsError(401, 'wrong e-mail address or password')

    def new_token(self, user):
        """Make a token that authenticates as ``user`` for 30 days and return it."""
        token = base64.urlsafe_b64encode(os.urandom(24)).decode('ascii')
        with self.store.transaction() as conn:
            conn.execute('DELETE FROM portals_tokens WHERE expires<=?', (self.platform.now(),))
            conn.execute('INSERT INTO portals_tokens (token, user_id, expires) VALUES (?, ?, ?)',
                         (token, user['id'], self.platform.now() + TOKEN_DAYS * 86400))
        return token

    def check_token(self, token):
        """Return the user a token authenticates as; raise :class:`PortalsError` 401 for an
        unknown or expired token."""
        rows = self.store.execute('SELECT user_id, expires FROM portals_tokens WHERE token=?', (token,))
        if not rows or rows[0][1] <= self.platform.now():
            raise PortalsError(401, 'unknown or expired token')
        user = self.get(rows[0][0])
        if user is None:
            raise PortalsError(401, 'unknown or expired token')
        return user

    # ------------------------------------------------------------------ permissions
    def permissions(self, user, types=None):
        """Return ``user``'s permission objects (``{"access", "oid": {"id", "type"}}``),
        oldest first, only those of the object ``types`` (a list) when given."""
        rows = self.store.execute('SELECT access, type, oid FROM portals_permissions WHERE user_id=? '
                                  'ORDER BY rowid', (user['id'],))
        return [{'access': a, 'oid': {'id': o, 'type': t}} for a, t, o in rows
                if types is None or t in types]

    def accesses(self, user, otype, oid):
        """Return the set of access strings ``user`` holds on object ``otype``/``oid``."""
        return set(a for (a,) in self.store.execute(
            'SELECT access FROM portals_permissions WHERE user_id=? AND type=? AND oid=?',
            (user['id'], otype, oid)))

    def holders(self, otype, oid):
        """Return ``(user id, access)`` of every permission on object ``otype``/``oid``."""
        return self.store.execute('SELECT user_id, access FROM portals_permissions WHERE type=? '
                                  'AND oid=? ORDER BY rowid', (otype, oid))

    def grant(self, user, access, otype, oid):
        """Give ``user`` the permission (does nothing when it is held already)."""
        with self.store.transaction() as conn:
            conn.execute('INSERT OR IGNORE INTO portals_permissions (user_id, access, type, oid) '
                         'VALUES (?, ?, ?, ?)', (user['id'], access, otype, oid))

    def revoke(self, user, access, otype, oid):
        """Take the permission from ``user``; return True when it was held."""
        with self.store.transaction() as conn:
            return conn.execute('DELETE FROM portals_permissions WHERE user_id=? AND access=? AND '
                                'type=? AND oid=?', (user['id'], access, otype, oid)).rowcount > 0

    def forget_object(self, otype, oid):
        """Delete every permission on object ``otype``/``oid`` (it no longer exists)."""
        with self.store.transaction() as conn:
            conn.execute('DELETE FROM portals_permissions WHERE type=? AND oid=?', (otype, oid))


def parse_permissions(value):
    """Return a list of ``(access, type, id)`` from a JSON list of permission objects;
    raise :class:`PortalsError` 400 for anything else (an empty list included)."""
    if not isinstance(value, list) or not value:
        raise PortalsError(400, 'the body must be a non-empty list of permission objects')
    out = []
    for item in value:
        oid = item.get('oid') if isinstance(item, dict) else None
        if not isinstance(oid, dict) or set(item) - {'access', 'oid'}:
            raise PortalsError(400, 'a permission is {"access": ..., "oid": {"id": ..., "type": ...}}')
        access, otype, ident = item.get('access', '___admin'), oid.get('type'), oid.get('id')
        if isinstance(ident, int) and not isinstance(ident, bool):
            ident = str(ident)
        if otype not in ACCESS:
            raise PortalsError(400, 'permission object type must be one of %s (the emulator has '
                               'no groups)' % ', '.join(sorted(ACCESS)))
        if access not in ACCESS[otype]:
            raise PortalsError(400, 'access %r does not apply to a %s' % (access, otype))
        if not isinstance(ident, str) or not ident or len(ident) > MAX_TEXT:
            raise PortalsError(400, 'a permission object id is a non-empty string')
        out.append((access, otype, ident))
    return out
