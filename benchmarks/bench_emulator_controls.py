"""Benchmark of the emulator's controls: what fault rules cost the requests they do not
strike, and how long moving the clock takes.

Prints:

1. RPC writes per second (one client, a kept-alive connection) with no fault rule (the
   baseline), then with 1 and with 20 rules that match no request (each filters on
   another CIK, so the request's body is parsed and every rule checked); each figure as a
   ratio to the baseline measured in the same run;
2. the time of ``advance(3600)`` with a one-second repeating datarule timer (3,600 due
   times visited one by one) and with no timer, as a ratio.

The emulator runs as a separate process (``Emulator(subprocess=True)``), so the client does
not share its interpreter lock.

Usage: ``python3 benchmarks/bench_emulator_controls.py [--seconds N]``.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pyonep.emulator import Emulator  # noqa: E402


def writes_per_second(emu, rid, seconds):
    onep = emu.onep(reuseconnection=True)
    count = 0
    stop = time.perf_counter() + seconds
    while time.perf_counter() < stop:
        assert onep.write(emu.root_cik, rid, count)[0]
        count += 1
    onep.close()
    return count / seconds


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seconds', type=float, default=3.0, help='length of each rate run')
    args = parser.parse_args()
    with Emulator(subprocess=True) as emu:
        onep, cik = emu.onep(), emu.root_cik
        rid = onep.create(cik, 'dataport', {'format': 'integer', 'retention': {'count': 10}})[1]
        baseline = writes_per_second(emu, rid, args.seconds)
        print('writes/s, no fault rule:            %8.0f  (1.00)' % baseline)
        for rules in (1, 20):
            emu.faults.clear()
            for _ in range(rules):
                emu.faults.add(cik='0' * 40, status=503)
            rate = writes_per_second(emu, rid, args.seconds)
            print('writes/s, %2d rules matching none:   %8.0f  (%.2f)' % (rules, rate,
                                                                          rate / baseline))
        emu.faults.clear()

        emu.clock.freeze()
        empty = timed(lambda: emu.clock.advance(3600))
        source = onep.create(cik, 'dataport', {'format': 'integer'})[1]
        onep.create(cik, 'datarule', {'format': 'integer', 'subscribe': source, 'rule': {
            'timeout': {'timeout': 1, 'repeat': True}}})
        busy = timed(lambda: emu.clock.advance(3600))
        print('advance(3600), no timer:            %8.3f s' % empty)
        print('advance(3600), a 1 s repeating timer: %6.3f s  (%.0fx)' % (busy, busy / empty))


if __name__ == '__main__':
    main()
