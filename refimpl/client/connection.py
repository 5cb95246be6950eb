"""An attested connection to a validator's client port.

MobileCoin ``connection/src/thick.rs`` (``ThickClient``): ``attest`` runs the Noise NX
handshake over ``attest.AttestedApi/Auth`` (msg 1 = ``e``, msg 2 = ``e, ee, s, es`` with the
enclave's evidence, verified against the client's policy: :func:`refimpl.enclave.channel.
client_init` / :meth:`~refimpl.enclave.channel.PendingInitiator.finish`); ``propose_tx`` seals
the ``Tx`` protobuf under that session and calls ``ClientTxPropose`` with ``attest.Message
{aad, channel_id, data}``. As in ``thick.rs`` (``attested_call``), a ``PERMISSION_DENIED``
answer drops the session, re-attests once and retries; any other failure drops the session
too (the server may or may not have consumed the frame's nonce), so the next call re-attests.

The server takes the frame's nonce from its own session counter, so the calls of one session
are strictly sequential: a lock covers sealing and sending. ``last_block_info``, ``get_blocks``
and ``node_config`` are plain calls (``consensus_common.BlockchainAPI``, ``GetNodeConfig``).
"""

from __future__ import annotations

import os
import threading
import urllib.parse
from types import TracebackType

import grpc

from refimpl.client.rpc import call, rpc_failed, status_code
from refimpl.crypto.noise import Rng
from refimpl.enclave.channel import AttestedSession, EvidenceVerifier, client_init
from refimpl.errors import ClientError, RefImplError
from refimpl.ledger.block import Block
from refimpl.ledger.block_protobuf import block_from_protobuf
from refimpl.node.api import attest_pb2, consensus_client_pb2, consensus_common_pb2
from refimpl.node.grpc_util import UnaryCaller, method_path
from refimpl.transaction.tx import Tx

CLIENT_SCHEME = "insecure-mc"
#: ``util/uri/src/lib.rs``: the default port of ``insecure-mc://``.
DEFAULT_CLIENT_PORT = 3223
DEFAULT_TIMEOUT_S = 10.0

AUTH = method_path("attest.AttestedApi", "Auth")
CLIENT_TX_PROPOSE = method_path("consensus_client.ConsensusClientAPI", "ClientTxPropose")
GET_NODE_CONFIG = method_path("consensus_client.ConsensusClientAPI", "GetNodeConfig")
GET_LAST_BLOCK_INFO = method_path("consensus_common.BlockchainAPI", "GetLastBlockInfo")
GET_BLOCKS = method_path("consensus_common.BlockchainAPI", "GetBlocks")


def parse_client_uri(uri: str) -> str:
    """``insecure-mc://HOST[:PORT]/`` -> the gRPC target ``HOST:PORT`` (``client.bad_uri``)."""
    try:
        parts = urllib.parse.urlsplit(uri)
        port = parts.port
    except ValueError as exc:
        raise ClientError("client.bad_uri", f"{uri!r}: {exc}") from None
    if parts.scheme != CLIENT_SCHEME:
        raise ClientError("client.bad_uri", f"{uri!r}: the scheme must be {CLIENT_SCHEME}://")
    if not parts.hostname or parts.path not in ("", "/") or parts.username or parts.fragment:
        raise ClientError("client.bad_uri", f"{uri!r}: expected {CLIENT_SCHEME}://HOST:PORT/")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{host}:{DEFAULT_CLIENT_PORT if port is None else port}"


class ConsensusClient:
    """An NX-attested client of one node (``ThickClient``). Thread-safe; close it when done
    (or use it as a context manager)."""

    def __init__(
        self,
        uri: str,
        client_responder_id: str,
        verifier: EvidenceVerifier,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        rng: Rng = os.urandom,
    ) -> None:
        self.uri = uri
        self.target = parse_client_uri(uri)
        self.client_responder_id = client_responder_id
        self.timeout_s = timeout_s
        self._verifier = verifier
        self._rng = rng
        self.channel = grpc.insecure_channel(self.target)
        self._lock = threading.Lock()
        self._session: AttestedSession | None = None
        #: handshakes completed (re-attestations included)
        self.attestations = 0
        ch = self.channel
        self._auth = UnaryCaller(ch, AUTH, attest_pb2.AuthMessage, attest_pb2.AuthMessage)
        self._propose = UnaryCaller(
            ch, CLIENT_TX_PROPOSE, attest_pb2.Message, consensus_common_pb2.ProposeTxResponse
        )
        self._node_config = UnaryCaller(
            ch, GET_NODE_CONFIG, consensus_common_pb2.Empty,
            consensus_client_pb2.ConsensusNodeConfig,
        )
        self._last_block_info = UnaryCaller(
            ch, GET_LAST_BLOCK_INFO, consensus_common_pb2.Empty,
            consensus_common_pb2.LastBlockInfoResponse,
        )
        self._blocks = UnaryCaller(
            ch, GET_BLOCKS, consensus_common_pb2.BlocksRequest, consensus_common_pb2.BlocksResponse
        )

    # --- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> ConsensusClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- attestation ---------------------------------------------------------------------

    @property
    def is_attested(self) -> bool:
        return self._session is not None

    @property
    def enclave_identity(self) -> object:
        """What the verifier returned for the node's enclave (its report body), or ``None``."""
        session = self._session
        return None if session is None else session.peer_identity

    def attest(self) -> bytes:
        """Run the NX handshake; returns the session's channel id. A refused or unverifiable
        enclave is the verifier's ``attest.*`` error; a failed call ``client.rpc_failed``."""
        with self._lock:
            return self._attest_locked().channel_id

    def deattest(self) -> None:
        with self._lock:
            self._session = None

    def _attest_locked(self) -> AttestedSession:
        self._session = None
        pending, message1 = client_init(self.client_responder_id, self._verifier, self._rng)
        reply = call(self._auth, attest_pb2.AuthMessage(data=message1), self.timeout_s)
        session = pending.finish(reply.data)
        self._session = session
        self.attestations += 1
        return session

    # --- calls ---------------------------------------------------------------------------

    def propose_tx(self, tx: Tx) -> consensus_common_pb2.ProposeTxResponse:
        """Submit ``tx``; the answer's ``result`` is MobileCoin's ``ProposeTxResult`` (the
        caller judges it). Attests first when there is no session."""
        plaintext = tx.to_protobuf()
        with self._lock:
            for attempt in range(2):
                session = self._session or self._attest_locked()
                session, frame = session.seal(plaintext)
                self._session = session
                request = attest_pb2.Message(
                    aad=frame.aad, channel_id=frame.channel_id, data=frame.data
                )
                try:
                    return self._propose(request, self.timeout_s)
                except grpc.RpcError as err:
                    self._session = None
                    if attempt == 0 and status_code(err) == grpc.StatusCode.PERMISSION_DENIED:
                        continue
                    raise rpc_failed(self._propose.path, err) from err
        raise AssertionError("unreachable: the second attempt returns or raises")

    def last_block_info(self) -> consensus_common_pb2.LastBlockInfoResponse:
        return call(self._last_block_info, consensus_common_pb2.Empty(), self.timeout_s)

    def node_config(self) -> consensus_client_pb2.ConsensusNodeConfig:
        return call(self._node_config, consensus_common_pb2.Empty(), self.timeout_s)

    def get_blocks(self, offset: int, limit: int) -> list[Block]:
        """Block headers ``offset, offset + 1, ...`` (the server caps the count at 2000); an
        answer that does not decode or is out of order is ``client.bad_response``."""
        request = consensus_common_pb2.BlocksRequest(offset=offset, limit=limit)
        response = call(self._blocks, request, self.timeout_s)
        if len(response.blocks) > limit:
            raise ClientError("client.bad_response", f"{len(response.blocks)} blocks > {limit}")
        blocks = []
        for position, data in enumerate(response.blocks):
            try:
                block = block_from_protobuf(data)
            except RefImplError as err:
                raise ClientError("client.bad_response",
                                  f"GetBlocks block {offset + position}: {err.one_line()}") from err
            if block.index != offset + position or not block.is_block_id_valid():
                raise ClientError("client.bad_response",
                                  f"GetBlocks: block {offset + position} is not that block")
            blocks.append(block)
        return blocks
