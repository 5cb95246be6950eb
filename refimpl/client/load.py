"""Payments under load against a local network, and the check that none accepted was lost.

MobileCoin has ``mobilecoind-dev-faucet`` ``POST /slam`` and ``mc-consensus-tool
wait-for-quiet`` for this; here :func:`run_load` drives ``clients`` concurrent clients (one
demo account each, one thread each, each talking to one node chosen round-robin) through
``payments`` payments (built before the clock starts, as a wallet would hold them ready),
paced at ``rate`` per second in total if given, and records one
:class:`Ack` per submission (the ``ProposeTxResult`` or the gRPC status). A watcher polls
``CheckKeyImages`` so each accepted payment gets the wall time its key images were first seen
in a block. :func:`check_acks` then compares the acknowledgements with the ledgers:

* every payment whose ProposeTx was accepted appears in exactly one block (all its key
  images in that block, and in no other);
* no payment refused with a ``ProposeTxResult`` appears (one whose call failed at the gRPC
  level may or may not have been taken, and is not judged);
* every ledger has the same block ids.

Clients pay from distinct origin outputs (``outputs_per_account`` of them each), so they never
wait for change; a client that runs out of outputs stops with ``client.insufficient_funds``.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import grpc

from refimpl.account.keys import AccountKey
from refimpl.client.connection import ConsensusClient
from refimpl.client.ledger_source import GrpcLedgerSource
from refimpl.client.pay import minimum_fee, os_random
from refimpl.client.wallet import Owned, Wallet, build_payment
from refimpl.errors import ClientError, RefImplError
from refimpl.ledger.store import LedgerStore
from refimpl.node.api import consensus_common_pb2
from refimpl.node.enclave import network_verifier
from refimpl.node.localnet import LocalNetwork
from refimpl.transaction.key_image import KeyImage

#: How often the watcher asks for key images (it bounds the latency measurement's error).
WATCH_POLL_S = 0.05
#: Default tombstone distance of load payments.
TOMBSTONE_DELTA = 1000


@attrs.define
class Ack:
    """One submission: who sent it where, what the node answered, when it landed."""

    client: int
    node: str
    tx_hash: bytes
    key_images: tuple[KeyImage, ...]
    result: str  # "Ok", another ProposeTxResult name, or "grpc:<STATUS>"
    submitted_at: float
    committed_at: float | None = None
    block_index: int | None = None

    @property
    def accepted(self) -> bool:
        return self.result == "Ok"

    @property
    def latency_s(self) -> float | None:
        return None if self.committed_at is None else self.committed_at - self.submitted_at


@attrs.frozen
class LoadReport:
    acks: tuple[Ack, ...]
    started_at: float
    finished_at: float

    @property
    def accepted(self) -> list[Ack]:
        return [a for a in self.acks if a.accepted]

    @property
    def committed(self) -> list[Ack]:
        return [a for a in self.acks if a.committed_at is not None]

    def latencies(self) -> list[float]:
        return sorted(a.latency_s for a in self.committed if a.latency_s is not None)

    def summary(self) -> dict[str, Any]:
        lat = self.latencies()
        committed = self.committed
        span = (max((a.committed_at or 0) for a in committed) - self.started_at
                if committed else 0.0)
        refused: dict[str, int] = {}
        for a in self.acks:
            if not a.accepted:
                refused[a.result] = refused.get(a.result, 0) + 1
        return {
            "submitted": len(self.acks), "accepted": len(self.accepted),
            "committed": len(committed), "refused": refused,
            "duration_s": round(span, 3),
            "throughput_per_s": round(len(committed) / span, 2) if span > 0 else 0.0,
            "latency_p50_s": round(statistics.median(lat), 3) if lat else None,
            "latency_p99_s": round(_percentile(lat, 0.99), 3) if lat else None,
        }


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


class _Watcher:
    """Follows the chain of one node (new blocks' key images) and stamps each accepted
    payment with the wall time its first key image was seen in a block."""

    def __init__(self, source: GrpcLedgerSource) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._open: dict[KeyImage, Ack] = {}
        self._next_block = 0
        self.stop = threading.Event()

    def add(self, ack: Ack) -> None:
        with self._lock:
            self._open[ack.key_images[0]] = ack

    def running(self) -> bool:
        return not self.stop.is_set()

    def outstanding(self) -> int:
        with self._lock:
            return len(self._open)

    def run(self) -> None:
        try:
            self._next_block = self._source.num_blocks()
        except (RefImplError, grpc.RpcError):
            self._next_block = 0
        while not self.stop.wait(WATCH_POLL_S):
            try:
                blocks = self._source.get_block_contents(self._next_block, 100)
            except (RefImplError, grpc.RpcError):
                continue
            now = time.time()
            with self._lock:
                for block, contents in blocks:
                    for key_image in contents.key_images:
                        ack = self._open.pop(key_image, None)
                        if ack is not None:
                            ack.committed_at, ack.block_index = now, block.index
                    self._next_block = block.index + 1


def _client_loop(index: int, network: LocalNetwork, account: AccountKey, payments: int,
                 interval_s: float | None, window: int | None, ready: threading.Barrier,
                 acks: list[Ack], watcher: _Watcher, errors: list[str]) -> None:
    """Build this client's payments first (each from its own origin output), wait for the
    others, then submit them, paced at ``interval_s`` if given, with at most ``window`` of
    its accepted payments not yet in a block if given (a closed loop)."""
    node = network.nodes[index % len(network.nodes)]
    verifier = network_verifier(network.sgx_seed)
    recipient = AccountKey.from_root_entropy(
        network.account_root_entropies[(index + 1) % len(network.account_root_entropies)]
    ).default_subaddress()
    channel = grpc.insecure_channel(f"127.0.0.1:{node.client_port}")
    waited = False
    try:
        source = GrpcLedgerSource(channel)
        client = ConsensusClient(node.client_uri, node.client_responder_id, verifier)
        wallet = Wallet(account)
        wallet.sync(source)
        info = client.last_block_info()
        fee = minimum_fee(info, 0)
        inputs: list[Owned] = sorted(wallet.unspent(), key=lambda o: o.index)
        if len(inputs) < payments:
            raise ClientError("client.insufficient_funds",
                              f"client {index}: {len(inputs)} outputs for {payments} payments")
        tombstone = source.num_blocks() + TOMBSTONE_DELTA
        txs = [build_payment(source, account, [owned], recipient, owned.value - fee, os_random,
                             fee=fee, tombstone_block=tombstone,
                             block_version=info.network_block_version)
               for owned in inputs[:payments]]
        client.attest()
        waited = True
        ready.wait()
        start_at = time.time()
        mine: list[Ack] = []
        for n, tx in enumerate(txs):
            if interval_s is not None:
                time.sleep(max(0.0, start_at + n * interval_s - time.time()))
            while window is not None and watcher.running() and sum(
                    1 for a in mine if a.accepted and a.committed_at is None) >= window:
                time.sleep(WATCH_POLL_S)
            ack = Ack(index, node.name, tx.hash(), tuple(KeyImage(p) for p in tx.key_images()),
                      "", time.time())
            try:
                response = client.propose_tx(tx)
                ack.result = consensus_common_pb2.ProposeTxResult.Name(response.result)
            except RefImplError as exc:
                ack.result = "rpc:" + exc.code
            acks.append(ack)
            mine.append(ack)
            if ack.accepted:
                watcher.add(ack)
    except (RefImplError, grpc.RpcError, threading.BrokenBarrierError) as exc:
        errors.append(f"client {index}: {exc}")
        if not waited:
            ready.abort()
    finally:
        channel.close()


def run_load(network: LocalNetwork, payments: int, clients: int, rate: float | None = None,
             timeout_s: float = 300.0, window: int | None = None) -> LoadReport:
    """``payments`` payments from ``clients`` concurrent clients (see the module docstring);
    returns once every accepted payment is in a block or ``timeout_s`` has passed.
    ``rate`` paces the submissions (payments per second in total); ``window`` closes the loop
    (each client keeps at most that many accepted payments waiting for a block)."""
    if clients < 1 or clients > len(network.account_root_entropies):
        raise ClientError("client.bad_network_state",
                          f"{clients} clients need as many demo accounts")
    accounts = [AccountKey.from_root_entropy(e)
                for e in network.account_root_entropies[:clients]]
    per_client = [payments // clients + (1 if i < payments % clients else 0)
                  for i in range(clients)]
    node = network.nodes[0]
    channel = grpc.insecure_channel(f"127.0.0.1:{node.client_port}")
    watcher = _Watcher(GrpcLedgerSource(channel))
    watch_thread = threading.Thread(target=watcher.run, daemon=True)
    watch_thread.start()
    acks: list[Ack] = []
    errors: list[str] = []
    interval = None if rate is None else clients / rate
    started = [0.0]
    ready = threading.Barrier(clients + 1, action=lambda: started.__setitem__(0, time.time()))
    threads = [threading.Thread(target=_client_loop, daemon=True,
                                args=(i, network, accounts[i], per_client[i], interval,
                                      window, ready, acks, watcher, errors))
               for i in range(clients)]
    for t in threads:
        t.start()
    try:
        ready.wait(timeout=timeout_s)  # every payment built: the timed phase starts
    except threading.BrokenBarrierError:
        pass
    deadline = time.monotonic() + timeout_s
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.monotonic()))
    while watcher.outstanding() and time.monotonic() < deadline:
        time.sleep(0.1)
    watcher.stop.set()
    watch_thread.join(timeout=5)
    channel.close()
    if errors:
        raise ClientError("client.load_failed", "; ".join(errors[:3]))
    return LoadReport(tuple(acks), started[0], time.time())


@attrs.frozen
class LedgerCheck:
    """What :func:`check_acks` found."""

    identical: bool
    num_blocks: dict[str, int]
    missing: tuple[str, ...]  # accepted payments not in any block (tx hash hex)
    split: tuple[str, ...]  # accepted payments whose key images are in several blocks
    refused_but_present: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.identical and not (self.missing or self.split or self.refused_but_present)


def check_acks(acks: Sequence[Ack], ledger_paths: dict[str, Path]) -> LedgerCheck:
    """Compare the acknowledgements with the ledgers (read-only; see the module docstring)."""
    ids: dict[str, list[bytes]] = {}
    first = None
    for name, path in ledger_paths.items():
        with LedgerStore.open(path, read_only=True) as store:
            ids[name] = [store.get_block(i).id for i in range(store.num_blocks())]
            if first is None:
                first = name
                missing, split, present = [], [], []
                for ack in acks:
                    blocks = {store.check_key_image(k) for k in ack.key_images}
                    if ack.accepted:
                        if None in blocks:
                            missing.append(ack.tx_hash.hex())
                        elif len(blocks) != 1:
                            split.append(ack.tx_hash.hex())
                    elif not ack.result.startswith("rpc:") and blocks != {None}:
                        present.append(ack.tx_hash.hex())
    chains = list(ids.values())
    identical = bool(chains) and all(c == chains[0] for c in chains)
    return LedgerCheck(identical, {n: len(c) for n, c in ids.items()}, tuple(missing),
                       tuple(split), tuple(present))
