"""The procedures about names, keys and sharing: map, unmap, lookup, share, revoke,
activate, deactivate, grant, tag and comment.

Each takes ``(platform, caller, args)`` and runs inside the call's transaction; see
:mod:`pyonep.emulator.platform.procedures`.
"""
from pyonep.emulator.platform.calls import (
    ArgumentError, CallError, Caller, arguments, options_of)


def map(platform, caller, args):  # noqa: A001 - the procedure's name
    """map ["alias", <ResourceID>, alias]: name a resource in the caller's alias space.

    Returns None. Status 'invalid' when the alias is empty or already used.
    """
    kind, ref, alias = arguments(args, 3)
    if kind != 'alias' or not isinstance(alias, str):
        raise ArgumentError('map takes ["alias", resource, alias string]')
    row = platform.access.resolve(caller, ref, 'map', access='read')
    platform.tree.map_alias(caller.rid, alias, row['rid'])


def _client_and_rest(platform, caller, args, kinds, procedure):
    """Split [<ClientID>, kind, value] or the deprecated [kind, value]."""
    if len(args) == 2:
        client = platform.access.resolve_client(caller, {'alias': ''}, procedure)
        kind, value = args
    else:
        ref, kind, value = arguments(args, 3)
        client = platform.access.resolve_client(caller, ref, procedure)
    if kind not in kinds:
        raise ArgumentError('%s takes one of %s' % (procedure, kinds))
    return client, kind, value


def unmap(platform, caller, args):
    """unmap [<ClientID>, "alias", alias] (or the deprecated ["alias", alias]).

    Returns None, also for an alias that is not mapped (the platform answers 'ok').
    """
    client, _, alias = _client_and_rest(platform, caller, args, ('alias',), 'unmap')
    if not isinstance(alias, str):
        raise ArgumentError('an alias is a string')
    platform.tree.unmap_alias(client['rid'], alias)


def lookup(platform, caller, args):
    """lookup [<ClientID>, "alias" | "aliased" | "owner" | "shared", value] (or the
    deprecated form). "aliased" is the same as "alias" (the platform accepts it; exoline
    sends ``["aliased", ""]`` to learn the caller's own RID).

    Returns a RID. Status 'invalid' for an unknown alias or share code, 'restricted'
    for a client asking for its own owner.
    """
    client, kind, value = _client_and_rest(
        platform, caller, args, ('alias', 'aliased', 'owner', 'shared'), 'lookup')
    if kind in ('alias', 'aliased'):
        if not isinstance(value, str):
            raise ArgumentError('an alias is a string')
        return platform.tree.alias_target(client['rid'], value)
    if kind == 'owner':
        row = platform.access.resolve(Caller(client['rid'], caller.permissions), value, 'lookup')
        if row['rid'] == client['rid']:
            raise CallError('restricted', "a client may not look up its own owner")
        return row['owner']
    found = platform.access.share_row(value)
    if found is None:
        raise CallError('invalid', 'unknown share code')
    return found[0]


def share(platform, caller, args):
    """share [<ResourceID>, {meta, code}]: make a share code (or change the meta of
    ``code``; exoline's ``share --share=<code>`` names it ``share``, which works too).

    Returns the 40-hex-digit code. Status 'invalid' for an unknown ``code`` or a meta
    that is not a string.
    """
    ref, options = arguments(args, 1, 2)
    options = options_of(options)
    row = platform.access.resolve(caller, ref, 'share')
    if 'share' in options and 'code' not in options:
        options = dict(options, code=options['share'])
    meta = options.get('meta', '')
    if not isinstance(meta, str):
        raise CallError('invalid', 'meta must be a string')
    if 'code' in options and not isinstance(options['code'], str):
        raise CallError('invalid', 'code must be a share code string')
    return platform.access.share(row, caller.rid, meta, options.get('code'))


def revoke(platform, caller, args):
    """revoke ["client" | "share", code]: a revoked CIK is replaced by a new one (to be
    activated if the old one was); a revoked share code is deleted.

    Returns None. Status 'invalid' for an unknown code, 'noauth' when the caller does
    not own what the code is for.
    """
    kind, code = arguments(args, 2)
    if kind not in ('client', 'share') or not isinstance(code, str):
        raise ArgumentError('revoke takes ["client" | "share", code]')
    platform.access.check_permission(caller, 'revoke', caller.rid)
    if kind == 'share':
        platform.access.revoke_share(caller.rid, code)
    else:
        platform.access.revoke_cik(caller.rid, code)


def activate(platform, caller, args):
    """activate [<ClientID>, "client" | "share", code] (or the deprecated [kind, code]).

    Returns None. Status 'invalid' for an unknown code, a CIK that is not waiting for
    activation, or a share already activated (by anyone, or by this client for the same
    resource); 'noauth' for a CIK of a client the caller does not own.
    """
    client, kind, code = _client_and_rest(platform, caller, args, ('client', 'share'), 'activate')
    if kind == 'client':
        platform.access.activate_cik(client['rid'], code)
    else:
        platform.access.activate_share(client['rid'], code)


def deactivate(platform, caller, args):
    """deactivate [<ClientID>, "client" | "share", code] (or the deprecated [kind, code]):
    a CIK expires; a share activation (by code or shared RID) is withdrawn.

    Returns None. Status 'invalid' for an unknown code, 'noauth' for a CIK of a client
    the caller does not own.
    """
    client, kind, code = _client_and_rest(platform, caller, args, ('client', 'share'), 'deactivate')
    if kind == 'client':
        platform.access.expire_cik(client['rid'], code)
        return
    if not isinstance(code, str):
        raise ArgumentError('a share code or RID is a string')
    platform.access.deactivate_share(client['rid'], code)


def grant(platform, caller, args):
    """grant [<ResourceID>, {rid: [procedure, ...]}, {"ttl": seconds}]: make a token that
    acts as the given client (the owner, for another resource type), only for the
    listed procedures on the listed resources, until ``ttl`` seconds pass (forever
    without it).

    A token calling grant gives at most what it holds: every listed procedure on every
    listed resource must be one it may run there, and the new token expires no later
    than the calling token (without a ``ttl`` it expires with it).

    Returns the 40-hex-digit token. Status 'restricted' for a resource outside that
    client's subtree, or beyond what a calling token holds; 'invalid' for a ttl that
    is not a positive number.
    """
    ref, permissions, options = arguments(args, 2, 3)
    options = options_of(options)
    access = platform.access
    row = access.resolve(caller, ref, 'grant')
    client = row['rid'] if row['type'] == 'client' else row['owner']
    if not isinstance(permissions, dict) or not all(
            isinstance(v, list) and all(isinstance(p, str) for p in v)
            for v in permissions.values()):
        raise ArgumentError('permissions map a resource ID to a list of procedure names')
    granted = {}
    for rid, procedures in permissions.items():
        target = access.resolve(caller, rid, 'grant')
        if not platform.tree.is_below(client, target['rid']):
            raise CallError('restricted', 'a token can only reach the subtree of its client')
        granted[target['rid']] = sorted(set(procedures))
    return access.grant(caller, client, granted, options.get('ttl'))


def tag(platform, caller, args):
    """tag [<ResourceID>, "add" | "remove", tag]: tags show in info and filter listing.

    Returns None. Status 'restricted' for a resource out of reach.
    """
    ref, action, name = arguments(args, 3)
    if action not in ('add', 'remove') or not isinstance(name, str):
        raise ArgumentError('tag takes [resource, "add" | "remove", tag string]')
    row = platform.access.resolve(caller, ref, 'tag', access='read')
    if action == 'add':
        platform.store.conn.execute('INSERT OR IGNORE INTO tags (rid, tag, tagger) VALUES (?, ?, ?)',
                                    (row['rid'], name, caller.rid))
    else:
        platform.store.conn.execute('DELETE FROM tags WHERE rid=? AND tag=? AND tagger=?',
                                    (row['rid'], name, caller.rid))


def comment(platform, caller, args):
    """comment [<ResourceID>, "public" | "private", text] (deprecated but accepted); shown
    by info's ``comments``.

    Returns None. Status 'restricted' for a resource out of reach.
    """
    ref, visibility, text = arguments(args, 3)
    if visibility not in ('public', 'private') or not isinstance(text, str):
        raise ArgumentError('comment takes [resource, "public" | "private", text]')
    row = platform.access.resolve(caller, ref, 'comment', access='read')
    platform.store.conn.execute('INSERT INTO comments (rid, author, visibility, text, created) '
                                'VALUES (?, ?, ?, ?, ?)', (row['rid'], caller.rid, visibility, text,
                                                          platform.now()))
