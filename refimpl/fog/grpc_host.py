"""Hosting a fog service on gRPC: the server, its health service, the attested methods.

MobileCoin ``fog/view/server/src/fog_view_service.rs``, ``fog/ledger/server/src/
key_image_service.rs`` and ``merkle_proof_service.rs``: each attested service has an ``Auth``
method (the NX handshake, answered by the enclave's ``client_accept``) and methods taking and
returning ``attest.Message``, decrypted and encrypted by the enclave. A message on a channel
the enclave does not know, or one that does not decrypt, is ``PERMISSION_DENIED`` (the
client then re-attests, as ``fog/enclave_connection`` does); a request that decrypts but is
malformed is ``INVALID_ARGUMENT`` with its ``error[CODE]`` line (``unary_handler``). Plain
(unattested) methods use :func:`refimpl.node.grpc_util.unary_handler` directly. Every server
also serves ``grpc.health.v1.Health``.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc

from refimpl.errors import FogError, RefImplError
from refimpl.fog.enclave import FogEnclave
from refimpl.node.api import attest_pb2
from refimpl.node.grpc_util import MethodHandler, service_handler, unary_handler
from refimpl.node.services import Health

SERVER_THREADS = 8
MAX_RECEIVE_BYTES = 8 << 20
#: An attested method's body: (request plaintext, request AAD) -> response plaintext.
EnclaveMethod = Callable[[bytes, bytes], bytes]


def _permission_denied(context: grpc.ServicerContext, err: RefImplError) -> None:
    context.abort(grpc.StatusCode.PERMISSION_DENIED, "Permission denied: " + err.one_line())


def auth_method(enclave: FogEnclave) -> MethodHandler:
    """``Auth(AuthMessage) -> AuthMessage``: the enclave's NX responder."""

    def auth(request: attest_pb2.AuthMessage,
             context: grpc.ServicerContext) -> attest_pb2.AuthMessage:
        try:
            message2, _ = enclave.client_accept(request.data)
        except RefImplError as err:
            _permission_denied(context, err)
            raise  # unreachable: abort raises
        return attest_pb2.AuthMessage(data=message2)

    return unary_handler(auth, attest_pb2.AuthMessage, attest_pb2.AuthMessage)


def attested_method(enclave: FogEnclave, body: EnclaveMethod) -> MethodHandler:
    """``Method(attest.Message) -> attest.Message``: open the request in the enclave, run
    ``body`` on the plaintext, seal its answer on the same channel."""

    def handle(request: attest_pb2.Message,
               context: grpc.ServicerContext) -> attest_pb2.Message:
        try:
            plaintext = enclave.client_open(request.aad, request.channel_id, request.data)
        except RefImplError as err:
            enclave.drop_session(request.channel_id)
            _permission_denied(context, err)
            raise  # unreachable: abort raises
        answer = body(plaintext, request.aad)
        frame = enclave.client_seal(request.channel_id, answer)
        return attest_pb2.Message(aad=frame.aad, channel_id=frame.channel_id, data=frame.data)

    return unary_handler(handle, attest_pb2.Message, attest_pb2.Message)


def attested_service(service: str, enclave: FogEnclave,
                     methods: Mapping[str, EnclaveMethod],
                     plain: Mapping[str, MethodHandler] | None = None) -> Any:
    """The handler of ``service`` (``package.Service``): ``Auth``, every attested method of
    ``methods`` and the ``plain`` handlers."""
    handlers: dict[str, MethodHandler] = {"Auth": auth_method(enclave)}
    handlers.update({name: attested_method(enclave, body) for name, body in methods.items()})
    handlers.update(plain or {})
    return service_handler(service, handlers)


class FogServer:
    """One gRPC server on ``address`` (``HOST:PORT``; port 0 picks a free one)."""

    def __init__(self, what: str, address: str, handlers: list[Any]) -> None:
        self.what = what
        self.address = address
        self.health = Health()
        self._server = grpc.server(
            ThreadPoolExecutor(max_workers=SERVER_THREADS, thread_name_prefix=what),
            handlers=handlers,
            options=[("grpc.max_receive_message_length", MAX_RECEIVE_BYTES),
                     ("grpc.so_reuseport", 0)])
        self.health.add_to(self._server)
        self.port = 0

    def start(self) -> int:
        """Bind and start; a port that cannot be bound is ``fog.bind_failed``."""
        try:
            port = self._server.add_insecure_port(self.address)
        except RuntimeError:
            port = 0
        if port == 0:
            raise FogError("fog.bind_failed", f"could not bind the {self.what} to {self.address}")
        self._server.start()
        self.port = port
        return port

    def stop(self, grace_s: float = 1.0) -> None:
        self._server.stop(grace_s).wait()


def wait_for_termination(stop: threading.Event) -> None:
    """Block until SIGTERM or SIGINT (or ``stop`` is set by someone else)."""

    def on_signal(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stop.wait(0.5):
        pass
