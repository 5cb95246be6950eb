"""`make vectors-dist` (tools/vectors_dist.py): the release tarball of conformance/ verifies
against its SHA256SUMS, its manifest lists every file, two builds are byte-identical, and a
kit with a stale manifest is refused (docs/conformance.md, "Release tarball")."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

import refimpl
from refimpl.errors import ConformanceError
from refimpl.resources import conformance_root
from tests.conformance.kit_tools import load_tool

dist: Any = load_tool("vectors_dist")
TOP = f"mc-refimpl-vectors-{refimpl.__version__}"


@pytest.fixture(scope="module")
def tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out: Path = dist.build(conformance_root(), tmp_path_factory.mktemp("dist"))
    return out


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        found = {}
        for info in tar.getmembers():
            assert info.name == TOP or info.name.startswith(TOP + "/"), info.name
            assert (info.mtime, info.uid, info.gid, info.uname, info.gname) == (
                dist.MTIME, 0, 0, "", "")
            if info.isfile():
                assert info.mode == 0o644
                extracted = tar.extractfile(info)
                assert extracted is not None
                found[info.name.removeprefix(TOP + "/")] = extracted.read()
            else:
                assert info.isdir() and info.mode == 0o755, info.name
        return found


def test_tarball_name_and_sums_verify(tarball: Path) -> None:
    assert tarball.name == f"{TOP}.tar.gz"
    files = members(tarball)
    sums = files.pop("SHA256SUMS").decode().splitlines()
    listed = {}
    for line in sums:
        digest, _, rel = line.partition("  ")
        listed[rel] = digest
    assert sorted(listed) == sorted(files)
    for rel, data in files.items():
        assert hashlib.sha256(data).hexdigest() == listed[rel], rel


def test_manifest_lists_every_file_of_the_tarball(tarball: Path) -> None:
    files = members(tarball)
    manifest = json.loads(files["MANIFEST.json"])
    entries = {e["path"]: e for e in manifest["files"]}
    assert set(entries) == set(files) - {"MANIFEST.json", "SHA256SUMS"}
    for rel, entry in entries.items():
        assert entry["sha256"] == hashlib.sha256(files[rel]).hexdigest()
    assert {"README.md", "error-codes.json", "schemas/manifest.schema.json"} <= set(files)
    assert any(rel.startswith("upstream/mobilecoin/") for rel in files)
    assert any(rel.startswith("vectors/") for rel in files)


def test_two_builds_are_identical(tarball: Path, tmp_path: Path) -> None:
    again: Path = dist.build(conformance_root(), tmp_path)
    assert again.read_bytes() == tarball.read_bytes()
    with tarfile.open(tarball, "r:gz") as tar:
        names = tar.getnames()
    assert names == sorted(names)


def test_a_stale_manifest_is_refused(tmp_path: Path) -> None:
    kit = tmp_path / "conformance"
    shutil.copytree(conformance_root(), kit)
    (kit / "README.md").write_text((kit / "README.md").read_text() + "changed\n")
    with pytest.raises(ConformanceError) as caught:
        dist.build(kit, tmp_path / "out")
    assert caught.value.code == "conformance.manifest_stale"
    assert not (tmp_path / "out").exists()


def test_tarball_is_gzip_without_name_or_time(tarball: Path) -> None:
    head = tarball.read_bytes()[:10]
    assert head[:3] == b"\x1f\x8b\x08" and head[3] == 0  # no FNAME flag
    assert head[4:8] == b"\0\0\0\0"  # MTIME 0


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="coreutils sha256sum not found")
def test_coreutils_sha256sum_accepts_the_sums(tarball: Path, tmp_path: Path) -> None:
    with tarfile.open(tarball, "r:gz") as tar:
        tar.extractall(tmp_path, filter="data")
    done = subprocess.run(["sha256sum", "--check", "--strict", "--quiet", "SHA256SUMS"],
                          cwd=tmp_path / TOP, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    (tmp_path / TOP / "README.md").write_text("tampered\n")
    done = subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"],
                          cwd=tmp_path / TOP, capture_output=True, text=True, check=False)
    assert done.returncode != 0 and "README.md: FAILED" in done.stdout
