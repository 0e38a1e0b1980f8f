"""pyonep: Python client for Exosite's One Platform (a drop-in for pyonep 0.13.8)."""
__version__ = '0.14.0'
