"""Parsing untrusted JSON: every malformed input is ``encoding.bad_json``, never a crash.

The standard library's :func:`json.loads` fails on hostile input with exceptions that are not
``JSONDecodeError``: a deeply nested array raises ``RecursionError`` (its C scanner recurses
once per level), an integer literal of more than 4300 digits raises ``ValueError`` (CPython's
integer string conversion limit, ``sys.get_int_max_str_digits``), and ``NaN``/``Infinity``
are accepted although RFC 8259 section 6 excludes them. This module turns each into a
:class:`JsonInputError` (a ``ValueError``: :func:`parse`) or a typed
:class:`~refimpl.errors.EncodingError` (``encoding.bad_json``: :func:`loads`), and refuses
documents nested deeper than :data:`MAX_DEPTH`, so that code walking a parsed document
recursively cannot run out of stack either. Every reader of a JSON input file (CLI commands,
network states, manifests, traces, policies, collateral) parses through here.
"""

from __future__ import annotations

from typing import Any

from refimpl.errors import EncodingError

#: Deepest nesting of arrays and objects accepted. Our own formats nest a few levels (an SCP
#: quorum set at most 16 inner sets deep: ``scp.config_too_deep``); 128 leaves room for others.
MAX_DEPTH = 128


class JsonInputError(ValueError):
    """Why :func:`parse` refused its input (a ``ValueError``, as ``json.JSONDecodeError`` is,
    so readers that map ``ValueError`` to their own error code keep working unchanged)."""


def _refuse_constant(name: str) -> Any:
    raise JsonInputError(f"{name} is not a JSON number (RFC 8259 section 6)")


def parse(data: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value of ``data`` (text, or UTF-8 bytes); :class:`JsonInputError` otherwise."""
    import json

    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonInputError(f"not UTF-8 text (byte {exc.start})") from None
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise JsonInputError(
            f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise JsonInputError("nested too deeply") from None
    except JsonInputError:
        raise
    except ValueError as exc:  # an integer beyond CPython's conversion limit
        raise JsonInputError(str(exc).split(";")[0]) from None
    check_depth(value, max_depth)
    return value


def loads(data: str | bytes, what: str = "input", max_depth: int = MAX_DEPTH) -> Any:
    """:func:`parse`, refusals as ``encoding.bad_json`` naming ``what`` and the reason."""
    try:
        return parse(data, max_depth)
    except JsonInputError as exc:
        raise EncodingError("encoding.bad_json", f"{what}: {exc}") from None


def check_depth(value: Any, max_depth: int = MAX_DEPTH) -> None:
    """Refuse a parsed value nested deeper than ``max_depth`` (iteratively: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise JsonInputError(f"nested more than {max_depth} levels deep")
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, (dict, list)))
