"""Pausing Python's cyclic garbage collector while a large batch of calls is built, sent
and matched.

A deferred batch of 100,000 calls keeps a few hundred thousand containers alive (the queue,
the call dicts, then the decoded reply). Every collection of the oldest generation that the
allocations trigger walks all of them again, which made a batch cost more per call the
bigger it was. Nothing in a batch forms reference cycles, so pausing the collector for it
loses nothing; memory is still freed by reference counting as usual.

The collector is switched for the whole process, so other threads run without cyclic
collection while a batch is in progress (their cyclic garbage is collected after it).
"""
import gc
import threading
from contextlib import contextmanager

_lock = threading.Lock()
_paused = [0, False]  # pauses in progress; whether the collector was on when the first began


@contextmanager
def gc_paused():
    """Keep the cyclic garbage collector off for the duration of a ``with`` block.

    Takes no arguments; yields nothing. On leaving the block, exception or not, the collector
    is put back as it was found. Pauses may overlap (several threads sending batches at
    once): the state found by the first is restored when the last ends. A program that turns
    the collector off itself while a pause is in progress finds it on again after it, if it
    was on when the pause began. Raises nothing of its own.
    """
    with _lock:
        if _paused[0] == 0:
            _paused[1] = gc.isenabled()
            gc.disable()
        _paused[0] += 1
    try:
        yield
    finally:
        with _lock:
            _paused[0] -= 1
            if _paused[0] == 0 and _paused[1]:
                gc.enable()
