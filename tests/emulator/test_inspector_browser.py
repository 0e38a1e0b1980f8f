"""The inspector in a real browser: Debian's Chromium, headless, driven by Selenium through
Debian's chromedriver (never a browser or driver downloaded by a tool).

A program writes through OnepV1; the page must show the resource tree, the chart's
points (and a point written while the page is open, without a reload), the datarule's
output, the dispatch record and the calls. Screenshots are saved as test artifacts
(``tests/artifacts/``, or the folder ``PYONEP_TEST_ARTIFACTS`` names) and their paths
printed.

Skips, saying why, where Chromium, chromedriver or the selenium package is missing
(.ci/run installs all three where it can).
"""
import os
import time

import pytest

from rpc_helpers import make_client, make_dataport, ok

CHROMIUM = os.environ.get('PYONEP_CHROMIUM', '/usr/bin/chromium')
CHROMEDRIVER = os.environ.get('PYONEP_CHROMEDRIVER', '/usr/bin/chromedriver')
ARTIFACTS = os.environ.get('PYONEP_TEST_ARTIFACTS') or os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'artifacts')
CHROMIUM_FLAGS = ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic',
                  '--no-first-run', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
                  '--window-size=1360,900', '--force-device-scale-factor=1')
WAIT = 20


@pytest.fixture
def browser(tmp_path, monkeypatch):
    """A headless Chromium under Selenium, with a fresh profile; skips without one."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        pytest.skip('no browser for the inspector test: %s missing (apt-get install chromium '
                    'chromium-driver)' % ', '.join(missing))
    webdriver = pytest.importorskip('selenium.webdriver', reason='the selenium package is not '
                                    'installed (pip install selenium)')
    from selenium.webdriver.chrome.service import Service
    # Selenium must not look for, or download, a browser or driver of its own
    monkeypatch.setenv('SE_OFFLINE', 'true')
    monkeypatch.setenv('SE_AVOID_STATS', 'true')
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument('--user-data-dir=%s' % (tmp_path / 'profile'))
    try:
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    except Exception as exc:  # a browser that cannot start here is a skip, said loudly
        pytest.skip('Chromium did not start: %s' % str(exc).splitlines()[0])
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver, condition, what):
    """Wait until ``condition(driver)`` is truthy and return it; fail naming ``what``."""
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    def check(d):
        try:
            return condition(d)
        except StaleElementReferenceException:  # the page redrew under us: look again
            return False
    try:
        return WebDriverWait(driver, WAIT, poll_frequency=0.1).until(check)
    except TimeoutException:
        raise AssertionError('the page never showed %s; it shows:\n%s' % (
            what, (driver.find_element('css selector', 'header').text + '\n' +
                   driver.find_element('css selector', 'main').text)[:2000]))


def css(driver, selector):
    return driver.find_elements('css selector', selector)


def screenshot(driver, name):
    if not os.path.isdir(ARTIFACTS):
        os.makedirs(ARTIFACTS)
    path = os.path.join(ARTIFACTS, name)
    driver.save_screenshot(path)
    print('screenshot: %s' % path)
    return path


def build_gateway(emu):
    """A gateway client with a temperature dataport, a datarule watching it and a dispatch
    mailing the datarule's output; three temperatures recorded. Returns what it made."""
    onep, cik = emu.onep(), emu.root_cik
    gateway, gateway_cik = make_client(onep, cik, {'name': 'Gateway', 'limits': {
        'dataport': 'inherit', 'datarule': 'inherit', 'dispatch': 'inherit'}})
    ok(onep.map(cik, gateway, 'gateway'))
    temp = make_dataport(onep, gateway_cik, 'float', alias='temp', name='temperature')
    make_dataport(onep, gateway_cik, 'string', alias='status', name='status')
    rule = ok(onep.create(gateway_cik, 'datarule', {
        'format': 'integer', 'name': 'too hot', 'subscribe': temp,
        'rule': {'simple': {'comparison': 'gt', 'constant': 30}}}))
    mailer = ok(onep.create(gateway_cik, 'dispatch', {
        'method': 'email', 'recipient': 'ops@example.com', 'subject': 'Too hot',
        'message': 'too hot: [[value]]', 'subscribe': rule, 'name': 'mail ops'}))
    now = int(time.time())
    ok(onep.record(gateway_cik, temp, [[now - 40, 21.5], [now - 20, 25.0], [now - 1, 31.5]], {}))
    ok(onep.write(gateway_cik, {'alias': 'status'}, 'running'))
    return {'onep': onep, 'gateway': gateway, 'cik': gateway_cik, 'temp': temp, 'rule': rule,
            'mailer': mailer}


def test_the_inspector_shows_what_a_program_did(live_emu, browser):
    emu = live_emu
    made = build_gateway(emu)
    driver = browser

    # the home page links to the inspector
    driver.get(emu.url + '/')
    driver.find_element('link text', 'Open the inspector').click()
    wait_for(driver, lambda d: css(d, '#tree-box a.node'), 'the resource tree')
    assert 'Loopback only' in driver.find_element('css selector', '.privacy').text

    # the tree: the gateway under the root, its dataport with alias, format and value
    driver.get(emu.inspector_url + '#/tree/' + made['temp'])
    node = wait_for(driver, lambda d: css(d, '#tree-box a.node[data-rid="%s"]' % made['temp']),
                    'the temperature dataport in the tree')[0]
    assert node.text.split() == ['DATAPORT', 'temperature', 'temp', 'float', '31.5']
    gateway = css(driver, '#tree-box a.node[data-rid="%s"]' % made['gateway'])[0]
    assert 'Gateway' in gateway.text and 'gateway' in gateway.text and 'activated' in gateway.text
    details = wait_for(driver, lambda d: css(d, '.details dl.facts'), 'the details pane')[0]
    assert made['temp'] in details.text and '31.5' in details.text
    screenshot(driver, 'inspector-tree.png')

    # the client's CIK, on demand
    driver.get(emu.inspector_url + '#/tree/' + made['gateway'])
    button = wait_for(driver, lambda d: [b for b in css(d, '.details button') if b.text == 'show CIK'],
                      'the show CIK button')[0]
    assert made['cik'] not in driver.find_element('css selector', 'main').text
    button.click()
    wait_for(driver, lambda d: made['cik'] in d.find_element('css selector', '.details').text,
             'the revealed CIK')

    # the chart: one marker per point, and a point written now appears without a reload
    driver.get(emu.inspector_url + '#/data/' + made['temp'])
    wait_for(driver, lambda d: len(css(d, 'svg.chart circle.pt')) == 3, 'three points on the chart')
    values = [float(c.get_attribute('data-value')) for c in css(driver, 'svg.chart circle.pt')]
    assert values == [21.5, 25.0, 31.5]
    assert [r.text.split()[-1] for r in css(driver, 'table.points tr.point')] == ['31.5', '25', '21.5']
    ok(made['onep'].write(made['cik'], {'alias': 'temp'}, 35.25))
    wait_for(driver, lambda d: len(css(d, 'svg.chart circle.pt')) == 4, 'the new point (live)')
    assert css(driver, 'table.points tr.point')[0].text.endswith('35.25')
    screenshot(driver, 'inspector-data.png')

    # strings are listed, not charted
    status = emu.platform.store.execute(
        "SELECT rid FROM aliases WHERE alias='status'")[0][0]
    driver.get(emu.inspector_url + '#/data/' + status)
    wait_for(driver, lambda d: css(d, 'table.points tr.point') and not css(d, 'svg.chart'),
             'the string values as a list')
    assert css(driver, 'table.points tr.point')[0].text.endswith('running')

    # the data flow: the datarule's output and the dispatch's record
    driver.get(emu.inspector_url + '#/flow')
    rule = wait_for(driver, lambda d: css(d, 'tr.rule[data-rid="%s"]' % made['rule']),
                    "the datarule's row")[0]
    assert 'value > 30' in rule.text and 'temperature' in rule.text and 'mail ops' in rule.text
    assert rule.find_element('css selector', '.output b').text == '1'
    records = css(driver, '.dispatch[data-rid="%s"] tr.record' % made['mailer'])
    assert [r.text for r in records if 'too hot: 1' in r.text], [r.text for r in records]
    assert 'ops@example.com' in records[0].text and 'emulated' in records[0].text
    screenshot(driver, 'inspector-flow.png')

    # the calls made with the gateway's CIK, and one call's bodies
    driver.get(emu.inspector_url + '#/calls?key=' + made['cik'])
    rows = wait_for(driver, lambda d: css(d, 'tr.call'), 'the call log')
    procedures = [r.find_elements('css selector', 'td')[5].text for r in rows]
    # the gateway's own calls, newest first, and the root's info call whose answer gave its
    # CIK; the root's other calls (create, map) are filtered out
    assert procedures == ['write', 'write', 'record', 'create', 'create', 'map', 'create', 'map',
                          'create', 'info']
    record = [r for r in rows if r.find_elements('css selector', 'td')[5].text == 'record'][0]
    assert '200' in record.text and '/onep:v1/rpc/process' in record.text
    record.click()
    body = wait_for(driver, lambda d: css(d, 'tr.call-body'), "the call's bodies")[0]
    assert '"procedure": "record"' in body.text and '"status": "ok"' in body.text
    screenshot(driver, 'inspector-calls.png')


def test_the_inspector_fleet_and_portals_views(live_emu, browser):
    emu = live_emu
    onep = emu.onep()
    template = ok(onep.create(emu.root_cik, 'client', {'name': 'meter template'}))
    code = ok(onep.share(emu.root_cik, template))  # the root's template, shared with the domain
    provision = emu.provision(manage_by_cik=False, manage_by_sharecode=True)
    assert provision.model_create(emu.portals_vendor_token, 'meter', code).isok
    assert provision.serialnumber_add(emu.portals_vendor_token, 'meter', 'M-1').isok
    assert provision.serialnumber_add(emu.portals_vendor_token, 'meter', 'M-2').isok
    assert provision.content_create(emu.portals_vendor_token, 'meter', 'firmware', 'v1').isok
    assert provision.content_upload(emu.portals_vendor_token, 'meter', 'firmware',
                                    'print("hello")', 'text/plain').isok
    portals = emu.portals()
    portals.add_device('meter', 'M-1')
    provision.serialnumber_activate('meter', 'M-1', emu.portals_vendor)

    driver = browser
    driver.get(emu.inspector_url + '#/fleet')
    rows = wait_for(driver, lambda d: len(css(d, 'tr.sn')) == 2 and css(d, 'tr.sn'), 'serial numbers')
    assert 'M-1' in rows[0].text and 'activated' in rows[0].text
    assert 'M-2' in rows[1].text and 'no client' in rows[1].text
    [b for b in css(driver, 'button') if b.text == 'show'][0].click()
    wait_for(driver, lambda d: 'print("hello")' in d.find_element('css selector', 'pre.blob').text,
             'the content blob')

    driver.get(emu.inspector_url + '#/portals')
    wait_for(driver, lambda d: emu.portals_user in d.find_element('css selector', 'main').text,
             'the Portals user')
    main = driver.find_element('css selector', 'main').text
    assert emu.portal_name in main and 'M-1' in main and 'meter' in main
    screenshot(driver, 'inspector-fleet-portals.png')


def test_artifacts_folder_is_ignored_by_git():
    """Screenshots are artifacts, never committed by accident."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, '.gitignore')) as f:
        assert 'tests/artifacts/' in f.read().split()
