"""Client-side CPU cost of pyonep's OnepV1, measured against baselines in the same run.

    python3 benchmarks/bench_client.py [--calls N]

A keep-alive HTTP/1.1 server runs in a subprocess (so its CPU is not counted) and answers
every JSON-RPC call with ``ok``. This process then measures, with time.process_time():

1. per call: ``OnepV1.read`` with reuseconnection=True; the same POST (same body bytes) with
   a bare ``requests.Session``; and with a bare ``http.client.HTTPConnection`` (the floor).
   Ratio target: OnepV1 / requests <= 1.0.
2. ``send_deferred`` of 4,000 and of 16,000 queued writes (queueing, composing, sending,
   matching the reply): ratio target < 4.5, and under 0.2 s of CPU for 16,000.
3. tracemalloc peak of a queue of 100,000 deferred writes: target < 100 MB.

It prints every figure; the exit status is 0 whether or not the targets are met.
"""
import argparse
import gc
import json
import os
import subprocess
import sys
import time
import tracemalloc

try:
    import http.client as http_client
except ImportError:  # pragma: no cover - Python 2
    import httplib as http_client

import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pyonep.onep import OnepV1  # noqa: E402

SERVER = r'''
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
        self.send_response(200)
        self.send_header('Content-Type', 'application/json; charset=utf-8')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
'''

CIK = '5de0cfcf7b5bed2ea7a801234567890123456789'
RID = '34eaae237988167d90bfc2ffeb666daaaaaaaaaa'
PATH = '/onep:v1/rpc/process'
HEADERS = {'Content-Type': 'application/json; charset=utf-8'}


def cpu(fn, repeat=3):
    """Return the least process CPU seconds of ``repeat`` runs of fn()."""
    best = None
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        fn()
        spent = time.process_time() - start
        best = spent if best is None else min(best, spent)
    return best


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

    requests_posts()  # warm up every path once
    http_client_posts()
    figures = {}
    for name, fn in [('OnepV1.read', onep_reads), ('requests.Session', requests_posts),
                     ('http.client', http_client_posts)]:
        figures[name] = cpu(fn) / n
    client.close()
    session.close()
    conn.close()
    print('Per call, client CPU (best of 3 runs of %d calls, keep-alive):' % n)
    for name in ('OnepV1.read', 'requests.Session', 'http.client'):
        print('  %-18s %8.1f us' % (name, figures[name] * 1e6))
    ratio = figures['OnepV1.read'] / figures['requests.Session']
    print('  ratio OnepV1 / requests.Session = %.2f  (target <= 1.0: %s)'
          % (ratio, 'met' if ratio <= 1.0 else 'NOT met'))
    print('  ratio OnepV1 / http.client      = %.2f  (the floor)'
          % (figures['OnepV1.read'] / figures['http.client']))


def deferred(port):
    client = OnepV1(host='127.0.0.1', port=port, https=False, reuseconnection=True)

    def queue_and_send(count):
        def run():
            for i in range(count):
                client.write(CIK, RID, i, defer=True)
            result = client.send_deferred(CIK)
            assert len(result) == count and result[-1][1] is True
        return run

    queue_and_send(100)()
    small, large = cpu(queue_and_send(4000)), cpu(queue_and_send(16000))
    client.close()
    print('Deferred writes, client CPU to queue, send and match (best of 3):')
    print('  4,000 writes   %7.3f s' % small)
    print('  16,000 writes  %7.3f s  (target < 0.2 s: %s)'
          % (large, 'met' if large < 0.2 else 'NOT met'))
    print('  ratio 16,000 / 4,000 = %.2f  (target < 4.5: %s)'
          % (large / small, 'met' if large / small < 4.5 else 'NOT met'))


def memory(port):
    client = OnepV1(host='127.0.0.1', port=port, https=False, reuseconnection=True)
    gc.collect()
    tracemalloc.start()
    for i in range(100000):
        client.write(CIK, RID, i, defer=True)
    queued, queue_peak = tracemalloc.get_traced_memory()
    result = client.send_deferred(CIK)
    _, send_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(result) == 100000
    client.close()
    print('Memory (tracemalloc):')
    print('  queue of 100,000 deferred writes: %.1f MB held, peak %.1f MB  (target < 100 MB: %s)'
          % (queued / 1e6, queue_peak / 1e6, 'met' if queue_peak < 100e6 else 'NOT met'))
    print('  peak while sending them and matching the reply: %.1f MB' % (send_peak / 1e6))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--calls', type=int, default=2000, help='calls per per-call run')
    args = parser.parse_args()
    server = subprocess.Popen([sys.executable, '-c', SERVER], stdout=subprocess.PIPE)
    try:
        port = int(server.stdout.readline())
        print('pyonep client benchmark, Python %s, requests %s, server pid %d on port %d\n'
              % (sys.version.split()[0], requests.__version__, server.pid, port))
        per_call(args, port)
        print()
        deferred(port)
        print()
        memory(port)
    finally:
        server.terminate()
        server.wait()


if __name__ == '__main__':
    main()
