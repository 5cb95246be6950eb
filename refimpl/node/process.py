"""``mcref node run``: one validator node process, assembled in MobileCoin's start-up order.

MobileCoin ``consensus/service/src/bin/main.rs`` and ``consensus_service.rs``:

1. load and validate the configuration (:func:`refimpl.node.config.validate_node`; one typed
   error naming the field, exit 2);
2. ``enclave_init``: unseal (or make) the sealed block-signing key;
3. copy the origin ledger if the ledger directory has none (``setup_ledger_dir``), open it;
4. the tx manager and pending values, the peer connections and broadcaster, the archive
   (ledger distribution: blocks this node lacks in its archive are written first);
5. start the admin, peer and client gRPC servers (a bind failure is ``node.bind_failed``);
6. start the worker thread (``ByzantineLedger``) and the peer keepalive;
7. run until SIGTERM/SIGINT; then stop the servers (grace period), the worker, the
   broadcaster, and close the ledger.

Every component is in its own module (docs/node-interface.md); this one only wires them.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import logging
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs
import grpc

from refimpl.consensus.scp.msg import Msg
from refimpl.enclave.channel import Frame
from refimpl.enclave.consensus_api import SIM_CONSENSUS_CODE, TxContext
from refimpl.enclave.evidence import decode_evidence
from refimpl.errors import NodeError, RefImplError
from refimpl.ledger.block import Block
from refimpl.ledger.store import LedgerStore, copy_ledger
from refimpl.node import config as cfg
from refimpl.node.api import consensus_client_pb2
from refimpl.node.archive import ArchiveBlock, ArchiveWriter, TxSources
from refimpl.node.block_metadata import MetadataSigner
from refimpl.node.consensus_msg import ConsensusMsg
from refimpl.node.enclave import NodeEnclave
from refimpl.node.intake import Intake
from refimpl.node.ledger_access import LedgerAccessServicer
from refimpl.node.ledger_sync import LedgerSyncDriver
from refimpl.node.metrics import PHASE_NUMBERS, NodeMetrics
from refimpl.node.node_trace import NodeTrace
from refimpl.node.peers import Broadcaster, PeerAddress, PeerConnection
from refimpl.node.services import (
    Health,
    Methods,
    admin_service,
    attested_service,
    blockchain_service,
    client_service,
    peer_service,
)
from refimpl.node.tx_manager import PendingValues, TxManager, propose_tx_result
from refimpl.node.worker import Worker

log = logging.getLogger("mcref.node")

#: ``peer_keepalive.rs``: ping peers silent for longer than this (real seconds at a 1 s base).
KEEPALIVE_INTERVAL_S = 10.0
#: Server stop grace.
STOP_GRACE_S = 2.0
#: gRPC server threads per port.
SERVER_THREADS = 16
#: Payload digests remembered to drop repeated consensus messages before verifying them.
SEEN_PAYLOADS = 50_000
#: ``MAX_EXTERNALIZED_SLOTS`` (``node_impl.rs``): txs stay cached this many slots after expiry.
MAX_EXTERNALIZED_SLOTS = 1


def setup_ledger_dir(ledger_path: Path, origin: Path | None) -> None:
    """``setup_ledger_dir``: copy the origin ledger (``data.mdb`` and its tip journal) when the
    ledger has none."""
    if (ledger_path / "data.mdb").is_file() or origin is None:
        return
    copy_ledger(origin, ledger_path)


class Transactions:
    """The tx manager and pending values as the worker and intake use them."""

    def __init__(self, txm: TxManager, pending: PendingValues, metrics: NodeMetrics) -> None:
        self.txm = txm
        self.pending = pending
        self._metrics = metrics

    def is_known(self, tx_hash: bytes) -> bool:
        return self.txm.contains(tx_hash)

    def is_valid(self, tx_hash: bytes) -> bool:
        return self.txm.is_valid(tx_hash)

    def combine(self, tx_hashes: Sequence[bytes]) -> Sequence[bytes]:
        return self.txm.combine(tx_hashes)

    def admit_pending(self, tx_hashes: Sequence[bytes], received_at: float) -> None:
        for tx_hash in tx_hashes:
            self.pending.push(tx_hash, self.txm.is_valid, received_at)

    def pending_first(self, n: int) -> Sequence[bytes]:
        return self.pending.first(n)

    def pending_count(self) -> int:
        return len(self.pending)

    def complete_slot(self, externalized: Sequence[bytes], num_blocks: int) -> None:
        now = time.time()
        for tx_hash in externalized:
            received = self.pending.received_at(tx_hash)
            if received is not None:
                self._metrics.pending_value_processing_time.observe(now - received)
        self.pending.remove(externalized)
        self.txm.remove_expired(num_blocks - 1 - MAX_EXTERNALIZED_SLOTS)
        self.pending.retain(self.txm.is_valid)
        log.info("Number of pending values post cleanup: %d", len(self.pending))

    def check_new_tx(self, context: TxContext) -> None:
        """Well-formed (cached) and valid now, each check timed (failures too)."""
        with self._timed("well_formed_check_time"):
            self.txm.insert(context)
        with self._timed("validate_tx_time"):
            self.txm.validate(context.tx_hash)

    @contextlib.contextmanager
    def _timed(self, op: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self._metrics.scp_duration.labels(op=op).observe(time.perf_counter() - started)

    def accept_fetched(self, contexts: Sequence[TxContext]) -> list[bytes]:
        """Txs fetched with ``GetTxs``: well-formed check into the cache (validity is SCP's
        business); the hashes that passed."""
        ok = []
        for context in contexts:
            try:
                self.txm.insert(context)
            except RefImplError as exc:
                self._metrics.tx_validation_errors.labels(err=exc.code).inc()
                continue
            ok.append(context.tx_hash)
        return ok


class NodeProcess:
    """One validator node (see the module docstring)."""

    def __init__(self, node: cfg.ValidatedNode) -> None:
        c = node.config
        self.node = node
        self.config = c
        self.metrics = NodeMetrics()
        self.enclave = NodeEnclave(
            sgx_seed=c.sgx_seed, index=c.sgx_platform_index,
            client_responder_id=c.client_responder_id, peer_responder_id=c.peer_responder_id,
            block_version=c.block_version, fee_map=node.fee_map(),
            enclave_code=(SIM_CONSENSUS_CODE if c.enclave_code is None
                          else c.enclave_code.encode()),
            variant=c.variant,  # type: ignore[arg-type]
        )
        self.enclave.enclave_init(c.sealed_block_signing_key)
        setup_ledger_dir(c.ledger_path, c.origin_block_path)
        self.ledger = LedgerStore.open(c.ledger_path)
        self.txm = TxManager(self.enclave, self.ledger)
        self.txs = Transactions(self.txm, PendingValues(), self.metrics)
        self.archive = ArchiveWriter(c.archive_dir) if c.archive_dir is not None else None
        self.metadata = MetadataSigner(
            c.peer_responder_id, node.quorum_set,
            {k: v for k, v in node.peer_keys.items() if k in node.quorum_set.nodes()},
            decode_evidence(self.enclave.evidence_bytes), node.msg_signer_key)
        if self.archive is not None:
            self.archive.remove_temp_files()
            self.archive.catch_up_from(self.ledger)
        peers = [PeerConnection(c.peer_responder_id,
                                PeerAddress(p.responder_id, p.host, p.port),
                                self.enclave, self._accept_fetched, self._attest_failed_out,
                                self._attest_started)
                 for p in node.network.broadcast_peers]
        self.broadcaster = Broadcaster(peers, self._broadcast_failed)
        self.health_client = Health()
        self.trace = self._open_trace()
        self.sync = LedgerSyncDriver(
            c.peer_responder_id, node.quorum_set, self.ledger,
            {p.peer.responder_id: p.get_blocks for p in peers},
            TxSources(node.network.tx_source_urls), self.metadata, self._appended_by_sync,
            self._sync_transition, grace_period_ms=10 * c.scp_timebase_ms,
            backoff_unit_ms=c.scp_timebase_ms)
        self.worker = Worker(
            c.peer_responder_id, node.quorum_set, num_blocks=self.ledger.num_blocks,
            block_id=lambda i: self.ledger.get_block(i).id, transactions=self.txs,
            peers=self.broadcaster, make_block=self._make_block, sync=self.sync,
            sign=self._sign, variant=c.variant, scp_timebase_ms=c.scp_timebase_ms,
            trace=self.trace, trace_epoch_ms=c.trace_epoch_ms or 0,
            on_msg_dropped=self._msg_dropped, relay=c.relay_consensus_msgs,
            equivocate_to=self._equivocation_group())
        self.intake = Intake(
            self.enclave, self.txs, self.metrics, self.ledger.num_blocks, c.block_version,
            is_behind=lambda: self.worker.is_behind, to_worker=self.worker.push_values,
            to_peers=self.broadcaster.broadcast_txs, result_code=propose_tx_result)
        self._stop = threading.Event()
        self._servers: list[grpc.Server] = []
        self._threads: list[threading.Thread] = []
        self._heard: dict[str, float] = {}
        self._seen: collections.OrderedDict[bytes, None] = collections.OrderedDict()
        self._seen_lock = threading.Lock()

    # --- wiring callbacks ----------------------------------------------------------------------

    def _equivocation_group(self) -> frozenset[str] | None:
        """``byzantine = "equivocate"``: the half of the peers told the other story."""
        if self.config.byzantine != "equivocate":
            return None
        peers = sorted(p.responder_id for p in self.node.network.broadcast_peers)
        return frozenset(peers[len(peers) // 2:])

    def _open_trace(self) -> NodeTrace | None:
        c = self.config
        if c.scp_debug_dump is None:
            return None
        started = int(time.time() * 1000)
        name = c.peer_responder_id.replace(":", "_")
        previous = len(list(c.scp_debug_dump.glob(f"trace-{name}-*.ndjson")))
        return NodeTrace(c.scp_debug_dump / f"trace-{name}-{started}.ndjson",
                         c.peer_responder_id, self.node.quorum_set, c.variant, previous,
                         byzantine=c.byzantine is not None)

    def _sign(self, msg: Msg, prev_block_id: bytes) -> ConsensusMsg:
        return ConsensusMsg.sign(msg, prev_block_id, self.node.msg_signer_key)

    def _accept_fetched(self, frame: Frame) -> list[bytes]:
        return self.txs.accept_fetched(self.enclave.peer_tx_propose(frame))

    def _attest_started(self) -> None:
        self.metrics.count("attestation_initiated")

    def _attest_failed_out(self, code: str) -> None:
        self.metrics.attestation_failures.labels(direction="outbound", code=code).inc()

    def _attest_failed_in(self, exc: RefImplError) -> None:
        self.metrics.attestation_failures.labels(direction="inbound", code=exc.code).inc()

    def _broadcast_failed(self, peer: str, kind: str) -> None:
        self.metrics.broadcast_failures.labels(peer=peer, kind=kind).inc()

    def _msg_dropped(self, reason: str) -> None:
        self.metrics.msgs_dropped.labels(reason=reason).inc()
        if reason == "different_blockchain":
            self.metrics.count("scp_messages_dropped_due_to_invalid_prev_block_id")

    def _sync_transition(self, before: str, after: str) -> None:
        if after == "IsBehind":
            self.metrics.count("catchup_initiated")
        self.health_client.set_serving(after != "IsBehind")
        self.metrics.sync_status.set(1 if after == "IsBehind" else 0)

    def _publish(self, archive_block: ArchiveBlock) -> None:
        if self.archive is not None:
            self.archive.write(archive_block)
        self.metrics.num_blocks.set(self.ledger.num_blocks())

    def _appended_by_sync(self, archive_block: ArchiveBlock) -> None:
        self.metrics.blocks_appended.labels(how="catchup").inc()
        self._publish(archive_block)

    def _make_block(self, values: Sequence[bytes]) -> Block:
        """Form the block in the enclave, append it, publish it (``complete_current_slot``)."""
        parent = self.ledger.get_block(self.ledger.num_blocks() - 1)
        block, contents, signature = self.enclave.form_block(self.ledger, values, parent)
        signature = attrs.evolve(signature, signed_at=int(time.time()))
        log.info("Appending block %d to ledger (sig: %s, values: %d)", block.index,
                 signature.signature[:8].hex(), len(values))
        self.ledger.append_block(block, contents, signature)
        self.metrics.blocks_appended.labels(how="formed").inc()
        self.metrics.count("tx_externalized_count", len(values))
        self._publish(ArchiveBlock(block, contents, signature,
                                   self.metadata.metadata_for(block.id)))
        return block

    # --- hooks of the peer API -----------------------------------------------------------------

    def accepts_from(self, responder_id: str) -> bool:
        ok = any(p.responder_id == responder_id for p in self.node.network.broadcast_peers)
        if ok:
            self._heard[responder_id] = time.monotonic()
        return ok

    def first_sight(self, payload: bytes) -> bool:
        digest = hashlib.blake2b(payload, digest_size=16).digest()
        with self._seen_lock:
            if digest in self._seen:
                return False
            self._seen[digest] = None
            if len(self._seen) > SEEN_PAYLOADS:
                self._seen.popitem(last=False)
        return True

    def msg_keys(self) -> dict[str, bytes]:
        return {**self.node.peer_keys, self.node.node_id: self.node.msg_public_key}

    def push_msg(self, msg: ConsensusMsg, from_peer: str) -> None:
        self.worker.push_msg(msg, from_peer)

    def latest_msg(self) -> ConsensusMsg | None:
        return self.worker.latest_msg

    def missing_txs(self, tx_hashes: Sequence[bytes]) -> list[bytes]:
        return [h for h in tx_hashes if not self.txm.contains(h)]

    # --- status --------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """``GetInfo.config_json``: MobileCoin's status block plus the network config."""
        last = self.ledger.last_block()
        w = self.worker.status
        return {
            "status": {
                "block_height": self.ledger.num_blocks(),
                "sync_status": "catchup" if self.worker.is_behind else "synced",
                "sync_state": self.sync.state.name,
                "blocks_behind": self.sync.blocks_behind(),
                "latest_block_hash": None if last is None else last.id.hex(),
                "broadcast_peer_count": len(self.node.network.broadcast_peers),
                "known_peer_count": len(self.node.network.known_peers or ()),
                "pending_values": self.txs.pending_count(),
                "cur_slot": w.slot,
                "cur_slot_phase": w.phase,
                "version": "mcref",
            },
            "peer_responder_id": self.config.peer_responder_id,
            "client_responder_id": self.config.client_responder_id,
            "quorum_set": self.node.quorum_set.to_json(),
            "block_signing_key": self.enclave.block_signing_public_key.hex(),
            "mrenclave": self.enclave.mrenclave.hex(),
        }

    def node_config(self) -> consensus_client_pb2.ConsensusNodeConfig:
        c = self.config
        return consensus_client_pb2.ConsensusNodeConfig(
            token_config_map={t: consensus_client_pb2.TokenConfig(token_id=t, minimum_fee=f)
                              for t, f in self.node.fee_map().items()},
            peer_responder_id=c.peer_responder_id, client_responder_id=c.client_responder_id,
            block_signing_key=self.enclave.block_signing_public_key,
            block_version=c.block_version, scp_message_signing_key=self.node.msg_public_key)

    def _update_gauges(self) -> None:
        m, w = self.metrics, self.worker.status
        m.gauge("cur_num_pending_values", self.txs.pending_count())
        m.gauge("tx_cache_num_entries", self.txm.num_entries())
        m.gauge("cur_slot_num", w.slot)
        m.gauge("cur_slot_phase", PHASE_NUMBERS.get(w.phase, 0))
        m.gauge("cur_slot_nomination_round", w.nominate_round)
        m.gauge("cur_slot_ballot_counter", w.ballot_counter)
        m.gauge("cur_slot_num_voted_nominated", w.voted)
        m.gauge("cur_slot_num_accepted_nominated", w.accepted)
        m.gauge("cur_slot_num_confirmed_nominated", w.confirmed)
        m.gauge("prev_slot_number", w.prev_slot)
        m.gauge("prev_slot_ended_at", w.prev_slot_ended_at_ms)
        m.gauge("prev_slot_num_ext_vals", w.prev_slot_values)
        m.gauge("consensus_msgs_from_network_queue_size", self.worker.msg_queue_size())
        m.num_blocks.set(self.ledger.num_blocks())

    # --- running -------------------------------------------------------------------------------

    def _server(self, address: str, handlers: Sequence[Any], health: Health | None,
                what: str) -> grpc.Server:
        server = grpc.server(ThreadPoolExecutor(max_workers=SERVER_THREADS,
                                                thread_name_prefix=what),
                             handlers=list(handlers),
                             options=[("grpc.max_receive_message_length", 8 << 20),
                                      # a second process on the same port must fail to bind
                                      ("grpc.so_reuseport", 0)])
        (health or Health()).add_to(server)
        try:
            port = server.add_insecure_port(address)
        except RuntimeError:
            port = 0
        if port == 0:
            raise NodeError("node.bind_failed", f"Could not bind to {what} listen URI {address}")
        server.start()
        self._servers.append(server)
        return server

    def start(self) -> None:
        c = self.config
        methods = Methods(self.metrics)
        fees = self.node.fee_map()
        chain = blockchain_service(methods, self.ledger, fees, c.block_version)
        if c.admin_listen_uri is not None:
            self._server(c.admin_listen_uri.addr, [admin_service(
                methods, self.metrics, c.peer_responder_id, c.peer_responder_id, self.status)],
                None, "admin")
        self._server(c.peer_listen_uri.addr, [
            attested_service(methods, lambda m: self.enclave.peer_accept(m)[0],
                             self._attest_failed_in),
            peer_service(methods, self.intake, self.enclave, self), chain], None, "peer")
        self._server(c.client_listen_uri.addr, [
            attested_service(methods, lambda m: self.enclave.client_accept(m)[0],
                             lambda exc: None),
            client_service(methods, self.intake, self.node_config), chain,
            LedgerAccessServicer(self.ledger).handlers(methods.observe)], self.health_client,
            "client")
        self.metrics.gauge("enclave_attestation_evidence_timestamp", int(time.time()))
        self._spawn(self.worker.run, "worker")
        self._spawn(self._keepalive, "keepalive")
        self._spawn(self._gauges, "gauges")
        log.info("node %s serving: client %s, peer %s", c.peer_responder_id,
                 c.client_listen_uri.addr, c.peer_listen_uri.addr)

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, args=(self._stop,), name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _gauges(self, stop: threading.Event) -> None:
        while not stop.wait(0.5):
            self._update_gauges()

    def _keepalive(self, stop: threading.Event) -> None:
        """``PeerKeepalive``: ask silent peers for their latest message (also at start, so a
        restarted node learns at once that the network has moved on)."""
        interval = KEEPALIVE_INTERVAL_S * self.config.scp_timebase_ms / 1000
        first = True
        while first or not stop.wait(interval):
            first = False
            for rid, conn in self.broadcaster.connections.items():
                if time.monotonic() - self._heard.get(rid, 0.0) < 3 * interval:
                    continue
                try:
                    payload = conn.get_latest_msg()
                    if payload:
                        msg = ConsensusMsg.decode_verified(payload, self.msg_keys())
                        self.worker.push_msg(msg, rid)
                except (grpc.RpcError, RefImplError) as exc:
                    log.debug("keepalive %s: %s", rid, exc)

    def stop(self) -> None:
        self._stop.set()
        for server in self._servers:
            server.stop(STOP_GRACE_S).wait(STOP_GRACE_S + 1)
        for thread in self._threads:
            thread.join(timeout=10)
        self.broadcaster.stop()
        if self.trace is not None:
            self.trace.close()
        self.ledger.close()

    def wait(self) -> None:
        self._stop.wait()


def run_node(config_path: Path) -> int:
    """Load, validate, start; run until SIGTERM or SIGINT; stop cleanly. Exit code 0."""
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    node = cfg.validate_node(cfg.load_node_config(config_path))
    process = NodeProcess(node)
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        process.start()  # a bind failure stops what already started, then exits 2
        while not stop.wait(0.5):
            pass
    finally:
        process.stop()
    return 0
