"""Portals: add a device to a portal by its serial number, then read what it writes.

A Portals domain is a vendor of the fleet, and its devices are made from its models. This
program makes a model with one serial number, logs in to Portals, adds the device to a
portal by model and serial number, activates it as its firmware would, writes from the
device with the device HTTP API, and reads the data source back through Portals. With no
options it runs on an embedded emulator, which has a Portals domain, a user and a portal.
"""
from __future__ import print_function

import time

import requests

from pyonep.portals import Portals

from _platform import checked, create_dataport, create_device, expect_ok, platform

SN = 'M-0001'

with platform(__doc__, portals=True) as p:
    onep, provision = p.onep(), p.provision()
    token, model = p.vendor_token, 'meter-%d' % int(time.time())

    # The vendor's side: a template client, shared with the domain's vendor (a model's
    # template must be the vendor's own, or come with its owner's share code), a model
    # made from it, one serial number.
    template_rid, template_cik = create_device(onep, p.cik, 'Meter template')
    create_dataport(onep, template_cik, 'power', 'float')
    sharecode = expect_ok(onep.share(p.cik, template_rid), 'share')
    by_code = p.provision(manage_by_sharecode=True)
    checked(by_code.model_create(token, model, sharecode), 'model_create')
    by_code.close()
    checked(provision.serialnumber_add(token, model, SN), 'serialnumber_add')

    # The Portals user: log in (the token comes back as Portals sends it) and pick a portal.
    _, portals = Portals.login_to_portal(domain=p.portals_domain, portal_name=p.portal_name,
                                         user=p.portals_user, credential=p.portals_password,
                                         portals_url=p.portals_url)
    print('logged in to the portal "%s", id %s' % (portals.portal_name(), portals.portal_id()))
    portals.set_vendor(p.vendor)  # the domain's vendor (0.13.8 guesses it from the domain)
    device = portals.add_device(model, SN)
    print('add_device ->', device['sn'], device['info']['basic']['status'])

    # The device, at its first start: activation gives it its CIK; then it writes.
    activation = checked(provision.serialnumber_activate(model, SN, p.vendor), 'activate')
    device_cik = activation.body.strip()
    print('the device activated and got its CIK:', device_cik == portals.get_cik(device['rid']))
    for watts in (1.5, 2.5, 3.5):
        written = requests.post(p.url + '/onep:v1/stack/alias', data={'power': watts},
                                headers={'X-Exosite-CIK': device_cik})
        print('the device writes power=%s -> HTTP %d' % (watts, written.status_code))

    # Back in Portals: the device's data sources and their newest points.
    sources = portals.list_device_data_sources(device['rid'])
    data = portals.get_data_source_bulk_request([s['rid'] for s in sources], limit=5)
    for source in sources:
        values = [value for _, value in data[source['rid']]]
        print('%s through Portals -> %s' % (source['info']['description']['name'], values))

    # Clean up: the device (which frees its serial number), the model, the template.
    print('delete_device ->', portals.delete_device(device['rid']))
    checked(provision.serialnumber_remove(token, model, SN), 'serialnumber_remove')
    checked(provision.model_remove(token, model), 'model_remove')
    onep.drop(p.cik, template_rid)
    provision.close()
    onep.close()
