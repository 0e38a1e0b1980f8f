"""Test a datarule timer in milliseconds: move the platform's clock an hour, don't wait one.

A device sends heartbeats. A ``timeout`` datarule subscribed to them says whether the
device is offline: it outputs 1 when no heartbeat has come for an hour, and 0 when one
comes. Against the live platform, each case of that test takes an hour. On the emulator,
freeze its clock and move it forward: every timer due on the way fires, at its own due
time, before ``advance`` returns, so the rule's output can be read at once.
Needs an emulator: with --host, give its root CIK as --cik.
"""
from __future__ import print_function

import time

from _platform import create_dataport, create_device, expect_ok, platform

HOUR = 3600


def offline(onep, cik):
    """Return the datarule's newest point, [timestamp, 0 or 1]."""
    points = expect_ok(onep.read(cik, {'alias': 'offline'}, {}), 'read offline')
    return points[0]


with platform(__doc__) as p:
    control = p.control()
    onep = p.onep()
    device_rid, cik = create_device(onep, p.cik, 'datarule_timer example')
    heartbeat = create_dataport(onep, cik, 'heartbeat', 'integer')
    rule = expect_ok(onep.create(cik, 'datarule', {
        'name': 'offline', 'format': 'integer', 'subscribe': heartbeat,
        'rule': {'timeout': {'timeout': HOUR}}}), 'create datarule')
    expect_ok(onep.map(cik, rule, 'offline'), 'map alias')

    began = time.time()
    control.clock.freeze()
    try:
        start = int(control.clock.now())
        expect_ok(onep.write(cik, {'alias': 'heartbeat'}, 1), 'write')
        control.clock.advance(59 * 60)
        print('59 minutes after a heartbeat, offline =', offline(onep, cik)[1])

        expect_ok(onep.write(cik, {'alias': 'heartbeat'}, 1), 'write')   # restarts the timer
        control.clock.advance(HOUR)
        when, value = offline(onep, cik)
        print('an hour after the next heartbeat, offline = %d, since +%d minutes'
              % (value, (when - start) // 60))

        expect_ok(onep.write(cik, {'alias': 'heartbeat'}, 1), 'write')
        print('a heartbeat again, offline =', offline(onep, cik)[1])
        moved = control.clock.now() - start
    finally:
        control.clock.unfreeze()
    print('moved the clock %d minutes forward in %d ms of real time'
          % (moved // 60, (time.time() - began) * 1000))
    onep.drop(p.cik, device_rid)
    onep.close()
