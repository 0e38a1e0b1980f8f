"""Client-side cost of pyonep's OnepV1, measured against baselines in the same run.

    python3 benchmarks/bench_client.py [--calls N] [--rounds R]

Loopback HTTP/1.1 servers run in subprocesses (so their CPU is not counted) and answer
every JSON-RPC call with ``ok``; one of them first waits 20 ms, as a distant platform
would. This process then measures:

1. CPU per call (time.process_time): ``OnepV1.read`` with reuseconnection=True; the same
   POST (same body bytes) with a bare ``requests.Session``; and with a bare
   ``http.client.HTTPConnection`` (the floor). The three take turns for R rounds of N calls
   and each keeps its best round, so a busy machine hurts them alike.
   Targets: OnepV1 <= 2.5x http.client, and <= requests.Session.
2. Threads: calls/s of 1 thread, and of 8 threads sharing one OnepV1(reuseconnection=True),
   against the server that takes 20 ms a request. Target: 8 threads >= 6x one, no errors.
3. Deferred writes: CPU to queue, send and match 16,000, 40,000, 64,000 and 100,000 of them
   (best of 5, sizes taking turns), and the tracemalloc peak while doing it; then the same
   CPU with the cyclic garbage collector off throughout, for reference.
   Target: 100,000 cost <= 2.5x the CPU of 40,000 (linear, with room for noise).

It prints every figure; the exit status is 0 whether or not the targets are met.
"""
import argparse
import gc
import json
import os
import subprocess
import sys
import threading
import time
import tracemalloc

try:
    import http.client as http_client
except ImportError:  # pragma: no cover - Python 2
    import httplib as http_client

import requests
import urllib3

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pyonep.onep import OnepV1  # noqa: E402

SERVER = r'''
import json, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DELAY = float(sys.argv[1])

class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    wbufsize = -1
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers['Content-Length']))
        calls = json.loads(body)['calls']
        items = []
        for call in calls:
            if call['procedure'] == 'read':
                items.append({'id': call['id'], 'status': 'ok', 'result': [[1400000000, 21.5]]})
            else:
                items.append({'id': call['id'], 'status': 'ok'})
        data = json.dumps(items).encode()
        if DELAY:
            time.sleep(DELAY)
        self.send_response(200)
        self.send_header('Content-Type', 'application/json; charset=utf-8')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

server = Server(('127.0.0.1', 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
'''

CIK = '5de0cfcf7b5bed2ea7a801234567890123456789'
RID = '34eaae237988167d90bfc2ffeb666daaaaaaaaaa'
PATH = '/onep:v1/rpc/process'
HEADERS = {'Content-Type': 'application/json; charset=utf-8'}
DEFERRED_SIZES = (16000, 40000, 64000, 100000)


def start_server(delay):
    """Start a benchmark server in a subprocess; return (process, port)."""
    proc = subprocess.Popen([sys.executable, '-c', SERVER, str(delay)], stdout=subprocess.PIPE)
    return proc, int(proc.stdout.readline())


def best_cpu(contenders, rounds):
    """Run each (name, fn) in turn, ``rounds`` times; return {name: least CPU seconds}."""
    best = {}
    for _ in range(rounds):
        for name, fn in contenders:
            gc.collect()
            start = time.process_time()
            fn()
            spent = time.process_time() - start
            best[name] = min(best.get(name, spent), spent)
    return best


def verdict(met):
    return 'met' if met else 'NOT met'


def per_call(args, port):
    n = args.calls
    body = json.dumps({'auth': {'cik': CIK}, 'calls': [
        {'id': 1, 'procedure': 'read', 'arguments': [RID, {}]}]}).encode('utf-8')
    url = 'http://127.0.0.1:%d%s' % (port, PATH)

    client = OnepV1(host='127.0.0.1', port=port, https=False, reuseconnection=True)
    assert client.read(CIK, RID, {}) == (True, [[1400000000, 21.5]])

    def onep_reads():
        for _ in range(n):
            client.read(CIK, RID, {})

    session = requests.Session()

    def requests_posts():
        for _ in range(n):
            session.post(url, data=body, headers=HEADERS).text

    conn = http_client.HTTPConnection('127.0.0.1', port)

    def http_client_posts():
        for _ in range(n):
            conn.request('POST', PATH, body, HEADERS)
            conn.getresponse().read()

    contenders = [('OnepV1.read', onep_reads), ('requests.Session', requests_posts),
                  ('http.client', http_client_posts)]
    for _, fn in contenders:
        fn()  # warm up every path once
    figures = best_cpu(contenders, args.rounds)
    client.close()
    session.close()
    conn.close()
    print('CPU per call, keep-alive (best of %d rounds of %d calls each, taking turns):'
          % (args.rounds, n))
    for name, _ in contenders:
        print('  %-18s %8.1f us' % (name, figures[name] / n * 1e6))
    to_floor = figures['OnepV1.read'] / figures['http.client']
    to_requests = figures['OnepV1.read'] / figures['requests.Session']
    print('  ratio OnepV1 / http.client      = %.2f  (target <= 2.5: %s)'
          % (to_floor, verdict(to_floor <= 2.5)))
    print('  ratio OnepV1 / requests.Session = %.2f  (target <= 1.0: %s)'
          % (to_requests, verdict(to_requests <= 1.0)))
    print('  ratio requests.Session / http.client = %.2f'
          % (figures['requests.Session'] / figures['http.client']))


def calls_per_second(client, threads, calls_each):
    """Return (calls/s, errors) of ``threads`` threads making ``calls_each`` reads each."""
    errors = []

    def work():
        for _ in range(calls_each):
            try:
                if client.read(CIK, RID, {}) != (True, [[1400000000, 21.5]]):
                    errors.append('wrong reply')
            except Exception as exc:  # counted and shown, not raised
                errors.append(repr(exc))

    workers = [threading.Thread(target=work) for _ in range(threads)]
    start = time.time()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return threads * calls_each / (time.time() - start), errors


def threads_sharing(args, port):
    client = OnepV1(host='127.0.0.1', port=port, https=False, reuseconnection=True)
    client.read(CIK, RID, {})
    one, errors_one = calls_per_second(client, 1, args.thread_calls)
    eight, errors_eight = calls_per_second(client, 8, args.thread_calls)
    client.close()
    errors = errors_one + errors_eight
    ratio = eight / one
    print('Threads sharing one OnepV1(reuseconnection=True), server taking 20 ms a request:')
    print('  1 thread    %7.1f calls/s' % one)
    print('  8 threads   %7.1f calls/s  (pool of %d connections)'
          % (eight, client.onephttp.poolsize))
    print('  ratio 8 threads / 1 thread = %.2f  (target >= 6: %s); errors: %d%s'
          % (ratio, verdict(ratio >= 6 and not errors), len(errors),
             ' ' + repr(sorted(set(errors))[:3]) if errors else ''))


def queue_and_send(client, count):
    for i in range(count):
        client.write(CIK, RID, i, defer=True)
    result = client.send_deferred(CIK)
    assert len(result) == count and result[-1][1] is True


def deferred(port):
    client = OnepV1(host='127.0.0.1', port=port, https=False, reuseconnection=True)
    queue_and_send(client, 1000)
    contenders = [(count, lambda count=count: queue_and_send(client, count))
                  for count in DEFERRED_SIZES]
    cpu = best_cpu(contenders, 5)
    # The same with Python's cyclic garbage collector off throughout: what is left of any
    # growth per call is not the collector's (memory, caches, the machine).
    gc.disable()
    try:
        cpu_off = best_cpu(contenders, 5)
    finally:
        gc.enable()
    peaks = {}
    for count in DEFERRED_SIZES:
        gc.collect()
        tracemalloc.start()
        queue_and_send(client, count)
        peaks[count] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    client.close()
    print('Deferred writes: CPU to queue, send and match them (best of 5), tracemalloc peak:')
    for count in DEFERRED_SIZES:
        print('  %7d writes  %7.3f s  %5.2f us a call  peak %6.1f MB  (%.2f kB a call)'
              '   collector off: %5.2f us a call'
              % (count, cpu[count], cpu[count] / count * 1e6, peaks[count] / 1e6,
                 peaks[count] / count / 1e3, cpu_off[count] / count * 1e6))
    ratio = cpu[100000] / cpu[40000]
    print('  ratio 100,000 / 40,000 = %.2f  (target <= 2.5: %s); with the collector off '
          'throughout: %.2f' % (ratio, verdict(ratio <= 2.5), cpu_off[100000] / cpu_off[40000]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--calls', type=int, default=500, help='calls per round, per client')
    parser.add_argument('--rounds', type=int, default=9, help='rounds of the per-call test')
    parser.add_argument('--thread-calls', type=int, default=60,
                        help='calls of each thread in the threads test')
    args = parser.parse_args()
    fast, port = start_server(0)
    slow, slow_port = start_server(0.02)
    try:
        load = os.getloadavg() if hasattr(os, 'getloadavg') else ('?',)
        print('pyonep client benchmark, Python %s, requests %s, urllib3 %s; load average %s\n'
              % (sys.version.split()[0], requests.__version__, urllib3.__version__,
                 ' '.join('%.1f' % x for x in load)))
        per_call(args, port)
        print()
        threads_sharing(args, slow_port)
        print()
        deferred(port)
    finally:
        for proc in (fast, slow):
            proc.terminate()
            proc.wait()


if __name__ == '__main__':
    main()
