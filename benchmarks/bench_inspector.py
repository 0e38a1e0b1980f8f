"""Benchmark the emulator's web inspector on a big platform.

Builds 10,000 resources (the root owns 100 gateway clients, each owning 98 dataports and
one datarule) and 1,000,000 points (one per second in one dataport, the worst case for a
chart), then times the inspector's JSON views over loopback HTTP against baselines
measured in the same run:

- the tree views (the root's first page of 100 clients, a gateway's 99 resources with
  their newest points) against a bare sqlite query of the same rows;
- the chart's data view of the million-point dataport (whole series and last hour: count,
  a 600-point chart, the newest 100 points) against a bare sqlite query reading those
  points, and against read's ``givenwindow`` query before this issue (one query over
  every point of the range);
- a cheap request on the same connection (``GET /timestamp``): the cost of HTTP alone;
- and, where Debian's Chromium and selenium are installed, the time the page takes in
  headless Chromium from asking for the tree or the chart to seeing it drawn.

Resources are made through the RPC API; the points go straight into the store (the rows
``record`` would write) to keep the setup short. Each figure is the median of several
runs. Run: ``python3 benchmarks/bench_inspector.py [--gateways N] [--points N] [--runs N]``.
Prints figures only; it asserts nothing about time.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

from pyonep.emulator import Emulator  # noqa: E402
from pyonep.emulator.platform import series  # noqa: E402


def median_time(fn, runs):
    """Run ``fn`` ``runs`` times (after one warm-up run); return the median seconds."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def rpc(session, emu, auth, calls):
    reply = session.post(emu.url + '/onep:v1/rpc/process', json={'auth': auth, 'calls': calls})
    reply.raise_for_status()
    items = reply.json()
    assert all(item['status'] == 'ok' for item in items), items[:3]
    return [item.get('result') for item in items]


def build(emu, session, gateways, points):
    """Make the resources (through RPC) and the points (straight into the store)."""
    root = {'cik': emu.root_cik}
    made = rpc(session, emu, root, [
        {'id': i, 'procedure': 'create', 'arguments': ['client', {
            'name': 'gateway %03d' % i, 'limits': {'dataport': 'inherit', 'datarule': 'inherit'}}]}
        for i in range(gateways)])
    for number, gateway in enumerate(made):
        auth = {'cik': emu.root_cik, 'client_id': gateway}
        ports = rpc(session, emu, auth, [
            {'id': i, 'procedure': 'create', 'arguments': ['dataport', {
                'format': 'float', 'name': 'sensor %02d' % i}]} for i in range(98)])
        rpc(session, emu, auth, [
            {'id': 1, 'procedure': 'create', 'arguments': ['datarule', {
                'format': 'integer', 'name': 'alarm', 'subscribe': ports[0],
                'rule': {'simple': {'comparison': 'gt', 'constant': 50}}}]},
            {'id': 2, 'procedure': 'map', 'arguments': ['alias', ports[0], 'sensor']}])
        if number == 0:
            big = ports[0]
    store = emu.state.store
    res = store.execute('SELECT id FROM resources WHERE rid=?', (big,))[0][0]
    end = emu.platform.now()
    start = end - points + 1
    with store.transaction() as conn:
        conn.executemany('INSERT INTO points (res, ts, value) VALUES (?, ?, ?)',
                         ((res, start + i, 20.0 + (i % 3600) / 100.0) for i in range(points)))
    return made, big, res, start, end


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--gateways', type=int, default=100,
                        help='gateway clients, each with 99 resources (default 100: 10,000 in all)')
    parser.add_argument('--points', type=int, default=1000000, help='points in the charted dataport')
    parser.add_argument('--runs', type=int, default=7, help='timed runs per figure (median)')
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix='bench-inspector-')
    with Emulator(db=os.path.join(folder, 'platform.db')) as emu:
        session = requests.Session()
        began = time.perf_counter()
        gateways, big, res, start, end = build(emu, session, args.gateways, args.points)
        resources = emu.state.store.execute('SELECT COUNT(*) FROM resources')[0][0]
        print('setup: %d resources (%d in the root tree), %d points in one dataport, in %.1f s'
              % (resources, args.gateways * 100, args.points, time.perf_counter() - began))
        api = emu.inspector_url + 'api/'
        store = emu.state.store

        def get(view, **params):
            reply = session.get(api + view, params=params)
            assert reply.status_code == 200, reply.text
            return reply.json()

        http = median_time(lambda: session.get(emu.url + '/timestamp'), args.runs * 3)
        print('HTTP alone (GET /timestamp): %.2f ms' % (http * 1000))
        print()
        print('each view, then its baseline, and the ratio view / baseline:')
        rows = []

        def compare(label, view_fn, base_label, base_fn):
            spent = median_time(view_fn, args.runs)
            base = median_time(base_fn, args.runs)
            rows.append((label, spent, base_label, base))
            print('%-46s %7.1f ms (%5.1fx HTTP alone)   %-38s %7.1f ms   ratio %6.1fx'
                  % (label, spent * 1000, spent / http, base_label, base * 1000, spent / base))

        root = emu.platform.root_rid
        compare('tree: top clients', lambda: get('tree'),
                'sqlite: clients without owner',
                lambda: store.execute('SELECT rid, type, description FROM resources '
                                      'WHERE owner IS NULL ORDER BY id LIMIT 100'))
        compare('tree: root, first 100 of %d clients' % args.gateways,
                lambda: get('tree', parent=root), 'sqlite: the same 100 rows',
                lambda: store.execute('SELECT rid, type, description FROM resources '
                                      'WHERE owner=? ORDER BY id LIMIT 100', (root,)))
        compare('tree: a gateway, 99 resources + newest points',
                lambda: get('tree', parent=gateways[0]), 'sqlite: the same 99 rows',
                lambda: store.execute('SELECT rid, type, description FROM resources '
                                      'WHERE owner=? ORDER BY id LIMIT 100', (gateways[0],)))
        compare('data: %d points, whole series' % args.points,
                lambda: get('data', rid=big), 'sqlite: read those %d points' % args.points,
                lambda: store.execute('SELECT ts, value FROM points WHERE res=? AND ts>=? AND '
                                      'ts<=? ORDER BY ts', (res, start, end)))
        compare('data: last hour (3,600 points)', lambda: get('data', rid=big, window='1h'),
                'sqlite: read those 3,600 points',
                lambda: store.execute('SELECT ts, value FROM points WHERE res=? AND ts>=? '
                                      'ORDER BY ts', (res, end - 3599)))

        def old_givenwindow():
            saved, series.MAX_WINDOW_PROBES = series.MAX_WINDOW_PROBES, 0
            try:
                with store.lock:
                    return emu.platform.read_points(res, start, end, 'asc', 600, 'givenwindow')
            finally:
                series.MAX_WINDOW_PROBES = saved
        compare('  its 600-point chart alone (read, givenwindow)',
                lambda: emu.platform.read_points(res, start, end, 'asc', 600, 'givenwindow'),
                'the window query over every point', old_givenwindow)
        compare('resource details of the big dataport', lambda: get('resource', rid=big),
                'sqlite: its row', lambda: store.execute(
                    'SELECT * FROM resources WHERE rid=?', (big,)))
        compare('flow: first 50 of %d datarules' % args.gateways, lambda: get('flow'),
                'sqlite: the same 50 rows', lambda: store.execute(
                    "SELECT * FROM resources WHERE type='datarule' ORDER BY id LIMIT 50"))
        compare('overview (counts every point)', lambda: get('overview'),
                'sqlite: COUNT(*) of the points', lambda: store.execute('SELECT COUNT(*) FROM points'))
        chart = get('data', rid=big)
        print()
        print('the whole-series chart: %d points of %d (downsampled: %s); table: %d rows'
              % (len(chart['chart']['points']), chart['count'], chart['chart']['downsampled'],
                 len(chart['table'])))
        slowest = max(rows[:5], key=lambda r: r[1])
        print('slowest tree or chart view: %s, %.0f ms' % (slowest[0].strip(), slowest[1] * 1000))
        browser_times(emu, big, gateways[0], args.runs, args.points)


def browser_times(emu, big, gateway, runs, points):
    """In headless Chromium (when Debian's chromium, chromedriver and selenium are here):
    the time from asking for a view to seeing it drawn, the page already loaded."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError:
        print('browser: selenium is not installed, skipped')
        return
    if not (os.access('/usr/bin/chromium', os.X_OK) and os.access('/usr/bin/chromedriver', os.X_OK)):
        print('browser: no /usr/bin/chromium and /usr/bin/chromedriver, skipped')
        return
    os.environ.update(SE_OFFLINE='true', SE_AVOID_STATS='true')
    options = webdriver.ChromeOptions()
    options.binary_location = '/usr/bin/chromium'
    for flag in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync',
                 '--user-data-dir=' + tempfile.mkdtemp(prefix='bench-chromium-')):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path='/usr/bin/chromedriver'), options=options)
    try:
        driver.get(emu.inspector_url + '#/overview')
        WebDriverWait(driver, 30).until(lambda d: d.find_elements('css selector', '.count'))
        print()
        print('in headless Chromium, from a click to the view drawn (median of %d):' % runs)
        for label, hash_, selector in (
                ('tree of a gateway (99 resources)', '#/tree/' + gateway, '#tree-box a.node[data-rid="%s"]' % gateway),
                ('chart of the %d-point dataport' % points, '#/data/' + big, 'svg.chart path.series')):
            times = []
            for _ in range(runs):
                driver.get(emu.inspector_url + '#/overview')
                WebDriverWait(driver, 30).until(lambda d: d.find_elements('css selector', '.count'))
                start = time.perf_counter()
                driver.execute_script('location.hash = arguments[0]', hash_)
                WebDriverWait(driver, 30, poll_frequency=0.005).until(
                    lambda d: d.find_elements('css selector', selector))
                times.append(time.perf_counter() - start)
            print('  %-40s %7.1f ms' % (label, statistics.median(times) * 1000))
    finally:
        driver.quit()


if __name__ == '__main__':
    main()
