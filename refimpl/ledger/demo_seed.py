"""The seed of the deterministic demo ledger (``mcref ledger init``; refimpl/ledger/origin.py).

A module of its own, importing nothing, so that the command line can show the default without
importing the ledger and crypto code.
"""

from __future__ import annotations

#: Seed of the demo origin block, its accounts and its block signer.
DEFAULT_SEED = b"mcref-demo"
