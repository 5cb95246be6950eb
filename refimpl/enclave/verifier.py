"""Attestation verification policy: which valid evidence a party accepts, and why not.

Mirrors MobileCoin's ``attest/verifier/src/dcap.rs`` (``DcapVerifier``: trusted identities,
report-data hash, DEBUG attribute) and the identity/advisory rules of
``mobilecoinfoundation/attestation: verifier/src/{enclave,advisories}.rs``; shared notes
attestation-fog.md §2.1 (report data), §2.3 (checks 8-9). Differences, on purpose: the allowed
TCB statuses are listed explicitly (instead of derived from which advisory lists are
non-empty), and the verification time is always an input, checked against the TCB-info and
QE-identity issueDate/nextUpdate and every certificate's validity window.

:func:`verify_evidence` separates cryptographic validity (an ``AttestError`` is raised) from
the policy decision (a :class:`Verdict` whose ``reasons`` are typed refusals).
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import attrs

from refimpl.enclave.evidence import Collateral, ReportDataContents
from refimpl.enclave.sgx.collateral import TCB_STATUSES
from refimpl.enclave.sgx.quote import ReportBody
from refimpl.enclave.sgx.verify import TimeWindow, VerifiedQuote, verify_quote
from refimpl.errors import CODES, AttestError


@attrs.frozen
class SignerIdentity:
    """MRSIGNER + ISVPRODID + minimum ISVSVN."""

    mr_signer: bytes
    product_id: int
    min_svn: int


@attrs.frozen
class Refusal:
    code: str
    message: str

    def __attrs_post_init__(self) -> None:
        if self.code not in CODES:
            raise KeyError(f"unregistered refusal code {self.code}")


@attrs.frozen
class Policy:
    """What a verifier accepts. With no MRENCLAVE and no signer identity, no enclave is
    accepted unless ``any_measurement`` is set (the CLI's default, which only reports it)."""

    mr_enclaves: frozenset[bytes] = frozenset()
    signers: tuple[SignerIdentity, ...] = ()
    any_measurement: bool = False
    allowed_tcb_statuses: frozenset[str] = frozenset({"UpToDate"})
    allowed_advisories: frozenset[str] = frozenset()
    allow_debug: bool = False
    report_data: ReportDataContents | None = None

    @classmethod
    def from_json(cls, data: bytes) -> Policy:
        """The policy file format (docs/attestation.md)::

            {"mrenclave": [hex32...], "mrsigner": [{"mrsigner": hex32, "product_id": int,
             "min_svn": int}...], "any_measurement": bool, "allowed_tcb_statuses": [str...],
             "allowed_advisories": [str...], "allow_debug": bool,
             "report_data": {"nonce": hex16, "key": hex32, "custom_id": hex32?}}
        """
        try:
            doc = json.loads(data)
            if not isinstance(doc, dict):
                raise TypeError("not an object")
            unknown = set(doc) - {"mrenclave", "mrsigner", "any_measurement",
                                  "allowed_tcb_statuses", "allowed_advisories", "allow_debug",
                                  "report_data"}
            if unknown:
                raise TypeError(f"unknown keys {sorted(unknown)}")
            statuses = frozenset(_strings(doc.get("allowed_tcb_statuses", ["UpToDate"])))
            if not statuses <= set(TCB_STATUSES):
                raise TypeError(f"unknown TCB status in {sorted(statuses)}")
            binding = doc.get("report_data")
            return cls(
                mr_enclaves=frozenset(_hex(h, 32) for h in _list(doc.get("mrenclave", []))),
                signers=tuple(SignerIdentity(_hex(s["mrsigner"], 32), _int(s["product_id"]),
                                             _int(s["min_svn"]))
                              for s in _list(doc.get("mrsigner", []))),
                any_measurement=_bool(doc.get("any_measurement", False)),
                allowed_tcb_statuses=statuses,
                allowed_advisories=frozenset(_strings(doc.get("allowed_advisories", []))),
                allow_debug=_bool(doc.get("allow_debug", False)),
                report_data=None if binding is None else ReportDataContents(
                    _hex(binding["nonce"], 16), _hex(binding["key"], 32),
                    None if binding.get("custom_id") is None else _hex(binding["custom_id"], 32)),
            )
        except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
            raise AttestError("attest.bad_policy", f"policy file: {exc}") from None


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return value


def _strings(value: object) -> list[str]:
    items = _list(value)
    if not all(isinstance(i, str) for i in items):
        raise TypeError("expected a list of strings")
    return items


def _hex(value: object, length: int) -> bytes:
    if not isinstance(value, str) or len(value) != 2 * length:
        raise ValueError(f"expected {length} bytes of hex")
    return bytes.fromhex(value)


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 1 << 16:
        raise ValueError("expected an integer in 0..65535")
    return value


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError("expected true or false")
    return value


def enclave_refusals(policy: Policy, body: ReportBody) -> list[Refusal]:
    """Identity, debug flag and report-data binding of the application enclave."""
    refusals = []
    by_enclave = body.mr_enclave in policy.mr_enclaves
    by_signer = any(s.mr_signer == body.mr_signer and s.product_id == body.isv_prod_id
                    and body.isv_svn >= s.min_svn for s in policy.signers)
    if not (policy.any_measurement or by_enclave or by_signer):
        refusals.append(Refusal("attest.measurement_not_allowed",
                                f"MRENCLAVE {body.mr_enclave.hex()} / MRSIGNER "
                                f"{body.mr_signer.hex()} product {body.isv_prod_id} SVN "
                                f"{body.isv_svn} matches no allowed identity"))
    if body.debug and not policy.allow_debug:
        refusals.append(Refusal("attest.debug_enclave", "the enclave has the DEBUG attribute"))
    if policy.report_data is not None:
        binding = policy.report_data
        expected = binding.sha256()
        if body.report_data[:32] != expected:
            refusals.append(Refusal("attest.report_data_mismatch",
                                    "REPORTDATA[0..32] is not SHA-256(nonce || key || custom id)"))
    return refusals


def platform_refusals(policy: Policy, verified: VerifiedQuote) -> list[Refusal]:
    """TCB status and advisories of the platform and the QE, and the time windows."""
    refusals = []
    not_allowed = sorted(set(verified.advisory_ids) - policy.allowed_advisories)
    if verified.tcb_status not in policy.allowed_tcb_statuses or not_allowed:
        refusals.append(Refusal("attest.tcb_status_not_allowed",
                                f"platform TCB status {verified.tcb_status}"
                                + (f" with advisories not allowed: {', '.join(not_allowed)}"
                                   if not_allowed else " is not allowed")))
    if verified.qe_tcb_status != "UpToDate" or verified.qe_advisory_ids:
        refusals.append(Refusal("attest.qe_out_of_date",
                                f"QE TCB status {verified.qe_tcb_status}"))
    refusals += [_window_refusal(w, verified.at) for w in verified.expired_windows()]
    return refusals


def _window_refusal(window: TimeWindow, at: datetime.datetime) -> Refusal:
    code = ("attest.collateral_expired" if window.kind == "collateral"
            else "attest.certificate_expired")
    return Refusal(code, f"{window.what} is valid {window.not_before.isoformat()} .. "
                         f"{window.not_after.isoformat()}, not at {at.isoformat()}")


@attrs.frozen
class Verdict:
    """A cryptographically valid quote and the policy's decision on it."""

    verified: VerifiedQuote
    reasons: tuple[Refusal, ...]

    @property
    def accepted(self) -> bool:
        return not self.reasons

    def to_json(self) -> dict[str, Any]:
        body = self.verified.quote.report_body
        return {
            "verdict": "accepted" if self.accepted else "refused",
            "valid": True,
            "tcb_status": self.verified.tcb_status,
            "advisory_ids": list(self.verified.advisory_ids),
            "qe_tcb_status": self.verified.qe_tcb_status,
            "fmspc": self.verified.fmspc.hex().upper(),
            "mrenclave": body.mr_enclave.hex(),
            "mrsigner": body.mr_signer.hex(),
            "product_id": body.isv_prod_id,
            "svn": body.isv_svn,
            "debug": body.debug,
            "at": self.verified.at.isoformat(),
            "policy_decision": "accepted" if self.accepted else "refused",
            "reasons": [{"code": r.code, "message": r.message} for r in self.reasons],
        }


def verify_evidence(quote: bytes, collateral: Collateral, trusted_root: bytes, policy: Policy,
                    at: datetime.datetime) -> Verdict:
    """Verify ``quote`` (raises ``AttestError`` if invalid), then apply ``policy`` at ``at``."""
    verified = verify_quote(quote, collateral, trusted_root, at)
    reasons = enclave_refusals(policy, verified.quote.report_body)
    reasons += platform_refusals(policy, verified)
    return Verdict(verified, tuple(reasons))
