"""The payment defaults of the client (tombstone distance, how long to wait for a block).

A module of its own, importing nothing, so that ``mcref client pay --help`` can show them
without importing gRPC and the transaction code (refimpl/client/pay.py uses them).
"""

from __future__ import annotations

#: Blocks after the current height at which a payment expires (MobileCoin's clients use 100).
DEFAULT_TOMBSTONE_DELTA = 100
#: Seconds a payment waits to appear in a block.
DEFAULT_TIMEOUT_S = 60.0
