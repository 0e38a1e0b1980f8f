"""Subprocess mode: the child interpreter runs the caller's copy of pyonep, and nothing else
from the directory that copy is in (a Python 2.7 site-packages holds packages that would
break the Python 3 child)."""
import os
import shutil
import subprocess
import sys

import pyonep

CALLER = '''
import sys
sys.path.insert(0, sys.argv[1])
import pyonep
from pyonep.emulator import Emulator
assert pyonep.__file__.startswith(sys.argv[1]), pyonep.__file__
with Emulator(subprocess=True) as emu:
    print(emu.onep().listing(emu.root_cik, ['client'], {}))
'''


def test_child_takes_only_pyonep_from_the_callers_directory(tmp_path):
    site = tmp_path / 'site-packages'
    shutil.copytree(os.path.dirname(pyonep.__file__), str(site / 'pyonep'),
                    ignore=shutil.ignore_patterns('__pycache__'))
    # A module the emulator needs and the caller does not import: were the child to look
    # in the caller's directory, it would get this one and fail to start.
    (site / 'sqlite3.py').write_text(u'raise ImportError("sqlite3 from the caller\'s directory")\n')
    env = dict(os.environ)
    env.pop('PYTHONPATH', None)
    env['PYONEP_EMULATOR_PYTHON'] = sys.executable
    result = subprocess.run([sys.executable, '-c', CALLER, str(site)], cwd=str(tmp_path), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "(True, {'client': []})\n"
