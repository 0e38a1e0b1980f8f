"""The whole state of an emulator at once: an empty platform again, a snapshot, a restore.

- :func:`reset` empties the platform: a new root client with the same CIK, the same
  vendor and vendor token, a new Portals domain with the same name, user and password (its
  portal, portal CIK and vendor token are new), nothing else; fault rules cleared; clock
  back to real time.
- :func:`snapshot` writes the whole platform (clients, CIKs, RIDs, aliases, points, rules
  and their timers, shares, tokens, the fleet) to one sqlite file.
- :func:`restore` puts the platform back in the state a snapshot file holds. The clock and
  the fault rules are not part of a snapshot and stay as they are.

A snapshot is the same kind of file as ``--db`` uses: ``python -m pyonep.emulator --db
copy-of-snapshot.sqlite`` serves it (and then writes to it, so start from a copy to keep
the snapshot as it is). A file written by an older pyonep gains the tables it lacks, as a
``--db`` file does.

The functions take the server's :class:`~pyonep.emulator.http.server.State`; they run while
other requests are served, which see the platform either before or after the change.
"""
import os
import shutil
import sqlite3
import tempfile

from pyonep.emulator.portals import Portals

REQUIRED_META = ('root_rid', 'vendor', 'vendor_token')


class SnapshotError(ValueError):
    """A file given to :func:`restore` is not an emulator snapshot (the text says why)."""


def reset(state):
    """Empty the platform of ``state``, keeping its root CIK, vendor and vendor token, and
    its Portals domain's name, first user and password.

    Also clears the fault rules and puts the clock back on real time. Returns the new
    ``state.config.as_dict()``. Raises ``sqlite3.Error`` only for a failing database.
    """
    from pyonep.emulator.http.server import create_state
    portals = state.config.portals
    fresh = create_state(':memory:', root_cik=state.platform.root_cik, vendor=state.config.vendor,
                         vendor_token=state.config.vendor_token,
                         portals_domain=portals.get('portals_domain'),
                         portals_user=portals.get('portals_user'),
                         portals_password=portals.get('portals_password'))
    try:
        _replace(state, fresh.store)
    finally:
        fresh.store.close()
    state.faults.clear()
    state.clock.reset()
    return state.config.as_dict()


def snapshot(state, path):
    """Write the whole platform of ``state`` to the sqlite file ``path``.

    Returns None. Raises ``OSError`` or ``sqlite3.Error`` when the file cannot be written.
    """
    state.store.snapshot(path)


def check(path):
    """Make sure the file ``path`` is an emulator snapshot (or database) that can be restored.

    Returns None. Raises :class:`SnapshotError` saying what is wrong: not a sqlite
    database, a damaged one, or one without an emulator's root client and vendor.
    """
    try:
        conn = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise SnapshotError('cannot open the file: %s' % exc)
    try:
        verdict = conn.execute('PRAGMA quick_check').fetchone()[0]
        if verdict != 'ok':
            raise SnapshotError('the database is damaged: %s' % verdict)
        meta = dict(conn.execute('SELECT key, value FROM meta').fetchall())
        missing = [key for key in REQUIRED_META if not meta.get(key)]
        if missing:
            raise SnapshotError('not an emulator snapshot: no %s' % ', '.join(missing))
        roots = conn.execute("SELECT COUNT(*) FROM resources WHERE rid=? AND type='client' "
                             "AND cik IS NOT NULL", (meta['root_rid'],)).fetchone()[0]
        if not roots:
            raise SnapshotError('not an emulator snapshot: its root client is missing')
    except sqlite3.Error as exc:
        raise SnapshotError('not an emulator snapshot: %s' % exc)
    finally:
        conn.close()


def restore(state, path):
    """Put the platform of ``state`` back in the state the snapshot file ``path`` holds.

    The file itself is not changed (a private copy is brought up to date with this
    version's tables, as ``--db`` would, and copied in). The root CIK, vendor and vendor
    token become the snapshot's. Returns the new ``state.config.as_dict()``. Raises
    :class:`SnapshotError`, with the platform unchanged, when the file is not a snapshot.
    """
    from pyonep.emulator.http.server import create_state
    check(path)
    folder = tempfile.mkdtemp(prefix='pyonep-restore-')
    try:
        copy = os.path.join(folder, 'snapshot.sqlite')
        shutil.copyfile(path, copy)
        try:
            opened = create_state(copy)
        except sqlite3.Error as exc:
            raise SnapshotError('cannot open the snapshot: %s' % exc)
        try:
            _replace(state, opened.store)
        except sqlite3.Error as exc:
            raise SnapshotError('cannot restore the snapshot: %s' % exc)
        finally:
            opened.store.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return state.config.as_dict()


def _replace(state, source):
    """Copy the store ``source`` over ``state.store`` and refresh what is read from it."""
    store = state.store
    with store.lock:
        store.replace_with(source)
        state.platform.root_rid = store.get_meta('root_rid')
        state.config.root_cik = state.platform.root_cik
        state.config.vendor = store.get_meta('vendor')
        state.config.vendor_token = store.get_meta('vendor_token')
        state.portals = Portals(store, state.platform, state.fleet)
        state.config.portals = state.portals.config()
