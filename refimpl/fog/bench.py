"""Fog benchmarks in one run: view query latency, ingest throughput, the cost of obliviousness.

What is measured (medians and ratios, no thresholds; for ``mcref bench fog`` and
``tools/bench/fog_bench.py``):

1. **View query latency** (p50, p90) of a single-search-key ``Query`` (a client's search round:
   ``QueryRequestAAD {start_from_user_event_id = i64::MAX}``, one key that is stored), end to
   end over gRPC through the attested NX channel (:class:`refimpl.client.attested.
   AttestedConnection`, as :class:`refimpl.fog.client.connections.FogViewConnection` dials it)
   against an in-process :class:`~refimpl.fog.view.server.ViewStoreServer` on 127.0.0.1 over a
   SQLite recovery database, for each ``--omap-capacity``; then through a
   :class:`~refimpl.fog.view.server.ViewRouterServer` over two stores that split the blocks.
   The database holds records written as fog ingest writes them (an ingress key, an ingest
   invocation, blocks of ``ETxOutRecord``s; the payloads are random bytes of an encrypted
   ``TxOutRecord``'s length: the view store never opens them). The same query is also timed in
   process (seal, ``client_open``, the store's ``query``, ``client_seal``, open: what the gRPC
   handler does, without gRPC) and profiled with :mod:`cProfile` there.
   MobileCoin's figure for this query is an average of about 0.14 s at about 7 requests/s with
   ``fog-view-load-test``'s defaults (one worker, one search key) against its alpha network,
   over a WAN and through the router (mobilecoinfoundation/mobilecoin pull request 3357,
   ``fog/view/load-test/src/main.rs``): the report gives our p50 against it as a ratio.
2. **Ingest throughput** (TxOuts/s) of :meth:`refimpl.fog.ingest_enclave.IngestEnclave.
   ingest_txs` on chunks of real TxOuts, most with a fog hint sealed to the enclave's ingress
   key for one of several users and the rest with fake hints, at the local network's user
   capacity (:data:`refimpl.fog.localnet.LOCAL_USER_CAPACITY`) and MobileCoin's default
   (:data:`refimpl.fog.ingest.config.DEFAULT_USER_CAPACITY`); median over chunks. MobileCoin's
   ``fog/load_testing/README.md`` reports 250 TxOuts in about 1.10 s at capacity 2^20 in
   ``SGX_MODE=SW`` (an older architecture): the report gives the ratio to it.
3. **The cost of obliviousness**: :func:`refimpl.fog.oram.bench.bench_view_lookup` (a
   view-shaped oblivious map against a dict holding the same records) for each capacity.

An ORAM lookup touches one bucket of each of the map's two Path ORAMs whatever the key, so its
cost is set by the capacity (the ORAM height), not by how many records are stored; the
``omap_empty_median_ms`` and ``omap_median_ms`` of part 3 show it.

Everything runs in this one Python process (client, servers, router): the client's and the
servers' threads share one interpreter lock, so a query's latency includes the client's work.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import random
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import attrs

from refimpl.account.keys import AccountKey
from refimpl.crypto.chacha_rng import std_rng_from_seed
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.enclave.channel import Frame, client_init
from refimpl.errors import FogError
from refimpl.fog.client.connections import FogViewConnection
from refimpl.fog.client.polling import NO_EVENTS, Query, search_results
from refimpl.fog.client.uri import parse_endpoint
from refimpl.fog.enclave import SIM_FOG_INGEST_CODE, SIM_FOG_VIEW_CODE, FogEnclave, fog_verifier
from refimpl.fog.ingest.config import DEFAULT_USER_CAPACITY
from refimpl.fog.ingest_enclave import IngestEnclave
from refimpl.fog.localnet import LOCAL_USER_CAPACITY
from refimpl.fog.oram.bench import bench_view_lookup
from refimpl.fog.recovery_db import RecoveryDb, open_recovery_db, sqlite_url
from refimpl.fog.types import ETxOutRecord, KexRngPubkey, TxOutSearchResultCode
from refimpl.fog.view.server import (
    ViewRouterConfig,
    ViewRouterServer,
    ViewStoreConfig,
    ViewStoreServer,
)
from refimpl.fog.view.sharding import EpochShardingStrategy
from refimpl.ledger.block import Block
from refimpl.transaction.amount import Amount
from refimpl.transaction.block_version import MAX_BLOCK_VERSION
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.membership_proofs.types import TxOutMembershipElement
from refimpl.transaction.tx_out import TxOut

#: MobileCoin's view query figure (seconds, average; PR 3357, alpha network).
MOBILECOIN_VIEW_QUERY_S = 0.14
#: MobileCoin's ingest figure: 250 TxOuts in 1.101 s at user capacity 2^20, SGX_MODE=SW.
MOBILECOIN_INGEST_TXOS_PER_S = 250 / 1.101
#: An encrypted TxOutRecord's length at the current block version (a view record's payload).
RECORD_PAYLOAD_LEN = 237
BENCH_SGX_SEED = b"mcref fog benchmark"
_FOG_URL = "fog://fog.bench.example"
_BLOCK_VERSION = 3
_U64_MAX = 2**64 - 1
_READY_TIMEOUT_S = 600.0
_REAL_HINTS_PER_FAKE = 3


def _positive(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    values = value if isinstance(value, tuple) else (value,)
    if not values or any(isinstance(v, bool) or not isinstance(v, int) or v < 1
                         for v in values):
        raise FogError("fog.bench_bad_sizes", f"{attribute.name} must be positive: {value!r}")


@attrs.frozen
class FogBenchSizes:
    """The sizes of one run (every count positive, ``fog.bench_bad_sizes``)."""

    omap_capacities: tuple[int, ...] = attrs.field(default=(1 << 16, 1 << 20),
                                                   validator=_positive)
    blocks: int = attrs.field(default=256, validator=_positive)
    records_per_block: int = attrs.field(default=16, validator=_positive)
    queries: int = attrs.field(default=200, validator=_positive)
    user_capacities: tuple[int, ...] = attrs.field(
        default=(LOCAL_USER_CAPACITY, DEFAULT_USER_CAPACITY), validator=_positive)
    fog_users: int = attrs.field(default=16, validator=_positive)
    ingest_chunks: int = attrs.field(default=7, validator=_positive)
    chunk_tx_outs: int = attrs.field(default=50, validator=_positive)
    lookups: int = attrs.field(default=200, validator=_positive)
    profile_queries: int = attrs.field(default=100, validator=_positive)

    @property
    def records(self) -> int:
        return self.blocks * self.records_per_block


#: The full run (a few minutes on 2 cores).
FULL = FogBenchSizes()
#: ``--quick``: the same measurements on fewer records, queries and chunks (well under a minute).
QUICK = FogBenchSizes(blocks=64, records_per_block=8, queries=60, fog_users=4,
                      ingest_chunks=3, chunk_tx_outs=20, lookups=60, profile_queries=30)


# --- the recovery database, as fog ingest fills it -----------------------------------------------
def write_view_records(db: RecoveryDb, blocks: int, records_per_block: int,
                       seed: int = 1) -> list[bytes]:
    """One ingress key and ingest invocation from block 0, then ``blocks`` blocks of
    ``records_per_block`` records each (random search keys and payloads); the search keys."""
    source = random.Random(seed)
    ingress_key = source.randbytes(32)
    db.new_ingress_key(ingress_key, 0)
    invocation = db.new_ingest_invocation(None, ingress_key,
                                          KexRngPubkey(source.randbytes(32), 0), 0)
    keys: list[bytes] = []
    parent = bytes(32)
    for index in range(blocks):
        records = [ETxOutRecord(source.randbytes(16), source.randbytes(RECORD_PAYLOAD_LEN))
                   for _ in range(records_per_block)]
        block = Block(source.randbytes(32), _BLOCK_VERSION, parent, index,
                      records_per_block * (index + 1), TxOutMembershipElement(),
                      source.randbytes(32))
        db.add_block_data(invocation, block, 1_700_000_000 + index, records)
        keys.extend(r.search_key for r in records)
        parent = block.id
    return keys


# --- view servers --------------------------------------------------------------------------------
def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + _READY_TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise FogError("fog.bench_not_ready", f"{what} not ready in {_READY_TIMEOUT_S} s")
        time.sleep(0.05)


def start_view_store(stack: ExitStack, db_url: str, capacity: int, epoch: str,
                     loaded_block_count: int) -> ViewStoreServer:
    """A started store on 127.0.0.1 (stopped by ``stack``), once it has loaded its blocks."""
    server = ViewStoreServer(ViewStoreConfig(
        recovery_db=db_url, sgx_seed=BENCH_SGX_SEED, client_listen_uri="127.0.0.1:0",
        sharding_strategy=EpochShardingStrategy.parse(epoch), omap_capacity=capacity,
        db_polling_interval_ms=50))
    server.start()
    stack.callback(server.stop)
    _wait_until(lambda: server.worker.state().highest_processed_block_count
                == loaded_block_count, f"view store {epoch}")
    return server


def start_view_router(stack: ExitStack, stores: Sequence[ViewStoreServer]) -> ViewRouterServer:
    """A started router on 127.0.0.1 over ``stores`` (stopped by ``stack``)."""
    server = ViewRouterServer(ViewRouterConfig(
        sgx_seed=BENCH_SGX_SEED, shard_uris=tuple(s.uri for s in stores),
        client_listen_uri="127.0.0.1:0"))
    server.start()
    stack.callback(server.stop)
    return server


def view_connection(stack: ExitStack, address: str) -> FogViewConnection:
    """The fog client's attested view connection to ``address`` (closed by ``stack``)."""
    conn = FogViewConnection(parse_endpoint(address, "fog-view"),
                             fog_verifier(BENCH_SGX_SEED, SIM_FOG_VIEW_CODE), Counter(),
                             responder_id=address)
    stack.callback(conn.close)
    return conn


def single_key_queries(keys: Sequence[bytes], count: int) -> list[Query]:
    """``count`` search-round queries of one stored key each, spread over ``keys``."""
    return [Query(NO_EVENTS, 0, (keys[(i * 7919) % len(keys)],)) for i in range(count)]


def _percentiles_ms(times_s: Sequence[float]) -> dict[str, float]:
    ordered = sorted(times_s)
    p90 = ordered[min(len(ordered) - 1, (9 * len(ordered)) // 10)]
    return {"p50_ms": round(statistics.median(ordered) * 1e3, 3),
            "p90_ms": round(p90 * 1e3, 3)}


def time_view_queries(conn: FogViewConnection, queries: Sequence[Query]) -> dict[str, Any]:
    """p50 and p90 (ms) of ``queries`` on an attested connection (attested, and one query
    warmed up, before the clock), and whether every key was found."""
    conn.conn.attest()
    conn.query(queries[0])
    times = []
    found = True
    for query in queries:
        start = time.perf_counter()
        response = conn.query(query)
        times.append(time.perf_counter() - start)
        found &= [r.result_code for r in search_results(response)] == [
            TxOutSearchResultCode.FOUND]
    return {**_percentiles_ms(times), "queries": len(queries), "all_found": found}


class _InProcessQuery:
    """A view query without gRPC: the client's seal and open around what the store's
    ``FogViewAPI.Query`` handler does (``client_open``, the service's query,
    ``client_seal``)."""

    def __init__(self, store: ViewStoreServer) -> None:
        self._fog = store.fog
        self._body = store.service.query
        pending, message1 = client_init(self._fog.responder_id,
                                        fog_verifier(BENCH_SGX_SEED, SIM_FOG_VIEW_CODE),
                                        os.urandom)
        message2, _ = self._fog.client_accept(message1)
        self._session = pending.finish(message2)

    def __call__(self, query: Query) -> bytes:
        session, frame = self._session.seal(query.request(), query.aad())
        plaintext = self._fog.client_open(frame.aad, frame.channel_id, frame.data)
        answer = self._fog.client_seal(frame.channel_id, self._body(plaintext, frame.aad))
        session, data = session.open(Frame(answer.aad, answer.channel_id, answer.data,
                                           session.recv.cipher.n))
        self._session = session
        return data


def _time_in_process(run: _InProcessQuery, queries: Sequence[Query]) -> dict[str, float]:
    run(queries[0])
    times = []
    for query in queries:
        start = time.perf_counter()
        run(query)
        times.append(time.perf_counter() - start)
    return _percentiles_ms(times)


#: Where a query's time goes: (label, file path suffix, function name); cumulative times
#: (cProfile counts a recursive function's outermost call only).
_PROFILE_PARTS = (
    ("oram_access", "fog/oram/path_oram.py", "access"),
    ("aes_ctr", "fog/oram/storage.py", "_ctr64be_xor"),
    ("merkle_hash", "fog/oram/storage.py", "_hash"),
    ("noise_encrypt", "crypto/noise.py", "_aead_encrypt"),
    ("noise_decrypt", "crypto/noise.py", "_aead_decrypt"),
    ("recovery_db", "fog/view/store_service.py", "untrusted_query_response"),
    ("view_enclave_query", "fog/view/enclave.py", "client_query"),
)


def profile_view_query(run: Callable[[Query], bytes], queries: Sequence[Query],
                       top: int = 12) -> dict[str, Any]:
    """:mod:`cProfile` of ``queries`` run in this thread: total milliseconds per query, the
    share of the named parts (ORAM access, within it AES-CTR and Merkle hashing, Noise, the
    recovery database) and the functions with the most own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for query in queries:
        run(query)
    profiler.disable()
    stats = pstats.Stats(profiler)
    entries: dict[tuple[str, int, str], tuple[int, int, float, float, object]]
    entries = stats.stats  # type: ignore[attr-defined]
    total = max(float(stats.total_tt), 1e-12)  # type: ignore[attr-defined]
    per_query = {}
    for label, suffix, name in _PROFILE_PARTS:
        seconds = sum(ct for (path, _line, func), (_cc, _nc, _tt, ct, _callers)
                      in entries.items() if func == name and path.endswith(suffix))
        per_query[label] = {"ms_per_query": round(seconds / len(queries) * 1e3, 3),
                            "share": round(seconds / total, 3)}
    ranked = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)[:top]
    own = [{"function": f"{Path(path).name}:{line}({func})", "calls_per_query":
            round(nc / len(queries), 1), "own_ms_per_query": round(tt / len(queries) * 1e3, 3)}
           for (path, line, func), (_cc, nc, tt, _ct, _callers) in ranked]
    return {"queries": len(queries), "ms_per_query": round(total / len(queries) * 1e3, 3),
            "parts": per_query, "top_own_time": own}


@contextmanager
def view_database(sizes: FogBenchSizes) -> Iterator[tuple[str, list[bytes]]]:
    """A SQLite recovery database in a temporary directory filled by
    :func:`write_view_records`: its URL and the stored search keys."""
    with tempfile.TemporaryDirectory(prefix="mcref-fog-bench-") as directory:
        url = sqlite_url(str(Path(directory) / "recovery.db"))
        with open_recovery_db(url) as db:
            keys = write_view_records(db, sizes.blocks, sizes.records_per_block)
        yield url, keys


def bench_view_queries(sizes: FogBenchSizes) -> dict[str, Any]:
    """Part 1: a store per capacity (gRPC, in process, profile), then a router over two."""
    result: dict[str, Any] = {"records": sizes.records, "blocks": sizes.blocks, "stores": []}
    with view_database(sizes) as (url, keys):
        queries = single_key_queries(keys, sizes.queries)
        for capacity in sizes.omap_capacities:
            with ExitStack() as stack:
                start = time.perf_counter()
                store = start_view_store(stack, url, capacity, "default", sizes.blocks)
                load_s = time.perf_counter() - start
                grpc_times = time_view_queries(view_connection(stack, store.address), queries)
                run = _InProcessQuery(store)
                local = _time_in_process(run, queries)
                entry = {"omap_capacity": capacity, "load_s": round(load_s, 2), **grpc_times,
                         "in_process_p50_ms": local["p50_ms"],
                         "in_process_p90_ms": local["p90_ms"],
                         "ratio_to_mobilecoin": round(
                             grpc_times["p50_ms"] / (MOBILECOIN_VIEW_QUERY_S * 1e3), 4)}
                if capacity == max(sizes.omap_capacities):
                    result["profile"] = {"omap_capacity": capacity, **profile_view_query(
                        run, single_key_queries(keys, sizes.profile_queries))}
                result["stores"].append(entry)
        result["router"] = _bench_router(sizes, url, queries)
    return result


def _bench_router(sizes: FogBenchSizes, url: str, queries: Sequence[Query]) -> dict[str, Any]:
    """A router over two stores of the largest capacity, each holding half of the blocks."""
    capacity = max(sizes.omap_capacities)
    split = max(1, sizes.blocks // 2)
    with ExitStack() as stack:
        low = start_view_store(stack, url, capacity, f"0-{split}", split)
        high = start_view_store(stack, url, capacity, f"{split}-{_U64_MAX}", sizes.blocks)
        router = start_view_router(stack, [low, high])
        times = time_view_queries(view_connection(stack, router.address), queries)
    return {"stores": 2, "omap_capacity": capacity, **times,
            "ratio_to_mobilecoin": round(times["p50_ms"] / (MOBILECOIN_VIEW_QUERY_S * 1e3), 4)}


# --- ingest --------------------------------------------------------------------------------------
def ingest_tx_outs(ingress_public: Point, count: int, users: int, seed: int = 7) -> list[TxOut]:
    """``count`` TxOuts: three in four to one of ``users`` fog users (hint sealed to
    ``ingress_public``), the rest with fake hints (an output of a user without fog)."""
    rng = std_rng_from_seed(seed.to_bytes(32, "little"))
    accounts = [AccountKey(Scalar.random(rng), Scalar.random(rng), _FOG_URL)
                for _ in range(users)]
    tx_outs = []
    for i in range(count):
        recipient = accounts[i % users].default_subaddress()
        if i % (_REAL_HINTS_PER_FAKE + 1) == _REAL_HINTS_PER_FAKE:
            hint = EncryptedFogHint.fake_onetime_hint(rng)
        else:
            hint = EncryptedFogHint.encrypt(rng, ingress_public, recipient.view_public)
        tx_outs.append(TxOut.new(MAX_BLOCK_VERSION, Amount(1000 + i), recipient,
                                 Scalar.random(rng), hint))
    return tx_outs


def bench_ingest(sizes: FogBenchSizes) -> dict[str, Any]:
    """Part 2: TxOuts/s of ``ingest_txs`` per user capacity (median over chunks, after one
    warm-up chunk); every enclave holds the same ingress key (unsealed from the first)."""
    host = FogEnclave(code=SIM_FOG_INGEST_CODE, sgx_seed=BENCH_SGX_SEED, index=0,
                      responder_id="127.0.0.1:3226")
    first = IngestEnclave(host, user_capacity=sizes.user_capacities[0])
    sealed, ingress_public = first.sealed_ingress_private_key()
    chunk = sizes.chunk_tx_outs
    tx_outs = ingest_tx_outs(ingress_public, chunk * (sizes.ingest_chunks + 1), sizes.fog_users)
    chunks = [tx_outs[i * chunk:(i + 1) * chunk] for i in range(sizes.ingest_chunks + 1)]
    runs = []
    for capacity in sizes.user_capacities:
        enclave = IngestEnclave(host, user_capacity=capacity, sealed_ingress_key=sealed)
        rates, cpu_rates = [], []
        rotated = False
        for index, block in enumerate(chunks):
            start, cpu = time.perf_counter(), time.thread_time()
            result = enclave.ingest_txs(index, index * chunk, block, 1_700_000_000 + index)
            elapsed, cpu = time.perf_counter() - start, time.thread_time() - cpu
            rotated |= result.rotated_to is not None
            if index:
                rates.append(len(block) / elapsed)
                cpu_rates.append(len(block) / max(cpu, 1e-9))
        median = statistics.median(rates)
        runs.append({"user_capacity": capacity, "rng_store_capacity": enclave.rng_store_capacity,
                     "chunks": len(rates), "chunk_tx_outs": chunk,
                     "tx_outs_per_s": round(median, 1), "ms_per_tx_out": round(1e3 / median, 3),
                     "cpu_tx_outs_per_s": round(statistics.median(cpu_rates), 1),
                     "egress_rotated": rotated,
                     "ratio_to_mobilecoin": round(median / MOBILECOIN_INGEST_TXOS_PER_S, 4)})
    return {"fog_users": sizes.fog_users, "fake_hint_share": 1 / (_REAL_HINTS_PER_FAKE + 1),
            "runs": runs}


# --- obliviousness -------------------------------------------------------------------------------
def bench_obliviousness(sizes: FogBenchSizes) -> list[dict[str, Any]]:
    """Part 3: :func:`bench_view_lookup` for each capacity, holding as many records as the
    view database."""
    return [bench_view_lookup(capacity, sizes.records, sizes.lookups)
            for capacity in sizes.omap_capacities]


# --- the whole run -------------------------------------------------------------------------------
def _load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run_fog_bench(sizes: FogBenchSizes = FULL, *,
                  progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Parts 1 to 3 in one run: the report (JSON-ready), with the load average before and
    after and the wall time."""
    say = progress or (lambda _text: None)
    started = time.perf_counter()
    report: dict[str, Any] = {"sizes": attrs.asdict(sizes), "load_average_start": _load_average(),
                              "cpus": os.cpu_count(), "part_times": {}}
    parts: list[tuple[str, Callable[[FogBenchSizes], Any]]] = [
        ("view", bench_view_queries), ("ingest", bench_ingest),
        ("obliviousness", bench_obliviousness)]
    for name, part in parts:
        say(name)
        wall, cpu = time.perf_counter(), time.process_time()
        report[name] = part(sizes)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        # this process's CPU over wall time: below 1 (one busy thread) when others took the CPU
        report["part_times"][name] = {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
                                      "cpu_share": round(cpu / wall, 2)}
    report["load_average_end"] = _load_average()
    report["wall_s"] = round(time.perf_counter() - started, 1)
    report["mobilecoin"] = {
        "view_query_s": MOBILECOIN_VIEW_QUERY_S,
        "view_query_source": "mobilecoinfoundation/mobilecoin pull request 3357 (alpha network, "
                             "fog-view-load-test, 1 worker, 1 search key, average)",
        "ingest_tx_outs_per_s": round(MOBILECOIN_INGEST_TXOS_PER_S, 1),
        "ingest_source": "fog/load_testing/README.md (250 TxOuts in 1.101 s, user capacity "
                         "2^20, SGX_MODE=SW)",
    }
    return report


def _log2(value: int) -> str:
    exponent = value.bit_length() - 1
    return f"2^{exponent}" if value == 1 << exponent else str(value)


def report_rows(report: dict[str, Any]) -> list[list[object]]:
    """The report as ``[measure, value]`` rows for a table."""
    view = report["view"]
    rows: list[list[object]] = [
        ["load average at start (1/5/15 min)", " ".join(map(str, report["load_average_start"]))],
        ["view records in the recovery DB", view["records"]],
    ]
    for store in view["stores"]:
        cap = _log2(store["omap_capacity"])
        rows += [
            [f"view query p50 / p90, store {cap}, gRPC + NX (ms)",
             f"{store['p50_ms']} / {store['p90_ms']}"],
            ["  same, in process without gRPC (ms)",
             f"{store['in_process_p50_ms']} / {store['in_process_p90_ms']}"],
            [f"  p50 / MobileCoin {MOBILECOIN_VIEW_QUERY_S} s", store["ratio_to_mobilecoin"]],
        ]
    router = view["router"]
    rows += [
        [f"view query p50 / p90, router over 2 stores {_log2(router['omap_capacity'])} (ms)",
         f"{router['p50_ms']} / {router['p90_ms']}"],
        [f"  p50 / MobileCoin {MOBILECOIN_VIEW_QUERY_S} s", router["ratio_to_mobilecoin"]],
    ]
    profile = view["profile"]
    parts = ", ".join(f"{label} {part['share']:.0%}" for label, part in profile["parts"].items())
    rows.append([f"profile of a query, store {_log2(profile['omap_capacity'])}", parts])
    for run in report["ingest"]["runs"]:
        rows += [
            [f"ingest TxOuts/s, user capacity {_log2(run['user_capacity'])}",
             f"{run['tx_outs_per_s']} ({run['ms_per_tx_out']} ms each; "
             f"{run['cpu_tx_outs_per_s']}/s of thread CPU)"],
            [f"  / MobileCoin {report['mobilecoin']['ingest_tx_outs_per_s']}/s",
             run["ratio_to_mobilecoin"]],
        ]
    for lookup in report["obliviousness"]:
        cap = _log2(lookup["capacity"])
        rows += [
            [f"ORAM lookup median, {cap}: empty / {lookup['records']} records (ms)",
             f"{lookup['omap_empty_median_ms']} / {lookup['omap_median_ms']}"],
            ["  dict lookup (µs); ORAM / dict", f"{lookup['dict_median_us']}; {lookup['ratio']}"],
        ]
    rows += [[f"{name}: wall / CPU s (CPU share)",
              f"{t['wall_s']} / {t['cpu_s']} ({t['cpu_share']})"]
             for name, t in report["part_times"].items()]
    rows += [["load average at end (1/5/15 min)", " ".join(map(str, report["load_average_end"]))],
             ["wall time (s)", report["wall_s"]]]
    return rows


__all__ = [
    "FULL", "MOBILECOIN_INGEST_TXOS_PER_S", "MOBILECOIN_VIEW_QUERY_S", "QUICK",
    "FogBenchSizes", "bench_ingest", "bench_obliviousness", "bench_view_queries",
    "ingest_tx_outs", "profile_view_query", "report_rows", "run_fog_bench",
    "single_key_queries", "start_view_router", "start_view_store", "time_view_queries",
    "view_connection", "view_database", "write_view_records",
]
