"""Helpers for the tests of the control API (/_emulator/): raw HTTP calls to it."""
import json

from rpc_helpers import post


def control(emu, method, name, body=None, cik=None, raw=False):
    """Send one control request as the root (or as ``cik``); return (status, answer).

    ``answer`` is the decoded JSON, or the text when it is not JSON.
    """
    headers = {'X-Exosite-CIK': emu.root_cik if cik is None else cik}
    if cik == '':
        headers = {}
    data = body if raw else (b'' if body is None else json.dumps(body).encode('utf-8'))
    status, _, text = post(emu, data, headers=headers, path='/_emulator/' + name, method=method)
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def advance(emu, seconds):
    """Move the emulator's clock forward through the control API; return its new state."""
    status, answer = control(emu, 'POST', 'clock', {'advance': seconds})
    assert status == 200, answer
    return answer
