"""The fog ledger server in-process on 127.0.0.1 over a real LMDB ledger: the four APIs
(MobileCoin fog/ledger/server: key_image_service.rs, merkle_proof_service.rs,
block_service.rs, untrusted_tx_out_service.rs) through an attested connection or a plain
channel, answers checked against what the ledger holds, refusals of bad input typed, the
server serving on afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refimpl.client.attested import AttestedConnection
from refimpl.enclave.channel import MAX_PLAINTEXT
from refimpl.errors import AttestError, ClientError
from refimpl.fog.api import fog_common_pb2, ledger_pb2
from refimpl.fog.block_source import TIMESTAMP_UNKNOWN
from refimpl.fog.enclave import SIM_FOG_LEDGER_CODE, SIM_FOG_VIEW_CODE, fog_verifier
from refimpl.fog.ledger import block_service, key_image_service, merkle_proof_service
from refimpl.fog.ledger import untrusted_tx_out_service as tx_out_service
from refimpl.fog.ledger.enclave import MAX_KEY_IMAGE_QUERIES
from refimpl.fog.ledger.messages import (
    KEY_IMAGE_RESULT_LEN,
    CheckKeyImagesResponse,
    check_key_images_request,
    key_image_message,
)
from refimpl.fog.ledger.server import LedgerConfig, LedgerServer
from refimpl.fog.ledger.timestamp import TimestampResultCode
from refimpl.fog.ledger.untrusted_tx_out_service import compressed_ristretto
from refimpl.fog.types import KeyImageResultCode
from refimpl.node.api import attest_pb2
from refimpl.node.grpc_util import UnaryCaller, method_path
from refimpl.protobuf import parse_fields
from refimpl.transaction.block_version import MAX_BLOCK_VERSION
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.membership_proofs.merkle import is_membership_proof_valid
from refimpl.transaction.membership_proofs.types import TxOutMembershipProof
from refimpl.transaction.tx import tx_out_from_protobuf
from tests.unit.fog._shared import BASE_TIMESTAMP, wait_for
from tests.unit.fog.ledger._ledger import (
    LedgerFacts,
    append_in_child,
    build_ledger,
    synthetic_contents,
)

SEED = b"fog ledger server test"
RESPONDER_ID = "ledger.test:3223"
NUM_BLOCKS = 8
UNSIGNED_BLOCK = 4
TIMEOUT_S = 20.0
U64_MAX = 2**64 - 1

CHECK_KEY_IMAGES = method_path(key_image_service.SERVICE, "CheckKeyImages")
GET_OUTPUTS = method_path(merkle_proof_service.SERVICE, "GetOutputs")
GET_BLOCKS = method_path(block_service.SERVICE, "GetBlocks")
GET_TX_OUTS = method_path(tx_out_service.SERVICE, "GetTxOuts")
ATTESTED = {
    CHECK_KEY_IMAGES: method_path(key_image_service.SERVICE, "Auth"),
    GET_OUTPUTS: method_path(merkle_proof_service.SERVICE, "Auth"),
}
EVERY_METHOD = [*ATTESTED, *ATTESTED.values(), GET_BLOCKS, GET_TX_OUTS]


def start_server(ledger_dir: Path, **changes: Any) -> LedgerServer:
    config = LedgerConfig(ledger_db=ledger_dir, sgx_seed=SEED, client_listen_uri="127.0.0.1:0",
                          client_responder_id=RESPONDER_ID, omap_capacity=4096,
                          poll_interval_ms=20, **changes)
    server = LedgerServer(config)
    server.start()
    return server


@pytest.fixture(scope="module")
def facts_and_path(tmp_path_factory: pytest.TempPathFactory) -> tuple[LedgerFacts, Path]:
    path = tmp_path_factory.mktemp("fog-ledger") / "ledger"
    return build_ledger(path, b"serve", NUM_BLOCKS, unsigned={UNSIGNED_BLOCK}), path


@pytest.fixture(scope="module")
def facts(facts_and_path: tuple[LedgerFacts, Path]) -> LedgerFacts:
    return facts_and_path[0]


@pytest.fixture(scope="module")
def server(facts_and_path: tuple[LedgerFacts, Path]) -> Iterator[LedgerServer]:
    server = start_server(facts_and_path[1])
    try:
        wait_for("the ledger loaded", lambda: server.fetcher.state.num_blocks == NUM_BLOCKS)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def channel(server: LedgerServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.address) as ch:
        yield ch


def connect(server: LedgerServer, method: str) -> AttestedConnection:
    return AttestedConnection(server.address, RESPONDER_ID, fog_verifier(SEED, SIM_FOG_LEDGER_CODE),
                              ATTESTED[method], timeout_s=TIMEOUT_S)


def check_key_images(server: LedgerServer, request: bytes) -> tuple[CheckKeyImagesResponse,
                                                                     bytes]:
    with connect(server, CHECK_KEY_IMAGES) as conn:
        raw = conn.call(CHECK_KEY_IMAGES, request)
    return CheckKeyImagesResponse.from_protobuf(raw), raw


def get_outputs(server: LedgerServer, indices: list[int]) -> ledger_pb2.GetOutputsResponse:
    with connect(server, GET_OUTPUTS) as conn:
        raw = conn.call(GET_OUTPUTS, ledger_pb2.GetOutputsRequest(
            indices=indices, merkle_root_block=1).SerializeToString())
    return ledger_pb2.GetOutputsResponse.FromString(raw)


def get_blocks(channel: grpc.Channel, *ranges: tuple[int, int]) -> ledger_pb2.BlockResponse:
    caller = UnaryCaller(channel, GET_BLOCKS, ledger_pb2.BlockRequest, ledger_pb2.BlockResponse)
    return caller(ledger_pb2.BlockRequest(ranges=[
        fog_common_pb2.BlockRange(start_block=s, end_block=e) for s, e in ranges]), TIMEOUT_S)


def get_tx_outs(channel: grpc.Channel, keys: list[bytes]) -> ledger_pb2.TxOutResponse:
    caller = UnaryCaller(channel, GET_TX_OUTS, ledger_pb2.TxOutRequest, ledger_pb2.TxOutResponse)
    return caller(ledger_pb2.TxOutRequest(tx_out_pubkeys=keys), TIMEOUT_S)


def refusal(call: Callable[[], Any]) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as info:
        call()
    err = info.value
    assert isinstance(err, grpc.Call)
    return err.code(), err.details() or ""


def raw_call(channel: grpc.Channel, path: str, data: bytes) -> bytes:
    """Send ``data`` as the request's bytes, whatever they are."""

    def same(raw: bytes) -> bytes:
        return raw

    call = channel.unary_unary(path, request_serializer=same, response_deserializer=same)
    result: bytes = call(data, timeout=TIMEOUT_S)
    return result


def expected_timestamp(block: int) -> int:
    return TIMESTAMP_UNKNOWN if block == UNSIGNED_BLOCK else BASE_TIMESTAMP + block


# --- FogKeyImageAPI ----------------------------------------------------------------------------


def test_key_images_spent_and_not_spent(server: LedgerServer, facts: LedgerFacts) -> None:
    spent = [(b, k.to_bytes()) for b in (1, UNSIGNED_BLOCK, NUM_BLOCKS - 1)
             for k in facts.contents[b].key_images[:1]]
    fresh = KeyImage.from_u64(12345).to_bytes()
    response, raw = check_key_images(
        server, check_key_images_request([k for _, k in spent] + [fresh]))
    last = facts.blocks[-1]
    assert response.num_blocks == NUM_BLOCKS
    assert response.global_txo_count == last.cumulative_txo_count
    assert response.latest_block_version == last.version
    assert response.max_block_version == max(last.version, MAX_BLOCK_VERSION)
    for (block, key_image), result in zip(spent, response.results, strict=False):
        assert result.key_image == key_image
        assert result.code == KeyImageResultCode.SPENT
        assert result.spent_at == block
        assert result.timestamp == expected_timestamp(block)
        assert result.timestamp_result_code == TimestampResultCode.TIMESTAMP_FOUND
    unspent = response.results[-1]
    assert (unspent.key_image, unspent.code) == (fresh, KeyImageResultCode.NOT_SPENT)
    sizes = {len(f.value) for f in parse_fields(raw) if f.tag == 3 and isinstance(f.value, bytes)}
    assert sizes == {KEY_IMAGE_RESULT_LEN}


def test_malformed_key_images_answer_key_image_error_with_the_same_size(
        server: LedgerServer) -> None:
    request = ledger_pb2.CheckKeyImagesRequest(queries=[
        ledger_pb2.KeyImageQuery(key_image=b""),
        ledger_pb2.KeyImageQuery(key_image=key_image_message(bytes(31))),
        ledger_pb2.KeyImageQuery(key_image=b"\xff\xfe\xfd"),
        ledger_pb2.KeyImageQuery(key_image=key_image_message(b"\xff" + bytes(31))),
        ledger_pb2.KeyImageQuery(key_image=key_image_message(KeyImage.from_u64(9).to_bytes())),
    ]).SerializeToString()
    response, raw = check_key_images(server, request)
    assert [r.code for r in response.results] == [KeyImageResultCode.KEY_IMAGE_ERROR] * 4 + [
        KeyImageResultCode.NOT_SPENT]
    sizes = [len(f.value) for f in parse_fields(raw) if f.tag == 3 and isinstance(f.value, bytes)]
    assert sizes == [KEY_IMAGE_RESULT_LEN] * 5
    empty, _ = check_key_images(server, b"")
    assert empty.results == () and empty.num_blocks == NUM_BLOCKS


# --- FogMerkleProofAPI -------------------------------------------------------------------------


def test_outputs_come_with_proofs_against_the_ledger_root(server: LedgerServer,
                                                          facts: LedgerFacts) -> None:
    outputs = [out for contents in facts.contents for out in contents.outputs]
    total = facts.num_tx_outs
    assert len(outputs) == total
    indices = [0, 3, total - 1, 5, 3, total, U64_MAX]
    response = get_outputs(server, indices)
    assert (response.num_blocks, response.global_txo_count) == (NUM_BLOCKS, total)
    assert response.max_block_version == max(facts.blocks[-1].version, MAX_BLOCK_VERSION)
    assert [r.index for r in response.results] == indices
    for result in response.results:
        if result.index >= total:
            assert result.result_code == ledger_pb2.DoesNotExist
            assert (result.output, result.proof) == (b"", b"")
            continue
        assert result.result_code == ledger_pb2.Exists
        tx_out = tx_out_from_protobuf(result.output)
        assert tx_out == outputs[result.index]
        proof = TxOutMembershipProof.from_protobuf(result.proof)
        assert proof.index == result.index and proof.highest_index == total - 1
        assert is_membership_proof_valid(tx_out, proof, facts.root_hash)
    assert list(get_outputs(server, []).results) == []


def test_more_than_2000_indices_are_refused_and_the_server_serves_on(
        server: LedgerServer) -> None:
    with connect(server, GET_OUTPUTS) as conn:
        with pytest.raises(ClientError) as info:
            conn.call(GET_OUTPUTS, ledger_pb2.GetOutputsRequest(
                indices=list(range(2001))).SerializeToString())
        assert "INVALID_ARGUMENT" in info.value.message
        assert "error[fog.ledger_too_many_indices]" in info.value.message
        raw = conn.call(GET_OUTPUTS, ledger_pb2.GetOutputsRequest(
            indices=list(range(2000))).SerializeToString())  # re-attests, then answers
        assert conn.attestations == 2
    assert len(ledger_pb2.GetOutputsResponse.FromString(raw).results) == 2000


def test_the_largest_request_is_answered_in_one_message(server: LedgerServer,
                                                        facts: LedgerFacts) -> None:
    """MobileCoin's cap of 2000 indices, each with its proof, fits one attested message."""
    every = list(range(facts.num_tx_outs))
    indices = (every * (2000 // len(every) + 1))[:2000]
    with connect(server, GET_OUTPUTS) as conn:
        raw = conn.call(GET_OUTPUTS, ledger_pb2.GetOutputsRequest(
            indices=indices).SerializeToString())
    assert len(ledger_pb2.GetOutputsResponse.FromString(raw).results) == 2000


# --- FogBlockAPI -------------------------------------------------------------------------------


def test_blocks_are_the_ledgers(channel: grpc.Channel, facts: LedgerFacts) -> None:
    response = get_blocks(channel, (0, 3), (6, 1000), (5, 5), (2, 3))
    assert (response.num_blocks, response.global_txo_count) == (
        NUM_BLOCKS, facts.num_tx_outs)
    assert [b.index for b in response.blocks] == [0, 1, 2, 6, 7, 2]
    for data in response.blocks:
        block = facts.blocks[data.index]
        assert data.global_txo_count == block.cumulative_txo_count
        assert tuple(tx_out_from_protobuf(o) for o in data.outputs) == \
            facts.contents[data.index].outputs
        assert data.timestamp == expected_timestamp(data.index)
        assert data.timestamp_result_code == TimestampResultCode.TIMESTAMP_FOUND
    unsigned = get_blocks(channel, (UNSIGNED_BLOCK, UNSIGNED_BLOCK + 1)).blocks[0]
    assert (unsigned.timestamp, unsigned.timestamp_result_code) == (
        TIMESTAMP_UNKNOWN, TimestampResultCode.UNAVAILABLE)
    assert len(get_blocks(channel, (0, U64_MAX)).blocks) == NUM_BLOCKS
    assert list(get_blocks(channel).blocks) == []


def test_blocks_per_answer_are_capped(channel: grpc.Channel) -> None:
    cap = block_service.MAX_BLOCKS_PER_REQUEST
    response = get_blocks(channel, *[(0, NUM_BLOCKS)] * (cap // NUM_BLOCKS + 2))
    assert len(response.blocks) == cap
    assert [b.index for b in response.blocks[:NUM_BLOCKS + 1]] == [*range(NUM_BLOCKS), 0]


def test_a_backwards_range_is_refused(channel: grpc.Channel) -> None:
    code, details = refusal(lambda: get_blocks(channel, (0, 2), (5, 3)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "error[fog.bad_block_range]" in details


# --- FogUntrustedTxOutApi ----------------------------------------------------------------------


def test_tx_outs_are_found_by_public_key(channel: grpc.Channel, facts: LedgerFacts) -> None:
    wanted = [(b, i) for b in (0, UNSIGNED_BLOCK, NUM_BLOCKS - 1) for i in range(2)]
    keys = [facts.contents[b].outputs[i].public_key.to_bytes() for b, i in wanted]
    unknown = KeyImage.from_u64(77).to_bytes()  # some point that is no output's key
    response = get_tx_outs(channel, [compressed_ristretto(k) for k in [*keys, unknown]])
    assert (response.num_blocks, response.global_txo_count) == (NUM_BLOCKS, facts.num_tx_outs)
    for (block, i), key, result in zip(wanted, keys, response.results, strict=False):
        assert result.tx_out_pubkey == compressed_ristretto(key)
        assert result.result_code == ledger_pb2.Found
        first = facts.blocks[block].cumulative_txo_count - len(facts.contents[block].outputs)
        assert result.tx_out_global_index == first + i
        assert result.block_index == block
        assert result.timestamp == expected_timestamp(block)
        expected_code = (TimestampResultCode.UNAVAILABLE if block == UNSIGNED_BLOCK
                         else TimestampResultCode.TIMESTAMP_FOUND)
        assert result.timestamp_result_code == expected_code
    missing = response.results[-1]
    assert missing.result_code == ledger_pb2.NotFound
    assert missing.tx_out_pubkey == compressed_ristretto(unknown)
    assert list(get_tx_outs(channel, []).results) == []


def test_bad_tx_out_requests_are_refused(channel: grpc.Channel) -> None:
    for keys, code in [([compressed_ristretto(bytes(31))], "fog.ledger_bad_tx_out_pubkey"),
                       ([b"\xff\xff"], "fog.ledger_bad_tx_out_pubkey"),
                       ([compressed_ristretto(bytes(32))] * 2001, "fog.ledger_too_many_queries")]:
        status, details = refusal(partial(get_tx_outs, channel, keys))
        assert status == grpc.StatusCode.INVALID_ARGUMENT
        assert f"error[{code}]" in details


# --- attestation and bad input -----------------------------------------------------------------


def test_a_client_trusting_another_enclave_refuses_the_ledger(server: LedgerServer) -> None:
    verifier = fog_verifier(SEED, SIM_FOG_VIEW_CODE)
    with AttestedConnection(server.address, RESPONDER_ID, verifier,
                            ATTESTED[CHECK_KEY_IMAGES], timeout_s=TIMEOUT_S) as conn:
        with pytest.raises(AttestError):
            conn.attest()


def test_unknown_channels_are_permission_denied(channel: grpc.Channel) -> None:
    for path in ATTESTED:
        caller = UnaryCaller(channel, path, attest_pb2.Message, attest_pb2.Message)
        message = attest_pb2.Message(channel_id=b"\x01" * 32, data=b"\x02" * 40)
        code, _ = refusal(partial(caller, message, TIMEOUT_S))
        assert code == grpc.StatusCode.PERMISSION_DENIED


def test_garbage_inside_the_channel_is_a_typed_refusal(server: LedgerServer) -> None:
    for method in ATTESTED:
        with connect(server, method) as conn:
            with pytest.raises(ClientError) as info:
                conn.call(method, b"\xff\xff\xff\xff")
            assert "error[fog.bad_message]" in info.value.message
    with connect(server, CHECK_KEY_IMAGES) as conn, pytest.raises(ClientError) as info:
        conn.call(CHECK_KEY_IMAGES, check_key_images_request(
            [bytes(32)] * (MAX_KEY_IMAGE_QUERIES + 1)))
    assert "error[fog.ledger_too_many_queries]" in info.value.message


def test_the_most_key_images_a_call_holds_are_answered(server: LedgerServer) -> None:
    response, raw = check_key_images(server, check_key_images_request(
        [KeyImage.from_u64(1).to_bytes()] * MAX_KEY_IMAGE_QUERIES))
    assert len(response.results) == MAX_KEY_IMAGE_QUERIES
    assert len(raw) <= MAX_PLAINTEXT


@settings(max_examples=40, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
@given(st.sampled_from(EVERY_METHOD), st.binary(max_size=200))
def test_property_garbage_bytes_are_refused_and_the_server_serves_on(
        channel: grpc.Channel, server: LedgerServer, path: str, data: bytes) -> None:
    try:
        raw_call(channel, path, data)
    except grpc.RpcError as err:
        assert isinstance(err, grpc.Call)
        assert err.code() in (grpc.StatusCode.INVALID_ARGUMENT,
                              grpc.StatusCode.PERMISSION_DENIED), err.details()
    assert get_blocks(channel, (0, 1)).num_blocks == NUM_BLOCKS


def test_the_server_is_healthy_after_all_that(channel: grpc.Channel,
                                             server: LedgerServer) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    status = stub.Check(health_pb2.HealthCheckRequest(), timeout=TIMEOUT_S).status
    assert status == health_pb2.HealthCheckResponse.SERVING
    response, _ = check_key_images(server, check_key_images_request([bytes(32)]))
    assert response.num_blocks == NUM_BLOCKS


# --- the loader while serving ------------------------------------------------------------------


def test_blocks_appended_while_serving_become_visible(tmp_path: Path) -> None:
    path = tmp_path / "ledger"
    build_ledger(path, b"grow", 3)
    server = start_server(path)
    try:
        wait_for("3 blocks loaded", lambda: server.fetcher.state.num_blocks == 3)
        new = synthetic_contents(b"grow-more", 2)
        key_images = [k.to_bytes() for c in new for k in c.key_images]
        before, _ = check_key_images(server, check_key_images_request(key_images))
        assert {r.code for r in before.results} == {KeyImageResultCode.NOT_SPENT}
        append_in_child(path, b"grow-more", 2)  # a node's process appends blocks 3 and 4

        def loaded() -> bool:
            return check_key_images(server, b"")[0].num_blocks == 5

        wait_for("the appended blocks served", loaded)
        after, _ = check_key_images(server, check_key_images_request(key_images))
        assert [r.spent_at for r in after.results] == [3, 3, 4, 4]
        assert {r.code for r in after.results} == {KeyImageResultCode.SPENT}
        with grpc.insecure_channel(server.address) as ch:
            assert [b.index for b in get_blocks(ch, (3, 10)).blocks] == [3, 4]
    finally:
        server.stop()
