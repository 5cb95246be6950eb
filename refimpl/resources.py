"""Where the package finds its data directories: ``spec/``, ``data/`` and ``conformance/``.

The repository keeps them at its top level. A built wheel carries copies of all three inside
the package, as ``refimpl/_resources/<name>/`` (setup.py's ``build_py`` step copies them), so a
non-editable ``pip install`` run from any directory reads the same files. Each function returns
the packaged copy when it exists (found through :mod:`importlib.resources`) and otherwise the
checkout's top-level directory (a source checkout or an editable install).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

#: The directory inside the package that holds the copies made at build time.
PACKAGED = "_resources"
#: The top-level directories shipped as package data.
NAMES = ("spec", "data", "conformance")


@cache
def resource_root(name: str) -> Path:
    """The directory ``name`` (one of :data:`NAMES`): packaged copy first, then the checkout.

    The checkout path is returned even when it does not exist, so a missing file is reported
    by whoever opens it (with its own typed error), not here.
    """
    if name not in NAMES:
        raise ValueError(f"unknown resource directory {name!r}; expected one of {NAMES}")
    from importlib.resources import files

    packaged = files("refimpl").joinpath(PACKAGED, name)
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / name


def spec_root() -> Path:
    """``spec/``: the TLA+ models and ``manifest.json``."""
    return resource_root("spec")


def data_root() -> Path:
    """``data/``: attestation trust anchors, FBAS snapshots, Noise vectors."""
    return resource_root("data")


def conformance_root() -> Path:
    """``conformance/``: upstream and our own test vectors, schemas and the manifest."""
    return resource_root("conformance")
