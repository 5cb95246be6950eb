"""Regenerate conformance/MANIFEST.json: every file of the conformance kit described.

Usage: ``python tools/gen_conformance_manifest.py [--check]``. One entry per file under
conformance/ (but the manifest itself): path, sha256, size, kind, schema, format, origin
(``ours`` or ``mobilecoin``), the MobileCoin commit of upstream files (from
conformance/upstream/mobilecoin/SOURCE.md), our version and the number of tests
(refimpl/vectors/catalog.py; docs/conformance.md, "The manifest"). Run it after any change
under conformance/ (``make vectors`` does). ``--check`` exits 1 when the committed manifest
differs from a fresh generation.
"""

from __future__ import annotations

import argparse
import sys

from refimpl.resources import conformance_root
from refimpl.vectors.catalog import MANIFEST, build_manifest, render_json, write_or_check


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file")
    args = parser.parse_args(argv)
    root = conformance_root()
    text = render_json(build_manifest(root))
    return write_or_check(
        root / MANIFEST, text, args.check, "python tools/gen_conformance_manifest.py"
    )


if __name__ == "__main__":
    sys.exit(main())
