"""What goes wrong, and how pyonep tells you.

- A call the platform refuses returns (False, status): the request itself went fine.
- A request the platform rejects as a whole (a bad CIK, say) raises OnePlatformException.
- A request that cannot be made (no server, timeout) raises JsonRPCRequestException.
- Provision returns a ProvisionResponse whose .isok is False for a status of 400 or more,
  or raises ProvisionException with raise_api_exceptions=True; network failures come up as
  the requests library's own exceptions.
All of pyonep's own exceptions derive from OneException.
With no options it runs on an embedded emulator.
"""
from __future__ import print_function

import socket

import requests

from pyonep import OnepV1, Provision
from pyonep.exceptions import (JsonRPCRequestException, OneException, OnePlatformException,
                               ProvisionException)

from _platform import create_dataport, create_device, platform


def closed_port():
    """Return a local port that nothing listens on."""
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


with platform(__doc__, vendor=True) as p:
    onep = p.onep()
    device_rid, cik = create_device(onep, p.cik, 'error_handling example')
    create_dataport(onep, cik, 'count', 'integer')

    print('1. Calls the platform refuses: (False, status)')
    print('   write text to an integer dataport ->', onep.write(cik, {'alias': 'count'}, 'ten'))
    print('   read an alias that does not exist ->', onep.read(cik, {'alias': 'nope'}, {}))

    print('2. A request rejected as a whole: OnePlatformException')
    try:
        onep.read('0' * 40, {'alias': 'count'}, {})
    except OnePlatformException as exc:
        print('   unknown CIK ->', exc)

    print('3. No request could be made: JsonRPCRequestException')
    nowhere = OnepV1(host='127.0.0.1', port=closed_port(), https=False, httptimeout=2)
    try:
        nowhere.read(cik, {'alias': 'count'}, {})
    except JsonRPCRequestException as exc:
        print('   nothing listening ->', str(exc)[:70], '...')
    try:
        onep.send_deferred(cik)
    except JsonRPCRequestException as exc:
        print('   send_deferred with an empty queue ->', exc)

    print('4. Provisioning failures')
    provision = p.provision()
    response = provision.model_info(p.vendor_token, 'no-such-model')
    print('   unknown model -> isok=%s, %s' % (response.isok, response))
    strict = p.provision(raise_api_exceptions=True)
    try:
        strict.model_info(p.vendor_token, 'no-such-model')
    except ProvisionException as exc:
        print('   with raise_api_exceptions=True -> ProvisionException:', exc)
        print('   its .response is the ProvisionResponse, status', exc.response.status())
    try:
        Provision(host='127.0.0.1', port=closed_port(), https=False).vendor_show(p.vendor_token)
    except requests.exceptions.ConnectionError:
        print('   nothing listening -> requests.exceptions.ConnectionError')

    print('5. OneException catches every pyonep exception')
    try:
        onep.read('0' * 40, {'alias': 'count'}, {})
    except OneException as exc:
        print('   caught', type(exc).__name__)

    onep.drop(p.cik, device_rid)
    for client in (onep, nowhere, provision, strict):
        client.close()
