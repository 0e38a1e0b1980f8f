"""Datarules without scripts (simple, timeout, interval, duration, count) evaluated as their
source is written, script datarules stored but not run, and dispatch records."""
import pytest

from rpc_helpers import make_dataport, ok

NOW = 1500000000


def rule(onep, cik, kind, fmt='integer', **spec):
    source = make_dataport(onep, cik, 'float')
    rid = ok(onep.create(cik, 'datarule', {'format': fmt, 'subscribe': source,
                                          'rule': {kind: spec}}))
    return source, rid


def points(onep, cik, rid):
    return ok(onep.read(cik, rid, {'limit': 100, 'sort': 'asc'}))


def test_simple_rule_outputs_changes_only(onep, cik):
    source, rid = rule(onep, cik, 'simple', comparison='gt', constant=10)
    for value in (5, 6, 11, 12, 3):
        ok(onep.write(cik, source, value))
    assert [p[1] for p in points(onep, cik, rid)] == [0, 1, 0]


def test_simple_rule_with_repeat_outputs_every_input(onep, cik):
    source, rid = rule(onep, cik, 'simple', comparison='leq', constant=10, repeat=True)
    for value in (5, 6, 11):
        ok(onep.write(cik, source, value))
    assert [p[1] for p in points(onep, cik, rid)] == [1, 1, 0]


def test_rule_in_float_format_outputs_floats(onep, cik):
    source, rid = rule(onep, cik, 'simple', fmt='float', comparison='eq', constant=1)
    ok(onep.write(cik, source, 1))
    assert points(onep, cik, rid) == [[NOW, 1.0]]


def test_timeout_rule(onep, cik, clock):
    source, rid = rule(onep, cik, 'timeout', timeout=60)
    clock.advance(30)
    ok(onep.write(cik, source, 1))              # input in time: false
    clock.advance(59)
    ok(onep.write(cik, source, 1))              # restarts the timer
    clock.advance(61)
    onep.read(cik, rid, {})                     # the timer elapsed at NOW+149
    assert points(onep, cik, rid) == [[NOW + 30, 0], [NOW + 149, 1]]


def test_interval_rule(onep, cik, clock):
    source, rid = rule(onep, cik, 'interval', comparison='gt', constant=50, timeout=10,
                       repeat=True)
    ok(onep.write(cik, source, 60))
    clock.advance(25)
    ok(onep.write(cik, source, 10))
    clock.advance(100)
    assert points(onep, cik, rid) == [[NOW, 1], [NOW + 10, 1], [NOW + 20, 1], [NOW + 25, 0]]


def test_duration_rule(onep, cik, clock):
    source, rid = rule(onep, cik, 'duration', comparison='gt', constant=50, timeout=30)
    ok(onep.write(cik, source, 60))
    clock.advance(10)
    ok(onep.write(cik, source, 10))             # cancels before the 30 s pass
    clock.advance(5)
    ok(onep.write(cik, source, 70))
    clock.advance(40)
    assert points(onep, cik, rid) == [[NOW + 10, 0], [NOW + 45, 1]]


def test_count_rule(onep, cik, clock):
    source, rid = rule(onep, cik, 'count', comparison='gt', constant=0, count=3, timeout=100,
                       repeat=True)
    for _ in range(3):
        ok(onep.write(cik, source, 1))
        clock.advance(1)
    assert points(onep, cik, rid) == [[NOW + 2, 1]]
    ok(onep.write(cik, source, 1))
    clock.advance(200)
    assert points(onep, cik, rid) == [[NOW + 2, 1], [NOW + 102, 0]]


def test_rule_writes_publish_onwards(onep, cik):
    source, rid = rule(onep, cik, 'simple', comparison='gt', constant=0)
    downstream = make_dataport(onep, cik, subscribe=rid)
    ok(onep.write(cik, source, 5))
    assert points(onep, cik, downstream) == [[NOW, 1]]


@pytest.mark.parametrize('bad', [{'simple': {'comparison': 'gt'}}, {'magic': {}},
                                 {'simple': {'comparison': 'about', 'constant': 1}},
                                 {'count': {'comparison': 'gt', 'constant': 1, 'timeout': 1}},
                                 {'script': 42}, 'simple'])
def test_bad_rules_are_invalid(onep, cik, bad):
    assert onep.create(cik, 'datarule', {'format': 'integer', 'rule': bad}) == (False, 'invalid')


def test_script_datarule_is_stored_but_not_run(onep, cik):
    script = 'local x = alias["in"]\nwhile true do x.wait() end'
    rid = ok(onep.create(cik, 'datarule', {'format': 'string', 'rule': {'script': script}}))
    info = ok(onep.info(cik, rid, {'description': True}))
    assert info['description']['rule'] == {'script': script}
    ok(onep.write(cik, rid, 'debug line'))
    assert points(onep, cik, rid) == [[NOW, 'debug line']]


def test_dispatch_records_what_it_would_send(emu, onep, cik):
    source = make_dataport(onep, cik, 'float', alias='temp')
    dispatch = ok(onep.create(cik, 'dispatch', {
        'method': 'email', 'recipient': 'ops@example.com', 'subject': 'hot',
        'message': 'temperature is [[value]]', 'subscribe': source,
        'preprocess': [['gt', 30]]}))
    ok(onep.write(cik, source, 35.5))
    log = emu.platform.dispatch_log(dispatch)
    assert log == [{'timestamp': NOW, 'method': 'email', 'recipient': 'ops@example.com',
                    'subject': 'hot', 'message': 'temperature is 1', 'status': 'emulated'}]
    assert points(onep, cik, dispatch) == [[NOW, 'emulated']]
    info = ok(onep.info(cik, {'alias': ''}, {'counts': True}))
    assert info['counts']['email'] == 1


def test_locked_dispatch_is_undelivered(emu, onep, cik):
    dispatch = ok(onep.create(cik, 'dispatch', {'method': 'sms', 'recipient': '+15555550100',
                                                'locked': True}))
    ok(onep.write(cik, dispatch, 'ping'))
    assert emu.platform.dispatch_log(dispatch)[0]['status'] == 'undelivered'
    assert emu.platform.dispatch_log(dispatch)[0]['message'] == 'ping'


def test_dispatch_needs_method_and_recipient(onep, cik):
    assert onep.create(cik, 'dispatch', {'method': 'email'}) == (False, 'invalid')
    assert onep.create(cik, 'dispatch', {'method': 'pigeon', 'recipient': 'x'}) == (False, 'invalid')
