"""Who may do what: the auth forms (CIK, ``client_id``, ``resource_id``, token), resolving a
<ResourceID> argument with its reach check, shares (codes, activation), CIK revocation and
activation, and tokens. No HTTP.

Access rules in short: a client reaches its own subtree; ``read`` access also reaches a
resource shared with (activated by) the caller and a public resource; a token reaches only
the procedures its grant lists for the resources it covers (a grant on a client covers its
whole subtree).
"""
import json

from pyonep.emulator.platform.calls import AuthError, CallError, Caller
from pyonep.emulator.platform.constants import INT64, RID_PATTERN, dumps, is_number, new_key


class Access(object):
    """Access rules over ``tree`` (a :class:`~pyonep.emulator.platform.tree.Tree`)."""

    def __init__(self, tree):
        self.tree = tree
        self.store = tree.store
        self.clock = tree.clock

    # ------------------------------------------------------------ authentication
    def authenticate(self, auth):
        """Return the :class:`Caller` that the RPC ``auth`` object authenticates as.

        Raises :class:`AuthError` for an unknown, revoked, expired or not activated CIK,
        an unknown or expired token, a ``client_id`` outside the CIK's subtree, a
        ``resource_id`` that is not strictly below the CIK's client, or another shape.
        """
        if not isinstance(auth, dict):
            raise AuthError('auth is not an object')
        keys = set(auth)
        if keys == {'token'}:
            return self._token_caller(auth['token'])
        if 'cik' not in keys or not keys <= {'cik', 'client_id', 'resource_id'} or len(keys) > 2:
            raise AuthError('unsupported auth')
        rid = self.tree.rid_for_cik(auth['cik'])
        if rid is None:
            raise AuthError('unknown CIK')
        if 'client_id' in auth:
            target = self.tree.row(auth['client_id'])
            if target is None or target['type'] != 'client' or not self.tree.is_below(rid, target['rid']):
                raise AuthError('client_id is not in the subtree of the CIK')
            return Caller(target['rid'], via=rid)
        if 'resource_id' in auth:
            target = self.tree.row(auth['resource_id'])
            if target is None or target['rid'] == rid or not self.tree.is_below(rid, target['rid']):
                raise AuthError('resource_id is not strictly below the client of the CIK')
            return Caller(target['owner'], via=rid)
        return Caller(rid)

    def _token_caller(self, token):
        rows = self.store.execute('SELECT client, permissions, expires FROM tokens WHERE token=?',
                                  (token,)) if isinstance(token, str) else []
        if not rows:
            raise AuthError('unknown token')
        client, permissions, expires = rows[0]
        if expires is not None and self.clock() >= expires:
            raise AuthError('token expired')
        row = self.tree.row(client)
        if row is None or row['status'] != 'activated':
            raise AuthError('token client is gone')
        return Caller(client, json.loads(permissions), expires=expires)

    def check_caller(self, caller):
        """Raise AuthError when the calling client (or the client whose CIK authenticated
        for it) is gone or not activated, CallError('locked') when either is locked."""
        for rid in (caller.rid, caller.via):
            if rid is None:
                continue
            standing = self.tree.client_standing(rid)
            if standing is None or standing[0] != 'activated':
                raise AuthError('calling client is gone')
            if standing[1]:
                raise CallError('locked')

    # ------------------------------------------------------------ reach
    def resolve(self, caller, ref, procedure, access='owner'):
        """Return the row a <ResourceID> argument names, checked for ``access``.

        ``access`` is 'owner' (the resource must be in the caller's subtree) or 'read' (a
        share activated by the caller or a public resource also does). Raises
        ArgumentError for a reference of the wrong shape and CallError ('invalid' unknown,
        'restricted' out of reach or not granted to a token).
        """
        rid = self.tree.ref_rid(caller.rid, ref)
        row = self.tree.row(rid)
        if row is None:
            # the platform does not tell a RID that names nothing (a dropped resource, say)
            # from one out of reach; only a malformed id is invalid
            if RID_PATTERN.match(rid):
                raise CallError('restricted', 'resource out of reach')
            raise CallError('invalid', 'no such resource')
        if not self.tree.is_below(caller.rid, rid):
            readable = access == 'read' and (row['description'].get('public') or self.store.execute(
                'SELECT 1 FROM shares WHERE rid=? AND activator=?', (rid, caller.rid)))
            if not readable:
                raise CallError('restricted', 'resource out of reach')
        self.check_permission(caller, procedure, rid)
        return row

    def resolve_client(self, caller, ref, procedure):
        """Like :meth:`resolve` for a resource that must be a client ('invalid' otherwise)."""
        row = self.resolve(caller, ref, procedure)
        if row['type'] != 'client':
            raise CallError('invalid', 'not a client')
        return row

    def check_permission(self, caller, procedure, rid):
        """Refuse ('restricted') a token call of ``procedure`` on ``rid`` that its grant does
        not cover."""
        if caller.permissions is None:
            return
        for covering in self.tree.ancestors(rid):
            if procedure in caller.permissions.get(covering, ()):
                return
        raise CallError('restricted', 'token does not grant %s on %s' % (procedure, rid))

    # ------------------------------------------------------------ shares
    def share(self, row, sharer_rid, meta, code=None):
        """Make a share code for ``row`` (or change the meta of ``code``) and return it.
        CallError('invalid') for an unknown code."""
        conn = self.store.conn
        if code is not None:
            cursor = conn.execute('UPDATE shares SET meta=? WHERE code=? AND rid=?',
                                  (meta, code, row['rid']))
            if not cursor.rowcount:
                raise CallError('invalid', 'unknown share code')
            return code
        code = new_key()
        conn.execute('INSERT INTO shares (code, rid, sharer, meta, activator, created) '
                     'VALUES (?, ?, ?, ?, NULL, ?)', (code, row['rid'], sharer_rid, meta,
                                                       self.tree.now()))
        return code

    def share_row(self, code):
        """Return ``(rid, activator)`` of share ``code``, or None."""
        rows = self.store.execute('SELECT rid, activator FROM shares WHERE code=?', (code,)) \
            if isinstance(code, str) else []
        return tuple(rows[0]) if rows else None

    def revoke_share(self, owner_rid, code):
        """Delete share ``code``; 'invalid' when unknown, 'noauth' unless ``owner_rid`` owns
        the shared resource."""
        found = self.share_row(code)
        if found is None:
            raise CallError('invalid', 'unknown share code')
        if not self.tree.is_below(owner_rid, found[0]):
            raise CallError('noauth', 'not the owner of the shared resource')
        self.store.conn.execute('DELETE FROM shares WHERE code=?', (code,))

    def activate_share(self, client_rid, code):
        """Activate share ``code`` for ``client_rid``; 'invalid' for an unknown or activated
        code, or a resource the client already has a share of."""
        found = self.share_row(code)
        if found is None or found[1] is not None:
            raise CallError('invalid', 'unknown or already activated share code')
        if self.store.conn.execute('SELECT 1 FROM shares WHERE rid=? AND activator=?',
                                   (found[0], client_rid)).fetchall():
            raise CallError('invalid', 'a share of that resource is already activated')
        self.store.conn.execute('UPDATE shares SET activator=? WHERE code=?', (client_rid, code))

    def deactivate_share(self, client_rid, code_or_rid):
        """Withdraw the share activation of ``client_rid`` by code or shared RID; 'invalid'
        when there is none."""
        cursor = self.store.conn.execute(
            'UPDATE shares SET activator=NULL WHERE activator=? AND (code=? OR rid=?)',
            (client_rid, code_or_rid, code_or_rid))
        if not cursor.rowcount:
            raise CallError('invalid', 'no such activated share')

    # ------------------------------------------------------------ CIKs
    def _owned_client(self, owner_rid, cik):
        found = self.tree.client_by_cik(cik)
        if found is None:
            raise CallError('invalid', 'unknown CIK')
        if found[0] == owner_rid or not self.tree.is_below(owner_rid, found[0]):
            raise CallError('noauth', 'not the owner of that client')
        return found

    def revoke_cik(self, owner_rid, cik):
        """Replace the CIK ``cik`` of a client below ``owner_rid`` with a new one, to be
        activated when the old one was active."""
        rid, status = self._owned_client(owner_rid, cik)
        self.tree.set_cik(rid, new_key(), 'notactivated' if status == 'activated' else status)

    def activate_cik(self, owner_rid, cik):
        """Activate the waiting CIK ``cik`` of a client below ``owner_rid``."""
        found = self.tree.client_by_cik(cik)
        if found is None or found[1] != 'notactivated':
            raise CallError('invalid', 'unknown, activated or expired CIK')
        self._owned_client(owner_rid, cik)
        self.tree.set_status(found[0], 'activated')

    def expire_cik(self, owner_rid, cik):
        """Expire the CIK ``cik`` of a client below ``owner_rid``."""
        rid, _ = self._owned_client(owner_rid, cik)
        self.tree.set_status(rid, 'expired')

    # ------------------------------------------------------------ tokens
    def grant(self, caller, client_rid, permissions, ttl):
        """Make a token acting as ``client_rid`` for ``permissions`` (``{rid: [procedure]}``,
        resources already resolved) for ``ttl`` seconds (None: no limit) and return it.

        A calling token gives at most what it holds. Raises CallError ('restricted' beyond
        the client's subtree or the caller's token, 'invalid' for a bad ttl).
        """
        for rid in permissions:
            if not self.tree.is_below(client_rid, rid):
                raise CallError('restricted', 'a token can only reach the subtree of its client')
        if ttl is not None and (not is_number(ttl) or not 0 < ttl < INT64):
            raise CallError('invalid', 'ttl must be a positive number of seconds')
        expires = None if ttl is None else self.clock() + ttl
        if caller.permissions is not None:  # a token gives at most what it holds
            for rid, procedures in permissions.items():
                for procedure in procedures:
                    self.check_permission(caller, procedure, rid)
            if caller.expires is not None and expires is None:
                expires = caller.expires
            elif caller.expires is not None and expires > caller.expires:
                raise CallError('restricted', 'a token cannot outlive the token granting it')
        token = new_key()
        self.store.conn.execute('INSERT INTO tokens (token, client, permissions, expires) '
                                'VALUES (?, ?, ?, ?)', (token, client_rid, dumps(permissions), expires))
        return token
