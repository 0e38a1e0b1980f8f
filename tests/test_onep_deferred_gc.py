"""send_deferred of a large batch keeps Python's cyclic garbage collector paused while it
composes, sends and matches the batch, and always puts the collector back as it was."""
import gc
import sys
import threading

import pytest

from pyonep import onep as onep_module
from pyonep._gcpause import gc_paused
from pyonep.exceptions import JsonRPCRequestException
from recording_server import free_port

CIK = '5de0cfcf7b5bed2ea7a801234567890123456789'
RID = '34eaae237988167d90bfc2ffeb666daaaaaaaaaa'


@pytest.fixture
def gc_state():
    """Give the test the collector on, and put the state it found back afterwards."""
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


class Watching(onep_module.OnepV1):
    """Notes whether the collector was on when each request was composed and sent."""

    def __init__(self, *args, **kwargs):
        onep_module.OnepV1.__init__(self, *args, **kwargs)
        self.collector = []

    def _callJsonRPC(self, auth, callrequests, returnreq=False, notimeout=False):
        self.collector.append((len(callrequests), gc.isenabled()))
        return onep_module.OnepV1._callJsonRPC(self, auth, callrequests, returnreq,
                                               notimeout=notimeout)


def queue(client, count, auth=CIK):
    for i in range(count):
        client.write(auth, RID, i, defer=True)


def test_a_large_batch_is_sent_with_the_collector_paused(server, gc_state):
    client = Watching(host='127.0.0.1', port=server.port, https=False, reuseconnection=True)
    queue(client, 1000)
    result = client.send_deferred(CIK)
    assert len(result) == 1000 and all(isok for _, isok, _ in result)
    assert client.collector == [(1000, False)]
    assert gc.isenabled()
    queue(client, 999)  # small batches, single calls and batches with a wait: no pause
    client.send_deferred(CIK)
    client.read(CIK, RID, {})
    queue(client, 1500)
    client.wait(CIK, RID, {'timeout': 1}, defer=True)
    client.send_deferred(CIK)
    assert client.collector[1:] == [(999, True), (1, True), (1501, True)]
    assert gc.isenabled()
    client.close()


@pytest.mark.skipif(sys.version_info < (3, 3), reason='gc.callbacks is Python 3.3+')
def test_no_collection_runs_while_a_large_batch_is_sent_and_matched(server, gc_state):
    inside = []
    collections = []

    class Marking(onep_module.OnepV1):
        def _callJsonRPC(self, *args, **kwargs):
            inside.append(True)
            try:
                return onep_module.OnepV1._callJsonRPC(self, *args, **kwargs)
            finally:
                inside.pop()

    def note(phase, info):
        if phase == 'start' and inside:
            collections.append(info['generation'])

    client = Marking(host='127.0.0.1', port=server.port, https=False)
    gc.callbacks.append(note)
    try:
        queue(client, 20000)
        assert len(client.send_deferred(CIK)) == 20000
        assert collections == []
        queue(client, 999)  # a small batch is sent with the collector on, and it runs
        assert len(client.send_deferred(CIK)) == 999
        assert collections != []
    finally:
        gc.callbacks.remove(note)


def test_the_collector_is_restored_when_the_batch_fails(gc_state):
    client = onep_module.OnepV1(host='127.0.0.1', port=free_port(), https=False)
    queue(client, 1200)
    with pytest.raises(JsonRPCRequestException):
        client.send_deferred(CIK)
    assert gc.isenabled()
    gc.disable()  # a program that keeps the collector off finds it off
    queue(client, 1200)
    with pytest.raises(JsonRPCRequestException):
        client.send_deferred(CIK)
    assert not gc.isenabled()


def test_overlapping_pauses_restore_the_state_found_by_the_first(gc_state):
    with pytest.raises(ValueError):
        with gc_paused():
            assert not gc.isenabled()
            raise ValueError('inside')
    assert gc.isenabled()
    first_in = threading.Event()
    release_first = threading.Event()
    seen = []

    def first():
        with gc_paused():
            first_in.set()
            release_first.wait(10)
            seen.append(gc.isenabled())

    thread = threading.Thread(target=first)
    thread.start()
    assert first_in.wait(10)
    with gc_paused():  # begins while the first is paused, ends before it
        seen.append(gc.isenabled())
    seen.append(gc.isenabled())  # the first is still in its pause
    release_first.set()
    thread.join(10)
    assert seen == [False, False, False]
    assert gc.isenabled()


def test_queueing_a_call_leaves_no_object_for_the_collector(gc_state):
    """0.13.8 kept a (method, args) tuple and the args list per queued call: two objects the
    collector walks on every full pass, which made filling a queue of 100,000 calls
    superlinear on Python 3.11 and older."""
    client = onep_module.OnepV1(host='127.0.0.1', port=1, https=False)
    client.write(CIK, RID, -1, defer=True)
    gc.collect()
    before = len(gc.get_objects())
    queue(client, 2000)
    assert len(gc.get_objects()) - before < 100
    client.deferred.reset(CIK)


def test_the_queue_gives_back_what_was_queued():
    queue_ = onep_module.DeferredRequests()
    options = {'limit': 1}
    queue_.add(CIK, 'read', [RID, options])
    queue_.add(CIK, 'comment', (RID, 'public', 'a tuple stays a tuple'))
    queue_.add(CIK, 'listing', [])
    queue_.add(CIK, 'wait', [RID, {}], notimeout=True)
    pairs = queue_.get_method_args_pairs(CIK)
    assert pairs == [('read', [RID, {'limit': 1}]), ('comment', (RID, 'public', 'a tuple stays a tuple')),
                     ('listing', []), ('wait', [RID, {}])]
    assert pairs[0][1][1] is options  # the same items, in a new list
    taken, notimeout = queue_.take(CIK)
    assert len(taken) == 4 and taken.pairs() == pairs and notimeout is True
    assert not queue_.has_requests(CIK)
    empty, notimeout = queue_.take(CIK)
    assert len(empty) == 0 and empty.pairs() == [] and notimeout is False
