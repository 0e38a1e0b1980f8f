"""A pytest plugin with a fresh local One Platform per test.

Installing pyonep registers it (entry point ``pytest11``), so any test can ask for the
``onep_emulator`` fixture::

    def test_write_then_read(onep_emulator):
        onep = onep_emulator.onep()
        cik = onep_emulator.root_cik
        ok, rid = onep.create(cik, 'dataport', {'format': 'integer'})
        onep.write(cik, rid, 42)
        assert onep.read(cik, rid, {})[1][0][1] == 42

The fixture yields a started :class:`pyonep.emulator.Emulator` with an in-memory database
(its ``root_cik``, ``vendor``, ``vendor_token``, ``url``, ``onep()`` and ``provision()``,
and its controls: ``clock``, ``faults``, ``reset()``, ``snapshot(path)``, ``restore(path)``)
and stops it after the test::

    def test_an_outage_is_ridden_out(onep_emulator):
        onep_emulator.clock.freeze()
        with onep_emulator.faults.add(api='rpc', status=503, for_s=30):
            ...                                   # every RPC request answers 503
            onep_emulator.clock.advance(30)       # and now the outage is over

This module must stay importable on Python 2.7.
"""
import pytest


@pytest.fixture
def onep_emulator():
    """A started in-memory :class:`pyonep.emulator.Emulator`, stopped after the test."""
    from pyonep.emulator import Emulator
    with Emulator() as emulator:
        yield emulator
