"""What the untrusted host sees of ORAM: one entry per bucket it is asked to load or store.

MobileCoin's enclave hands buckets below the tree-top to the host through OCALLs
(``fog/ocall_oram_storage/edl/src/oram_storage.edl``: ``checkout_oram_storage``,
``checkin_oram_storage``); the host learns the allocation, the bucket indices and the byte
sizes, nothing else. :class:`AccessTrace` records exactly that, so tests can check that the
physical trace does not depend on the logical queries.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Kind = Literal["read", "write"]


class TraceEntry(NamedTuple):
    """One bucket crossing the enclave boundary."""

    allocation: int  # the untrusted allocation id (one per ORAM tree)
    bucket: int  # the bucket index inside that allocation
    size: int  # bytes moved: encrypted bucket data plus extended metadata
    kind: Kind


class AccessTrace:
    """An append-only record of untrusted bucket accesses, in order."""

    def __init__(self) -> None:
        self.entries: list[TraceEntry] = []

    def record(self, allocation: int, bucket: int, size: int, kind: Kind) -> None:
        """Append one bucket access."""
        self.entries.append(TraceEntry(allocation, bucket, size, kind))

    def clear(self) -> None:
        """Forget everything recorded so far."""
        self.entries.clear()

    def shape(self) -> list[tuple[int, int, str]]:
        """The trace without bucket indices: (allocation, size, kind) in order."""
        return [(e.allocation, e.size, e.kind) for e in self.entries]

    def __len__(self) -> int:
        return len(self.entries)
