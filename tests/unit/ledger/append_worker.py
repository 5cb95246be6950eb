"""A separate process appending small synthetic blocks to an existing ledger (for
test_snapshot_concurrency.py and test_journal.py).

``python -m tests.unit.ledger.append_worker DIR COUNT SEED [SIGN_EVERY]``: opens DIR read-write,
prints ``ready N``, appends COUNT blocks of one output and one key image (every SIGN_EVERY-th
signed, 0: none), printing ``appended INDEX`` after each, then ``done N``. When another process
appends between this one's ``block_for`` and ``append_block`` the append is refused (the block no
longer follows the tip) and the same contents are retried on the new tip.
"""

from __future__ import annotations

import sys

from refimpl.errors import LedgerError
from refimpl.ledger.signature import sign, signing_key_from_bytes
from refimpl.ledger.store import LedgerStore
from refimpl.ledger.synthetic import SyntheticSource

KEY = signing_key_from_bytes(bytes(range(7, 39)))
#: Refusals that only mean "another writer appended first".
RACE_CODES = {"ledger.bad_block_index", "ledger.bad_parent_id", "ledger.bad_root_element",
              "ledger.bad_cumulative_txo_count"}


def main(path: str, count: int, seed: str, sign_every: int) -> None:
    source = SyntheticSource(seed.encode())
    with LedgerStore.open(path) as store:
        print(f"ready {store.num_blocks()}", flush=True)
        for k in range(count):
            contents = source.contents(1, 1)
            while True:
                block = store.block_for(contents)
                signed = sign_every and k % sign_every == 0
                try:
                    store.append_block(block, contents, sign(block, KEY) if signed else None)
                    break
                except LedgerError as exc:
                    if exc.code not in RACE_CODES:
                        raise
            print(f"appended {block.index}", flush=True)
        print(f"done {store.num_blocks()}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 0)
