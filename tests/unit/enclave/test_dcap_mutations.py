"""Every single-byte mutation and truncation of the real quote, and every mutation of the
collateral that changes signed content, is refused with a typed error: never another
exception, never a wrong acceptance (issue 6, "Must show").

Under the ``ci``/``dev`` profiles Hypothesis samples positions from every region of the quote
(and one position per region is always tried); under ``nightly`` every byte position is
mutated.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.enclave.sgx import certs
from refimpl.enclave.sgx.collateral import QeIdentity, TcbInfo, collateral_from_files
from refimpl.enclave.verifier import verify_evidence
from refimpl.errors import CODES, AttestError
from tests.unit.enclave.dcap_data import AT, FILES, PRODUCTION, QUOTE, ROOT

COLLATERAL = collateral_from_files(FILES)
NIGHTLY = os.environ.get("HYPOTHESIS_PROFILE") == "nightly"

# (name, start, end) of the regions of the 4600-byte quote (Intel ``sgx_quote_3.h``; QE auth data is
# 32 B)
REGIONS = [
    ("header", 0, 48), ("report body", 48, 432), ("signature data length", 432, 436),
    ("quote signature", 436, 500), ("attestation key", 500, 564),
    ("QE report body", 564, 948), ("QE report signature", 948, 1012),
    ("QE auth data size", 1012, 1014), ("QE auth data", 1014, 1046),
    ("certification data type", 1046, 1048), ("certification data size", 1048, 1052),
    ("PCK chain (PEM)", 1052, len(QUOTE)),
]


def assert_refused(quote: bytes) -> None:
    with pytest.raises(AttestError) as info:
        verify_evidence(quote, COLLATERAL, ROOT, PRODUCTION, AT)
    assert info.value.code in CODES


def mutate(data: bytes, position: int, xor: int) -> bytes:
    out = bytearray(data)
    out[position] ^= xor
    return bytes(out)


def test_regions_cover_the_quote() -> None:
    assert [r[1] for r in REGIONS[1:]] == [r[2] for r in REGIONS[:-1]]
    assert REGIONS[-1][2] == len(QUOTE) == 4600
    assert verify_evidence(QUOTE, COLLATERAL, ROOT, PRODUCTION, AT).accepted


@pytest.mark.parametrize(("name", "start", "end"), REGIONS)
def test_first_and_last_byte_of_every_region(name: str, start: int, end: int) -> None:
    for position in {start, end - 1, (start + end) // 2}:
        assert_refused(mutate(QUOTE, position, 0x01))
        assert_refused(mutate(QUOTE, position, 0xFF))


@given(st.sampled_from(REGIONS).flatmap(lambda r: st.integers(r[1], r[2] - 1)),
       st.integers(1, 255))
def test_single_byte_mutation_is_refused(position: int, xor: int) -> None:
    assert_refused(mutate(QUOTE, position, xor))


def test_every_truncation_and_extension_is_refused() -> None:
    for length in range(len(QUOTE)):
        assert_refused(QUOTE[:length])
    assert_refused(QUOTE + b"\0")


@pytest.mark.skipif(not NIGHTLY, reason="every position: nightly profile only")
def test_every_single_byte_mutation_is_refused_nightly() -> None:
    for position in range(len(QUOTE)):
        for xor in (0x01, 0x80, 0xFF):
            assert_refused(mutate(QUOTE, position, xor))


def signed_content(role: str, data: bytes) -> object:
    """What the collateral's signatures cover (docs/attestation.md): for the JSON files the raw
    ``tcbInfo``/``enclaveIdentity`` value and the signature bytes; for PEM files the DER of the
    certificates; CRLs are DER and wholly signed content (canonical DER is required)."""
    if role == "tcb_info":
        info = TcbInfo.parse(data)
        return info.signed_body, info.signature
    if role == "qe_identity":
        identity = QeIdentity.parse(data)
        return identity.signed_body, identity.signature
    if role in ("tcb_signer", "pck_crl_issuer"):
        return [c.public_bytes(certs.DER) for c in certs.load_pem_certificates(data)]
    return data


ROLES = sorted(FILES)


def check_collateral_mutation(role: str, position: int, xor: int) -> None:
    mutated = mutate(FILES[role], position, xor)
    files = dict(FILES, **{role: mutated})
    try:
        verdict = verify_evidence(QUOTE, collateral_from_files(files), ROOT, PRODUCTION, AT)
    except AttestError as exc:
        assert exc.code in CODES
        return
    # accepted: only if what is signed did not change
    assert signed_content(role, mutated) == signed_content(role, FILES[role]), (role, position)
    assert verdict.accepted


@given(st.sampled_from(ROLES).flatmap(
    lambda role: st.tuples(st.just(role), st.integers(0, len(FILES[role]) - 1))),
    st.integers(1, 255))
def test_collateral_mutation_refused_unless_signed_content_unchanged(
        role_position: tuple[str, int], xor: int) -> None:
    check_collateral_mutation(*role_position, xor)


@pytest.mark.parametrize("role", ROLES)
def test_collateral_truncation_is_refused(role: str) -> None:
    data = FILES[role]
    for length in sorted({0, 1, len(data) // 2, len(data) - 2}):
        files = dict(FILES, **{role: data[:length]})
        with pytest.raises(AttestError):
            verify_evidence(QUOTE, collateral_from_files(files), ROOT, PRODUCTION, AT)


@pytest.mark.parametrize("role", ROLES)
def test_collateral_byte_at_each_end_and_middle(role: str) -> None:
    size = len(FILES[role])
    for position in {0, size // 3, size // 2, size - 1}:
        check_collateral_mutation(role, position, 0x01)


@pytest.mark.skipif(not NIGHTLY, reason="every position: nightly profile only")
def test_every_collateral_byte_nightly() -> None:
    for role in ROLES:
        for position in range(len(FILES[role])):
            for xor in (0x01, 0x20, 0x80):
                check_collateral_mutation(role, position, xor)


@pytest.mark.parametrize("role", ["pck_crl", "root_ca_crl"])
def test_crl_signature_unused_bits_byte_is_checked(role: str) -> None:
    # found by enumeration: cryptography ignores the BIT STRING's unused-bits octet
    data = FILES[role]
    position = data.rindex(b"\x03", 0, len(data) - 70) + 2
    assert data[position] == 0
    files = dict(FILES, **{role: mutate(data, position, 0x01)})
    with pytest.raises(AttestError) as info:
        verify_evidence(QUOTE, collateral_from_files(files), ROOT, PRODUCTION, AT)
    assert info.value.code == "attest.bad_certificate"
