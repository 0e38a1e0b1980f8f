"""Packaging: setup.py uses setuptools (never distutils, gone in Python 3.12) and declares
the two runtime dependencies; with PYONEP_SLOW_TESTS=1, `pip install .` into a fresh
virtual environment works and the package imports there."""
import io
import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read(name):
    with io.open(os.path.join(ROOT, name), encoding='utf-8') as f:
        return f.read()


def test_setup_uses_setuptools_not_distutils():
    source = read('setup.py')
    assert 'from setuptools import' in source
    assert 'distutils' not in source
    assert re.search(r"install_requires=\['requests', 'six'\]", source)
    assert 'python_requires=' in source


def test_setup_finds_the_portals_package():
    """pyonep 0.13.8 installs two packages, pyonep and pyonep.portals."""
    from setuptools import find_packages
    found = find_packages(ROOT, exclude=['tests', 'tests.*', 'benchmarks', 'examples', 'docs'])
    assert 'pyonep' in found and 'pyonep.portals' in found


def test_setup_finds_every_folder_of_modules():
    """Every folder of pyonep that holds modules is a package that ``pip install .`` ships
    (a folder without ``__init__.py`` imports from a checkout but is left out of an install)."""
    from setuptools import find_packages
    found = set(find_packages(ROOT, exclude=['tests', 'tests.*', 'benchmarks', 'examples', 'docs']))
    for folder, _, files in os.walk(os.path.join(ROOT, 'pyonep')):
        if any(name.endswith('.py') for name in files):
            package = os.path.relpath(folder, ROOT).replace(os.sep, '.')
            assert package in found, package


def test_the_inspector_files_are_package_data():
    """`pip install .` ships the emulator inspector's page, scripts and style sheet: every
    file of its folder matches a package_data pattern, and the sdist takes them too."""
    import fnmatch
    patterns = re.findall(r"'(static/[^']+)'", read('setup.py'))
    names = os.listdir(os.path.join(ROOT, 'pyonep', 'emulator', 'inspector', 'static'))
    assert patterns and sorted(names) == ['app.js', 'index.html', 'kit.js', 'style.css']
    for name in names:
        assert any(fnmatch.fnmatch('static/' + name, p) for p in patterns), name
    assert 'recursive-include pyonep/emulator/inspector/static *.html *.js *.css' in read('MANIFEST.in')


def test_version_is_where_setup_reads_it():
    match = re.search(r"^__version__ = '([^']+)'", read('pyonep/__init__.py'), re.M)
    import pyonep
    assert match and match.group(1) == pyonep.__version__


def test_library_modules_avoid_python3_only_syntax():
    """The library must parse on Python 2.7: no f-strings, no annotations."""
    for name in ('__init__', '_compat', 'exceptions', 'onephttp', 'onep', 'provision',
                 'datastore', 'portals/__init__', 'portals/endpoints', 'portals/constants',
                 'portals/utils', 'portals/__version__'):
        source = read('pyonep/%s.py' % name)
        assert not re.search(r"""(^|[^\w])f['"]""", source), name
        assert not re.search(r'def \w+\([^)]*:\s*\w+[^)]*\)\s*->', source), name


@pytest.mark.skipif(os.environ.get('PYONEP_SLOW_TESTS') != '1',
                    reason='slow and needs PyPI: set PYONEP_SLOW_TESTS=1 to run')
@pytest.mark.skipif(sys.version_info < (3, 3), reason='uses the venv module of Python 3')
def test_pip_install_into_a_fresh_venv(tmp_path):
    if not os.path.isfile(os.path.join(ROOT, 'README.md')):
        pytest.fail('setup.py reads README.md, which is missing')
    env = str(tmp_path / 'venv')
    subprocess.check_call([sys.executable, '-m', 'venv', env])
    python = os.path.join(env, 'bin', 'python')
    source = str(tmp_path / 'src')  # a copy, so no build files land in the checkout
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        '.git', '.tox*', '.venv*', '__pycache__', '*.egg-info', 'build', 'dist', '_build'))
    subprocess.check_call([python, '-m', 'pip', 'install', '-q', source])
    out = subprocess.check_output(
        [python, '-c', 'import pyonep, pyonep.onep, pyonep.provision, pyonep.onephttp, '
                       'pyonep.exceptions, pyonep.datastore, pyonep.portals, '
                       'pyonep.portals.endpoints, os; print(pyonep.__version__); print(pyonep.__file__); '
                       'print(os.path.isfile(os.path.join(os.path.dirname(pyonep.__file__), '
                       '"emulator", "inspector", "static", "app.js")))'],
        cwd=str(tmp_path)).decode('utf-8').split()
    import pyonep
    assert out[0] == pyonep.__version__
    assert out[1].startswith(env)
    assert out[2] == 'True'  # the inspector's files were installed
