"""The user's set of KexRngs: one per ingest RNG, each at the next search key not yet found.

MobileCoin ``fog/view/protocol/src/user_rng_set.rs`` (``UserRngSet``). Fog view tells the client
the public keys of the ingest enclaves' egress RNGs (``RngRecord``); the client derives the same
RNG from each with its default-subaddress view private key
(:meth:`~refimpl.fog.kex_rng.VersionedKexRng.from_kex_pubkey`) and keeps it at the first output
that fog has not yet reported found. The set also keeps the two cursors a poll advances: the
highest processed block count fog vouched for (never moved backwards) and the next user-event
id to ask for.

Matching search results (``ingest_tx_out_search_results``): every ``Found`` result is filed under
its search key; then each RNG takes, while its current output is filed, that payload and
advances. A result code other than ``Found`` / ``NotFound``, and a ``Found`` key no RNG reached,
are reported as errors without stopping the match (as in MobileCoin, a poll gathers as much as
it can). Decryption is left to the caller: the payloads (a ``Found`` result's ciphertext, without
padding) come back in match order.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from refimpl.crypto.ristretto import Scalar
from refimpl.errors import FogError, RefImplError
from refimpl.fog.kex_rng import VersionedKexRng
from refimpl.fog.types import RngRecord, TxOutSearchResultCode
from refimpl.fog.view.messages import TxOutSearchResult


@attrs.frozen
class FoundPayload:
    """A ``Found`` payload matched to an RNG: which RNG (its public key) and at what index."""

    rng_pubkey: bytes
    rng_index: int
    payload: bytes


class UserRngSet:
    """RNGs by their ``RngRecord`` public key, and the poll cursors."""

    def __init__(self) -> None:
        self.rngs: dict[bytes, VersionedKexRng] = {}
        #: blocks fog view has vouched for: every output of ours below this count was found
        self.highest_processed_block_count = 0
        #: the user-event id the next first query starts from
        self.next_start_from_user_event_id = 0

    def ingest_rng_record(self, view_private: Scalar, record: RngRecord) -> None:
        """Add the RNG of ``record`` unless its public key is already known (an RNG keeps its
        progress). An unknown version or a bad point is the KexRng's typed error."""
        key = record.pubkey.public_key
        if key not in self.rngs:
            self.rngs[key] = VersionedKexRng.from_kex_pubkey(record.pubkey, view_private)

    def indices(self) -> dict[bytes, int]:
        """RNG public key -> current index (how many of its outputs were found)."""
        return {key: rng.index for key, rng in self.rngs.items()}

    def ingest_search_results(
        self, results: Iterable[TxOutSearchResult]
    ) -> tuple[list[FoundPayload], list[RefImplError]]:
        """Match ``Found`` results to the RNGs, advancing each past what it found."""
        errors: list[RefImplError] = []
        found: dict[bytes, bytes] = {}
        for result in results:
            if result.result_code == TxOutSearchResultCode.FOUND:
                found[result.search_key] = result.ciphertext
            elif result.result_code != TxOutSearchResultCode.NOT_FOUND:
                errors.append(_search_failure(result))
        matched: list[FoundPayload] = []
        for key, rng in self.rngs.items():
            while (payload := found.pop(rng.peek(), None)) is not None:
                matched.append(FoundPayload(key, rng.index, payload))
                rng.advance()
        for search_key in found:
            errors.append(FogError("fog.client_unexpected_search_key",
                                   f"fog view found {search_key.hex()}, which no RNG of ours "
                                   "was at"))
        return matched, errors


def _search_failure(result: TxOutSearchResult) -> FogError:
    try:
        name = TxOutSearchResultCode(result.result_code).name
    except ValueError:
        name = f"unknown code {result.result_code}"
    return FogError("fog.client_search_failed",
                    f"fog view answered {name} for search key {result.search_key.hex()}")
