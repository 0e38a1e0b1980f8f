"""The Platform methods that the fleet and device API code call directly (no HTTP)."""


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
