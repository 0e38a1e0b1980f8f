"""The procedures that shape the resource tree: create, move, update, drop, listing.

Each takes ``(platform, caller, args)`` and runs inside the call's transaction; see
:mod:`pyonep.emulator.platform.procedures`.
"""
import json

from pyonep.emulator.platform.calls import (
    ArgumentError, CallError, Partial, arguments, options_of)
from pyonep.emulator.platform.constants import TYPES
from pyonep.emulator.platform.descriptions import client_desc, data_desc


def readable_rid(platform, caller):
    """Return ``resolve(ref, procedure)`` giving the RID of a resource ``caller`` may read
    (what descriptions need for ``subscribe`` and preprocess operands)."""
    return lambda ref, procedure: platform.access.resolve(caller, ref, procedure, access='read')['rid']


def create(platform, caller, args):
    """create [<ResourceID>,] type, description: a client, dataport, datarule, dispatch or
    clone under the given client (the caller when the first argument is the type).

    Returns the new RID. A clone's top client starts 'notactivated': its owner activates
    it with ``activate ["client", <its CIK>]``. Status 'invalid' for an unknown type or a
    bad description, 'restricted' for a parent or clone source out of reach.
    """
    if args and isinstance(args[0], str) and args[0] in TYPES + ('clone',):
        parent, (rtype, desc) = {'alias': ''}, arguments(args, 1, 2)
    else:
        parent, rtype, desc = arguments(args, 2, 3)
    owner = platform.access.resolve_client(caller, parent, 'create')
    desc = {} if desc is None else desc
    if not isinstance(desc, dict):
        raise ArgumentError('description must be an object')
    tree = platform.tree
    if rtype == 'client':
        return tree.insert(owner['rid'], 'client', client_desc(desc))[0]
    if rtype == 'clone':
        if 'code' in desc:
            if not isinstance(desc['code'], str):
                raise CallError('invalid', 'code must be a share code string')
            found = platform.access.share_row(desc['code'])
            if found is None or found[1] is not None or 'rid' in desc:
                raise CallError('invalid', 'unknown or activated share code')
            source = found[0]
        else:
            source = platform.access.resolve(caller, desc.get('rid'), 'create')['rid']
        rid, _ = tree.clone(source, owner['rid'], not desc.get('noaliases', False), True,
                            not desc.get('nohistorical', False), None)
        # the copy waits for its owner to activate its CIK (activate ["client", cik])
        tree.set_status(rid, 'notactivated')
        return rid
    if rtype not in TYPES:
        raise CallError('invalid', 'unknown resource type')
    desc = data_desc(rtype, desc, readable_rid(platform, caller))
    return tree.insert(owner['rid'], rtype, desc)[0]


def move(platform, caller, args):
    """move [<ResourceID>, <DestinationClientID>, {aliases}]: give a resource a new owner;
    the old owner's aliases for it move along (``aliases`` true, the default) or go, and
    former ancestors that no longer reach the moved subtree lose their aliases into it.

    Returns None. Status 'invalid' for moving the caller or into the resource's own
    subtree, 'restricted' when either side is out of reach.
    """
    ref, dest, options = arguments(args, 2, 3)
    options = options_of(options)
    row = platform.access.resolve(caller, ref, 'move')
    target = platform.access.resolve_client(caller, dest, 'move')
    if row['rid'] == caller.rid or platform.tree.is_below(row['rid'], target['rid']):
        raise CallError('invalid', 'a resource cannot move itself or into its own subtree')
    platform.tree.move(row, target['rid'], options.get('aliases', True))


def update(platform, caller, args):
    """update [<ResourceID>, description]: change fields of the description.

    Returns None. Status 'invalid' for bad fields or a format change, 'restricted'
    for the caller itself or a resource out of reach.
    """
    ref, desc = arguments(args, 2)
    row = platform.access.resolve(caller, ref, 'update')
    if row['rid'] == caller.rid:
        raise CallError('restricted', 'a resource may not update itself')
    if not isinstance(desc, dict):
        raise ArgumentError('description must be an object')
    if row['type'] == 'client':
        new = client_desc(desc, base=row['description'])
    else:
        new = data_desc(row['type'], desc, readable_rid(platform, caller), base=row['description'])
    platform.tree.set_description(row['rid'], new)
    if row['type'] == 'datarule' and new.get('rule') != row['description'].get('rule'):
        platform.flow.reset_rule(row)


def drop(platform, caller, args):
    """drop [<ResourceID>]: delete the resource and its whole subtree.

    Returns None. Status 'restricted' for the caller itself or a resource out of reach.
    """
    ref, = arguments(args, 1)
    row = platform.access.resolve(caller, ref, 'drop')
    if row['rid'] == caller.rid:
        raise CallError('restricted', 'a client cannot drop itself')
    platform.tree.drop(row['rid'])


def listing(platform, caller, args):
    """listing [<ResourceID>, types, options] (or the deprecated [types] / [types, options]).

    Returns {type: [rid, ...]}, or a list of lists in the order of ``types`` when the
    options are left out (the deprecated form: [types] or [<ResourceID>, types]). Status
    'error' for an unknown type, with a message naming it as the result.
    """
    access = platform.access
    if args and isinstance(args[0], list):
        types, options = arguments(args, 1, 2)
        client = access.resolve_client(caller, {'alias': ''}, 'listing')
        deprecated = len(args) == 1
    else:
        ref, types, options = arguments(args, 2, 3)
        client = access.resolve_client(caller, ref, 'listing')
        deprecated = len(args) == 2
    if not isinstance(types, list):
        raise ArgumentError('types must be a list')
    bad = [t for t in types if t not in TYPES]
    if bad:
        return Partial('error', 'unknown resource types: %s' % ', '.join(map(str, bad)))
    options = options_of(options)
    if not any(options.get(k) for k in ('owned', 'activated', 'aliased', 'public')):
        options = dict(options, owned=True)
    conn = platform.store.conn
    found = []
    if options.get('owned'):
        found += conn.execute('SELECT rid FROM resources WHERE owner=? ORDER BY id',
                              (client['rid'],)).fetchall()
    if options.get('activated'):
        found += conn.execute('SELECT rid FROM shares WHERE activator=? ORDER BY created',
                              (client['rid'],)).fetchall()
    if options.get('aliased'):
        found += conn.execute('SELECT DISTINCT rid FROM aliases WHERE client=? ORDER BY alias',
                              (client['rid'],)).fetchall()
    if options.get('public'):  # the text search is a prefilter: "public" may be nested
        found += [(rid,) for rid, desc in conn.execute(
            "SELECT rid, description FROM resources WHERE description LIKE '%\"public\":true%' "
            'ORDER BY id').fetchall() if json.loads(desc).get('public') is True]
    tagged = options.get('tagged')
    if tagged is not None:
        if not isinstance(tagged, list) or not all(isinstance(t, str) for t in tagged):
            raise ArgumentError('tagged must be a list of tags')
        marks = ','.join('?' * len(tagged)) or 'NULL'
        with_tags = set(r for (r,) in conn.execute(
            'SELECT rid FROM tags WHERE tag IN (%s)' % marks, tagged).fetchall())
        found = [f for f in found if f[0] in with_tags]
    by_type = dict((t, []) for t in types)
    seen = set()
    for (rid,) in found:
        row = platform.tree.row(rid)
        if rid in seen or row is None or row['type'] not in by_type:
            continue
        if row['type'] == 'client' and rid == client['rid']:
            continue
        seen.add(rid)
        by_type[row['type']].append(rid)
    if deprecated:
        return [by_type[t] for t in types]
    return by_type
