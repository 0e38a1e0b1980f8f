"""Shared fixtures for the client tests (Python 2.7 and 3.6+).

The client tests talk HTTP over loopback to :class:`recording_server.RecordingServer`, a
server started here that records every request and answers scripted replies.
"""
import sys

import pytest

from recording_server import RecordingServer

# The emulator (and its tests) need Python 3.8 or later. The directory itself is ignored
# too, or pytest 4 (Python 2.7) would still import tests/emulator/conftest.py.
if sys.version_info < (3, 8):
    collect_ignore = ['emulator']
    collect_ignore_glob = ['emulator/*']


@pytest.fixture
def server():
    """A started RecordingServer answering JSON-RPC calls with an echo; stopped after the test."""
    with RecordingServer() as srv:
        yield srv


def _client_factory(cls, server, **defaults):
    """Yield a factory of ``cls`` clients pointed at ``server``; close them all afterwards."""
    made = []

    def make(**kwargs):
        kwargs.setdefault('host', '127.0.0.1')
        kwargs.setdefault('port', server.port)
        for name, value in defaults.items():
            kwargs.setdefault(name, value)
        client = cls(**kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def make_onep(server):
    """Return a factory of OnepV1 clients pointed at ``server`` over plain HTTP."""
    from pyonep.onep import OnepV1
    for make in _client_factory(OnepV1, server, https=False):
        yield make


@pytest.fixture
def make_provision(server):
    """Return a factory of Provision clients pointed at ``server`` over plain HTTP."""
    from pyonep.provision import Provision
    for make in _client_factory(Provision, server):
        yield make


@pytest.fixture
def make_portals(server):
    """Return a factory of Portals objects for domain ``mydomain.exosite.com``, portal
    ``My Portal``, user ``me@example.com`` and password ``secret`` (keyword arguments
    override them), whose requests go to ``server`` under ``/api/portals/v1``."""
    from pyonep.portals import Portals

    def make(**kwargs):
        kwargs.setdefault('domain', 'mydomain.exosite.com')
        kwargs.setdefault('portal_name', 'My Portal')
        kwargs.setdefault('user', 'me@example.com')
        kwargs.setdefault('auth', 'secret')
        portals = Portals(**kwargs)
        portals.set_portals_url('http://%s/api/portals/v1' % server.host)
        return portals
    return make
