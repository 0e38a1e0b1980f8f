"""Sphinx configuration for the pyonep documentation (Markdown pages through myst-parser).

Build with warnings as errors, from the repository root:
    pip install -r docs/requirements.txt -e .
    sphinx-build -W -b html docs docs/_build/html
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # document this checkout, installed or not

from pyonep import __version__  # noqa: E402

project = 'pyonep'
author = 'pyonep contributors'
copyright = 'pyonep contributors, BSD 3-clause license'
version = release = __version__

extensions = [
    'myst_parser',
    'sphinx.ext.autodoc',
    'sphinx.ext.napoleon',
]
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}
root_doc = 'index'
exclude_patterns = ['_build']

# Headings up to level 3 get anchors, so pages can link to sections: [text](page.md#section).
myst_heading_anchors = 3

autodoc_member_order = 'bysource'
autodoc_default_options = {'members': True, 'show-inheritance': True}

html_theme = 'alabaster'
html_title = 'pyonep ' + release
html_static_path = []
