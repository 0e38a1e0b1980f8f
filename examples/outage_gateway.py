"""A gateway that rides out a 30-second outage of the platform without losing a reading.

The gateway reads its sensor every 5 seconds and sends what it holds with ``recordbatch``,
each reading stamped with the time it was taken. When the platform cannot take them (an
HTTP 503 makes OnepV1 raise OnePlatformException; a network failure raises
JsonRPCRequestException) it keeps the readings and tries again later, waiting twice as
long each time (5, 10, 20 seconds, at most 60), and sends them all in one batch when the
platform is back.

Testing that against the live platform needs an outage, and minutes of waiting. Here the
emulator makes the outage: a fault rule answers HTTP 503 to every request of the device
for 30 seconds of the platform clock. And the gateway reads the time from the emulator's
frozen clock, and its sleep moves that clock (a real gateway uses time.time and
time.sleep), so the run takes a fraction of a second and prints the same every time.
Needs an emulator: with --host, give its root CIK as --cik.
"""
from __future__ import print_function

import time

from pyonep.exceptions import JsonRPCRequestException, OnePlatformException

from _platform import create_dataport, create_device, expect_ok, platform


class Gateway(object):
    """Collects readings and sends them in batches, keeping them through failures.

    Arguments: ``onep`` (an OnepV1), ``cik`` (the device's), ``alias`` (of its dataport),
    ``sensor`` (a function giving a reading), ``now`` and ``sleep`` (the clock; time.time
    and time.sleep by default).
    """

    def __init__(self, onep, cik, alias, sensor, now=time.time, sleep=time.sleep):
        self.onep = onep
        self.cik = cik
        self.alias = alias
        self.sensor = sensor
        self.now = now
        self.sleep = sleep
        self.started = now()
        self.pending = []           # [timestamp, value] pairs not yet stored
        self.taken = []             # every reading taken, to check against the platform
        self.next_try = 0
        self.backoff = 5

    def say(self, text):
        print('+%2d s  %s' % (round(self.now() - self.started), text))

    def run(self, readings, every=5):
        """Take ``readings`` readings, ``every`` seconds apart, sending them as it goes."""
        for _ in range(readings):
            reading = [int(self.now()), self.sensor()]
            self.pending.append(reading)
            self.taken.append(reading)
            if self.now() >= self.next_try:
                self.send()
            self.sleep(every)

    def send(self):
        """Try once to send every pending reading; keep them when the platform fails."""
        try:
            isok, result = self.onep.recordbatch(self.cik, {'alias': self.alias}, self.pending)
        except (OnePlatformException, JsonRPCRequestException) as exc:
            self.next_try = self.now() + self.backoff
            self.say('platform unavailable (%s); keeping %d reading(s), next try in %d s'
                     % (type(exc).__name__, len(self.pending), self.backoff))
            self.backoff = min(self.backoff * 2, 60)
            return
        if not isok:
            raise SystemExit('the platform refused the readings: %r' % (result,))
        self.say('sent %d reading(s)' % len(self.pending))
        self.pending = []
        self.backoff = 5


with platform(__doc__) as p:
    control = p.control()
    onep = p.onep()
    device_rid, cik = create_device(onep, p.cik, 'outage_gateway example')
    create_dataport(onep, cik, 'temperature', 'float')
    values = iter([20.0 + n / 4.0 for n in range(12)])

    control.clock.freeze()
    try:
        gateway = Gateway(onep, cik, 'temperature', sensor=lambda: next(values),
                          now=control.clock.now, sleep=control.clock.advance)
        gateway.run(3)
        print('the platform goes down for 30 seconds (every request of the device answers 503)')
        with control.faults.add(api='rpc', cik=cik, status=503, for_s=30,
                                headers={'Retry-After': '30'}) as outage:
            gateway.run(9)
            print('the outage refused %d request(s)' % outage.hits())
    finally:
        control.clock.unfreeze()

    stored = expect_ok(onep.read(cik, {'alias': 'temperature'},
                                 {'limit': 100, 'sort': 'asc', 'starttime': 0}), 'read')
    print('nothing left unsent:', gateway.pending == [])
    print('the platform holds all %d readings, each at the time it was taken: %s'
          % (len(gateway.taken), stored == gateway.taken))
    onep.drop(p.cik, device_rid)
    onep.close()
