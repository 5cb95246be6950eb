"""Fog service benchmarks (run by `make bench`, not by `make test`).

A single-search-key view ``Query`` over gRPC and the attested NX channel against an in-process
view store at oblivious-map capacities 2^16 and 2^20, and through a router over two stores;
``IngestEnclave.ingest_txs`` on a chunk of TxOuts at the local network's and MobileCoin's
default user capacity. The workloads are those of ``refimpl/fog/bench.py`` (which also runs
them in one go: ``tools/bench/fog_bench.py``, ``mcref bench fog``) on its ``QUICK`` sizes;
``extra_info`` carries the ratio to MobileCoin's figures. ORAM against dict lookups are in
tools/bench/test_bench_fog_oram.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from itertools import cycle
from typing import Any

import pytest

from refimpl.fog.bench import (
    BENCH_SGX_SEED,
    MOBILECOIN_INGEST_TXOS_PER_S,
    MOBILECOIN_VIEW_QUERY_S,
    QUICK,
    ingest_tx_outs,
    single_key_queries,
    start_view_router,
    start_view_store,
    view_connection,
    view_database,
)
from refimpl.fog.enclave import SIM_FOG_INGEST_CODE, FogEnclave
from refimpl.fog.ingest.config import DEFAULT_USER_CAPACITY
from refimpl.fog.ingest_enclave import IngestEnclave
from refimpl.fog.localnet import LOCAL_USER_CAPACITY
from refimpl.fog.types import TxOutSearchResultCode

U64_MAX = 2**64 - 1


def _median(benchmark: Any) -> float | None:
    stats = benchmark.stats
    return None if stats is None or not stats.stats.rounds else float(stats.stats.median)


@pytest.fixture(scope="module")
def database() -> Iterator[tuple[str, list[bytes]]]:
    with view_database(QUICK) as opened:
        yield opened


@pytest.fixture(scope="module")
def servers() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


def _time_queries(benchmark: Any, address: str, stack: ExitStack, keys: list[bytes]) -> None:
    conn = view_connection(stack, address)
    queries = cycle(single_key_queries(keys, len(keys)))
    conn.conn.attest()
    response = benchmark(lambda: conn.query(next(queries)))
    assert [r.result_code for r in response.tx_out_search_results
            or response.fixed_tx_out_search_results] == [TxOutSearchResultCode.FOUND]
    median = _median(benchmark)
    if median is not None:
        benchmark.extra_info["ratio_to_mobilecoin_0.14s"] = round(
            median / MOBILECOIN_VIEW_QUERY_S, 4)


@pytest.mark.parametrize("log2_capacity", [16, 20])
def test_view_store_query(benchmark: Any, database: tuple[str, list[bytes]],
                          servers: ExitStack, log2_capacity: int) -> None:
    url, keys = database
    store = start_view_store(servers, url, 1 << log2_capacity, "default", QUICK.blocks)
    benchmark.extra_info["records"] = len(keys)
    _time_queries(benchmark, store.address, servers, keys)


def test_view_router_query(benchmark: Any, database: tuple[str, list[bytes]],
                           servers: ExitStack) -> None:
    url, keys = database
    split = QUICK.blocks // 2
    stores = [start_view_store(servers, url, 1 << 20, f"0-{split}", split),
              start_view_store(servers, url, 1 << 20, f"{split}-{U64_MAX}", QUICK.blocks)]
    router = start_view_router(servers, stores)
    _time_queries(benchmark, router.address, servers, keys)


@pytest.mark.parametrize("user_capacity", [LOCAL_USER_CAPACITY, DEFAULT_USER_CAPACITY])
def test_ingest_chunk(benchmark: Any, user_capacity: int) -> None:
    host = FogEnclave(code=SIM_FOG_INGEST_CODE, sgx_seed=BENCH_SGX_SEED, index=0,
                      responder_id="127.0.0.1:3226")
    enclave = IngestEnclave(host, user_capacity=user_capacity)
    chunk = ingest_tx_outs(enclave.ingress_public_key(), QUICK.chunk_tx_outs, QUICK.fog_users)
    result = benchmark(lambda: enclave.ingest_txs(0, 0, chunk, 1_700_000_000))
    assert len(result.records) == len(chunk)
    median = _median(benchmark)
    if median is not None:
        rate = len(chunk) / median
        benchmark.extra_info["tx_outs_per_s"] = round(rate, 1)
        benchmark.extra_info["ratio_to_mobilecoin"] = round(rate / MOBILECOIN_INGEST_TXOS_PER_S, 4)
