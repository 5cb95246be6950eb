"""Builds the optional C multiscalar-multiplication extension (refimpl/crypto/_msm.c).

All metadata lives in pyproject.toml. The extension is optional: if no C compiler is present
the package still installs and ``refimpl.crypto.msm`` falls back to libsodium one term at a time.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "refimpl.crypto._msm",
            sources=["refimpl/crypto/_msm.c"],
            extra_compile_args=["-O2", "-std=c11"],
            optional=True,
        )
    ]
)
