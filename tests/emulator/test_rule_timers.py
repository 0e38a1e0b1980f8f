"""No datarule can break the platform (issue 9, item 5): timer periods have a lower bound,
catch-up after a pause is bounded, and a rule that fails (one stored by an older emulator,
say) stops only its own timer, in a running emulator and after a restart."""
import json
import logging
import sqlite3

import pytest

from pyonep.emulator import Emulator
from pyonep.emulator.platform import MAX_TIMER_CATCHUP, MIN_TIMER_PERIOD
from rpc_helpers import make_client, make_dataport, ok

NOW = 1500000000
KINDS = {'timeout': {}, 'interval': {'comparison': 'gt', 'constant': 0},
         'duration': {'comparison': 'gt', 'constant': 0},
         'count': {'comparison': 'gt', 'constant': 0, 'count': 2}}


def rule_desc(kind, timeout, repeat=False):
    return {'format': 'integer', 'rule': {kind: dict(KINDS[kind], timeout=timeout, repeat=repeat)}}


def stored_count(onep, cik, rid):
    return ok(onep.info(cik, rid, {'storage': True}))['storage']


@pytest.mark.parametrize('kind', sorted(KINDS))
@pytest.mark.parametrize('timeout', [5e-324, 1e-6, 0.5, -1, -1e300])
def test_timer_periods_below_the_minimum_are_invalid(onep, cik, kind, timeout):
    assert onep.create(cik, 'datarule', rule_desc(kind, timeout, True)) == (False, 'invalid')


@pytest.mark.parametrize('kind', sorted(KINDS))
def test_timer_periods_of_zero_and_from_the_minimum_are_accepted(onep, cik, kind):
    assert MIN_TIMER_PERIOD == 1
    for timeout in (0, MIN_TIMER_PERIOD, 1.5, 86400):
        ok(onep.create(cik, 'datarule', rule_desc(kind, timeout)))


def test_a_bad_period_is_refused_by_update_too(onep, cik):
    rid = ok(onep.create(cik, 'datarule', rule_desc('timeout', 60)))
    assert onep.update(cik, rid, rule_desc('timeout', 1e-6)) == (False, 'invalid')


def test_catch_up_after_a_pause_is_bounded(onep, cik, clock):
    rid = ok(onep.create(cik, 'datarule', rule_desc('timeout', 1, repeat=True)))
    clock.advance(100000)
    storage = stored_count(onep, cik, rid)
    assert storage['count'] == MAX_TIMER_CATCHUP           # only the latest periods fire
    assert storage['last'] == NOW + 100000
    assert storage['first'] == NOW + 100000 - MAX_TIMER_CATCHUP + 1
    assert stored_count(onep, cik, rid) == storage          # caught up: nothing more owed
    clock.advance(3)
    assert stored_count(onep, cik, rid)['count'] == MAX_TIMER_CATCHUP + 3


def test_catch_up_of_a_rule_without_repeat_is_one_output(onep, cik, clock):
    rid = ok(onep.create(cik, 'datarule', rule_desc('timeout', 1)))
    clock.advance(100000)
    assert ok(onep.read(cik, rid, {'limit': 10})) == [[NOW + 1, 1]]


def corrupt(emu, rid, rule):
    """Store ``rule`` as the rule of datarule ``rid`` without any check, as an older
    emulator (or a hand-edited database) might have."""
    store = emu.platform.store
    with store.transaction() as conn:
        desc = json.loads(conn.execute('SELECT description FROM resources WHERE rid=?',
                                       (rid,)).fetchone()[0])
        desc['rule'] = rule
        conn.execute('UPDATE resources SET description=? WHERE rid=?', (json.dumps(desc), rid))


@pytest.mark.parametrize('rule', [{'timeout': {'timeout': 5e-324, 'repeat': True}},
                                  {'timeout': {'timeout': 1e-6, 'repeat': True}},
                                  {'timeout': {'timeout': 'sixty', 'repeat': False}}])
def test_a_failing_rule_stops_only_its_own_timer(emu, onep, cik, clock, caplog, rule):
    other, other_cik = make_client(onep, cik)
    port = make_dataport(onep, other_cik)
    good = ok(onep.create(cik, 'datarule', rule_desc('timeout', 10, repeat=True)))
    bad = ok(onep.create(cik, 'datarule', rule_desc('timeout', 10, repeat=True)))
    corrupt(emu, bad, rule)
    clock.advance(30)
    with caplog.at_level(logging.WARNING, logger='pyonep.emulator'):
        ok(onep.write(other_cik, port, 1))                 # another tenant's call still works
    assert any(bad in record.getMessage() for record in caplog.records)
    assert [p[0] for p in ok(onep.read(cik, good, {'limit': 10, 'sort': 'asc'}))] == [
        NOW + 10, NOW + 20, NOW + 30]
    clock.advance(30)
    ok(onep.write(other_cik, port, 2))
    assert len(ok(onep.read(cik, good, {'limit': 10}))) == 6
    ok(onep.drop(cik, bad))


def test_a_failing_subscriber_does_not_fail_the_write_that_feeds_it(emu, onep, cik, caplog):
    source = make_dataport(onep, cik, 'float')
    rule = ok(onep.create(cik, 'datarule', {'format': 'integer', 'subscribe': source, 'rule': {
        'simple': {'comparison': 'gt', 'constant': 1}}}))
    mirror = make_dataport(onep, cik, 'float', subscribe=source)
    corrupt(emu, rule, {'simple': {'comparison': ['gt'], 'constant': 1}})
    with caplog.at_level(logging.WARNING, logger='pyonep.emulator'):
        ok(onep.write(cik, source, 5))
    assert ok(onep.read(cik, source, {}))[0][1] == 5
    assert ok(onep.read(cik, mirror, {}))[0][1] == 5
    assert ok(onep.read(cik, rule, {})) == []
    assert any(rule in record.getMessage() for record in caplog.records)


def test_a_bad_rule_in_a_database_file_survives_a_restart(tmp_path, clock):
    path = str(tmp_path / 'old.db')
    with Emulator(db=path, clock=clock) as emu:
        onep, cik = emu.onep(), emu.root_cik
        port = make_dataport(onep, cik)
        bad = ok(onep.create(cik, 'datarule', rule_desc('timeout', 60, repeat=True)))
    conn = sqlite3.connect(path)                           # as an older emulator stored it
    desc = json.loads(conn.execute('SELECT description FROM resources WHERE rid=?',
                                   (bad,)).fetchone()[0])
    desc['rule'] = {'timeout': {'timeout': 5e-324, 'repeat': False}}
    conn.execute('UPDATE resources SET description=? WHERE rid=?', (json.dumps(desc), bad))
    conn.commit()
    conn.close()
    clock.advance(120)
    with Emulator(db=path, clock=clock) as emu:
        onep, cik = emu.onep(), emu.root_cik
        for value in range(3):
            ok(onep.write(cik, port, value))
        ok(onep.write(cik, bad, 1))                        # an input re-arms it: still no harm
        clock.advance(1)
        assert ok(onep.read(cik, port, {}))[0][1] == 2
        ok(onep.drop(cik, bad))
