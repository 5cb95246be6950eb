"""Shared output helpers for the CLI: JSON documents and plain-text tables on stdout."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from refimpl.textfmt import format_table


def print_json(document: Any) -> None:
    """One JSON document on stdout, keys in insertion order, ending with a newline."""
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """:func:`refimpl.textfmt.format_table` on stdout."""
    sys.stdout.write(format_table(headers, rows) + "\n")
