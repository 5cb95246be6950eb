"""The compact text form of a step model (``--format text``): per step, its number and action,
one line per node whose state changed (``n2: phase NOMINATE_PREPARE → PREPARE, H ⊥ →
⟨1,{1}⟩``), one line per delivered message (``n1 ← n2: PREP ⟨1,{1}⟩ ...``) and, for SCP, one
summary line of every node (``| n1 PREP B⟨1,{1}⟩ P⟨1,{1}⟩ H⟨1,{1}⟩ C⊥ | n2 ...``)."""

from __future__ import annotations

from refimpl.formal import scp_view
from refimpl.formal.steps import Change, Step, StepModel

_LEGEND_HEX = 12  # hex characters of a value shown in the legend


def change_lines(changes: tuple[Change, ...]) -> list[str]:
    """Node-variable changes of one node joined on one line; every other change on its own."""
    lines: list[str] = []
    by_node: dict[str, list[str]] = {}
    for change in changes:
        if len(change.path) == 2 and change.path[0] in scp_view.NODE_VARS:
            node = change.path[1]
            if node not in by_node:
                by_node[node] = []
                lines.append(node)  # placeholder, filled below
            by_node[node].append(change.text.split(": ", 1)[1])
        else:
            lines.append("\0" + change.text)
    return [line[1:] if line.startswith("\0") else f"{line}: " + ", ".join(by_node[line])
            for line in lines]


def summary_line(step: Step) -> str:
    return "| " + " | ".join(scp_view.summary_text(node, s) for node, s in step.summary.items())


def step_lines(step: Step, *, indent: str = "    ") -> list[str]:
    where = ""
    if step.extra.get("seq") is not None:
        where = f"  [seq {step.extra['seq']}, slot {step.extra.get('slot')}, " \
                f"{step.extra.get('time_ms')} ms]"
    lines = [f"{step.index:>3}. {step.action}{where}"]
    lines += [indent + line for line in change_lines(step.changes)]
    if step.summary:
        lines.append(indent + summary_line(step))
    return lines


def model_lines(model: StepModel) -> list[str]:
    lines: list[str] = []
    if model.nodes:
        byz = f" (Byzantine: {' '.join(model.byzantine)})" if model.byzantine else ""
        lines.append(f"nodes: {' '.join(model.nodes)}{byz}")
    if model.legend:
        lines.append("values: " + ", ".join(
            f"{name} = {value[:_LEGEND_HEX]}{'…' if len(value) > _LEGEND_HEX else ''}"
            for name, value in model.legend.items()))
    for step in model.steps:
        lines += step_lines(step)
    return lines
