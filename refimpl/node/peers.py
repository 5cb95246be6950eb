"""Attested connections to peers and the per-peer broadcaster threads.

MobileCoin ``peers/src/connection.rs`` (``PeerConnection``: ``attested_call`` attests first
when there is no session and drops the session on any RPC failure), ``peers/src/
threaded_broadcaster.rs`` (one thread and queue per peer; Fibonacci retry starting at 1 s, 3
attempts, messages older than 30 s dropped) and ``consensus/service/src/peer_keepalive.rs``.

A peer connection runs the IX handshake through the local enclave over the peer's
``attest.AttestedApi/Auth`` and then calls ``ConsensusPeerAPI``: ``SendConsensusMsg`` (plain,
signed), ``PeerTxPropose`` (a ``TxList`` sealed under the IX session), ``GetTxs`` (the peer
seals the named txs to us) and ``GetLatestMsg``. The broadcaster coalesces queued tx
proposals into one ``TxList`` per call.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

import attrs
import grpc

from refimpl.enclave.channel import Frame
from refimpl.errors import CryptoError, RefImplError
from refimpl.node.api import attest_pb2, consensus_common_pb2, consensus_peer_pb2
from refimpl.node.consensus_msg import ConsensusMsg
from refimpl.node.grpc_util import UnaryCaller

log = logging.getLogger("mcref.node.peers")

#: ``threaded_broadcaster_retry.rs``: initial delay, attempts, maximum message age.
RETRY_INITIAL_S = 1.0
RETRY_ATTEMPTS = 3
MAX_MESSAGE_AGE_S = 30.0
#: One RPC's deadline.
RPC_TIMEOUT_S = 5.0
#: gRPC reconnect back-off (initial, maximum) in ms: a healed link is used again within
#: seconds, not after gRPC's default back-off of up to two minutes.
RECONNECT_BACKOFF_MS = (250, 2000)
#: Tx proposals coalesced into one ``PeerTxPropose`` (split further to fit a Noise message).
MAX_COALESCED_TXS = 100
#: Tasks queued per peer before the oldest are dropped (a dead peer must not eat memory).
MAX_QUEUE = 5_000
#: Hashes per GetTxs call (MobileCoin asks for 100; our Noise transport caps one sealed
#: ``TxList`` at 65535 bytes, about 18 one-input transactions, so chunks start smaller and
#: are halved when the answer would not fit).
GET_TXS_CHUNK = 16


class PeerEnclave(Protocol):
    """What a peer connection needs of :class:`refimpl.node.enclave.NodeEnclave` (which
    appends the blockchain-config digest to the peer responder id itself)."""

    def peer_init(self, peer_id: str) -> bytes: ...
    def peer_connect(self, peer_id: str, message2: bytes) -> bytes: ...
    def txs_for_peer(self, tx_hashes: Sequence[bytes], channel_id: bytes,
                     aad: bytes) -> Frame: ...
    def peer_frame(self, aad: bytes, channel_id: bytes, data: bytes) -> Frame: ...
    def drop_peer_session(self, channel_id: bytes) -> None: ...


#: Takes a ``GetTxs`` reply frame into the enclave and the tx manager; returns the hashes of
#: the txs that passed the well-formed check.
AcceptTxs = Callable[[Frame], Sequence[bytes]]


@attrs.frozen
class PeerAddress:
    """Where a peer listens and who it is."""

    responder_id: str
    host: str
    port: int


class PeerConnection:
    """One attested connection to a peer's peer port (``PeerConnection``)."""

    def __init__(self, local_responder_id: str, peer: PeerAddress, enclave: PeerEnclave,
                 accept_txs: AcceptTxs,
                 on_attest_failure: Callable[[str], None] | None = None,
                 on_attest_start: Callable[[], None] | None = None) -> None:
        self.local_responder_id = local_responder_id
        self.peer = peer
        self._enclave = enclave
        self._accept_txs = accept_txs
        self._on_attest_failure = on_attest_failure or (lambda code: None)
        self._on_attest_start = on_attest_start or (lambda: None)
        self._channel = grpc.insecure_channel(f"{peer.host}:{peer.port}", options=[
            ("grpc.initial_reconnect_backoff_ms", RECONNECT_BACKOFF_MS[0]),
            ("grpc.max_reconnect_backoff_ms", RECONNECT_BACKOFF_MS[1])])
        self._session: bytes | None = None
        self._lock = threading.RLock()
        c = self._channel
        self._auth = UnaryCaller(c, "/attest.AttestedApi/Auth", attest_pb2.AuthMessage,
                                 attest_pb2.AuthMessage)
        api = "/consensus_peer.ConsensusPeerAPI/"
        self._send_msg = UnaryCaller(c, api + "SendConsensusMsg", consensus_peer_pb2.ConsensusMsg,
                                     consensus_peer_pb2.ConsensusMsgResponse)
        self._propose = UnaryCaller(c, api + "PeerTxPropose", attest_pb2.Message,
                                    consensus_common_pb2.ProposeTxResponse)
        self._get_txs = UnaryCaller(c, api + "GetTxs", consensus_peer_pb2.GetTxsRequest,
                                    consensus_peer_pb2.GetTxsResponse)
        self._latest = UnaryCaller(c, api + "GetLatestMsg", consensus_common_pb2.Empty,
                                   consensus_peer_pb2.GetLatestMsgResponse)
        self._blocks = UnaryCaller(c, "/consensus_common.BlockchainAPI/GetBlocks",
                                   consensus_common_pb2.BlocksRequest,
                                   consensus_common_pb2.BlocksResponse)

    def close(self) -> None:
        self._channel.close()

    def _attest(self) -> bytes:
        """Attest if there is no session (``attested_call``)."""
        if self._session is None:
            peer_id = self.peer.responder_id
            self._on_attest_start()
            message1 = self._enclave.peer_init(peer_id)
            reply = self._auth(attest_pb2.AuthMessage(data=message1), RPC_TIMEOUT_S)
            try:
                self._session = self._enclave.peer_connect(peer_id, reply.data)
            except RefImplError as exc:
                self._on_attest_failure(exc.code)
                log.warning("attestation of %s failed: %s", self.peer.responder_id,
                            exc.one_line())
                raise
        return self._session

    def _reset(self) -> None:
        if self._session is not None:
            self._enclave.drop_peer_session(self._session)
        self._session = None

    def _attested(self) -> None:
        """``attested_call``: even the plain calls attest first (a peer whose enclave we
        cannot attest, or that refuses ours, gets nothing from us)."""
        with self._lock:
            try:
                self._attest()
            except (grpc.RpcError, RefImplError):
                self._reset()
                raise

    def send_consensus_msg(self, msg: ConsensusMsg) -> int:
        """``SendConsensusMsg``; returns the ``ConsensusMsgResult`` (0 Ok, 10 UnknownPeer)."""
        self._attested()
        request = consensus_peer_pb2.ConsensusMsg(from_responder_id=self.local_responder_id,
                                                  payload=msg.encode())
        return int(self._send_msg(request, RPC_TIMEOUT_S).result)

    def propose_txs(self, tx_hashes: Sequence[bytes]) -> None:
        """``PeerTxPropose`` of the named txs, sealed under the IX session; a list whose
        ``TxList`` would not fit one Noise message (65535 bytes) goes in halves."""
        with self._lock:
            try:
                channel_id = self._attest()
                for part in self._sealable(list(tx_hashes), channel_id):
                    self._propose(attest_pb2.Message(aad=part.aad, channel_id=part.channel_id,
                                                     data=part.data), RPC_TIMEOUT_S)
            except (grpc.RpcError, RefImplError):
                self._reset()
                raise

    def _sealable(self, tx_hashes: list[bytes], channel_id: bytes) -> list[Frame]:
        try:
            return [self._enclave.txs_for_peer(tx_hashes, channel_id, b"")]
        except CryptoError as exc:
            if exc.code != "crypto.noise_message_too_long" or len(tx_hashes) < 2:
                raise
        half = len(tx_hashes) // 2
        return (self._sealable(tx_hashes[:half], channel_id)
                + self._sealable(tx_hashes[half:], channel_id))

    def fetch_txs(self, tx_hashes: Sequence[bytes]) -> bool:
        """``GetTxs`` in chunks of at most :data:`GET_TXS_CHUNK`, halved when the peer cannot
        fit the answer in one Noise message; True when every tx arrived and was accepted."""
        with self._lock:
            try:
                channel_id = self._attest()
                pending = [list(tx_hashes[i:i + GET_TXS_CHUNK])
                           for i in range(0, len(tx_hashes), GET_TXS_CHUNK)]
                while pending:
                    chunk = pending.pop(0)
                    try:
                        reply = self._get_txs(consensus_peer_pb2.GetTxsRequest(
                            channel_id=channel_id, tx_hashes=chunk), RPC_TIMEOUT_S)
                    except grpc.RpcError as exc:
                        if len(chunk) > 1 and "noise_message_too_long" in _short(exc):
                            half = len(chunk) // 2
                            pending[:0] = [chunk[:half], chunk[half:]]
                            continue
                        raise
                    if reply.WhichOneof("payload") != "success":
                        return False
                    m = reply.success
                    got = self._accept_txs(self._enclave.peer_frame(m.aad, m.channel_id, m.data))
                    if set(got) != set(chunk):
                        return False
                return True
            except (grpc.RpcError, RefImplError) as exc:
                log.info("GetTxs from %s failed: %s", self.peer.responder_id, _short(exc))
                self._reset()
                return False

    def get_latest_msg(self) -> bytes:
        """``GetLatestMsg``: the peer's latest signed consensus message payload (or empty)."""
        self._attested()
        return self._latest(consensus_common_pb2.Empty(), RPC_TIMEOUT_S).payload

    def get_blocks(self, offset: int, limit: int) -> Sequence[bytes]:
        """``BlockchainAPI/GetBlocks``: block header protobufs from ``offset``."""
        self._attested()
        reply = self._blocks(consensus_common_pb2.BlocksRequest(offset=offset, limit=limit),
                             RPC_TIMEOUT_S)
        return list(reply.blocks)


@attrs.frozen
class _Task:
    kind: str  # "msg" | "txs"
    msg: ConsensusMsg | None
    tx_hashes: tuple[bytes, ...]
    queued_at: float


class Broadcaster:
    """One thread and queue per peer (``ThreadedBroadcaster``)."""

    def __init__(self, connections: Sequence[PeerConnection],
                 on_failure: Callable[[str, str], None] | None = None) -> None:
        self.connections = {c.peer.responder_id: c for c in connections}
        self._queues: dict[str, queue.Queue[_Task | None]] = {
            rid: queue.Queue() for rid in self.connections}
        self._on_failure = on_failure or (lambda peer, kind: None)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(rid,), daemon=True,
                                          name=f"broadcast-{rid}") for rid in self.connections]
        for t in self._threads:
            t.start()

    def _put(self, rid: str, task: _Task) -> None:
        q = self._queues[rid]
        while q.qsize() >= MAX_QUEUE:
            try:
                q.get_nowait()
            except queue.Empty:
                break
            self._on_failure(rid, "queue_full")
        q.put(task)

    def peer_ids(self) -> list[str]:
        return list(self.connections)

    def broadcast(self, msg: ConsensusMsg, exclude: frozenset[str]) -> None:
        for rid in self.connections:
            if rid not in exclude:
                self._put(rid, _Task("msg", msg, (), time.monotonic()))

    def broadcast_txs(self, tx_hashes: Sequence[bytes], exclude: frozenset[str]) -> None:
        for rid in self.connections:
            if rid not in exclude:
                self._put(rid, _Task("txs", None, tuple(tx_hashes), time.monotonic()))

    def fetch_txs(self, peer: str, tx_hashes: Sequence[bytes]) -> bool:
        """Fetch from ``peer`` first, then from any other peer (the issuer may be gone)."""
        order = [peer] + [p for p in self.connections if p != peer]
        remaining = list(tx_hashes)
        for rid in order:
            conn = self.connections.get(rid)
            if conn is not None and conn.fetch_txs(remaining):
                return True
        return False

    def _run(self, rid: str) -> None:
        conn, q = self.connections[rid], self._queues[rid]
        while not self._stop.is_set():
            task = q.get()
            if task is None:
                return
            if task.kind == "txs":  # coalesce queued proposals into one TxList
                hashes = list(task.tx_hashes)
                requeue: list[_Task] = []
                while len(hashes) < MAX_COALESCED_TXS:
                    try:
                        nxt = q.get_nowait()
                    except queue.Empty:
                        break
                    if nxt is None:
                        return
                    (hashes.extend(nxt.tx_hashes) if nxt.kind == "txs" else requeue.append(nxt))
                self._deliver(conn, _Task("txs", None, tuple(hashes), task.queued_at))
                for t in requeue:
                    self._deliver(conn, t)
            else:
                self._deliver(conn, task)

    def _deliver(self, conn: PeerConnection, task: _Task) -> None:
        delay = RETRY_INITIAL_S
        prev = 0.0
        for attempt in range(RETRY_ATTEMPTS):
            if self._stop.is_set() or time.monotonic() - task.queued_at > MAX_MESSAGE_AGE_S:
                return
            try:
                if task.kind == "msg" and task.msg is not None:
                    if conn.send_consensus_msg(task.msg) != 0:
                        log.warning("Peer %s: does not accept broadcast messages from unknown "
                                    "peers", conn.peer.responder_id)
                else:
                    conn.propose_txs(task.tx_hashes)
                return
            except (grpc.RpcError, RefImplError) as exc:
                self._on_failure(conn.peer.responder_id, task.kind)
                log.info("failed broadcasting %s to %s (attempt %d): %s", task.kind,
                         conn.peer.responder_id, attempt + 1, _short(exc))
                if attempt + 1 < RETRY_ATTEMPTS:
                    self._stop.wait(delay * (0.5 + _jitter()))
                    delay, prev = delay + prev, delay

    def stop(self) -> None:
        self._stop.set()
        for q in self._queues.values():
            q.put(None)
        for t in self._threads:
            t.join(timeout=5)
        for c in self.connections.values():
            c.close()


def _jitter() -> float:
    return int.from_bytes(os.urandom(2), "little") / 65535


def _short(exc: Exception) -> str:
    if isinstance(exc, grpc.RpcError) and isinstance(exc, grpc.Call):
        return f"{exc.code().name}: {exc.details()}"
    return str(exc)
