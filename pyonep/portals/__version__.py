"""Version of the Portals bindings.

It appears on the wire: every Portals request carries ``User-Agent: Portals-Bindings-v<it>``,
so it stays what pyonep 0.13.8 sent.
"""
__version__ = '0.0.1'
