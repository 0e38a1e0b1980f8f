"""Data flow: what happens to a value a resource receives. Preprocessing, storing (through
``series.py``), publishing to subscribers, datarules (their state and timers), dispatch
records, and the change notifications that wake ``wait`` calls. No HTTP.
"""
import json
import logging
import threading

from pyonep.emulator.platform import datarules
from pyonep.emulator.platform.calls import CallError
from pyonep.emulator.platform.constants import (
    COMPARISONS, MAX_DEPTH, MAX_TIMER_CATCHUP, dumps, is_number)
from pyonep.emulator.platform.descriptions import timer_period_ok
from pyonep.emulator.platform.series import convert

LOG = logging.getLogger('pyonep.emulator')


class Flow(object):
    """The data flow over ``tree`` (resources) and ``series`` (points)."""

    def __init__(self, tree, series):
        self.tree = tree
        self.series = series
        self.store = tree.store
        self.clock = tree.clock
        self.closed = False
        self._changed = threading.Condition(threading.Lock())
        self._generation = 0
        # No armed timer is due before this time (a lower bound; -inf: unknown). Trusted
        # while store.version stays what it was when the bound was learned: a rollback or a
        # restored snapshot may bring back earlier deadlines.
        self._no_timer_before = float('-inf')
        self._bound_version = None

    # ------------------------------------------------------------ receiving
    def receive(self, row, value, ts, depth=0):
        """Deliver ``value`` at ``ts`` to resource ``row`` (a write or a publication).

        Raises CallError('invalid') for a client or a value the resource refuses.
        """
        if row['type'] == 'client':
            raise CallError('invalid', 'a client holds no data')
        desc = row['description']
        value = self.preprocess(row, value)
        if row['type'] == 'dataport':
            self.keep(row, ts, convert(desc['format'], value), depth)
        elif row['type'] == 'dispatch':
            self.dispatch(row, value, ts, depth)
        elif 'script' in desc['rule']:
            self.keep(row, ts, convert(desc['format'], value), depth)
        else:
            if not is_number(value):
                value = convert('float', value)
            state = self.rule_state(row)
            outputs = datarules.on_input(desc['rule'], state, value, ts)
            self.save_rule_state(row, state)
            for out_ts, out in outputs:
                self.rule_output(row, out_ts, out, depth)

    def preprocess(self, row, value):
        """Return ``value`` after the preprocess operations of ``row``, in order."""
        for op, operand in row['description'].get('preprocess', []):
            if not is_number(operand):
                source = self.tree.row(operand)
                latest = self.series.latest(source['id']) if source else None
                if latest is None or not is_number(latest[1]):
                    raise CallError('invalid', 'preprocess operand has no numeric value')
                operand = latest[1]
            if op == 'value':
                value = operand
                continue
            if isinstance(value, str):
                value = convert('float', value)
            if not is_number(value):
                raise CallError('invalid', 'preprocess needs a number')
            if op in COMPARISONS:
                value = 1 if COMPARISONS[op](value, operand) else 0
            elif op == 'add':
                value = value + operand
            elif op == 'sub':
                value = value - operand
            elif op == 'mul':
                value = value * operand
            elif op in ('div', 'mod'):
                if operand == 0:
                    raise CallError('invalid', 'division by zero')
                value = value / operand if op == 'div' else value % operand
        return value

    def keep(self, row, ts, value, depth):
        """Store a converted value (under retention) and publish it to subscribers, who
        receive it even when the retention keeps nothing."""
        self.series.store_point(row, ts, value)
        self.publish(row, ts, value, depth)

    def publish(self, row, ts, value, depth):
        """Deliver a stored value to every subscriber of ``row``; one that refuses it or
        fails does not fail the write that feeds it."""
        if depth >= MAX_DEPTH:
            return
        for rid, _ in self.tree.subscribers(row['rid']):
            try:
                with self.store.transaction():  # a savepoint: a refusal undoes this subscriber only
                    self.receive(self.tree.row(rid), value, ts, depth + 1)
            except CallError:
                pass
            except Exception:  # a broken subscriber (stored by an older emulator) fails alone
                LOG.warning('resource %s failed to receive a value of %s', rid, row['rid'],
                            exc_info=True)

    # ------------------------------------------------------------ dispatches
    def dispatch(self, row, value, ts, depth):
        """Record the message dispatch ``row`` would send for ``value`` and store its outcome
        ('undelivered' when locked, else 'emulated'). Nothing is sent."""
        desc = row['description']
        text = value if isinstance(value, str) else dumps(value)
        message = desc.get('message') or text
        message = message.replace('[[value]]', text).replace('[[subscribe.cid]]', row['owner'] or '')
        status = 'undelivered' if desc.get('locked') else 'emulated'
        self.store.conn.execute(
            'INSERT INTO dispatch_log (rid, ts, method, recipient, subject, message, status) '
            'VALUES (?, ?, ?, ?, ?, ?, ?)',
            (row['rid'], ts, desc['method'], desc['recipient'], desc.get('subject', ''), message,
             status))
        self.keep(row, ts, status, depth)

    def dispatch_log(self, rid):
        """Return the records of dispatch ``rid``, oldest first (dicts with ``timestamp``,
        ``method``, ``recipient``, ``subject``, ``message``, ``status``)."""
        rows = self.store.execute(
            'SELECT ts, method, recipient, subject, message, status FROM dispatch_log '
            'WHERE rid=? ORDER BY id', (rid,))
        keys = ('timestamp', 'method', 'recipient', 'subject', 'message', 'status')
        return [dict(zip(keys, row)) for row in rows]

    # ------------------------------------------------------------ datarules
    def rule_state(self, row):
        """Return the stored state of datarule ``row`` (see ``datarules.py``)."""
        rows = self.store.conn.execute('SELECT state, deadline FROM rulestate WHERE res=?',
                                       (row['id'],)).fetchall()
        if not rows:
            return {'deadline': None, 'counter': 0}
        state = json.loads(rows[0][0])
        state['deadline'] = rows[0][1]
        return state

    def save_rule_state(self, row, state):
        """Store the state of datarule ``row``."""
        self.store.conn.execute('INSERT OR REPLACE INTO rulestate (res, state, deadline) VALUES (?, ?, ?)',
                                (row['id'], dumps({'counter': state.get('counter', 0)}),
                                 state.get('deadline')))
        if state.get('deadline') is not None:
            self._no_timer_before = min(self._no_timer_before, state['deadline'])

    def arm_rule(self, row):
        """Arm the timer of a new (or changed) ``timeout`` datarule."""
        rule = row['description']['rule']
        if 'timeout' in rule and rule['timeout']['timeout'] > 0:
            self.save_rule_state(row, {'deadline': self.clock() + rule['timeout']['timeout'],
                                       'counter': 0})

    def reset_rule(self, row):
        """Forget the state of datarule ``row`` and arm it afresh (its rule changed)."""
        self.store.conn.execute('DELETE FROM rulestate WHERE res=?', (row['id'],))
        self.arm_rule(self.tree.row(row['rid']))

    def rule_output(self, row, ts, out, depth):
        """Store a datarule output (1 or 0 in its format) unless it repeats the latest
        value of a rule without ``repeat``."""
        desc = row['description']
        repeat = list(desc['rule'].values())[0].get('repeat', False)
        value = convert(desc['format'], 1 if out else 0)
        if not repeat:
            latest = self.series.latest(row['id'])
            if latest is not None and latest[1] == value:
                return
        self.keep(row, ts, value, depth)

    def next_deadline(self):
        """Return the earliest armed datarule timer deadline (Unix seconds), or None."""
        return self.store.execute(
            'SELECT MIN(deadline) FROM rulestate WHERE deadline IS NOT NULL')[0][0]

    def fire_due_timers(self):
        """Fire the timers that are due (inside a transaction) and return True when any
        output something. A rule that fails is logged and its timer disabled; the others go on."""
        now = self.clock()
        if self._bound_version == self.store.version and now < self._no_timer_before:
            return False  # no timer is due: skip the query
        changed = False
        for res, in self.store.conn.execute(
                'SELECT res FROM rulestate WHERE deadline IS NOT NULL AND deadline <= ? '
                'ORDER BY deadline', (now,)).fetchall():
            try:
                with self.store.transaction():  # a savepoint: a failure undoes this rule only
                    changed = self._fire_timer(res, now) or changed
            except Exception:
                LOG.warning('datarule %s: its timer failed and is disabled', self.tree.rid_of_id(res),
                            exc_info=True)
                self.store.conn.execute('UPDATE rulestate SET deadline=NULL WHERE res=?', (res,))
        earliest = self.store.conn.execute(
            'SELECT MIN(deadline) FROM rulestate WHERE deadline IS NOT NULL').fetchone()[0]
        self._no_timer_before = float('inf') if earliest is None else earliest
        self._bound_version = self.store.version
        return changed

    def _fire_timer(self, res, now):
        """Fire the timer of datarule id ``res`` for the periods passed by ``now``, at most
        MAX_TIMER_CATCHUP of them (the latest); return True when it output anything."""
        rid = self.tree.rid_of_id(res)
        if rid is None:
            self.store.conn.execute('DELETE FROM rulestate WHERE res=?', (res,))
            return False
        row = self.tree.row(rid)
        state = self.rule_state(row)
        rule = row['description']['rule']
        kind, spec = datarules.kind_and_spec(rule)
        period, repeat = spec['timeout'], spec.get('repeat', False)
        if not timer_period_ok(period):
            raise CallError('invalid', 'timer period %r below the minimum' % (period,))
        if repeat and period > 0 and kind in ('timeout', 'interval'):  # outputs every period
            missed = int((now - state['deadline']) // period) + 1
            if missed > MAX_TIMER_CATCHUP:
                state['deadline'] += (missed - MAX_TIMER_CATCHUP) * period  # drop the oldest
        fired = 0
        while state['deadline'] is not None and state['deadline'] <= now and fired < MAX_TIMER_CATCHUP:
            fired_at = int(state['deadline'])
            out = datarules.on_deadline(rule, state)
            self.rule_output(row, fired_at, out, 0)
            fired += 1
            if not repeat and state['deadline'] is not None and state['deadline'] <= now:
                # the output would not change again: skip to the next deadline after now
                state['deadline'] += (int((now - state['deadline']) // period) + 1) * period
        self.save_rule_state(row, state)
        return fired > 0

    # ------------------------------------------------------------ change notifications
    def notify(self):
        """Wake every ``wait`` call to look for new points."""
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    def generation(self):
        """Return the change counter (it grows with every :meth:`notify`)."""
        with self._changed:
            return self._generation

    def wait_for_change(self, generation, timeout):
        """Block until :meth:`notify` runs after ``generation`` was read, or ``timeout``
        seconds pass."""
        with self._changed:
            if generation == self._generation:
                self._changed.wait(timeout)

    def close(self):
        """Wake every ``wait`` call so it answers at once (the server is stopping)."""
        self.closed = True
        self.notify()
