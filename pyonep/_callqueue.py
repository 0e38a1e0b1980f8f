"""The calls queued for one auth by :class:`pyonep.onep.DeferredRequests`, kept flat.

Keeping each call as a ``(method, args)`` pair would add two objects per call that Python's
cyclic garbage collector tracks, and on Python 3.11 and older the collector's full passes
over a queue of 100,000 calls, while it is being filled, made a call cost more the longer
the queue. Here a call adds no such object: its method name and argument count go to two
lists, its arguments to a third, and the argument list it came in is freed.
"""


class CallQueue(object):
    """Calls in the order queued, each a method name and its arguments. Not thread-safe by
    itself (DeferredRequests locks around it)."""

    __slots__ = ('_methods', '_counts', '_args')

    def __init__(self):
        self._methods = []
        self._counts = []  # the number of arguments of each call; -1: args kept whole
        self._args = []

    def add(self, method, args):
        """Queue one call. Arguments: method (the procedure name), args (its arguments: a list
        is kept as its items and given back as an equal new list; anything else is kept as
        it is). Returns None; raises nothing."""
        self._methods.append(method)
        if type(args) is list:
            self._counts.append(len(args))
            self._args.extend(args)
        else:
            self._counts.append(-1)
            self._args.append(args)

    def __len__(self):
        return len(self._methods)

    def pairs(self):
        """Return a new list of ``(method, args)``, oldest first."""
        pairs = []
        flat = self._args
        position = 0
        for method, count in zip(self._methods, self._counts):
            if count < 0:
                pairs.append((method, flat[position]))
                position += 1
            else:
                pairs.append((method, flat[position:position + count]))
                position += count
        return pairs
