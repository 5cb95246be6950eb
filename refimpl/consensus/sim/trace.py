"""ndjson traces of simulated SCP runs (docs/scp-interface.md, "Traces").

One JSON object per line, keys sorted, no spaces, so a run is reproducible byte for byte from its
configuration and seed: a ``header`` line (format ``mcref-scp-trace/1``, configuration, seed,
variant, every node's quorum set, the Byzantine nodes), one ``step`` line per spec-level step
(``propose``, ``receive``, ``timeout``, ``send``, ``externalize``; each with the node's slot state
after the step), and a final ``verdict`` line. Trace validation (``refimpl/formal``) and the TLA+
trace module read this format.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import IO, Any

FORMAT = "mcref-scp-trace/1"


def canonical_line(obj: dict[str, Any]) -> str:
    """The canonical one-line JSON form used for every trace line."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def value_set_hash(values: Iterable[bytes]) -> str:
    """``sha256(b"".join(sorted(values)))`` in hex: a stable fingerprint of an externalized set."""
    return hashlib.sha256(b"".join(sorted(values))).hexdigest()


class TraceSink:
    """Where trace lines go. The base class drops them (tracing off costs almost nothing)."""

    enabled = False

    def header(self, **fields: Any) -> None:
        """Write the header line (fields as in the contract, without ``kind``/``format``)."""

    def step(self, time_ms: int, node: str, slot: int, event: str, args: dict[str, Any],
             state: dict[str, Any], byzantine: bool = False) -> None:
        """Write one spec-level step."""

    def verdict(self, **fields: Any) -> None:
        """Write the final verdict line."""


class TraceWriter(TraceSink):
    """Writes the canonical ndjson trace to a text stream, numbering steps from 0."""

    enabled = True

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._seq = 0

    def _write(self, obj: dict[str, Any]) -> None:
        self._stream.write(canonical_line(obj))
        self._stream.write("\n")

    def header(self, **fields: Any) -> None:
        self._write({"kind": "header", "format": FORMAT, **fields})

    def step(self, time_ms: int, node: str, slot: int, event: str, args: dict[str, Any],
             state: dict[str, Any], byzantine: bool = False) -> None:
        line: dict[str, Any] = {
            "kind": "step", "seq": self._seq, "time_ms": time_ms, "node": node, "slot": slot,
            "event": event, "args": args, "state": state,
        }
        if byzantine:
            line["byzantine"] = True
        self._seq += 1
        self._write(line)

    def verdict(self, **fields: Any) -> None:
        self._write({"kind": "verdict", **fields})


def read_trace(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Parse trace lines back into objects (blank lines ignored)."""
    return [json.loads(line) for line in lines if line.strip()]
