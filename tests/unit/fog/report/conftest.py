"""Shared fixtures of the report tests: an operator chain, the network's fog enclaves, and a
fog-enabled account that trusts the chain."""

from __future__ import annotations

import pytest

from refimpl.account.keys import AccountKey
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.enclave.channel import EvidenceVerifier
from refimpl.fog.enclave import SIM_FOG_INGEST_CODE, SIM_FOG_VIEW_CODE, FogEnclave
from refimpl.fog.report.operator import OperatorChain, fog_account_key, make_operator_chain
from refimpl.fog.report.validate import ingest_report_verifier

SGX_SEED = b"fog report unit tests"
REPORT_URL = "insecure-fog://127.0.0.1:3225/"


@pytest.fixture(scope="session")
def operator() -> OperatorChain:
    return make_operator_chain(b"operator one")


@pytest.fixture(scope="session")
def other_operator() -> OperatorChain:
    return make_operator_chain(b"operator two")


@pytest.fixture(scope="session")
def ingest_host() -> FogEnclave:
    return FogEnclave(code=SIM_FOG_INGEST_CODE, sgx_seed=SGX_SEED, index=0,
                      responder_id="ingest-0:3226")


@pytest.fixture(scope="session")
def view_host() -> FogEnclave:
    return FogEnclave(code=SIM_FOG_VIEW_CODE, sgx_seed=SGX_SEED, index=1,
                      responder_id="view-0:3225")


@pytest.fixture(scope="session")
def verifier() -> EvidenceVerifier:
    return ingest_report_verifier(SGX_SEED)


@pytest.fixture(scope="session")
def ingress_public() -> Point:
    return Point.mul_base(Scalar(123456789))


@pytest.fixture(scope="session")
def account(operator: OperatorChain) -> AccountKey:
    return fog_account_key(bytes(range(32)), REPORT_URL, operator.chain)
