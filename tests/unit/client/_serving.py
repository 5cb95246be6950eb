"""A real grpc server on 127.0.0.1 (port 0) for the client tests, started and stopped with a
bounded wait, and a helper reading the status of a refused call."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import grpc
import pytest

from refimpl.node.grpc_util import ServiceHandler

#: Upper bound of every wait for the server to start, answer or stop.
TIMEOUT_S = 10.0


@contextmanager
def serving_at(handlers: Sequence[ServiceHandler]) -> Iterator[tuple[grpc.Channel, int]]:
    """Serve ``handlers`` on a free 127.0.0.1 port; yields a connected channel and the port."""
    server = grpc.server(ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers(tuple(handlers))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        grpc.channel_ready_future(channel).result(timeout=TIMEOUT_S)
        yield channel, port
    finally:
        channel.close()
        server.stop(grace=None).wait(timeout=TIMEOUT_S)


@contextmanager
def serving(handlers: Sequence[ServiceHandler]) -> Iterator[grpc.Channel]:
    """Serve ``handlers`` on a free 127.0.0.1 port; yields a connected channel."""
    with serving_at(handlers) as (channel, _port):
        yield channel


def refusal(call: Callable[[], Any]) -> tuple[grpc.StatusCode, str]:
    """The status code and details of a call that must fail."""
    with pytest.raises(grpc.RpcError) as info:
        call()
    err = info.value
    assert isinstance(err, grpc.Call)
    return err.code(), err.details() or ""
