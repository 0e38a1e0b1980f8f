"""Fixtures for the emulator's tests: a fresh emulator per test, a clock the test moves,
pyonep's OnepV1 pointed at the emulator, and raw HTTP for malformed input."""
import pytest

from pyonep.emulator import Emulator
from rpc_helpers import Clock


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def emu(clock):
    """An in-process emulator whose platform time is ``clock``."""
    with Emulator(clock=clock) as emulator:
        yield emulator


@pytest.fixture
def live_emu():
    """An in-process emulator on the real clock (for long polls)."""
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def onep(emu):
    return emu.onep()


@pytest.fixture
def cik(emu):
    return emu.root_cik


