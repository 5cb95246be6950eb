"""A running node refuses bad input with typed answers and keeps serving: an invalid
transaction gets MobileCoin's ProposeTxResult code, malformed gRPC payloads on every port get
INVALID_ARGUMENT with an error[CODE] line, a frame on an unknown channel is PERMISSION_DENIED,
and a payment still commits afterwards."""

from __future__ import annotations

from pathlib import Path

import attrs
import grpc
import pytest

from refimpl.client.ledger_source import GrpcLedgerSource
from refimpl.client.pay import minimum_fee, os_random
from refimpl.client.wallet import Wallet
from refimpl.node.api import attest_pb2, consensus_common_pb2
from refimpl.node.grpc_util import unary_call
from refimpl.transaction.tx import Tx
from tests.network._net import (
    WAIT_S,
    account,
    assert_ledgers_identical_and_sound,
    client_for,
    pay_through,
    running_network,
)

#: Methods of each port, called with bytes that are no encoding of their request message.
CLIENT_METHODS = ["/attest.AttestedApi/Auth",
                  "/consensus_client.ConsensusClientAPI/ClientTxPropose",
                  "/consensus_common.BlockchainAPI/GetBlocks",
                  "/mcref_ledger.LedgerAccessAPI/GetTxOuts"]
PEER_METHODS = ["/consensus_peer.ConsensusPeerAPI/SendConsensusMsg",
                "/consensus_peer.ConsensusPeerAPI/PeerTxPropose",
                "/consensus_peer.ConsensusPeerAPI/GetTxs", "/attest.AttestedApi/Auth"]
GARBAGE = [b"\xff\xff\xff\xff", b"\x0a\xff\xff\xff\xff\x0f", bytes(range(256)) * 4]


def _raw_call(port: int, path: str, payload: bytes) -> grpc.RpcError:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = channel.unary_unary(path, request_serializer=lambda b: b,
                                   response_deserializer=lambda b: b)
        with pytest.raises(grpc.RpcError) as err:
            call(payload, timeout=10)
    assert isinstance(err.value, grpc.Call)
    return err.value


def _bad_signature(tx: Tx) -> Tx:
    """The same transaction with one pseudo-output commitment replaced by another point."""
    sig = tx.signature
    pseudo = list(sig.pseudo_output_commitments)
    pseudo[0] = tx.prefix.outputs[0].masked_amount.commitment  # type: ignore[union-attr]
    return attrs.evolve(tx, signature=attrs.evolve(sig, pseudo_output_commitments=tuple(pseudo)))


@pytest.mark.slow
def test_bad_input_is_refused_and_the_node_keeps_serving(tmp_path: Path) -> None:
    with running_network(tmp_path / "net", 4) as (network, supervisor):
        n0 = network.node("n0")
        # malformed protobuf on every method of both ports
        for port, methods in ((n0.client_port, CLIENT_METHODS), (n0.peer_port, PEER_METHODS)):
            for path in methods:
                for payload in GARBAGE:
                    err = _raw_call(port, path, payload)
                    assert err.code() in (grpc.StatusCode.INVALID_ARGUMENT,
                                          grpc.StatusCode.PERMISSION_DENIED), (path, err)
                    assert (err.details() or "").startswith(("error[", "Permission")), err
        # a transaction frame on a channel that does not exist
        with grpc.insecure_channel(f"127.0.0.1:{n0.client_port}") as channel:
            with pytest.raises(grpc.RpcError) as err:
                unary_call(channel, "/consensus_client.ConsensusClientAPI/ClientTxPropose",
                           attest_pb2.Message(channel_id=b"\x01" * 64, data=b"\x00" * 40),
                           consensus_common_pb2.ProposeTxResponse, 10)
            assert isinstance(err.value, grpc.Call)
            assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
        # an invalid transaction: a well-formed tx whose ring signature does not verify
        with grpc.insecure_channel(f"127.0.0.1:{n0.client_port}") as channel, \
                client_for(network, n0) as client:
            source = GrpcLedgerSource(channel)
            wallet = Wallet(account(network, 0))
            wallet.sync(source)
            info = client.last_block_info()
            tx = wallet.build_payment(source, account(network, 1).default_subaddress(), 1000,
                                      os_random, fee=minimum_fee(info, 0),
                                      tombstone_block=source.num_blocks() + 50,
                                      block_version=info.network_block_version)
            answer = client.propose_tx(_bad_signature(tx))
            assert consensus_common_pb2.ProposeTxResult.Name(answer.result) in (
                "InvalidTransactionSignature", "InvalidInputSignature"), answer
            assert answer.err_msg.startswith("error[")
            # the same tx expired: TombstoneBlockExceeded
            stale = wallet.build_payment(source, account(network, 1).default_subaddress(), 1000,
                                         os_random, fee=minimum_fee(info, 0),
                                         tombstone_block=1,
                                         block_version=info.network_block_version)
            answer = client.propose_tx(stale)
            assert consensus_common_pb2.ProposeTxResult.Name(answer.result) == \
                "TombstoneBlockExceeded"
        # still serving: a real payment commits, the ledgers agree
        payment = pay_through(network, "n1", 0, 1)
        assert payment.block_index >= 1
        supervisor.wait_heights_equal(payment.block_index + 1, WAIT_S)
    assert_ledgers_identical_and_sound(network)
