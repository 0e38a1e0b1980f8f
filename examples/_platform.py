"""Where the examples find a One Platform, shared by every example in this folder.

Run with no options, an example starts an embedded emulator (``pyonep.emulator.Emulator``)
and stops it when it is done. Given ``--host``, it uses that platform instead, for example
an emulator started with ``python -m pyonep.emulator --port 8080``::

    python examples/write_read.py --host 127.0.0.1 --port 8080 --cik <CIK>
    python examples/write_read.py --host m2.exosite.com --port 443 --https --cik <CIK>

The examples create what they need under the client of ``--cik`` and drop it at the end.
The provisioning examples also need ``--vendor`` and ``--vendor-token``; the Portals
example needs the Portals domain (``--portals-domain``, ``--portals-user``,
``--portals-password``, ``--portal-name``) with ``--vendor`` and ``--vendor-token`` being
the domain's vendor, and takes ``--portals-url`` when the Portals API is not on the
platform's host (the emulator serves it there). The examples that move the clock or inject
failures need an emulator's control API, so with ``--host`` they need an emulator and its
root CIK as ``--cik``. An error that an example does not handle itself stops it with a
one-line message and exit status 1.
"""
from __future__ import print_function

import argparse
import contextlib

import requests

from pyonep import OnepV1, Provision
from pyonep.emulator.control import ControlError, connect
from pyonep.exceptions import OneException


class Platform(object):
    """A One Platform to connect to, and the keys to use there (``keep``: leave what the
    example made)."""

    keep = False

    def __init__(self, host, port, https, cik, vendor=None, vendor_token=None, portals=None):
        self.host = host
        self.port = port
        self.https = https
        self.cik = cik
        self.vendor = vendor
        self.vendor_token = vendor_token
        self.url = '%s://%s:%s' % ('https' if https else 'http', host, port)
        # the Portals domain: portals_domain, portals_user, portals_password, portal_name
        # (None when not asked for) and portals_url (by default on this host, as the
        # emulator serves it)
        for name in PORTALS_OPTIONS + ('portals_url',):
            setattr(self, name, (portals or {}).get(name))
        self.portals_url = self.portals_url or self.url + '/api/portals/v1'

    def onep(self, **options):
        """Return an OnepV1 connected to this platform (options as for OnepV1)."""
        return OnepV1(host=self.host, port=self.port, https=self.https, **options)

    def provision(self, **options):
        """Return a Provision connected to this platform that manages by vendor token."""
        return Provision(host=self.host, port=self.port, https=self.https,
                         manage_by_cik=False, **options)

    def control(self):
        """Return the control API of this platform when it is an emulator (its clock, its
        faults: see pyonep.emulator.control), used with ``cik`` as the root CIK."""
        scheme = 'https' if self.https else 'http'
        return connect('%s://%s:%s' % (scheme, self.host, self.port), self.cik)


PORTALS_OPTIONS = ('portals_domain', 'portals_user', 'portals_password', 'portal_name')


def flags(names):
    """Return option names as they are typed: ['vendor_token'] -> '--vendor-token'."""
    return ' '.join('--' + name.replace('_', '-') for name in names)


@contextlib.contextmanager
def platform(description, vendor=False, portals=False, keep=False):
    """Parse the command line and yield the Platform it names (an embedded emulator if none).

    ``vendor=True`` adds the options ``--vendor`` and ``--vendor-token``, required with --host.
    ``portals=True`` adds those and the Portals domain's options (``--portals-url`` is
    optional: by default the Portals API is on the platform's host); with no --host, the
    vendor is the embedded emulator's Portals domain's. ``keep=True`` adds ``--keep``: the
    example leaves what it made (``Platform.keep``), to be looked at in the emulator's
    inspector.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--host', help='a One Platform to use instead of an embedded emulator')
    parser.add_argument('--port', type=int, help='its port (default: 443 with --https, else 80)')
    parser.add_argument('--https', action='store_true', help='connect with TLS')
    parser.add_argument('--cik', help='CIK of the client to work under (required with --host)')
    vendor = vendor or portals
    if vendor:
        parser.add_argument('--vendor', help='vendor name (required with --host)')
        parser.add_argument('--vendor-token', help='vendor token (required with --host)')
    if portals:
        for name in PORTALS_OPTIONS:
            parser.add_argument(flags([name]), help=name.replace('_', ' ') + ' (required with --host)')
        parser.add_argument('--portals-url', help='the Portals API (default: on the host)')
    if keep:
        parser.add_argument('--keep', action='store_true',
                            help="leave what the example made (see it in the emulator's inspector)")
    args = parser.parse_args()
    given = [name for name in ('port', 'https', 'cik', 'vendor', 'vendor_token', 'portals_url')
             + PORTALS_OPTIONS if getattr(args, name, None)]
    needed = ['cik'] + (['vendor', 'vendor_token'] if vendor else []) + (
        list(PORTALS_OPTIONS) if portals else [])
    missing = [name for name in needed if not getattr(args, name)]
    if args.host is None and given:
        parser.error('these options need --host: ' + flags(given))
    if args.host is not None and missing:
        parser.error('with --host, also give ' + flags(missing))
    Platform.keep = bool(getattr(args, 'keep', False))
    try:
        if args.host is None:
            from pyonep.emulator import Emulator
            with Emulator() as emu:
                print('Started a One Platform emulator at', emu.url)
                if portals:
                    yield Platform(emu.host, emu.port, False, emu.root_cik, emu.portals_vendor,
                                   emu.portals_vendor_token, dict(
                                       (name, getattr(emu, name)) for name in PORTALS_OPTIONS))
                else:
                    yield Platform(emu.host, emu.port, False, emu.root_cik, emu.vendor,
                                   emu.vendor_token)
        else:
            port = args.port or (443 if args.https else 80)
            yield Platform(args.host, port, args.https, args.cik,
                           getattr(args, 'vendor', None), getattr(args, 'vendor_token', None),
                           dict((name, getattr(args, name, None))
                                for name in PORTALS_OPTIONS + ('portals_url',)))
    except (OneException, ControlError, requests.exceptions.RequestException) as exc:
        raise SystemExit('error: %s: %s' % (type(exc).__name__, exc))


def expect_ok(reply, doing):
    """Return the result of an OnepV1 reply ``(isok, result)``; stop the example if it failed."""
    isok, result = reply
    if not isok:
        raise SystemExit('%s failed: %r' % (doing, result))
    return result


def checked(response, doing):
    """Return a Provision call's ProvisionResponse; stop the example if it is not a success."""
    if not response.isok:
        raise SystemExit('%s failed: %s' % (doing, response))
    return response


def create_device(onep, cik, name):
    """Create a client called ``name`` under the client of ``cik``; return (rid, its CIK).

    Its limits are inherited from its owner, so it may own dataports, datarules, dispatches.
    """
    rid = expect_ok(onep.create(cik, 'client', {
        'name': name,
        'limits': {'client': 'inherit', 'dataport': 'inherit', 'datarule': 'inherit',
                   'dispatch': 'inherit', 'share': 'inherit'},
    }), 'create client')
    device_cik = expect_ok(onep.info(cik, rid, {'key': True}), 'info')['key']
    return rid, device_cik


def create_dataport(onep, cik, alias, fmt, **description):
    """Create a dataport of format ``fmt`` under the client of ``cik``, alias it; return its RID."""
    description.update(format=fmt, name=description.get('name', alias))
    rid = expect_ok(onep.create(cik, 'dataport', description), 'create dataport')
    expect_ok(onep.map(cik, rid, alias), 'map alias')
    return rid
