"""The fog ledger enclave: client sessions and the key image store behind them.

MobileCoin ``fog/ledger/enclave/impl/src/lib.rs`` (``SgxLedgerEnclave``: ``enclave_init``
creates the key image store with the configured capacity, ``add_key_image_data`` fills it,
``check_key_images`` decrypts a client's ``CheckKeyImagesRequest``, answers each query from
the store and encrypts the ``CheckKeyImagesResponse``; ``num_blocks``, ``global_txo_count``
and the block versions come from the untrusted host, ``UntrustedKeyImageQueryResponse``).
The enclave's identity and sessions are :class:`refimpl.fog.enclave.FogEnclave` with
:data:`refimpl.fog.enclave.SIM_FOG_LEDGER_CODE`; decryption and encryption happen in
:func:`refimpl.fog.grpc_host.attested_method`, so the methods here take and return plaintext.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

import attrs

from refimpl.errors import FogError
from refimpl.fog.enclave import SIM_FOG_LEDGER_CODE, FogEnclave
from refimpl.fog.ledger.key_image_store import DEFAULT_OMAP_CAPACITY, KeyImageStore
from refimpl.fog.ledger.messages import (
    CheckKeyImagesResponse,
    parse_check_key_images_request,
)
from refimpl.fog.oram.trace import AccessTrace

#: The most a ``CheckKeyImagesResponse`` adds besides its results (four counts).
#: Key image queries one ``CheckKeyImages`` call may hold. MobileCoin sets no bound; here each
#: query costs two ORAM accesses (a few ms in CPython), so a call is capped like ``GetOutputs``
#: (2000), whose answers also fit one attested message (:data:`MAX_PLAINTEXT`).
MAX_KEY_IMAGE_QUERIES = 2000


@attrs.frozen
class KeyImageData:
    """``KeyImageData``: one spent key image as the loader hands it to the enclave."""

    key_image: bytes
    block_index: int
    timestamp: int


@attrs.frozen
class UntrustedKeyImageQueryResponse:
    """``UntrustedKeyImageQueryResponse``: what the host knows and the enclave repeats.
    ``num_blocks`` is the end of the processed block range (blocks whose key images are all
    in the store)."""

    num_blocks: int
    last_known_block_cumulative_txo_count: int
    latest_block_version: int
    max_block_version: int


class LedgerEnclave:
    """One fog ledger enclave. Thread-safe."""

    def __init__(self, *, sgx_seed: bytes, index: int, responder_id: str,
                 omap_capacity: int = DEFAULT_OMAP_CAPACITY,
                 rng: Callable[[int], bytes] = os.urandom,
                 trace: AccessTrace | None = None) -> None:
        self.fog = FogEnclave(code=SIM_FOG_LEDGER_CODE, sgx_seed=sgx_seed, index=index,
                              responder_id=responder_id, rng=rng)
        self.key_image_store = KeyImageStore(omap_capacity, rng=rng, trace=trace)

    def add_key_image_data(self, records: Iterable[KeyImageData]) -> None:
        """Store every record (``fog.ledger_key_image_store_full`` when the map is full)."""
        for record in records:
            self.key_image_store.add_record(record.key_image, record.block_index,
                                            record.timestamp)

    def check_key_images(self, request: bytes,
                         untrusted: UntrustedKeyImageQueryResponse) -> bytes:
        """Answer a ``CheckKeyImagesRequest`` plaintext with a ``CheckKeyImagesResponse``
        plaintext: one fixed-size result per query, in order. Bytes that are not a request are
        ``fog.bad_message``; more than :data:`MAX_KEY_IMAGE_QUERIES` queries
        ``fog.ledger_too_many_queries``."""
        key_images = parse_check_key_images_request(request)
        if len(key_images) > MAX_KEY_IMAGE_QUERIES:
            raise FogError("fog.ledger_too_many_queries",
                           f"{len(key_images)} key images, at most {MAX_KEY_IMAGE_QUERIES}")
        results = tuple(self.key_image_store.find_record(k) for k in key_images)
        return CheckKeyImagesResponse(
            num_blocks=untrusted.num_blocks,
            global_txo_count=untrusted.last_known_block_cumulative_txo_count,
            results=results,
            latest_block_version=untrusted.latest_block_version,
            max_block_version=untrusted.max_block_version,
        ).to_protobuf()
