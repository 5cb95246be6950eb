"""Simulated SGX: quotes in the real v3 layout, a real PKI and signed collateral.

These tests read the bytes with ``cryptography`` and the offsets of Intel's ``sgx_quote_3.h``
directly, so they check the format independently of the project's verifier;
test_platform_sim_verifier.py runs the verifier itself on simulated quotes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import struct
from functools import cache
from pathlib import Path
from typing import Any

import attrs
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import event, example, given
from hypothesis import strategies as st

from refimpl.cli import main as cli_main
from refimpl.enclave.evidence import ReportDataContents, decode_evidence
from refimpl.enclave.platform_sim import (
    INTEL_QE_VENDOR_ID,
    QE_AUTH_DATA,
    SimulatedEnclave,
    SimulatedPlatform,
    measure_mrenclave,
    seeded_rng,
    write_collateral_dir,
)
from refimpl.enclave.sgx.collateral import load_collateral_dir
from refimpl.enclave.sgx.verify import verify_quote
from refimpl.enclave.sim_check import simulated_quote_check
from refimpl.enclave.sim_pki import SGX_EXTENSION_OID, SIM_FMSPC_PREFIX, PlatformTcb, TcbLevel
from refimpl.enclave.verifier import Policy, verify_evidence
from refimpl.errors import AttestError

DATA = Path(__file__).resolve().parents[3] / "data" / "attestation" / "dcap"


@cache
def platform() -> SimulatedPlatform:
    return SimulatedPlatform.create(seeded_rng(b"test platform"))


def enclave(*, debug: bool = False, isv_prod_id: int = 0, isv_svn: int = 0) -> SimulatedEnclave:
    return SimulatedEnclave(
        b"consensus enclave v7",
        b"config",
        b"signer key",
        platform(),
        isv_prod_id=isv_prod_id,
        isv_svn=isv_svn,
        debug=debug,
    )


def _verify_raw(public: ec.EllipticCurvePublicKey, signature: bytes, message: bytes) -> None:
    der = encode_dss_signature(int.from_bytes(signature[:32]), int.from_bytes(signature[32:]))
    public.verify(der, message, ec.ECDSA(hashes.SHA256()))


def _public_from_raw(raw: bytes) -> ec.EllipticCurvePublicKey:
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + raw)


def _check_quote_layout(quote: bytes, report_data: bytes, sim: SimulatedEnclave) -> None:
    """Walk the quote by the ``sgx_quote_3.h`` offsets and check every signature and binding."""
    version, key_type, tee, qe_svn, pce_svn = struct.unpack_from("<HHIHH", quote, 0)
    assert (version, key_type, tee) == (3, 2, 0)
    assert (qe_svn, pce_svn) == (sim.platform.qe_svn, sim.platform.tcb.pce_svn)
    assert quote[12:28] == INTEL_QE_VENDOR_ID
    body = quote[48:432]
    assert body[64:96] == sim.mrenclave and body[128:160] == sim.mrsigner
    assert struct.unpack_from("<HH", body, 256) == (sim.isv_prod_id, sim.isv_svn)
    assert body[320:384] == report_data
    assert bool(body[48] & 0x2) == sim.debug
    (sig_len,) = struct.unpack_from("<I", quote, 432)
    assert len(quote) == 436 + sig_len
    sig, att_key, qe_body, qe_sig = quote[436:500], quote[500:564], quote[564:948], quote[948:1012]
    _verify_raw(_public_from_raw(att_key), sig, quote[:432])
    (auth_len,) = struct.unpack_from("<H", quote, 1012)
    auth = quote[1014 : 1014 + auth_len]
    assert auth == QE_AUTH_DATA
    assert qe_body[320:384] == hashlib.sha256(att_key + auth).digest() + bytes(32)
    cert_type, cert_len = struct.unpack_from("<HI", quote, 1014 + auth_len)
    assert cert_type == 5
    pem = quote[1020 + auth_len :]
    assert len(pem) == cert_len
    leaf, processor, root = x509.load_pem_x509_certificates(pem)
    leaf.verify_directly_issued_by(processor)
    processor.verify_directly_issued_by(root)
    root.verify_directly_issued_by(root)
    leaf_key = leaf.public_key()
    assert isinstance(leaf_key, ec.EllipticCurvePublicKey)
    _verify_raw(leaf_key, qe_sig, qe_body)


@given(st.binary(min_size=64, max_size=64), st.booleans(), st.integers(0, 0xFFFF))
def test_quote_layout_and_signatures(report_data: bytes, debug: bool, svn: int) -> None:
    sim = enclave(debug=debug, isv_svn=svn, isv_prod_id=3)
    _check_quote_layout(sim.quote(report_data), report_data, sim)


def test_deterministic_from_seed() -> None:
    a = SimulatedPlatform.create(seeded_rng(b"seed"))
    b = SimulatedPlatform.create(seeded_rng(b"seed"))
    c = SimulatedPlatform.create(seeded_rng(b"other seed"))
    assert a.collateral == b.collateral and a.root_cert_der == b.root_cert_der
    report = bytes(range(64))
    assert a.quote(enclave().report_body(report)) == b.quote(enclave().report_body(report))
    assert a.root_cert_der != c.root_cert_der and a.collateral != c.collateral


def test_sgx_extension_reproduces_intel_pck_leaf_byte_for_byte() -> None:
    leaf = x509.load_pem_x509_certificate((DATA / "attestation_leaf_cert.pem").read_bytes())
    ext = leaf.extensions.get_extension_for_oid(x509.ObjectIdentifier(SGX_EXTENSION_OID))
    assert isinstance(ext.value, x509.UnrecognizedExtension)
    tcb = PlatformTcb(
        ppid=bytes.fromhex("DFA1509779ED52BDCA5306C416F9911B"),
        components=(17, 17, 2, 4, 1, 128, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        pce_svn=11,
        cpu_svn=bytes.fromhex("11110204018006000000000000000000"),
        pce_id=bytes(2),
        fmspc=bytes.fromhex("00906ED50000"),
    )
    assert tcb.sgx_extension_der() == ext.value.value


def test_pck_leaf_carries_the_platform_tcb() -> None:
    p = platform()
    ext = p.pck.cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(SGX_EXTENSION_OID))
    assert isinstance(ext.value, x509.UnrecognizedExtension)
    assert ext.value.value == p.tcb.sgx_extension_der()
    assert p.tcb.fmspc.startswith(SIM_FMSPC_PREFIX)
    assert "Simulated" in p.pki.root.cert.subject.rfc4514_string()


def _signed(document: bytes, field: str) -> tuple[bytes, bytes]:
    """The exact signed bytes of ``field`` and the raw signature, located textually."""
    prefix = b'{"' + field.encode() + b'":'
    assert document.startswith(prefix)
    body, _, tail = document[len(prefix) :].rpartition(b',"signature":"')
    return body, bytes.fromhex(tail[:-2].decode())


def test_collateral_is_signed_and_consistent() -> None:
    p = platform()
    c = p.collateral
    signer, root = (x509.load_der_x509_certificate(d) for d in c.tcb_info_issuer_chain)
    signer.verify_directly_issued_by(root)
    assert root == p.pki.root.cert
    signer_key = signer.public_key()
    assert isinstance(signer_key, ec.EllipticCurvePublicKey)
    for document, field in ((c.tcb_info, "tcbInfo"), (c.qe_identity, "enclaveIdentity")):
        body, signature = _signed(document, field)
        _verify_raw(signer_key, signature, body)
        assert json.loads(document)[field] == json.loads(body)
    tcb_info = json.loads(c.tcb_info)["tcbInfo"]
    assert tcb_info["version"] == 3 and tcb_info["fmspc"] == p.tcb.fmspc.hex().upper()
    assert tcb_info["tcbLevels"][0]["tcbStatus"] == "UpToDate"
    qe = json.loads(c.qe_identity)["enclaveIdentity"]
    assert qe["version"] == 2 and qe["isvprodid"] == 1
    processor = x509.load_der_x509_certificate(c.pck_crl_issuer_chain[0])
    root_key, processor_key = root.public_key(), processor.public_key()
    assert isinstance(root_key, ec.EllipticCurvePublicKey)
    assert isinstance(processor_key, ec.EllipticCurvePublicKey)
    assert x509.load_der_x509_crl(c.root_ca_crl).is_signature_valid(root_key)
    assert x509.load_der_x509_crl(c.pck_crl).is_signature_valid(processor_key)


def test_collateral_time_travel() -> None:
    later = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    c = platform().collateral_at(later)
    assert json.loads(c.tcb_info)["tcbInfo"]["issueDate"] == "2026-03-01T00:00:00Z"
    assert json.loads(c.qe_identity)["enclaveIdentity"]["nextUpdate"] == "2026-03-31T00:00:00Z"
    assert x509.load_der_x509_crl(c.pck_crl).next_update_utc == later + dt.timedelta(days=30)


_short = st.binary(max_size=20)


@given(_short, _short, _short, _short)
def test_mrenclave_is_injective_on_code_and_config(a: bytes, b: bytes, c: bytes, d: bytes) -> None:
    assert (measure_mrenclave(a, b) == measure_mrenclave(c, d)) == ((a, b) == (c, d))


def test_evidence_round_trips_and_binds_report_data() -> None:
    contents = ReportDataContents(nonce=b"\x01" * 16, key=b"\x02" * 32)
    evidence = enclave().evidence(contents)
    assert decode_evidence(evidence.encode()) == evidence
    assert evidence.quote[48 + 320 : 48 + 384] == contents.report_data()
    assert evidence.collateral == platform().collateral
    raw = enclave().evidence(bytes(64))
    assert raw.report_data is None and raw.quote[368:432] == bytes(64)


@pytest.mark.parametrize(
    "make",
    [
        lambda: enclave().quote(bytes(63)),
        lambda: enclave(isv_prod_id=1 << 16).quote(bytes(64)),
        lambda: platform().quote(bytes(383)),
        lambda: SimulatedPlatform.create(seeded_rng(b"x"), components=(1,) * 15),
        lambda: SimulatedPlatform.create(seeded_rng(b"x"), components=(256,) + (0,) * 15),
        lambda: SimulatedPlatform.create(seeded_rng(b"x"), qe_svn=-1),
        lambda: TcbLevel((0,) * 16, 0, "Fine"),
        lambda: SimulatedPlatform.create(seeded_rng(b"x"), issued_at=dt.datetime(2025, 1, 1)),
    ],
)
def test_bad_parameters_are_typed(make: object) -> None:
    with pytest.raises(AttestError) as info:
        make()  # type: ignore[operator]
    assert info.value.code == "attest.sim_bad_parameter"


# --- the project's verifier on simulated quotes (same code as for hardware quotes) -----------

AT = dt.datetime(2025, 1, 2, tzinfo=dt.UTC)


def production_policy(sim: SimulatedEnclave) -> Policy:
    return Policy(mr_enclaves=frozenset({sim.mrenclave}))


def test_verifier_accepts_simulated_quote_with_the_test_root() -> None:
    sim = enclave()
    contents = ReportDataContents(nonce=b"\x07" * 16, key=b"\x09" * 32)
    evidence = sim.evidence(contents)
    policy = Policy(
        mr_enclaves=frozenset({sim.mrenclave}),
        report_data=contents,
    )
    verdict = verify_evidence(evidence.quote, evidence.collateral, platform().root_cert_der,
                              policy, AT)
    assert verdict.accepted, verdict.reasons
    assert verdict.verified.tcb_status == "UpToDate"
    assert verdict.verified.qe_tcb_status == "UpToDate"
    assert verdict.verified.fmspc == platform().tcb.fmspc
    assert verdict.verified.quote.report_body.mr_enclave == sim.mrenclave
    assert verdict.verified.quote.report_body.mr_signer == sim.mrsigner
    other = enclave(isv_svn=1)  # same code and config: same MRENCLAVE
    assert verify_evidence(other.quote(contents.report_data()), evidence.collateral,
                           platform().root_cert_der, policy, AT).accepted
    stranger = SimulatedEnclave(b"other code", b"config", b"signer key", platform())
    refused = verify_evidence(stranger.quote(contents.report_data()), evidence.collateral,
                              platform().root_cert_der, policy, AT)
    assert [r.code for r in refused.reasons] == ["attest.measurement_not_allowed"]


# Under a foreign root the first check to fail is the simulated root CRL's signature.
_FOREIGN_ROOT = {"attest.untrusted_root", "attest.bad_crl_signature"}


def test_verifier_refuses_simulated_quote_with_the_intel_root() -> None:
    intel_root = (DATA / "attestation_root_ca.pem").read_bytes()
    sim = enclave()
    with pytest.raises(AttestError) as info:
        verify_evidence(sim.quote(bytes(64)), platform().collateral, intel_root,
                        production_policy(sim), AT)
    assert info.value.code in _FOREIGN_ROOT
    # Even with Intel's own root CRL in the collateral, the PCK chain does not reach Intel.
    intel_crl = (DATA / "attestation_root_crl.der").read_bytes()
    mixed = attrs.evolve(platform().collateral, root_ca_crl=intel_crl)
    with pytest.raises(AttestError) as info:
        verify_quote(sim.quote(bytes(64)), mixed, intel_root, AT)
    assert info.value.code == "attest.untrusted_root"


def test_another_simulation_root_is_not_trusted() -> None:
    other = SimulatedPlatform.create(seeded_rng(b"another test root"))
    sim = enclave()
    with pytest.raises(AttestError) as info:
        verify_quote(sim.quote(bytes(64)), platform().collateral, other.root_cert_der, AT)
    assert info.value.code in _FOREIGN_ROOT


def test_debug_simulated_enclave_refused_by_production_policy() -> None:
    sim = enclave(debug=True)
    verdict = verify_evidence(sim.quote(bytes(64)), platform().collateral,
                              platform().root_cert_der, production_policy(sim), AT)
    assert [r.code for r in verdict.reasons] == ["attest.debug_enclave"]
    allowed = attrs.evolve(production_policy(sim), allow_debug=True)
    assert verify_evidence(sim.quote(bytes(64)), platform().collateral,
                           platform().root_cert_der, allowed, AT).accepted


@cache
def simulated_quote() -> bytes:
    return enclave().quote(bytes(range(64)))


QUOTE_LEN = len(simulated_quote())


# Explicit examples: mutations inside the PEM chain of the certification data that once made
# the verifier raise ValueError / UnsupportedAlgorithm instead of a typed error.
@example(offset=1410, xor=1)
@example(offset=2892, xor=1)
@example(offset=3638, xor=4)
@given(st.integers(0, QUOTE_LEN - 1), st.integers(1, 255))
def test_tampered_simulated_quote_refused(offset: int, xor: int) -> None:
    quote = bytearray(simulated_quote())
    quote[offset] ^= xor
    with pytest.raises(AttestError):
        verify_quote(bytes(quote), platform().collateral, platform().root_cert_der, AT)


@given(st.integers(0, 4100))
def test_truncated_simulated_quote_refused(length: int) -> None:
    quote = simulated_quote()
    with pytest.raises(AttestError):
        verify_quote(quote[: min(length, len(quote) - 1)], platform().collateral,
                     platform().root_cert_der, AT)


def test_platform_tcb_status_and_advisories_from_simulated_collateral() -> None:
    rng = seeded_rng(b"hardening platform")
    components = (7, 7, 2, 4, 1, 128, 14, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    newer = (8, *components[1:])
    levels = (
        TcbLevel(newer, 13, "UpToDate"),
        TcbLevel(components, 13, "SWHardeningNeeded", ("INTEL-SA-00334", "INTEL-SA-00615")),
    )
    hw = SimulatedPlatform.create(rng, components=components, tcb_levels=levels)
    sim = SimulatedEnclave(b"code", b"", b"signer", hw)
    quote = sim.quote(bytes(64))
    narrow = production_policy(sim)
    verdict = verify_evidence(quote, hw.collateral, hw.root_cert_der, narrow, AT)
    assert verdict.verified.tcb_status == "SWHardeningNeeded"
    assert verdict.verified.advisory_ids == ("INTEL-SA-00334", "INTEL-SA-00615")
    assert [r.code for r in verdict.reasons] == ["attest.tcb_status_not_allowed"]
    wide = attrs.evolve(
        narrow,
        allowed_tcb_statuses=frozenset({"UpToDate", "SWHardeningNeeded"}),
        allowed_advisories=frozenset({"INTEL-SA-00334", "INTEL-SA-00615"}),
    )
    assert verify_evidence(quote, hw.collateral, hw.root_cert_der, wide, AT).accepted


def test_expired_collateral_refused_by_policy() -> None:
    sim = enclave()
    late = AT + dt.timedelta(days=40)
    verdict = verify_evidence(sim.quote(bytes(64)), platform().collateral,
                              platform().root_cert_der, production_policy(sim), late)
    assert {r.code for r in verdict.reasons} == {"attest.collateral_expired"}
    fresh = platform().collateral_at(late - dt.timedelta(days=1))
    assert verify_evidence(sim.quote(bytes(64)), fresh, platform().root_cert_der,
                           production_policy(sim), late).accepted


def test_revoked_pck_refused() -> None:
    p = platform()
    revoked = p.pki.collateral(
        fmspc=p.tcb.fmspc,
        pce_id=p.tcb.pce_id,
        tcb_levels=p.tcb_levels,
        qe_identity=p.qe_identity,
        issue_date=p.pki.issued_at,
        revoked_pck_serials=(p.pck.cert.serial_number,),
    )
    with pytest.raises(AttestError) as info:
        verify_quote(enclave().quote(bytes(64)), revoked, p.root_cert_der, AT)
    assert info.value.code == "attest.revoked"


def test_qe_out_of_date_refused() -> None:
    old_qe = SimulatedPlatform.create(seeded_rng(b"old qe"), qe_svn=6)
    sim = SimulatedEnclave(b"c", b"", b"s", old_qe)
    verdict = verify_evidence(sim.quote(bytes(64)), old_qe.collateral, old_qe.root_cert_der,
                              production_policy(sim), AT)
    assert verdict.verified.qe_tcb_status == "OutOfDate"
    assert verdict.verified.qe_advisory_ids == ("INTEL-SA-00615",)
    assert [r.code for r in verdict.reasons] == ["attest.qe_out_of_date"]


def test_mcref_check_entry_for_simulated_sgx() -> None:
    ok, lines, detail = simulated_quote_check()
    assert ok, lines
    assert detail["accepted"]["verdict"] == "accepted"
    assert detail["intel_root"].startswith("refused (attest.")
    assert [r["code"] for r in detail["debug"]["reasons"]] == ["attest.debug_enclave"]


def test_collateral_directory_round_trip_and_cli(tmp_path: Path) -> None:
    p = platform()
    write_collateral_dir(p.collateral, p.tcb.fmspc, tmp_path / "collateral")
    assert load_collateral_dir(tmp_path / "collateral") == p.collateral
    (tmp_path / "root.pem").write_bytes(p.pki.root.pem)
    (tmp_path / "quote.dat").write_bytes(enclave().quote(bytes(64)))
    (tmp_path / "debug.dat").write_bytes(enclave(debug=True).quote(bytes(64)))
    common = ["--collateral", str(tmp_path / "collateral"), "--at", "2025-01-02T00:00:00Z"]
    root = ["--root", str(tmp_path / "root.pem")]
    assert cli_main(["attest", "verify-quote", str(tmp_path / "quote.dat"), *common, *root]) == 0
    assert cli_main(["attest", "verify-quote", str(tmp_path / "debug.dat"), *common, *root]) == 3
    assert cli_main(["attest", "verify-quote", str(tmp_path / "quote.dat"), *common]) == 2


@given(st.binary(max_size=200), st.binary(max_size=16))
def test_sealing_opens_only_for_the_same_code_on_the_same_platform(
    plaintext: bytes, key_id: bytes
) -> None:
    sim = enclave()
    sealed = sim.seal(seeded_rng(plaintext), key_id, plaintext)
    assert enclave(isv_svn=5).unseal(key_id, sealed) == plaintext  # same MRENCLAVE
    others = [
        SimulatedEnclave(b"consensus enclave v7", b"other config", b"signer key", platform()),
        SimulatedEnclave(b"consensus enclave v7", b"config", b"signer key", other_platform()),
    ]
    for other in others:
        with pytest.raises(AttestError) as info:
            other.unseal(key_id, sealed)
        assert info.value.code == "attest.sim_unseal_failed"
    with pytest.raises(AttestError):
        sim.unseal(key_id + b"x", sealed)
    tampered = bytearray(sealed)
    tampered[len(sealed) // 2] ^= 1
    with pytest.raises(AttestError):
        sim.unseal(key_id, bytes(tampered))
    with pytest.raises(AttestError):
        sim.unseal(key_id, sealed[:27])


@cache
def other_platform() -> SimulatedPlatform:
    return SimulatedPlatform.create(seeded_rng(b"another platform"))


_COLLATERAL_FIELDS = ("root_ca_crl", "pck_crl", "tcb_info", "qe_identity")
_CHAIN_FIELDS = ("pck_crl_issuer_chain", "tcb_info_issuer_chain", "qe_identity_issuer_chain")


@given(st.sampled_from(_COLLATERAL_FIELDS + _CHAIN_FIELDS), st.data())
def test_mutated_simulated_collateral_refused_or_same_result(
    field: str, data: st.DataObject
) -> None:
    """A one-byte change is refused with a typed error, or (signature hex case, say) leaves
    the signed content and hence the whole verification result unchanged."""
    c = platform().collateral
    value = getattr(c, field)
    if field in _CHAIN_FIELDS:
        index = data.draw(st.integers(0, len(value) - 1), label="cert")
        blob = bytearray(value[index])
    else:
        blob = bytearray(value)
    offset = data.draw(st.integers(0, len(blob) - 1), label="offset")
    blob[offset] ^= data.draw(st.integers(1, 255), label="xor")
    changes: dict[str, Any] = {field: bytes(blob)}
    if field in _CHAIN_FIELDS:
        changes[field] = (*value[:index], bytes(blob), *value[index + 1 :])
    mutated = attrs.evolve(c, **changes)
    quote = simulated_quote()
    expected = verify_quote(quote, c, platform().root_cert_der, AT)
    try:
        result = verify_quote(quote, mutated, platform().root_cert_der, AT)
    except AttestError:
        return
    assert result == expected


_STATUSES = ("UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "OutOfDate", "Revoked")
_ADVISORIES = st.lists(st.sampled_from(["INTEL-SA-00334", "INTEL-SA-00615"]), unique=True,
                       max_size=2).map(tuple)


@st.composite
def _level_near(draw: st.DrawFn, components: tuple[int, ...], pce_svn: int) -> TcbLevel:
    """A TCB level at or below the platform's TCB, except (sometimes) one SVN one above."""
    svns = [max(c - draw(st.integers(0, 1)), 0) for c in components]
    above = draw(st.one_of(st.none(), st.integers(0, 16)))
    level_pce = max(pce_svn - draw(st.integers(0, 1)), 0)
    if above == 16:
        level_pce = pce_svn + 1
    elif above is not None:
        svns[above] = components[above] + 1
    return TcbLevel(tuple(svns), level_pce, draw(st.sampled_from(_STATUSES)), draw(_ADVISORIES))


@given(st.tuples(*[st.integers(0, 3)] * 16), st.integers(0, 3), st.data())
def test_verifier_picks_the_first_tcb_level_the_simulated_pck_meets(
    components: tuple[int, ...], pce_svn: int, data: st.DataObject
) -> None:
    """Step 8 of docs/attestation.md#two-layers-valid-then-accepted, computed here independently
    from the simulated platform's TCB."""
    levels = data.draw(st.lists(_level_near(components, pce_svn), min_size=1, max_size=4))
    hw = SimulatedPlatform.create(seeded_rng(b"tcb levels"), pki=platform().pki,
                                  components=components, pce_svn=pce_svn, tcb_levels=levels)
    quote = SimulatedEnclave(b"c", b"", b"s", hw).quote(bytes(64))
    met = [lv for lv in levels if pce_svn >= lv.pce_svn
           and all(a >= b for a, b in zip(components, lv.components, strict=True))]
    event("no level met" if not met else f"level {levels.index(met[0])} of {len(levels)}")
    if not met:
        with pytest.raises(AttestError) as info:
            verify_quote(quote, hw.collateral, hw.root_cert_der, AT)
        assert info.value.code == "attest.no_tcb_level"
        return
    result = verify_quote(quote, hw.collateral, hw.root_cert_der, AT)
    assert (result.tcb_status, result.advisory_ids) == (met[0].status, met[0].advisory_ids)
