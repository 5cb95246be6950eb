"""Append synthetic blocks to a ledger forever; used by test_ledger_durability.py.

``python tests/stateful/ledger_append_loop.py DIR SEED``: opens the existing ledger at DIR,
prints ``ready N`` (N = blocks found), then loops: build the next block (contents derived from
SEED and the block index, so a block is the same whichever run appends it), append it, and
print ``INDEX ID_HEX`` flushed, only AFTER ``append_block`` returned.
"""

from __future__ import annotations

import sys

from refimpl.ledger.store import LedgerStore
from refimpl.ledger.synthetic import SyntheticSource


def main(path: str, seed: str) -> None:
    with LedgerStore.open(path) as store:
        print(f"ready {store.num_blocks()}", flush=True)
        while True:
            index = store.num_blocks()
            source = SyntheticSource(f"{seed}/{index}".encode())
            contents = source.contents(1 + index % 3, 1)
            block = store.block_for(contents)
            store.append_block(block, contents)
            print(f"{index} {block.id.hex()}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
