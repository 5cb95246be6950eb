"""Builds the optional C extensions: multiscalar multiplication (refimpl/crypto/_msm.c) and
Keccak-f[1600] with the STROBE-128 duplex behind Merlin (refimpl/crypto/_keccak.c).

All metadata lives in pyproject.toml. The extension is optional: if no C compiler is present
the package still installs; ``refimpl.crypto.msm`` then falls back to libsodium one term at a
time and Keccak/STROBE stay pure Python.

It also copies the top-level ``spec/``, ``data/`` and ``conformance/`` into the built package as
``refimpl/_resources/<name>/`` so an installed (non-editable) package finds them through
``importlib.resources`` (refimpl/resources.py). An editable install reads the checkout instead.
"""

import os
import shutil

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

#: Top-level directories shipped as package data (refimpl.resources.NAMES).
RESOURCE_DIRS = ("spec", "data", "conformance")


class BuildPyWithResources(build_py):
    """``build_py`` that also copies RESOURCE_DIRS into ``refimpl/_resources/``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # the editable install reads the checkout (refimpl.resources falls back)
        here = os.path.dirname(os.path.abspath(__file__))
        target = os.path.join(self.build_lib, "refimpl", "_resources")
        shutil.rmtree(target, ignore_errors=True)  # no stale files from an earlier build
        for name in RESOURCE_DIRS:
            shutil.copytree(
                os.path.join(here, name),
                os.path.join(target, name),
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )


setup(
    cmdclass={"build_py": BuildPyWithResources},
    ext_modules=[
        Extension(
            "refimpl.crypto._msm",
            sources=["refimpl/crypto/_msm.c"],
            extra_compile_args=["-O3", "-std=c11"],
            optional=True,
        ),
        Extension(  # Keccak-f[1600] and STROBE-128; refimpl.crypto.keccak/strobe stay the fallback
            "refimpl.crypto._keccak",
            sources=["refimpl/crypto/_keccak.c"],
            extra_compile_args=["-O2", "-std=c11"],
            optional=True,
        ),
    ]
)
