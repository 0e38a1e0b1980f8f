"""One OnepV1 shared by several threads against a real loopback server: every call gets
its own reply, ids never repeat, nothing is lost or mixed up; deferred queues filled from
several threads keep every call."""
import threading

import pytest

CIK = '5de0cfcf7b5bed2ea7a801234567890123456789'


def run_threads(count, target):
    errors = []

    def guarded(n):
        try:
            target(n)
        except Exception as exc:  # reported below, with the thread's number
            errors.append((n, repr(exc)))

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@pytest.mark.parametrize('reuse,calls', [(True, 1000), (False, 50)])
def test_eight_threads_share_one_client(make_onep, server, reuse, calls):
    client = make_onep(reuseconnection=reuse)
    mixed = []

    def work(n):
        alias = {'alias': 'thread%d' % n}
        for i in range(calls):
            isok, result = client.write(CIK, alias, i)
            if not isok or result['arguments'] != [alias, i, {}]:
                mixed.append((n, i, result))

    run_threads(8, work)
    assert mixed == []
    ids = [r.json()['calls'][0]['id'] for r in server.requests]
    assert len(ids) == 8 * calls
    assert sorted(ids) == list(range(8 * calls))  # no id repeated, none skipped
    if reuse:  # kept alive: a pooled connection per thread at most, not one per call
        assert 1 <= server.connections <= 8


def test_deferred_queue_filled_from_eight_threads(make_onep, server):
    client = make_onep()

    def work(n):
        for i in range(1000):
            client.write(CIK, {'alias': 'thread%d' % n}, i, defer=True)

    run_threads(8, work)
    result = client.send_deferred(CIK)
    assert len(result) == 8000
    sent = sorted((call['arguments'][0]['alias'], call['arguments'][1]) for call, _, _ in result)
    assert sent == sorted(('thread%d' % n, i) for n in range(8) for i in range(1000))
    assert sorted(call['id'] for call, _, _ in result) == list(range(8000))
    for call, isok, value in result:
        assert isok and value['arguments'] == call['arguments']
    assert client.has_deferred(CIK) is False


def test_sends_and_adds_from_several_threads_lose_nothing(make_onep, server):
    client = make_onep(reuseconnection=True)
    received = []
    lock = threading.Lock()

    def work(n):
        for i in range(200):
            client.write(CIK, {'alias': 'a'}, (n, i), defer=True)
            if i % 50 == 49:
                try:
                    got = client.send_deferred(CIK)
                except Exception as exc:
                    if 'No deferred requests' not in str(exc):
                        raise
                    got = []
                with lock:
                    received.extend(tuple(call['arguments'][1]) for call, _, _ in got)

    run_threads(4, work)
    if client.has_deferred(CIK):
        received.extend(tuple(call['arguments'][1]) for call, _, _ in client.send_deferred(CIK))
    assert sorted(received) == sorted((n, i) for n in range(4) for i in range(200))
