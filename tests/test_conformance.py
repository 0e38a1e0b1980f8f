"""The recorded wire vectors of pyonep 0.13.8 (../shared/conformance beside the repository):
every case sends the same requests and returns or raises the same as 0.13.8."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFORMANCE = os.path.join(os.path.dirname(ROOT), 'shared', 'conformance')
RUNNER = os.path.join(CONFORMANCE, 'vectors.py')
VECTORS = os.path.join(CONFORMANCE, 'vectors.json')


@pytest.mark.skipif(not (os.path.isfile(RUNNER) and os.path.isfile(VECTORS)),
                    reason='the conformance vectors (../shared/conformance) are not beside this checkout')
@pytest.mark.skipif(sys.version_info < (3, 7),
                    reason='the vectors runner and its recording server need Python 3.7+')
def test_wire_vectors_are_identical():
    proc = subprocess.Popen([sys.executable, RUNNER, 'check', ROOT, VECTORS, '-v'],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    out = proc.communicate()[0].decode('utf-8', 'replace')
    assert proc.returncode == 0, out
    last = out.strip().splitlines()[-1]
    assert last.startswith('wire: ') and 'cases identical' in last
    done, total = last.split()[1].split('/')
    assert done == total and int(total) > 0, out
