"""The platform clock: real time, moved forward, or frozen, on demand.

Every time the emulated platform reads (timestamps of written points, datarule timers,
token ``ttl``\\ s, retention by duration, activation windows, ``read`` windows, the end of a
fault's ``for_s``) comes from one :class:`Clock`. It is a callable returning Unix seconds,
so :class:`~pyonep.emulator.platform.Platform` keeps calling ``self.clock()``.

A clock is its source (``time.time``, or the callable given as ``Emulator(clock=...)``)
plus an offset, or a frozen instant:

- :meth:`Clock.advance` and :meth:`Clock.set` move it forward (never back);
- :meth:`Clock.freeze` stops it where it stands; :meth:`Clock.unfreeze` lets it run on
  from there;
- :meth:`Clock.reset` puts it back on its source (real time).

Moving the clock alone does not fire datarule timers; :func:`move_platform` does: it steps
the clock through every timer due on the way, in order, each at its own due time.

What the clock does not govern: the length of a ``wait`` (long poll), HTTP timeouts,
idle connections and a fault's ``latency_ms`` are real time.
"""
import threading
import time

# Later than this the platform's timestamps would not fit the year 9999.
MAX_TIME = 253402300799.0
# At most this many distinct timer due times are visited one by one in one move.
MAX_STEPS = 10000


class Clock(object):
    """A controllable clock: call it for the current Unix time in seconds (a float).

    Arguments: ``source``, a callable returning Unix seconds (``time.time`` by default).

    Reading it is safe from any thread; moves are serialised by an internal lock.
    """

    def __init__(self, source=None):
        self.source = source or time.time
        self._lock = threading.Lock()
        # (offset, frozen_at): replaced as a whole, so a reader never sees half a change
        self._state = (0.0, None)

    def __call__(self):
        offset, frozen_at = self._state
        if frozen_at is not None:
            return frozen_at
        return self.source() + offset

    now = __call__

    @property
    def frozen(self):
        """True while the clock is frozen."""
        return self._state[1] is not None

    def set(self, when):
        """Move the clock to Unix time ``when`` (seconds; it stays frozen if it was).

        Returns None. Raises ValueError when ``when`` is before the current time or after
        :data:`MAX_TIME`.
        """
        self._move(lambda now: when, strict=True)

    def advance(self, seconds):
        """Move the clock ``seconds`` (>= 0) forward. Returns None.

        Raises ValueError for a negative amount or one that passes :data:`MAX_TIME`.
        """
        if seconds < 0:
            raise ValueError('cannot move the clock back')
        self._move(lambda now: now + seconds, strict=True)

    def forward_to(self, when):
        """Move the clock to ``when`` if that is later than now, else leave it. Returns None.

        Raises ValueError when ``when`` is after :data:`MAX_TIME`.
        """
        self._move(lambda now: when, strict=False)

    def _move(self, target, strict):
        with self._lock:
            offset, frozen_at = self._state
            now = frozen_at if frozen_at is not None else self.source() + offset
            when = target(now)
            if when > MAX_TIME:
                raise ValueError('%r is after the year 9999' % (when,))
            if when < now:
                if strict:
                    raise ValueError('%r is before the current time %r' % (when, now))
                return
            if frozen_at is not None:
                self._state = (offset, float(when))
            else:
                self._state = (offset + (when - now), None)

    def freeze(self):
        """Stop the clock at the current time (no effect when already frozen). Returns None."""
        with self._lock:
            offset, frozen_at = self._state
            if frozen_at is None:
                self._state = (offset, self.source() + offset)

    def unfreeze(self):
        """Let a frozen clock run again from the time it shows. Returns None."""
        with self._lock:
            offset, frozen_at = self._state
            if frozen_at is not None:
                self._state = (frozen_at - self.source(), None)

    def reset(self):
        """Back to the source's time (real time), running. Returns None."""
        with self._lock:
            self._state = (0.0, None)

    def as_dict(self):
        """Return ``{"now": <Unix seconds>, "frozen": <bool>}``."""
        offset, frozen_at = self._state
        now = frozen_at if frozen_at is not None else self.source() + offset
        return {'now': now, 'frozen': frozen_at is not None}


def move_platform(platform, seconds=None, when=None):
    """Move ``platform.clock`` (a :class:`Clock`) forward, firing the timers on the way.

    Give ``seconds`` (how far, >= 0) or ``when`` (a Unix time, not before now). Every
    datarule timer due on the way fires in order of its due time, with the clock standing
    at that due time (so what it writes carries that time, and rules fed by it see it in
    order); then the clock reaches the target and the timers due there fire. Calls from
    other connections wait meanwhile (the store's lock is held), so none sees the clock
    half-way. When more than :data:`MAX_STEPS` distinct due times lie on the way, the rest
    are left to the platform's own catch-up at the target.

    Returns None. Raises ValueError, moving nothing, for a negative ``seconds``, a ``when``
    before the current time, or a target after :data:`MAX_TIME`.
    """
    clock = platform.clock
    with platform.store.lock:
        now = clock()
        if when is None:
            if seconds < 0:
                raise ValueError('cannot move the clock back')
            when = now + seconds
        elif when < now:
            raise ValueError('%r is before the current time %r' % (when, now))
        if when > MAX_TIME:
            raise ValueError('%r is after the year 9999' % (when,))
        reached = None
        for _ in range(MAX_STEPS):
            due = platform.next_deadline()
            if due is None or due > when or (reached is not None and due <= reached):
                break  # nothing more on the way (or a timer that did not move on)
            clock.forward_to(due)
            platform.tick()
            reached = due
        clock.forward_to(when)
        platform.tick()
