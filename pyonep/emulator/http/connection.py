"""One client connection as the event loop (``loop.py``) keeps it: its socket, the bytes
received and not yet taken as requests, the answer bytes not yet sent, and where it stands
(a request under way, busy, closing, lingering).

A :class:`Connection` does its own socket reads and writes (never blocking: the socket is
non-blocking) and cuts its bytes into requests with ``framing.py``; when to read, write,
serve or close is the loop's decision.
"""
import time

from pyonep.emulator.http import framing
from pyonep.emulator.http.messages import Request

RECV_SIZE = 256 * 1024
COMPACT_AT = 4 * 1024 * 1024  # sent bytes dropped from the front of the outbox past this


class Connection(object):
    """One client connection: ``sock`` (non-blocking) and ``address``, with the state the
    loop keeps (attributes, see ``__init__``)."""

    __slots__ = ('sock', 'address', 'inbox', 'outbox', 'sent', 'events', 'head', 'served',
                 'busy', 'closing', 'eof', 'drain', 'started', 'since', 'lingering')

    def __init__(self, sock, address, now):
        self.sock = sock
        self.address = address
        self.inbox = bytearray()   # bytes received and not yet taken as a request
        self.outbox = bytearray()  # answer bytes not yet sent, from offset ``sent``
        self.sent = 0
        self.events = 0            # what the selector watches for
        self.head = None           # the head of a request whose body is still arriving
        self.served = 0            # requests taken so far
        self.busy = False          # a request is being served on a thread or held back
        self.closing = False       # close once the answers are sent
        self.eof = False           # the client will send nothing more
        self.drain = 0             # body bytes of a refused request still to discard
        self.started = None        # when the request under way began to arrive
        self.since = now           # when the connection last made progress
        self.lingering = False     # answers all sent and our side shut: reading to the end

    def pending(self):
        """Return how many answer bytes wait to be sent."""
        return len(self.outbox) - self.sent

    def receive(self):
        """Read what the client has sent and keep it (thrown away while draining a refused
        body or lingering). Returns the bytes read, b'' when the client closed its side
        (``eof`` is then set), or None when nothing was there after all. Raises ``OSError``
        when the connection failed."""
        try:
            data = self.sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return None
        if self.lingering:
            return data
        now = time.monotonic()
        self.since = now
        if not data:
            self.eof = True
            self.drain = 0
        elif self.drain > 0:
            self.drain -= len(data)
        else:
            if self.started is None:
                self.started = now
            self.inbox += data
        return data

    def send_some(self):
        """Send as much of the outbox as the socket takes now. Raises ``OSError`` when the
        connection failed."""
        try:
            if self.sent:
                with memoryview(self.outbox) as view, view[self.sent:] as rest:
                    count = self.sock.send(rest)
            else:
                count = self.sock.send(self.outbox)
        except (BlockingIOError, InterruptedError):
            return
        if count:
            self.since = time.monotonic()
        self.sent += count
        if self.sent == len(self.outbox):
            self.outbox.clear()
            self.sent = 0
        elif self.sent > COMPACT_AT:
            del self.outbox[:self.sent]
            self.sent = 0

    def take_request(self, body_limit, server_address):
        """Return the next complete request as (:class:`~pyonep.emulator.http.messages.Request`,
        :class:`~pyonep.emulator.http.framing.Head`), or None while it has not arrived in full.

        ``body_limit(path)`` gives the largest body accepted on a path. Queues ``100
        Continue`` for a client that waits for it. Raises
        :class:`~pyonep.emulator.http.framing.Refusal` for a request to refuse (413 for a body
        over the limit, with ``drain`` set to the body bytes still to come).
        """
        inbox = self.inbox
        head = self.head
        if head is None:
            if not inbox:
                return None
            head = framing.take_head(inbox)
            if head is None:
                return None
            limit = body_limit(head.target.partition('?')[0])
            if head.body_length > limit:
                self.drain = head.body_length - len(inbox)
                raise framing.Refusal(413, 'Request body over the %d byte limit' % limit, head)
            self.head = head
            if head.expects_continue and len(inbox) < head.body_length:
                self.outbox += framing.CONTINUE
        if len(inbox) < head.body_length:
            return None
        body = bytes(inbox[:head.body_length])
        del inbox[:head.body_length]
        self.head = None
        self.served += 1
        self.started = time.monotonic() if inbox else None
        return Request(head.method, head.target, head.headers, body, server_address,
                       self.address), head
