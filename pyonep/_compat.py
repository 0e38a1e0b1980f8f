"""Differences between Python 2.7 and Python 3, in one place.

The library modules import what they need from here instead of testing the interpreter
version themselves.
"""
import sys
from collections import OrderedDict

import six
from six.moves import http_client, input as read_input
from six.moves.urllib.parse import quote, urlencode as _urlencode

PY2 = six.PY2
text_type = six.text_type
string_types = six.string_types

# From Python 3.6 on, dicts keep insertion order (a language guarantee from 3.7), so
# json.dumps writes keys in the order they were set. Python 2.7 needs an OrderedDict.
DICTS_KEEP_ORDER = sys.version_info >= (3, 6)


if DICTS_KEEP_ORDER:
    def rpc_call(callid, procedure, arguments):
        """Return one JSON-RPC call object, keys in wire order (id, procedure, arguments)."""
        return {'id': callid, 'procedure': procedure, 'arguments': arguments}

    def rpc_request(auth, calls):
        """Return one JSON-RPC request object, keys in wire order (auth, calls)."""
        return {'auth': auth, 'calls': calls}

    def ordered(*pairs):
        """Return a dict with keys in the order of the given (key, value) pairs."""
        return dict(pairs)
else:
    def rpc_call(callid, procedure, arguments):
        """Return one JSON-RPC call object, keys in wire order (id, procedure, arguments)."""
        return OrderedDict((('id', callid), ('procedure', procedure), ('arguments', arguments)))

    def rpc_request(auth, calls):
        """Return one JSON-RPC request object, keys in wire order (auth, calls)."""
        return OrderedDict((('auth', auth), ('calls', calls)))

    def ordered(*pairs):
        """Return a dict with keys in the order of the given (key, value) pairs."""
        return OrderedDict(pairs)


def _form_value(value):
    if PY2 and isinstance(value, text_type):
        return value.encode('utf-8')
    return value


def urlencode(pairs):
    """Encode (name, value) pairs as an application/x-www-form-urlencoded string.

    Arguments: pairs, a list of (name, value); a value that is a list or tuple repeats the
    field once per item. Text is encoded as UTF-8 and percent-escaped (spaces become '+');
    other values are written with str(). Returns the encoded string, fields in the given order.
    """
    flat = []
    for name, value in pairs:
        if isinstance(value, (list, tuple)):
            flat.extend((name, _form_value(item)) for item in value)
        else:
            flat.append((name, _form_value(value)))
    return _urlencode(flat)


def native_str(text):
    """Return text as the interpreter's native str (UTF-8 bytes on Python 2)."""
    if PY2 and isinstance(text, text_type):
        return text.encode('utf-8')
    return text


# read_input: the prompt function (raw_input on Python 2, input on 3). http_client: the
# standard library's HTTP module (httplib on 2, http.client on 3).
__all__ = ['PY2', 'text_type', 'string_types', 'DICTS_KEEP_ORDER', 'rpc_call', 'rpc_request', 'ordered',
           'urlencode', 'native_str', 'quote', 'read_input', 'http_client']
