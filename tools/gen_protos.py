"""Regenerate the *_pb2.py(i) modules of refimpl/node/api and refimpl/fog/api from the .proto
files beside them.

The generated modules are committed (the package works without grpcio-tools);
tests/unit/node/test_protos.py and tests/unit/fog/test_fog_protos.py check they are what this
script produces.
Run: .venv/bin/python tools/gen_protos.py [OUTDIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
API_DIRS = (ROOT / "refimpl" / "node" / "api", ROOT / "refimpl" / "fog" / "api")


def generate(out: Path) -> None:
    """Compile every .proto of API_DIRS into ``out`` (as package paths, one protoc run)."""
    protos = sorted(str(p.relative_to(ROOT)) for api in API_DIRS for p in api.glob("*.proto"))
    include = str(Path(protoc.__file__).parent / "_proto")
    args = ["protoc", f"-I{ROOT}", f"-I{include}", f"--python_out={out}", f"--mypy_out={out}",
            *protos]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT)
