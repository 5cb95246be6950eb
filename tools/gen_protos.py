"""Regenerate refimpl/node/api/*_pb2.py(i) from the .proto files beside them.

The generated modules are committed (the package works without grpcio-tools);
tests/unit/node/test_protos.py checks they are what this script produces.
Run: .venv/bin/python tools/gen_protos.py [OUTDIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

from grpc_tools import protoc  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "refimpl" / "node" / "api"


def generate(out: Path) -> None:
    """Compile every .proto of refimpl/node/api into ``out`` (as package paths)."""
    protos = sorted(str(p.relative_to(ROOT)) for p in API.glob("*.proto"))
    include = str(Path(protoc.__file__).parent / "_proto")
    args = ["protoc", f"-I{ROOT}", f"-I{include}", f"--python_out={out}", f"--mypy_out={out}",
            *protos]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT)
