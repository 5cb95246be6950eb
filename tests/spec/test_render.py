"""Counterexamples and traces a person can read (refimpl/formal/render*.py, steps.py).

TLC runs MCSCPSplit (Agreement violated) once for the module; its counterexample is rendered
as text (fewer than 150 lines, every step named by an SCP.tla action), JSON (structured values,
no TLA+ text) and HTML (a message sequence chart that parses).  Traces of the conformance
corpus go through ``mcref trace show``.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import attrs
import pytest

from refimpl.cli import main
from refimpl.errors import FormalError
from refimpl.formal import scp_view
from refimpl.formal.render import render_tlc_result, render_trace
from refimpl.formal.scp_view import NodeView
from refimpl.formal.steps import steps_from_tlc
from refimpl.formal.tlc import TlcResult, TlcState, run_tlc
from refimpl.formal.trace_tla import read_ndjson

ROOT = Path(__file__).resolve().parents[2]
SPLIT = ROOT / "spec" / "scp" / "MCSCPSplit.cfg"
TRACES = ROOT / "conformance" / "vectors" / "scp-traces"
_STEP = re.compile(r"^\s*(\d+)\. (.*?)(?:  \[seq \d+.*\])?$")


@pytest.fixture(scope="module")
def split() -> TlcResult:
    result = run_tlc(SPLIT.with_suffix(".tla"), SPLIT, workers=1, timeout_s=120)
    assert result.outcome == "invariant_violated", result.errors
    return result


def _step_lines(text: str) -> list[tuple[int, str]]:
    return [(int(m.group(1)), m.group(2)) for m in map(_STEP.match, text.splitlines()) if m]


def test_split_text_is_short_and_names_every_step(split: TlcResult) -> None:
    text = render_tlc_result(split, "text")
    assert len(text.splitlines()) < 150
    assert "violated invariant: Agreement" in text
    steps = _step_lines(text)
    assert [i for i, _ in steps] == list(range(1, len(split.counterexample) + 1))
    assert steps[0][1] == "Init"
    for _, action in steps[1:]:
        name = action.split("(")[0]
        assert name in scp_view.SCP_ACTIONS, action  # not "Next line 479, col 26 ..."
    assert "line " not in text and "|->" not in text
    # the two halves of the split externalize different values, shown in the last summary
    last_summary = [line for line in text.splitlines() if line.strip().startswith("| ")][-1]
    assert "⇒ {1}" in last_summary and "⇒ {2}" in last_summary
    # a Receive shows the delivered message, a local step the per-node diff
    assert re.search(r"n\d ← n\d: (NOM|NOMPREP|PREP|COMMIT|EXT) ", text)
    assert re.search(r"n\d: phase PREPARE → COMMIT", text)


def test_cli_format_text_under_150_lines(capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's must-show, through the command line (one more TLC run)."""
    assert main(["tlc", "run", str(SPLIT), "--format", "text", "--workers", "1"]) == 1
    out = capsys.readouterr().out
    assert len(out.splitlines()) < 150
    assert "ConfirmCommit(" in out and "Receive(" in out


def test_split_json_holds_structured_values(split: TlcResult) -> None:
    document = json.loads(render_tlc_result(split, "json"))
    assert document["outcome"] == "invariant_violated"
    assert document["violated_invariant"] == "Agreement"
    assert document["nodes"] == ["n1", "n2", "n3", "n4"]
    steps = document["counterexample"]
    assert len(steps) == len(split.counterexample)
    for step in steps:
        assert {"index", "action", "changes", "state", "summary"} <= set(step)
        assert isinstance(step["state"]["phase"], dict)
        assert isinstance(step["state"]["M"]["n1"]["n2"], dict)
    assert "|->" not in json.dumps([s["state"] for s in steps])
    final = steps[-1]
    assert {final["state"]["C"][n]["x"][0] for n in ("n1", "n2", "n3", "n4")} == {1, 2}
    assert final["summary"]["n4"]["phase"] == "EXTERNALIZE"
    receive = next(s for s in steps if s["action"].startswith("Receive("))
    assert receive["messages"][0]["from"] != receive["messages"][0]["to"]
    assert receive["changes"][0]["path"][0] == "M"


class _StrictParser(HTMLParser):
    """Fails on a closing tag that does not close the innermost open element."""

    VOID = {"meta", "br", "img", "input", "hr", "link", "line", "polygon", "rect"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse_html(page: str) -> _StrictParser:
    parser = _StrictParser()
    parser.feed(page)
    parser.close()
    assert parser.stack == []
    return parser


def test_split_html_is_a_sequence_chart(split: TlcResult) -> None:
    page = render_tlc_result(split, "html")
    parser = _parse_html(page)
    assert not re.search(r"<(script|link)\b|src=|href=", page)  # self-contained
    receives = sum(1 for s in steps_from_tlc(split.counterexample).steps
                   if s.action.startswith("Receive("))
    assert page.count('<g class="msg">') == receives  # one arrow per delivered message
    assert page.count('<g class="act">') == len(split.counterexample) - 1 - receives
    assert parser.tags.count("line") == receives + 4  # and a lifeline per node
    # n1 receives n2's NOMPREP at step 2: the arrow starts at step 1 (n2's state then)
    assert re.search(r'<title>n2 → n1: NOMPREP ⟨1,\{1\}⟩ \(sent at step 1\)</title>', page)
    assert "ConfirmCommit(n4)" in "".join(parser.text)
    # the summary cell a step changed is highlighted: n4's phase in the last step
    last_row = page[page.rindex('<div class="band" id="step-'):]
    assert '<th>n4</th><td class="changed">EXTERNALIZE</td>' in last_row


def _trace(nodes: list[str]) -> list[dict[str, object]]:
    a, b = nodes
    qset = {"members": [b], "threshold": 1}
    msg = {"quorum_set": qset, "sender": a, "slot_index": 1,
           "topic": {"B": {"counter": 1, "values": ["00ff"]}, "CN": 0, "HN": 0,
                     "P": None, "PP": None, "type": "Prepare"}}
    state = {"B": {"counter": 1, "values": ["00ff"]}, "C": None, "H": None, "P": None,
             "PP": None, "X": [], "Y": ["00ff"], "Z": ["00ff"], "nominate_round": 1,
             "phase": "NOMINATE_PREPARE"}
    return [
        {"kind": "header", "format": "mcref-scp-trace/1", "variant": "correct", "seed": 1,
         "nodes": {a: qset, b: {"members": [a], "threshold": 1}}, "byzantine": []},
        {"kind": "step", "seq": 0, "time_ms": 0, "node": a, "slot": 1, "event": "send",
         "args": {"msg": msg}, "state": state},
        {"kind": "step", "seq": 1, "time_ms": 5, "node": b, "slot": 1, "event": "receive",
         "args": {"msg": msg}, "state": dict(state, P=state["B"])},
        {"kind": "verdict", "agreement": True, "externalized": {}, "messages": 1,
         "time_ms": 5},
    ]


def test_html_escapes_node_names() -> None:
    page = render_trace(_trace(["n<0&", 'n"1>']), "html", name="x<y>.ndjson")
    parser = _parse_html(page)
    assert "n<0&" not in page and 'n"1>' not in page
    assert "n&lt;0&amp;" in page and "n&quot;1&gt;" in page
    text = "".join(parser.text)
    assert "Receive(n\"1>, n<0&) PREP ⟨1,{v1}⟩" in text
    assert page.count('<g class="msg">') == 1  # the delivered message
    assert "sent at step 1" in text


def test_trace_text_names_events_and_local_actions() -> None:
    text = render_trace(read_ndjson(TRACES / "mesh4.ndjson"), "text")
    actions = [a for _, a in _step_lines(text)]
    assert len(actions) == 99
    assert actions[0] == "propose(n0) {v1} + VoteNominate(n0, v1)"
    assert any(a.startswith("Receive(") and "ConfirmCommit(" in a for a in actions)
    assert sum("externalize(" in a for a in actions) == 4
    assert "values: v1 = 616167776e63…" in text


def test_cli_trace_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trace = TRACES / "mobilecoin_byzantine4.ndjson"
    assert main(["trace", "show", str(trace), "--slot", "2", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["byzantine"] == ["n3"]
    assert {s["slot"] for s in document["steps"]} == {2}
    assert any(m["byzantine"] for s in document["steps"] for m in s["messages"])
    out = tmp_path / "t.html"
    assert main(["trace", "show", str(trace), "--format", "html", "-o", str(out)]) == 0
    _parse_html(out.read_text(encoding="utf-8"))
    assert main(["trace", "show", str(trace), "--slot", "9"]) == 2
    assert "error[formal.bad_trace]" in capsys.readouterr().err


def test_unknown_format_is_a_typed_error(split: TlcResult) -> None:
    with pytest.raises(FormalError) as caught:
        render_tlc_result(split, "pdf")
    assert caught.value.code == "formal.unknown_format"


def _view(**fields: object) -> NodeView:
    return NodeView(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(("before", "after", "names"), [
    (_view(B=(1, ("1",))), _view(B=(2, ("1",))), ["Bump(n1, 2)"]),
    (_view(), _view(W=("1",), X=("1",)), ["Propose(n1, 1)", "VoteNominate(n1, 1)"]),
    (_view(X=("1",)), _view(Y=("1",)), ["AcceptNominate(n1, 1)"]),
    (_view(Y=("1",)), _view(Y=("1",), Z=("1",), B=(1, ("1",))), ["ConfirmNominate(n1, 1)"]),
    (_view(phase="PREPARE", B=(1, ("1",)), P=(1, ("1",)), H=(1, ("1",))),
     _view(phase="PREPARE", B=(1, ("1",)), P=(1, ("1",)), H=(1, ("1",)), C=(1, ("1",))),
     ["VoteCommit(n1)"]),
    (_view(phase="PREPARE", B=(1, ("1",)), C=(1, ("1",)), H=(1, ("1",))),
     _view(phase="COMMIT", B=(1, ("1",)), C=(1, ("1",)), H=(2, ("1",)), P=(2, ("1",))),
     ["AcceptCommit(n1, {1})"]),
    (_view(phase="COMMIT", C=(1, ("1",)), H=(1, ("1",))),
     _view(phase="EXTERNALIZE", C=(1, ("1",)), H=(1, ("1",))), ["ConfirmCommit(n1)"]),
    (_view(B=(1, ("1",))), _view(B=(1, ("1",)), P=(1, ("1",))), ["AcceptPrepare(n1)"]),
    (_view(B=(1, ("1",)), P=(1, ("1",))),
     _view(phase="PREPARE", B=(1, ("1",)), P=(1, ("1",)), H=(1, ("1",))),
     ["ConfirmPrepare(n1)"]),
])
def test_infer_actions(before: NodeView, after: NodeView, names: list[str]) -> None:
    assert scp_view.infer_actions("n1", before, after) == names


def test_generic_spec_keeps_tlc_action_names() -> None:
    states = (
        TlcState(1, "<Initial predicate>", (("sess", '(<<"A", 1>> :> [st |-> "idle"])'),
                                            ("leaked", "FALSE"), ("net", '{"m0", 1}'))),
        TlcState(2, "<AnswerMsg1 line 302, col 15 to line 303, col 63 of module Attest>",
                 (("sess", '(<<"A", 1>> :> [st |-> "ready"])'), ("leaked", "FALSE"),
                  ("net", '{1, [to |-> "B"]}'))),
    )
    result = TlcResult(outcome="invariant_violated", exit_code=12, generated=2, distinct=2,
                       depth=2, seconds=0.1, violated_invariant="Inv", counterexample=states,
                       errors=())
    text = render_tlc_result(result, "text")
    assert "  2. AnswerMsg1" in text
    assert 'sess[<<"A", 1>>].st: "idle" → "ready"' in text
    assert 'net: + [to |-> "B"], − "m0"' in text
    assert "leaked" not in text.split("2. AnswerMsg1")[1]  # unchanged: not shown
    step = json.loads(render_tlc_result(result, "json"))["counterexample"][1]
    assert step["changes"][0] == {"path": ["sess", '<<"A", 1>>', "st"], "before": "idle",
                                  "after": "ready",
                                  "text": 'sess[<<"A", 1>>].st: "idle" → "ready"'}


def test_partial_result_says_it_stopped(split: TlcResult) -> None:
    if "partial" not in attrs.fields_dict(TlcResult):
        pytest.skip("TlcResult has no partial figures yet")
    stopped = attrs.evolve(split, outcome="timeout", exit_code=None, counterexample=(),
                           violated_invariant=None, partial=True, queue=1234)
    text = render_tlc_result(stopped, "text")
    assert text.splitlines()[0] == "outcome: timeout (exit code None)"
    assert "stopped after" in text and "1,234 states left on the queue" in text
    assert json.loads(render_tlc_result(stopped, "json"))["counterexample"] == []
    _parse_html(render_tlc_result(stopped, "html"))


def test_liveness_lasso_is_shown() -> None:
    """TLC's ``2: Back to state: <Reset ...>`` and ``N: Stuttering`` end a lasso."""
    def state(index: int, action: str, x: int | None) -> TlcState:
        return TlcState(index, action, (("x", str(x)),) if x is not None else ())

    states = (state(1, "<Initial predicate>", 0), state(2, "<Up line 5, col 7 to line 5, "
              "col 25 of module Live>", 1), state(3, "<Up line 5, col 7 to line 5, col 25 of "
              "module Live>", 2),
              state(2, "Back to state: <Reset line 6, col 10 to line 6, col 24 of module Live>",
                    None))
    result = TlcResult(outcome="liveness_violated", exit_code=13, generated=4, distinct=3,
                       depth=3, seconds=0.1, violated_invariant=None, counterexample=states,
                       errors=())
    steps = _step_lines(render_tlc_result(result, "text"))
    assert steps[-1] == (4, "Reset ↺ back to state 2")
    assert "x: 2 → 1" in render_tlc_result(result, "text").split("4. Reset")[1]
    stutter = states[:3] + (state(3, "Stuttering", None),)
    last = _step_lines(render_tlc_result(attrs.evolve(result, counterexample=stutter), "text"))
    assert last[-1] == (4, "Stuttering (state 3 repeats forever)")


def test_byzantine_messages_show_their_quorum_set() -> None:
    """A Byzantine node may advertise any quorum set (SCP.tla's QSetIn): its sends show it."""
    assert scp_view.show_qset({"t": 2, "v": ["n1", "n2"], "i": [{"t": 1, "v": ["x"], "i": []}]}) \
        == "2/{n1,n2,1/{x}}"
    assert scp_view.show_qset({"threshold": 2, "members": ["a", {"threshold": 1,
                                                                 "members": ["b", "c"]}]}) \
        == "2/{a,1/{b,c}}"
    assert scp_view.show_qset({"t": 0, "v": [], "i": []}) is None  # SCP.tla's NoQSet
    text = render_trace(read_ndjson(TRACES / "byzantine4.ndjson"), "text")
    sends = [a for _, a in _step_lines(text) if a.startswith("ByzantineSend(n3)")]
    assert sends and all(a.endswith("q=2/{n0,n1,n2}") for a in sends)
    assert not any("q=" in a for _, a in _step_lines(text) if a.startswith("send("))
