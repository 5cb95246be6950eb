"""The node's ``mcref_ledger.LedgerAccessAPI`` (refimpl/node/ledger_access.py) on a real grpc
server over a real LMDB ledger, read raw and through the client's GrpcLedgerSource."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf.message import Message
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.client.ledger_source import GrpcLedgerSource, StoreLedgerSource
from refimpl.errors import CODES, ClientError
from refimpl.ledger.apply import apply_transactions
from refimpl.ledger.block_protobuf import (
    block_contents_from_protobuf,
    block_contents_to_protobuf,
    block_from_protobuf,
)
from refimpl.ledger.store import LedgerStore
from refimpl.ledger.synthetic import SyntheticSource
from refimpl.node.api import ledger_access_pb2 as pb
from refimpl.node.grpc_util import UnaryCaller, method_path
from refimpl.node.ledger_access import (
    MAX_BLOCKS,
    MAX_KEY_IMAGES,
    MAX_TX_OUTS,
    SERVICE,
    LedgerAccessServicer,
)
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.membership_proofs.types import TxOutMembershipProof
from refimpl.transaction.tx import tx_out_from_protobuf
from tests.unit.client._serving import TIMEOUT_S, refusal, serving
from tests.unit.ledger._wallets import (
    BLOCK_VERSION,
    FEE_MAP,
    WALLETS,
    build_payment,
    create_ledger,
    origin_outputs,
    scan,
)
from tests.unit.transaction._txbuild import rng_from

ALICE, BOB = WALLETS[:2]
ORIGIN = origin_outputs()
METHODS: dict[str, tuple[type[Message], type[Message]]] = {
    "GetBlockContents": (pb.BlockContentsRequest, pb.BlockContentsResponse),
    "GetTxOuts": (pb.TxOutsRequest, pb.TxOutsResponse),
    "CheckKeyImages": (pb.KeyImagesRequest, pb.KeyImagesResponse),
}


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LedgerStore]:
    """Origin, then block 1 with Alice's payment to Bob (key images and outputs)."""
    store = create_ledger(tmp_path_factory.mktemp("access") / "ledger", ORIGIN)
    tx = build_payment(store, ALICE, scan(store, ALICE)[:1], BOB.default_subaddress(), 1000,
                       rng_from("access"))
    result = apply_transactions(store, [tx], BLOCK_VERSION, FEE_MAP, rng_from("apply"))
    assert result.accepted == (tx,)
    yield store
    store.close()


@pytest.fixture(scope="module")
def channel(ledger: LedgerStore) -> Iterator[grpc.Channel]:
    with serving([LedgerAccessServicer(ledger).handlers()]) as ch:
        yield ch


def caller(channel: grpc.Channel, method: str) -> UnaryCaller[Any, Any]:
    req, resp = METHODS[method]
    return UnaryCaller(channel, method_path(SERVICE, method), req, resp)


def get_tx_outs(channel: grpc.Channel, indices: list[int]) -> pb.TxOutsResponse:
    response: pb.TxOutsResponse = caller(channel, "GetTxOuts")(
        pb.TxOutsRequest(indices=indices), TIMEOUT_S)
    return response


# --- the three methods -----------------------------------------------------------------------


def test_block_contents_are_the_stored_blocks(ledger: LedgerStore, channel: grpc.Channel) -> None:
    response = caller(channel, "GetBlockContents")(
        pb.BlockContentsRequest(offset=0, limit=10), TIMEOUT_S)
    assert len(response.blocks) == ledger.num_blocks() == 2
    for index, data in enumerate(response.blocks):
        assert block_from_protobuf(data.block) == ledger.get_block(index)
        assert block_contents_from_protobuf(data.contents) == ledger.get_block_contents(index)
    assert block_contents_from_protobuf(response.blocks[1].contents).key_images  # spent inputs
    past_end = caller(channel, "GetBlockContents")(
        pb.BlockContentsRequest(offset=2, limit=10), TIMEOUT_S)
    assert list(past_end.blocks) == []


def test_tx_outs_carry_the_stores_proofs(ledger: LedgerStore, channel: grpc.Channel) -> None:
    last = ledger.num_tx_outs() - 1
    indices = [last, 0, 7, 7]
    response = get_tx_outs(channel, indices)
    assert response.num_tx_outs == ledger.num_tx_outs()
    assert [tx_out_from_protobuf(o.tx_out) for o in response.outputs] == [
        ledger.get_tx_out(i) for i in indices
    ]
    assert [TxOutMembershipProof.from_protobuf(o.proof) for o in response.outputs] == list(
        ledger.get_membership_proofs(indices)
    )
    assert get_tx_outs(channel, []).num_tx_outs == ledger.num_tx_outs()


def test_key_images_report_the_spending_block(ledger: LedgerStore, channel: grpc.Channel) -> None:
    spent = ledger.get_block_contents(1).key_images[0]
    unspent = KeyImage.from_u64(12345)
    response = caller(channel, "CheckKeyImages")(
        pb.KeyImagesRequest(key_images=[spent.to_bytes(), unspent.to_bytes()]), TIMEOUT_S)
    assert response.num_blocks == 2
    assert [(r.key_image, r.spent, r.spent_at) for r in response.results] == [
        (spent.to_bytes(), True, 1), (unspent.to_bytes(), False, 0)
    ]


# --- refusals ----------------------------------------------------------------------------------


def refused_with(code: str, call: object) -> None:
    assert code in CODES
    status, details = refusal(call)  # type: ignore[arg-type]
    assert status == grpc.StatusCode.INVALID_ARGUMENT
    assert details.startswith(f"error[{code}]")


def test_bad_requests_are_invalid_argument_and_the_server_keeps_serving(
    ledger: LedgerStore, channel: grpc.Channel
) -> None:
    count = ledger.num_tx_outs()
    refused_with("node.ledger_access_too_many",
                 lambda: get_tx_outs(channel, [0] * (MAX_TX_OUTS + 1)))
    refused_with("node.ledger_access_out_of_range", lambda: get_tx_outs(channel, [0, count]))
    refused_with("node.ledger_access_out_of_range", lambda: get_tx_outs(channel, [2**64 - 1]))
    check = caller(channel, "CheckKeyImages")
    refused_with("encoding.bad_length",
                 lambda: check(pb.KeyImagesRequest(key_images=[b"\x01" * 31]), TIMEOUT_S))
    refused_with("crypto.non_canonical_point",
                 lambda: check(pb.KeyImagesRequest(key_images=[b"\xff" * 32]), TIMEOUT_S))
    refused_with("node.ledger_access_too_many", lambda: check(
        pb.KeyImagesRequest(key_images=[bytes(32)] * (MAX_KEY_IMAGES + 1)), TIMEOUT_S))
    # still serving, and a full batch is accepted
    assert len(get_tx_outs(channel, [count - 1] * MAX_TX_OUTS).outputs) == MAX_TX_OUTS


@settings(max_examples=60)
@given(method=st.sampled_from(sorted(METHODS)), data=st.binary(max_size=120))
def test_malformed_request_bytes_get_a_status_never_a_crash(
    channel: grpc.Channel, method: str, data: bytes
) -> None:
    """Raw bytes (a bytes serializer, no protobuf on the client side): the answer is a
    response or INVALID_ARGUMENT, never UNKNOWN or INTERNAL (an unhandled exception)."""
    raw = channel.unary_unary(method_path(SERVICE, method),
                              request_serializer=None, response_deserializer=None)
    try:
        reply = raw(data, timeout=TIMEOUT_S)
    except grpc.RpcError as err:
        assert isinstance(err, grpc.Call)
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, (err.code(), err.details())
        assert (err.details() or "").startswith("error[")
    else:
        METHODS[method][1].FromString(reply)
    assert get_tx_outs(channel, [0]).num_tx_outs > 0


# --- more blocks than one answer, through the client's source ---------------------------------


def test_block_pages_are_capped_and_the_grpc_source_reads_them_all(tmp_path: Path) -> None:
    store = create_ledger(tmp_path / "ledger", ORIGIN)
    synthetic = SyntheticSource(b"pages")
    for _ in range(MAX_BLOCKS + 5):
        contents = synthetic.contents(1, 1)
        store.append_block(store.block_for(contents), contents)
    try:
        with serving([LedgerAccessServicer(store).handlers()]) as channel:
            first = caller(channel, "GetBlockContents")(
                pb.BlockContentsRequest(offset=0, limit=2**32 - 1), TIMEOUT_S)
            assert len(first.blocks) == MAX_BLOCKS
            source = GrpcLedgerSource(channel)
            assert source.num_blocks() == store.num_blocks() == MAX_BLOCKS + 6
            assert source.get_block_contents(100, 1000) == StoreLedgerSource(
                store).get_block_contents(100, 1000)
            indices = list(range(store.num_tx_outs()))
            assert source.get_tx_outs(indices) == StoreLedgerSource(store).get_tx_outs(indices)
    finally:
        store.close()


class _LyingServicer(LedgerAccessServicer):
    """A node that answers GetTxOuts with the proof of the next TxOut."""

    def get_tx_outs(self, request: pb.TxOutsRequest,
                    context: grpc.ServicerContext) -> pb.TxOutsResponse:
        shifted = pb.TxOutsRequest(indices=[i + 1 for i in request.indices])
        response = super().get_tx_outs(shifted, context)
        honest = super().get_tx_outs(request, context)
        for mine, theirs in zip(honest.outputs, response.outputs, strict=True):
            mine.proof = theirs.proof
        return honest


def test_the_grpc_source_refuses_an_answer_for_other_indices(ledger: LedgerStore) -> None:
    with serving([_LyingServicer(ledger).handlers()]) as channel:
        with pytest.raises(ClientError) as info:
            GrpcLedgerSource(channel).get_tx_outs([3])
    assert info.value.code == "client.bad_response"


def test_a_failed_call_is_a_typed_client_error(ledger: LedgerStore, tmp_path: Path) -> None:
    with serving([]) as channel:  # no service registered: UNIMPLEMENTED
        with pytest.raises(ClientError) as info:
            GrpcLedgerSource(channel, timeout_s=TIMEOUT_S).num_blocks()
    assert info.value.code == "client.rpc_failed" and "UNIMPLEMENTED" in info.value.message


def test_block_contents_protobuf_round_trips(ledger: LedgerStore) -> None:
    for index in range(ledger.num_blocks()):
        contents = ledger.get_block_contents(index)
        assert block_contents_from_protobuf(block_contents_to_protobuf(contents)) == contents


def test_every_call_is_observed_with_its_status(ledger: LedgerStore) -> None:
    seen: list[tuple[str, str]] = []
    servicer = LedgerAccessServicer(ledger)
    with serving([servicer.handlers(lambda name, status, _s: seen.append((name, status)))]) as ch:
        get_tx_outs(ch, [0])
        refusal(lambda: get_tx_outs(ch, [ledger.num_tx_outs()]))
    assert seen == [("GetTxOuts", "OK"), ("GetTxOuts", "INVALID_ARGUMENT")]
