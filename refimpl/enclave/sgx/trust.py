"""Trust anchors shipped with the project (data/attestation/, provenance in its README).

The Intel SGX Root CA is MobileCoin's ``attest/verifier/data/DcapRootCACert.pem``; its SHA-256
fingerprint is pinned here (data/attestation/PROVENANCE.md).
"""

from __future__ import annotations

import hashlib

from refimpl.enclave.sgx import certs
from refimpl.errors import AttestError
from refimpl.resources import data_root

DATA_DIR = data_root() / "attestation"
DCAP_DIR = DATA_DIR / "dcap"
EPID_DIR = DATA_DIR / "epid"
INTEL_SGX_ROOT_CA_PEM = DCAP_DIR / "mobilecoin_DcapRootCACert.pem"
INTEL_SGX_ROOT_CA_SHA256 = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3"
IAS_ROOT_CA_SHA256 = "7b42e41ec43b91db834a065de4f98a13c44d695570e839cfa8921e584e40735d"


def intel_sgx_root_ca() -> bytes:
    """The DER Intel SGX Root CA, checked against its pinned fingerprint."""
    der = certs.load_pem_certificates(INTEL_SGX_ROOT_CA_PEM.read_bytes())[0].public_bytes(
        certs.DER)
    if hashlib.sha256(der).hexdigest() != INTEL_SGX_ROOT_CA_SHA256:
        raise AttestError("attest.untrusted_root", "the shipped Intel SGX Root CA was altered")
    return der
