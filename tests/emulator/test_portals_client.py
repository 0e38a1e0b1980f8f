"""pyonep.portals against the emulator: every method of Portals and Endpoints makes its
real requests to the emulator's Portals API over HTTP."""
import json

import pytest
import requests

import pyonep.portals
from pyonep.portals import Portals
from portals_helpers import activate, admin, api, device_write, expect, new_user, portals_model


@pytest.fixture
def portals(emu):
    """The emulator's domain admin logged in with pyonep.portals, first portal selected."""
    return emu.portals()


@pytest.fixture
def fleet(emu):
    """A model 'sensor' of the domain's vendor with serial numbers SN-1 to SN-3."""
    portals_model(emu, sns=('SN-1', 'SN-2', 'SN-3'))


def login(emu, **kwargs):
    """Portals.login_to_portal against the emulator, as its user would call it."""
    kwargs.setdefault('portals_url', emu.portals_url)
    return Portals.login_to_portal(domain=emu.portals_domain, user=emu.portals_user, **kwargs)


def test_login_with_a_password_selects_the_portal_by_name(emu):
    token, portals = login(emu, portal_name=emu.portal_name, credential=emu.portals_password)
    assert json.loads(token)  # the body as it came: a JSON string
    assert (portals.portal_id(), portals.portal_cik()) == (emu.portal_id, emu.portal_cik)
    assert portals.vendor() == emu.portals_vendor


def test_login_with_the_token_as_0_13_8_returned_it(emu):
    token, _ = login(emu, portal_name=emu.portal_name, credential=emu.portals_password)
    again, portals = login(emu, portal_name=emu.portal_name, credential=token, use_token=True)
    assert again == token and portals.portal_id() == emu.portal_id
    assert portals.get_user_portals()[0]['key'] == emu.portal_cik


def test_login_with_a_portal_id_makes_only_the_token_request(emu):
    _, portals = login(emu, portal_name='anything', credential=emu.portals_password,
                       portal_id=emu.portal_id)
    assert portals.portal_id() == emu.portal_id and portals.portal_cik() is None


def test_interactive_login_and_portal_picker(emu, monkeypatch):
    answers = iter([emu.portals_domain, emu.portal_name, emu.portals_user, emu.portals_password])
    monkeypatch.setattr(pyonep.portals, '_input', lambda prompt='': next(answers))
    monkeypatch.setattr(pyonep.portals, 'getpass', lambda prompt='': next(answers))
    token, portals = Portals.login_to_portal(portals_url=emu.portals_url)
    assert portals.portal_id() == emu.portal_id and token
    portals.set_portal_id(None)
    monkeypatch.setattr(pyonep.portals, '_input', lambda prompt='': '0')
    portals.user_portals_picker()
    assert (portals.portal_id(), portals.portal_cik()) == (emu.portal_id, emu.portal_cik)


def test_login_with_a_wrong_password_raises_401(emu):
    with pytest.raises(requests.exceptions.HTTPError) as raised:
        login(emu, portal_name=emu.portal_name, credential='wrong')
    assert raised.value.response.status_code == 401


def test_domain_and_portal_lookups(emu, portals):
    assert portals.get_domain_portal_ids() == [emu.portal_id]
    listed, = portals.get_portals_list()
    assert listed[:2] == (emu.portal_id, emu.portal_name)
    assert portals.get_portal_by_id(emu.portal_id)['info']['key'] == emu.portal_cik
    assert portals.get_user_portals()[0]['role'] == 'owner'
    assert portals.get_portal_cik(emu.portal_name) == emu.portal_cik
    assert portals.get_portal_by_name('no such portal') is None


def test_update_portal_renames_it(emu, portals):
    portal = portals.get_portal_by_id(emu.portal_id)
    portal['info']['description']['name'] = 'Renamed'
    assert portals.update_portal(portal)['info']['description']['name'] == 'Renamed'
    assert portals.get_portal_by_name('Renamed')[0] == emu.portal_id


def test_devices_add_update_search_and_delete(emu, portals, fleet, capsys):
    device = portals.add_device('sensor', 'SN-1')
    assert device['sn'] == 'SN-1' and device['info']['description']['meta']['device']['sn'] == 'SN-1'
    named = portals.add_device_with_name_location_timezone('sensor', 'SN-2', 'Pump', 'Lab', 'UTC')
    assert named['info']['description']['name'] == 'Pump'
    assert named['info']['description']['meta']['Location'] == 'Lab'
    stored = json.loads(portals.get_device(named['rid'])['info']['description']['meta'])
    assert (stored['location'], stored['timezone']) == ('Lab', 'UTC')
    assert portals.rename_device(device, 'Fan')['info']['description']['name'] == 'Fan'
    assert portals.get_cik(device['rid']) == portals.get_device(device['rid'])['info']['key']
    rids = [device['rid'], named['rid']]
    assert sorted(d['rid'] for d in portals.get_multiple_devices(rids)) == sorted(rids)
    everything = portals.get_all_devices_in_portal()
    assert sorted(d['sn'] for d in everything) == ['SN-1', 'SN-2']
    assert all(isinstance(d['info']['description']['meta'], dict) for d in everything)
    mapped = portals.map_aliases_to_device_objects()
    assert sorted(d['portals_aliases'] for d in mapped) == [['SN-1'], ['SN-2']]
    assert [d['sn'] for d in portals.search_for_devices_by_serial_number('SN-2')] == ['SN-2']
    capsys.readouterr()
    portals.print_sorted_device_list(sort_key='name')
    lines = capsys.readouterr().out.splitlines()
    assert lines == ['Fan\t\tSN-1\t\tSN-1', 'Pump\t\tSN-2\t\tSN-2']
    portals.print_device_list(mapped[:1])
    assert capsys.readouterr().out.count('\t\t') == 2
    assert portals.delete_device(device['rid']) is True
    assert 'Successfully deleted device with rid: ' + device['rid'] in capsys.readouterr().out
    with pytest.raises(requests.exceptions.HTTPError):
        portals.get_device(device['rid'])


def test_adding_a_serial_number_twice_raises_400(portals, fleet, capsys):
    portals.add_device('sensor', 'SN-3')
    with pytest.raises(requests.exceptions.HTTPError) as raised:
        portals.add_device('sensor', 'SN-3')
    assert raised.value.response.json()['errors'] == ['unavailable_sn']
    assert 'add_device: Something went wrong: <400>' in capsys.readouterr().out


def test_data_sources_written_by_the_device_read_through_portals(emu, portals, fleet, clock):
    device = portals.add_device('sensor', 'SN-1')
    cik = activate(emu)
    for value in (20, 21):
        clock.advance(1)
        device_write(emu, cik, temp=value)
    sources = portals.list_device_data_sources(device['rid'])
    temp = [s['rid'] for s in sources if s['info']['description']['name'] == 'temp'][0]
    data = portals.get_data_source_bulk_request([s['rid'] for s in sources], limit=2)
    assert [v for _, v in data[temp]] == [21, 20]
    assert portals.list_portal_data_sources() == []
    assert portals.list_device_data_sources('0' * 40) is None  # 404: printed, not raised
    assert portals.get_data_source_bulk_request(['0' * 40]) == {}


def test_accounts_and_permissions(emu, portals, capsys):
    user, creds = new_user(emu, 'helper@x.test')
    assert [a['email'] for a in portals.get_all_user_accounts()] == [emu.portals_user,
                                                                     'helper@x.test']
    assert portals.get_user_id_from_email('helper@x.test') == user['id']
    assert portals.get_user_id_from_email('nobody@x.test') is None
    assert portals.get_user_permission(user['id']) == []
    grant = json.dumps([{'access': 'p___view', 'oid': {'id': emu.portal_id, 'type': 'Portal'}}])
    assert portals.add_user_permission(user['id'], grant) is None  # 202, empty
    assert portals.get_user_permission_from_email('helper@x.test') == json.loads(grant)
    expect(api(emu, 'GET', '/portals/' + emu.portal_id, creds), 200)
    manage = json.dumps([{'access': 'p_manage', 'oid': {'id': emu.portal_id, 'type': 'Portal'}}])
    assert portals.create_token(user['id'], manage) is None  # 0.13.8's other name for it
    assert len(portals.get_user_permission(user['id'])) == 2
    with pytest.raises(requests.exceptions.HTTPError) as raised:
        portals.add_user_permission(user['id'], grant)
    assert raised.value.response.status_code == 409
    # 0.13.8's helper asks for d_p_list, a domain access, on a portal: Portals refuses it
    with pytest.raises(requests.exceptions.HTTPError) as raised:
        portals.add_dplist_permission_for_user_on_portal('helper@x.test', emu.portal_id)
    assert raised.value.response.status_code == 400


def test_another_users_client_cannot_reach_the_admins_portal(emu):
    _, creds = new_user(emu, 'outsider@x.test')
    outsider = Portals(emu.portals_domain, emu.portal_name, creds[0], auth=creds[1])
    outsider.set_portals_url(emu.portals_url)
    outsider.set_portal_id(emu.portal_id)
    assert outsider.get_user_portals() == []
    for call in (outsider.get_domain_portal_ids, outsider.get_all_user_accounts,
                 lambda: outsider.get_portal_by_id(emu.portal_id),
                 lambda: outsider.update_portal({'info': {}}),
                 lambda: outsider.add_device('sensor', 'SN-1')):
        with pytest.raises(requests.exceptions.HTTPError) as raised:
            call()
        assert raised.value.response.status_code == 403
    assert outsider.list_portal_data_sources() == {}


def test_emulator_portals_uses_the_startup_keys(emu):
    portals = emu.portals()
    assert (portals.domain(), portals.user(), portals.portal_name()) == (
        emu.portals_domain, emu.portals_user, emu.portal_name)
    assert portals.portals_url() == emu.portals_url
    assert expect(api(emu, 'GET', '/users/_this', admin(emu)), 200)['email'] == portals.user()
