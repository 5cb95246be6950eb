"""An attested connection to a validator's client port.

MobileCoin ``connection/src/thick.rs`` (``ThickClient``): ``attest`` runs the Noise NX
handshake over ``attest.AttestedApi/Auth`` (msg 1 = ``e``, msg 2 = ``e, ee, s, es`` with the
enclave's evidence, verified against the client's policy: :func:`refimpl.enclave.channel.
client_init` / :meth:`~refimpl.enclave.channel.PendingInitiator.finish`); ``propose_tx`` seals
the ``Tx`` protobuf under that session and calls ``ClientTxPropose`` with ``attest.Message
{aad, channel_id, data}``. As in ``thick.rs`` (``attested_call``), a ``PERMISSION_DENIED``
answer drops the session, re-attests once and retries; any other failure drops the session
too (the server may or may not have consumed the frame's nonce), so the next call re-attests.

The session, its lock and the retry are :class:`~refimpl.client.attested.AttestedConnection`'s.
``last_block_info``, ``get_blocks`` and ``node_config`` are plain calls
(``consensus_common.BlockchainAPI``, ``GetNodeConfig``).
"""

from __future__ import annotations

import os
import urllib.parse
from types import TracebackType

from refimpl.client.attested import AttestedConnection
from refimpl.client.rpc import call
from refimpl.crypto.noise import Rng
from refimpl.enclave.channel import AttestedSession, EvidenceVerifier
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
    (or use it as a context manager). The attested session is an
    :class:`~refimpl.client.attested.AttestedConnection` on ``attest.AttestedApi/Auth``."""

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
        self._attested = AttestedConnection(self.target, client_responder_id, verifier, AUTH,
                                            timeout_s=timeout_s, rng=rng)
        self.channel = ch = self._attested.channel
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
        self._attested.close()

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
        return self._attested.is_attested

    @property
    def attestations(self) -> int:
        """Handshakes completed (re-attestations included)."""
        return self._attested.attestations

    @property
    def enclave_identity(self) -> object:
        """What the verifier returned for the node's enclave (its report body), or ``None``."""
        return self._attested.enclave_identity

    def attest(self) -> bytes:
        """Run the NX handshake; returns the session's channel id. A refused or unverifiable
        enclave is the verifier's ``attest.*`` error; a failed call ``client.rpc_failed``."""
        return self._attested.attest()

    def deattest(self) -> None:
        self._attested.deattest()

    # --- calls ---------------------------------------------------------------------------

    def propose_tx(self, tx: Tx) -> consensus_common_pb2.ProposeTxResponse:
        """Submit ``tx``; the answer's ``result`` is MobileCoin's ``ProposeTxResult`` (the
        caller judges it). Attests first when there is no session."""

        def keep(session: AttestedSession, reply: consensus_common_pb2.ProposeTxResponse
                 ) -> tuple[AttestedSession, consensus_common_pb2.ProposeTxResponse]:
            return session, reply  # the answer is not sealed

        return self._attested.sealed_call(
            self._propose.path, lambda request: self._propose(request, self.timeout_s),
            tx.to_protobuf(), b"", keep)

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
