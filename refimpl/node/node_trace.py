"""A running node's spec-level SCP trace, and merging the traces of a network run.

Each node process appends the steps its SCP core reports (docs/scp-interface.md "Traces") to
its own ndjson file, ``<scp_debug_dump>/trace-<node>-<start>.ndjson`` (MobileCoin's
``--scp-debug-dump`` writes the node's SCP messages for the same purpose). Its header names
only the node's own quorum set; ``time_ms`` is wall-clock milliseconds since the network's
trace epoch, so the files of one machine's processes can be merged.

:func:`merge_traces` builds one trace of the whole run: the union of the headers, then every
step in time order, except that a ``receive`` is never placed before the ``send`` of the same
message by its sender (clocks of two processes may tie); ``seq`` is renumbered and the verdict
line states agreement over every slot that two or more nodes externalized.

A node killed and restarted loses its SCP state (MobileCoin keeps none across restarts). Steps
of the incarnation that died in the middle of a slot and of the one that rejoined that slot
cannot both be explained as one honest node: the merge reports such (node, slot) pairs in the
verdict line under ``amnesia`` so a validator can leave that slot out or treat the node as
faulty there; a node restarted between slots is an ordinary honest node.
"""

from __future__ import annotations

import heapq
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from refimpl import safe_json
from refimpl.consensus.scp.types import QuorumSet
from refimpl.consensus.sim.trace import FORMAT, canonical_line, value_set_hash
from refimpl.errors import FormalError


class NodeTrace:
    """Appends one node's trace lines to a file (thread-safe, flushed per line)."""

    def __init__(self, path: Path, node_id: str, quorum_set: QuorumSet, variant: str,
                 incarnation: int, byzantine: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._stream: IO[str] = path.open("a")
        self._lock = threading.Lock()
        self.path = path
        self._write({"kind": "header", "format": FORMAT, "config": {"source": "node"},
                     "seed": 0, "variant": variant, "nodes": {node_id: quorum_set.to_json()},
                     "byzantine": [node_id] if byzantine else [],
                     "incarnation": incarnation})

    def _write(self, obj: dict[str, Any]) -> None:
        with self._lock:
            self._stream.write(canonical_line(obj) + "\n")
            self._stream.flush()

    def steps(self, steps: Iterable[dict[str, Any]], time_ms: int) -> None:
        """Write the steps of one SCP input (``seq`` is the node-local order)."""
        for step in steps:
            self._write({"kind": "step", "seq": 0, **step, "time_ms": time_ms})

    def byzantine_sends(self, steps: Iterable[dict[str, Any]], time_ms: int) -> None:
        """A Byzantine node's trace: only its sends, marked (docs/scp-interface.md)."""
        for step in steps:
            if step["event"] == "send":
                self._write({"kind": "step", "seq": 0, **step, "time_ms": time_ms,
                             "byzantine": True})

    def close(self) -> None:
        with self._lock:
            self._stream.close()


def _bad(message: str) -> FormalError:
    return FormalError("formal.bad_trace", message)


def read_trace_file(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One node's trace file: its header and its steps, as written so far (a partial last
    line, from a process killed or still writing, is left out)."""
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(f"{path}: {exc}") from None
    objects = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            objects.append(safe_json.parse(line))
        except ValueError:
            # a process killed mid-write leaves at most one partial last line
            if number == len(lines):
                break
            raise _bad(f"{path}: line {number} is not JSON") from None
    if not all(isinstance(obj, dict) for obj in objects):
        raise _bad(f"{path}: every line must be a JSON object")
    if not objects or objects[0].get("kind") != "header":
        raise _bad(f"{path}: the first line must be a header")
    return objects[0], [o for o in objects[1:] if o.get("kind") == "step"]


def _msg_key(msg: dict[str, Any]) -> str:
    return canonical_line(msg)


def merge_traces(paths: Sequence[Path]) -> list[dict[str, Any]]:
    """One trace of a network run from its nodes' trace files (see the module docstring).
    A file whose lines lack the fields of a header or a step, or hold them with other types,
    is ``formal.bad_trace`` (the files are the CLI's input: ``mcref trace merge``)."""
    try:
        return _merge(paths)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise _bad(f"a trace file is malformed ({type(exc).__name__}: {exc})") from None


def _merge(paths: Sequence[Path]) -> list[dict[str, Any]]:
    if not paths:
        raise _bad("no trace files to merge")
    nodes: dict[str, Any] = {}
    byzantine: set[str] = set()
    variant = None
    streams: list[list[dict[str, Any]]] = []
    incarnation_of: list[tuple[str, int]] = []
    for path in paths:
        header, steps = read_trace_file(path)
        for node, qset in header.get("nodes", {}).items():
            if nodes.setdefault(node, qset) != qset:
                raise _bad(f"{path}: node {node} appears with two quorum sets")
        if variant is not None and header.get("variant") != variant:
            raise _bad(f"{path}: variant differs from the other files'")
        variant = header.get("variant")
        byzantine.update(header.get("byzantine", []))
        streams.append(steps)
        (node,) = header["nodes"] if len(header.get("nodes", {})) == 1 else (None,)
        incarnation_of.append((str(node), int(header.get("incarnation", 0))))
    sent: set[tuple[str, str]] = set()
    heap: list[tuple[int, int, int, int]] = []
    for i, steps in enumerate(streams):
        if steps:
            heapq.heappush(heap, (int(steps[0].get("time_ms", 0)), 0, i, 0))
    waiting: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    out: list[dict[str, Any]] = []

    def emit(i: int, j: int) -> None:
        step = streams[i][j]
        out.append(step)
        if step["event"] == "send":
            key = (step["node"], _msg_key(step["args"]["msg"]))
            sent.add(key)
            for wi, wj in waiting.pop(key, []):
                emit(wi, wj)
                _advance(wi, wj)

    def _advance(i: int, j: int) -> None:
        if j + 1 < len(streams[i]):
            nxt = streams[i][j + 1]
            heapq.heappush(heap, (int(nxt.get("time_ms", 0)), 0, i, j + 1))

    while heap:
        _, _, i, j = heapq.heappop(heap)
        step = streams[i][j]
        if step["event"] == "receive":
            msg = step["args"]["msg"]
            key = (msg["sender"], _msg_key(msg))
            if key not in sent:
                waiting[key].append((i, j))
                continue
        emit(i, j)
        _advance(i, j)
    stuck = sum(len(v) for v in waiting.values())
    if stuck:
        raise _bad(f"{stuck} receive steps name messages no trace file sent")
    for seq, step in enumerate(out):
        step["seq"] = seq
    return [{"kind": "header", "format": FORMAT, "config": {"source": "network"}, "seed": 0,
             "variant": variant, "nodes": nodes, "byzantine": sorted(byzantine)},
            *out, _verdict(out, streams, incarnation_of)]


def _verdict(out: list[dict[str, Any]], streams: list[list[dict[str, Any]]],
             incarnation_of: list[tuple[str, int]]) -> dict[str, Any]:
    externalized: dict[str, dict[int, str]] = defaultdict(dict)
    for step in out:
        if step["event"] == "externalize":
            externalized[step["node"]][step["slot"]] = value_set_hash(
                bytes.fromhex(v) for v in step["args"]["values"])
    agreement = all(
        len({by_slot[s] for by_slot in externalized.values() if s in by_slot}) <= 1
        for s in {s for by_slot in externalized.values() for s in by_slot})
    slots_of: dict[tuple[str, int], set[int]] = defaultdict(set)
    for (node, incarnation), steps in zip(incarnation_of, streams, strict=True):
        for step in steps:
            slots_of[(step["node"], step["slot"])].add(incarnation)
        del node
    amnesia = sorted([node, slot] for (node, slot), inc in slots_of.items() if len(inc) > 1)
    return {"kind": "verdict", "agreement": agreement,
            "externalized": {n: [by[s] for s in sorted(by)] for n, by in externalized.items()},
            "messages": sum(1 for s in out if s["event"] == "send"),
            "time_ms": max((int(s.get("time_ms", 0)) for s in out), default=0),
            "amnesia": amnesia}
