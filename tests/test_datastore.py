"""pyonep.datastore.Datastore against the emulator over HTTP, on every interpreter (below
Python 3.8 the emulator runs as a child process on a newer one; see test_examples.py).

Each test works under a client of its own. Intervals are short, or an hour when a test
checks that nothing is sent before the thread is woken; nothing asserts how long anything
took. The datastore's OnepV1 logs its requests (``_conn.logrequests``) so that tests can
tell what was sent and when.
"""
import logging
import threading
import time

import pytest

from pyonep.datastore import Datastore, datastore_config, transport_config
from pyonep.exceptions import JsonRPCRequestException, OnePlatformException
from recording_server import free_port
from emulator_support import needs_emulator

pytestmark = needs_emulator

HOUR = 3600  # an interval the tests never wait for: only stop() or a full buffer wakes it


def wait_until(condition, what, deadline=60):
    """Poll condition() until it is true; fail, naming what, after deadline seconds."""
    end = time.time() + deadline
    while not condition():
        if time.time() > end:
            pytest.fail('gave up waiting until ' + what)
        time.sleep(0.01)


@pytest.fixture(scope='module')
def emu():
    from pyonep.emulator import Emulator
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def onep(emu):
    return emu.onep()


@pytest.fixture
def cik(emu, onep):
    """The CIK of a new client under the emulator's root, dropped after the test."""
    isok, rid = onep.create(emu.root_cik, 'client', {})
    assert isok, rid
    isok, info = onep.info(emu.root_cik, rid, {'key': True})
    assert isok, info
    yield info['key']
    onep.drop(emu.root_cik, rid)


@pytest.fixture
def make(emu, cik):
    """Return a factory of Datastores for the test's client (keyword arguments as for
    Datastore; ``interval`` defaults to 0.01); their threads are ended after the test."""
    made = []

    def factory(interval=0.01, cik=cik, transport=None, **kwargs):
        if transport is None:
            transport = {'host': emu.host, 'port': emu.port}
        ds = Datastore(cik, interval, transport=transport, **kwargs)
        ds._conn.logrequests = True
        made.append(ds)
        return ds

    yield factory
    for ds in made:
        ds.stop(force=True)
        assert ds.join(60)


def sent(ds, procedure=None):
    """The calls the datastore has sent, as (procedure, arguments), optionally of one kind."""
    calls = [(call['procedure'], call['arguments'])
             for request in ds._conn.loggedrequests() for call in request['calls']]
    return [c for c in calls if procedure is None or c[0] == procedure]


def points(onep, cik, alias):
    """Every [timestamp, value] of alias's dataport, oldest first ([] when none exists)."""
    isok, result = onep.read(cik, {'alias': alias}, {'limit': 100000, 'sort': 'asc'})
    return result if isok else []


def test_producer_threads_lose_and_duplicate_nothing(make, onep, cik):
    ds = make(autocreate={'format': 'integer'}, config={'write_buffer_size': 100000})
    ds.start()
    accepted = dict(('w%d' % n, 0) for n in range(4))
    errors = []

    def produce(n):
        try:
            for i in range(150):
                # timestamped points: every one must arrive, once
                assert ds.record('shared', [[1000000 + n * 1000 + i, n * 1000 + i]]) is True
                # live values: a later write replaces one still waiting, the rest arrive
                if ds.write('w%d' % n, i):
                    accepted['w%d' % n] += 1
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=produce, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    ds.stop()
    assert ds.join(60)
    assert ds.bufferCount() == 0 and ds.rejected() == [] and ds.lastError() is None
    shared = points(onep, cik, 'shared')
    expected = sorted(n * 1000 + i for n in range(4) for i in range(150))
    assert sorted(v for _, v in shared) == expected
    assert all(t == 1000000 + v for t, v in shared)
    for n in range(4):
        values = [v for _, v in points(onep, cik, 'w%d' % n)]
        assert values[-1] == 149  # the last write always arrives
        assert values == sorted(set(values))  # in order, none twice
        assert len(values) == accepted['w%d' % n]  # one point per value that took a slot


def test_nothing_is_sent_before_the_interval_and_stop_sends_it_all(make, onep, cik):
    ds = make(interval=HOUR, autocreate=True)
    ds.start()
    assert ds.write('x', 'one') is True
    assert ds.record('y', [[1000000, 'old']]) is True
    assert ds.isThreadAlive()
    assert sent(ds) == []  # with autocreate, not even a lookup before the send
    assert ds.bufferCount() == 2
    ds.stop()
    assert ds.join(60)
    assert not ds.isThreadAlive()
    assert ds.bufferCount() == 0
    assert [v for _, v in points(onep, cik, 'x')] == ['one']
    assert points(onep, cik, 'y') == [[1000000, 'old']]
    assert len(sent(ds, 'writegroup')) == 1 and len(sent(ds, 'record')) == 1


def test_the_thread_sends_every_interval_without_being_stopped(make, onep, cik):
    ds = make(interval=0.02, autocreate=True)
    ds.start()
    ds.write('x', 'first')
    wait_until(lambda: points(onep, cik, 'x'), 'the first value is sent')
    ds.write('x', 'second')
    wait_until(lambda: len(points(onep, cik, 'x')) == 2, 'the second value is sent')
    assert ds.isThreadAlive()


def test_a_full_buffer_is_sent_at_once(make, onep, cik):
    ds = make(interval=HOUR, autocreate=True, config={'write_buffer_size': 3})
    ds.start()
    assert ds.write('a', '1') and ds.write('b', '2')
    assert sent(ds) == []
    assert ds.write('c', '3') is True  # the buffer is full: the thread sends now
    wait_until(lambda: ds.bufferCount() == 0, 'the full buffer is sent')
    for alias, value in (('a', '1'), ('b', '2'), ('c', '3')):
        assert [v for _, v in points(onep, cik, alias)] == [value]
    assert ds.isThreadAlive()


def test_a_full_buffer_refuses_new_values_but_takes_newer_ones(make, onep, cik):
    ds = make(autocreate=True, config={'write_buffer_size': 2})
    assert ds.write('a', 'first') is True
    assert ds.write('b', 'b') is True
    assert ds.write('c', 'c') is False  # full: refused
    assert ds.record('a', [[1000000, 'x']]) is False
    assert ds.write('a', 'newer') is False  # replaces the waiting value, as 0.13.8 answers
    assert ds.bufferCount() == 2
    ds.flush()
    assert [v for _, v in points(onep, cik, 'a')] == ['newer']
    assert points(onep, cik, 'c') == []
    assert ds.write('c', 'c') is True  # room again


def test_read_is_cached_until_it_expires(make, onep, cik):
    config = {'read_cache_expire_time': HOUR}
    ds = make(config=config)
    assert ds.createDataport('t', 'integer') == (True, True)
    onep.write(cik, {'alias': 't'}, 1)
    assert [v for _, v in ds.read('t')] == [1]
    onep.write(cik, {'alias': 't'}, 2)
    assert [v for _, v in ds.read('t')] == [1]  # from the cache
    assert len(sent(ds, 'read')) == 1
    assert [v for _, v in ds.read('t', forcequery=True)] == [2]  # asks the platform
    assert [v for _, v in ds.read('t', 2)] == [2, 1]  # another count is another read
    assert len(sent(ds, 'read')) == 3
    onep.write(cik, {'alias': 't'}, 3)
    config['read_cache_expire_time'] = 0  # the config is read at each use
    wait_until(lambda: [v for _, v in ds.read('t', 2)] == [3, 2], 'the cached read expires')


def test_read_cache_size(make, onep, cik):
    ds = make(config={'read_cache_size': 1, 'read_cache_expire_time': HOUR})
    for alias in ('a', 'b'):
        ds.createDataport(alias, 'integer')
    for alias in ('a', 'b', 'a'):
        assert ds.read(alias) == []
    assert len(sent(ds, 'read')) == 3  # reading b emptied the cache of one
    ds = make(config={'read_cache_expire_time': HOUR})
    for alias in ('a', 'b', 'a'):
        ds.read(alias)
    assert len(sent(ds, 'read')) == 2


def test_read_failures_return_false_and_log(make, caplog):
    ds = make()
    with caplog.at_level(logging.ERROR, logger='pyonep.datastore'):
        assert ds.read('nothing') is False
    assert "no dataport has the alias 'nothing'" in caplog.text
    down = make(transport={'host': '127.0.0.1', 'port': free_port()})
    with caplog.at_level(logging.ERROR, logger='pyonep.datastore'):
        assert down.read('x') is False
    assert 'Failed to make http request' in caplog.text
    assert all(r.name == 'pyonep.datastore' for r in caplog.records)


def test_record_offsets_and_absolute_times(make, onep, cik):
    ds = make(autocreate={'format': 'integer'})
    assert ds.record('r', [[-30, 1], [-20, 2], [-10, 3], [1000000, 9]]) is True
    ds.flush()
    got = points(onep, cik, 'r')
    assert got[0] == [1000000, 9]
    assert [v for _, v in got[1:]] == [1, 2, 3]
    assert [got[2][0] - got[1][0], got[3][0] - got[2][0]] == [10, 10]
    assert [entry[1][1] for entry in sent(ds, 'record')] == [[[-30, 1], [-20, 2], [-10, 3],
                                                              [1000000, 9]]]


def test_alias_lookup_without_autocreate(make, onep, cik):
    ds = make()
    assert ds.write('late', 1) is False  # no such dataport: refused, nothing buffered
    assert ds.record('late', [[-1, 1]]) is False
    assert ds.bufferCount() == 0
    isok, rid = onep.create(cik, 'dataport', {'format': 'integer'})
    onep.map(cik, rid, 'late')
    assert ds.write('late', 2) is True  # a failed lookup is not remembered
    assert ds.record('late', [[1000000, 7]]) is True
    ds.flush()
    assert sent(ds, 'lookup') == [('lookup', ['alias', 'late'])] * 3  # then cached
    assert sent(ds, 'writegroup') == [('writegroup', [[[rid, 2]]])]
    assert [v for _, v in points(onep, cik, 'late')] == [7, 2]


def test_autocreate_uses_the_given_description(make, onep, cik):
    ds = make(autocreate={'format': 'integer', 'preprocess': [['add', 1]], 'count': 5})
    ds.write('n', 41)
    ds.flush()
    assert [v for _, v in points(onep, cik, 'n')] == [42]
    isok, info = onep.info(cik, {'alias': 'n'}, {'description': True})
    assert info['description']['format'] == 'integer'
    assert info['description']['retention'] == {'count': 5, 'duration': 'infinity'}
    create = sent(ds, 'create')[0][1]
    assert create == ['dataport', {'format': 'integer', 'name': 'n', 'visibility': 'parent',
                                   'retention': {'count': 5, 'duration': 'infinity'},
                                   'preprocess': [['add', 1]]}]
    plain = make(autocreate=True)  # True: a string dataport
    plain.write('s', 'text')
    plain.flush()
    assert sent(plain, 'create')[0][1][1]['format'] == 'string'
    assert [v for _, v in points(onep, cik, 's')] == ['text']


def test_autocreate_uses_a_dataport_mapped_meanwhile(make, onep, cik):
    ds = make(autocreate=True)
    isok, theirs = onep.create(cik, 'dataport', {'format': 'string'})
    onep.map(cik, theirs, 'race')
    # As when another program maps the alias between our lookup and our map: our new
    # dataport is dropped and theirs is used.
    assert ds._create('race', {'format': 'string'}) == (theirs, 'exists')
    isok, listing = onep.listing(cik, ['dataport'], {})
    assert listing['dataport'] == [theirs]
    ds.write('race', 'v')
    ds.flush()
    assert [v for _, v in points(onep, cik, 'race')] == ['v']


def test_create_dataport_and_comment(make, onep, cik):
    ds = make()
    assert ds.createDataport('c', 'float') == (True, True)
    assert ds.createDataport('c', 'float') == (False, 'Alias already existed.')
    assert ds.createDataport('bad', 'no-such-format') == (False, 'Failed to create Dataport.')
    isok, info = onep.info(cik, {'alias': 'c'}, {'description': True})
    assert info['description']['retention'] == {'count': 'infinity', 'duration': 'infinity'}
    assert ds.comment('c', 'public', 'a note') is True
    isok, info = onep.info(cik, {'alias': 'c'}, {'comments': True})
    assert ['public', 'a note'] in [list(c) for c in info['comments']]
    assert ds.comment('missing', 'public', 'x') is False
    isok, theirs = onep.create(cik, 'dataport', {'format': 'string'})
    onep.map(cik, theirs, 'elsewhere')  # mapped by another program: not in our cache
    assert ds.createDataport('elsewhere', 'string') == (False, 'Alias already existed.')
    assert len(sent(ds, 'create')) == 2  # c and bad; none for 'elsewhere'


def test_stop_force_sends_nothing_and_keeps_the_buffer(make, onep, cik):
    ds = make(interval=HOUR, autocreate=True)
    ds.start()
    ds.write('x', 'kept')
    ds.stop(force=True)
    assert ds.join(60)
    assert not ds.isThreadAlive()
    assert sent(ds) == [] and ds.bufferCount() == 1
    ds.start()  # a later start sends what was kept
    ds.stop()
    assert ds.join(60)
    assert [v for _, v in points(onep, cik, 'x')] == ['kept']


def test_restart_replaces_the_thread_and_keeps_the_buffer(make, onep, cik):
    ds = make(interval=HOUR, autocreate=True)
    ds.start(daemon=True)
    first = ds._thread
    ds.start()  # running already: no second thread
    assert ds._thread is first
    ds.write('x', 'once')
    ds.restart()
    assert not first.is_alive()
    assert ds.isThreadAlive() and ds._thread is not first and ds._thread.daemon
    assert sent(ds) == []
    ds.stop()
    assert ds.join(60)
    assert [v for _, v in points(onep, cik, 'x')] == ['once']


def test_thread_state_before_start(make):
    ds = make()
    assert ds.isThreadAlive() is False
    assert ds.join() is True
    ds.stop()  # nothing to stop
    assert make(interval=0.25)._interval == 0.25
    assert make(interval=0)._interval == 1


def test_refused_values_are_set_aside_and_the_rest_is_stored(make, onep, cik, caplog):
    ds = make(autocreate=True)
    assert ds.createDataport('n', 'integer') == (True, True)
    ds.write('n', 'abc')
    ds.write('s', 'fine')
    ds.record('n', [[1000001, 1], [1000002, 'bad'], [1000003, 3]])
    with caplog.at_level(logging.ERROR, logger='pyonep.datastore'):
        ds.start()
        ds.stop()
        assert ds.join(60)  # refused values do not keep the thread alive
    assert [v for _, v in points(onep, cik, 's')] == ['fine']
    assert points(onep, cik, 'n') == [[1000001, 1], [1000003, 3]]
    rejected = ds.rejected(clear=True)
    assert sorted((a, v, why) for a, _, v, why in rejected) == [
        ('n', 'abc', 'invalid'), ('n', 'bad', 'invalid')]
    assert ('n', 1000002, 'bad', 'invalid') in rejected
    assert ds.rejected() == [] and ds.bufferCount() == 0
    assert "the platform refused 1 value(s) for 'n' (invalid)" in caplog.text


def test_a_dropped_dataport_is_created_again(make, onep, cik):
    ds = make(autocreate={'format': 'integer'})
    ds.write('d', 1)
    ds.flush()
    isok, first = onep.lookup(cik, 'alias', 'd')
    onep.drop(cik, first)
    ds.write('d', 2)
    ds.record('d', [[1000000, 3]])
    ds.flush()
    assert ds.rejected() == [] and ds.bufferCount() == 0
    isok, second = onep.lookup(cik, 'alias', 'd')
    assert second != first
    assert sorted(v for _, v in points(onep, cik, 'd')) == [2, 3]


def test_unreachable_platform_keeps_everything_until_it_is_back(make, cik, caplog):
    from pyonep.emulator import Emulator
    port = free_port()
    ds = make(interval=0.05, autocreate={'format': 'integer'},
              transport={'host': '127.0.0.1', 'port': port})
    ds.write('w', 1)
    before = int(time.time())
    ds.record('r', [[-100, 5]])
    with pytest.raises(JsonRPCRequestException) as raised:
        ds.flush()
    after = int(time.time())
    assert 'Failed to make http request' in str(raised.value)
    assert ds.bufferCount() == 2 and ds.rejected() == []
    with caplog.at_level(logging.ERROR, logger='pyonep.datastore'):
        ds.start()
        ds.stop()  # keeps trying: nothing buffered is dropped
        wait_until(lambda: 'kept for the next attempt' in caplog.text, 'a failed send is logged')
    assert ds.isThreadAlive() and ds.bufferCount() == 2
    assert isinstance(ds.lastError(), JsonRPCRequestException)
    # Two seconds on, the times sent must still be those of the first attempt.
    wait_until(lambda: time.time() >= after + 2, 'two seconds have passed')
    with Emulator(port=port, root_cik=cik) as emu:
        assert ds.join(60)
        assert ds.bufferCount() == 0 and ds.lastError() is None and ds.rejected() == []
        onep = emu.onep()
        [[stamp, value]] = points(onep, cik, 'w')
        assert value == 1 and before <= stamp <= after + 1
        [[stamp, value]] = points(onep, cik, 'r')
        assert value == 5 and before - 100 <= stamp <= after - 99  # -100 from record()


def test_an_error_for_the_whole_request_keeps_the_values(make):
    ds = make(cik='0' * 40, autocreate=True)  # a CIK the platform does not know
    ds.write('x', 1)
    with pytest.raises(OnePlatformException):
        ds.flush()
    assert ds.bufferCount() == 1 and ds.rejected() == []
    assert isinstance(ds.lastError(), OnePlatformException)
    ds.start()
    ds.stop(force=True)  # the way out when the values cannot be sent
    assert ds.join(60)
    assert ds.bufferCount() == 1


@pytest.mark.parametrize('call,error', [
    (lambda ds: ds.write(5, 1), TypeError),
    (lambda ds: ds.write('', 1), ValueError),
    (lambda ds: ds.write('a', float('nan')), ValueError),
    (lambda ds: ds.write('a', object()), TypeError),
    (lambda ds: ds.record('a', [[1]]), ValueError),
    (lambda ds: ds.record('a', [['soon', 1]]), TypeError),
    (lambda ds: ds.record('a', [[True, 1]]), TypeError),
    (lambda ds: ds.record('a', [[1, 1], [2, float('inf')]]), ValueError),
])
def test_bad_input_is_refused_at_the_call(make, call, error):
    ds = make(autocreate=True)
    with pytest.raises(error):
        call(ds)
    assert ds.bufferCount() == 0
    ds.flush()
    assert sent(ds) == []


def test_undecodable_bytes_are_refused_with_a_clear_message(make):
    ds = make(autocreate=True)
    # Python 2: bytes that are not UTF-8 (UnicodeDecodeError); Python 3: bytes (TypeError)
    with pytest.raises((TypeError, ValueError), match="the value for 'a' cannot be sent as JSON"):
        ds.write('a', b'\xff')
    assert ds.bufferCount() == 0


def test_transport_and_config_defaults():
    assert transport_config == {'host': 'm2.exosite.com', 'port': '80',
                                'url': '/onep:v1/rpc/process', 'https': False, 'timeout': 3}
    assert datastore_config == {'write_buffer_size': 1024, 'read_cache_size': 1024,
                                'read_cache_expire_time': 5, 'log_level': 'debug'}
    ds = Datastore('k' * 40, 1)
    assert ds._conn.onephttp.host == 'http://m2.exosite.com:80'
    given = {'host': 'example.com', 'port': '443', 'https': True}
    ds = Datastore('k' * 40, 1, transport=given)
    assert ds._conn.onephttp.host == 'https://example.com:443'  # https is honoured
    assert given == {'host': 'example.com', 'port': '443', 'https': True}  # and not changed
    assert transport_config['https'] is False
