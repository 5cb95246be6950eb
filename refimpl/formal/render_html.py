"""One self-contained HTML page of a step model: a message sequence chart.

Each node has a vertical lifeline and time runs downward, one band of fixed height per step.
A delivered message is an arrow from its sender's lifeline at the step that sent it (a trace's
``send``; in a TLC counterexample the step that last changed the sender's state, since an honest
node's message is a function of its state, SCP.tla's MsgOf) to its receiver's lifeline at the
receiving step, labelled with the message type and ballot; red and dashed from a Byzantine
node, drawn within the receiving step when it has no send step (TLC counterexamples).  A local
action is a box on its node's lifeline.  Beside each band are the step's action, its changes
and the per-node summary as a table (the values the step changed highlighted).  Inline SVG and
CSS only: no scripts, no external resources; every text is escaped.
"""

from __future__ import annotations

from html import escape

from refimpl.formal import scp_view
from refimpl.formal.render_text import change_lines
from refimpl.formal.steps import Arrow, Step, StepModel

LANE = 110  # pixels between lifelines
NUMBER = 36  # width of the step-number column
HEAD = 26  # height of the header band (node names)
_SUMMARY_KEYS = ("phase", "B", "P", "H", "C", "externalized")
_STYLE = """
body { font-family: sans-serif; font-size: 13px; margin: 1em; }
div.msc { position: relative; }
div.band { display: flex; box-sizing: border-box; border-top: 1px solid #ddd; overflow: hidden; }
div.band > div { box-sizing: border-box; padding: 2px 6px; overflow: auto; }
div.band > div.num { padding: 2px 0; flex: none; }
div.band > div.lane { padding: 0; flex: none; }
div.band > div.detail { flex: 1 1 28em; min-width: 20em; }
div.band > div.summary { flex: none; width: 48em; }
div.head { font-weight: bold; }
svg.chart { position: absolute; pointer-events: none; }
svg.chart g { pointer-events: auto; }
table.summary { border-collapse: collapse; font-family: monospace; font-size: 12px;
  table-layout: fixed; width: 46em; }
table.summary td, table.summary th { padding: 0 6px; border: 1px solid #eee; overflow: hidden;
  white-space: nowrap; text-overflow: ellipsis; line-height: 14px; }
table.summary tr > :nth-child(1) { width: 3em; }
table.summary tr > :nth-child(2) { width: 11em; }
table.summary td.changed { background: #fff3a0; font-weight: bold; }
.action { font-weight: bold; font-family: monospace; }
ul.changes { margin: 2px 0; padding-left: 1.2em; font-family: monospace; }
code { font-family: monospace; }
"""


def band_height(model: StepModel) -> int:
    """Every step's band: room for the summary table (a header row and a row per node)."""
    return max(56, (len(model.nodes) + 1) * 15 + 14)


def _x(model: StepModel, node: str) -> int:
    return LANE // 2 + model.nodes.index(node) * LANE


def _y(model: StepModel, step_index: int) -> int:
    """The y of a step's arrows and boxes inside the chart (steps are numbered from 1)."""
    return (step_index - 1) * band_height(model) + 22


def _arrow_svg(model: StepModel, arrow: Arrow, y2: int) -> str:
    x1, x2 = _x(model, arrow.sender), _x(model, arrow.receiver)
    sent = arrow.sent_at is not None
    y1 = min(_y(model, arrow.sent_at) + 6, y2) if arrow.sent_at is not None else y2
    colour = "#c00" if arrow.byzantine else "#036"
    dash = ' stroke-dasharray="4 3"' if arrow.byzantine else ""
    # the arrowhead points along the line, ending on the receiver's lifeline
    dx, dy = x2 - x1, y2 - y1
    length = max((dx * dx + dy * dy) ** 0.5, 1.0)
    ux, uy = dx / length, dy / length
    bx, by = x2 - 8 * ux, y2 - 8 * uy
    head = f"{x2},{y2} {bx - 4 * uy:.1f},{by + 4 * ux:.1f} {bx + 4 * uy:.1f},{by - 4 * ux:.1f}"
    sent_text = f" (sent at step {arrow.sent_at})" if sent else ""
    title = escape(f"{arrow.sender} → {arrow.receiver}: {arrow.label}{sent_text}")
    return (f'<g class="msg"><title>{title}</title>'
            f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{colour}" '
            f'stroke-width="1.5"{dash}/><polygon points="{head}" fill="{colour}"/>'
            f'<text x="{(x1 + x2) // 2}" y="{(y1 + y2) // 2 - 4}" text-anchor="middle" '
            f'font-size="10" fill="{colour}" stroke="#fff" stroke-width="3" '
            f'paint-order="stroke">{escape(arrow.label)}</text></g>')


def _box_svg(model: StepModel, node: str, text: str, y: int) -> str:
    x = _x(model, node)
    shown = text if len(text) <= 18 else text[:17] + "…"
    return (f'<g class="act"><title>{escape(text)}</title>'
            f'<rect x="{x - LANE // 2 + 4}" y="{y - 11}" width="{LANE - 8}" height="18" rx="3" '
            f'fill="#fff8dc" stroke="#b8860b"/>'
            f'<text x="{x}" y="{y + 2}" text-anchor="middle" font-size="10">{escape(shown)}'
            f"</text></g>")


def _chart(model: StepModel) -> str:
    """One SVG over the lane column of every band: lifelines, arrows, boxes."""
    width = len(model.nodes) * LANE
    height = len(model.steps) * band_height(model)
    parts = [f'<line x1="{_x(model, n)}" y1="0" x2="{_x(model, n)}" y2="{height}" '
             f'stroke="#999"/>' for n in model.nodes]
    for position, step in enumerate(model.steps, start=1):
        y = _y(model, position)
        for k, arrow in enumerate(step.arrows):
            parts.append(_arrow_svg(model, arrow, y + 12 * k))
        if step.actor in model.nodes:
            parts.append(_box_svg(model, step.actor, step.action.split(" + ")[0], y))
    return (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height}" style="left: {NUMBER}px; top: {HEAD}px">'
            + "".join(parts) + "</svg>")


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


def _band(model: StepModel, step: Step, previous: Step | None) -> str:
    changes = "".join(f"<li>{escape(line)}</li>" for line in change_lines(step.changes))
    where = ""
    if step.extra.get("seq") is not None:
        where = escape(f" seq {step.extra['seq']}, slot {step.extra.get('slot')}, "
                       f"{step.extra.get('time_ms')} ms")
    lane = (f'<div class="lane" style="width: {len(model.nodes) * LANE}px"></div>'
            if model.nodes else "")
    summary = (f'<div class="summary">{_summary_table(step, previous)}</div>'
               if step.summary else "")
    height = f' style="height: {band_height(model)}px"' if model.nodes else ""
    return (f'<div class="band" id="step-{step.index}"{height}>'
            f'<div class="num" style="width: {NUMBER}px">{step.index}</div>{lane}'
            f'<div class="detail"><div class="action">{escape(step.action)}</div>'
            f'<small>{where}</small><ul class="changes">{changes}</ul></div>{summary}</div>')


def _head(model: StepModel) -> str:
    names = "".join(
        f'<text x="{_x(model, n)}" y="17" text-anchor="middle" font-weight="bold" '
        f'fill="{"#c00" if n in model.byzantine else "#000"}">{escape(n)}</text>'
        for n in model.nodes)
    lane = (f'<div class="lane"><svg xmlns="http://www.w3.org/2000/svg" '
            f'width="{len(model.nodes) * LANE}" height="{HEAD - 2}">{names}</svg></div>'
            if model.nodes else "")
    summary = '<div class="summary">summary</div>' if any(s.summary for s in model.steps) else ""
    return (f'<div class="band head" style="height: {HEAD}px">'
            f'<div class="num" style="width: {NUMBER}px">#</div>{lane}'
            f'<div class="detail">action and changes</div>{summary}</div>')


def html_page(title: str, facts: list[str], model: StepModel) -> str:
    """The page: a title, lines of facts (outcome, counts), the legend and the chart."""
    legend = ""
    if model.legend:
        legend = "<p>values: " + ", ".join(
            f"<code>{escape(k)}</code> = <code>{escape(v)}</code>"
            for k, v in model.legend.items()) + "</p>"
    bands = "".join(_band(model, step, model.steps[i - 1] if i else None)
                    for i, step in enumerate(model.steps))
    chart = _chart(model) if model.nodes and model.steps else ""
    facts_html = "".join(f"<p>{escape(f)}</p>" for f in facts)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{escape(title)}</h1>{facts_html}{legend}"
            f'<div class="msc">{_head(model)}{chart}{bands}</div>'
            f"<p><small>Ballots ⟨n,{{values}}⟩, ⊥ = no ballot, ∞ = MobileCoin's INFINITY "
            f"counter; phases {escape(', '.join(scp_view.PHASE_SHORT))}. An arrow starts at "
            f"the step that sent the message and ends at the step that received it."
            f"</small></p></body></html>\n")
