"""Attestation verification policy: which valid evidence a party accepts, and why not.

Mirrors MobileCoin's ``attest/verifier/src/dcap.rs`` (``DcapVerifier``: trusted identities,
report-data hash, DEBUG attribute) and the identity/advisory rules of
``mobilecoinfoundation/attestation: verifier/src/{enclave,advisories}.rs``. Differences, on
purpose: the allowed TCB statuses are listed explicitly (instead of derived from which
advisory lists are non-empty); Revoked is never allowed (Intel's QvE treats
``STATUS_TCB_REVOKED`` as a terminal failure, ``QuoteVerification/QvE/Enclave/qve.cpp``
``is_nonterminal_error``), so no policy can list it; and the verification time is always an
input, checked against the TCB-info and QE-identity issueDate/nextUpdate and every
certificate's validity window. CRL thisUpdate/nextUpdate windows are reported in the verdict
and, as in MobileCoin, not enforced unless ``enforce_crl_windows`` is set (Intel's rule,
``mcref attest verify-quote --strict``).

:func:`verify_evidence` separates cryptographic validity (an ``AttestError`` is raised) from
the policy decision (a :class:`Verdict` whose ``reasons`` are typed refusals).
"""

from __future__ import annotations

import datetime
from typing import Any

import attrs

from refimpl import safe_json
from refimpl.enclave.evidence import Collateral, ReportDataContents
from refimpl.enclave.sgx import crl_rules
from refimpl.enclave.sgx.collateral import TCB_STATUSES
from refimpl.enclave.sgx.quote import ReportBody
from refimpl.enclave.sgx.verify import VerifiedQuote, verify_quote
from refimpl.enclave.sgx.windows import TimeWindow
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


#: TCB statuses no policy may allow (G5; Intel QVL ``STATUS_TCB_REVOKED`` is terminal).
NEVER_ALLOWED_TCB_STATUSES = frozenset({"Revoked"})


def check_allowed_statuses(statuses: frozenset[str]) -> None:
    """A policy lists only known TCB statuses, and never Revoked. Refusal:
    ``attest.bad_policy``."""
    unknown = statuses - set(TCB_STATUSES)
    if unknown:
        raise AttestError("attest.bad_policy", f"unknown TCB status in {sorted(unknown)}")
    if statuses & NEVER_ALLOWED_TCB_STATUSES:
        raise AttestError("attest.bad_policy",
                          "no policy may allow the Revoked TCB status (a revoked platform's "
                          "keys are presumed compromised)")


@attrs.frozen
class Policy:
    """What a verifier accepts. With no MRENCLAVE and no signer identity, no enclave is
    accepted unless ``any_measurement`` is set (the CLI's default, which only reports it).

    ``allowed_tcb_statuses`` never holds Revoked (:func:`check_allowed_statuses`, checked at
    construction). ``enforce_crl_windows`` applies Intel's CRL thisUpdate/nextUpdate rule
    (``attest.crl_expired``); off by default, as MobileCoin does not check CRL windows."""

    mr_enclaves: frozenset[bytes] = frozenset()
    signers: tuple[SignerIdentity, ...] = ()
    any_measurement: bool = False
    allowed_tcb_statuses: frozenset[str] = frozenset({"UpToDate"})
    allowed_advisories: frozenset[str] = frozenset()
    allow_debug: bool = False
    report_data: ReportDataContents | None = None
    enforce_crl_windows: bool = False

    def __attrs_post_init__(self) -> None:
        check_allowed_statuses(self.allowed_tcb_statuses)

    @classmethod
    def from_json(cls, data: bytes) -> Policy:
        """The policy file format (docs/attestation.md)::

            {"mrenclave": [hex32...], "mrsigner": [{"mrsigner": hex32, "product_id": int,
             "min_svn": int}...], "any_measurement": bool, "allowed_tcb_statuses": [str...],
             "allowed_advisories": [str...], "allow_debug": bool,
             "report_data": {"nonce": hex16, "key": hex32, "custom_id": hex32?},
             "enforce_crl_windows": bool}

        Listing Revoked (or an unknown status) is ``attest.bad_policy``.
        """
        try:
            doc = safe_json.parse(data)
            if not isinstance(doc, dict):
                raise TypeError("not an object")
            unknown = set(doc) - {"mrenclave", "mrsigner", "any_measurement",
                                  "allowed_tcb_statuses", "allowed_advisories", "allow_debug",
                                  "report_data", "enforce_crl_windows"}
            if unknown:
                raise TypeError(f"unknown keys {sorted(unknown)}")
            statuses = frozenset(_strings(doc.get("allowed_tcb_statuses", ["UpToDate"])))
            check_allowed_statuses(statuses)
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
                enforce_crl_windows=_bool(doc.get("enforce_crl_windows", False)),
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


def tcb_status_allowed(policy: Policy, status: str) -> bool:
    """The policy allows ``status``; Revoked never, whatever the policy holds (G5: even a
    policy whose fields were set around :meth:`Policy.__attrs_post_init__`)."""
    return status in policy.allowed_tcb_statuses and status not in NEVER_ALLOWED_TCB_STATUSES


def platform_refusals(policy: Policy, verified: VerifiedQuote) -> list[Refusal]:
    """TCB status and advisories of the platform and the QE, and the time windows (CRL
    windows only when the policy enforces them)."""
    refusals = []
    not_allowed = sorted(set(verified.advisory_ids) - policy.allowed_advisories)
    if not tcb_status_allowed(policy, verified.tcb_status) or not_allowed:
        refusals.append(Refusal("attest.tcb_status_not_allowed",
                                f"platform TCB status {verified.tcb_status}"
                                + (f" with advisories not allowed: {', '.join(not_allowed)}"
                                   if not_allowed else " is not allowed")))
    if verified.qe_tcb_status != "UpToDate" or verified.qe_advisory_ids:
        refusals.append(Refusal("attest.qe_out_of_date",
                                f"QE TCB status {verified.qe_tcb_status}"))
    refusals += [_window_refusal(w, verified.at) for w in verified.expired_windows()]
    if policy.enforce_crl_windows:
        refusals += crl_refusals(verified)
    return refusals


def _window_refusal(window: TimeWindow, at: datetime.datetime) -> Refusal:
    code = ("attest.collateral_expired" if window.kind == "collateral"
            else "attest.certificate_expired")
    return Refusal(code, window.describe(at))


def crl_refusals(verified: VerifiedQuote) -> list[Refusal]:
    """Intel's CRL window rule (:func:`refimpl.enclave.sgx.crl_rules.check_crl_window`) on
    every CRL of the collateral, as refusals naming the CRL (``attest.crl_expired``)."""
    refusals = []
    for window in verified.crl_windows:
        try:
            crl_rules.check_crl_window(window, verified.at)
        except AttestError as exc:
            refusals.append(Refusal(exc.code, exc.message))
    return refusals


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
            "crl_windows": [{"crl": w.what, "this_update": w.not_before.isoformat(),
                             "next_update": w.not_after.isoformat(),
                             "in_force": w.contains(self.verified.at)}
                            for w in self.verified.crl_windows],
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
