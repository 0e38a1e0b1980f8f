"""Time series procedures through OnepV1: read, write, writegroup, record, recordbatch,
flush, wait; formats, retention, preprocess and subscriptions."""
import threading

import pytest

from rpc_helpers import make_dataport, ok

NOW = 1500000000


def test_write_then_read_latest_point(onep, cik):
    rid = make_dataport(onep, cik, 'float', alias='temperature')
    ok(onep.write(cik, {'alias': 'temperature'}, 72.5))
    assert ok(onep.read(cik, rid, {})) == [[NOW, 72.5]]


def test_read_defaults_to_the_newest_point_only(onep, cik, clock):
    rid = make_dataport(onep, cik)
    for value in (1, 2, 3):
        ok(onep.write(cik, rid, value))
        clock.advance(10)
    assert ok(onep.read(cik, rid, {})) == [[NOW + 20, 3]]


def test_read_window_sort_and_limit(onep, cik):
    rid = make_dataport(onep, cik)
    ok(onep.recordbatch(cik, rid, [[t, t] for t in range(100, 200, 10)]))
    assert ok(onep.read(cik, rid, {'starttime': 120, 'endtime': 150, 'limit': 10})) == [
        [150, 150], [140, 140], [130, 130], [120, 120]]
    assert ok(onep.read(cik, rid, {'starttime': 120, 'endtime': 150, 'limit': 2, 'sort': 'asc'})) == [
        [120, 120], [130, 130]]
    assert ok(onep.read(cik, rid, {'limit': 0})) == []


def test_read_givenwindow_returns_at_most_one_point_per_window(onep, cik):
    rid = make_dataport(onep, cik)
    ok(onep.recordbatch(cik, rid, [[t, t] for t in range(0, 100)]))
    points = ok(onep.read(cik, rid, {'starttime': 0, 'endtime': 99, 'limit': 4,
                                     'selection': 'givenwindow', 'sort': 'asc'}))
    assert len(points) == 4
    assert [p[0] // 25 for p in points] == [0, 1, 2, 3]


@pytest.mark.parametrize('window', [
    {'starttime': 0, 'endtime': 99, 'limit': 7}, {'starttime': 3, 'endtime': 250, 'limit': 13},
    {'starttime': 50, 'endtime': 60, 'limit': 40}, {'starttime': 0, 'endtime': 99, 'limit': 1},
    {'starttime': 95, 'endtime': 300, 'limit': 3, 'sort': 'asc'}])
def test_read_givenwindow_by_index_look_ups_equals_the_window_query(onep, cik, monkeypatch, window):
    """Few windows are looked up one by one (fast on a huge series); many windows use one
    query over the range. Both must pick the same points (several share a second here)."""
    from pyonep.emulator.platform import series
    rid = make_dataport(onep, cik)
    ok(onep.recordbatch(cik, rid, [[t, t] for t in range(0, 100, 3)] + [[t, -t] for t in range(0, 100, 7)]))
    window = dict(window, selection='givenwindow')
    probed = ok(onep.read(cik, rid, window))
    monkeypatch.setattr(series, 'MAX_WINDOW_PROBES', 0)
    assert probed == ok(onep.read(cik, rid, window))
    assert probed


def test_read_autowindow_samples_evenly_across_points(onep, cik):
    rid = make_dataport(onep, cik)
    ok(onep.recordbatch(cik, rid, [[t, t] for t in range(1, 11)]))
    points = ok(onep.read(cik, rid, {'starttime': 0, 'endtime': 100, 'limit': 4,
                                     'selection': 'autowindow', 'sort': 'asc'}))
    assert [p[0] for p in points] == [1, 4, 7, 10]
    few = ok(onep.read(cik, rid, {'limit': 50, 'selection': 'autowindow'}))
    assert len(few) == 10


@pytest.mark.parametrize('options', [{'sort': 'sideways'}, {'selection': 'some'},
                                     {'limit': 'ten'}, {'starttime': None}])
def test_read_rejects_bad_options(onep, cik, options):
    rid = make_dataport(onep, cik)
    assert onep.read(cik, rid, options) == (False, 'invalid')


def test_read_of_a_client_is_invalid(onep, cik):
    assert onep.read(cik, {'alias': ''}, {}) == (False, 'invalid')


def test_points_in_the_same_second_are_all_kept_in_order(onep, cik):
    rid = make_dataport(onep, cik)
    for value in range(5):
        ok(onep.write(cik, rid, value))
    assert ok(onep.read(cik, rid, {'limit': 10, 'sort': 'asc'})) == [[NOW, v] for v in range(5)]


@pytest.mark.parametrize('fmt, written, stored', [
    ('integer', 12, 12), ('integer', '12', 12), ('integer', 12.0, 12), ('integer', ' -7 ', -7),
    ('float', 1.5, 1.5), ('float', 3, 3.0), ('float', '2.25', 2.25), ('float', '4', 4.0),
    ('string', 'hello', 'hello'), ('string', 12, '12'), ('string', 1.5, '1.5'),
    ('string', u'\u00fcn\u00ef', u'\u00fcn\u00ef'),
])
def test_format_conversions(onep, cik, fmt, written, stored):
    rid = make_dataport(onep, cik, fmt)
    ok(onep.write(cik, rid, written))
    value = ok(onep.read(cik, rid, {}))[0][1]
    assert value == stored and type(value) is type(stored)


@pytest.mark.parametrize('fmt, written', [
    ('integer', 12.5), ('integer', 'abc'), ('integer', 2 ** 64), ('integer', True),
    ('integer', None), ('integer', [1]), ('float', 'abc'), ('float', {'a': 1}), ('float', False),
    ('float', 1e400), ('string', None), ('string', ['a']), ('string', 'x' * 70000),
])
def test_format_rejections(onep, cik, fmt, written):
    rid = make_dataport(onep, cik, fmt)
    assert onep.write(cik, rid, written) == (False, 'invalid')
    assert ok(onep.read(cik, rid, {})) == []


def test_write_to_a_client_is_invalid(onep, cik):
    assert onep.write(cik, {'alias': ''}, 1) == (False, 'invalid')


def test_writegroup_writes_every_entry_at_one_timestamp(onep, cik):
    a = make_dataport(onep, cik, alias='a')
    b = make_dataport(onep, cik, 'string', alias='b')
    ok(onep.writegroup(cik, [[{'alias': 'a'}, 1], [b, 'two']]))
    assert ok(onep.read(cik, a, {})) == [[NOW, 1]]
    assert ok(onep.read(cik, b, {})) == [[NOW, 'two']]


def test_writegroup_with_a_bad_value_writes_nothing(onep, cik):
    a = make_dataport(onep, cik)
    b = make_dataport(onep, cik)
    assert onep.writegroup(cik, [[a, 1], [b, 'x']]) == (False, 'invalid')
    assert ok(onep.read(cik, a, {})) == []


def test_record_and_negative_timestamps(onep, cik):
    rid = make_dataport(onep, cik)
    ok(onep.record(cik, rid, [[100, 1], [-10, 2]]))
    assert ok(onep.read(cik, rid, {'limit': 5})) == [[NOW - 10, 2], [100, 1]]


def test_record_is_all_or_nothing(onep, cik):
    rid = make_dataport(onep, cik)
    assert onep.record(cik, rid, [[100, 1], [200, 'x']]) == (False, 'invalid')
    assert ok(onep.read(cik, rid, {})) == []


def test_recordbatch_reports_bad_entries_and_keeps_good_ones(onep, cik):
    rid = make_dataport(onep, cik)
    isok, status = onep.recordbatch(cik, rid, [[1421906172, 'x'], [1421906160, 20], ['soon', 5]])
    assert not isok
    assert status == [[1421906172, 'invalid'], ['soon', 'invalid']]
    assert ok(onep.read(cik, rid, {'limit': 5})) == [[1421906160, 20]]


def test_flush_everything_or_a_window(onep, cik):
    rid = make_dataport(onep, cik)
    ok(onep.recordbatch(cik, rid, [[t, t] for t in (10, 20, 30, 40, 50)]))
    ok(onep.flush(cik, rid, {'newerthan': 20, 'olderthan': 50}))
    assert [p[0] for p in ok(onep.read(cik, rid, {'limit': 9}))] == [50, 20, 10]
    ok(onep.flush(cik, rid, {'newerthan': 15}))
    assert ok(onep.read(cik, rid, {'limit': 9})) == [[10, 10]]
    ok(onep.flush(cik, rid))
    assert ok(onep.read(cik, rid, {'limit': 9})) == []
    assert onep.flush(cik, rid, {'olderthan': 'yesterday'}) == (False, 'invalid')


def test_retention_count_keeps_the_newest_points(onep, cik):
    rid = make_dataport(onep, cik, retention={'count': 3, 'duration': 'infinity'})
    ok(onep.recordbatch(cik, rid, [[t, t] for t in range(1, 7)]))
    assert [p[0] for p in ok(onep.read(cik, rid, {'limit': 10}))] == [6, 5, 4]


def test_retention_count_zero_stores_nothing(onep, cik):
    rid = make_dataport(onep, cik, retention={'count': 0})
    ok(onep.write(cik, rid, 1))
    assert ok(onep.read(cik, rid, {})) == []


def test_retention_duration_in_hours(onep, cik, clock):
    rid = make_dataport(onep, cik, retention={'duration': 1})
    ok(onep.write(cik, rid, 1))
    clock.advance(3000)
    ok(onep.write(cik, rid, 2))
    clock.advance(1000)
    ok(onep.write(cik, rid, 3))
    assert [p[1] for p in ok(onep.read(cik, rid, {'limit': 10}))] == [3, 2]


@pytest.mark.parametrize('steps, written, stored', [
    ([['add', 2]], 5, 7), ([['sub', 2]], 5, 3), ([['mul', 3]], 5, 15), ([['div', 2]], 5, 2.5),
    ([['mod', 3]], 5, 2), ([['gt', 4]], 5, 1), ([['lt', 4]], 5, 0), ([['eq', 5]], 5, 1),
    ([['geq', 6]], 5, 0), ([['leq', 5]], 5, 1), ([['neq', 5]], 5, 0), ([['value', 9]], 5, 9),
    ([['mul', 2], ['add', 1]], 5, 11),
])
def test_preprocess_operations(onep, cik, steps, written, stored):
    rid = make_dataport(onep, cik, 'float', preprocess=steps)
    ok(onep.write(cik, rid, written))
    assert ok(onep.read(cik, rid, {}))[0][1] == stored


def test_preprocess_with_a_resource_operand(onep, cik):
    offset = make_dataport(onep, cik, alias='offset')
    ok(onep.write(cik, offset, 100))
    rid = make_dataport(onep, cik, preprocess=[['add', {'alias': 'offset'}]])
    ok(onep.write(cik, rid, 5))
    assert ok(onep.read(cik, rid, {}))[0][1] == 105


def test_preprocess_rejects_unknown_operations(onep, cik):
    assert onep.create(cik, 'dataport', {'format': 'float', 'preprocess': [['pow', 2]]}) == (
        False, 'invalid')


def test_subscribe_receives_the_source_writes(onep, cik):
    source = make_dataport(onep, cik, alias='source')
    copy = make_dataport(onep, cik, subscribe={'alias': 'source'}, preprocess=[['mul', 10]])
    ok(onep.write(cik, source, 4))
    assert ok(onep.read(cik, copy, {})) == [[NOW, 40]]
    assert ok(onep.info(cik, source, {'subscribers': True})) == {
        'subscribers': [['dataport', copy]]}


def test_wait_returns_when_a_point_arrives(live_emu):
    onep = live_emu.onep()
    cik = live_emu.root_cik
    rid = make_dataport(onep, cik, alias='wait_dataport')
    result = {}

    def waiter():
        result['reply'] = onep.wait(cik, {'alias': 'wait_dataport'}, {'timeout': 20000})

    thread = threading.Thread(target=waiter)
    thread.start()
    # The point is written only once the wait is registered: retry until it is seen.
    for attempt in range(200):
        ok(onep.write(cik, rid, attempt))
        thread.join(0.05)
        if not thread.is_alive():
            break
    thread.join()
    isok, (ts, value) = result['reply']
    assert isok and isinstance(ts, int) and 0 <= value < 200


def test_wait_expires_at_its_timeout(onep, cik):
    rid = make_dataport(onep, cik)
    assert onep.wait(cik, rid, {'timeout': 50}) == (False, 'expire')


def test_wait_since_answers_with_the_first_point_after_it(onep, cik):
    rid = make_dataport(onep, cik)
    ok(onep.recordbatch(cik, rid, [[10, 1], [20, 2], [30, 3]]))
    assert ok(onep.wait(cik, rid, {'since': 15, 'timeout': 1000})) == [20, 2]
    assert onep.wait(cik, rid, {'since': 30, 'timeout': 50}) == (False, 'expire')


def test_wait_rejects_a_bad_timeout(onep, cik):
    rid = make_dataport(onep, cik)
    assert onep.wait(cik, rid, {'timeout': 'long'}) == (False, 'error')


def test_wait_rejects_numbers_past_64_bits_and_nan(onep, cik):
    rid = make_dataport(onep, cik)
    assert onep.wait(cik, rid, {'since': 2 ** 70, 'timeout': 50}) == (False, 'error')
    assert onep.wait(cik, rid, {'since': -2 ** 64, 'timeout': 50}) == (False, 'error')
    assert onep.wait(cik, rid, {'timeout': 2 ** 64}) == (False, 'error')
    assert onep.wait(cik, rid, {'timeout': float('nan')}) == (False, 'error')


def test_update_can_subscribe_and_unsubscribe(onep, cik):
    source = make_dataport(onep, cik)
    copy = make_dataport(onep, cik)
    ok(onep.update(cik, copy, {'subscribe': source}))
    ok(onep.write(cik, source, 1))
    ok(onep.update(cik, copy, {'subscribe': None}))
    ok(onep.write(cik, source, 2))
    assert ok(onep.read(cik, copy, {'limit': 5})) == [[NOW, 1]]


def test_subscription_cycles_end(onep, cik):
    a = make_dataport(onep, cik)
    b = make_dataport(onep, cik, subscribe=a)
    ok(onep.update(cik, a, {'subscribe': b}))
    ok(onep.write(cik, a, 1))
    assert 1 <= len(ok(onep.read(cik, a, {'limit': 100}))) <= 20


def test_wait_since_answers_when_a_later_point_arrives(live_emu):
    onep = live_emu.onep()
    cik = live_emu.root_cik
    rid = make_dataport(onep, cik)
    result = {}

    def waiter():
        result['reply'] = onep.wait(cik, rid, {'since': 1000, 'timeout': 20000})

    thread = threading.Thread(target=waiter)
    thread.start()
    ok(onep.record(cik, rid, [[500, 1]]))      # not after `since`: keeps waiting
    ok(onep.record(cik, rid, [[2000, 2]]))
    thread.join()
    assert result['reply'] == (True, [2000, 2])
