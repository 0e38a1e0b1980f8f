"""The Platform methods that the fleet and device API code call directly (no HTTP)."""
import pytest

from pyonep.emulator.platform import AuthError


def test_is_below_follows_the_ownership_tree(emu):
    platform = emu.platform
    root = platform.root_rid
    parent, _ = platform.create_client(root)
    child, _ = platform.create_client(parent)
    sibling, _ = platform.create_client(root)
    assert platform.is_below(root, root)
    assert platform.is_below(parent, parent)
    assert platform.is_below(root, child) and platform.is_below(parent, child)
    assert not platform.is_below(child, parent)
    assert not platform.is_below(sibling, child) and not platform.is_below(parent, sibling)
    # The status of a client does not matter, only where it is.
    platform.set_client_status(parent, 'expired')
    assert platform.is_below(parent, child)
    # Unknown, dropped and missing resources are below nothing.
    assert not platform.is_below(root, 'f' * 40)
    assert not platform.is_below(None, child) and not platform.is_below(root, None)
    platform.drop(parent)
    assert not platform.is_below(root, child) and not platform.is_below(parent, parent)
    assert platform.is_below(root, sibling)


def test_lookups_do_not_outlive_a_rolled_back_transaction(emu):
    """The platform caches CIKs, rows and aliases; what a rolled-back transaction made
    (and was looked up inside it) is gone afterwards."""
    platform, store = emu.platform, emu.platform.store

    class Undo(Exception):
        pass

    try:
        with store.transaction():
            rid, cik = platform.create_client(platform.root_rid)
            assert platform.rid_for_cik(cik) == rid and platform.client_status(rid) == 'activated'
            assert platform.is_below(platform.root_rid, rid)
            raise Undo()
    except Undo:
        pass
    assert platform.rid_for_cik(cik) is None and platform.client_status(rid) is None
    assert not platform.is_below(platform.root_rid, rid)
    with pytest.raises(AuthError):
        platform.call({'cik': cik}, 'info', [{'alias': ''}, {}])


def test_lookups_follow_changes_made_by_any_sql(emu):
    """A change to the resource tree made with plain SQL on the store (as a hand-edited
    database would be) is seen at once, cached lookups notwithstanding."""
    platform, store = emu.platform, emu.platform.store
    rid, cik = platform.create_client(platform.root_rid)
    assert platform.rid_for_cik(cik) == rid
    with store.transaction() as conn:
        conn.execute("UPDATE resources SET status='expired' WHERE rid=?", (rid,))
    assert platform.rid_for_cik(cik) is None and platform.client_status(rid) == 'expired'
