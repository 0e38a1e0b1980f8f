"""The JSON-RPC endpoint: a request body in, the platform's reply out.

:func:`process` turns one request body into calls of
:meth:`pyonep.emulator.platform.Platform.run` and builds the reply the One Platform sends:

- a list with one ``{"id", "status"[, "result"]}`` item per call that has an ``id``
  (calls without an ``id`` run but get no item; when no call has one the reply is empty);
- a failed call gets its own status (``invalid``, ``restricted``, ...) while the other
  calls still run; a call that cannot be run gets status ``fail`` and an ``error`` object:
  code 400 / context ``procedure`` (no procedure name), 501 / ``procedure`` (unknown
  procedure), 501 / ``arguments`` (missing or malformed arguments), 401 / ``auth`` (the
  calling client vanished during the request) or 500 (an internal error, logged);
- a request-level error is an object ``{"error": {"code", "message"[, "context"]}}``:
  code -1 (the body is not JSON, not UTF-8, or holds a lone surrogate such as ``"\\ud800"``,
  which is no Unicode text), 400 with context ``calls`` or ``auth``
  (the request is not an object, ``calls`` is not a list of call objects with valid ids, or
  ``auth`` is missing or not an object), 400 without context (nesting too deep to parse),
  401 with context ``auth`` (the credentials do not authenticate).

Numbers too long to be 64-bit integers are read as floats (so they are rejected by the
value checks instead of costing time to parse).
"""
import json
import logging
import re

from pyonep.emulator.platform import ArgumentError, AuthError, UnknownProcedure, is_number

LOG = logging.getLogger('pyonep.emulator.http.rpc')
MAX_ID_LENGTH = 40
SURROGATE_ESCAPE = re.compile(r'\\u[dD][89a-fA-F]')  # where a lone surrogate can come from
SURROGATE = re.compile('[\\ud800-\\udfff]')  # escapes for re: no surrogate in this source


def error_object(code, message, context=None):
    """Return the ``{"code", "message"[, "context"]}`` object of an RPC error."""
    error = {'code': code, 'message': message}
    if context is not None:
        error['context'] = context
    return error


def _parse_int(text):
    if len(text.lstrip('-')) > 30:
        return float(text)
    return int(text)


# one decoder for every body (json.loads with parse_int makes a new one per call)
DECODER = json.JSONDecoder(parse_int=_parse_int)


def parse_body(body):
    """Decode a request body (bytes) into a Python value.

    Returns ``(value, None)`` or ``(None, error_reply)`` where ``error_reply`` is the
    request-level error object to send.
    """
    try:
        text = body.decode('utf-8')
        value = DECODER.decode(text)
    except RecursionError:
        return None, {'error': error_object(400, 'Request nests too deeply')}
    except (UnicodeDecodeError, ValueError) as exc:
        return None, {'error': error_object(-1, 'Invalid JSON: %s' % exc)}
    if SURROGATE_ESCAPE.search(text) and _holds_lone_surrogate(value):
        return None, {'error': error_object(-1, 'Invalid JSON: a string holds a lone surrogate')}
    return value, None


def _holds_lone_surrogate(value):
    """Tell whether a parsed value holds a string with a lone surrogate (escaped pairs were
    joined by the parser, so any surrogate left is alone)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if SURROGATE.search(item):
                return True
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
    return False


def _valid_id(call):
    if 'id' not in call:
        return True
    cid = call['id']
    if isinstance(cid, bool):
        return False
    if isinstance(cid, str):
        return len(cid) <= MAX_ID_LENGTH
    return is_number(cid) and cid == cid and abs(cid) < float('inf')


def process(platform, body, replace_call=None):
    """Run the JSON-RPC request ``body`` (bytes) against ``platform``.

    ``replace_call``, when given, is called with each call object after authentication and
    returns the reply item (without id) to answer instead of running the call, or None to
    run it (fault rules use it).

    Returns the reply as a Python value (a list of call replies or an error object), or
    None when there were calls but none had an ``id`` (nothing is to be answered). Never raises for bad
    input; an unexpected internal failure of a call becomes that call's 500 error.
    """
    request, error = parse_body(body)
    if error is not None:
        return error
    if not isinstance(request, dict):
        return {'error': error_object(400, 'Request must be an object', 'calls')}
    calls = request.get('calls')
    if not isinstance(calls, list) or not all(isinstance(c, dict) and _valid_id(c) for c in calls):
        return {'error': error_object(400, 'calls must be a list of call objects', 'calls')}
    if not isinstance(request.get('auth'), dict):
        return {'error': error_object(400, 'auth must be an object', 'auth')}
    try:
        caller = platform.authenticate(request['auth'])
    except AuthError:
        return {'error': error_object(401, 'Invalid', 'auth')}
    replies = []
    for call in calls:
        reply = replace_call(call) if replace_call is not None else None
        if reply is None:
            reply = run_call(platform, caller, call)
        if 'id' in call:
            reply['id'] = call['id']
            replies.append(reply)
    if calls and not replies:
        return None
    return replies


def run_call(platform, caller, call):
    """Run one call object as ``caller`` and return its reply item (without the id)."""
    procedure = call.get('procedure')
    if not isinstance(procedure, str):
        return {'status': 'fail', 'error': error_object(400, 'Missing procedure', 'procedure')}
    if 'arguments' not in call:
        return {'status': 'fail', 'error': error_object(501, 'Missing arguments', 'arguments')}
    try:
        status, result = platform.run(caller, procedure, call['arguments'])
    except UnknownProcedure:
        return {'status': 'fail', 'error': error_object(501, 'Unknown procedure', 'procedure')}
    except ArgumentError as exc:
        return {'status': 'fail', 'error': error_object(501, 'Error: %s' % exc, 'arguments')}
    except AuthError:
        return {'status': 'fail', 'error': error_object(401, 'Invalid', 'auth')}
    except Exception:  # a bug must not cost the other calls their replies
        LOG.exception('internal error in %s', procedure)
        return {'status': 'fail', 'error': error_object(500, 'Internal error')}
    reply = {'status': status}
    if result is not None:
        reply['result'] = result
    return reply
