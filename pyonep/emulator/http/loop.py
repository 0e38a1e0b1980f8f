"""The emulator's connections: one thread with a ``selectors`` event loop serving HTTP/1.1
with keep-alive and pipelining.

:class:`Loop` accepts connections on a listening socket, reads their bytes, takes each
complete request (``framing.py`` finds where it ends) and hands it to its ``app`` (the
:class:`~pyonep.emulator.http.server.EmulatorServer`), then writes the answer. Most calls
are answered on the loop's own thread, one after another: the platform's rules run under
one store lock anyway, and a thread switch per request would cost more than the call. A
request that may wait (a ``wait`` long poll, a device long poll) is served on a thread of
its own, and an answer held back by a latency fault waits in the loop's timer list, so
neither holds up anyone else. The requests of one connection are answered in the order
they came, one at a time.

Limits, read from this module each time they are used (a test may change them):

- :data:`MAX_CONNECTIONS` open at once; further clients wait in the listen backlog;
- a connection with no request under way is closed after :data:`IDLE_TIMEOUT` seconds;
- a request must arrive in full within :data:`REQUEST_TIMEOUT` seconds of its first byte,
  else it is answered 408 and the connection closed (a slow or stalled client holds no
  one up, and cannot hold its connection open by trickling bytes);
- an answer the client does not read for :data:`IDLE_TIMEOUT` seconds closes the
  connection; while :data:`MAX_PENDING` bytes of answers wait unread, no further requests
  of that connection are read;
- the answer to the :data:`MAX_REQUESTS_PER_CONNECTION`-th request on one connection says
  ``Connection: close`` and the connection is then closed, as the One Platform does.

:meth:`Loop.stop` finishes what is under way: it stops accepting and reading, sends the
answers held back, lets the calls running on threads end (the app's ``interrupt`` wakes
long polls), answers each connection's complete requests already received, and closes
every connection once its answers are sent (or after :data:`STOP_GRACE` seconds).
"""
import errno
import heapq
import itertools
import logging
import selectors
import socket
import threading
import time

from pyonep.emulator.http import framing
from pyonep.emulator.http.connection import RECV_SIZE, Connection
from pyonep.emulator.http.messages import Request

LOG = logging.getLogger('pyonep.emulator')
MAX_CONNECTIONS = 1000
IDLE_TIMEOUT = 120
REQUEST_TIMEOUT = 120
MAX_REQUESTS_PER_CONNECTION = 100
MAX_PENDING = 4 * 1024 * 1024
MAX_READ_AHEAD = 1024 * 1024
MAX_DRAIN = 256 * 1024 * 1024
STOP_GRACE = 10.0
LINGER_TIMEOUT = 5.0
SWEEP_EVERY = 0.25
READ, WRITE = selectors.EVENT_READ, selectors.EVENT_WRITE
# how a request is served (the app's ``how_to_serve``): on a thread of its own (it may
# wait), on the loop's thread in the current batch (one commit for the batch), or on the
# loop's thread after the batch is committed (it must see no open transaction)
THREAD, BATCH, ALONE = 'thread', 'batch', 'alone'


class Answer(object):
    """What the app gives for one request: ``response`` (a Response, or None to close the
    connection without answering) and ``delay`` (seconds to hold the answer back)."""

    __slots__ = ('response', 'delay')

    def __init__(self, response, delay=0):
        self.response = response
        self.delay = delay


class Loop(object):
    """Serve HTTP/1.1 on ``listener`` (a bound, listening socket) for ``app``.

    ``app`` offers ``serve(request)`` (returns an :class:`Answer` for a
    :class:`~pyonep.emulator.http.messages.Request`), ``how_to_serve(request)``
    (:data:`THREAD`, :data:`BATCH` or :data:`ALONE`), ``begin_batch()`` and
    ``commit_batch()`` (open and commit the transaction the batched calls join),
    ``body_limit(path)`` (bytes), ``refusal(status, message, context=None, code=400)`` (the
    Response of a refused request), ``record(request, response)`` (the call log) and
    ``interrupt()`` (wake waiting calls: the server is stopping). :meth:`run` serves until
    :meth:`stop`.

    Group commit: the requests the loop serves in one turn (all those whose bytes came in
    one ``select``) run in one transaction, each call in a savepoint of its own, and their
    answers are sent once it is committed. A write is answered only when it is on disk,
    as before, but a turn with several writes commits once. Should the commit fail, each
    of the turn's answers becomes a 500 error and its connection is closed.
    
    """

    def __init__(self, listener, app):
        self.listener = listener
        self.server_address = listener.getsockname()
        listener.setblocking(False)
        self.app = app
        self.selector = selectors.DefaultSelector()
        self.connections = {}
        self.stopping = False
        self.finished = threading.Event()
        self._accepting = False
        self._timers = []
        self._sequence = itertools.count()
        self._done = []
        self._lock = threading.Lock()
        self._threads = set()
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._wake_writer.setblocking(False)
        self._next_sweep = 0
        self._batch_open = False
        self._deferred = {}  # connection -> its outbox length before this turn's answers
        self._tickets = []   # answers held back this turn: [response] lists

    # ---------------------------------------------------------------- running
    def run(self):
        """Serve until :meth:`stop` has finished what was under way (on the loop's thread)."""
        self.selector.register(self._wake_reader, READ, None)
        self._accept_again()
        deadline = None
        try:
            while True:
                if self.stopping:
                    if deadline is None:
                        deadline = self._begin_stop()
                    if not self.connections or time.monotonic() > deadline:
                        break
                for key, mask in self.selector.select(self._select_timeout()):
                    self._guarded(self._event, key.data, mask)
                self._guarded(self._run_timers)
                self._end_turn()
        finally:
            try:
                self._end_turn()
            finally:
                self._close_everything()
                self.finished.set()

    def _event(self, connection, mask):
        if connection is None:
            self._woken()
        elif connection is self:
            self._accept()
        else:
            if mask & READ:
                self._readable(connection)
            if mask & WRITE and connection.sock is not None:
                self._writable(connection)

    def _guarded(self, function, *args):
        """Run ``function(*args)``; a failure is a bug of the emulator: log it, close the
        connection concerned (when one of ``args`` is one), go on serving the others."""
        try:
            function(*args)
        except Exception:
            LOG.exception('error in the emulator\'s connection loop')
            for arg in args:
                if isinstance(arg, Connection):
                    self._close(arg)

    def stop(self):
        """Ask the loop to stop (from any thread); it finishes what is under way first."""
        self.stopping = True
        self._wake()

    def close(self):
        """Close the listening socket and every connection at once (a loop never run)."""
        self._close_everything()
        self.finished.set()

    def join_calls(self, timeout):
        """Wait up to ``timeout`` seconds for the calls still running on threads to end."""
        deadline = time.monotonic() + timeout
        for thread in list(self._threads):
            thread.join(max(0, deadline - time.monotonic()))

    def _select_timeout(self):
        now = time.monotonic()
        timeout = max(0, self._next_sweep - now) if self.connections else None
        if self._timers:
            until = max(0, self._timers[0][0] - now)
            timeout = until if timeout is None else min(timeout, until)
        return timeout if not self.stopping else min(timeout if timeout is not None else 0.1, 0.1)

    def _wake(self):
        try:
            self._wake_writer.send(b'x')
        except (BlockingIOError, OSError):
            pass  # a wake-up is already pending, or the loop is gone

    def _woken(self):
        try:
            while self._wake_reader.recv(4096):
                pass
        except (BlockingIOError, OSError):
            pass
        with self._lock:
            done, self._done = self._done, []
        for connection, request, head, answer, thread in done:
            self._threads.discard(thread)
            self._resume(connection)
            self._deliver(connection, request, head, answer)
            if connection.sock is not None:
                self._continue(connection)

    def _resume(self, connection):
        """End a wait on a thread or a held answer: the timeouts start again from now."""
        connection.busy = False
        connection.since = time.monotonic()
        if connection.started is not None:
            connection.started = connection.since

    # ---------------------------------------------------------------- timers
    def _schedule(self, delay, function, *args):
        heapq.heappush(self._timers, (time.monotonic() + delay, next(self._sequence),
                                      function, args))

    def _run_timers(self, everything=False):
        now = time.monotonic()
        while self._timers and (everything or self._timers[0][0] <= now):
            _, _, function, args = heapq.heappop(self._timers)
            function(*args)
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_EVERY
            self._sweep(now)

    def _sweep(self, now):
        """Close the connections that waited too long (see the module docstring)."""
        for connection in list(self.connections.values()):
            if connection.lingering:
                if now - connection.since > LINGER_TIMEOUT:
                    self._close(connection)
                continue
            if connection.busy or connection.sock is None:
                continue
            if connection.pending() or connection.started is None:
                # answers the client does not read, or no request under way
                if now - connection.since > IDLE_TIMEOUT:
                    self._close(connection)
            elif now - connection.started > REQUEST_TIMEOUT:
                if connection.closing:  # the body of a refused request, still trickling
                    self._close(connection)
                else:
                    self._refuse(connection, framing.Refusal(
                        408, 'The request did not arrive in full within %d seconds'
                        % REQUEST_TIMEOUT))

    # ---------------------------------------------------------------- connections
    def _accept_again(self):
        if not self._accepting and not self.stopping:
            self.selector.register(self.listener, READ, self)
            self._accepting = True

    def _pause_accepting(self):
        if self._accepting:
            self.selector.unregister(self.listener)
            self._accepting = False

    def _accept(self):
        now = time.monotonic()
        while len(self.connections) < MAX_CONNECTIONS:
            try:
                sock, address = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    LOG.warning('cannot accept a connection now: %s', exc)
                    self._pause_accepting()
                    self._schedule(0.5, self._accept_again)
                return  # ECONNABORTED and the like: the client is gone already
            sock.setblocking(False)
            # an answer is one write, but a refusal after 100 Continue is two: without this,
            # Nagle's algorithm and the client's delayed ACK could hold it for 40 ms
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = Connection(sock, address, now)
            self.connections[sock.fileno()] = connection
            self._watch(connection)
        self._pause_accepting()

    def _wants_read(self, connection):
        if connection.lingering:
            return True
        if self.stopping or connection.eof:
            return False
        if connection.drain > 0:
            return True
        if connection.closing or connection.pending() >= MAX_PENDING:
            return False
        return not connection.busy or len(connection.inbox) < MAX_READ_AHEAD

    def _watch(self, connection):
        """Make the selector watch ``connection`` for what it needs now."""
        events = (READ if self._wants_read(connection) else 0) | (
            WRITE if connection.pending() else 0)
        if events == connection.events:
            return
        if not connection.events:
            self.selector.register(connection.sock, events, connection)
        elif not events:
            self.selector.unregister(connection.sock)
        else:
            self.selector.modify(connection.sock, events, connection)
        connection.events = events

    def _close(self, connection):
        sock = connection.sock
        if sock is None:
            return
        connection.sock = None
        self.connections.pop(sock.fileno(), None)
        if connection.events:
            self.selector.unregister(sock)
            connection.events = 0
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        sock.close()
        if not self._accepting and not self.stopping and len(self.connections) < MAX_CONNECTIONS:
            self._accept_again()

    def _close_everything(self):
        for connection in list(self.connections.values()):
            self._close(connection)
        if self._accepting:
            self._pause_accepting()
        self.listener.close()
        self.selector.close()
        self._wake_reader.close()
        self._wake_writer.close()

    # ---------------------------------------------------------------- reading
    def _readable(self, connection):
        try:
            data = connection.receive()
        except OSError as exc:
            LOG.debug('connection from %s ended: %s', connection.address, exc)
            self._close(connection)
            return
        if data is None:
            return  # nothing after all
        if connection.lingering:
            if not data:
                self._close(connection)  # the client has read everything and closed
            return
        self._continue(connection)

    def _continue(self, connection):
        """Take and serve the complete requests of ``connection`` that can go now, in order."""
        while connection.sock is not None and not connection.busy and not connection.closing:
            if connection.pending() >= MAX_PENDING:
                break
            try:
                taken = connection.take_request(self.app.body_limit, self.server_address)
            except framing.Refusal as refusal:
                self._refuse(connection, refusal)
                return
            if taken is None:
                if connection.eof or self.stopping:
                    connection.closing = True  # nothing more will come, or be read
                break
            request, head = taken
            how = self.app.how_to_serve(request)
            if how == THREAD:
                self._serve_on_thread(connection, request, head)
                break
            if how == BATCH and not self._batch_open:
                self.app.begin_batch()
                self._batch_open = True
            elif how == ALONE:
                self._commit()
            self._deliver(connection, request, head, self._serve(request))
        if connection.sock is not None:
            self._flush(connection)

    def _refuse(self, connection, refusal):
        """Answer ``refusal`` and close the connection once it is sent. A refused request
        whose head was read goes to the call log (without its body)."""
        context = 'calls' if refusal.status == 413 else None
        response = self.app.refusal(refusal.status, refusal.message, context)
        head = refusal.head or connection.head
        if head is not None:
            self.app.record(Request(head.method, head.target, head.headers, b'',
                                    self.server_address, connection.address), response)
        connection.outbox += framing.serialize(response, False)
        connection.closing = True
        connection.inbox.clear()
        connection.head = None
        if connection.drain > MAX_DRAIN:
            connection.drain = 0  # too much to read and throw away: close at once
        self._flush(connection)

    # ---------------------------------------------------------------- serving
    def _serve(self, request):
        try:
            return self.app.serve(request)
        except Exception:
            LOG.exception('internal error answering %s %s', request.method, request.raw_path)
            return Answer(self.app.refusal(500, 'Internal error', code=500))

    def _serve_on_thread(self, connection, request, head):
        connection.busy = True
        thread = threading.Thread(target=self._serve_and_report, args=(connection, request, head),
                                  name='pyonep-emulator-call')
        thread.daemon = True
        self._threads.add(thread)
        thread.start()

    def _serve_and_report(self, connection, request, head):
        answer = self._serve(request)
        with self._lock:
            self._done.append((connection, request, head, answer, threading.current_thread()))
        self._wake()

    def _deliver(self, connection, request, head, answer):
        """Record ``answer`` and send it, hold it back, or close the connection."""
        self.app.record(request, answer.response)
        if connection.sock is None:
            return  # the client went away meanwhile
        if answer.response is None:
            self._close(connection)
        elif answer.delay > 0 and not self.stopping:
            connection.busy = True
            ticket = [answer.response]
            self._tickets.append(ticket)
            self._schedule(answer.delay, self._release, connection, head, ticket)
        else:
            self._send(connection, head, answer.response)

    def _release(self, connection, head, ticket):
        self._resume(connection)
        if connection.sock is not None:
            self._send(connection, head, ticket[0])
            self._continue(connection)

    def _send(self, connection, head, response):
        if connection not in self._deferred:
            self._deferred[connection] = len(connection.outbox)
        keep_alive = (head.keep_alive and not self.stopping
                      and connection.served < MAX_REQUESTS_PER_CONNECTION)
        connection.outbox += framing.serialize(response, keep_alive, head.method != 'HEAD')
        if not keep_alive:
            connection.closing = True
        if LOG.isEnabledFor(logging.DEBUG):
            LOG.debug('%s - "%s %s %s" %d', connection.address[0], head.method, head.target,
                      head.version, response.status)

    # ---------------------------------------------------------------- group commit
    def _commit(self):
        """Commit this turn's batch, if one is open; on failure its answers become errors."""
        if not self._batch_open:
            return
        self._batch_open = False
        try:
            self.app.commit_batch()
        except Exception:
            LOG.exception('the calls of one turn could not be committed; they are answered 500')
            failed = self.app.refusal(500, 'Internal error: the change was not saved', code=500)
            for connection, mark in self._deferred.items():
                if connection.sock is not None:
                    del connection.outbox[mark:]
                    connection.outbox += framing.serialize(failed, False)
                    connection.closing = True
                    connection.inbox.clear()
            for ticket in self._tickets:
                ticket[0] = failed
        self._tickets = []

    def _end_turn(self):
        """Commit this turn's batch, then send the answers that waited for it."""
        self._commit()
        deferred, self._deferred = self._deferred, {}
        for connection in deferred:
            if connection.sock is not None:
                self._flush(connection)

    # ---------------------------------------------------------------- writing
    def _writable(self, connection):
        self._flush(connection)
        if connection.sock is not None and connection.inbox and not connection.busy:
            self._continue(connection)

    def _flush(self, connection):
        """Send what the socket takes now; close when done and asked to; watch for the rest.

        Answers of this turn wait for :meth:`_end_turn` (they are sent once committed).
        """
        if connection in self._deferred:
            return
        if connection.pending():
            try:
                connection.send_some()
            except OSError as exc:
                LOG.debug('connection from %s ended: %s', connection.address, exc)
                self._close(connection)
                return
        if connection.closing and not connection.pending() and connection.drain <= 0 \
                and not connection.busy:
            self._finish(connection)
        else:
            self._watch(connection)

    def _finish(self, connection):
        """Close a connection whose last answer is sent, without losing that answer.

        Closing a socket with unread bytes in it makes the kernel reset the connection,
        and a reset can destroy answers the client has not read yet. So the sending side
        is shut first and what the client still sends is read and thrown away until it
        closes too, or for :data:`LINGER_TIMEOUT` seconds (RFC 9112, 9.6). When stopping,
        only what has already arrived is read.
        """
        if connection.lingering:
            return
        if connection.eof:
            self._close(connection)
            return
        try:
            connection.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._close(connection)
            return
        if self.stopping:
            try:
                while connection.sock.recv(RECV_SIZE):
                    pass
            except OSError:
                pass
            self._close(connection)
            return
        connection.lingering = True
        connection.since = time.monotonic()
        connection.inbox.clear()
        connection.head = None
        self._watch(connection)

    # ---------------------------------------------------------------- stopping
    def _begin_stop(self):
        """Stop accepting and reading; send held answers; return the deadline to finish by."""
        self._pause_accepting()
        self.app.interrupt()
        self._run_timers(everything=True)
        for connection in list(self.connections.values()):
            connection.drain = 0
            if connection.lingering:
                connection.lingering = False
                self._finish(connection)  # reads what has arrived, then closes
            elif connection.sock is not None and not connection.busy:
                self._continue(connection)
        return time.monotonic() + STOP_GRACE

