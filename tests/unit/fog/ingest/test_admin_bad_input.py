"""Bad input to an ingest server's ``account_ingest.AccountIngestAPI`` (in process, loopback):
every refusal has a status of its own kind and an ``error[CODE]`` line with a registered code,
the recovery database (read back through its API) is exactly as before the refused call, and
the server answers ``GetStatus`` afterwards."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import grpc
import pytest
from google.protobuf import empty_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refimpl import protobuf as pb
from refimpl.account.public_address import decode_compressed_ristretto
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import CODES, CryptoError
from refimpl.fog.api import ingest_common_pb2, ingest_pb2
from refimpl.fog.grpc_host import MAX_RECEIVE_BYTES
from refimpl.fog.ingest.admin import INGEST_SERVICE
from refimpl.fog.ingest.config import MAX_PUBKEY_EXPIRY_WINDOW
from refimpl.fog.ingest.server import IngestServer
from refimpl.fog.recovery_db import IngressPublicKeyRecordFilters, SqlRecoveryDb
from refimpl.node.grpc_util import method_path

from .conftest import MakeConfig

TIMEOUT_S = 10.0
METHODS = ["GetStatus", "NewKeys", "SetPubkeyExpiryWindow", "SetPeers", "Activate", "Retire",
           "Unretire", "ReportLostIngressKey", "GetMissedBlockRanges", "SyncKeysFromRemote",
           "GetIngressKeyRecords"]
I64_MAX = 2**63 - 1
U64_MAX = 2**64 - 1
INVALID = grpc.StatusCode.INVALID_ARGUMENT
PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
_ERROR_LINE = re.compile(r"error\[([a-z_]+\.[a-z0-9_]+)\]: ")


@attrs.frozen
class Admin:
    """A running ingest server, a channel to its admin API and its recovery database."""

    server: IngestServer
    channel: grpc.Channel
    db: SqlRecoveryDb

    def call(self, method: str, data: bytes) -> bytes:
        """``method`` with ``data`` as the request's bytes, whatever they are."""
        call: grpc.UnaryUnaryMultiCallable[bytes, bytes] = self.channel.unary_unary(
            method_path(INGEST_SERVICE, method), request_serializer=None,
            response_deserializer=None)
        return call(data, timeout=TIMEOUT_S)

    def status(self) -> ingest_common_pb2.IngestSummary:
        return ingest_common_pb2.IngestSummary.FromString(self.call("GetStatus", b""))

    def our_key(self) -> bytes:
        return decode_compressed_ristretto(self.status().ingress_pubkey).to_bytes()

    def tables(self) -> tuple[Any, ...]:
        """What the recovery database holds, read through its API."""
        return (self.db.get_ingress_key_records(0, IngressPublicKeyRecordFilters()),
                self.db.get_missed_block_ranges(), self.db.get_all_reports(),
                self.db.get_ingestable_ranges(), self.db.search_user_events(0),
                self.db.get_highest_known_block_index())

    def refused(self, method: str, data: bytes) -> tuple[grpc.StatusCode, str]:
        """Call, expect a refusal with a registered code, check the database did not change;
        the status and the code."""
        before = self.tables()
        with pytest.raises(grpc.RpcError) as info:
            self.call(method, data)
        err = info.value
        assert isinstance(err, grpc.Call)
        found = _ERROR_LINE.match(err.details() or "")
        assert found is not None and found.group(1) in CODES, err.details()
        assert self.tables() == before
        return err.code(), found.group(1)


@pytest.fixture
def admin(make_config: MakeConfig, db: SqlRecoveryDb) -> Iterator[Admin]:
    server = IngestServer(make_config(admin_listen_address="127.0.0.1:0"))
    server.start()
    try:
        with grpc.insecure_channel(server.admin_address) as channel:
            yield Admin(server, channel, db)
    finally:
        server.stop()


def lost_key_request(key: bytes) -> bytes:
    return ingest_pb2.ReportLostIngressKeyRequest(key=pb.bytes_field(1, key)).SerializeToString()


def window_request(window: int) -> bytes:
    return ingest_pb2.SetPubkeyExpiryWindowRequest(
        pubkey_expiry_window=window).SerializeToString()


def records_request(start_block_at_least: int) -> bytes:
    return ingest_pb2.GetIngressKeyRecordsRequest(
        start_block_at_least=start_block_at_least).SerializeToString()


def test_bytes_that_are_no_request_are_refused_by_every_method(admin: Admin) -> None:
    admin.call("Activate", b"")  # something in the database to keep
    for method in METHODS:
        for data in (b"\xff\xff", b"\x0a\x05ab", b"\x08\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80"):
            assert admin.refused(method, data) == (INVALID, "node.bad_request")
    with pytest.raises(grpc.RpcError) as info:
        admin.call("GetStatus", bytes(MAX_RECEIVE_BYTES + 1))
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED  # gRPC's own refusal
    with pytest.raises(grpc.RpcError) as info:
        admin.call("Deactivate", b"")
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert admin.status().mode == ingest_common_pb2.Active


def test_lost_keys_that_are_malformed_or_unknown_are_refused(admin: Admin) -> None:
    admin.call("Activate", b"")
    not_a_point = b"\xff" * 32
    with pytest.raises(CryptoError):
        Point.from_bytes(not_a_point)
    for key in (b"", b"\x01" * 31, b"\x01" * 33, not_a_point):
        assert admin.refused("ReportLostIngressKey", lost_key_request(key)) == (
            INVALID, "fog.ingest_bad_ingress_pubkey")
    # the key field is a CompressedRistretto message: bytes that are not one
    bad_message = ingest_pb2.ReportLostIngressKeyRequest(key=b"\x0a\x21").SerializeToString()
    assert admin.refused("ReportLostIngressKey", bad_message) == (
        INVALID, "fog.ingest_bad_ingress_pubkey")
    unknown = Point.mul_base(Scalar(5)).to_bytes()
    assert admin.refused("ReportLostIngressKey", lost_key_request(unknown)) == (
        INVALID, "fog.recovery_db_unknown_ingress_key")
    # our own key is known: reported lost, and the database says so
    ours = admin.our_key()
    admin.call("ReportLostIngressKey", lost_key_request(ours))
    [record] = admin.db.get_ingress_key_records(0, IngressPublicKeyRecordFilters())
    assert (record.key, record.status.lost) == (ours, True)


def test_key_records_from_past_i64_are_refused(admin: Admin) -> None:
    admin.call("Activate", b"")
    for start in (I64_MAX + 1, U64_MAX):
        assert admin.refused("GetIngressKeyRecords", records_request(start)) == (
            INVALID, "fog.recovery_db_out_of_range")
    assert ingest_pb2.GetIngressKeyRecordsResponse.FromString(
        admin.call("GetIngressKeyRecords", records_request(I64_MAX))).records == []
    assert len(ingest_pb2.GetIngressKeyRecordsResponse.FromString(
        admin.call("GetIngressKeyRecords", records_request(0))).records) == 1


def test_expiry_windows_out_of_range_or_shrinking_while_active_are_refused(
        admin: Admin) -> None:
    for window in (MAX_PUBKEY_EXPIRY_WINDOW + 1, I64_MAX, U64_MAX):
        assert admin.refused("SetPubkeyExpiryWindow", window_request(window)) == (
            INVALID, "fog.ingest_bad_config")
    admin.call("SetPubkeyExpiryWindow", window_request(20))
    admin.call("Activate", b"")
    for window in (19, 0):
        assert admin.refused("SetPubkeyExpiryWindow", window_request(window)) == (
            PRECONDITION, "fog.ingest_cannot_reduce_expiry_window")
    assert admin.status().pubkey_expiry_window == 20
    [(_, report)] = admin.db.get_all_reports()
    assert report.pubkey_expiry == 1 + 20  # activated at block 1, nothing re-published
    admin.call("SetPubkeyExpiryWindow", window_request(MAX_PUBKEY_EXPIRY_WINDOW))
    assert admin.status().pubkey_expiry_window == MAX_PUBKEY_EXPIRY_WINDOW


def test_retire_and_unretire_before_the_first_activation_are_refused(admin: Admin) -> None:
    for method in ("Retire", "Unretire"):
        assert admin.refused(method, b"") == (PRECONDITION, "fog.ingest_key_not_registered")
    assert admin.tables()[0] == []  # no key was registered by the refusals
    admin.call("Activate", b"")
    ours = admin.our_key()
    for method, retired in (("Retire", True), ("Retire", True), ("Unretire", False),
                            ("Unretire", False)):
        admin.call(method, b"")  # idempotent, as in MobileCoin
        status = admin.db.get_ingress_key_status(ours)
        assert status is not None and status.retired is retired


def test_state_refusals_leave_the_database_alone(admin: Admin) -> None:
    active = ingest_common_pb2.IngestSummary.FromString(admin.call("Activate", b""))
    assert active.mode == ingest_common_pb2.Active
    assert admin.refused("NewKeys", b"") == (PRECONDITION, "fog.ingest_not_idle")
    # activating again is no refusal (MobileCoin returns early): same summary, same database
    before = admin.tables()
    assert ingest_common_pb2.IngestSummary.FromString(admin.call("Activate", b"")) == active
    assert admin.tables() == before
    for method in ("SetPeers", "SyncKeysFromRemote"):
        code, error = admin.refused(method, b"")
        assert (code, error) == (grpc.StatusCode.UNIMPLEMENTED, "fog.ingest_not_supported")


def test_activating_a_retired_key_with_nothing_left_is_refused(admin: Admin) -> None:
    ours = admin.our_key()
    # the key was registered from block 5, never published (expiry 0), and retired
    admin.db.new_ingress_key(ours, 5)
    admin.db.retire_ingress_key(ours, True)
    assert admin.refused("Activate", b"") == (PRECONDITION, "fog.ingest_key_retired")
    assert admin.db.get_all_reports() == []
    assert admin.status().mode == ingest_common_pb2.Idle


def expect_answer_or_refusal(admin: Admin, method: str, data: bytes) -> None:
    before = admin.tables()
    try:
        admin.call(method, data)
    except grpc.RpcError as err:
        assert isinstance(err, grpc.Call)
        assert err.code() in (INVALID, PRECONDITION, grpc.StatusCode.UNIMPLEMENTED), \
            err.details()
        found = _ERROR_LINE.match(err.details() or "")
        assert found is not None and found.group(1) in CODES, err.details()
        assert admin.tables() == before


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(METHODS), st.binary(max_size=120))
def test_property_random_bytes_to_any_method(admin: Admin, method: str, data: bytes) -> None:
    expect_answer_or_refusal(admin, method, data)
    assert admin.status().ingress_pubkey


REQUESTS: dict[str, Callable[[Any], bytes]] = {
    "ReportLostIngressKey": lost_key_request,
    "SetPubkeyExpiryWindow": window_request,
    "GetIngressKeyRecords": records_request,
}


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(
    st.tuples(st.just("ReportLostIngressKey"), st.binary(max_size=40)),
    st.tuples(st.just("SetPubkeyExpiryWindow"), st.integers(0, U64_MAX)),
    st.tuples(st.just("GetIngressKeyRecords"), st.integers(0, U64_MAX))))
def test_property_well_formed_requests_with_random_fields(
        admin: Admin, case: tuple[str, Any]) -> None:
    method, value = case
    expect_answer_or_refusal(admin, method, REQUESTS[method](value))
    assert admin.status().ingress_pubkey
    empty = empty_pb2.Empty().SerializeToString()
    assert admin.call("GetMissedBlockRanges", empty) is not None
