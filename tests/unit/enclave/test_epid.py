"""The recorded IAS attestation verification report (data/attestation/PROVENANCE.md)."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.enclave.sgx.epid import verify_ias_report
from refimpl.enclave.sgx.trust import EPID_DIR, IAS_ROOT_CA_SHA256
from refimpl.errors import CODES, AttestError

AVR = json.loads((EPID_DIR / "mobilecoin_ias_avr_sa00334.json").read_text())
SIGNATURE = bytes.fromhex(AVR["sig_hex"])
CHAIN = [bytes.fromhex(h) for h in AVR["chain_der_hex"]]
BODY = AVR["http_body"].encode()
ROOT = CHAIN[1]


def test_ias_root_is_the_pinned_one() -> None:
    assert hashlib.sha256(ROOT).hexdigest() == IAS_ROOT_CA_SHA256


def test_report_signature_verifies_and_body_parses() -> None:
    report = verify_ias_report(SIGNATURE, CHAIN, BODY, ROOT)
    assert report.quote_status == "SW_HARDENING_NEEDED"
    assert report.advisory_ids == ("INTEL-SA-00334",)
    assert report.nonce == "ca1bb26d4a756cabf422206fc1953e4b"
    body = report.report_body
    assert body.mr_enclave.hex().startswith("45fb2422") and body.mr_enclave.hex().endswith("b82c")
    assert body.mr_signer.hex().startswith("d11f4699") and body.mr_signer.hex().endswith("534d")
    assert (body.isv_prod_id, body.isv_svn, body.debug) == (1, 1, True)
    assert verify_ias_report(SIGNATURE, CHAIN[:1], BODY, ROOT) == report


def test_leaf_as_root_is_refused() -> None:
    with pytest.raises(AttestError) as info:
        verify_ias_report(SIGNATURE, CHAIN, BODY, CHAIN[0])
    assert info.value.code == "attest.untrusted_root"


@given(st.sampled_from(["sig", "body", "leaf"]), st.data())
def test_any_byte_mutation_is_refused(which: str, data: st.DataObject) -> None:
    target = {"sig": SIGNATURE, "body": BODY, "leaf": CHAIN[0]}[which]
    position = data.draw(st.integers(0, len(target) - 1))
    mutated = bytearray(target)
    mutated[position] ^= data.draw(st.integers(1, 255))
    args = {"sig": SIGNATURE, "body": BODY, "leaf": CHAIN[0], which: bytes(mutated)}
    with pytest.raises(AttestError) as info:
        verify_ias_report(args["sig"], [args["leaf"], ROOT], args["body"], ROOT)
    assert info.value.code in CODES
