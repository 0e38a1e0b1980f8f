"""The defects of pyonep 0.13.8 (listed at the end of WIRE.md), each shown fixed by a test
that fails on the old behaviour. Provision.close(), reconnects and lazy logging are tested
in test_provision_client.py and test_transport.py."""
import json

from pyonep.onep import OnepV1

CIK = '5de0cfcf7b5bed2ea7a801234567890123456789'
RID = '34eaae237988167d90bfc2ffeb666daaaaaaaaaa'


def test_agent_belongs_to_its_instance(make_onep, server):
    with_agent = make_onep(agent='first/1.0')
    without = make_onep()
    other = make_onep(agent='second/2.0')
    with_agent.read(CIK, RID, {})
    without.read(CIK, RID, {})
    other.read(CIK, RID, {})
    agents = [r.headers['user-agent'] for r in server.requests]
    assert agents[0] == 'first/1.0'
    assert agents[1].startswith('python-requests/')
    assert agents[2] == 'second/2.0'
    assert OnepV1.headers == {'Content-Type': 'application/json; charset=utf-8'}


def test_agent_is_sent_on_every_request_with_or_without_reuse(make_onep, server):
    for reuse in (False, True):
        client = make_onep(agent='exo/%s' % reuse, reuseconnection=reuse)
        client.read(CIK, RID, {})
        client.wait(CIK, RID, {'timeout': 1})  # a fresh connection, even with reuse
        client.write(CIK, RID, 1, defer=True)
        client.send_deferred(CIK)
    agents = [r.headers['user-agent'] for r in server.requests]
    assert agents == ['exo/False'] * 3 + ['exo/True'] * 3


def test_loggedrequests_belong_to_their_instance(make_onep, server):
    logging_one = make_onep(logrequests=True)
    other = make_onep(logrequests=True)
    quiet = make_onep()
    logging_one.read(CIK, RID, {})
    quiet.read(CIK, RID, {})
    assert len(logging_one.loggedrequests()) == 1
    assert other.loggedrequests() == [] and quiet.loggedrequests() == []


def test_header_dicts_are_not_mutated(make_onep, server):
    before = dict(OnepV1.headers)
    client = make_onep(agent='a/1')
    client.read(CIK, RID, {})
    assert OnepV1.headers == before
    assert client.headers == {'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'a/1'}
    assert client.onephttp.headers == client.headers


class CountingId(int):
    """A call id that counts the comparisons made with it."""
    comparisons = 0

    def __eq__(self, other):
        CountingId.comparisons += 1
        return int(self) == other

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = int.__hash__


def test_matching_reply_items_to_calls_is_linear(make_onep, server):
    """0.13.8 compared every reply item with every call: 16,000 deferred calls took seconds."""
    count = 3000
    client = make_onep()
    calls = [{'id': CountingId(n), 'procedure': 'write', 'arguments': [RID, n, {}]}
             for n in range(count)]
    CountingId.comparisons = 0
    result = client._callJsonRPC(CIK, calls, returnreq=True)
    assert len(result) == count
    assert [call['id'] for call, _, _ in result] == list(range(count))
    # one comparison or so per item, not one per (item, call) pair
    assert CountingId.comparisons <= 3 * count
    assert json.loads(server.requests[0].body)['calls'][5]['id'] == 5


def test_changes_to_the_instance_headers_apply_to_later_requests(make_onep, server):
    client = make_onep()
    client.read(CIK, RID, {})
    client.headers['X-Trace'] = 'abc'
    client.read(CIK, RID, {})
    assert 'x-trace' not in server.requests[0].headers
    assert server.requests[1].headers['x-trace'] == 'abc'
    assert 'X-Trace' not in OnepV1.headers
