"""Helpers for Portals device objects.

Portals keeps a device's ``info.description.meta`` as a JSON-encoded string; these turn it
into a Python object and back, in place.
"""
from __future__ import print_function

import json

from pyonep._compat import string_types


def _description(device_object):
    """Return the ``info.description`` dict of a device object, or None when it has none."""
    try:
        description = device_object['info']['description']
    except (KeyError, TypeError, IndexError):
        return None
    return description if isinstance(description, dict) else None


def dictify_device_meta(device_object):
    """Parse a device object's ``info.description.meta`` from a JSON string, in place.

    Arguments: device_object, a Portals device object (a dict).
    Returns: the same object, its meta now a Python object (usually a dict). A meta that is
    not a string, and an object with no ``info.description.meta``, are left as they are.
    A meta string that is not JSON is left as it is and ``dictify: <parser error>`` is
    printed, as pyonep 0.13.8 did. Raises nothing.
    """
    description = _description(device_object)
    if description is not None and isinstance(description.get('meta'), string_types):
        try:
            description['meta'] = json.loads(description['meta'])
        except ValueError as err:
            print('dictify: {0}'.format(err))
    return device_object


def stringify_device_meta(device_object):
    """Encode a device object's ``info.description.meta`` dict as a JSON string, in place:
    the undo of :func:`dictify_device_meta`.

    Arguments: device_object, a Portals device object (a dict).
    Returns: the same object. A meta that is not a dict, and an object with no
    ``info.description.meta``, are left as they are. A dict that cannot be encoded
    (e.g. one that contains itself) is left as it is and ``stringify: <error>`` is printed,
    as pyonep 0.13.8 did. Raises TypeError for a dict holding values JSON cannot encode.
    """
    description = _description(device_object)
    if description is not None and isinstance(description.get('meta'), dict):
        try:
            description['meta'] = json.dumps(description['meta'])
        except ValueError as err:
            print('stringify: {0}'.format(err))
    return device_object
