"""Packaging for pyonep: the One Platform client and its local emulator."""
import io
import os
import re

from setuptools import find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def read_version():
    with io.open(os.path.join(HERE, 'pyonep', '__init__.py'), encoding='utf-8') as f:
        return re.search(r"^__version__ = '([^']+)'", f.read(), re.M).group(1)


with io.open(os.path.join(HERE, 'README.md'), encoding='utf-8') as f:
    LONG_DESCRIPTION = f.read()

setup(
    name='pyonep',
    version=read_version(),
    description='Python client for the Exosite One Platform, with a local One Platform emulator',
    long_description=LONG_DESCRIPTION,
    long_description_content_type='text/markdown',
    author='pyonep contributors',
    license='BSD-3-Clause',
    packages=find_packages(exclude=['tests', 'tests.*', 'benchmarks', 'examples', 'docs']),
    # the emulator's web inspector: its page, scripts and style sheet
    package_data={'pyonep.emulator.inspector': ['static/*.html', 'static/*.js', 'static/*.css']},
    install_requires=['requests', 'six'],
    python_requires='>=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*, !=3.5.*',
    entry_points={
        'console_scripts': ['onep-emulator = pyonep.emulator.__main__:main'],
        'pytest11': ['pyonep_emulator = pyonep.emulator.pytest_plugin'],
    },
    classifiers=[
        'Programming Language :: Python :: 2.7',
        'Programming Language :: Python :: 3',
        'Framework :: Pytest',
    ],
)
