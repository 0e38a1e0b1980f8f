"""Storage for the emulator: one sqlite3 connection guarded by one lock.

:class:`Store` is shared by every part of the emulator (the JSON-RPC platform in
``platform/``, the fleet and Portals). Each part adds its own tables with
:meth:`Store.ensure_schema` and runs its changes inside :meth:`Store.transaction`, which
holds ``store.lock`` and commits before returning, so a reply is only sent for writes that
are already committed.

A file database uses write-ahead logging with ``synchronous=NORMAL``: a committed
transaction survives the emulator process stopping or being killed (an operating system
crash may lose the last transactions, which is acceptable for a test platform).

Snapshots use sqlite's online backup: :meth:`Store.snapshot` writes a consistent copy of
every committed transaction to a file of its own (a plain sqlite database in rollback
journal mode, so the one file is the whole copy) while other calls go on, and
:meth:`Store.replace_with` puts another database's contents in place of this one's, under
``lock``, so every call sees either the old contents or the new.
"""
import contextlib
import os
import sqlite3
import tempfile
import threading


class Store(object):
    """One sqlite3 database used by every part of the emulator.

    Arguments: ``path`` is a file name, or ``':memory:'`` (the default) for a database
    that lives as long as the object.

    Attributes: ``path``, ``conn`` (the sqlite3 connection, usable from any thread while
    ``lock`` is held), ``lock`` (a re-entrant lock; hold it for every use of ``conn``) and
    ``version`` (a counter that grows whenever what the parts cache may be stale: see
    :meth:`changed`).

    Raises ``sqlite3.Error`` when the file cannot be opened or is not a database.
    """

    def __init__(self, path=':memory:'):
        self.path = path
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._depth = 0
        self.version = 0
        self._watched = ()
        if path != ':memory:':
            self.conn.execute('PRAGMA journal_mode=WAL')
            self.conn.execute('PRAGMA synchronous=NORMAL')
        self.conn.execute('PRAGMA foreign_keys=OFF')
        self.ensure_schema('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)')

    @contextlib.contextmanager
    def transaction(self):
        """Run a block in one transaction, holding ``lock``.

        Yields the connection. The transaction commits when the block ends normally and
        rolls back when it raises (the exception is re-raised). A nested use is a savepoint
        of the outer transaction: when its block raises, only its own changes are undone.
        """
        with self.lock:
            depth = self._depth
            self.conn.execute('SAVEPOINT sp%d' % depth if depth else 'BEGIN')
            self._depth = depth + 1
            try:
                yield self.conn
            except BaseException:
                self._depth = depth
                self.version += 1  # what was read or cached inside may be undone
                if depth:
                    self.conn.execute('ROLLBACK TO sp%d' % depth)
                    self.conn.execute('RELEASE sp%d' % depth)
                else:
                    self.conn.execute('ROLLBACK')
                raise
            self._depth = depth
            self.conn.execute('RELEASE sp%d' % depth if depth else 'COMMIT')

    def begin_batch(self):
        """Open a transaction that the transactions which follow on this thread join, each
        as a savepoint of it, until :meth:`end_batch`: the changes of many calls then reach
        the file in one commit (a group commit). Holds ``lock`` until :meth:`end_batch`, so
        no other thread sees the batch half-done.

        Raises ``sqlite3.Error`` when the transaction cannot begin (the lock is then free).
        """
        self.lock.acquire()
        try:
            self.conn.execute('BEGIN')
        except BaseException:
            self.lock.release()
            raise
        self._depth = 1

    def end_batch(self):
        """Commit the batch :meth:`begin_batch` opened and release ``lock``.

        Raises ``sqlite3.Error`` when the commit fails; the batch's changes are then rolled
        back, all of them.
        """
        try:
            self._depth = 0
            self.conn.execute('COMMIT')
        except BaseException:
            self.version += 1
            if self.conn.in_transaction:
                self.conn.execute('ROLLBACK')
            raise
        finally:
            self.lock.release()

    def changed(self):
        """Say that cached facts may be stale: every cache kept over this store (keyed on
        ``version``) starts afresh. The store calls it on every change to a watched table
        (see :meth:`watch`), on every rollback and on :meth:`replace_with`."""
        self.version += 1

    def watch(self, *tables):
        """Count every change to a row of ``tables`` in ``version`` (whatever SQL makes it,
        on this connection), for caches of what those tables hold.

        Uses temporary triggers (they live in the connection, never in the file). Raises
        ``sqlite3.Error`` for an unknown table.
        """
        with self.lock:
            self._watched = tuple(sorted(set(self._watched + tables)))
            self._create_watch_triggers()

    def _create_watch_triggers(self):
        self.conn.create_function('pyonep_store_changed', 0, self.changed)
        for table in self._watched:
            for event in ('INSERT', 'UPDATE', 'DELETE'):
                self.conn.execute(
                    'CREATE TEMP TRIGGER IF NOT EXISTS watch_%s_%s AFTER %s ON main.%s '
                    'BEGIN SELECT pyonep_store_changed(); END' % (table, event.lower(), event, table))

    def execute(self, sql, params=()):
        """Run one SQL statement under ``lock`` and return all its rows as a list."""
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def ensure_schema(self, sql):
        """Run a script of ``CREATE ... IF NOT EXISTS`` statements (idempotent DDL).

        Raises ``sqlite3.Error`` when the SQL is invalid.
        """
        with self.lock:
            self.conn.executescript(sql)

    def get_meta(self, key, default=None):
        """Return the text stored under ``key`` in the meta table, or ``default``."""
        rows = self.execute('SELECT value FROM meta WHERE key=?', (key,))
        return rows[0][0] if rows else default

    def set_meta(self, key, value):
        """Store the text ``value`` under ``key`` in the meta table (committed at once)."""
        with self.transaction() as conn:
            conn.execute('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', (key, value))

    def snapshot(self, path):
        """Write a consistent copy of the whole database to the file ``path`` (replaced when
        it exists; a reader never sees it half-written).

        A file database is copied through a connection of its own, so calls keep running
        meanwhile; an in-memory one is copied under ``lock`` (no transaction is half-done
        then). The copy is a self-contained sqlite file (rollback journal, no ``-wal``).
        Returns None. Raises ``OSError`` or ``sqlite3.Error`` when the file cannot be written.
        """
        folder = os.path.dirname(os.path.abspath(path))
        handle, partial = tempfile.mkstemp(prefix='.snapshot-', suffix='.partial', dir=folder)
        os.close(handle)
        try:
            target = sqlite3.connect(partial, isolation_level=None)
            try:
                if self.path == ':memory:':
                    with self.lock:
                        self.conn.backup(target)
                else:
                    source = sqlite3.connect(self.path, isolation_level=None)
                    try:
                        source.backup(target)
                    finally:
                        source.close()
                target.execute('PRAGMA journal_mode=DELETE')
            finally:
                target.close()
            os.replace(partial, path)
        except BaseException:
            if os.path.exists(partial):
                os.remove(partial)
            raise

    def replace_with(self, other):
        """Replace this database's whole contents with those of ``other`` (another Store).

        Holds both stores' locks while copying. A file database keeps its write-ahead log
        mode. Returns None. Raises ``sqlite3.Error`` when sqlite refuses the copy (the
        contents are then unchanged).
        """
        with self.lock, other.lock:
            try:
                other.conn.backup(self.conn)
            finally:
                self.version += 1
                self._create_watch_triggers()

    def close(self):
        """Close the connection. Committed data stays in the file."""
        with self.lock:
            self.conn.close()
