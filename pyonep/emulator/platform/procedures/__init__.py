"""The 24 JSON-RPC procedures, each a function ``procedure(platform, caller, args)``.

A procedure checks its arguments and calls the rules of the platform's concepts
(``platform.tree``, ``platform.access``, ``platform.series``, ``platform.flow``). It runs
inside the call's transaction (``wait`` excepted) and returns the result (None when the
procedure has none) or a :class:`~pyonep.emulator.platform.calls.Partial`, or raises
:class:`~pyonep.emulator.platform.calls.CallError` (its status is the call's) or
:class:`~pyonep.emulator.platform.calls.ArgumentError` (RPC error 501 "arguments").

To add a procedure: write the function in the module of its concept and list it here.
"""
from pyonep.emulator.platform.procedures import data, info, keys, resources

PROCEDURES = {
    'read': data.read, 'write': data.write, 'writegroup': data.writegroup,
    'record': data.record, 'recordbatch': data.recordbatch, 'flush': data.flush,
    'wait': data.wait,
    'create': resources.create, 'move': resources.move, 'update': resources.update,
    'drop': resources.drop, 'listing': resources.listing,
    'info': info.info, 'usage': info.usage,
    'map': keys.map, 'unmap': keys.unmap, 'lookup': keys.lookup, 'share': keys.share,
    'revoke': keys.revoke, 'activate': keys.activate, 'deactivate': keys.deactivate,
    'grant': keys.grant, 'tag': keys.tag, 'comment': keys.comment,
}

# Procedures that run outside the call's transaction (they block until something happens).
OUTSIDE_TRANSACTION = ('wait',)
