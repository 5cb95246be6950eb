"""Shared check for the committed ``*_pb2.py(i)`` modules: they are byte for byte what
tools/gen_protos.py generates from the .proto files beside them (used by
tests/unit/node/test_protos.py and tests/unit/fog/test_fog_protos.py)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _gen_protos() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_protos", ROOT / "tools" / "gen_protos.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_generated_up_to_date(
    api: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regenerate into ``tmp_path`` and compare the modules of the package directory ``api``."""
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep
                       + os.environ.get("PATH", ""))  # protoc-gen-mypy
    _gen_protos().generate(tmp_path)
    generated = sorted((tmp_path / api.relative_to(ROOT)).glob("*_pb2.py*"))
    assert generated, f"nothing generated for {api}"
    assert [p.name for p in generated] == sorted(p.name for p in api.glob("*_pb2.py*"))
    for path in generated:
        assert path.read_bytes() == (api / path.name).read_bytes(), f"stale: {path.name}"
