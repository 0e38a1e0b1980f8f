"""Command line: ``python -m pyonep.emulator`` (also installed as ``onep-emulator``).

Options: ``--host`` (default 127.0.0.1, loopback only), ``--port`` (default 0: a free
port), ``--db PATH`` (default ``:memory:``; a file keeps everything across restarts),
``--root-cik``, ``--vendor``, ``--vendor-token``, ``--portals-domain``,
``--portals-user`` and ``--portals-password`` (used when the database is new, generated
when not given; an existing file keeps its own).

When ready it prints exactly one JSON line on stdout,
``{"control": ..., "host": ..., "port": ..., "root_cik": ..., "vendor": ..., "vendor_token":
...}`` (``control`` is the URL of the control API, see :mod:`pyonep.emulator.http.control`)
plus the Portals keys (``portals_domain``, ``portals_user``, ``portals_password``,
``portal_id``, ``portal_name``, ``portal_cik``, ``portals_vendor``,
``portals_vendor_token``) and ``inspector`` (the URL of the web inspector, a read-only page
for a browser on this machine), then serves until SIGINT or SIGTERM and stops cleanly (every
acknowledged write is committed).
"""
import argparse
import logging
import signal
import sys
import threading

from pyonep.emulator.http.server import EmulatorServer, create_state, ready_line


def parse_args(argv=None):
    """Parse command line arguments (a list, default ``sys.argv[1:]``) into a Namespace.

    Exits with status 2 and a usage message for bad arguments.
    """
    parser = argparse.ArgumentParser(prog='onep-emulator',
                                     description='A local One Platform for pyonep programs and tests.')
    parser.add_argument('--host', default='127.0.0.1', help='address to bind (default 127.0.0.1)')
    parser.add_argument('--port', type=int, default=0, help='port to bind (default 0: any free port)')
    parser.add_argument('--db', default=':memory:', help='sqlite file to keep the platform in')
    parser.add_argument('--root-cik', help='CIK of the root client of a new database')
    parser.add_argument('--vendor', help='vendor name of a new database')
    parser.add_argument('--vendor-token', help='vendor token of a new database')
    parser.add_argument('--portals-domain', help='Portals domain name of a new database')
    parser.add_argument('--portals-user', help="e-mail address of a new database's Portals admin")
    parser.add_argument('--portals-password', help="password of a new database's Portals admin")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error('--port must be between 0 and 65535')
    return args


def main(argv=None):
    """Run the emulator until SIGINT or SIGTERM; return the exit status (0).

    Errors opening the database or binding the port are printed to stderr and give
    exit status 1.
    """
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format='%(asctime)s %(name)s %(levelname)s %(message)s')
    try:
        state = create_state(args.db, args.host, args.port, args.root_cik, args.vendor,
                             args.vendor_token, portals_domain=args.portals_domain,
                             portals_user=args.portals_user,
                             portals_password=args.portals_password)
        server = EmulatorServer(state)
    except Exception as exc:  # report, don't trace
        sys.stderr.write('onep-emulator: cannot start: %s\n' % exc)
        return 1
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    server.start()
    sys.stdout.write(ready_line(state.config) + '\n')
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    server.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
