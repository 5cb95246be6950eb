"""Builds the optional C extensions: multiscalar multiplication (refimpl/crypto/_msm.c) and
Keccak-f[1600] with the STROBE-128 duplex behind Merlin (refimpl/crypto/_keccak.c).

All metadata lives in pyproject.toml. The extension is optional: if no C compiler is present
the package still installs; ``refimpl.crypto.msm`` then falls back to libsodium one term at a
time and Keccak/STROBE stay pure Python.
"""

from setuptools import Extension, setup

setup(
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
