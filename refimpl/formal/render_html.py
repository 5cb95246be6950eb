"""One self-contained HTML page of a step model: a message sequence chart.

Each node has a vertical lifeline (time runs downward, one table row per step); a delivered
message is an arrow from its sender's lifeline to its receiver's (red and dashed when the sender
is Byzantine), labelled with the message type and ballot; a local action is a box on the node's
lifeline; beside each row are the step's action, its changes and the per-node summary as a
table.  Inline SVG and CSS only (no scripts, no external resources); every text is escaped.
"""

from __future__ import annotations

from html import escape

from refimpl.formal import scp_view
from refimpl.formal.steps import Arrow, Step, StepModel

LANE = 110  # pixels between lifelines
ROW = 44  # height of a step's chart
_STYLE = """
body { font-family: sans-serif; font-size: 13px; margin: 1em; }
table.msc { border-collapse: collapse; }
table.msc > tbody > tr > td, table.msc > thead > tr > th { border-top: 1px solid #ddd;
  vertical-align: top; padding: 2px 6px; text-align: left; }
table.msc td.chart, table.msc th.chart { padding: 0; background-repeat: no-repeat; }
table.summary { border-collapse: collapse; font-family: monospace; font-size: 12px; }
table.summary { table-layout: fixed; width: 46em; }
table.summary td, table.summary th { padding: 0 6px; border: 1px solid #eee; overflow: hidden;
  white-space: nowrap; text-overflow: ellipsis; }
table.summary tr > :nth-child(1) { width: 3em; }
table.summary tr > :nth-child(2) { width: 11em; }
table.summary td.changed { background: #fff3a0; font-weight: bold; }
.action { font-weight: bold; font-family: monospace; }
ul.changes { margin: 2px 0; padding-left: 1.2em; font-family: monospace; }
code { font-family: monospace; }
"""


def _x(model: StepModel, node: str) -> int:
    return LANE // 2 + model.nodes.index(node) * LANE


def _lifelines(model: StepModel) -> str:
    """CSS background drawing every lifeline down the whole table cell."""
    if not model.nodes:
        return ""
    images = ", ".join("linear-gradient(#999, #999)" for _ in model.nodes)
    positions = ", ".join(f"{_x(model, n)}px 0" for n in model.nodes)
    return (f' style="background-image: {images}; background-size: 1px 100%; '
            f'background-position: {positions}; width: {len(model.nodes) * LANE}px"')


def _arrow_svg(model: StepModel, arrow: Arrow, y: int) -> str:
    x1, x2 = _x(model, arrow.sender), _x(model, arrow.receiver)
    head = -8 if x2 > x1 else 8
    colour = "#c00" if arrow.byzantine else "#036"
    dash = ' stroke-dasharray="4 3"' if arrow.byzantine else ""
    sent = f" (sent at step {arrow.sent_at})" if arrow.sent_at else ""
    title = escape(f"{arrow.sender} → {arrow.receiver}: {arrow.label}{sent}")
    return (f'<g><title>{title}</title>'
            f'<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{colour}" '
            f'stroke-width="1.5"{dash}/>'
            f'<polygon points="{x2},{y} {x2 + head},{y - 4} {x2 + head},{y + 4}" '
            f'fill="{colour}"/>'
            f'<text x="{(x1 + x2) // 2}" y="{y - 5}" text-anchor="middle" font-size="10" '
            f'fill="{colour}">{escape(arrow.label)}</text></g>')


def _box_svg(model: StepModel, node: str, text: str, y: int) -> str:
    x = _x(model, node)
    shown = text if len(text) <= 18 else text[:17] + "…"
    return (f'<g><title>{escape(text)}</title>'
            f'<rect x="{x - LANE // 2 + 4}" y="{y - 11}" width="{LANE - 8}" height="18" rx="3" '
            f'fill="#fff8dc" stroke="#b8860b"/>'
            f'<text x="{x}" y="{y + 2}" text-anchor="middle" font-size="10">{escape(shown)}'
            f'</text></g>')


def _chart(model: StepModel, step: Step) -> str:
    width = max(len(model.nodes), 1) * LANE
    parts: list[str] = []
    y = 24
    for arrow in step.arrows:
        parts.append(_arrow_svg(model, arrow, y))
        y += 16
    if step.actor in model.nodes:
        parts.append(_box_svg(model, step.actor, step.action.split(" + ")[0], y))
    height = max(ROW, y + 12)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
            + "".join(parts) + "</svg>")


def _header_chart(model: StepModel) -> str:
    width = max(len(model.nodes), 1) * LANE
    names = "".join(
        f'<text x="{_x(model, n)}" y="16" text-anchor="middle" font-weight="bold" '
        f'fill="{"#c00" if n in model.byzantine else "#000"}">{escape(n)}</text>'
        for n in model.nodes)
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="24">{names}</svg>'


_SUMMARY_KEYS = ("phase", "B", "P", "H", "C", "externalized")


def _summary_table(step: Step, previous: Step | None) -> str:
    """The per-node summary; a value that this step changed is highlighted."""
    if not step.summary:
        return ""
    rows = []
    for node, values in step.summary.items():
        before = previous.summary.get(node, {}) if previous is not None else {}
        cells = "".join(
            ('<td class="changed">' if previous and before.get(k) != values.get(k) else "<td>")
            + escape(str(values.get(k) or "")) + "</td>" for k in _SUMMARY_KEYS)
        rows.append(f"<tr><th>{escape(node)}</th>{cells}</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("node", "phase", "B", "P", "H", "C", "ext"))
    return f'<table class="summary"><tr>{head}</tr>{"".join(rows)}</table>'


def _row(model: StepModel, step: Step, previous: Step | None, lifelines: str) -> str:
    changes = "".join(f"<li>{escape(c.text)}</li>" for c in step.changes)
    where = ""
    if step.extra.get("seq") is not None:
        where = escape(f" seq {step.extra['seq']}, slot {step.extra.get('slot')}, "
                       f"{step.extra.get('time_ms')} ms")
    chart = f'<td class="chart"{lifelines}>{_chart(model, step)}</td>' if model.nodes else ""
    return (f'<tr id="step-{step.index}"><td>{step.index}</td>{chart}'
            f'<td><div class="action">{escape(step.action)}</div><small>{where}</small>'
            f'<ul class="changes">{changes}</ul></td>'
            f"<td>{_summary_table(step, previous)}</td></tr>")


def html_page(title: str, facts: list[str], model: StepModel) -> str:
    """The page: a title, lines of facts (outcome, counts), the legend and the chart."""
    lifelines = _lifelines(model)
    legend = ""
    if model.legend:
        legend = "<p>values: " + ", ".join(
            f"<code>{escape(k)}</code> = <code>{escape(v)}</code>"
            for k, v in model.legend.items()) + "</p>"
    head_chart = (f'<th class="chart"{lifelines}>{_header_chart(model)}</th>'
                  if model.nodes else "")
    rows = "".join(_row(model, step, model.steps[i - 1] if i else None, lifelines)
                   for i, step in enumerate(model.steps))
    facts_html = "".join(f"<p>{escape(f)}</p>" for f in facts)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{escape(title)}</h1>{facts_html}{legend}"
            f'<table class="msc"><thead><tr><th>#</th>{head_chart}<th>action and changes</th>'
            f"<th>summary</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<p><small>Ballots ⟨n,{{values}}⟩, ⊥ = no ballot, ∞ = MobileCoin's INFINITY "
            f"counter; phases {escape(', '.join(scp_view.PHASE_SHORT))}.</small></p>"
            "</body></html>\n")
