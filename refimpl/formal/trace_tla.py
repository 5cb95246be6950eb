"""Turn an ``mcref scp simulate --trace`` ndjson file into the TLA+ module ``TraceData``.

The trace format is fixed by docs/scp-interface.md ("Traces"); the module is read by
spec/scp/TraceSCP.tla (trace validation after Cirstea et al., arXiv 2404.16075, within TLC 2.15's
limits of docs/tlc.md: no Json module, the trace is a constant sequence of records). Encoding
choices:

* node ids become TLA+ strings; values (lowercase hex) become their rank 1..k in byte order,
  so ``SetLess`` in SCP.tla orders value sets as MobileCoin orders byte vectors;
* ballots become ``[n |-> counter, x |-> {ranks}]``, absent ballots the zero ballot; counters
  at or above 2^31 (MobileCoin's INFINITY is 2^32-1) become :data:`TLA_INFINITY`, TLC's
  largest integer;
* messages become the single record shape of SCP.tla (``NoMsg`` with the topic's fields and
  the advertised quorum set ``q``, which a Byzantine sender may lie about);
* one slot is validated (the first by default); steps of other slots, receives of messages for
  other slots, and steps of Byzantine nodes other than their sends are left out, and the kept
  steps remember their ``seq`` so a rejection names the original step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

from refimpl import safe_json
from refimpl.errors import FormalError
from refimpl.formal.trace_frame import read_frame, require_slot, slots_of

TLA_INFINITY = 2**31 - 1
FORMAT = "mcref-scp-trace/1"
EVENTS = ("propose", "receive", "timeout", "send", "externalize")


@attrs.frozen
class TraceSlot:
    """One trace-slot of a module: which trace (index into the batch), which slot, and the
    ``seq`` of each of its entries (TLA+ position i is ``seqs[i - 1]``)."""

    trace: int
    slot: int
    seqs: tuple[int, ...]


@attrs.frozen
class TraceModule:
    """The generated module text and its trace-slots (``Traces[i]`` is ``traces[i - 1]``)."""

    text: str
    traces: tuple[TraceSlot, ...]
    nodes: tuple[str, ...]
    values: tuple[str, ...]  # hex values in rank order (rank = index + 1)


def _bad(message: str) -> FormalError:
    return FormalError("formal.bad_trace", message)


def read_ndjson(path: Path) -> list[dict[str, Any]]:
    """Read a trace file; unreadable or non-JSON lines are ``formal.bad_trace``."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(f"{path}: {exc}") from None
    return parse_ndjson(text.splitlines())


def parse_ndjson(lines: Iterable[str]) -> list[dict[str, Any]]:
    objects = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = safe_json.parse(line)
        except ValueError as exc:
            raise _bad(f"line {number}: not JSON ({exc})") from None
        if not isinstance(obj, dict):
            raise _bad(f"line {number}: not a JSON object")
        objects.append(obj)
    return objects


def _tla_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _need(obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(obj, dict) or key not in obj or not isinstance(obj[key], kind):
        raise _bad(f"{where}: missing or malformed field {key!r}")
    return obj[key]


class _Encoder:
    """Encodes trace JSON pieces as TLA+ expressions, ranking values as it goes."""

    def __init__(self, values: Sequence[str]) -> None:
        self.rank = {v: i + 1 for i, v in enumerate(values)}
        self.max_counter = 1

    def value_set(self, items: Any, where: str) -> str:
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            raise _bad(f"{where}: a value set must be a list of hex strings")
        unknown = [v for v in items if v not in self.rank]
        if unknown:
            raise _bad(f"{where}: value {unknown[0]!r} outside the trace's value set")
        return "{" + ", ".join(str(self.rank[v]) for v in sorted(set(items))) + "}"

    def counter(self, n: Any, where: str) -> str:
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise _bad(f"{where}: a counter must be a natural number")
        if n >= 2**31:
            return str(TLA_INFINITY)
        self.max_counter = max(self.max_counter, n)
        return str(n)

    def ballot(self, b: Any, where: str) -> str:
        if b is None:
            return "[n |-> 0, x |-> {}]"
        counter = _need(b, "counter", int, where)
        values = _need(b, "values", list, where)
        return f"[n |-> {self.counter(counter, where)}, x |-> {self.value_set(values, where)}]"

    def qset(self, q: Any, where: str) -> str:
        threshold = _need(q, "threshold", int, where)
        members = _need(q, "members", list, where)
        nodes = [m for m in members if isinstance(m, str)]
        inner = [m for m in members if isinstance(m, dict)]
        if len(nodes) + len(inner) != len(members):
            raise _bad(f"{where}: a quorum set member must be a node id or a quorum set")
        return (f"[t |-> {threshold}, v |-> {{{', '.join(_tla_string(n) for n in nodes)}}}, "
                f"i |-> {{{', '.join(self.qset(i, where) for i in inner)}}}]")

    def message(self, msg: Any, where: str) -> str:
        sender = _need(msg, "sender", str, where)
        topic = _need(msg, "topic", dict, where)
        kind = _need(topic, "type", str, where)
        fields = {"type": '"NONE"', "X": "{}", "Y": "{}", "B": self.ballot(None, where),
                  "P": self.ballot(None, where), "PP": self.ballot(None, where),
                  "CN": "0", "HN": "0", "PN": "0",
                  "q": self.qset(_need(msg, "quorum_set", dict, where), where)}

        def nominate(part: Any) -> None:
            fields["X"] = self.value_set(_need(part, "X", list, where), where)
            fields["Y"] = self.value_set(_need(part, "Y", list, where), where)

        def prepare(part: Any) -> None:
            fields["B"] = self.ballot(_need(part, "B", dict, where), where)
            fields["P"] = self.ballot(part.get("P"), where)
            fields["PP"] = self.ballot(part.get("PP"), where)
            fields["CN"] = self.counter(_need(part, "CN", int, where), where)
            fields["HN"] = self.counter(_need(part, "HN", int, where), where)

        if kind == "Nominate":
            fields["type"] = '"NOM"'
            nominate(topic)
        elif kind == "NominatePrepare":
            fields["type"] = '"NOMPREP"'
            nominate(_need(topic, "nominate", dict, where))
            prepare(_need(topic, "prepare", dict, where))
        elif kind == "Prepare":
            fields["type"] = '"PREP"'
            prepare(topic)
        elif kind == "Commit":
            fields["type"] = '"COMMIT"'
            fields["B"] = self.ballot(_need(topic, "B", dict, where), where)
            for key in ("PN", "CN", "HN"):
                fields[key] = self.counter(_need(topic, key, int, where), where)
        elif kind == "Externalize":
            fields["type"] = '"EXT"'
            fields["B"] = self.ballot(_need(topic, "C", dict, where), where)
            fields["HN"] = self.counter(_need(topic, "HN", int, where), where)
        else:
            raise _bad(f"{where}: unknown topic type {kind!r}")
        record = ", ".join(f"{k} |-> {v}" for k, v in fields.items())
        slot = _need(msg, "slot_index", int, where)
        return f"[from |-> {_tla_string(sender)}, slot |-> {slot}, m |-> [{record}]]"

    def state(self, st: Any, where: str) -> str:
        if not isinstance(st, dict):
            raise _bad(f"{where}: missing state")
        phase = _need(st, "phase", str, where)
        if phase not in ("NOMINATE_PREPARE", "PREPARE", "COMMIT", "EXTERNALIZE"):
            raise _bad(f"{where}: unknown phase {phase!r}")
        parts = [f"phase |-> {_tla_string(phase)}"]
        parts += [f"{k} |-> {self.value_set(_need(st, k, list, where), where)}"
                  for k in ("X", "Y", "Z")]
        for key in ("B", "P", "PP", "H", "C"):
            if key not in st:
                raise _bad(f"{where}: state lacks {key!r}")
            parts.append(f"{key} |-> {self.ballot(st[key], where)}")
        return "[" + ", ".join(parts) + "]"


_NO_MSG = ('[from |-> "", slot |-> 0, m |-> [type |-> "NONE", X |-> {}, Y |-> {},'
           ' B |-> [n |-> 0, x |-> {}], P |-> [n |-> 0, x |-> {}], PP |-> [n |-> 0, x |-> {}],'
           ' CN |-> 0, HN |-> 0, PN |-> 0, q |-> [t |-> 0, v |-> {}, i |-> {}]]]')
_NO_STATE = ('[phase |-> "NOMINATE_PREPARE", X |-> {}, Y |-> {}, Z |-> {},'
             ' B |-> [n |-> 0, x |-> {}], P |-> [n |-> 0, x |-> {}], PP |-> [n |-> 0, x |-> {}],'
             ' H |-> [n |-> 0, x |-> {}], C |-> [n |-> 0, x |-> {}]]')


def _collect_values(obj: Any, into: set[str]) -> None:
    """Every hex value mentioned anywhere under the value-carrying keys of a step."""
    if isinstance(obj, dict):
        for key, item in obj.items():
            if key in ("values", "X", "Y", "Z") and isinstance(item, list):
                into.update(v for v in item if isinstance(v, str))
            else:
                _collect_values(item, into)
    elif isinstance(obj, list):
        for item in obj:
            _collect_values(item, into)


def _header_constants(header: dict[str, Any]) -> tuple[dict[str, Any], list[str], str]:
    """The header's quorum sets, Byzantine nodes and variant (``formal.bad_trace`` if not)."""
    qsets = _need(header, "nodes", dict, "header")
    if not all(isinstance(q, dict) for q in qsets.values()):
        raise _bad("header: every node needs a quorum set object")
    byzantine = header.get("byzantine", [])
    variant = header.get("variant", "correct")
    if (not isinstance(byzantine, list) or not all(isinstance(b, str) for b in byzantine)
            or variant not in ("correct", "mobilecoin")):
        raise _bad("header: malformed 'byzantine' or 'variant'")
    return qsets, byzantine, variant


def _check_step(step: dict[str, Any], qsets: dict[str, Any]) -> None:
    where = f"step {step.get('seq')}"
    _need(step, "node", str, where)
    _need(step, "slot", int, where)
    if not isinstance(step.get("args", {}), dict):
        raise _bad(f"{where}: args must be an object")
    if _need(step, "event", str, where) not in EVENTS:
        raise _bad(f"{where}: unknown event {step['event']!r}")
    if step["node"] not in qsets:
        raise _bad(f"{where}: node {step['node']!r} is not in the header")
    if step["event"] in ("send", "receive") and not isinstance(step["args"].get("msg"), dict):
        raise _bad(f"{where}: {step['event']} without args.msg")
    if step["event"] == "timeout" and step["args"].get("timer") not in ("nominate", "ballot"):
        raise _bad(f"{where}: a timeout names no known timer")


@attrs.frozen
class _Kept:
    step: dict[str, Any]
    net_only: bool  # a send of another slot: it only enters the network


def _slot_steps(steps: Sequence[dict[str, Any]], slot: int) -> list[_Kept]:
    """A slot's steps in file order, with the other slots' sends as network-only entries (a
    receive must name a message sent before it, of any slot)."""
    return [_Kept(s, s["slot"] != slot) for s in steps
            if s["slot"] == slot or s["event"] == "send"]


def trace_module(objects: list[dict[str, Any]], slot: int | None = None) -> TraceModule:
    """The ``TraceData`` module of every slot of one parsed trace (or of ``slot``)."""
    return batch_module([objects], slot)


def batch_module(traces: Sequence[list[dict[str, Any]]], slot: int | None = None) -> TraceModule:
    """One ``TraceData`` module holding every slot (or ``slot``) of several parsed traces with
    the same nodes, quorum sets, Byzantine nodes and variant: TLC checks them in one run, each
    trace-slot an initial state of its own. Only the steps before the trace's frame failure
    (:mod:`refimpl.formal.trace_frame`) are encoded."""
    if not traces:
        raise _bad("no trace to validate")
    constants = None
    kept: list[tuple[int, int, list[_Kept]]] = []
    for index, objects in enumerate(traces):
        if not objects or not isinstance(objects[0], dict) or \
                objects[0].get("kind") != "header":
            raise _bad("the first line must be the header")
        header = objects[0]
        if header.get("format") != FORMAT:
            raise _bad(f"unknown trace format {header.get('format')!r} (expected {FORMAT})")
        mine = _header_constants(header)
        if constants is not None and mine != constants:
            raise _bad("traces batched into one module must share nodes, Byzantine nodes "
                       "and variant")
        constants = mine
        for number, obj in enumerate(objects[1:], start=2):
            if not isinstance(obj, dict):
                raise _bad(f"line {number}: not a JSON object")
        steps = [o for o in objects[1:] if o.get("kind") == "step"]
        for step in steps:
            _need(step, "seq", int, f"step {step.get('seq')}")
            _check_step(step, mine[0])
        frame = read_frame(objects)
        require_slot(frame, slot)
        for each in [slot] if slot is not None else (slots_of(frame) or [1]):
            kept.append((index, each, _slot_steps(frame.steps, each)))
    assert constants is not None
    qsets, byzantine, variant = constants
    mentioned: set[str] = set()
    _collect_values([k.step for _, _, ks in kept for k in ks], mentioned)
    values = tuple(sorted(mentioned))
    encoder = _Encoder(values)
    traces_text = []
    for _, _each, ks in kept:
        entries = [_entry(encoder, k, byzantine) for k in ks]
        traces_text.append("  <<\n" + ",\n".join("    " + e for e in entries) + ">>")
    qset_entries = [f"{_tla_string(n)} :> {encoder.qset(q, f'quorum set of {n}')}"
                    for n, q in sorted(qsets.items())]
    honest = sorted(set(qsets) - set(byzantine))
    node_set = "{" + ", ".join(_tla_string(n) for n in sorted(qsets)) + "}"
    lines = [
        "------------------------------ MODULE TraceData ------------------------------",
        "\\* Generated by refimpl/formal/trace_tla.py from mcref SCP traces; do not edit.",
        "\\* Values by rank: "
        + ", ".join(f"{i + 1} = {v[:16]}" for i, v in enumerate(values[:20])),
        "EXTENDS Naturals, Sequences, TLC",
        f"TNode == {node_set}",
        "TByz == {" + ", ".join(_tla_string(n) for n in sorted(byzantine)) + "}",
        "TIntact == {" + ", ".join(_tla_string(n) for n in honest) + "}",
        f"TValue == 1 .. {len(values)}",
        "TProposals == [n \\in TNode \\ TByz |-> TValue]",
        f"TMaxCounter == {TLA_INFINITY}",
        f"TVariant == {_tla_string(variant)}",
        "TQSet == " + (" @@ ".join(f"({e})" for e in qset_entries) or "<<>>"),
        "TSlots == <<" + ", ".join(str(each) for _, each, _ in kept) + ">>",
        "Traces == <<",
        ",\n".join(traces_text),
        ">>",
        "=" * 79,
        "",
    ]
    return TraceModule(
        text="\n".join(lines),
        traces=tuple(TraceSlot(index, each, tuple(k.step["seq"] for k in ks))
                     for index, each, ks in kept),
        nodes=tuple(sorted(qsets)), values=values)


def _entry(encoder: _Encoder, kept: _Kept, byzantine: list[str]) -> str:
    step = kept.step
    where = f"step {step['seq']}"
    args = step.get("args") or {}
    msg = encoder.message(args["msg"], where) if "msg" in args else _NO_MSG
    byz = bool(step.get("byzantine"))
    skip_state = byz or kept.net_only or step["node"] in byzantine
    state = _NO_STATE if skip_state else encoder.state(step.get("state"), where)
    entry_values = encoder.value_set(args.get("values", []), where)
    return (f"[seq |-> {step['seq']}, node |-> {_tla_string(step['node'])}, "
            f"event |-> {_tla_string(step['event'])}, byz |-> {'TRUE' if byz else 'FALSE'}, "
            f"netonly |-> {'TRUE' if kept.net_only else 'FALSE'}, values |-> {entry_values}, "
            f"msg |-> {msg}, st |-> {state}]")
