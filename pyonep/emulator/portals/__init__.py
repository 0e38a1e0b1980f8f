"""The Portals service: one domain with users, portals, devices added by model and serial
number, data sources, permissions and tokens (state and rules; ``http/portals.py`` speaks
HTTP).

- ``domain.py``: :class:`Portals`, the domain, its portals and devices;
- ``users.py``: users, passwords, sessions and permissions;
- ``accounts.py``: sign-up, password resets and the domain's vendor;
- ``data.py``: data sources and their data.
"""
from pyonep.emulator.portals.domain import Portals  # noqa: F401 - the package's interface
from pyonep.emulator.portals.users import PortalsError  # noqa: F401

__all__ = ['Portals', 'PortalsError']
