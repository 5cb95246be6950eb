"""Bad input to the report server's ``report.ReportAPI``: bytes that are not a ``ReportRequest``
are refused with ``INVALID_ARGUMENT`` and an ``error[node.bad_request]`` line, requests past the
server's receive limit with gRPC's own ``RESOURCE_EXHAUSTED``, unknown methods and services with
gRPC's ``UNIMPLEMENTED``; after each the server still answers ``GetReports`` with a report list
whose signature verifies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refimpl import protobuf as pb
from refimpl.account.keys import AccountKey
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.enclave.channel import EvidenceVerifier
from refimpl.fog.enclave import FogEnclave
from refimpl.fog.grpc_host import MAX_RECEIVE_BYTES
from refimpl.fog.recovery_db import ReportData, open_recovery_db
from refimpl.fog.report.client import fetch_reports
from refimpl.fog.report.operator import OperatorChain
from refimpl.fog.report.server import REPORT_SERVICE, ReportConfig, ReportServer
from refimpl.fog.report.validate import validate_fog_pubkey
from refimpl.node.grpc_util import method_path
from refimpl.transaction.fog_hint import FogPubkey

GET_REPORTS = method_path(REPORT_SERVICE, "GetReports")
INGRESS = Point.mul_base(Scalar(77))
EXPIRY = 40
TIMEOUT_S = 10.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, operator: OperatorChain,
           ingest_host: FogEnclave) -> Iterator[ReportServer]:
    tmp: Path = tmp_path_factory.mktemp("report-bad-input")
    db_url = f"sqlite:///{tmp / 'recovery.db'}"
    with open_recovery_db(db_url) as db:
        db.new_ingress_key(INGRESS.to_bytes(), 0)
        db.set_report(INGRESS.to_bytes(), "",
                      ReportData(None, ingest_host.evidence(INGRESS.to_bytes()).encode(), EXPIRY))
    chain, key = operator.write(tmp / "operator")
    srv = ReportServer(ReportConfig("127.0.0.1:0", db_url, chain, key))
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def channel(server: ReportServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.address) as ch:
        yield ch


def raw_call(channel: grpc.Channel, path: str, data: bytes) -> bytes:
    """Send ``data`` as the request's bytes, whatever they are."""
    call: grpc.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(
        path, request_serializer=None, response_deserializer=None)
    return call(data, timeout=TIMEOUT_S)


def refusal(channel: grpc.Channel, path: str, data: bytes) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as info:
        raw_call(channel, path, data)
    err = info.value
    assert isinstance(err, grpc.Call)
    return err.code(), err.details() or ""


def assert_serves_signed_reports(server: ReportServer, account: AccountKey,
                                 verifier: EvidenceVerifier) -> None:
    response = fetch_reports(f"insecure-fog://{server.address}/", timeout_s=TIMEOUT_S)
    assert validate_fog_pubkey(account.default_subaddress(), response, verifier) == \
        FogPubkey(INGRESS, EXPIRY)


def unknown_field_request(total: int) -> bytes:
    """A ``ReportRequest`` of exactly ``total`` bytes: one unknown bytes field (number 15),
    which a decoder skips."""
    body = total - 1 - 4  # tag byte, then a 4-byte length varint (for 2^21 <= len < 2^28)
    encoded = pb.bytes_field(15, bytes(body))
    assert len(encoded) == total
    return encoded


def test_garbage_is_a_typed_refusal(channel: grpc.Channel, server: ReportServer,
                                    account: AccountKey, verifier: EvidenceVerifier) -> None:
    for data in (b"\xff", b"\x0a\x05ab", b"\x08\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80",
                 b"\x07"):
        code, details = refusal(channel, GET_REPORTS, data)
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        assert details.startswith("error[node.bad_request]: not a ReportRequest")
        assert_serves_signed_reports(server, account, verifier)


def test_a_request_with_unknown_fields_is_answered(channel: grpc.Channel) -> None:
    plain = raw_call(channel, GET_REPORTS, b"")
    assert raw_call(channel, GET_REPORTS, b"\x08\x01" + pb.bytes_field(9, b"x")) == plain


def test_oversize_requests_are_refused_by_grpc_and_just_under_is_served(
        channel: grpc.Channel, server: ReportServer, account: AccountKey,
        verifier: EvidenceVerifier) -> None:
    plain = raw_call(channel, GET_REPORTS, b"")
    for size in (MAX_RECEIVE_BYTES + 1, 2 * MAX_RECEIVE_BYTES):
        code, details = refusal(channel, GET_REPORTS, unknown_field_request(size))
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert details.startswith("SERVER: Received message larger than max"), details
    # at the limit: read, decoded, and answered (a valid request) or refused (garbage)
    assert raw_call(channel, GET_REPORTS, unknown_field_request(MAX_RECEIVE_BYTES)) == plain
    code, details = refusal(channel, GET_REPORTS, b"\xff" * MAX_RECEIVE_BYTES)
    assert (code, details.split(":")[0]) == (grpc.StatusCode.INVALID_ARGUMENT,
                                             "error[node.bad_request]")
    assert_serves_signed_reports(server, account, verifier)


def test_unknown_methods_and_services_are_unimplemented(
        channel: grpc.Channel, server: ReportServer, account: AccountKey,
        verifier: EvidenceVerifier) -> None:
    for path in (method_path(REPORT_SERVICE, "GetReport"),
                 method_path(REPORT_SERVICE, "getReports"),
                 method_path("report.ReportApi", "GetReports"),
                 method_path("fog_view.FogViewAPI", "Query")):
        assert refusal(channel, path, b"") == (grpc.StatusCode.UNIMPLEMENTED,
                                               "Method not found!")
    assert_serves_signed_reports(server, account, verifier)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_property_random_bytes_are_answered_or_refused_and_the_server_serves_on(
        channel: grpc.Channel, server: ReportServer, account: AccountKey,
        verifier: EvidenceVerifier, data: bytes) -> None:
    plain = raw_call(channel, GET_REPORTS, b"")
    try:
        answer = raw_call(channel, GET_REPORTS, data)
    except grpc.RpcError as err:
        assert isinstance(err, grpc.Call)
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert (err.details() or "").startswith("error[node.bad_request]: ")
    else:  # the bytes are a ReportRequest (unknown fields are skipped): the usual answer
        assert answer == plain
    assert_serves_signed_reports(server, account, verifier)
