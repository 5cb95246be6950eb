"""SCP protocol core (sans-I/O): quorum sets, messages, quorum searches, slot and node.

Contract: docs/scp-interface.md. MobileCoin sources: ``consensus/scp/src``;
departure from them and from the SCP paper: docs/deviations.md#dev-scp.
"""

from refimpl.consensus.scp.ballot import BallotState
from refimpl.consensus.scp.msg import (
    Commit,
    Externalize,
    Msg,
    Nominate,
    NominatePrepare,
    Prepare,
    Topic,
    Variant,
)
from refimpl.consensus.scp.node import Node, NodeOutput
from refimpl.consensus.scp.quorum import (
    find_blocking_set,
    find_quorum,
    is_quorum_slice_satisfied,
    is_v_blocking,
)
from refimpl.consensus.scp.slot import Slot, SlotOutput
from refimpl.consensus.scp.types import INFINITY, Ballot, NodeID, QuorumSet, Value

__all__ = [
    "INFINITY",
    "Ballot",
    "BallotState",
    "Commit",
    "Externalize",
    "Msg",
    "Node",
    "NodeID",
    "NodeOutput",
    "Nominate",
    "NominatePrepare",
    "Prepare",
    "QuorumSet",
    "Slot",
    "SlotOutput",
    "Topic",
    "Value",
    "Variant",
    "find_blocking_set",
    "find_quorum",
    "is_quorum_slice_satisfied",
    "is_v_blocking",
]
