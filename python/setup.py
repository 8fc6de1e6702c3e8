"""Builds the lz4framed Python package.

The package calls liblz4framed through ctypes, so the only native build is
the Rust library: the build step runs `cargo build --release --locked` on the
repository this directory belongs to, in a target directory of its own, and
copies liblz4framed.so into the package. Nothing prebuilt is downloaded.

Environment:
    LZ4FRAMED_SOURCE_DIR        the repository root (default: the parent of this directory)
    LZ4FRAMED_CARGO_TARGET_DIR  cargo's target directory (default: build/cargo-target here)
    CARGO                       the cargo executable (default: cargo on PATH)
"""

import os
import re
import shutil
import subprocess
import sys

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
LIBRARY = 'liblz4framed.so'


def source_dir():
    root = os.environ.get('LZ4FRAMED_SOURCE_DIR') or os.path.dirname(HERE)
    manifest = os.path.join(root, 'Cargo.toml')
    if not os.path.isfile(manifest) or not re.search(r'(?m)^name\s*=\s*"lz4framed"', _read(manifest)):
        sys.exit('lz4framed: cannot find the lz4framed Rust sources at %r. Install from a checkout of the '
                 'repository ("pip install ./python"; pip >= 21.3 builds in place), or set '
                 'LZ4FRAMED_SOURCE_DIR to the repository root.' % root)
    return root


def _read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def version():
    """The library's version from Cargo.toml, so package and library agree."""
    text = _read(os.path.join(source_dir(), 'Cargo.toml'))
    package = text.split('[package]', 1)[-1].split('\n[', 1)[0]
    match = re.search(r'(?m)^version\s*=\s*"([^"]+)"', package)
    if not match:
        sys.exit('lz4framed: no version in the [package] section of Cargo.toml')
    return match.group(1)


class BuildPyWithCargo(build_py):
    """build_py that also builds liblz4framed.so and puts it in the package."""

    def run(self):
        super().run()
        library = self.build_library()
        target = os.path.join(self.build_lib, 'lz4framed', LIBRARY)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(library, target)

    def build_library(self):
        root = source_dir()
        target_dir = os.environ.get('LZ4FRAMED_CARGO_TARGET_DIR') or os.path.join(HERE, 'build', 'cargo-target')
        cargo = os.environ.get('CARGO') or shutil.which('cargo')
        if not cargo:
            sys.exit('lz4framed: cargo not found; install a Rust toolchain (https://rustup.rs) or set CARGO')
        env = dict(os.environ)
        # Never share the target directory of a cargo run that may be waiting
        # for this build (e.g. a `cargo test` that installs this package):
        # both would wait for the other's lock.
        env['CARGO_TARGET_DIR'] = target_dir
        env.pop('CARGO_BUILD_TARGET_DIR', None)
        command = [cargo, 'build', '--release', '--locked', '--lib']
        self.announce('running %s in %s (target dir %s)' % (' '.join(command), root, target_dir), level=2)
        try:
            subprocess.run(command, cwd=root, env=env, check=True)
        except (OSError, subprocess.CalledProcessError) as ex:
            sys.exit('lz4framed: building liblz4framed with cargo failed: %s' % ex)
        library = os.path.join(target_dir, 'release', LIBRARY)
        if not os.path.isfile(library):
            sys.exit('lz4framed: cargo succeeded but %s is missing' % library)
        return library


commands = {'build_py': BuildPyWithCargo}

try:
    from setuptools.command.bdist_wheel import bdist_wheel as _bdist_wheel
except ImportError:
    try:
        from wheel.bdist_wheel import bdist_wheel as _bdist_wheel
    except ImportError:
        _bdist_wheel = None

if _bdist_wheel is not None:
    class BdistWheel(_bdist_wheel):
        """The wheel holds a native library, so it is tied to the platform,
        but not to a Python version or ABI: ctypes loads it."""

        def finalize_options(self):
            super().finalize_options()
            self.root_is_pure = False

        def get_tag(self):
            _, _, platform = super().get_tag()
            return 'py3', 'none', platform

    commands['bdist_wheel'] = BdistWheel


setup(
    name='lz4framed',
    version=version(),
    description='LZ4 frame compression with a resumable, cloneable, marshallable decoder '
                '(API-compatible with py-lz4framed)',
    long_description=_read(os.path.join(HERE, 'README.md')),
    long_description_content_type='text/markdown',
    license='MIT',
    python_requires='>=3.8',
    packages=['lz4framed'],
    cmdclass=commands,
    zip_safe=False,
    classifiers=[
        'Programming Language :: Python :: 3',
        'Operating System :: POSIX :: Linux',
        'Topic :: System :: Archiving :: Compression',
    ],
)
