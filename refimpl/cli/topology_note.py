"""What ``--topology`` tells the user: the valid names, and a topology that tolerates no fault.

A network tolerates one faulty (stopped) node when, whichever node stops, every other node
still has a quorum slice among the nodes left running (each one's quorum set is satisfied by
them: refimpl/consensus/scp/quorum.py ``is_quorum_slice_satisfied``), so that SCP can still
confirm; in the SCP paper's terms the stopped node must not be a blocking set of anyone else.
A dense topology of 3 nodes (each needs both others), a ring of 2 and a single node tolerate
none: :func:`no_fault_tolerance_note` says which node's stop halts which.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from refimpl.consensus.scp.types import QuorumSet


def no_fault_tolerance_note(quorum_sets: Mapping[str, QuorumSet]) -> str | None:
    """``None`` when every single node may stop with the rest still live; otherwise a note
    naming a node whose stop halts another (or the single node's)."""
    from refimpl.consensus.scp.quorum import is_quorum_slice_satisfied

    names = list(quorum_sets)
    if len(names) == 1:
        return (f"note: this topology of one node tolerates no faulty node: if {names[0]} "
                "stops, the network halts")
    for stopped in names:
        running = frozenset(names) - {stopped}
        halted = sorted(n for n in running
                        if not is_quorum_slice_satisfied(quorum_sets[n], running))
        if halted:
            return (f"note: this topology tolerates no faulty node: if {stopped} stops, "
                    f"{', '.join(halted)} can no longer reach a quorum")
    return None
