"""Build dist/mc-refimpl-vectors-<version>.tar.gz: the conformance kit as a versioned release.

Usage: ``python tools/vectors_dist.py [--out-dir DIR]`` (``make vectors-dist``). The tarball
holds every file of conformance/ under one top directory ``mc-refimpl-vectors-<version>/``,
plus ``SHA256SUMS`` (``sha256sum -c SHA256SUMS`` verifies every file), in the spirit of pyca's
cryptography-vectors and the Ethereum consensus-spec-tests releases (docs/conformance.md,
"Release tarball").

The build refuses a kit whose MANIFEST.json or error-codes.json is out of date
(``conformance.manifest_stale``: run ``make vectors`` first). It is reproducible: entries are
sorted, every mtime is :data:`MTIME`, owner and group are 0 with empty names, modes are 0644
(files) and 0755 (directories), and the gzip header carries no name and no time, so two builds
of the same kit are byte-identical.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import sys
import tarfile
from pathlib import Path, PurePosixPath

import refimpl
from refimpl.errors import ConformanceError, RefImplError
from refimpl.resources import conformance_root
from refimpl.vectors.catalog import (
    ERROR_CODES,
    MANIFEST,
    build_manifest,
    error_codes_document,
    kit_files,
    render_json,
)

#: The mtime of every entry: 2000-01-01T00:00:00Z (a fixed time, so builds are identical).
MTIME = 946684800
SUMS = "SHA256SUMS"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "dist"


def release_name(version: str = refimpl.__version__) -> str:
    return f"mc-refimpl-vectors-{version}"


def check_fresh(root: Path) -> None:
    """Refuse a kit whose generated files do not match the files on disk."""
    for rel, want in ((MANIFEST, render_json(build_manifest(root))),
                      (ERROR_CODES, render_json(error_codes_document()))):
        path = root / rel
        if not path.is_file() or path.read_text(encoding="utf-8") != want:
            raise ConformanceError(
                "conformance.manifest_stale",
                f"{path} is out of date; run `make vectors` before `make vectors-dist`",
            )


def sha256_sums(root: Path, files: list[str]) -> bytes:
    """``sha256sum`` output for ``files`` (relative to ``root``): ``<hex>  <path>`` lines."""
    lines = [f"{hashlib.sha256((root / rel).read_bytes()).hexdigest()}  {rel}\n" for rel in files]
    return "".join(lines).encode()


def _info(name: str, *, size: int = 0, directory: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mtime = MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if directory:
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
    else:
        info.size = size
        info.mode = 0o644
    return info


def tar_bytes(root: Path, top: str) -> bytes:
    """The uncompressed tar of the kit at ``root`` under ``top/``, with SHA256SUMS."""
    files = kit_files(root)
    contents = {rel: (root / rel).read_bytes() for rel in files}
    contents[SUMS] = sha256_sums(root, files)
    directories = sorted({str(parent) for rel in contents
                          for parent in PurePosixPath(rel).parents if str(parent) != "."})
    entries = sorted([(d, None) for d in directories] + list(contents.items()),
                     key=lambda item: item[0])
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        tar.addfile(_info(top, directory=True))
        for rel, data in entries:
            name = f"{top}/{rel}"
            if data is None:
                tar.addfile(_info(name, directory=True))
            else:
                tar.addfile(_info(name, size=len(data)), io.BytesIO(data))
    return buffer.getvalue()


def build(root: Path, out_dir: Path, version: str = refimpl.__version__) -> Path:
    """Write ``out_dir/mc-refimpl-vectors-<version>.tar.gz`` and return its path."""
    check_fresh(root)
    top = release_name(version)
    raw = tar_bytes(root, top)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{top}.tar.gz"
    with out.open("wb") as sink, gzip.GzipFile(filename="", mode="wb", fileobj=sink,
                                               compresslevel=9, mtime=0) as gz:
        gz.write(raw)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT,
                        help="where to write the tarball (default: dist/)")
    args = parser.parse_args(argv)
    try:
        out = build(conformance_root(), args.out_dir)
    except RefImplError as exc:
        print(exc.one_line(), file=sys.stderr)
        return 2
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    print(f"wrote {out} (sha256 {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
