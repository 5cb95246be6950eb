"""An attested connection to an enclave: NX handshake, then encrypted unary calls.

MobileCoin ``fog/enclave_connection/src/lib.rs`` (``EnclaveConnection``) and
``connection/src/thick.rs`` (``ThickClient::attested_call``): ``attest`` runs the Noise NX
handshake over the service's ``Auth`` method, checking the enclave's DCAP evidence against the
client's trusted identity; a call seals the request on the session; a failed call drops the
session so that the next one re-attests, and ``PERMISSION_DENIED`` — the server lost the
session — re-attests once and retries. The server takes each frame's nonce from its own
session counter, so the calls of one session are strictly sequential: a lock covers sealing,
sending and opening.

Used for a validator's ``ClientTxPropose`` (:class:`refimpl.client.connection.ConsensusClient`,
whose answer is a plain ``ProposeTxResponse``) and for the fog enclaves (view, key images,
outputs: :meth:`AttestedConnection.call`, whose answer is sealed too).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

import grpc

from refimpl.client.rpc import call, rpc_failed, status_code
from refimpl.crypto.noise import Rng
from refimpl.enclave.channel import AttestedSession, EvidenceVerifier, Frame, client_init
from refimpl.node.api import attest_pb2
from refimpl.node.grpc_util import UnaryCaller

DEFAULT_TIMEOUT_S = 10.0
Reply = TypeVar("Reply")
Result = TypeVar("Result")


class AttestedConnection:
    """An NX-attested client of one fog enclave at ``target`` (``HOST:PORT``). Thread-safe:
    calls on the session are serialised (the server takes each frame's nonce from its own
    counter). Close it when done, or use it as a context manager."""

    def __init__(self, target: str, responder_id: str, verifier: EvidenceVerifier,
                 auth_path: str, *, timeout_s: float = DEFAULT_TIMEOUT_S,
                 rng: Rng = os.urandom) -> None:
        self.target = target
        self.responder_id = responder_id
        self.timeout_s = timeout_s
        self._verifier = verifier
        self._rng = rng
        self.channel = grpc.insecure_channel(target)
        self._auth = UnaryCaller(self.channel, auth_path, attest_pb2.AuthMessage,
                                 attest_pb2.AuthMessage)
        self._callers: dict[str, UnaryCaller[attest_pb2.Message, attest_pb2.Message]] = {}
        self._lock = threading.Lock()
        self._session: AttestedSession | None = None
        #: handshakes completed (re-attestations included)
        self.attestations = 0

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> AttestedConnection:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def is_attested(self) -> bool:
        return self._session is not None

    def deattest(self) -> None:
        """Forget the session (the next call attests again)."""
        with self._lock:
            self._session = None

    @property
    def enclave_identity(self) -> object:
        """What the verifier returned for the enclave (its report body), or ``None``."""
        session = self._session
        return None if session is None else session.peer_identity

    def attest(self) -> bytes:
        """Run the NX handshake now; returns the channel id. A refused enclave is the
        verifier's ``attest.*`` error, a failed call ``client.rpc_failed``."""
        with self._lock:
            return self._attest_locked().channel_id

    def _attest_locked(self) -> AttestedSession:
        self._session = None
        pending, message1 = client_init(self.responder_id, self._verifier, self._rng)
        reply = call(self._auth, attest_pb2.AuthMessage(data=message1), self.timeout_s)
        session = pending.finish(reply.data)
        self._session = session
        self.attestations += 1
        return session

    def _caller(self, method_path: str) -> UnaryCaller[attest_pb2.Message, attest_pb2.Message]:
        caller = self._callers.get(method_path)
        if caller is None:
            caller = UnaryCaller(self.channel, method_path, attest_pb2.Message,
                                 attest_pb2.Message)
            self._callers[method_path] = caller
        return caller

    def sealed_call(self, method_path: str, send: Callable[[attest_pb2.Message], Reply],
                    plaintext: bytes, aad: bytes,
                    finish: Callable[[AttestedSession, Reply], tuple[AttestedSession, Result]]
                    ) -> Result:
        """Seal ``plaintext`` (``aad`` in clear) on the session, attesting first when there
        is none, ``send`` it, and let ``finish`` read the reply with the session (it returns
        the session to keep). ``PERMISSION_DENIED`` re-attests once and retries; any failure
        drops the session; a failed call is ``client.rpc_failed`` naming ``method_path``."""
        with self._lock:
            for attempt in range(2):
                session = self._session or self._attest_locked()
                session, frame = session.seal(plaintext, aad)
                self._session = session
                request = attest_pb2.Message(aad=frame.aad, channel_id=frame.channel_id,
                                             data=frame.data)
                try:
                    reply = send(request)
                except grpc.RpcError as err:
                    self._session = None
                    if attempt == 0 and status_code(err) == grpc.StatusCode.PERMISSION_DENIED:
                        continue
                    raise rpc_failed(method_path, err) from err
                try:
                    self._session, result = finish(session, reply)
                except Exception:
                    self._session = None
                    raise
                return result
        raise AssertionError("unreachable: the second attempt returns or raises")

    def call(self, method_path: str, plaintext: bytes, aad: bytes = b"") -> bytes:
        """Seal ``plaintext`` (with ``aad`` in clear), call ``method_path``, open the sealed
        answer."""
        caller = self._caller(method_path)

        def open_reply(session: AttestedSession,
                       reply: attest_pb2.Message) -> tuple[AttestedSession, bytes]:
            return session.open(
                Frame(reply.aad, reply.channel_id, reply.data, session.recv.cipher.n))

        return self.sealed_call(method_path, lambda request: caller(request, self.timeout_s),
                                plaintext, aad, open_reply)
