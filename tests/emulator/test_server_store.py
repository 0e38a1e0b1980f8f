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
