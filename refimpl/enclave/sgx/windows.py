"""Validity windows of attestation evidence, reported by the verifier and judged by a policy.

Three kinds, with the bounds their issuers define:

* ``collateral`` — TCB info and QE identity ``issueDate`` ≤ t < ``nextUpdate`` (Intel PCS API:
  the document is superseded at ``nextUpdate``);
* ``certificate`` — X.509 ``notBefore`` ≤ t ≤ ``notAfter`` (RFC 5280 §4.1.2.5, inclusive);
* ``crl`` — CRL ``thisUpdate`` ≤ t ≤ ``nextUpdate``, inclusive as Intel's Quote Verification
  Library judges it (``Src/AttestationLibrary/src/PckParser/PckParser.cpp``
  ``Validity::isValid``, used by ``CrlStore::expired``).
"""

from __future__ import annotations

import datetime

import attrs

KINDS = ("collateral", "certificate", "crl")


@attrs.frozen
class TimeWindow:
    """A validity window of one piece of evidence (collateral, certificate or CRL)."""

    what: str
    kind: str
    not_before: datetime.datetime
    not_after: datetime.datetime  # exclusive for collateral (nextUpdate), inclusive otherwise

    def __attrs_post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown window kind {self.kind!r}")

    def contains(self, at: datetime.datetime) -> bool:
        if self.kind == "collateral":
            return self.not_before <= at < self.not_after
        return self.not_before <= at <= self.not_after

    def describe(self, at: datetime.datetime) -> str:
        """``<what> is valid <from> .. <to>, not at <at>`` (or ``…, at <at>`` when inside)."""
        inside = "" if self.contains(at) else "not "
        return (f"{self.what} is valid {self.not_before.isoformat()} .. "
                f"{self.not_after.isoformat()}, {inside}at {at.isoformat()}")
