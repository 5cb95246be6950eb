"""Regenerate conformance/error-codes.json from refimpl/errors.py CODES.

Usage: ``python tools/gen_error_codes.py [--check]``. The file maps every stable error code
to its one-line meaning, sorted by code, so an implementation in another language can map its
own errors onto ours without reading Python (docs/conformance.md, "Error codes").
``--check`` exits 1 when the committed file differs from a fresh generation.
"""

from __future__ import annotations

import argparse
import sys

from refimpl.resources import conformance_root
from refimpl.vectors.catalog import (
    ERROR_CODES,
    error_codes_document,
    render_json,
    write_or_check,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file")
    args = parser.parse_args(argv)
    out = conformance_root() / ERROR_CODES
    text = render_json(error_codes_document())
    return write_or_check(out, text, args.check, "python tools/gen_error_codes.py")


if __name__ == "__main__":
    sys.exit(main())
