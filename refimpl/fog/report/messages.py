"""The report server's messages: ``Report`` and ``ReportResponse``, their wire forms and the
digestible layout a report list is signed under.

MobileCoin ``fog/report/types/src/lib.rs`` (prost ``Report``, ``ReportResponse``,
``AttestationEvidence``) and ``fog/report/api/proto/report.proto``:

* ``Report { string fog_report_id = 1; oneof attestation_evidence { VerificationReport = 2;
  DcapEvidence = 4 }; fixed64 pubkey_expiry = 3 }``;
* ``ReportResponse { repeated Report reports = 1; repeated bytes chain = 2; bytes signature =
  3 }``. ``chain`` holds DER X.509 certificates **leaf first, root last**: that is the order
  ``crypto/x509/utils`` ``verify_chain`` walks (each certificate issued by the next, the last
  self-signed) and the order of MobileCoin's test chains, whatever the proto comment says.

Digest (``#[derive(Digestible)]``): aggregate ``Report`` { ``fog_report_id``: str, never
omitted; the evidence under the field name ``report`` (``#[digestible(name = "report")]``; the
``AttestationEvidence`` enum is transparent, so a DCAP evidence appends its ``DcapEvidence``
aggregate directly; absent evidence appends nothing); ``pubkey_expiry``: u64 }. The list is
digested as a ``&[Report]`` slice: a sequence, or a none node when empty.

Only DCAP evidence is read and written; a report carrying a legacy IAS ``VerificationReport``
is refused (``fog.report_unsupported_evidence``), as refimpl does for block metadata.
"""

from __future__ import annotations

import attrs
from google.protobuf.message import DecodeError

from refimpl.crypto.digestible import DigestWriter
from refimpl.enclave.evidence import Evidence, decode_evidence
from refimpl.errors import AttestError, FogError
from refimpl.fog.api import report_pb2
from refimpl.node.block_metadata import _append_evidence as append_dcap_evidence

U64_MAX = 2**64 - 1


def _check_u64(_instance: object, _attribute: object, value: int) -> None:
    if not 0 <= value <= U64_MAX:
        raise FogError("fog.report_bad_message", f"pubkey_expiry {value} is not a u64")


def decode_report_evidence(data: bytes) -> Evidence:
    """A ``DcapEvidence`` encoding as a report carries it; ``fog.report_bad_evidence``."""
    try:
        return decode_evidence(data)
    except AttestError as exc:
        raise FogError("fog.report_bad_evidence", f"report evidence: {exc.message}") from exc


@attrs.frozen
class Report:
    """One published fog report: an ingest enclave's evidence (binding its ingress public key
    as the report data's custom identity) and the last block a sender may use the key for."""

    fog_report_id: str
    evidence: Evidence | None
    pubkey_expiry: int = attrs.field(validator=_check_u64)

    def append_to(self, w: DigestWriter, ctx: bytes) -> None:
        w.agg_header(ctx, b"Report")
        w.str_(b"fog_report_id", self.fog_report_id, omit_empty=False)
        if self.evidence is not None:
            append_dcap_evidence(w, b"report", self.evidence)
        w.uint64(b"pubkey_expiry", self.pubkey_expiry)
        w.agg_closer(ctx, b"Report")

    def to_pb(self) -> report_pb2.Report:
        message = report_pb2.Report(fog_report_id=self.fog_report_id,
                                    pubkey_expiry=self.pubkey_expiry)
        if self.evidence is not None:
            message.dcap_evidence = self.evidence.encode()
        return message

    @classmethod
    def from_pb(cls, message: report_pb2.Report) -> Report:
        which = message.WhichOneof("attestation_evidence")
        if which == "verification_report":
            raise FogError("fog.report_unsupported_evidence",
                           f"report {message.fog_report_id!r} carries an IAS verification "
                           "report; only DCAP evidence is supported")
        evidence = decode_report_evidence(message.dcap_evidence) if which else None
        return cls(message.fog_report_id, evidence, message.pubkey_expiry)


@attrs.frozen
class ReportResponse:
    """``GetReports``' answer: the reports, the signer's chain (DER, leaf first) and the
    leaf key's Ed25519 signature over the reports' digest."""

    reports: tuple[Report, ...]
    chain: tuple[bytes, ...]
    signature: bytes

    def to_pb(self) -> report_pb2.ReportResponse:
        return report_pb2.ReportResponse(reports=[r.to_pb() for r in self.reports],
                                         chain=list(self.chain), signature=self.signature)

    @classmethod
    def from_pb(cls, message: report_pb2.ReportResponse) -> ReportResponse:
        return cls(tuple(Report.from_pb(r) for r in message.reports), tuple(message.chain),
                   message.signature)

    def to_protobuf(self) -> bytes:
        return self.to_pb().SerializeToString()

    @classmethod
    def from_protobuf(cls, data: bytes) -> ReportResponse:
        """Parse the wire form; ``fog.report_bad_message`` when it is not a ReportResponse."""
        try:
            message = report_pb2.ReportResponse.FromString(data)
        except DecodeError as exc:
            raise FogError("fog.report_bad_message", f"not a ReportResponse: {exc}") from exc
        return cls.from_pb(message)
