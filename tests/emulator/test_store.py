"""The sqlite store: transactions, savepoints, meta values and schema additions."""
import sqlite3

import pytest

from pyonep.emulator.store import Store


@pytest.fixture
def store():
    s = Store()
    s.ensure_schema('CREATE TABLE IF NOT EXISTS t (x INTEGER)')
    yield s
    s.close()


def test_transaction_commits_and_rolls_back(store):
    with store.transaction() as conn:
        conn.execute('INSERT INTO t VALUES (1)')
    with pytest.raises(ValueError):
        with store.transaction() as conn:
            conn.execute('INSERT INTO t VALUES (2)')
            raise ValueError('undo')
    assert store.execute('SELECT x FROM t') == [(1,)]


def test_nested_transaction_is_a_savepoint(store):
    with store.transaction() as conn:
        conn.execute('INSERT INTO t VALUES (1)')
        with pytest.raises(KeyError):
            with store.transaction() as inner:
                inner.execute('INSERT INTO t VALUES (2)')
                raise KeyError('inner only')
        with store.transaction() as inner:
            inner.execute('INSERT INTO t VALUES (3)')
    assert store.execute('SELECT x FROM t ORDER BY x') == [(1,), (3,)]


def test_meta_values_and_idempotent_schema(store):
    assert store.get_meta('vendor') is None
    assert store.get_meta('vendor', 'none') == 'none'
    store.set_meta('vendor', 'acme')
    store.set_meta('vendor', 'acme2')
    assert store.get_meta('vendor') == 'acme2'
    store.ensure_schema('CREATE TABLE IF NOT EXISTS t (x INTEGER)')
    with pytest.raises(sqlite3.Error):
        store.ensure_schema('CREATE TABLE nonsense (')


def test_file_store_uses_wal_and_keeps_commits(tmp_path):
    path = str(tmp_path / 's.db')
    first = Store(path)
    assert first.execute('PRAGMA journal_mode') == [('wal',)]
    first.set_meta('k', 'v')
    first.close()
    second = Store(path)
    assert second.get_meta('k') == 'v'
    second.close()


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / 'junk.db'
    path.write_bytes(b'this is not sqlite' * 100)
    with pytest.raises(sqlite3.DatabaseError):
        Store(str(path))


@pytest.mark.parametrize('db', [':memory:', 'file'])
def test_a_snapshot_never_holds_half_a_transaction(tmp_path, db):
    import threading
    store = Store(str(tmp_path / 'live.sqlite') if db == 'file' else db)
    store.ensure_schema('CREATE TABLE IF NOT EXISTS t (x INTEGER)')
    opened, finish = threading.Event(), threading.Event()

    def writer():
        with store.transaction() as conn:
            conn.execute('INSERT INTO t VALUES (1)')
            opened.set()
            finish.wait(30)
            conn.execute('INSERT INTO t VALUES (2)')

    path = str(tmp_path / 'snapshot.sqlite')
    thread = threading.Thread(target=writer)
    thread.start()
    opened.wait(30)
    snapshot = threading.Thread(target=store.snapshot, args=(path,))
    snapshot.start()
    snapshot.join(0.5)              # give it time to copy the half-done transaction, if it would
    finish.set()
    thread.join()
    snapshot.join()
    conn = sqlite3.connect(path)
    assert conn.execute('SELECT x FROM t ORDER BY x').fetchall() in ([], [(1,), (2,)])
    assert conn.execute('PRAGMA journal_mode').fetchone()[0] == 'delete'
    conn.close()
    store.close()


def test_replace_with_copies_another_store_whole(tmp_path):
    live = Store(str(tmp_path / 'live.sqlite'))
    live.ensure_schema('CREATE TABLE IF NOT EXISTS t (x INTEGER)')
    live.execute('INSERT INTO t VALUES (1)')
    other = Store()
    other.ensure_schema('CREATE TABLE IF NOT EXISTS u (y TEXT)')
    other.execute("INSERT INTO u VALUES ('copied')")
    live.replace_with(other)
    assert live.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name") == [
        ('meta',), ('u',)]
    assert live.execute('SELECT y FROM u') == [('copied',)]
    assert live.execute('PRAGMA journal_mode') == [('wal',)]
    live.close()
    other.close()


def test_a_batch_commits_its_transactions_together(tmp_path):
    """Group commit: transactions inside a batch are savepoints of it; another connection
    sees none of them until end_batch, a failing one is undone alone, and another thread
    waits for the batch to end."""
    import threading
    path = str(tmp_path / 'batch.db')
    store = Store(path)
    store.ensure_schema('CREATE TABLE IF NOT EXISTS t (x INTEGER)')
    reader = sqlite3.connect(path)
    try:
        store.begin_batch()
        with store.transaction() as conn:
            conn.execute('INSERT INTO t VALUES (1)')
        with pytest.raises(ValueError):
            with store.transaction() as conn:
                conn.execute('INSERT INTO t VALUES (2)')
                raise ValueError('undo this one only')
        with store.transaction() as conn:
            conn.execute('INSERT INTO t VALUES (3)')
        assert reader.execute('SELECT x FROM t').fetchall() == []  # not committed yet
        seen = []
        other = threading.Thread(target=lambda: seen.append(store.execute('SELECT count(*) FROM t')))
        other.start()
        other.join(0.2)
        assert other.is_alive() and seen == []  # the batch holds the lock
        store.end_batch()
        other.join(5)
        assert seen == [[(2,)]]
        assert reader.execute('SELECT x FROM t ORDER BY x').fetchall() == [(1,), (3,)]
        with store.transaction() as conn:  # back to plain transactions
            conn.execute('INSERT INTO t VALUES (4)')
        assert reader.execute('SELECT count(*) FROM t').fetchall() == [(3,)]
    finally:
        reader.close()
        store.close()


def test_a_batch_whose_commit_fails_is_undone_whole(tmp_path):
    """end_batch raises when sqlite refuses the commit (here: a deferred foreign key) and
    leaves nothing of the batch behind, with the lock free again."""
    store = Store(str(tmp_path / 'failing.db'))
    store.ensure_schema('CREATE TABLE IF NOT EXISTS p (id INTEGER PRIMARY KEY);'
                        'CREATE TABLE IF NOT EXISTS c (p INTEGER REFERENCES p (id) '
                        'DEFERRABLE INITIALLY DEFERRED)')
    store.conn.execute('PRAGMA foreign_keys=ON')
    try:
        store.begin_batch()
        with store.transaction() as conn:
            conn.execute('INSERT INTO p VALUES (1)')
        with store.transaction() as conn:
            conn.execute('INSERT INTO c VALUES (99)')  # no parent: refused at COMMIT
        version = store.version
        with pytest.raises(sqlite3.IntegrityError):
            store.end_batch()
        assert store.version > version
        assert store.execute('SELECT count(*) FROM p') == [(0,)]
        with store.transaction() as conn:
            conn.execute('INSERT INTO p VALUES (2)')
        assert store.execute('SELECT id FROM p') == [(2,)]
    finally:
        store.close()
