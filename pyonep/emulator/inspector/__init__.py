"""The web inspector's model side, with no HTTP: what its page shows.

- :mod:`~pyonep.emulator.inspector.views`: the read-only queries over the platform (the
  resource tree, a resource, its data, the data flow, dispatch records, calls, Portals);
- :mod:`~pyonep.emulator.inspector.fleet_views`: the same for the fleet (vendors, models,
  serial numbers, content);
- :mod:`~pyonep.emulator.inspector.calllog`: the bounded log of the requests served;
- ``static/``: the page, its scripts and its style sheet, served by
  :mod:`pyonep.emulator.http.inspector`.
"""
