"""The emulator's HTTP side: one module per API, each only translating requests into calls
of the services and answers back (see docs/architecture.md).

- :mod:`~pyonep.emulator.http.server`: connections, framing, the routing table;
- :mod:`~pyonep.emulator.http.messages`: requests, responses, and what the API layers share;
- :mod:`~pyonep.emulator.http.rpc`, :mod:`~pyonep.emulator.http.provision`,
  :mod:`~pyonep.emulator.http.device`, :mod:`~pyonep.emulator.http.portals`,
  :mod:`~pyonep.emulator.http.control`, :mod:`~pyonep.emulator.http.inspector`: the APIs.
"""
