"""gRPC failures seen by the client, as typed errors.

MobileCoin's connections wrap every ``grpcio::Error`` in their own error type
(``connection/src/error.rs``, ``Error::Grpc``); here a failed call becomes
``ClientError("client.rpc_failed")`` naming the method, the status code and its details.
"""

from __future__ import annotations

import grpc

from refimpl.errors import ClientError
from refimpl.node.grpc_util import Req, Resp, UnaryCaller


def status_code(err: grpc.RpcError) -> grpc.StatusCode | None:
    """The status of a failed call (grpc's errors are also :class:`grpc.Call` objects)."""
    return err.code() if isinstance(err, grpc.Call) else None


def rpc_failed(path: str, err: grpc.RpcError) -> ClientError:
    code = status_code(err)
    details = err.details() if isinstance(err, grpc.Call) else str(err)
    name = code.name if code is not None else "UNKNOWN"
    return ClientError("client.rpc_failed", f"{path}: {name}: {details}")


def call(caller: UnaryCaller[Req, Resp], request: Req, timeout_s: float | None) -> Resp:
    """``caller(request)``, a gRPC failure raised as ``client.rpc_failed``."""
    try:
        return caller(request, timeout_s)
    except grpc.RpcError as err:
        raise rpc_failed(caller.path, err) from err
