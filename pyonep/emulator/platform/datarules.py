"""The datarule state machines (``simple``, ``timeout``, ``interval``, ``duration``,
``count``) as pure functions over a rule and its state; ``flow.py`` stores the state and
delivers the outputs.

A state is a dict with ``deadline`` (Unix seconds of the armed timer, or None) and
``counter`` (inputs counted by a ``count`` rule).
"""
from pyonep.emulator.platform.constants import COMPARISONS


def kind_and_spec(rule):
    """Return ``(kind, spec)`` of a rule object such as ``{"simple": {...}}``."""
    return list(rule.items())[0]


def on_input(rule, state, value, ts):
    """Apply one input ``value`` at ``ts`` to a rule's ``state`` (changed in place) and
    return the outputs as ``[(ts, bool), ...]``."""
    kind, spec = kind_and_spec(rule)
    if kind == 'timeout':
        state['deadline'] = ts + spec['timeout'] if spec['timeout'] > 0 else None
        return [(ts, False)]
    result = COMPARISONS[spec['comparison']](value, spec['constant'])
    if kind == 'simple':
        return [(ts, result)]
    if kind == 'interval':
        if not result:
            state['deadline'] = None
        elif state.get('deadline') is None:
            state['deadline'] = ts + spec['timeout']
        return [(ts, result)]
    if kind == 'duration':
        if not result:
            state['deadline'] = None
            return [(ts, False)]
        if state.get('deadline') is None:
            state['deadline'] = ts + spec['timeout']
        return []
    # count
    if not result:
        return []
    if state.get('deadline') is None:
        state['deadline'] = ts + spec['timeout']
        state['counter'] = 1
    else:
        state['counter'] = state.get('counter', 0) + 1
    if state['counter'] >= spec['count']:
        state['deadline'] = ts + spec['timeout']
        state['counter'] = 0
        return [(ts, True)]
    return []


def on_deadline(rule, state):
    """Fire a rule's timer at its deadline: return the output (a bool) and re-arm or disarm
    the timer in ``state``."""
    kind, spec = kind_and_spec(rule)
    deadline = state['deadline']
    if kind in ('timeout', 'interval'):
        state['deadline'] = deadline + spec['timeout'] if spec['timeout'] > 0 else None
        return True
    state['deadline'] = None
    if kind == 'duration':
        return True
    state['counter'] = 0
    return False
