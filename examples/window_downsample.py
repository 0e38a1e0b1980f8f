"""Read a window of time from a dataport, and downsample it to a few points.

Records a day of readings (one every 5 minutes), then reads:
- every point of one hour (selection "all", the default),
- 6 points spread over the whole day by time ("givenwindow": the window is cut into
  `limit` equal slices and at most one point is taken from each),
- 6 points spread over the points themselves ("autowindow").
Downsampling picks existing points; it does not average them.
With no options it runs on an embedded emulator.
"""
from __future__ import print_function

import math
import time

from _platform import create_dataport, create_device, expect_ok, platform


def show(title, points):
    print(title)
    for timestamp, value in points:
        print('   %s  %6.2f' % (time.strftime('%Y-%m-%d %H:%M', time.gmtime(timestamp)), value))


with platform(__doc__) as p:
    onep = p.onep()
    device_rid, cik = create_device(onep, p.cik, 'window_downsample example')
    create_dataport(onep, cik, 'temperature', 'float')
    temperature = {'alias': 'temperature'}

    end = int(time.time()) // 300 * 300
    start = end - 24 * 3600
    day = [[t, round(20 + 5 * math.sin((t - start) / 86400.0 * 2 * math.pi), 2)]
           for t in range(start + 300, end + 1, 300)]
    expect_ok(onep.recordbatch(cik, temperature, day), 'recordbatch')
    print('recorded %d points, one every 5 minutes over 24 hours' % len(day))

    hour = {'starttime': end - 3600, 'endtime': end, 'limit': 1000, 'sort': 'asc'}
    points = expect_ok(onep.read(cik, temperature, hour), 'read')
    print('the last hour holds %d points' % len(points))

    whole_day = {'starttime': start, 'endtime': end, 'limit': 6, 'sort': 'asc'}
    show('6 points by time slices ("givenwindow"):', expect_ok(onep.read(
        cik, temperature, dict(whole_day, selection='givenwindow')), 'read'))
    show('6 points spread over the points ("autowindow"):', expect_ok(onep.read(
        cik, temperature, dict(whole_day, selection='autowindow')), 'read'))

    onep.drop(p.cik, device_rid)
    onep.close()
