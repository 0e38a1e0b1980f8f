"""Resource descriptions: the defaults a new client, dataport, datarule or dispatch gets and
the checks every field passes on ``create`` and ``update`` (no state, no HTTP).

The functions raise :class:`~pyonep.emulator.platform.calls.CallError` ('invalid') for a
field the platform refuses and :class:`~pyonep.emulator.platform.calls.ArgumentError` for a
description that is not an object.
"""
import json

from pyonep.emulator.platform.calls import ArgumentError, CallError
from pyonep.emulator.platform.constants import (
    COMPARISONS, DISPATCH_METHODS, EXTRA_LIMIT_KEYS, FORMATS, INT64, LIMIT_KEYS,
    MIN_TIMER_PERIOD, PREPROCESS_OPS, is_finite, is_number)


def inherit_all():
    """Return the description of a client whose every limit is ``"inherit"``."""
    return {'limits': dict((k, 'inherit') for k in LIMIT_KEYS)}


def timer_period_ok(period):
    """Tell whether ``period`` is a usable datarule timeout: 0, or at least
    MIN_TIMER_PERIOD seconds (and within 64 bits)."""
    return is_number(period) and (period == 0 or MIN_TIMER_PERIOD <= period < INT64)


def boolean(value):
    """Return ``value`` when it is a bool; raise CallError('invalid') otherwise."""
    if not isinstance(value, bool):
        raise CallError('invalid', 'expected a boolean')
    return value


def text(value):
    """Return ``value`` when it is a string; raise CallError('invalid') otherwise."""
    if not isinstance(value, str):
        raise CallError('invalid', 'expected a string')
    return value


def client_desc(desc, base=None):
    """Return the client description ``desc`` filled in from ``base`` (the current one, for
    ``update``) or the defaults, its fields checked."""
    if not isinstance(desc, dict):
        raise ArgumentError('description must be an object')
    out = base or {'limits': dict((k, 0) for k in LIMIT_KEYS), 'locked': False, 'meta': '',
                   'name': '', 'public': False}
    out = json.loads(json.dumps(out))
    for key, value in desc.items():
        if key == 'limits':
            if not isinstance(value, dict):
                raise CallError('invalid', 'limits must be an object')
            for lkey, lvalue in value.items():
                if lkey not in LIMIT_KEYS + EXTRA_LIMIT_KEYS or not (lvalue == 'inherit' or (
                        is_finite(lvalue) and lvalue >= 0)):
                    raise CallError('invalid', 'bad limit %r' % (lkey,))
                out['limits'][lkey] = lvalue
        elif key in ('locked', 'public'):
            out[key] = boolean(value)
        elif key in ('meta', 'name'):
            out[key] = text(value)
    return out


def data_desc(rtype, desc, resolve_readable, base=None):
    """Return the description of a dataport, datarule or dispatch (``rtype``) filled in and
    checked. ``resolve_readable(ref, procedure)`` returns the RID of a resource the caller
    may read (for ``subscribe`` and preprocess operands) or raises CallError."""
    if not isinstance(desc, dict):
        raise ArgumentError('description must be an object')
    if base is None:
        out = {'meta': '', 'name': '', 'preprocess': [], 'public': False,
               'retention': {'count': 'infinity', 'duration': 'infinity'}, 'subscribe': None}
        if rtype == 'dispatch':
            out.update({'locked': False, 'message': '', 'subject': ''})
    else:
        out = json.loads(json.dumps(base))
    for key, value in desc.items():
        if key in ('meta', 'name', 'message', 'subject', 'recipient') and (
                rtype == 'dispatch' or key in ('meta', 'name')):
            out[key] = text(value)
        elif key == 'public' or (key == 'locked' and rtype == 'dispatch'):
            out[key] = boolean(value)
        elif key == 'format' and rtype != 'dispatch':
            if value not in FORMATS:
                raise CallError('invalid', 'format must be one of %s' % (FORMATS,))
            if base is not None and value != base.get('format'):
                raise CallError('invalid', 'format may not be changed')
            out['format'] = value
        elif key == 'method' and rtype == 'dispatch':
            if value not in DISPATCH_METHODS:
                raise CallError('invalid', 'unknown dispatch method')
            out['method'] = value
        elif key == 'retention':
            out['retention'] = retention(value, out['retention'])
        elif key == 'preprocess':
            out['preprocess'] = preprocess_desc(value, resolve_readable)
        elif key == 'subscribe':
            out['subscribe'] = None if value is None else resolve_readable(value, 'subscribe')
        elif key == 'rule' and rtype == 'datarule':
            out['rule'] = rule_desc(value)
    required = {'dataport': ('format',), 'datarule': ('format', 'rule'),
                'dispatch': ('method', 'recipient')}[rtype]
    for key in required:
        if key not in out:
            raise CallError('invalid', 'description needs %r' % key)
    return out


def retention(value, current):
    """Return the retention object ``current`` updated by ``value`` (count and duration)."""
    if not isinstance(value, dict):
        raise CallError('invalid', 'retention must be an object')
    out = dict(current)
    for key, item in value.items():
        if key not in ('count', 'duration') or not (item == 'infinity' or (
                is_number(item) and 0 <= item < INT64)):
            raise CallError('invalid', 'bad retention %r' % (key,))
        out[key] = item
    return out


def preprocess_desc(value, resolve_readable):
    """Return a checked preprocess list; resource operands become RIDs."""
    if not isinstance(value, list):
        raise CallError('invalid', 'preprocess must be a list')
    out = []
    for item in value:
        if not (isinstance(item, list) and len(item) == 2 and item[0] in PREPROCESS_OPS):
            raise CallError('invalid', 'preprocess items are [operation, operand]')
        operand = item[1]
        if is_number(operand) and not is_finite(operand):
            raise CallError('invalid', 'a preprocess operand must be a finite number')
        if not is_number(operand):
            operand = resolve_readable(operand, 'preprocess')
        elif item[0] in ('div', 'mod') and operand == 0:
            raise CallError('invalid', 'division by zero')
        out.append([item[0], operand])
    return out


def rule_desc(rule):
    """Return a checked datarule ``rule`` object (one kind; ``repeat`` defaults to false)."""
    if not (isinstance(rule, dict) and len(rule) == 1):
        raise CallError('invalid', 'rule must be an object with one kind')
    kind, spec = list(rule.items())[0]
    if kind == 'script':
        if not isinstance(spec, str):
            raise CallError('invalid', 'script must be a string')
        return rule
    needs = {'simple': ('comparison', 'constant'), 'timeout': ('timeout',),
             'interval': ('comparison', 'constant', 'timeout'),
             'duration': ('comparison', 'constant', 'timeout'),
             'count': ('comparison', 'constant', 'count', 'timeout')}
    if kind not in needs or not isinstance(spec, dict):
        raise CallError('invalid', 'unknown rule %r' % (kind,))
    spec = dict((k, v) for k, v in spec.items() if k in needs[kind] + ('repeat',))
    spec.setdefault('repeat', False)
    for key in needs[kind]:
        if key not in spec:
            raise CallError('invalid', 'rule needs %r' % key)
    if 'comparison' in spec and not (isinstance(spec['comparison'], str) and
                                     spec['comparison'] in COMPARISONS):
        raise CallError('invalid', 'unknown comparison')
    for key in ('constant', 'timeout', 'count'):
        if key in spec and not (is_number(spec[key]) and abs(spec[key]) < INT64):
            raise CallError('invalid', '%r must be a number' % key)
    if 'timeout' in spec and not timer_period_ok(spec['timeout']):
        raise CallError('invalid', 'timeout must be 0 or at least %d second' % MIN_TIMER_PERIOD)
    if not isinstance(spec['repeat'], bool):
        raise CallError('invalid', 'repeat must be a boolean')
    return {kind: spec}
