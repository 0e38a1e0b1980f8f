"""Exceptions raised by pyonep.

Every exception of the library derives from :class:`OneException`, so one ``except`` clause
catches them all.
"""


class OneException(Exception):
    """Base class of every pyonep exception.

    Raised as such by the :class:`pyonep.onep.OnepV1` API methods and
    :meth:`pyonep.onep.OnepV1.send_deferred` when a JSON-RPC reply is valid JSON but neither
    a list of results nor an error object ("Unknown error").
    """


class OnePlatformException(OneException):
    """The One Platform answered with an error, or with a reply that cannot be understood.

    Raised by the :class:`pyonep.onep.OnepV1` API methods and
    :meth:`pyonep.onep.OnepV1.send_deferred`. Its message is the platform's error object (as
    Python text, e.g. ``{'code': 401, 'message': 'Invalid', 'context': 'auth'}``) or names
    the problem with the reply, e.g. "Exception while parsing JSON response: <body>".
    """


class JsonRPCRequestException(OneException):
    """A JSON-RPC request could not be made (refused, reset, timed out, name not resolved),
    or there was nothing to send ("No deferred requests to send.").

    Raised by the :class:`pyonep.onep.OnepV1` API methods and
    :meth:`pyonep.onep.OnepV1.send_deferred`. The message is "Failed to make http request:
    <reason>", the reason being the text of the network library's exception.
    """


class JsonRPCResponseException(OneException):
    """A JSON-RPC response was unusable. Never raised by this library: kept so that programs
    written for pyonep 0.13.8 that import or catch it keep working."""


class JsonStringException(OneException):
    """A JSON string could not be handled. Never raised by this library: kept so that
    programs written for pyonep 0.13.8 that import or catch it keep working."""


class PortalsResponseException(OneException, ValueError):
    """A Portals API reply had a success status but could not be used: its body is not JSON,
    or it lacks a field the method needs (e.g. a portal object without ``info.key``).

    Raised by the :mod:`pyonep.portals` methods. It is also a ``ValueError``, the exception
    that pyonep 0.13.8 let escape for a body that is not JSON, so handlers written for 0.13.8
    still catch it. Attribute ``response``: the ``requests.Response`` of the reply.
    """

    def __init__(self, message, response=None):
        OneException.__init__(self, message)
        self.response = response


class ProvisionException(OneException):
    """A provisioning request got an HTTP status of 400 or more.

    Raised only by a :class:`pyonep.provision.Provision` made with
    ``raise_api_exceptions=True``.

    Arguments: provision_response, the :class:`pyonep.provision.ProvisionResponse` of the
    failed request; it is kept as the ``response`` attribute. ``str()`` of the exception is
    ``"<status> <reason>"``, e.g. ``"404 Not Found"``.
    """

    def __init__(self, provision_response):
        self.response = provision_response
        OneException.__init__(self, self._message())

    def _message(self):
        return '{0} {1}'.format(self.response.status(), self.response.reason())

    def __str__(self):
        return self._message()
