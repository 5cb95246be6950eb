"""Shared test data for the fog client: accounts, TxOuts with real fog hints, and the records a
real ingest enclave makes of them; a fog view answer computed from those records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from refimpl.account.keys import AccountKey
from refimpl.account.public_address import PublicAddress
from refimpl.crypto.chacha_rng import std_rng_from_seed
from refimpl.crypto.ristretto import Point, RandomSource, Scalar
from refimpl.fog.client.polling import NO_EVENTS, Query
from refimpl.fog.enclave import SIM_FOG_INGEST_CODE, FogEnclave
from refimpl.fog.ingest_enclave import IngestEnclave
from refimpl.fog.types import (
    BlockRange,
    ETxOutRecord,
    FixedTxOutSearchResult,
    RngRecord,
    TxOutSearchResultCode,
)
from refimpl.fog.view.messages import QueryResponse, legacy_results, not_found
from refimpl.transaction.amount import Amount
from refimpl.transaction.block_version import MAX_BLOCK_VERSION
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.tx_out import TxOut

SGX_SEED = b"fog client unit tests"
FOG_URL = "insecure-fog://fog.example:3225/"


def rng(seed: int) -> RandomSource:
    return std_rng_from_seed(seed.to_bytes(32, "little"))


def account(seed: int, fog: bool = True) -> AccountKey:
    r = rng(seed)
    return AccountKey(Scalar.random(r), Scalar.random(r), FOG_URL if fog else "")


def ingest_enclave(seed: int = 1) -> IngestEnclave:
    host = FogEnclave(code=SIM_FOG_INGEST_CODE, sgx_seed=SGX_SEED, index=0,
                      responder_id="ingest:3226")
    return IngestEnclave(host, user_capacity=64, rng=rng(10_000 + seed))


def hinted_tx_out(ingress: Point | None, to: PublicAddress, value: int, seed: int,
                  hint_for: PublicAddress | None = None,
                  block_version: int = MAX_BLOCK_VERSION) -> TxOut:
    """A TxOut of ``value`` to ``to`` whose fog hint names ``hint_for`` (default ``to``) to the
    ingest key ``ingress`` (a fake hint when ``ingress`` is None)."""
    r = rng(20_000 + seed)
    hint = (EncryptedFogHint.fake_onetime_hint(r) if ingress is None else
            EncryptedFogHint.encrypt(r, ingress, (hint_for or to).view_public))
    return TxOut.new(block_version, Amount(value), to, Scalar.random(r), hint)


@attrs.define
class ViewData:
    """What a fog view holds, as plain data: RNG records, every ingested record by search key,
    the processed block count, user events (the RNG records, one event each) and the missed
    block ranges (reported with the events)."""

    rng_records: list[RngRecord] = attrs.Factory(list)
    records: dict[bytes, bytes] = attrs.Factory(dict)
    block_count: int = 0
    missed: list[BlockRange] = attrs.Factory(list)
    fixed_only: bool = False
    codes: Mapping[bytes, int] = attrs.Factory(dict)


def answer(data: ViewData, query: Query) -> QueryResponse:
    """The QueryResponse a fog view holding ``data`` gives ``query``: events after the
    query's cursor (event ``i`` is RNG record ``i``, id ``i + 1``), and one fixed-size result
    per search key (Found with the payload, or the code ``data.codes`` names)."""
    cursor = query.start_from_user_event_id
    events = [] if cursor == NO_EVENTS else data.rng_records[max(cursor, 0):]
    fixed = []
    for key in query.search_keys:
        code = data.codes.get(key)
        if code is not None:
            fixed.append(FixedTxOutSearchResult(key, code, bytes(255), 0))
        elif key in data.records:
            payload = data.records[key]
            fixed.append(FixedTxOutSearchResult(key, TxOutSearchResultCode.FOUND,
                                                payload + bytes(255 - len(payload)),
                                                len(payload)))
        else:
            fixed.append(not_found(key))
    return QueryResponse(
        highest_processed_block_count=data.block_count,
        next_start_from_user_event_id=(cursor if cursor == NO_EVENTS
                                       else len(data.rng_records)),
        missed_block_ranges=tuple(data.missed) if cursor != NO_EVENTS else (),
        rng_records=tuple(events),
        tx_out_search_results=() if data.fixed_only else legacy_results(fixed),
        fixed_tx_out_search_results=tuple(fixed),
    )


@attrs.define
class RecordedView:
    """A :class:`~refimpl.fog.client.polling.ViewQuerier` answering from :class:`ViewData`
    (:func:`answer`), keeping the queries it was asked; ``fail_at`` makes the query of that
    number (0-based) raise ``error``."""

    data: ViewData
    asked: list[Query] = attrs.Factory(list)
    fail_at: int | None = None
    error: Exception | None = None

    def query(self, query: Query) -> QueryResponse:
        self.asked.append(query)
        if self.fail_at is not None and len(self.asked) - 1 == self.fail_at:
            assert self.error is not None
            raise self.error
        return answer(self.data, query)


def file_records(data: ViewData, records: Sequence[ETxOutRecord]) -> None:
    for record in records:
        data.records[record.search_key] = record.payload
