"""pyonep: Python client for Exosite's One Platform (a drop-in for pyonep 0.13.8).

``OnepV1`` speaks the JSON-RPC API, ``Provision`` the provisioning REST API; both share the
HTTP transport in ``pyonep.onephttp``. ``pyonep.emulator`` is a local One Platform for tests.
"""
__version__ = '0.14.0'

from pyonep.onep import DeferredRequests, OnepV1  # noqa: E402
from pyonep.provision import Provision  # noqa: E402

__all__ = ['__version__', 'OnepV1', 'DeferredRequests', 'Provision']
