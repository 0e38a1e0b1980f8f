"""The control API's clock (GET/POST /_emulator/clock) and emu.clock: what the platform's
timestamps, timers, ttls and retention read, moved without sleeping."""
import pytest

from control_helpers import advance, control
from pyonep.emulator import ControlError, Emulator
from rpc_helpers import make_dataport, ok, rpc

INVALID_AUTH = {'error': {'code': 401, 'message': 'Invalid', 'context': 'auth'}}


@pytest.fixture
def emu():
    """An in-process emulator on the real clock, frozen so that the tests know the time."""
    with Emulator() as emulator:
        emulator.clock.freeze()
        yield emulator
# conftest's onep and cik fixtures use this emu in this module


def points(onep, cik, rid):
    return ok(onep.read(cik, rid, {'limit': 100, 'sort': 'asc'}))


def test_get_clock_answers_now_and_frozen(live_emu):
    status, answer = control(live_emu, 'GET', 'clock')
    assert status == 200
    assert set(answer) == {'now', 'frozen'} and answer['frozen'] is False
    assert isinstance(answer['now'], float)
    # a running clock moves on by itself
    later = control(live_emu, 'GET', 'clock')[1]['now']
    assert later >= answer['now']


def test_freeze_stops_the_clock_and_unfreeze_runs_on_from_there(live_emu):
    frozen = live_emu.clock.freeze()
    assert frozen['frozen'] is True
    assert live_emu.clock.now() == frozen['now'] == live_emu.clock.now()
    assert live_emu.clock.freeze()['now'] == frozen['now']      # freezing twice changes nothing
    live_emu.clock.advance(100)
    assert live_emu.clock.now() == frozen['now'] + 100
    running = live_emu.clock.unfreeze()
    assert running['frozen'] is False and running['now'] >= frozen['now'] + 100
    assert live_emu.clock.frozen() is False


def test_advance_moves_the_time_points_carry(emu, onep, cik):
    rid = make_dataport(onep, cik)
    now = emu.clock.now()
    start = int(now)
    ok(onep.write(cik, rid, 1))
    assert advance(emu, 3600) == {'now': now + 3600, 'frozen': True}
    ok(onep.write(cik, rid, 2))
    assert points(onep, cik, rid) == [[start, 1], [start + 3600, 2]]


def test_set_moves_to_a_time_and_refuses_the_past(emu, onep, cik):
    now = emu.clock.now()
    assert emu.clock.set(now + 86400)['now'] == now + 86400
    with pytest.raises(ControlError) as info:
        emu.clock.set(now)
    assert info.value.status == 400 and info.value.field == 'set'
    assert 'before the current time' in str(info.value)
    assert emu.clock.now() == now + 86400


def test_a_timeout_datarule_fires_after_advance_without_sleeping(emu, onep, cik):
    start = int(emu.clock.now())
    source = make_dataport(onep, cik, 'float')
    rule = ok(onep.create(cik, 'datarule', {'format': 'integer', 'subscribe': source,
                                            'rule': {'timeout': {'timeout': 3600}}}))
    ok(onep.write(cik, source, 20.5))
    emu.clock.advance(3599)
    assert points(onep, cik, rule) == [[start, 0]]
    emu.clock.advance(7200)
    # fired at its own due time, before advance answered (the read above ran no timer)
    assert points(onep, cik, rule) == [[start, 0], [start + 3600, 1]]


def test_timers_fire_in_order_each_at_its_due_time(emu, onep, cik):
    """A repeating rule fed by another rule: the input the first one sends when it fires at
    +100 restarts the second one's timer, so the second fires at +30, +60, +90, then
    +130, +160 (not +120, +150)."""
    start = int(emu.clock.now())
    source = make_dataport(onep, cik, 'float')
    first = ok(onep.create(cik, 'datarule', {'format': 'integer', 'subscribe': source,
                                             'rule': {'timeout': {'timeout': 100}}}))
    second = ok(onep.create(cik, 'datarule', {'format': 'integer', 'subscribe': first, 'rule': {
        'timeout': {'timeout': 30, 'repeat': True}}}))
    ok(onep.write(cik, source, 1))
    emu.clock.advance(175)
    assert points(onep, cik, first) == [[start, 0], [start + 100, 1]]
    assert [[t - start, v] for t, v in points(onep, cik, second)] == [
        [0, 0], [30, 1], [60, 1], [90, 1], [100, 0], [130, 1], [160, 1]]


def test_a_repeating_interval_rule_outputs_every_period_in_between(emu, onep, cik):
    start = int(emu.clock.now())
    source = make_dataport(onep, cik, 'float')
    rule = ok(onep.create(cik, 'datarule', {'format': 'integer', 'subscribe': source, 'rule': {
        'interval': {'comparison': 'gt', 'constant': 50, 'timeout': 600, 'repeat': True}}}))
    ok(onep.write(cik, source, 60))
    emu.clock.advance(3600)
    assert [p[0] - start for p in points(onep, cik, rule)] == list(range(0, 3601, 600))


def test_a_token_expires_when_its_ttl_has_passed(emu, onep, cik):
    port = make_dataport(onep, cik)
    token = ok(onep.grant(cik, {'alias': ''}, {port: ['read', 'write']}, ttl=3600))
    ok(onep.write({'token': token}, port, 3))
    emu.clock.advance(3599)
    assert ok(onep.read({'token': token}, port, {}))[0][1] == 3
    emu.clock.advance(1)
    assert rpc(emu, {'token': token}, [{'id': 1, 'procedure': 'read',
                                        'arguments': [port, {}]}]) == INVALID_AUTH


def test_retention_by_duration_drops_points_older_than_it(emu, onep, cik):
    start = int(emu.clock.now())
    rid = make_dataport(onep, cik, retention={'duration': 1, 'count': 'infinity'})
    ok(onep.write(cik, rid, 1))
    emu.clock.advance(1800)
    ok(onep.write(cik, rid, 2))
    emu.clock.advance(1801)
    ok(onep.write(cik, rid, 3))
    assert points(onep, cik, rid) == [[start + 1800, 2], [start + 3601, 3]]


def test_wait_stays_in_real_time_while_the_clock_is_frozen(emu, onep, cik):
    rid = make_dataport(onep, cik)
    # A frozen clock would make a wait on the platform clock last for ever.
    assert onep.wait(cik, rid, {'timeout': 200}) == (False, 'expire')


@pytest.mark.parametrize('body, field', [
    ({'advance': -1}, 'advance'),
    ({'advance': 'soon'}, 'advance'),
    ({'advance': True}, 'advance'),
    ({'advance': 1e300}, 'advance'),
    ({'set': None}, 'set'),
    ({'freeze': 'yes'}, 'freeze'),
    ({'advance': 1, 'freeze': True}, 'freeze'),
    ({'backwards': 10}, 'backwards'),
    ({}, 'advance'),
    ([1], 'body'),
])
def test_bad_clock_requests_get_400_naming_the_field(emu, body, field):
    before = emu.clock.state()
    status, answer = control(emu, 'POST', 'clock', body)
    assert status == 400, answer
    assert answer['field'] == field and field in answer['error']
    assert emu.clock.state() == before


def test_a_clock_body_that_is_not_json_is_refused(emu):
    status, answer = control(emu, 'POST', 'clock', b'{"advance": ', raw=True)
    assert status == 400 and answer['field'] == 'body'


def test_moving_past_the_year_9999_is_refused(emu):
    status, answer = control(emu, 'POST', 'clock', {'set': 253402300800})
    assert status == 400 and answer['field'] == 'set'


def test_the_clock_argument_still_sets_the_source(clock):
    """Emulator(clock=...) keeps working: the platform runs from that source, and the
    control API moves it further."""
    with Emulator(clock=clock) as emulator:
        onep, cik = emulator.onep(), emulator.root_cik
        rid = make_dataport(onep, cik)
        ok(onep.write(cik, rid, 1))
        clock.advance(10)
        ok(onep.write(cik, rid, 2))
        emulator.clock.advance(5)
        ok(onep.write(cik, rid, 3))
        assert [p[0] - 1500000000 for p in points(onep, cik, rid)] == [0, 10, 15]
        assert emulator.clock.now() == 1500000015
