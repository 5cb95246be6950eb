"""Reading a case's ``input`` (and a vector file's fields) with typed refusals.

A field of the wrong JSON type is ``conformance.bad_case_input``; a hex string that does not
decode, or has the wrong length, is the codec's own refusal (``encoding.*``), because some
vectors test exactly that refusal (docs/conformance.md, "Operations").
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from refimpl.codec import parse_hex
from refimpl.errors import ConformanceError

Json = Mapping[str, Any]


def bad_input(message: str) -> ConformanceError:
    return ConformanceError("conformance.bad_case_input", message)


def field(obj: Json, key: str) -> Any:
    if not isinstance(obj, Mapping) or key not in obj:
        raise bad_input(f"input lacks {key!r}")
    return obj[key]


def text(obj: Json, key: str) -> str:
    value = field(obj, key)
    if not isinstance(value, str):
        raise bad_input(f"{key} is not a string")
    return value


def hexbytes(obj: Json, key: str, length: int | None = None) -> bytes:
    return parse_hex(text(obj, key), length, key)


def integer(obj: Json, key: str) -> int:
    """A JSON number without fraction, or a decimal string (integers beyond 53 bits)."""
    value = field(obj, key)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise bad_input(f"{key} is not an integer")
    return value


def items(obj: Json, key: str) -> list[Any]:
    value = field(obj, key)
    if not isinstance(value, list):
        raise bad_input(f"{key} is not an array")
    return value


def hex_list(obj: Json, key: str, length: int | None = None) -> list[bytes]:
    values = items(obj, key)
    if not all(isinstance(v, str) for v in values):
        raise bad_input(f"{key} is not an array of hex strings")
    return [parse_hex(v, length, key) for v in values]


def byte_array(obj: Json, key: str) -> bytes:
    """MobileCoin's JSON-lines byte fields: an array of integers 0..255."""
    value = items(obj, key)
    if not all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b < 256 for b in value):
        raise bad_input(f"{key} is not a byte array")
    return bytes(value)


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each non-empty line of a JSON-lines file."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if line.strip():
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConformanceError(
                    "conformance.bad_vector_file", f"{path.name}:{number}: {exc}"
                ) from exc
            if not isinstance(value, dict):
                raise ConformanceError(
                    "conformance.bad_vector_file", f"{path.name}:{number}: not a JSON object")
            yield number, value
