"""Input files of ``mcref`` commands: one error code per failure kind, for every command.

* a path that does not exist: ``cli.file_not_found`` (for a file, also a dangling symbolic
  link);
* a directory where a file is expected, a file where a directory is expected, or a file the
  OS refuses to read: ``cli.io``;
* content that is not what the command expects: the reader's typed error (for JSON,
  ``encoding.bad_json`` from :mod:`refimpl.safe_json`).

:func:`input_file` and :func:`input_dir` are argparse ``type=`` functions: they raise the
typed error while the command line is parsed, and ``mcref``'s ``main`` reports it as it reports
any other (one ``error[CODE]: message`` line, exit 2).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from refimpl.errors import CliError


def _missing(path: Path) -> CliError:
    return CliError("cli.file_not_found", f"{path}: no such file or directory")


def input_file(text: str) -> Path:
    """An existing regular file (or FIFO/device: something that is not a directory)."""
    path = Path(text)
    if not path.exists():
        raise _missing(path)
    if path.is_dir():
        raise CliError("cli.io", f"{path} is a directory, not a file")
    return path


def input_path(text: str) -> Path:
    """A path that exists, for commands such as ``ledger show`` whose own checks name what
    else is wrong with it: ``cli.file_not_found`` only when a component is missing under
    real directories; a path through a file or a dangling symbolic link (``file/sub``), and
    any path that exists in some form (even a dangling link or a loop), is the command's to
    refuse with its more precise code (e.g. ``ledger.not_a_ledger`` naming the file)."""
    import os

    path = Path(text)
    current = Path(path.anchor or ".")
    for part in path.parts[1 if path.anchor else 0:]:
        current = current / part
        if not os.path.lexists(current):
            raise _missing(path)
        if current != path and not current.is_dir():
            return path
    return path


def input_dir(text: str) -> Path:
    """An existing directory."""
    path = Path(text)
    if not path.exists():
        raise _missing(path)
    if not path.is_dir():
        raise CliError("cli.io", f"{path} is not a directory")
    return path


def read_bytes(path: str | Path) -> bytes:
    """The bytes of an input file, with the errors of :func:`input_file`."""
    path = input_file(str(path))
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise _missing(path) from None
    except OSError as exc:
        raise CliError("cli.io", f"cannot read {path}: {exc.strerror or exc}") from None


def read_json(path: str | Path, what: str | None = None) -> Any:
    """The JSON document of an input file (:func:`refimpl.safe_json.loads`)."""
    from refimpl.safe_json import loads

    return loads(read_bytes(path), what or str(path))


def read_text(path: str | Path) -> str:
    """The UTF-8 text of an input file (``encoding.bad_utf8`` otherwise)."""
    from refimpl.errors import EncodingError

    data = read_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EncodingError("encoding.bad_utf8",
                            f"{path}: not UTF-8 text (byte {exc.start})") from None


def int_in(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type=``: a decimal integer in ``low..high`` (``cli.usage`` otherwise), so
    an absurd count (``--nodes 18446744073709551616``) is refused instead of exhausting memory
    or overflowing a protobuf field."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not in {low}..{high}")
        return value

    parse.__name__ = "int"  # argparse names the type in its messages
    return parse
