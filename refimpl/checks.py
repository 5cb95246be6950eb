"""The one result type of the ``mcref check`` entries (``make run``).

Every layer that contributes checks exposes ``CHECKS: list[Check]``; ``refimpl/cli/check.py``
runs them in order. A :class:`CheckResult` is still a 3-tuple, so ``ok, lines, detail =
check()`` keeps working.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple


class CheckResult(NamedTuple):
    """What one check found: pass/fail, its summary lines, and its JSON detail."""

    ok: bool
    lines: list[str]
    detail: dict[str, Any]


#: ``(name, function)``: a named check, run by ``mcref check``.
Check = tuple[str, Callable[[], CheckResult]]
