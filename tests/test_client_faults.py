"""Our clients against the emulator's fault rules, on every interpreter (2.7, 3.6+).

For each effect, OnepV1 and Provision raise (or return) what they document, the same
object works again once the fault is gone (kept-alive connections are rebuilt), and no
request is retried behind the caller's back (0.13.8 retried nothing): every rule here
strikes once (``count=1``) and must have seen exactly one request.

Below Python 3.8 the emulator runs in a child process with a newer interpreter (skipped,
saying why, when there is none).
"""

import pytest
import requests

from emulator_support import needs_emulator
from pyonep.emulator import Emulator
from pyonep.exceptions import JsonRPCRequestException, OnePlatformException, ProvisionException

pytestmark = needs_emulator

STATUS_EFFECTS = [
    ({'status': 503, 'headers': {'Retry-After': '30'}}, '503'),
    ({'status': 429, 'body': 'Too Many Requests'}, 'Too Many Requests'),
    ({'status': 500}, '500'),
]


@pytest.fixture(scope='module')
def emu():
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def platform(emu):
    """The emulator, with no fault rule, its clock on real time and a dataport 'log'."""
    emu.faults.clear()
    onep = emu.onep()
    isok, listing = onep.listing(emu.root_cik, ['dataport'], {})
    for rid in listing['dataport']:
        onep.drop(emu.root_cik, rid)
    isok, rid = onep.create(emu.root_cik, 'dataport', {'format': 'integer'})
    assert isok
    emu.log_rid = rid
    yield emu
    emu.faults.clear()


@pytest.fixture(params=[False, True], ids=['new-connection', 'keep-alive'])
def onep(request, platform):
    client = platform.onep(reuseconnection=request.param, httptimeout=1)
    # a kept-alive connection is open before the fault strikes
    assert client.read(platform.root_cik, platform.log_rid, {})[0]
    yield client
    client.close()


@pytest.fixture(params=[False, True], ids=['new-connection', 'keep-alive'])
def provision(request, platform):
    client = platform.provision(manage_by_cik=False, reuseconnection=request.param,
                                httptimeout=1)
    assert client.model_list(platform.vendor_token).isok
    yield client
    client.close()


def seen_once(fault):
    """The rule struck one request and no other request reached it (nothing retried)."""
    fault.hits()              # refreshes the counts
    assert (fault['hits'], fault['matched']) == (1, 1), fault


def stored(platform):
    isok, points = platform.onep().read(platform.root_cik, platform.log_rid, {'limit': 10})
    assert isok
    return [value for _, value in points]


@pytest.mark.parametrize('rule, text', STATUS_EFFECTS)
def test_onep_raises_oneplatformexception_for_an_error_status(platform, onep, rule, text):
    with platform.faults.add(api='rpc', count=1, **rule) as fault:
        with pytest.raises(OnePlatformException) as info:
            onep.write(platform.root_cik, platform.log_rid, 1)
        seen_once(fault)
    assert text in str(info.value)
    assert onep.write(platform.root_cik, platform.log_rid, 2) == (True, 'ok')
    assert stored(platform) == [2]


def test_onep_returns_the_status_of_a_call_answered_with_rpc_status(platform, onep):
    with platform.faults.add(procedure='write', rpc_status='restricted', count=1) as fault:
        assert onep.write(platform.root_cik, platform.log_rid, 1) == (False, 'restricted')
        seen_once(fault)
    assert onep.write(platform.root_cik, platform.log_rid, 2) == (True, 'ok')
    assert stored(platform) == [2]


def test_onep_batch_with_one_call_refused(platform, onep):
    cik, rid = platform.root_cik, platform.log_rid
    onep.write(cik, rid, 1, defer=True)
    onep.read(cik, rid, {}, defer=True)
    with platform.faults.add(procedure='read', rpc_status='invalid', count=1):
        results = onep.send_deferred(cik)
    assert [(call['procedure'], isok, value) for call, isok, value in results] == [
        ('write', True, 'ok'), ('read', False, 'invalid')]
    assert stored(platform) == [1]


def test_onep_raises_oneplatformexception_for_an_rpc_error(platform, onep):
    error = {'code': 500, 'message': 'Internal error'}
    with platform.faults.add(procedure='write', rpc_error=error, count=1) as fault:
        with pytest.raises(OnePlatformException) as info:
            onep.write(platform.root_cik, platform.log_rid, 1)
        seen_once(fault)
    assert "'message': 'Internal error'" in str(info.value).replace("u'", "'")
    assert onep.write(platform.root_cik, platform.log_rid, 2) == (True, 'ok')


def test_onep_raises_jsonrpcrequestexception_on_a_timeout(platform, onep):
    # the write runs at once; its answer comes after the client's 1 s timeout
    with platform.faults.add(procedure='write', latency_ms=3000, count=1) as fault:
        with pytest.raises(JsonRPCRequestException) as info:
            onep.write(platform.root_cik, platform.log_rid, 1)
        seen_once(fault)
    assert str(info.value).startswith('Failed to make http request:')
    assert 'timed out' in str(info.value).lower()
    assert onep.write(platform.root_cik, platform.log_rid, 2) == (True, 'ok')
    assert stored(platform) == [2, 1]


@pytest.mark.parametrize('when, kept', [('before', []), ('after', [1])])
def test_onep_raises_jsonrpcrequestexception_on_a_dropped_connection(platform, onep, when, kept):
    with platform.faults.add(procedure='write', drop=when, count=1) as fault:
        with pytest.raises(JsonRPCRequestException) as info:
            onep.write(platform.root_cik, platform.log_rid, 1)
        seen_once(fault)
    assert str(info.value).startswith('Failed to make http request:')
    assert stored(platform) == kept           # "after": stored once, and not sent again
    assert onep.write(platform.root_cik, platform.log_rid, 2) == (True, 'ok')
    assert stored(platform) == [2] + kept


@pytest.mark.parametrize('rule, text', STATUS_EFFECTS)
def test_provision_returns_the_error_status(platform, provision, rule, text):
    with platform.faults.add(api='provision', count=1, **rule) as fault:
        response = provision.model_list(platform.vendor_token)
        seen_once(fault)
    assert response.isok is False and response.status() == rule['status']
    assert text in str(response)
    if 'headers' in rule:
        assert response.response.headers['Retry-After'] == '30'
    assert provision.model_list(platform.vendor_token).isok


@pytest.mark.parametrize('rule, text', STATUS_EFFECTS)
def test_provision_raises_provisionexception_for_an_error_status(platform, rule, text):
    provision = platform.provision(manage_by_cik=False, raise_api_exceptions=True)
    with platform.faults.add(api='provision', count=1, **rule) as fault:
        with pytest.raises(ProvisionException) as info:
            provision.model_list(platform.vendor_token)
        seen_once(fault)
    assert info.value.response.status() == rule['status']
    assert str(info.value).startswith(str(rule['status']))
    assert provision.model_list(platform.vendor_token).isok
    provision.close()


def test_provision_raises_the_timeout_of_requests(platform, provision):
    with platform.faults.add(api='provision', latency_ms=3000, count=1) as fault:
        with pytest.raises(requests.exceptions.Timeout):
            provision.model_list(platform.vendor_token)
        seen_once(fault)
    assert provision.model_list(platform.vendor_token).isok


@pytest.mark.parametrize('when', ['before', 'after'])
def test_provision_raises_the_connectionerror_of_requests(platform, provision, when):
    onep, token = platform.onep(), platform.vendor_token
    isok, template = onep.create(platform.root_cik, 'client', {})
    assert provision.model_create(token, 'faulty', template).isok
    try:
        with platform.faults.add(api='provision', path='/provision/manage/model/faulty/',
                                 drop=when, count=1) as fault:
            with pytest.raises(requests.exceptions.ConnectionError):
                provision.serialnumber_add(token, 'faulty', 'SN1')
            seen_once(fault)
        listed = [line.split(',')[0] for line in
                  provision.serialnumber_list(token, 'faulty').body.split()]
        assert listed == ([] if when == 'before' else ['SN1'])
        assert provision.serialnumber_add(token, 'faulty', 'SN2').isok
    finally:
        provision.model_remove(token, 'faulty')
        onep.drop(platform.root_cik, template)


def test_an_outage_ends_when_the_clock_passes_for_s(platform, onep):
    """A 30-second outage, ridden out by moving the clock instead of waiting."""
    platform.clock.freeze()
    try:
        with platform.faults.add(api='rpc', status=503, for_s=30) as outage:
            for _ in range(3):
                with pytest.raises(OnePlatformException):
                    onep.write(platform.root_cik, platform.log_rid, 1)
                platform.clock.advance(10)
            assert onep.write(platform.root_cik, platform.log_rid, 2) == (True, 'ok')
            assert outage.hits() == 3
    finally:
        platform.clock.unfreeze()
