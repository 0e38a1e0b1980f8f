"""Benchmark the emulator's fleet side over loopback HTTP.

Measures, against baselines taken in the same run:

- activations per second (``POST /provision/activate`` on enabled serial numbers), next
  to the rate of the cheapest request (``GET /timestamp``) on the same connection;
- adding 100,000 serial numbers in one CSV request, next to 100 times the cost of adding
  1,000 (a ratio near 1 means the cost is linear);
- listing those 100,000 in pages of 1,000, comparing the last page with the first (a
  ratio near 1 means deep offsets cost no more than the first page).

Run: ``python3 benchmarks/bench_emulator_fleet.py [--activations N] [--sns N] [--db PATH]``.
Prints figures only; it asserts nothing about time.
"""
import argparse
import os
import sys
import tempfile
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

from pyonep.emulator import Emulator  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def make_model(emu, session, headers, name):
    base = emu.url + '/provision/manage/model/'
    reply = session.post(emu.url + '/onep:v1/rpc/process', json={
        'auth': {'cik': emu.root_cik},
        'calls': [{'id': 1, 'procedure': 'create', 'arguments': ['client', {'name': 'template'}]}]})
    template = reply.json()[0]['result']
    reply = session.post(base, data={'model': name, 'rid': template}, headers=headers)
    assert reply.status_code == 205, reply.text
    return base + name + '/'


def add_csv(session, url, headers, sns):
    body = '\n'.join('%s,extra' % sn for sn in sns)
    reply = session.post(url, data=body.encode('utf-8'),
                         headers=dict(headers, **{'Content-Type': 'text/csv; charset=utf-8'}))
    assert reply.status_code == 205, reply.text


def bench_activations(emu, session, headers, count):
    url = make_model(emu, session, headers, 'act')
    sns = ['A%06d' % i for i in range(count)]
    add_csv(session, url, headers, sns)
    for sn in sns:
        reply = session.post(url + sn, data={'enable': 'true', 'owner': emu.platform.root_rid},
                             headers=headers)
        assert reply.status_code == 200, reply.text
    base_time, _ = timed(lambda: [session.get(emu.url + '/timestamp') for _ in range(count)])

    def activate_all():
        for sn in sns:
            reply = session.post(emu.url + '/provision/activate',
                                 data={'vendor': emu.vendor, 'model': 'act', 'sn': sn})
            assert reply.status_code == 200, reply.text
    act_time, _ = timed(activate_all)
    print('activations: %d in %.2f s = %.0f per second' % (count, act_time, count / act_time))
    print('  baseline GET /timestamp: %.0f per second; an activation costs %.1fx a bare request'
          % (count / base_time, act_time / base_time))


def bench_serial_numbers(emu, session, headers, total):
    small_url = make_model(emu, session, headers, 'small')
    small = max(total // 100, 1)
    small_time, _ = timed(lambda: add_csv(session, small_url, headers, ['S%07d' % i for i in range(small)]))
    url = make_model(emu, session, headers, 'big')
    big_time, _ = timed(lambda: add_csv(session, url, headers, ['B%07d' % i for i in range(total)]))
    print('add %d serial numbers by CSV: %.2f s (%.0f per second)' % (total, big_time, total / big_time))
    print('  baseline: %d by CSV in %.3f s; %d costs %.2fx %d times the small batch'
          % (small, small_time, total, big_time / (small_time * total / small), total // small))

    pages = []

    def list_all():
        offset = 0
        while True:
            start = time.perf_counter()
            reply = session.get(url, params={'offset': offset, 'limit': 1000}, headers=headers)
            pages.append(time.perf_counter() - start)
            assert reply.status_code == 200, reply.text
            lines = reply.text.split('\r\n') if reply.text else []
            if not lines:
                return offset
            offset += len(lines)
    list_time, listed = timed(list_all)
    print('list %d serial numbers in pages of 1,000: %.2f s for %d requests (%.1f ms per page)'
          % (listed, list_time, len(pages), 1000 * list_time / len(pages)))
    full = [p for p in pages[:-1]]
    print('  last full page vs first page: %.2fx (%.1f ms vs %.1f ms)'
          % (full[-1] / full[0], 1000 * full[-1], 1000 * full[0]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--activations', type=int, default=500)
    parser.add_argument('--sns', type=int, default=100000)
    parser.add_argument('--db', default=None, help='sqlite file (default: a temporary file)')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or os.path.join(tmp, 'bench.db')
        with Emulator(db=db) as emu:
            print('emulator at %s, database %s' % (emu.url, db))
            session = requests.Session()
            headers = {'X-Exosite-Token': emu.vendor_token}
            bench_activations(emu, session, headers, args.activations)
            bench_serial_numbers(emu, session, headers, args.sns)
            session.close()


if __name__ == '__main__':
    main()
