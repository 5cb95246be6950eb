"""Our own adapter for ``mcref conformance drive``: ``python -m refimpl.vectors.adapter``.

It speaks the JSON-lines protocol of docs/conformance.md on stdin/stdout and answers each case
with :func:`refimpl.vectors.operations.perform`, so driving it must give exactly what
``mcref conformance run`` gives. It supports every suite whose operations it has.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import IO, Any

PROTOCOL = 1
IMPLEMENTATION = "mcref (refimpl.vectors.adapter)"

Perform = Callable[[str, dict[str, Any]], dict[str, Any]]


def _write(out: IO[str], message: dict[str, Any]) -> None:
    out.write(json.dumps(message, separators=(",", ":")) + "\n")
    out.flush()


def answer_line(line: str, perform: Perform) -> dict[str, Any] | None:
    """The answer to one ``case`` line (``None`` for ``bye``)."""
    try:
        message = json.loads(line)
    except ValueError:
        return {"type": "answer", "id": None, "error": "conformance.bad_case_input"}
    if not isinstance(message, dict) or message.get("type") == "bye":
        return None
    case_id, kind, case_input = message.get("id"), message.get("kind"), message.get("input")
    if message.get("type") != "case" or not isinstance(kind, str) or not isinstance(
            case_input, dict):
        return {"type": "answer", "id": case_id, "error": "conformance.bad_case_input"}
    return {"type": "answer", "id": case_id, **perform(kind, case_input)}


def serve(stdin: IO[str], stdout: IO[str], supported: list[str], perform: Perform,
          name: str = IMPLEMENTATION) -> int:
    """Answer the hello, then every case until ``bye`` or the end of input."""
    first = stdin.readline()
    try:
        hello = json.loads(first)
    except ValueError:
        hello = None
    if not isinstance(hello, dict) or hello.get("type") != "hello":
        return 2
    offered = hello.get("suites")
    suites = [s for s in offered if s in supported] if isinstance(offered, list) else []
    _write(stdout, {"type": "hello", "protocol": PROTOCOL, "implementation": name,
                    "suites": suites})
    for line in stdin:
        if not line.strip():
            continue
        answer = answer_line(line, perform)
        if answer is None:
            break
        _write(stdout, answer)
    return 0


def our_suites() -> list[str]:
    from refimpl.vectors.runner import known_suites

    return known_suites()


def main() -> int:
    from refimpl.vectors.operations import perform

    return serve(sys.stdin, sys.stdout, our_suites(), perform)


if __name__ == "__main__":
    sys.exit(main())
