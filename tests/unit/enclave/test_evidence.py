"""Evidence: canonical encoding round trips; any other bytes are refused with a typed error."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.enclave.evidence import (
    Collateral,
    Evidence,
    ReportDataContents,
    decode_collateral,
    decode_evidence,
)
from refimpl.errors import AttestError, RefImplError

_blob = st.binary(min_size=1, max_size=40)
_chain = st.lists(_blob, max_size=3).map(tuple)
_maybe = st.one_of(st.just(b""), _blob)

collaterals = st.builds(
    Collateral,
    pck_crl_issuer_chain=_chain,
    root_ca_crl=_maybe,
    pck_crl=_maybe,
    tcb_info_issuer_chain=_chain,
    tcb_info=_maybe,
    qe_identity_issuer_chain=_chain,
    qe_identity=_maybe,
)
report_datas = st.builds(
    ReportDataContents,
    nonce=st.binary(min_size=16, max_size=16),
    key=st.binary(min_size=32, max_size=32),
    custom_identity=st.one_of(st.none(), st.binary(min_size=32, max_size=32)),
)
evidences = st.builds(
    Evidence, quote=_blob, collateral=collaterals, report_data=st.one_of(st.none(), report_datas)
)


@given(evidences)
def test_round_trip(evidence: Evidence) -> None:
    encoded = evidence.encode()
    assert decode_evidence(encoded) == evidence
    assert decode_evidence(encoded).encode() == encoded


@given(collaterals)
def test_collateral_round_trip(collateral: Collateral) -> None:
    assert decode_collateral(collateral.encode()) == collateral


@given(st.binary(max_size=200))
def test_arbitrary_bytes_decode_canonically_or_typed_error(data: bytes) -> None:
    try:
        evidence = decode_evidence(data)
    except AttestError as exc:
        assert exc.code == "attest.bad_evidence"
    else:
        assert evidence.encode() == data


@given(evidences, st.data())
def test_mutations_never_crash(evidence: Evidence, data: st.DataObject) -> None:
    encoded = bytearray(evidence.encode())
    i = data.draw(st.integers(0, len(encoded) - 1))
    encoded[i] ^= data.draw(st.integers(1, 255))
    try:
        decoded = decode_evidence(bytes(encoded))
    except RefImplError as exc:
        assert exc.code == "attest.bad_evidence"
    else:
        assert decoded.encode() == bytes(encoded)
        assert decoded != evidence


def test_non_canonical_encodings_refused() -> None:
    rd = ReportDataContents(nonce=b"\x01" * 16, key=b"\x02" * 32)
    empty = Collateral((), b"", b"", (), b"", (), b"")
    good = Evidence(quote=b"q", collateral=empty, report_data=rd)
    enc = good.encode()
    assert decode_evidence(enc) == good
    with pytest.raises(AttestError):  # fields out of order
        decode_evidence(enc[enc.index(b"\x12"):] + enc[: enc.index(b"\x12")])
    with pytest.raises(AttestError):  # unknown field
        decode_evidence(enc + b"\x22\x00")
    with pytest.raises(AttestError):  # repeated singular field
        decode_evidence(enc + enc[enc.index(b"\x1a"):])
    with pytest.raises(AttestError):
        Evidence(quote=b"", collateral=good.collateral)


def test_report_data_hash_matches_mobilecoin_layout() -> None:
    rd = ReportDataContents(nonce=b"\x01" * 16, key=b"\x02" * 32, custom_identity=b"\x03" * 32)
    expected = hashlib.sha256(b"\x01" * 16 + b"\x02" * 32 + b"\x03" * 32).digest()
    assert rd.report_data() == expected + bytes(32)
    # MobileCoin's attest/verifier/src/dcap.rs test constant for these inputs starts C33924B6.
    assert rd.sha256().hex().upper().startswith("C33924B6")
    absent = ReportDataContents(nonce=b"\x01" * 16, key=b"\x02" * 32)
    zero = ReportDataContents(nonce=b"\x01" * 16, key=b"\x02" * 32, custom_identity=bytes(32))
    assert absent.sha256() != zero.sha256()
    with pytest.raises(AttestError):
        ReportDataContents(nonce=b"\x01" * 15, key=b"\x02" * 32)
