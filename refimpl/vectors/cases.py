"""The case model shared by ``mcref conformance run`` and ``mcref conformance drive``.

A vector file is read by its *case source* (``refimpl.vectors.registry.FILES``), a function
``(path, rel) -> list[Case]``. A :class:`Case` is self-contained: its ``input`` holds
everything an implementation needs (JSON values only) and its ``expected`` what a correct one
answers. ``run`` answers each case with our own operations (``refimpl.vectors.operations``),
``drive`` sends it to another implementation over the JSON-lines protocol of
docs/conformance.md; both judge the answer with :func:`judge`.

An *answer* is one of ``{"output": {...}}``, ``{"error": code, "cause"?: code}`` or
``{"unsupported": true}`` (the wire answer without ``type`` and ``id``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from refimpl.errors import RefImplError


@attrs.frozen
class Case:
    """One conformance case (docs/conformance.md, "Cases")."""

    #: ``"<path relative to conformance/>#<tcId or line number>"``, unique over the kit.
    id: str
    #: The operation, e.g. ``"account.keys_from_root_entropy"`` (refimpl.vectors.operations).
    kind: str
    #: The operation's input: JSON values only (bytes as lowercase hex strings).
    input: dict[str, Any]
    #: The output fields a correct implementation returns, or ``{"error": code}`` (and
    #: ``"cause"`` when the refusal names one) for a refusal.
    expected: dict[str, Any]
    #: Why the vector behind this case is malformed ("" when it is not). A defective case
    #: fails by its id without being sent to any implementation.
    defect: str = ""

    def wire(self) -> dict[str, Any]:
        """The ``case`` message of the drive protocol."""
        return {"type": "case", "id": self.id, "kind": self.kind, "input": self.input}


@attrs.frozen
class Structural:
    """A check on a file as a whole (its header, its count, its coverage), reported apart."""

    name: str
    ok: bool
    reason: str = ""


class CaseList(list[Case]):
    """A case source's result: the cases, plus the file's structural checks and a note."""

    def __init__(self, cases: Iterable[Case] = (), structural: Iterable[Structural] = (),
                 note: str = "") -> None:
        super().__init__(cases)
        self.structural = list(structural)
        self.note = note

    def check(self, name: str, ok: bool, reason: str = "") -> None:
        """Record one structural check."""
        self.structural.append(Structural(name, ok, "" if ok else reason or "failed"))


Built = tuple[dict[str, Any], dict[str, Any]]


def build_case(rel: str, suffix: object, kind: str, build: Callable[[], Built]) -> Case:
    """``Case(id, kind, *build())``; a vector that cannot be read becomes a defective case, so
    a malformed line fails by its id instead of stopping the file."""
    try:
        case_input, expected = build()
    except RefImplError as exc:
        return Case(case_id(rel, suffix), kind, {}, {}, defect=exc.one_line())
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        return Case(case_id(rel, suffix), kind, {}, {}, defect=f"{type(exc).__name__}: {exc}")
    return Case(case_id(rel, suffix), kind, case_input, expected)


def case_id(rel: str, suffix: object) -> str:
    """The id of a case of file ``rel``: ``rel#suffix`` (a tcId, a line number, a name)."""
    return f"{rel}#{suffix}"


def _canonical(value: object) -> str:
    """JSON equality: ``true`` differs from ``1``, key order does not matter."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def judge(expected: dict[str, Any], answer: object) -> str | None:
    """``None`` when ``answer`` satisfies ``expected``, else why not (docs/conformance.md,
    "Comparison").

    * ``expected`` names an ``error``: the answer must be an error with that code, and carry
      every other key of ``expected`` (``cause``) with an equal value;
    * otherwise the answer must be ``{"output": {...}}`` whose value equals ``expected`` on
      every key of ``expected`` (extra output keys are ignored).

    A string ``answer`` is the reason the transport could not read one; it fails the case.
    """
    if isinstance(answer, str):  # the transport's reason: a malformed answer line
        return answer
    if not isinstance(answer, dict):
        return "the answer is not a JSON object"
    if answer.get("unsupported") is True:
        return "unsupported"
    if "error" in expected:
        if "error" not in answer:
            return f"expected error {expected['error']}, got an output"
        for key, want in expected.items():
            if _canonical(answer.get(key)) != _canonical(want):
                return f"expected {key} {_canonical(want)}, got {_canonical(answer.get(key))}"
        return None
    if "error" in answer:
        return f"expected an output, got error {_canonical(answer['error'])}"
    output = answer.get("output")
    if not isinstance(output, dict):
        return "the answer has neither output (an object) nor error"
    for key, want in expected.items():
        if key not in output:
            return f"output lacks {key}"
        if _canonical(output[key]) != _canonical(want):
            return f"{key}: expected {_canonical(want)}, got {_canonical(output[key])}"
    return None
