"""Render a TLC run or an SCP trace for a person: ``text``, ``json`` or ``html``.

:func:`render_tlc_result` is the whole output of ``mcref tlc run --format FMT`` (outcome, state
counts, the violated invariant and the counterexample as steps); :func:`render_trace` is the
output of ``mcref trace show``.  Both go through the step model of :mod:`refimpl.formal.steps`
(TLC) or :mod:`refimpl.formal.trace_steps` (traces); :mod:`refimpl.formal.render_text` and
:mod:`refimpl.formal.render_html` print it.  JSON holds values as structured JSON
(:mod:`refimpl.formal.tla_value`), never TLA+ text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from refimpl.errors import FormalError
from refimpl.formal import render_html, render_text
from refimpl.formal.steps import StepModel, steps_from_tlc
from refimpl.formal.trace_steps import steps_from_trace

if TYPE_CHECKING:
    from refimpl.formal.tlc import TlcResult

FORMATS = ("text", "json", "html")


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise FormalError("formal.unknown_format",
                          f"unknown output format {fmt!r} (one of {', '.join(FORMATS)})")


def _dump(payload: object) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def tlc_facts(result: TlcResult) -> list[str]:
    """The outcome, state-count and invariant lines of a TLC run."""
    rate = result.states_per_second
    facts = [f"outcome: {result.outcome} (exit code {result.exit_code})",
             f"states: {result.generated} generated, {result.distinct} distinct, depth "
             f"{result.depth}, {result.seconds:.1f} s"
             + (f", {rate:,.0f} states/s" if rate else "")]
    queue = getattr(result, "queue", None)  # figures of RUNNER's TlcResult (tlc_output.py)
    if getattr(result, "partial", False):
        facts.append(f"stopped after {result.seconds:.1f} s before TLC finished: partial "
                     "figures of its last progress report"
                     + (f", {queue:,} states left on the queue" if queue is not None else ""))
    if result.violated_invariant:
        facts.append(f"violated invariant: {result.violated_invariant}")
    facts += [f"tlc: {error}" for error in result.errors]
    return facts


def _model_json(model: StepModel) -> dict[str, Any]:
    return {"nodes": list(model.nodes), "byzantine": list(model.byzantine),
            "legend": dict(model.legend)}


def render_tlc_result(result: TlcResult, fmt: str) -> str:
    """The whole report of one TLC run in ``fmt`` (text | json | html)."""
    _check_format(fmt)
    model = steps_from_tlc(result.counterexample)
    if fmt == "json":
        payload = result.to_json()
        payload["counterexample"] = [step.to_json() for step in model.steps]
        payload.update(_model_json(model))
        return _dump(payload)
    facts = tlc_facts(result)
    if fmt == "html":
        title = f"TLC: {result.outcome}" + (
            f" ({result.violated_invariant})" if result.violated_invariant else "")
        return render_html.html_page(title, facts, model)
    lines = list(facts)
    if model.steps:
        lines.append(f"counterexample: {len(model.steps)} states")
        lines += render_text.model_lines(model)
    return "\n".join(lines) + "\n"


def render_trace(objects: Iterable[Mapping[str, Any]], fmt: str, *,
                 slot: int | None = None, name: str = "trace") -> str:
    """A trace of ``mcref scp simulate --trace`` / ``mcref trace merge`` in ``fmt``."""
    _check_format(fmt)
    objects = list(objects)
    model = steps_from_trace(objects, slot)
    header = objects[0]
    verdict = next((o for o in objects if o.get("kind") == "verdict"), None)
    facts = [f"{name}: {header.get('format')}, variant {header.get('variant')}, seed "
             f"{header.get('seed')}, {len(model.steps)} steps"
             + (f" of slot {slot}" if slot is not None else "")]
    if verdict is not None:
        facts.append(f"verdict: agreement {verdict.get('agreement')}, "
                     f"{verdict.get('messages')} messages, {verdict.get('time_ms')} ms")
    if fmt == "json":
        return _dump({"trace": name, "slot": slot, "verdict": verdict, **_model_json(model),
                      "steps": [step.to_json() for step in model.steps]})
    if fmt == "html":
        return render_html.html_page(f"SCP trace {name}", facts, model)
    return "\n".join(facts + render_text.model_lines(model)) + "\n"
