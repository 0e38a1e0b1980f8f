"""Constants of the Portals bindings: the HTTP statuses the Portals API answers with, and
the default time a request may take."""


class HTTP_STATUS(object):
    """Names for the HTTP status codes the Portals methods check.

    ``OK`` 200, ``ADDED`` 201, ``ACCEPTED`` 202, ``NO_CONTENT`` 204, ``PARTIAL_CONTENT`` 206,
    ``BAD_REQ`` 400, ``UNAUTH`` 401, ``NO_USER`` 404, ``CONFLICT`` 409.
    """
    OK = 200
    ADDED = 201
    ACCEPTED = 202
    NO_CONTENT = 204
    PARTIAL_CONTENT = 206
    BAD_REQ = 400
    UNAUTH = 401
    NO_USER = 404
    CONFLICT = 409


# Seconds to wait for the connection and for each read of a Portals reply. pyonep 0.13.8
# waited forever; ``Endpoints.set_timeout(None)`` does that again.
DEFAULT_TIMEOUT = 30

# Where a Portals API lives on a domain: https://<domain><PORTALS_API_PATH>.
PORTALS_API_PATH = '/api/portals/v1'
