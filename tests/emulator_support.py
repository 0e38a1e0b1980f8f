"""Whether the client tests can start an emulator with this interpreter.

The emulator needs Python 3.8+; on 2.7 to 3.7 it runs in a child process on a newer
interpreter (:func:`pyonep.emulator.find_python`). The tests that need one are skipped,
saying why, only when no such interpreter can be found.
"""
import sys

import pytest

from pyonep.emulator import EmulatorError, find_python


def emulator_missing():
    """Return why no emulator can run with this interpreter, or None when one can."""
    if sys.version_info >= (3, 8):
        return None
    try:
        find_python()
    except EmulatorError as exc:
        return 'Python %d.%d needs a Python 3.8+ to run the emulator: %s' % (
            sys.version_info[0], sys.version_info[1], exc)
    return None


MISSING = emulator_missing()
needs_emulator = pytest.mark.skipif(MISSING is not None, reason=str(MISSING))
