"""Write values to a dataport and read them back, newest first or oldest first.

With no options it runs on an embedded emulator.
"""
from __future__ import print_function

import time

from _platform import create_dataport, create_device, expect_ok, platform

with platform(__doc__) as p:
    onep = p.onep()
    device_rid, cik = create_device(onep, p.cik, 'write_read example')
    create_dataport(onep, cik, 'temperature', 'float')
    temperature = {'alias': 'temperature'}

    # write: one value, stamped with the platform's current time.
    print('write 20.5 ->', onep.write(cik, temperature, 20.5))

    # recordbatch: values with timestamps of your own (here, the last five minutes).
    now = int(time.time())
    points = [[now - 60 * minutes, 18.0 + minutes] for minutes in range(1, 6)]
    print('recordbatch of 5 points ->', onep.recordbatch(cik, temperature, points))

    # read returns [[timestamp, value], ...]; by default only the newest point.
    newest = expect_ok(onep.read(cik, temperature, {}), 'read')
    print('newest point:', newest)

    everything = expect_ok(onep.read(cik, temperature, {'limit': 100, 'sort': 'asc'}), 'read')
    print('all %d points, oldest first:' % len(everything))
    for timestamp, value in everything:
        print('  ', time.strftime('%H:%M:%S', time.gmtime(timestamp)), value)

    # A window of time: starttime and endtime are Unix timestamps, both included.
    window = {'starttime': now - 180, 'endtime': now - 120, 'limit': 100}
    print('points of 3 to 2 minutes ago:', expect_ok(onep.read(cik, temperature, window), 'read'))

    onep.drop(p.cik, device_rid)
    onep.close()
