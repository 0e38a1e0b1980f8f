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
