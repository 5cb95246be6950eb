"""The committed refimpl/node/api/*_pb2.py(i) are exactly what tools/gen_protos.py makes from
the .proto files beside them, and the wire field numbers are MobileCoin's where it publishes
them (consensus/api/proto/*.proto, attest/api/proto/attest.proto)."""

from __future__ import annotations

from pathlib import Path

import pytest

from refimpl.node.api import (
    attest_pb2,
    consensus_client_pb2,
    consensus_common_pb2,
    consensus_peer_pb2,
)
from tests.unit.generated_protos import ROOT, assert_generated_up_to_date


def test_generated_modules_are_up_to_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_generated_up_to_date(ROOT / "refimpl" / "node" / "api", tmp_path, monkeypatch)


def _numbers(message: type) -> dict[str, int]:
    return {f.name: f.number for f in message.DESCRIPTOR.fields}  # type: ignore[attr-defined]


def test_field_numbers_are_mobilecoins() -> None:
    assert _numbers(attest_pb2.Message) == {"aad": 1, "channel_id": 2, "data": 3}
    assert _numbers(attest_pb2.AuthMessage) == {"data": 1}
    assert _numbers(consensus_common_pb2.ProposeTxResponse) == {
        "result": 1, "block_count": 2, "block_version": 3, "err_msg": 4}
    assert _numbers(consensus_common_pb2.LastBlockInfoResponse) == {
        "index": 1, "mob_minimum_fee": 2, "minimum_fees": 3, "network_block_version": 4}
    assert _numbers(consensus_common_pb2.BlocksRequest) == {"offset": 1, "limit": 2}
    assert _numbers(consensus_peer_pb2.ConsensusMsg) == {"from_responder_id": 1, "payload": 2}
    assert _numbers(consensus_peer_pb2.GetTxsRequest) == {"channel_id": 1, "tx_hashes": 2}
    assert _numbers(consensus_peer_pb2.GetTxsResponse) == {
        "success": 1, "tx_hashes_not_in_cache": 2}
    assert _numbers(consensus_client_pb2.ConsensusNodeConfig) == {
        "minting_trust_root": 1, "token_config_map": 2, "governors_signature": 3,
        "peer_responder_id": 4, "client_responder_id": 5, "block_signing_key": 6,
        "block_version": 7, "scp_message_signing_key": 8}
    results = consensus_common_pb2.ProposeTxResult
    assert results.Value("Ok") == 0 and results.Value("InputsProofsLengthMismatch") == 10
    assert results.Value("ContainsSpentKeyImage") == 27
    assert results.Value("FeeMapDigestMismatch") == 55
    assert consensus_peer_pb2.ConsensusMsgResult.Value("UnknownPeer") == 10
