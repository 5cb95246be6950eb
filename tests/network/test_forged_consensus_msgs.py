"""The peer API against forged consensus messages: a sender not among the node's broadcast
peers gets ``UnknownPeer``; a message signed by a key other than the sender's configured one,
or malformed, is ``INVALID_ARGUMENT`` with its typed code; a correctly signed message naming
another parent block ("a different blockchain") is taken but dropped before SCP and counted
(``scp_messages_dropped_due_to_invalid_prev_block_id``, which MobileCoin declares but never
increments); the node keeps making progress."""

from __future__ import annotations

import time
from pathlib import Path

import grpc
import pytest

from refimpl.consensus.scp.msg import Msg, Nominate
from refimpl.ledger.signature import signing_key_from_bytes
from refimpl.node.api import consensus_peer_pb2
from refimpl.node.config import load_msg_signer_key
from refimpl.node.consensus_msg import ConsensusMsg
from refimpl.node.grpc_util import unary_call
from refimpl.node.supervisor import admin_metrics
from tests.network._net import WAIT_S, pay_through, running_network

SEND = "/consensus_peer.ConsensusPeerAPI/SendConsensusMsg"


def _send(port: int, sender: str, msg: ConsensusMsg) -> int:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        reply = unary_call(channel, SEND, consensus_peer_pb2.ConsensusMsg(
            from_responder_id=sender, payload=msg.encode()),
            consensus_peer_pb2.ConsensusMsgResponse, 10)
    return int(reply.result)


def _counter(text: str, series: str) -> float:
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.mark.slow
def test_forged_consensus_messages_are_refused_or_dropped(tmp_path: Path) -> None:
    with running_network(tmp_path / "net", 4) as (network, supervisor):
        n0, n1 = network.node("n0"), network.node("n1")
        n1_key = load_msg_signer_key(n1.directory / "msg-signer.key")
        block_1 = pay_through(network, "n0", 0, 1).block_index + 1
        supervisor.wait_heights_equal(block_1, WAIT_S)
        slot = block_1  # the slot n0 is in now
        nominate = Msg(n1.peer_responder_id, slot, n1.quorum_set,
                       Nominate(frozenset({b"\x11" * 32}), frozenset()))

        # not a broadcast peer of n0: UnknownPeer, whatever the payload
        honest = ConsensusMsg.sign(nominate, b"\x00" * 32, n1_key)
        assert _send(n0.peer_port, "127.0.0.1:1", honest) == consensus_peer_pb2.UnknownPeer

        # n1's name, another key
        forger = signing_key_from_bytes(b"\x07" * 32)
        with pytest.raises(grpc.RpcError) as err:
            _send(n0.peer_port, n1.peer_responder_id,
                  ConsensusMsg.sign(nominate, b"\x00" * 32, forger))
        assert isinstance(err.value, grpc.Call)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert (err.value.details() or "").startswith("error[node.msg_bad_signature]")

        # n1's real key, but bound to a parent block that is not n0's block slot-1
        before = _counter(admin_metrics(n0) or "", 'consensus_scp_total{op="scp_messages_'
                          'dropped_due_to_invalid_prev_block_id"}')
        other_chain = ConsensusMsg.sign(nominate, b"\x22" * 32, n1_key)
        assert _send(n0.peer_port, n1.peer_responder_id, other_chain) == consensus_peer_pb2.Ok
        deadline = time.monotonic() + WAIT_S
        after = before
        while after == before and time.monotonic() < deadline:
            time.sleep(0.1)
            after = _counter(admin_metrics(n0) or "", 'consensus_scp_total{op="scp_messages_'
                             'dropped_due_to_invalid_prev_block_id"}')
        assert after == before + 1

        # n0 keeps working
        payment = pay_through(network, "n0", 1, 2)
        supervisor.wait_heights_equal(payment.block_index + 1, WAIT_S)
