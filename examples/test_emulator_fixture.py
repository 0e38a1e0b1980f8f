"""Tests of your own against a fresh emulator: the onep_emulator fixture.

Installing pyonep registers the fixture; run this file with ``python -m pytest``.
"""


def test_a_written_value_reads_back(onep_emulator):
    onep = onep_emulator.onep()
    cik = onep_emulator.root_cik
    isok, rid = onep.create(cik, 'dataport', {'format': 'integer', 'name': 'Counter'})
    assert isok
    assert onep.write(cik, rid, 42) == (True, 'ok')
    isok, points = onep.read(cik, rid, {})
    assert isok and points[0][1] == 42


def test_each_test_gets_an_empty_platform(onep_emulator):
    onep = onep_emulator.onep()
    isok, listing = onep.listing(onep_emulator.root_cik, ['dataport'], {})
    assert isok and listing['dataport'] == []
