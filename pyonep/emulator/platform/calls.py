"""What a procedure call is and how it fails: the caller it runs as (:class:`Caller`), the
errors the rule modules raise, a non-'ok' outcome (:class:`Partial`), and the argument
checks every procedure starts with."""


class PlatformError(Exception):
    """Base class of the errors the platform raises."""


class AuthError(PlatformError):
    """The ``auth`` of a request does not authenticate (the RPC 401 error object)."""


class ArgumentError(PlatformError):
    """A procedure got arguments of the wrong number or shape (RPC error 501, "arguments")."""


class UnknownProcedure(PlatformError):
    """The procedure named by a call does not exist (RPC error 501, "procedure")."""


class CallError(PlatformError):
    """A call failed with a platform status such as 'invalid', 'restricted' or 'noauth'.

    Attribute ``status`` holds the status string the RPC reply carries.
    """

    def __init__(self, status, message=None):
        PlatformError.__init__(self, message or status)
        self.status = status


class Caller(object):
    """Who a call runs as: ``rid`` of the calling client, ``permissions`` (None for a CIK,
    or the ``{rid: [procedure, ...]}`` of a token), ``via`` (the client whose CIK
    authenticated a ``client_id`` or ``resource_id`` auth, else None) and ``expires`` (the
    Unix time a token stops working, None for a CIK or a token without a ttl)."""

    def __init__(self, rid, permissions=None, via=None, expires=None):
        self.rid = rid
        self.permissions = permissions
        self.via = via
        self.expires = expires


class Partial(object):
    """A procedure outcome whose status is not 'ok': ``status`` (a string, or recordbatch's
    list of bad entries) and the ``result`` to send with it (None for none)."""

    def __init__(self, status, result=None):
        self.status = status
        self.result = result


def arguments(args, low, high=None):
    """Return ``args`` padded with None to ``high`` items (``low`` when ``high`` is None).

    Raises :class:`ArgumentError` unless ``low <= len(args) <= high``.
    """
    high = low if high is None else high
    if not low <= len(args) <= high:
        raise ArgumentError('expected %d to %d arguments' % (low, high))
    return list(args) + [None] * (high - len(args))


def options_of(value):
    """Return an options argument as a dict (``{}`` for None).

    Raises :class:`ArgumentError` for anything but None or an object.
    """
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ArgumentError('options must be an object')
    return value
