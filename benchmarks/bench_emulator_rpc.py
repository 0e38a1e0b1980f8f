"""Benchmark of the emulator's JSON-RPC side, through pyonep's own OnepV1 over loopback.

Prints three figures:

1. calls per second for a write/read/info mix sent by 4 client threads, each over its own
   keep-alive connection (``OnepV1(reuseconnection=True)``);
2. the time of one ``recordbatch`` of 100,000 points (and points per second);
3. reading the newest 1,000 points of a dataport holding 1,000,000 through OnepV1, beside
   the time of the bare sqlite query the emulator runs for it, as a ratio (the baseline is
   measured in the same run, on the same database file, over its own connection).

The emulator runs as a separate process (``Emulator(subprocess=True)``) on a temporary
file database, so the client threads do not share its interpreter lock.

Usage: ``python3 benchmarks/bench_emulator_rpc.py [--seconds N] [--points N]``.
"""
import argparse
import os
import sqlite3
import tempfile
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pyonep.emulator import Emulator  # noqa: E402


def best_of(runs, function):
    """Return the smallest wall time of ``runs`` calls of ``function``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def mixed_calls(emu, seconds, threads=4):
    cik = emu.root_cik
    setup = emu.onep()
    rids = [setup.create(cik, 'dataport', {'format': 'integer'})[1] for _ in range(threads)]
    counts = [0] * threads
    stop = time.perf_counter() + seconds
    failures = []

    def worker(index):
        onep = emu.onep(reuseconnection=True)
        rid = rids[index]
        n = 0
        while time.perf_counter() < stop:
            kind = n % 3
            if kind == 0:
                result = onep.write(cik, rid, n)
            elif kind == 1:
                result = onep.read(cik, rid, {'limit': 10})
            else:
                result = onep.info(cik, rid, {'basic': True})
            if not result[0]:
                failures.append(result)
            n += 1
        counts[index] = n

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise SystemExit('failed calls: %r' % failures[:3])
    return sum(counts), elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seconds', type=float, default=5.0, help='length of the mixed-call run')
    parser.add_argument('--points', type=int, default=1000000, help='points in the big dataport')
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix='bench-emulator-')
    db = os.path.join(folder, 'bench.db')
    with Emulator(db=db, subprocess=True) as emu:
        calls, elapsed = mixed_calls(emu, args.seconds)
        print('mixed write/read/info, 4 threads, keep-alive: %d calls in %.2f s = %.0f calls/s'
              % (calls, elapsed, calls / elapsed))

        onep = emu.onep(reuseconnection=True, httptimeout=600)
        cik = emu.root_cik
        rid = onep.create(cik, 'dataport', {'format': 'integer'})[1]
        batch = [[t, t] for t in range(1, 100001)]
        start = time.perf_counter()
        assert onep.recordbatch(cik, rid, batch) == (True, 'ok')
        elapsed = time.perf_counter() - start
        print('recordbatch of 100,000 points: %.2f s = %.0f points/s' % (elapsed, 100000 / elapsed))

        big = onep.create(cik, 'dataport', {'format': 'integer'})[1]
        start = time.perf_counter()
        for first in range(1, args.points + 1, 100000):
            chunk = [[t, t] for t in range(first, min(first + 100000, args.points + 1))]
            assert onep.recordbatch(cik, big, chunk) == (True, 'ok')
        print('loaded %d points in %.1f s' % (args.points, time.perf_counter() - start))

        options = {'starttime': 0, 'endtime': args.points, 'limit': 1000}
        result = onep.read(cik, big, options)
        assert result[0] and len(result[1]) == 1000 and result[1][0][0] == args.points
        rpc_time = best_of(20, lambda: onep.read(cik, big, options))

        conn = sqlite3.connect(db)
        res = conn.execute('SELECT id FROM resources WHERE rid=?', (big,)).fetchone()[0]
        sql = ('SELECT ts, value FROM points WHERE res=? AND ts>=? AND ts<=? '
               'ORDER BY ts DESC, id DESC LIMIT ?')

        def bare():
            rows = conn.execute(sql, (res, 0, args.points, 1000)).fetchall()
            assert len(rows) == 1000

        sql_time = best_of(20, bare)
        print('newest 1,000 of %d points: OnepV1 read %.2f ms, bare sqlite query %.2f ms, '
              'ratio %.1fx' % (args.points, rpc_time * 1000, sql_time * 1000, rpc_time / sql_time))
        conn.close()
    for name in os.listdir(folder):
        os.remove(os.path.join(folder, name))
    os.rmdir(folder)


if __name__ == '__main__':
    main()
