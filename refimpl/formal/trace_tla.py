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

TLA_INFINITY = 2**31 - 1
FORMAT = "mcref-scp-trace/1"
EVENTS = ("propose", "receive", "timeout", "send", "externalize")


@attrs.frozen
class TraceModule:
    """The generated module text and, per trace position (1-based), the original step."""

    text: str
    seqs: tuple[int, ...]  # seqs[i - 1] is the trace ``seq`` of TLA+ position i
    slot: int
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
        return f"[from |-> {_tla_string(sender)}, m |-> [{record}]]"

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


_NO_MSG = ('[from |-> "", m |-> [type |-> "NONE", X |-> {}, Y |-> {}, B |-> [n |-> 0, x |-> {}],'
           ' P |-> [n |-> 0, x |-> {}], PP |-> [n |-> 0, x |-> {}], CN |-> 0, HN |-> 0,'
           ' PN |-> 0, q |-> [t |-> 0, v |-> {}, i |-> {}]]]')
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


def trace_module(objects: list[dict[str, Any]], slot: int | None = None) -> TraceModule:
    """Build the ``TraceData`` module for one slot of a parsed trace."""
    if not objects or objects[0].get("kind") != "header":
        raise _bad("the first line must be the header")
    header = objects[0]
    if header.get("format") != FORMAT:
        raise _bad(f"unknown trace format {header.get('format')!r} (expected {FORMAT})")
    qsets = _need(header, "nodes", dict, "header")
    if not all(isinstance(q, dict) for q in qsets.values()):
        raise _bad("header: every node needs a quorum set object")
    byzantine = header.get("byzantine", [])
    variant = header.get("variant", "correct")
    if (not isinstance(byzantine, list) or not all(isinstance(b, str) for b in byzantine)
            or variant not in ("correct", "mobilecoin")):
        raise _bad("header: malformed 'byzantine' or 'variant'")
    for number, obj in enumerate(objects[1:], start=2):
        if not isinstance(obj, dict):
            raise _bad(f"line {number}: not a JSON object")
    steps = [o for o in objects[1:] if o.get("kind") == "step"]
    for step in steps:
        where = f"step {step.get('seq')}"
        _need(step, "seq", int, where)
        _need(step, "node", str, where)
        _need(step, "slot", int, where)
        if not isinstance(step.get("args", {}), dict):
            raise _bad(f"{where}: args must be an object")
        if _need(step, "event", str, where) not in EVENTS:
            raise _bad(f"{where}: unknown event {step['event']!r}")
        if step["node"] not in qsets:
            raise _bad(f"{where}: node {step['node']!r} is not in the header")
    if slot is None:
        slot = min((s["slot"] for s in steps), default=1)
    kept = []
    for step in steps:
        if step["slot"] != slot:
            continue
        if step["node"] in byzantine and step["event"] != "send":
            continue
        msg = step.get("args", {}).get("msg")
        if step["event"] in ("send", "receive"):
            if not isinstance(msg, dict):
                raise _bad(f"step {step['seq']}: {step['event']} without args.msg")
            if msg.get("slot_index") != slot:
                continue
        kept.append(step)
    mentioned: set[str] = set()
    _collect_values(kept, mentioned)
    values = tuple(sorted(mentioned))
    encoder = _Encoder(values)
    entries = []
    for step in kept:
        where = f"step {step['seq']}"
        args = step.get("args") or {}
        msg = encoder.message(args["msg"], where) if "msg" in args else _NO_MSG
        byz = bool(step.get("byzantine")) or step["node"] in byzantine
        state = _NO_STATE if byz else encoder.state(step.get("state"), where)
        entry_values = encoder.value_set(args.get("values", []), where)
        entries.append(
            f"[node |-> {_tla_string(step['node'])}, event |-> {_tla_string(step['event'])}, "
            f"byz |-> {'TRUE' if byz else 'FALSE'}, values |-> {entry_values}, "
            f"msg |-> {msg}, st |-> {state}]")
    qset_entries = [f"{_tla_string(n)} :> {encoder.qset(q, f'quorum set of {n}')}"
                    for n, q in sorted(qsets.items())]
    honest = sorted(set(qsets) - set(byzantine))
    node_set = "{" + ", ".join(_tla_string(n) for n in sorted(qsets)) + "}"
    lines = [
        "------------------------------ MODULE TraceData ------------------------------",
        "\\* Generated by refimpl/formal/trace_tla.py from an mcref SCP trace; do not edit.",
        f"\\* Slot {slot}; values by rank: "
        + ", ".join(f"{i + 1} = {v[:16]}" for i, v in enumerate(values[:20])),
        "EXTENDS Naturals, Sequences, TLC",
        f"TNode == {node_set}",
        "TByz == {" + ", ".join(_tla_string(n) for n in sorted(byzantine)) + "}",
        "TIntact == {" + ", ".join(_tla_string(n) for n in honest) + "}",
        f"TValue == 1 .. {len(values)}",
        "TProposals == [n \\in TNode \\ TByz |-> TValue]",
        f"TMaxCounter == {encoder.max_counter}",
        f"TVariant == {_tla_string(variant)}",
        "TQSet == " + (" @@ ".join(f"({e})" for e in qset_entries) or "<<>>"),
        "Trace == <<",
        ",\n".join("  " + e for e in entries),
        ">>",
        "=" * 79,
        "",
    ]
    return TraceModule(text="\n".join(lines), seqs=tuple(s["seq"] for s in kept), slot=slot,
                       nodes=tuple(sorted(qsets)), values=values)
