"""The report signature and every check a sender makes of a report server's answer
(MobileCoin fog/sig, fog/report/resolver, fog/ingest/report): each failure has its own code."""

from __future__ import annotations

import datetime

import attrs
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.account.keys import AccountKey
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.enclave.channel import EvidenceVerifier
from refimpl.enclave.evidence import Evidence
from refimpl.errors import FogError
from refimpl.fog.api import report_pb2
from refimpl.fog.enclave import FogEnclave
from refimpl.fog.report.messages import Report, ReportResponse
from refimpl.fog.report.operator import OperatorChain, fog_account_key
from refimpl.fog.report.signature import reports_digest, sign_reports, verify_reports
from refimpl.fog.report.validate import (
    FogResolver,
    check_pubkey_usable,
    validate_fog_pubkey,
    verify_fog_sig,
)
from refimpl.transaction.fog_hint import FogPubkey

from .conftest import REPORT_URL


def _point(n: int) -> Point:
    return Point.mul_base(Scalar(n))


def _reports(host: FogEnclave, key: Point, expiry: int = 20,
             report_id: str = "") -> tuple[Report, ...]:
    other = Report("other", host.evidence(_point(7).to_bytes()), 5)
    return (other, Report(report_id, host.evidence(key.to_bytes()), expiry))


def _refused(code: str, account: AccountKey, response: ReportResponse,
             verifier: EvidenceVerifier, at: datetime.datetime | None = None) -> None:
    with pytest.raises(FogError) as info:
        validate_fog_pubkey(account.default_subaddress(), response, verifier, at)
    assert info.value.code == code, info.value.message


@pytest.fixture(scope="module")
def reports(ingest_host: FogEnclave, ingress_public: Point) -> tuple[Report, ...]:
    return _reports(ingest_host, ingress_public)


@pytest.fixture(scope="module")
def response(operator: OperatorChain, reports: tuple[Report, ...]) -> ReportResponse:
    return operator.materials().sign(reports)


# --- the happy path ------------------------------------------------------------------------------


def test_signed_reports_validate_after_the_wire(account: AccountKey, response: ReportResponse,
                                               verifier: EvidenceVerifier,
                                               ingress_public: Point) -> None:
    decoded = ReportResponse.from_protobuf(response.to_protobuf())
    assert decoded == response
    key = validate_fog_pubkey(account.default_subaddress(), decoded, verifier)
    assert key == FogPubkey(ingress_public, 20)
    # every subaddress signs the same authority with its own view key
    assert validate_fog_pubkey(account.subaddress(7), decoded, verifier) == key


def test_resolver_normalizes_urls_and_is_a_fog_pubkey_resolver(
        account: AccountKey, response: ReportResponse, verifier: EvidenceVerifier,
        ingress_public: Point) -> None:
    resolver = FogResolver({"insecure-fog://127.0.0.1": response}, verifier)
    assert resolver(account.default_subaddress()).pubkey == ingress_public
    other = fog_account_key(b"\7" * 32, "insecure-fog://127.0.0.2/", response.chain)
    with pytest.raises(FogError) as info:
        resolver(other.default_subaddress())
    assert info.value.code == "fog.report_no_response"
    with pytest.raises(FogError) as info:
        FogResolver({"https://x": response}, verifier)
    assert info.value.code == "fog.report_bad_url"


def test_report_id_selects_the_report(operator: OperatorChain, ingest_host: FogEnclave,
                                      verifier: EvidenceVerifier) -> None:
    first, second = _point(3), _point(4)
    reports = (Report("a", ingest_host.evidence(first.to_bytes()), 10),
               Report("b", ingest_host.evidence(second.to_bytes()), 11))
    response = operator.materials().sign(reports)
    for report_id, key, expiry in (("a", first, 10), ("b", second, 11)):
        account = fog_account_key(b"\1" * 32, REPORT_URL, operator.chain, report_id)
        got = validate_fog_pubkey(account.default_subaddress(), response, verifier)
        assert got == FogPubkey(key, expiry)


# --- the signature -------------------------------------------------------------------------------


def test_empty_report_list_is_signed_as_a_none_node(operator: OperatorChain) -> None:
    signature = sign_reports(operator.signing_key, [])
    verify_reports(operator.signing_key.public_key().public_bytes_raw(), [], signature)
    assert reports_digest([]) != reports_digest([Report("", None, 0)])


def test_digest_covers_every_field(reports: tuple[Report, ...]) -> None:
    base = reports_digest(reports)
    mine = reports[1]
    changed = [
        (reports[0], attrs.evolve(mine, fog_report_id="x")),
        (reports[0], attrs.evolve(mine, pubkey_expiry=21)),
        (reports[0], attrs.evolve(mine, evidence=None)),
        (reports[0], attrs.evolve(mine, evidence=reports[0].evidence)),
        (mine, reports[0]),
        (reports[0],),
    ]
    digests = {reports_digest(r) for r in changed}
    assert base not in digests and len(digests) == len(changed)


@settings(max_examples=40, deadline=None)
@given(report_id=st.text(max_size=8), expiry=st.integers(0, 2**64 - 1),
       flip=st.integers(0, 63))
def test_any_change_breaks_the_signature(operator: OperatorChain, reports: tuple[Report, ...],
                                         report_id: str, expiry: int, flip: int) -> None:
    signed = operator.materials().sign(reports)
    public = operator.signing_key.public_key().public_bytes_raw()
    tampered = attrs.evolve(reports[1], fog_report_id=report_id, pubkey_expiry=expiry)
    if tampered != reports[1]:
        with pytest.raises(FogError) as info:
            verify_reports(public, (reports[0], tampered), signed.signature)
        assert info.value.code == "fog.report_bad_signature"
    bad = bytearray(signed.signature)
    bad[flip] ^= 1
    with pytest.raises(FogError) as info:
        verify_reports(public, reports, bytes(bad))
    assert info.value.code == "fog.report_bad_signature"


def test_malformed_signatures_are_refused(operator: OperatorChain,
                                          reports: tuple[Report, ...]) -> None:
    public = operator.signing_key.public_key().public_bytes_raw()
    for signature in (b"", b"\0" * 63, b"\1" + b"\0" * 63):
        with pytest.raises(FogError) as info:
            verify_reports(public, reports, signature)
        assert info.value.code == "fog.report_bad_signature"


# --- every refusal -------------------------------------------------------------------------------


def test_tampered_report_list_is_refused(account: AccountKey, response: ReportResponse,
                                         verifier: EvidenceVerifier) -> None:
    for reports in (response.reports[1:], response.reports[::-1],
                    (response.reports[0], attrs.evolve(response.reports[1], pubkey_expiry=99))):
        _refused("fog.report_bad_signature", account,
                 attrs.evolve(response, reports=reports), verifier)


def test_another_operators_chain_is_refused(account: AccountKey, other_operator: OperatorChain,
                                            reports: tuple[Report, ...],
                                            verifier: EvidenceVerifier) -> None:
    """A perfectly signed answer from another operator's chain: the address does not sign that
    root."""
    _refused("fog.report_bad_authority_signature", account,
             other_operator.materials().sign(reports), verifier)


def test_wrong_authority_signature_is_refused(account: AccountKey, response: ReportResponse,
                                              verifier: EvidenceVerifier) -> None:
    address = account.default_subaddress()
    bad = bytearray(address.fog_authority_sig)
    bad[5] ^= 1
    with pytest.raises(FogError) as info:
        verify_fog_sig(attrs.evolve(address, fog_authority_sig=bytes(bad)), response)
    assert info.value.code == "fog.report_bad_authority_signature"
    with pytest.raises(FogError) as info:
        verify_fog_sig(attrs.evolve(address, fog_authority_sig=b""), response)
    assert info.value.code == "fog.report_bad_authority_signature"


def test_forged_chains_are_refused(account: AccountKey, operator: OperatorChain,
                                   other_operator: OperatorChain, reports: tuple[Report, ...],
                                   verifier: EvidenceVerifier) -> None:
    leaf, intermediate, root = operator.chain
    other_leaf, other_intermediate, _ = other_operator.chain
    signed = other_operator.materials().sign(reports)
    cases = {
        # another operator's leaf (which signed the reports) spliced under our root
        "fog.report_chain_broken": (other_leaf, intermediate, root),
        "fog.report_chain_no_root": (leaf, intermediate),
        "fog.report_chain_empty": (),
        "fog.report_chain_bad_certificate": (leaf, b"not a certificate", root),
    }
    for code, chain in cases.items():
        _refused(code, account, attrs.evolve(signed, chain=chain), verifier)
    # out of order
    _refused("fog.report_chain_broken", account,
             attrs.evolve(signed, chain=(intermediate, leaf, root)), verifier)
    # the other operator's own chain is sound; the address just does not trust its root
    _refused("fog.report_bad_authority_signature", account,
             attrs.evolve(signed, chain=(other_leaf, other_intermediate, other_operator.chain[2])),
             verifier)


def test_chain_outside_its_validity_is_refused(account: AccountKey, response: ReportResponse,
                                               verifier: EvidenceVerifier) -> None:
    for year in (2019, 2100):
        at = datetime.datetime(year, 6, 1, tzinfo=datetime.UTC)
        _refused("fog.report_chain_not_valid_now", account, response, verifier, at=at)


def test_leaf_that_is_not_ed25519_is_refused(account: AccountKey, response: ReportResponse,
                                             verifier: EvidenceVerifier) -> None:
    root_key = Ed25519PrivateKey.generate()
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "root")])
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)

    def issue(subject: x509.Name, key: object) -> bytes:
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(name)
                .public_key(key).serial_number(x509.random_serial_number())  # type: ignore[arg-type]
                .not_valid_before(start).not_valid_after(start.replace(year=2090))
                .sign(root_key, None))
        return cert.public_bytes(serialization.Encoding.DER)

    chain = (issue(x509.Name([]), leaf_key.public_key()), issue(name, root_key.public_key()))
    _refused("fog.report_leaf_not_ed25519", account, attrs.evolve(response, chain=chain),
             verifier)


def test_unknown_report_id_is_refused(operator: OperatorChain, response: ReportResponse,
                                      verifier: EvidenceVerifier) -> None:
    account = fog_account_key(b"\2" * 32, REPORT_URL, operator.chain, "missing")
    _refused("fog.report_unknown_report_id", account, response, verifier)


def test_evidence_from_a_view_enclave_is_refused(account: AccountKey, operator: OperatorChain,
                                                 view_host: FogEnclave, ingress_public: Point,
                                                 verifier: EvidenceVerifier) -> None:
    response = operator.materials().sign([Report("", view_host.evidence(
        ingress_public.to_bytes()), 20)])
    _refused("fog.report_evidence_refused", account, response, verifier)


def test_tampered_evidence_is_refused(account: AccountKey, operator: OperatorChain,
                                      ingest_host: FogEnclave, ingress_public: Point,
                                      verifier: EvidenceVerifier) -> None:
    """Report data naming another key than the quote binds (a report server swapping keys)."""
    evidence = ingest_host.evidence(ingress_public.to_bytes())
    assert evidence.report_data is not None
    swapped = attrs.evolve(evidence, report_data=attrs.evolve(
        evidence.report_data, custom_identity=_point(9).to_bytes()))
    response = operator.materials().sign([Report("", swapped, 20)])
    _refused("fog.report_evidence_refused", account, response, verifier)


def test_evidence_without_a_key_is_refused(account: AccountKey, operator: OperatorChain,
                                           ingest_host: FogEnclave,
                                           verifier: EvidenceVerifier) -> None:
    cases: list[tuple[str, Evidence | None]] = [
        ("fog.report_missing_evidence", None),
        ("fog.report_bad_evidence", ingest_host.evidence(None)),
        ("fog.report_bad_ingress_key", ingest_host.evidence(b"\xff" * 32)),
    ]
    for code, evidence in cases:
        response = operator.materials().sign([Report("", evidence, 20)])
        _refused(code, account, response, verifier)


def test_address_without_fog_is_refused(response: ReportResponse,
                                        verifier: EvidenceVerifier) -> None:
    plain = AccountKey.from_root_entropy(b"\3" * 32)
    with pytest.raises(FogError) as info:
        validate_fog_pubkey(plain.default_subaddress(), response, verifier)
    assert info.value.code == "fog.report_no_fog"
    with pytest.raises(FogError) as info:
        FogResolver({}, verifier)(plain.default_subaddress())
    assert info.value.code == "fog.report_no_fog"


def test_legacy_and_malformed_wire_reports_are_refused(response: ReportResponse) -> None:
    legacy = report_pb2.ReportResponse(reports=[report_pb2.Report(
        fog_report_id="", verification_report=b"ias")])
    with pytest.raises(FogError) as info:
        ReportResponse.from_protobuf(legacy.SerializeToString())
    assert info.value.code == "fog.report_unsupported_evidence"
    broken = report_pb2.ReportResponse(reports=[report_pb2.Report(dcap_evidence=b"\xff")])
    with pytest.raises(FogError) as info:
        ReportResponse.from_protobuf(broken.SerializeToString())
    assert info.value.code == "fog.report_bad_evidence"
    with pytest.raises(FogError) as info:
        ReportResponse.from_protobuf(b"\xff\xff")
    assert info.value.code == "fog.report_bad_message"


def test_expired_pubkey(account: AccountKey, operator: OperatorChain, ingest_host: FogEnclave,
                        ingress_public: Point, verifier: EvidenceVerifier) -> None:
    """An old report still validates (the sender's ledger view decides); the key is unusable
    once the next block index reaches its expiry, and otherwise bounds the tombstone."""
    response = operator.materials().sign([Report("", ingest_host.evidence(
        ingress_public.to_bytes()), 12)])
    key = validate_fog_pubkey(account.default_subaddress(), response, verifier)
    check_pubkey_usable(key, 11)
    for num_blocks in (12, 13):
        with pytest.raises(FogError) as info:
            check_pubkey_usable(key, num_blocks)
        assert info.value.code == "fog.report_pubkey_expired"


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_decode_or_are_refused_typed(data: bytes) -> None:
    try:
        ReportResponse.from_protobuf(data)
    except FogError as exc:
        assert exc.code.startswith("fog.report_")


@settings(max_examples=50, deadline=None)
@given(chain=st.lists(st.binary(max_size=64), max_size=3))
def test_arbitrary_chains_are_refused_typed(account: AccountKey, response: ReportResponse,
                                            verifier: EvidenceVerifier,
                                            chain: list[bytes]) -> None:
    with pytest.raises(FogError) as info:
        validate_fog_pubkey(account.default_subaddress(),
                            attrs.evolve(response, chain=tuple(chain)), verifier)
    assert info.value.code in {"fog.report_chain_empty", "fog.report_chain_bad_certificate"}
