"""A round trip through the One Platform, printing each step.

Creates a device client, gives it two dataports, writes and reads, sends a batch of
deferred writes in one request, then provisions a model and activates a serial number the
way a device does on its first start. With no options it runs on an embedded emulator.
With ``--keep`` it leaves the device, its data and the model in place, to be seen in the
emulator's inspector (the ``inspector`` URL of its ready line).
"""
from __future__ import print_function

import time

from _platform import checked, create_dataport, create_device, expect_ok, platform

with platform(__doc__, vendor=True, keep=True) as p:
    onep = p.onep()

    print('\n1. A device client under the client of the CIK', p.cik)
    device_rid, device_cik = create_device(onep, p.cik, 'Quickstart device')
    print('   created client', device_rid, 'with its own CIK', device_cik)

    print('\n2. Two dataports, named by alias')
    create_dataport(onep, device_cik, 'temperature', 'float')
    create_dataport(onep, device_cik, 'status', 'string')
    print('   created "temperature" (float) and "status" (string)')

    print('\n3. Write and read')
    print('   write 21.5 ->', onep.write(device_cik, {'alias': 'temperature'}, 21.5))
    isok, points = onep.read(device_cik, {'alias': 'temperature'}, {'limit': 1})
    print('   read the newest point ->', isok, points)

    print('\n4. A batch of deferred calls, sent as one request')
    now = int(time.time())
    readings = [[now - 30, 19.0], [now - 20, 19.5], [now - 10, 20.25]]
    onep.recordbatch(device_cik, {'alias': 'temperature'}, readings, defer=True)
    onep.write(device_cik, {'alias': 'status'}, 'heating', defer=True)
    onep.read(device_cik, {'alias': 'temperature'}, {'limit': 5, 'sort': 'asc'}, defer=True)
    print('   queued 3 calls; has_deferred ->', onep.has_deferred(device_cik))
    for call, isok, result in onep.send_deferred(device_cik):
        print('   %-6s -> %s %s' % (call['procedure'], isok, result))

    print('\n5. Provisioning: a model, a serial number, an activation')
    provision = p.provision()
    template_rid, template_cik = create_device(onep, p.cik, 'Quickstart template')
    create_dataport(onep, template_cik, 'temperature', 'float')
    model = 'quickstart-model-%d' % now
    print('   model_create ->',
          checked(provision.model_create(p.vendor_token, model, template_rid), 'model_create'))
    print('   serialnumber_add ->',
          checked(provision.serialnumber_add(p.vendor_token, model, 'SN-0001'), 'serialnumber_add'))
    owner_rid = expect_ok(onep.lookup(p.cik, 'alias', ''), 'lookup')
    enabled = checked(provision.serialnumber_enable(p.vendor_token, model, 'SN-0001', owner_rid),
                      'serialnumber_enable')
    print('   serialnumber_enable ->', enabled)
    response = checked(provision.serialnumber_activate(model, 'SN-0001', p.vendor),
                       'serialnumber_activate')
    new_cik = response.body.strip()
    print('   serialnumber_activate -> the device\'s new CIK', new_cik)
    print('   the device writes with it ->', onep.write(new_cik, {'alias': 'temperature'}, 22.0))
    print('   and reads it back ->', onep.read(new_cik, {'alias': 'temperature'}, {}))

    if p.keep:
        print('\n6. Kept the clients and the model (--keep)')
    else:
        print('\n6. Clean up')
        provision.model_remove(p.vendor_token, model)
        for rid in (device_rid, template_rid, enabled.body.strip()):
            onep.drop(p.cik, rid)
        print('   dropped the clients and removed the model')
    provision.close()
    onep.close()

print('\nDone.')
