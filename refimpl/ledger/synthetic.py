"""Synthetic ledger data: well-formed blocks without transactions behind them.

For demos, tests, the durability test and the benchmarks, which need many valid blocks fast.
Outputs are :class:`TxOut` values whose points (target key, public key, commitment) and key
images are uniformly random ristretto points derived from a seed: the store checks structure
(contents hash, ids, unique key images and public keys, the Merkle root), never who can spend,
so such blocks append like real ones. Contents are sorted as consensus sorts them
(``consensus/enclave/impl/src/lib.rs`` ``form_block``): outputs by public key, key images by bytes.
Nobody holds the keys of these outputs; real payments come from refimpl.ledger.apply.
"""

from __future__ import annotations

import hashlib
import struct

from refimpl.crypto.ristretto import Point
from refimpl.ledger.block import BlockContents
from refimpl.transaction.amount import MaskedAmountV1
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.tx_out import TxOut

_LABEL = b"mcref-synthetic-ledger"


class SyntheticSource:
    """A deterministic stream of random points, TxOuts and key images (mutable: a counter)."""

    def __init__(self, seed: bytes) -> None:
        self._seed = bytes(seed)
        self._counter = 0

    def _uniform(self) -> bytes:
        self._counter += 1
        return hashlib.blake2b(
            _LABEL + struct.pack("<Q", self._counter) + self._seed, digest_size=64
        ).digest()

    def point(self) -> Point:
        return Point.from_uniform_bytes(self._uniform())

    def u64(self) -> int:
        return int.from_bytes(self._uniform()[:8], "little")

    def tx_out(self) -> TxOut:
        """A block-version-0 output (V1 masked amount, no memo) to nobody in particular."""
        return TxOut(
            masked_amount=MaskedAmountV1(self.point(), self.u64(), b""),
            target_key=self.point(),
            public_key=self.point(),
            e_fog_hint=EncryptedFogHint.zero(),
        )

    def key_image(self) -> KeyImage:
        return KeyImage(self.point())

    def contents(self, num_outputs: int, num_key_images: int) -> BlockContents:
        """Contents with fresh outputs and key images, sorted as ``form_block`` sorts them."""
        outputs = sorted(
            (self.tx_out() for _ in range(num_outputs)), key=lambda o: o.public_key.to_bytes()
        )
        key_images = sorted(self.key_image() for _ in range(num_key_images))
        return BlockContents(tuple(key_images), tuple(outputs))
