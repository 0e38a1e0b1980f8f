"""Buffer writes with deferred calls and send them to the platform in one request.

A device that samples often can queue its calls with defer=True and send them together,
one HTTP request instead of one per call. With no options it runs on an embedded emulator.
"""
from __future__ import print_function

import time

from _platform import create_dataport, create_device, platform

with platform(__doc__) as p:
    onep = p.onep()
    device_rid, cik = create_device(onep, p.cik, 'deferred_writes example')
    for alias, fmt in [('temperature', 'float'), ('humidity', 'float'), ('door', 'string')]:
        create_dataport(onep, cik, alias, fmt)

    # Queue the calls: nothing is sent yet, each call returns True.
    start = int(time.time()) - 60
    for second in range(0, 60, 10):
        temperature = 20.0 + second / 10.0
        onep.recordbatch(cik, {'alias': 'temperature'}, [[start + second, temperature]],
                         defer=True)
        onep.recordbatch(cik, {'alias': 'humidity'}, [[start + second, 40.0]], defer=True)
    onep.write(cik, {'alias': 'door'}, 'open', defer=True)
    # A call the platform refuses (no such alias) fails alone; the others still run.
    onep.write(cik, {'alias': 'window'}, 'open', defer=True)
    print('calls queued for this CIK:', onep.has_deferred(cik))

    # Send them: one request; a (call, isok, result) for each call, in the reply's order.
    replies = onep.send_deferred(cik)
    print('sent %d calls in one request; the queue is now empty: %s'
          % (len(replies), not onep.has_deferred(cik)))
    failed = [(call, result) for call, isok, result in replies if not isok]
    print('%d succeeded, %d failed' % (len(replies) - len(failed), len(failed)))
    for call, result in failed:
        print('  failed:', call['procedure'], call['arguments'], '->', result)

    isok, points = onep.read(cik, {'alias': 'temperature'}, {'limit': 10})
    print('temperature now holds %d points, newest %s' % (len(points), points[0]))

    onep.drop(p.cik, device_rid)
    onep.close()
