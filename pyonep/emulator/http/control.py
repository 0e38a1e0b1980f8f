"""The control API under ``/_emulator/``: the emulator's clock, fault rules and whole state.

Only the root client may use it: every request carries the root CIK in the
``X-Exosite-CIK`` header (HTTP 401 without one, 403 with any other). Bodies are JSON, and
so are answers (except the snapshot file); errors are ``{"error": <message>}``, with
``"field"`` naming the offending field of a bad request (HTTP 400). Control requests are
not platform calls: no fault rule strikes them and they change no platform data except
by what they are asked to do.

- ``GET /_emulator/clock``: ``{"now": <Unix seconds, float>, "frozen": <bool>}``;
- ``POST /_emulator/clock`` with one of ``{"advance": <seconds >= 0>}``, ``{"set": <Unix
  seconds, not before now>}``, ``{"freeze": true|false}``: answers as GET, once every timer
  due on the way has fired (see :func:`pyonep.emulator.clock.move_platform`);
- ``GET /_emulator/faults``: the list of rules, each with ``id``, ``hits``, ``matched``,
  ``active``;
- ``POST /_emulator/faults`` with a rule (see :mod:`pyonep.emulator.faults`): the rule with
  its ``id`` (HTTP 201);
- ``DELETE /_emulator/faults``: removes every rule, ``{"removed": <count>}``;
- ``DELETE /_emulator/faults/<id>``: removes one, ``{"removed": 1}`` (HTTP 404 for an
  unknown id);
- ``POST /_emulator/reset``: an empty platform with the same root CIK, vendor and vendor
  token, no rules, real time; answers the startup keys;
- ``GET /_emulator/snapshot``: the whole platform as one sqlite file
  (``application/vnd.sqlite3``);
- ``POST /_emulator/snapshot`` with a snapshot file as the body: the platform goes back to
  it; answers the startup keys (the root CIK and vendor are the snapshot's).
"""
import hmac
import json
import os
import shutil
import tempfile

from pyonep.emulator import snapshots
from pyonep.emulator.clock import MAX_TIME, move_platform
from pyonep.emulator.faults import RuleError
from pyonep.emulator.http.messages import Response, json_response

PREFIX = '/_emulator/'
SNAPSHOT_TYPE = 'application/vnd.sqlite3'
# A snapshot upload may be larger than a platform request.
MAX_UPLOAD = 1024 * 1024 * 1024


def is_control(path):
    """True when ``path`` (percent-decoded) belongs to the control API."""
    return path == PREFIX.rstrip('/') or path.startswith(PREFIX)


def _error(status, message, field=None, headers=None):
    body = {'error': message}
    if field is not None:
        body['field'] = field
    return json_response(body, status=status, headers=headers)


def _not_allowed(allowed):
    return _error(405, 'use %s' % ' or '.join(allowed), headers=[('Allow', ', '.join(allowed))])


def _json_body(request):
    """Return the request body as a JSON object, or raise RuleError('body', ...)."""
    try:
        value = json.loads(request.body.decode('utf-8')) if request.body else {}
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RuleError('body', 'is not JSON: %s' % exc)
    if not isinstance(value, dict):
        raise RuleError('body', 'must be a JSON object')
    return value


def handle(state, request):
    """Answer one control request (``request.path`` under :data:`PREFIX`) for ``state``.

    Returns a :class:`~pyonep.emulator.http.messages.Response`; never raises for bad input.
    """
    cik = request.header('X-Exosite-CIK')
    if not cik:
        return _error(401, 'the control API needs the root CIK in X-Exosite-CIK')
    if not hmac.compare_digest(cik.encode('utf-8', 'replace'),
                               state.platform.root_cik.encode('utf-8')):
        return _error(403, 'only the root CIK may use the control API')
    parts = request.path[len(PREFIX):].strip('/').split('/') if request.path.startswith(
        PREFIX) else ['']
    name, rest = parts[0], parts[1:]
    try:
        if name == 'clock' and not rest:
            return _clock(state, request)
        if name == 'faults' and len(rest) <= 1:
            return _faults(state, request, rest[0] if rest else None)
        if name == 'reset' and not rest:
            if request.method != 'POST':
                return _not_allowed(['POST'])
            return json_response(snapshots.reset(state))
        if name == 'snapshot' and not rest:
            return _snapshot(state, request)
    except RuleError as exc:
        return _error(400, str(exc), exc.field)
    return _error(404, 'no control call at %s (there are clock, faults, reset, snapshot)'
                  % request.path)


def _number(body, field, low=0, high=MAX_TIME):
    value = body[field]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise RuleError(field, 'must be a number from %s to %s' % (low, high))
    return value


def _clock(state, request):
    if request.method == 'GET':
        return json_response(state.clock.as_dict())
    if request.method != 'POST':
        return _not_allowed(['GET', 'POST'])
    body = _json_body(request)
    given = [key for key in body]
    if len(given) != 1 or given[0] not in ('advance', 'set', 'freeze'):
        field = next((key for key in given if key not in ('advance', 'set', 'freeze')),
                     given[1] if len(given) > 1 else 'advance')
        raise RuleError(field, 'give exactly one of advance, set, freeze')
    field = given[0]
    try:
        if field == 'advance':
            move_platform(state.platform, seconds=_number(body, 'advance'))
        elif field == 'set':
            move_platform(state.platform, when=_number(body, 'set'))
        elif not isinstance(body['freeze'], bool):
            raise RuleError('freeze', 'must be true or false')
        elif body['freeze']:
            state.clock.freeze()
        else:
            state.clock.unfreeze()
    except ValueError as exc:
        if isinstance(exc, RuleError):
            raise
        raise RuleError(field, str(exc))
    return json_response(state.clock.as_dict())


def _faults(state, request, rule_id):
    if rule_id is not None:
        if request.method != 'DELETE':
            return _not_allowed(['DELETE'])
        if not rule_id.isdigit() or not state.faults.remove(int(rule_id)):
            return _error(404, 'no fault rule %s' % rule_id)
        return json_response({'removed': 1})
    if request.method == 'GET':
        return json_response(state.faults.list())
    if request.method == 'DELETE':
        return json_response({'removed': state.faults.clear()})
    if request.method != 'POST':
        return _not_allowed(['GET', 'POST', 'DELETE'])
    return json_response(state.faults.add(_json_body(request)), status=201)


def _snapshot(state, request):
    if request.method not in ('GET', 'POST'):
        return _not_allowed(['GET', 'POST'])
    folder = tempfile.mkdtemp(prefix='pyonep-snapshot-')
    try:
        path = os.path.join(folder, 'snapshot.sqlite')
        if request.method == 'GET':
            snapshots.snapshot(state, path)
            with open(path, 'rb') as f:
                data = f.read()
            return Response(200, data, SNAPSHOT_TYPE, [
                ('Content-Disposition', 'attachment; filename="emulator-snapshot.sqlite"')])
        if not request.body:
            raise RuleError('body', 'send the snapshot file as the request body')
        with open(path, 'wb') as f:
            f.write(request.body)
        try:
            return json_response(snapshots.restore(state, path))
        except snapshots.SnapshotError as exc:
            raise RuleError('body', str(exc))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
