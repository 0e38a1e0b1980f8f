"""Every Python sample of the documentation runs, so none can rot.

A page's samples are its fenced code blocks whose info string is exactly ``python``; they
run in order in one namespace, like the cells of a notebook, and each page starts a fresh
namespace. Code shown for reading only (for example one that needs the hosted platform) is
written as a ``{code-block} python`` directive, which this runner leaves out. Pages:
every Markdown file of docs/, and README.md. Tracebacks point at the
page and line of the sample. On Python 2.7, 3.6 and 3.7 the samples run too, with the
emulator in a child process on a Python 3.8+ (skipped, saying why, when there is none),
except the pages of NEEDS_PYTHON_38.
"""
import io
import os
import re
import socket
import sys

import pytest

from pyonep.emulator import EmulatorError, find_python

# Pages whose samples need Python 3.8+ themselves: emulator.md runs ``python -m
# pyonep.emulator`` with this interpreter and reads ``emu.platform`` (in-process only).
NEEDS_PYTHON_38 = ('docs/emulator.md',)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, 'docs')
FENCE = re.compile(r'^(`{3,}|~{3,})\s*(\S*)')
OTHER_PYTHON = ('py', 'py3', 'python3', 'python2', 'Python', 'pycon')


def pages():
    """Return the paths, relative to the repository, of every page whose samples run."""
    return ['README.md'] + sorted(os.path.join('docs', name) for name in os.listdir(DOCS)
                                  if name.endswith('.md'))


def samples(text):
    """Return ``[(line, code)]`` for the runnable blocks of a Markdown text, in order.

    ``line`` is the 1-based line of the block's first line of code. Raises ValueError for a
    block that never closes, and for blocks that look like Python samples but would silently
    not run: indented ```python blocks and ```py, ```python3 (and the like) blocks.
    """
    found = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if re.match(r'^\s+(`{3,}|~{3,})\s*python\s*$', line):
            raise ValueError('line %d: indented python block; samples must start at column 0'
                             % (i + 1))
        match = FENCE.match(line)
        if not match:
            i += 1
            continue
        fence, info = match.groups()
        end = i + 1
        while end < len(lines) and not lines[end].startswith(fence):
            end += 1
        if end == len(lines):
            raise ValueError('line %d: code block is never closed' % (i + 1))
        if info == 'python':
            found.append((i + 2, '\n'.join(lines[i + 1:end]) + '\n'))
        elif info in OTHER_PYTHON:
            raise ValueError('line %d: ```%s block would not run: write ```python, or '
                             '```{code-block} python for code that is only shown' % (i + 1, info))
        i = end + 1
    return found


def count_samples(path):
    """Return how many runnable samples page ``path`` has."""
    with io.open(os.path.join(ROOT, path), encoding='utf-8') as f:
        return len(samples(f.read()))


def run_page(path, namespace=None):
    """Run the samples of page ``path`` in order, in ``namespace`` (a new dict by default).

    Emulators the samples left running are stopped afterwards, even when a sample fails.
    """
    with io.open(os.path.join(ROOT, path), encoding='utf-8') as f:
        blocks = samples(f.read())
    namespace = {} if namespace is None else namespace
    namespace.setdefault('__name__', '__docs__')
    try:
        for line, code in blocks:
            # Padding keeps the page's line numbers in tracebacks.
            exec(compile('\n' * (line - 1) + code, path, 'exec'), namespace)
    finally:
        from pyonep.emulator import Emulator
        for value in list(namespace.values()):
            if isinstance(value, Emulator):
                value.stop()


def skip_without_emulator():
    """Skip the test when this is a Python older than 3.8 and no Python 3.8+ can run the
    emulator for it."""
    if sys.version_info < (3, 8):
        try:
            find_python()
        except EmulatorError as exc:
            pytest.skip('Python %d.%d needs a Python 3.8+ to run the emulator: %s' % (
                sys.version_info[0], sys.version_info[1], exc))


@pytest.mark.parametrize('path', pages())
def test_samples_of_page_run(path):
    if sys.version_info < (3, 8) and path in NEEDS_PYTHON_38:
        pytest.skip('the samples of %s need Python 3.8+' % path)
    skip_without_emulator()
    run_page(path)


def test_the_pages_have_samples():
    least = {'docs/introduction.md': 4, 'docs/cik.md': 4, 'docs/emulator.md': 2,
             'docs/migration.md': 5, 'docs/guide.md': 10, 'README.md': 1,
             'docs/portals.md': 4}
    for path, count in least.items():
        assert count_samples(path) >= count, path


def test_reader_only_code_is_left_out():
    text = '\n'.join(['# Page', '```python', 'x = 1', '```', '', '```{code-block} python',
                      'raise SystemExit', '```', '````python', 'y = """', '```', '"""', '````'])
    assert samples(text) == [(3, 'x = 1\n'), (10, 'y = """\n```\n"""\n')]


def test_indented_and_unclosed_blocks_are_errors():
    with pytest.raises(ValueError, match='line 2: indented python block'):
        samples('- item\n  ```python\n  x = 1\n  ```\n')
    with pytest.raises(ValueError, match='line 1: code block is never closed'):
        samples('```python\nx = 1\n')
    with pytest.raises(ValueError, match='line 3: ```py block would not run'):
        samples('Text\n\n```py\nx = 1\n```\n')


def test_a_failing_sample_names_its_page_and_line(tmp_path):
    page = tmp_path / 'page.md'
    page.write_text(u'Intro\n\n```python\nx = 1\n```\n\n```python\nassert x == 2\n```\n')
    with pytest.raises(AssertionError) as info:
        run_page(str(page))
    frame = info.traceback[-1]
    assert str(frame.path) == str(page)
    assert frame.lineno + 1 == 8  # pytest counts lines from 0


def test_emulators_left_running_by_a_failing_page_are_stopped(tmp_path):
    skip_without_emulator()
    page = tmp_path / 'page.md'
    page.write_text(u'```python\nfrom pyonep.emulator import Emulator\n'
                    u'emu = Emulator().start()\nraise RuntimeError("boom")\n```\n')
    namespace = {}
    with pytest.raises(RuntimeError, match='boom'):
        run_page(str(page), namespace)
    with pytest.raises(socket.error):
        socket.create_connection((namespace['emu'].host, namespace['emu'].port), timeout=5)


def test_api_reference_covers_the_public_api():
    with io.open(os.path.join(DOCS, 'api.rst'), encoding='utf-8') as f:
        text = f.read()
    for directive in ('autoclass:: pyonep.onep.OnepV1', 'autoclass:: pyonep.onep.DeferredRequests',
                      'autoclass:: pyonep.provision.Provision',
                      'autoclass:: pyonep.provision.ProvisionResponse',
                      'autoclass:: pyonep.onephttp.OneP_Request',
                      'autoclass:: pyonep.portals.Portals',
                      'autoclass:: pyonep.portals.endpoints.Endpoints',
                      'automodule:: pyonep.exceptions\n', 'automodule:: pyonep.emulator\n',
                      'automodule:: pyonep.emulator.__main__',
                      'automodule:: pyonep.emulator.pytest_plugin'):
        assert '.. ' + directive in text, directive
