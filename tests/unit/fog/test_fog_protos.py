"""refimpl/fog/api: the committed *_pb2.py(i) are what tools/gen_protos.py makes, and the
messages and services carry MobileCoin's names, field numbers and wire types
(fog/api/proto/{view,ledger,kex_rng,fog_common,ingest,ingest_common,ingest_peer}.proto,
fog/report/api/proto/report.proto, attest/api/proto/attest.proto).

Nested ``external`` messages are ``bytes`` fields here (the same bytes on the wire), so their
MobileCoin type is a message and ours is bytes: the table says ``bytes`` for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from google.protobuf import descriptor_pb2
from google.protobuf.message import Message
from hypothesis import given
from hypothesis import strategies as st

from refimpl import protobuf as pb
from refimpl.fog.api import (
    attest_nonce_pb2,
    fog_common_pb2,
    ingest_common_pb2,
    ingest_pb2,
    ingest_peer_pb2,
    kex_rng_pb2,
    ledger_pb2,
    report_pb2,
    view_pb2,
)
from refimpl.node.api import attest_pb2
from tests.unit.generated_protos import ROOT, assert_generated_up_to_date

U64_MAX = 2**64 - 1


def test_generated_modules_are_up_to_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_generated_up_to_date(ROOT / "refimpl" / "fog" / "api", tmp_path, monkeypatch)


def _type_name(field: Any) -> str:
    if field.type == field.TYPE_MESSAGE:
        name = str(field.message_type.full_name)
    elif field.type == field.TYPE_ENUM:
        name = str(field.enum_type.full_name)
    else:
        name = descriptor_pb2.FieldDescriptorProto.Type.Name(field.type)[5:].lower()
    return f"repeated {name}" if field.is_repeated else name


def _fields(message: type[Message]) -> dict[str, tuple[int, str]]:
    return {f.name: (f.number, _type_name(f)) for f in message.DESCRIPTOR.fields}


# MobileCoin's fields, message by message: name -> (number, wire type as declared here).
FIELDS: list[tuple[type[Message], dict[str, tuple[int, str]]]] = [
    (attest_nonce_pb2.NonceMessage, {
        "aad": (1, "bytes"), "channel_id": (2, "bytes"), "data": (3, "bytes"),
        "nonce": (4, "fixed64")}),
    (fog_common_pb2.BlockRange, {"start_block": (1, "uint64"), "end_block": (2, "uint64")}),
    (fog_common_pb2.AddShardRequest, {"shard_uri": (1, "string")}),
    (kex_rng_pb2.KexRngPubkey, {"pubkey": (1, "bytes"), "version": (2, "uint32")}),
    (kex_rng_pb2.StoredRng, {
        "secret": (1, "bytes"), "buffer": (2, "bytes"), "counter": (3, "uint64"),
        "version": (4, "uint32")}),
    (view_pb2.QueryRequestAAD, {
        "start_from_user_event_id": (1, "int64"), "start_from_block_index": (2, "uint64")}),
    (view_pb2.QueryRequest, {"get_txos": (1, "repeated bytes")}),
    (view_pb2.QueryResponse, {
        "highest_processed_block_count": (1, "uint64"),
        "highest_processed_block_signature_timestamp": (2, "uint64"),
        "next_start_from_user_event_id": (3, "int64"),
        "missed_block_ranges": (4, "repeated fog_common.BlockRange"),
        "rngs": (5, "repeated fog_view.RngRecord"),
        "decommissioned_ingest_invocations": (
            6, "repeated fog_view.DecommissionedIngestInvocation"),
        "tx_out_search_results": (7, "repeated fog_view.TxOutSearchResult"),
        "last_known_block_count": (8, "uint64"),
        "last_known_block_cumulative_txo_count": (9, "uint64"),
        "fixed_tx_out_search_results": (10, "repeated fog_view.FixedTxOutSearchResult")}),
    (view_pb2.RngRecord, {
        "ingest_invocation_id": (1, "int64"), "pubkey": (2, "kex_rng.KexRngPubkey"),
        "start_block": (3, "uint64")}),
    (view_pb2.DecommissionedIngestInvocation, {
        "ingest_invocation_id": (1, "int64"), "last_ingested_block": (2, "uint64")}),
    (view_pb2.TxOutSearchResult, {
        "search_key": (1, "bytes"), "result_code": (2, "fixed32"), "ciphertext": (3, "bytes"),
        "padding": (4, "bytes")}),
    (view_pb2.FixedTxOutSearchResult, {
        "search_key": (1, "bytes"), "result_code": (2, "fixed32"), "ciphertext": (3, "bytes"),
        "payload_length": (4, "fixed32")}),
    (view_pb2.TxOutRecord, {
        "tx_out_amount_commitment_data": (1, "bytes"),
        "tx_out_amount_masked_value": (2, "fixed64"),
        "tx_out_target_key_data": (3, "bytes"), "tx_out_public_key_data": (4, "bytes"),
        "tx_out_global_index": (5, "fixed64"), "block_index": (6, "fixed64"),
        "timestamp": (7, "fixed64"), "tx_out_amount_commitment_data_crc32": (8, "fixed32"),
        "tx_out_e_memo_data": (9, "bytes"), "tx_out_amount_masked_v1_token_id": (10, "bytes"),
        "tx_out_amount_masked_v2_token_id": (11, "bytes")}),
    (view_pb2.FogViewRouterRequest, {
        "auth": (1, "attest.AuthMessage"), "query": (2, "attest.Message")}),
    (view_pb2.FogViewRouterResponse, {
        "auth": (1, "attest.AuthMessage"), "query": (2, "attest.Message")}),
    (view_pb2.MultiViewStoreQueryRequest, {"queries": (1, "repeated attest.NonceMessage")}),
    (view_pb2.MultiViewStoreQueryResponse, {
        "query_response": (1, "attest.NonceMessage"), "store_uri": (2, "string"),
        "status": (3, "fog_view.MultiViewStoreQueryResponseStatus"),
        "block_range": (4, "fog_common.BlockRange")}),
    (ledger_pb2.GetOutputsRequest, {
        "indices": (1, "repeated fixed64"), "merkle_root_block": (2, "fixed64")}),
    (ledger_pb2.GetOutputsResponse, {
        "results": (1, "repeated fog_ledger.OutputResult"), "num_blocks": (2, "uint64"),
        "global_txo_count": (3, "uint64"), "latest_block_version": (4, "uint32"),
        "max_block_version": (5, "uint32")}),
    (ledger_pb2.OutputResult, {
        "index": (1, "fixed64"), "result_code": (2, "fixed32"), "output": (3, "bytes"),
        "proof": (4, "bytes")}),
    (ledger_pb2.CheckKeyImagesRequest, {"queries": (1, "repeated fog_ledger.KeyImageQuery")}),
    (ledger_pb2.KeyImageQuery, {"key_image": (1, "bytes"), "start_block": (2, "fixed64")}),
    (ledger_pb2.CheckKeyImagesResponse, {
        "num_blocks": (1, "uint64"), "global_txo_count": (2, "uint64"),
        "results": (3, "repeated fog_ledger.KeyImageResult"),
        "latest_block_version": (4, "uint32"), "max_block_version": (5, "uint32")}),
    (ledger_pb2.KeyImageResult, {
        "key_image": (1, "bytes"), "spent_at": (2, "fixed64"), "timestamp": (3, "fixed64"),
        "timestamp_result_code": (4, "fixed32"), "key_image_result_code": (5, "fixed32")}),
    (ledger_pb2.BlockRequest, {"ranges": (1, "repeated fog_common.BlockRange")}),
    (ledger_pb2.BlockResponse, {
        "blocks": (1, "repeated fog_ledger.BlockData"), "num_blocks": (2, "uint64"),
        "global_txo_count": (3, "uint64")}),
    (ledger_pb2.BlockData, {
        "index": (1, "uint64"), "global_txo_count": (2, "uint64"),
        "outputs": (3, "repeated bytes"), "timestamp": (4, "uint64"),
        "timestamp_result_code": (5, "uint32")}),
    (ledger_pb2.TxOutRequest, {"tx_out_pubkeys": (1, "repeated bytes")}),
    (ledger_pb2.TxOutResponse, {
        "results": (1, "repeated fog_ledger.TxOutResult"), "num_blocks": (2, "uint64"),
        "global_txo_count": (3, "uint64")}),
    (ledger_pb2.TxOutResult, {
        "tx_out_pubkey": (1, "bytes"), "result_code": (2, "fog_ledger.TxOutResultCode"),
        "tx_out_global_index": (3, "uint64"), "block_index": (4, "uint64"),
        "timestamp": (5, "uint64"), "timestamp_result_code": (6, "uint32")}),
    (ledger_pb2.LedgerRequest, {
        "auth": (1, "attest.AuthMessage"), "check_key_images": (2, "attest.Message")}),
    (ledger_pb2.LedgerResponse, {
        "auth": (1, "attest.AuthMessage"), "check_key_image_response": (2, "attest.Message")}),
    (ledger_pb2.FogLedgerStoreDecryptionError, {
        "store_uri": (1, "string"), "error_message": (2, "string")}),
    (ledger_pb2.MultiKeyImageStoreRequest, {"queries": (1, "repeated attest.NonceMessage")}),
    (ledger_pb2.MultiKeyImageStoreResponse, {
        "query_response": (1, "attest.NonceMessage"), "store_uri": (2, "string"),
        "status": (3, "fog_ledger.MultiKeyImageStoreResponseStatus")}),
    (report_pb2.ReportRequest, {}),
    (report_pb2.ReportResponse, {
        "reports": (1, "repeated report.Report"), "chain": (2, "repeated bytes"),
        "signature": (3, "bytes")}),
    (report_pb2.Report, {
        "fog_report_id": (1, "string"), "verification_report": (2, "bytes"),
        "pubkey_expiry": (3, "fixed64"), "dcap_evidence": (4, "bytes")}),
    (ingest_common_pb2.IngestSummary, {
        "mode": (1, "ingest_common.IngestControllerMode"), "next_block_index": (2, "uint64"),
        "pubkey_expiry_window": (3, "uint64"), "ingress_pubkey": (4, "bytes"),
        "egress_pubkey": (5, "bytes"), "kex_rng_version": (6, "uint32"),
        "peers": (7, "repeated string"), "ingest_invocation_id": (8, "int64")}),
    (ingest_common_pb2.IngestStateFile, {
        "summary": (1, "ingest_common.IngestSummary"), "sealed_ingress_key": (2, "bytes")}),
    (ingest_common_pb2.SetPeersRequest, {"ingest_peer_uris": (1, "repeated string")}),
    (ingest_pb2.ReportLostIngressKeyRequest, {"key": (1, "bytes")}),
    (ingest_pb2.ReportMissedBlockRangeRequest, {
        "start_index": (1, "uint64"), "end_index": (2, "uint64")}),
    (ingest_pb2.GetMissedBlockRangesResponse, {
        "missed_block_ranges": (1, "repeated fog_common.BlockRange")}),
    (ingest_pb2.SetPubkeyExpiryWindowRequest, {"pubkey_expiry_window": (1, "uint64")}),
    (ingest_pb2.SyncKeysFromRemoteRequest, {"peer_uri": (1, "string")}),
    (ingest_pb2.GetIngressKeyRecordsRequest, {
        "start_block_at_least": (1, "uint64"), "should_include_lost_keys": (2, "bool"),
        "should_include_retired_keys": (3, "bool"),
        "should_only_include_unexpired_keys": (4, "bool")}),
    (ingest_pb2.GetIngressKeyRecordsResponse, {
        "records": (1, "repeated account_ingest.IngressPublicKeyRecord")}),
    (ingest_pb2.IngressPublicKeyRecord, {
        "ingress_public_key": (1, "bytes"), "start_block": (2, "uint64"),
        "pubkey_expiry": (3, "uint64"), "retired": (4, "bool"), "lost": (5, "bool"),
        "last_scanned_block": (6, "uint64")}),
    (ingest_peer_pb2.GetPrivateKeyRequest, {"channel_id": (1, "bytes")}),
]


@pytest.mark.parametrize("message, fields", FIELDS, ids=lambda v: getattr(v, "__name__", ""))
def test_fields_are_mobilecoins(message: type[Message], fields: dict[str, tuple[int, str]]) -> None:
    assert _fields(message) == fields


def test_every_message_is_in_the_table() -> None:
    modules = (attest_nonce_pb2, fog_common_pb2, kex_rng_pb2, view_pb2, ledger_pb2, report_pb2,
               ingest_common_pb2, ingest_pb2, ingest_peer_pb2)
    declared = {name for m in modules for name in m.DESCRIPTOR.message_types_by_name.values()}
    assert {m.DESCRIPTOR for m, _ in FIELDS} == declared


def test_oneofs_are_mobilecoins() -> None:
    def oneofs(message: type[Message]) -> dict[str, list[str]]:
        return {o.name: [f.name for f in o.fields] for o in message.DESCRIPTOR.oneofs}

    assert oneofs(report_pb2.Report) == {
        "attestation_evidence": ["verification_report", "dcap_evidence"]}
    assert oneofs(view_pb2.TxOutRecord) == {"tx_out_amount_masked_token_id": [
        "tx_out_amount_masked_v1_token_id", "tx_out_amount_masked_v2_token_id"]}
    assert oneofs(view_pb2.FogViewRouterRequest) == {"request_data": ["auth", "query"]}
    assert oneofs(view_pb2.FogViewRouterResponse) == {"response_data": ["auth", "query"]}
    assert oneofs(ledger_pb2.LedgerRequest) == {"request_data": ["auth", "check_key_images"]}
    assert oneofs(ledger_pb2.LedgerResponse) == {
        "response_data": ["auth", "check_key_image_response"]}


ENUMS: list[tuple[Any, dict[str, int]]] = [
    (view_pb2.MultiViewStoreQueryResponseStatus, {
        "UNKNOWN": 0, "SUCCESS": 1, "AUTHENTICATION_ERROR": 2, "NOT_READY": 3}),
    (view_pb2.TxOutSearchResultCode, {
        "IntentionallyUnused": 0, "Found": 1, "NotFound": 2, "BadSearchKey": 3,
        "InternalError": 4, "RateLimited": 5}),
    (ledger_pb2.MultiKeyImageStoreResponseStatus, {
        "UNKNOWN": 0, "SUCCESS": 1, "AUTHENTICATION_ERROR": 2, "NOT_READY": 3,
        "INVALID_ARGUMENT": 4}),
    (ledger_pb2.OutputResultCode, {
        "IntentionallyUnused": 0, "DoesNotExist": 1, "Exists": 2, "OutputDatabaseError": 3}),
    (ledger_pb2.KeyImageResultCode, {"Unused": 0, "Spent": 1, "NotSpent": 2, "KeyImageError": 3}),
    (ledger_pb2.TxOutResultCode, {
        "NotFound": 0, "Found": 1, "MalformedRequest": 2, "DatabaseError": 3}),
    (ingest_common_pb2.IngestControllerMode, {"Idle": 0, "Active": 1}),
]


@pytest.mark.parametrize("enum, values", ENUMS,
                         ids=lambda v: v.DESCRIPTOR.name if hasattr(v, "DESCRIPTOR") else "")
def test_enum_values_are_mobilecoins(enum: Any, values: dict[str, int]) -> None:
    assert dict(enum.items()) == values


# service -> method -> (input, output, client streaming, server streaming)
AUTH = ("attest.AuthMessage", "attest.AuthMessage", False, False)
SEALED = ("attest.Message", "attest.Message", False, False)
EMPTY = "google.protobuf.Empty"
SUMMARY = "ingest_common.IngestSummary"
SERVICES: dict[str, dict[str, tuple[str, str, bool, bool]]] = {
    "fog_view.FogViewRouterAPI": {
        "request": ("fog_view.FogViewRouterRequest", "fog_view.FogViewRouterResponse", True, True)},
    "fog_view.FogViewRouterAdminAPI": {
        "addShard": ("fog_common.AddShardRequest", EMPTY, False, False)},
    "fog_view.FogViewAPI": {"Auth": AUTH, "Query": SEALED},
    "fog_view.FogViewStoreAPI": {"Auth": AUTH, "MultiViewStoreQuery": (
        "fog_view.MultiViewStoreQueryRequest", "fog_view.MultiViewStoreQueryResponse",
        False, False)},
    "fog_ledger.LedgerAPI": {
        "Request": ("fog_ledger.LedgerRequest", "fog_ledger.LedgerResponse", True, True)},
    "fog_ledger.LedgerRouterAdminAPI": {
        "AddShard": ("fog_common.AddShardRequest", EMPTY, False, False)},
    "fog_ledger.KeyImageStoreAPI": {"Auth": AUTH, "MultiKeyImageStoreQuery": (
        "fog_ledger.MultiKeyImageStoreRequest", "fog_ledger.MultiKeyImageStoreResponse",
        False, False)},
    "fog_ledger.FogMerkleProofAPI": {"Auth": AUTH, "GetOutputs": SEALED},
    "fog_ledger.FogKeyImageAPI": {"Auth": AUTH, "CheckKeyImages": SEALED},
    "fog_ledger.FogBlockAPI": {
        "GetBlocks": ("fog_ledger.BlockRequest", "fog_ledger.BlockResponse", False, False)},
    "fog_ledger.FogUntrustedTxOutApi": {
        "GetTxOuts": ("fog_ledger.TxOutRequest", "fog_ledger.TxOutResponse", False, False)},
    "report.ReportAPI": {
        "GetReports": ("report.ReportRequest", "report.ReportResponse", False, False)},
    "account_ingest.AccountIngestAPI": {
        "GetStatus": (EMPTY, SUMMARY, False, False),
        "NewKeys": (EMPTY, SUMMARY, False, False),
        "SetPubkeyExpiryWindow": (
            "account_ingest.SetPubkeyExpiryWindowRequest", SUMMARY, False, False),
        "SetPeers": ("ingest_common.SetPeersRequest", SUMMARY, False, False),
        "Activate": (EMPTY, SUMMARY, False, False),
        "Retire": (EMPTY, SUMMARY, False, False),
        "Unretire": (EMPTY, SUMMARY, False, False),
        "ReportLostIngressKey": (
            "account_ingest.ReportLostIngressKeyRequest", EMPTY, False, False),
        "GetMissedBlockRanges": (
            EMPTY, "account_ingest.GetMissedBlockRangesResponse", False, False),
        "SyncKeysFromRemote": ("account_ingest.SyncKeysFromRemoteRequest", SUMMARY, False, False),
        "GetIngressKeyRecords": ("account_ingest.GetIngressKeyRecordsRequest",
                                 "account_ingest.GetIngressKeyRecordsResponse", False, False)},
    "ingest_peer.AccountIngestPeerAPI": {
        "GetStatus": (EMPTY, SUMMARY, False, False),
        "GetIngressPrivateKey": ("ingest_peer.GetPrivateKeyRequest", "attest.Message",
                                 False, False),
        "SetIngressPrivateKey": ("attest.Message", SUMMARY, False, False),
        "SetPeers": ("ingest_common.SetPeersRequest", SUMMARY, False, False)},
}


def test_services_are_mobilecoins() -> None:
    modules = (view_pb2, ledger_pb2, report_pb2, ingest_pb2, ingest_peer_pb2, fog_common_pb2,
               kex_rng_pb2, ingest_common_pb2, attest_nonce_pb2)
    found = {
        service.full_name: {
            m.name: (m.input_type.full_name, m.output_type.full_name, m.client_streaming,
                     m.server_streaming)
            for m in service.methods}
        for module in modules for service in module.DESCRIPTOR.services_by_name.values()}
    assert found == SERVICES


def test_fog_and_node_modules_share_one_attest_package() -> None:
    query = view_pb2.FogViewRouterRequest(query=attest_pb2.Message(aad=b"a", data=b"d"))
    assert query.WhichOneof("request_data") == "query"
    assert attest_nonce_pb2.NonceMessage.DESCRIPTOR.file.package == "attest"
    assert attest_pb2.Message.DESCRIPTOR.file.package == "attest"
    nonce = attest_nonce_pb2.NonceMessage(aad=b"a", channel_id=b"c", data=b"d", nonce=7)
    plain = attest_pb2.Message.FromString(nonce.SerializeToString())  # field 4 is unknown there
    assert (plain.aad, plain.channel_id, plain.data) == (b"a", b"c", b"d")


def test_fixed_width_codes_on_the_wire() -> None:
    # result codes are fixed32: found and not found encode to the same number of bytes
    found = view_pb2.FixedTxOutSearchResult(
        search_key=b"k" * 16, result_code=view_pb2.Found, ciphertext=b"\0" * 255,
        payload_length=2**32 - 1)
    assert found.SerializeToString() == (
        pb.bytes_field(1, b"k" * 16) + pb.fixed32_field(2, 1) + pb.bytes_field(3, b"\0" * 255)
        + pb.fixed32_field(4, 2**32 - 1))
    result = ledger_pb2.KeyImageResult(
        key_image=pb.bytes_field(1, b"\x01" * 32), spent_at=5, timestamp=U64_MAX,
        timestamp_result_code=1, key_image_result_code=ledger_pb2.Spent)
    assert result.SerializeToString() == (
        pb.bytes_field(1, pb.bytes_field(1, b"\x01" * 32)) + pb.fixed64_field(2, 5)
        + pb.fixed64_field(3, U64_MAX) + pb.fixed32_field(4, 1) + pb.fixed32_field(5, 1))
    request = ledger_pb2.GetOutputsRequest(indices=[1, 2], merkle_root_block=3)
    # proto3 packs repeated scalars: one length-delimited run of fixed64s
    assert request.SerializeToString() == (
        pb.bytes_field(1, (1).to_bytes(8, "little") + (2).to_bytes(8, "little"))
        + pb.fixed64_field(2, 3))


@given(code=st.integers(1, 2**32 - 1), payload_length=st.integers(1, 2**32 - 1))
def test_fixed_search_result_length_does_not_depend_on_its_code(
    code: int, payload_length: int
) -> None:
    # proto3 omits a zero, so only non-zero values have a fixed width: hence code 0 is unused
    def size(c: int, n: int) -> int:
        return view_pb2.FixedTxOutSearchResult(
            search_key=b"s" * 16, result_code=c, ciphertext=b"\0" * 255, payload_length=n,
        ).ByteSize()

    assert size(code, payload_length) == size(1, 1)
    assert size(0, payload_length) == size(1, 1) - 5


def test_report_in_prost_field_order_parses() -> None:
    # prost writes declaration order (1, the oneof's 4, then 3); Python writes ascending tags.
    wire = pb.string_field(1, "id") + pb.bytes_field(4, b"evidence") + pb.fixed64_field(3, 77)
    report = report_pb2.Report.FromString(wire)
    assert report.WhichOneof("attestation_evidence") == "dcap_evidence"
    assert (report.fog_report_id, report.dcap_evidence, report.pubkey_expiry) == (
        "id", b"evidence", 77)
    assert report_pb2.Report.FromString(report.SerializeToString()) == report


ROUND_TRIPS: list[Message] = [
    view_pb2.QueryResponse(
        highest_processed_block_count=10, highest_processed_block_signature_timestamp=U64_MAX,
        next_start_from_user_event_id=-1,
        missed_block_ranges=[fog_common_pb2.BlockRange(start_block=2, end_block=4)],
        rngs=[view_pb2.RngRecord(
            ingest_invocation_id=3, start_block=1,
            pubkey=kex_rng_pb2.KexRngPubkey(pubkey=b"p" * 32, version=1))],
        decommissioned_ingest_invocations=[view_pb2.DecommissionedIngestInvocation(
            ingest_invocation_id=2, last_ingested_block=9)],
        tx_out_search_results=[view_pb2.TxOutSearchResult(
            search_key=b"k", result_code=view_pb2.NotFound, ciphertext=b"", padding=b"\0" * 8)],
        last_known_block_count=12, last_known_block_cumulative_txo_count=40,
        fixed_tx_out_search_results=[view_pb2.FixedTxOutSearchResult(
            search_key=b"k", result_code=view_pb2.Found, ciphertext=b"c" * 255,
            payload_length=100)]),
    view_pb2.TxOutRecord(tx_out_amount_masked_value=5, tx_out_amount_masked_v2_token_id=b"t" * 8,
                         tx_out_amount_commitment_data_crc32=0xDEADBEEF, timestamp=U64_MAX),
    view_pb2.MultiViewStoreQueryResponse(
        query_response=attest_nonce_pb2.NonceMessage(nonce=U64_MAX, data=b"x"),
        store_uri="insecure-fog-view-store://127.0.0.1:1", status=view_pb2.NOT_READY,
        block_range=fog_common_pb2.BlockRange(start_block=0, end_block=100)),
    ledger_pb2.MultiKeyImageStoreResponse(
        query_response=attest_nonce_pb2.NonceMessage(nonce=1), store_uri="s",
        status=ledger_pb2.INVALID_ARGUMENT),
    ledger_pb2.GetOutputsResponse(
        results=[ledger_pb2.OutputResult(index=U64_MAX, result_code=ledger_pb2.DoesNotExist)],
        num_blocks=1, global_txo_count=2, latest_block_version=3, max_block_version=4),
    ledger_pb2.CheckKeyImagesResponse(
        num_blocks=7, global_txo_count=8, latest_block_version=3, max_block_version=3,
        results=[ledger_pb2.KeyImageResult(key_image=b"ki", key_image_result_code=2)]),
    ledger_pb2.BlockResponse(blocks=[ledger_pb2.BlockData(
        index=1, global_txo_count=3, outputs=[b"a", b"b"], timestamp=9,
        timestamp_result_code=1)], num_blocks=2, global_txo_count=3),
    ledger_pb2.TxOutResponse(results=[ledger_pb2.TxOutResult(
        tx_out_pubkey=b"pk", result_code=ledger_pb2.DatabaseError, tx_out_global_index=4)]),
    report_pb2.ReportResponse(
        reports=[report_pb2.Report(fog_report_id="", verification_report=b"v", pubkey_expiry=9)],
        chain=[b"root", b"leaf"], signature=b"sig"),
    kex_rng_pb2.StoredRng(secret=b"s", buffer=b"b", counter=U64_MAX, version=1),
    ingest_common_pb2.IngestStateFile(
        summary=ingest_common_pb2.IngestSummary(
            mode=ingest_common_pb2.Active, next_block_index=5, pubkey_expiry_window=50,
            ingress_pubkey=b"i", egress_pubkey=b"e", kex_rng_version=1, peers=["a", "b"],
            ingest_invocation_id=-3),
        sealed_ingress_key=b"sealed"),
    ingest_pb2.GetIngressKeyRecordsResponse(records=[ingest_pb2.IngressPublicKeyRecord(
        ingress_public_key=b"k", start_block=1, pubkey_expiry=2, retired=True, lost=False,
        last_scanned_block=3)]),
]


@pytest.mark.parametrize("message", ROUND_TRIPS, ids=lambda m: type(m).__name__)
def test_round_trip(message: Message) -> None:
    decoded = type(message).FromString(message.SerializeToString())
    assert decoded == message
    assert decoded.SerializeToString() == message.SerializeToString()
