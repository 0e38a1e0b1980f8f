"""Benchmark of the emulator's JSON-RPC side over loopback.

First, server capacity against a peer: lean ``http.client`` clients in separate processes
(keep-alive, write+read pairs) against the emulator with ``--db`` and, when ``node`` and
onep-mock (Exosite's Node.js mock, in memory) are at hand, against onep-mock in the same run.
Prints calls per second with 4 and with 1 client connection, the emulator's ratio to
onep-mock, and the server's CPU time per call (from /proc) for write, read and info alone.
onep-mock is found through ``ONEP_MOCK_GIT`` (default: the mirror under /work/.mirror) and
the start script in ``../shared/realclients/onep-mock`` (``ONEP_MOCK_START`` overrides).

Then, through pyonep's own OnepV1, three figures:

1. calls per second for a write/read/info mix sent by 4 client threads, each over its own
   keep-alive connection (``OnepV1(reuseconnection=True)``);
2. the time of one ``recordbatch`` of 100,000 points (and points per second);
3. reading the newest 1,000 points of a dataport holding 1,000,000 through OnepV1, beside
   the time of the bare sqlite query the emulator runs for it, as a ratio (the baseline is
   measured in the same run, on the same database file, over its own connection).

The emulator runs as a separate process (``Emulator(subprocess=True)``) on a temporary
file database, so the client threads do not share its interpreter lock.

Usage: ``python3 benchmarks/bench_emulator_rpc.py [--seconds N] [--points N]
[--rounds N] [--capacity-only]``.
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import sqlite3
import subprocess
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


# ------------------------------------------------------------------ capacity against a peer
HERE = os.path.dirname(os.path.abspath(__file__))
MOCK_CIK = '1' * 40
RPC_PATH = '/onep:v1/rpc/process'


def client_main(argv):
    """One lean client process: ``--client PORT CIK RID MODE SECONDS``; prints its call count.

    MODE is 'pair' (a write then a read), 'write', 'read' or 'info'; one call per request,
    over one keep-alive connection.
    """
    port, cik, rid, mode, seconds = int(argv[0]), argv[1], argv[2], argv[3], float(argv[4])
    conn = http.client.HTTPConnection('127.0.0.1', port)
    headers = {'Content-Type': 'application/json; charset=utf-8'}
    bodies = {
        'read': json.dumps({'auth': {'cik': cik}, 'calls': [
            {'id': 1, 'procedure': 'read', 'arguments': [rid, {'limit': 1}]}]}),
        'info': json.dumps({'auth': {'cik': cik}, 'calls': [
            {'id': 1, 'procedure': 'info', 'arguments': [rid, {'basic': True}]}]}),
    }
    kinds = {'pair': ('write', 'read')}.get(mode, (mode,))
    sys.stdout.write('ready\n')
    sys.stdout.flush()
    sys.stdin.readline()  # start together
    calls, n = 0, 0
    stop = time.perf_counter() + seconds
    while time.perf_counter() < stop:
        for kind in kinds:
            n += 1
            body = bodies.get(kind) or json.dumps({'auth': {'cik': cik}, 'calls': [
                {'id': 1, 'procedure': 'write', 'arguments': [rid, n, {}]}]})
            conn.request('POST', RPC_PATH, body, headers)
            reply = conn.getresponse().read()
            if b'"ok"' not in reply:
                raise SystemExit('failed call: %r' % reply[:200])
            calls += 1
    sys.stdout.write('%d\n' % calls)


def cpu_seconds(pid):
    """Return the user+system CPU seconds process ``pid`` (all its threads) has used."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / float(os.sysconf('SC_CLK_TCK'))


def rpc(port, cik, procedure, arguments):
    conn = http.client.HTTPConnection('127.0.0.1', port)
    conn.request('POST', RPC_PATH, json.dumps({'auth': {'cik': cik}, 'calls': [
        {'id': 1, 'procedure': procedure, 'arguments': arguments}]}),
        {'Content-Type': 'application/json; charset=utf-8'})
    reply = json.loads(conn.getresponse().read())
    conn.close()
    return reply[0].get('result')


def run_clients(port, cik, rids, mode, seconds):
    """Run one client process per RID at once; return (calls, wall seconds)."""
    procs = [subprocess.Popen([sys.executable, os.path.abspath(__file__), '--client', str(port), cik,
                               rid, mode, str(seconds)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, universal_newlines=True) for rid in rids]
    for proc in procs:
        assert proc.stdout.readline().strip() == 'ready'
    start = time.perf_counter()
    for proc in procs:
        proc.stdin.write('go\n')
        proc.stdin.flush()
    calls = 0
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode:
            raise SystemExit('a client failed')
        calls += int(out.split()[-1])
    return calls, time.perf_counter() - start


def measure(name, pid, port, cik, seconds):
    """Measure one server; return a dict of its figures."""
    rids = [rpc(port, cik, 'create', ['dataport', {'format': 'integer', 'retention': {
        'count': 'infinity', 'duration': 'infinity'}}]) for _ in range(4)]
    for rid in rids:
        rpc(port, cik, 'write', [rid, 1, {}])
    out = {}
    for label, count in (('4 connections', 4), ('1 connection', 1)):
        before = cpu_seconds(pid)
        calls, wall = run_clients(port, cik, rids[:count], 'pair', seconds)
        out[label] = (calls / wall, (cpu_seconds(pid) - before) / calls)
    for kind in ('write', 'read', 'info'):
        before = cpu_seconds(pid)
        calls, wall = run_clients(port, cik, rids, kind, seconds / 2.0)
        out[kind] = (calls / wall, (cpu_seconds(pid) - before) / calls)
    return out


def free_port():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def start_emulator(db):
    """Start ``python -m pyonep.emulator --db db``; return (process, port, root CIK)."""
    env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
    proc = subprocess.Popen([sys.executable, '-m', 'pyonep.emulator', '--db', db, '--port', '0'],
                            stdout=subprocess.PIPE, universal_newlines=True, env=env)
    ready = json.loads(proc.stdout.readline())
    return proc, ready['port'], ready['root_cik']


def start_onep_mock():
    """Start onep-mock when node and its sources are at hand; return (pid, port) or None
    (saying why)."""
    script = os.environ.get('ONEP_MOCK_START') or os.path.join(
        os.path.dirname(HERE), '..', 'shared', 'realclients', 'onep-mock', 'start_onep_mock.sh')
    git = os.environ.get('ONEP_MOCK_GIT', '/work/.mirror/dweaver+onep-mock/repo')
    if not shutil.which('node') or not os.path.exists(script) or not os.path.exists(git):
        print('onep-mock: not available (needs node, %s and ONEP_MOCK_GIT)' % script)
        return None
    port = free_port()
    try:
        out = subprocess.check_output(['bash', script], universal_newlines=True,
                                      env=dict(os.environ, ONEP_MOCK_GIT=git, PORT=str(port)))
    except subprocess.CalledProcessError as exc:
        print('onep-mock: did not start (%s)' % exc)
        return None
    fields = dict(item.split('=', 1) for item in out.split() if '=' in item)
    return int(fields['pid']), port


def best(figures, new):
    """Keep the best of each figure over rounds: most calls/s, least CPU per call."""
    if figures is None:
        return new
    return dict((k, (max(figures[k][0], new[k][0]), min(figures[k][1], new[k][1]))) for k in new)


def capacity(seconds, rounds):
    """Print the capacity figures of the emulator (--db) and, when present, onep-mock: the
    best of ``rounds`` rounds, the servers taking turns (a shared machine is noisy)."""
    results = {}
    folder = tempfile.mkdtemp(prefix='bench-capacity-')
    proc, port, cik = start_emulator(os.path.join(folder, 'bench.db'))
    mock = start_onep_mock()
    try:
        for _ in range(rounds):
            results['emulator --db'] = best(results.get('emulator --db'),
                                             measure('emulator', proc.pid, port, cik, seconds))
            if mock:
                results['onep-mock'] = best(results.get('onep-mock'), measure(
                    'onep-mock', mock[0], mock[1], MOCK_CIK, seconds))
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(folder, ignore_errors=True)
        if mock:
            os.kill(mock[0], 15)
    print('server capacity: lean http.client processes, keep-alive, %.0f s per run, best of %d'
          % (seconds, rounds))
    print('%-14s %-28s %-28s %-16s %-16s %-16s' % (
        'server', 'write+read, 4 connections', 'write+read, 1 connection',
        'write only', 'read only', 'info only'))
    for name, fig in results.items():
        print('%-14s %-28s %-28s %-16s %-16s %-16s' % (name, *(
            '%6.0f calls/s %4.0f us/call' % (fig[k][0], fig[k][1] * 1e6)
            for k in ('4 connections', '1 connection')), *(
            '%4.0f us/call' % (fig[k][1] * 1e6) for k in ('write', 'read', 'info'))))
    emu = results['emulator --db']
    print('emulator: 1 connection / 4 connections calls/s = %.2f'
          % (emu['1 connection'][0] / emu['4 connections'][0]))
    if 'onep-mock' in results:
        peer = results['onep-mock']
        for label in ('4 connections', '1 connection'):
            print('emulator --db / onep-mock, %s: %.2fx calls/s, %.1fx server CPU per call'
                  % (label, emu[label][0] / peer[label][0], emu[label][1] / peer[label][1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seconds', type=float, default=5.0, help='length of each timed run')
    parser.add_argument('--points', type=int, default=1000000, help='points in the big dataport')
    parser.add_argument('--rounds', type=int, default=3, help='capacity rounds (best is kept)')
    parser.add_argument('--capacity-only', action='store_true',
                        help='measure server capacity against onep-mock only')
    args = parser.parse_args()
    capacity(args.seconds, args.rounds)
    if args.capacity_only:
        return

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
    if sys.argv[1:2] == ['--client']:
        client_main(sys.argv[2:])
    else:
        main()
