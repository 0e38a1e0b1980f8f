"""The life of a product fleet: model, serial numbers, content, activation, re-enabling.

A vendor builds a template client, makes it a model, lists the serial numbers it will ship,
publishes firmware as content, and enables a serial number for an owner. The device then
activates (trades its serial number for its own CIK), writes data and downloads its
firmware. With no options it runs on an embedded emulator (which has a vendor already).
"""
from __future__ import print_function

import time

from pyonep.exceptions import OnePlatformException

from _platform import create_dataport, create_device, expect_ok, platform


def show(what, response, expect_ok=True):
    """Print a ProvisionResponse on one line; stop if its success is not what we expect."""
    print('%-28s %s %s  %s' % (what, response.status(), response.reason(),
                               response.body.strip().replace('\n', ' | ')))
    if response.isok != expect_ok:
        raise SystemExit('unexpected answer to ' + what)
    return response.body.strip()


with platform(__doc__, vendor=True) as p:
    onep = p.onep()
    provision = p.provision()
    token, model = p.vendor_token, 'thermostat-%d' % int(time.time())

    # The template: every activated device starts as a copy of this client.
    template_rid, template_cik = create_device(onep, p.cik, 'Thermostat template')
    create_dataport(onep, template_cik, 'temperature', 'float')

    show('model_create', provision.model_create(token, model, template_rid, historical=False))
    show('model_info', provision.model_info(token, model))
    show('serialnumber_add_batch',
         provision.serialnumber_add_batch(token, model, ['TH-001', 'TH-002', 'TH-003']))
    show('serialnumber_list', provision.serialnumber_list(token, model, status=True))

    firmware = b'\x7fFIRMWARE v2.0'
    show('content_create', provision.content_create(token, model, 'firmware.bin',
                                                    'Firmware 2.0', protected=False))
    show('content_upload', provision.content_upload(token, model, 'firmware.bin', firmware,
                                                    'application/octet-stream'))

    # Enable TH-001 for an owner (here the client of --cik): that creates its client.
    owner_rid = expect_ok(onep.lookup(p.cik, 'alias', ''), 'lookup')
    device_rid = show('serialnumber_enable',
                      provision.serialnumber_enable(token, model, 'TH-001', owner_rid))

    # On the device, at first start: activation answers its CIK, once.
    device_cik = show('serialnumber_activate',
                      provision.serialnumber_activate(model, 'TH-001', p.vendor))
    show('activate again (refused)', provision.serialnumber_activate(model, 'TH-001', p.vendor),
         expect_ok=False)
    print('device writes ->', onep.write(device_cik, {'alias': 'temperature'}, 20.5))
    download = provision.content_download(device_cik, p.vendor, model, 'firmware.bin')
    content = download.response.content
    print('device downloads firmware.bin ->', download.status(),
          '%d bytes, as uploaded: %s' % (len(content), content == firmware))

    show('serialnumber_info (log)', provision.serialnumber_info(token, model, 'TH-001',
                                                                actvtn_log=True))
    show('serialnumber_disable', provision.serialnumber_disable(token, model, 'TH-001'))
    try:
        onep.write(device_cik, {'alias': 'temperature'}, 21.0)
    except OnePlatformException as exc:
        print('device writes while disabled -> refused:', exc)
    # Re-enabling makes a new CIK for the client, which the device gets by activating again.
    show('serialnumber_reenable', provision.serialnumber_reenable(token, model, 'TH-001'))
    new_cik = show('activate after re-enable',
                   provision.serialnumber_activate(model, 'TH-001', p.vendor))
    print('device writes with its new CIK ->', onep.write(new_cik, {'alias': 'temperature'}, 21.0))

    # Clean up: serial numbers, content, model, and the clients created.
    show('serialnumber_remove_batch',
         provision.serialnumber_remove_batch(token, model, ['TH-001', 'TH-002', 'TH-003']))
    show('content_remove', provision.content_remove(token, model, 'firmware.bin'))
    show('model_remove', provision.model_remove(token, model))
    for rid in (device_rid, template_rid):
        onep.drop(p.cik, rid)
    provision.close()
    onep.close()
