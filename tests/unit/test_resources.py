"""spec/, data/ and conformance/ as package data (refimpl/resources.py, setup.py's build_py).

The whole installed path (a fresh venv, `mcref check` from another directory) is
tools/check_installed.sh (`make check-installed`, run by .ci/run); here the fast parts: the
checkout lookup, and a wheel built into a temporary directory that carries every file of the
three directories under refimpl/_resources/ and resolves them from there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from refimpl import resources

ROOT = Path(__file__).resolve().parents[2]
#: One file each directory must hold (read by mcref check).
KEY_FILES = {
    "spec": "manifest.json",
    "data": "fbas/mobilecoin_nodes_2021-10-22.json",
    "conformance": "upstream/mobilecoin/SOURCE.md",
}


def _disk_files(name: str) -> set[str]:
    base = ROOT / name
    return {
        f"{name}/{p.relative_to(base).as_posix()}"
        for p in base.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in {".pyc", ".pyo"}
    }


def test_checkout_roots() -> None:
    """From the checkout (editable install) each root is the top-level directory."""
    assert resources.spec_root() == ROOT / "spec"
    assert resources.data_root() == ROOT / "data"
    assert resources.conformance_root() == ROOT / "conformance"
    for name, key in KEY_FILES.items():
        assert (resources.resource_root(name) / key).is_file()


def test_unknown_resource_refused() -> None:
    with pytest.raises(ValueError, match="unknown resource directory"):
        resources.resource_root("tests")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of the checkout built with setup.py into a temporary directory (~3 s)."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "setup.py", "-q",
         "build", "--build-base", str(tmp / "build"),
         "bdist_wheel", "--bdist-dir", str(tmp / "bdist"), "--dist-dir", str(tmp / "dist")],
        cwd=ROOT, check=True, capture_output=True, timeout=120,
    )
    (built,) = (tmp / "dist").glob("*.whl")
    return built


def test_wheel_carries_every_resource_file(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    packaged = {
        n.removeprefix("refimpl/_resources/") for n in names if n.startswith("refimpl/_resources/")
    }
    for name in resources.NAMES:
        on_disk = _disk_files(name)
        assert on_disk, name
        assert on_disk <= packaged, sorted(on_disk - packaged)[:5]
    # The directories live only under the package, never as top-level entries of the wheel.
    assert not {n for n in names if n.split("/")[0] in resources.NAMES}


def test_extracted_wheel_resolves_packaged_copies(wheel: Path, tmp_path: Path) -> None:
    """Imported from the unpacked wheel (cwd outside the checkout), the roots are its copies."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    script = (
        "import sys; from refimpl import resources as r; "
        "print('\\n'.join(str(r.resource_root(n)) for n in r.NAMES))"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env,
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout.split()
    assert out == [str(site / "refimpl" / "_resources" / n) for n in resources.NAMES]
    for name, key in KEY_FILES.items():
        assert (site / "refimpl" / "_resources" / name / key).is_file()
