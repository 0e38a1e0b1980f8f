"""Hand out a token that may only read one dataport, for a limited time.

A CIK gives full control of a client. To let a dashboard or a partner read a device's
temperature without giving it that control, the owner grants a token: ``{"token": ...}``
then works as auth for exactly the procedures and resources granted, until its time to
live (in seconds) runs out. With no options it runs on an embedded emulator.

The platform's public RPC documentation leaves ``grant`` out; the permissions here are in
the form that pyonep.emulator accepts: a resource ID mapped to a list of procedure names.
"""
from __future__ import print_function

import time

from pyonep.exceptions import OnePlatformException

from _platform import create_dataport, create_device, expect_ok, platform

with platform(__doc__) as p:
    onep = p.onep()
    device_rid, cik = create_device(onep, p.cik, 'tokens_grant example')
    temperature_rid = create_dataport(onep, cik, 'temperature', 'float')
    create_dataport(onep, cik, 'setpoint', 'float')
    onep.write(cik, {'alias': 'temperature'}, 21.5)

    # Permissions map a resource ID to the procedures allowed on it.
    permissions = {temperature_rid: ['read', 'info']}
    token = expect_ok(onep.grant(cik, {'alias': ''}, permissions, ttl=3600), 'grant')
    print('granted token', token, 'for one hour')
    reader = {'token': token}

    print('read temperature with the token ->', onep.read(reader, temperature_rid, {}))
    # Anything not granted is refused, call by call, with a status instead of a result.
    print('write temperature with the token ->', onep.write(reader, temperature_rid, 99.0))
    print('read setpoint with the token ->', onep.read(reader, {'alias': 'setpoint'}, {}))

    # When its time to live has run out, the token no longer authenticates at all.
    brief = expect_ok(onep.grant(cik, {'alias': ''}, permissions, ttl=1), 'grant')
    time.sleep(1.5)
    try:
        onep.read({'token': brief}, temperature_rid, {})
    except OnePlatformException as exc:
        print('read with a token granted for 1 second, 1.5 seconds later -> refused:', exc)

    onep.drop(p.cik, device_rid)
    onep.close()
