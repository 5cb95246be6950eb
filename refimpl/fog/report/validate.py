"""What a sender checks before encrypting a fog hint to a recipient's fog ingest key.

MobileCoin ``fog/sig/src/public_address.rs`` (``verify_fog_sig``: verify the chain to its root,
the address's ``fog_authority_sig`` over the root's SubjectPublicKeyInfo with the address's
view key, and the leaf's signature over the reports), ``fog/report/resolver/src/lib.rs``
(``FogResolver::get_fog_pubkey``: pick the response by the address's normalized report url,
then the report by its ``fog_report_id``), ``fog/ingest/report/src/lib.rs``
(``IngestAttestationEvidenceVerifier``: verify the DCAP evidence against the ingest enclave's
identity; the ingress public key is the report data's 32-byte ``custom_identity``) and
``fog/report/validation/src/lib.rs`` (``FullyValidatedFogPubkey { pubkey, pubkey_expiry }``).

Every failure is a typed ``FogError`` with its own code (see :func:`validate_fog_pubkey`).
A malicious report server can only deny service: it cannot make a sender encrypt to a key that
an attested ingest enclave did not publish.

``pubkey_expiry`` bounds the transaction: the transaction builder lowers the tombstone block to
the smallest expiry of its fog recipients (``refimpl.transaction.builder``, as MobileCoin's
``impose_tombstone_block_limit``); a key whose expiry is not past the next block can no longer
be used at all (:func:`check_pubkey_usable`). :class:`FogResolver` is a
``FogPubkeyResolver`` (call it with an address).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import urlsplit

from refimpl.account.public_address import PublicAddress
from refimpl.crypto.ristretto import Point
from refimpl.enclave.channel import EvidenceVerifier
from refimpl.enclave.evidence import Evidence
from refimpl.errors import AddressError, FogError, RefImplError
from refimpl.fog.enclave import SIM_FOG_INGEST_CODE, fog_verifier
from refimpl.fog.report.chain import verify_chain
from refimpl.fog.report.messages import Report, ReportResponse
from refimpl.fog.report.signature import verify_reports
from refimpl.transaction.fog_hint import FogPubkey

#: ``FogUri`` default ports (``util/uri``: ``fog`` 443, ``insecure-fog`` 3225).
FOG_URI_PORTS = {"fog": 443, "insecure-fog": 3225}


#: ``FullyValidatedFogPubkey`` is the transaction builder's :class:`FogPubkey`.
FullyValidatedFogPubkey = FogPubkey


def check_pubkey_usable(key: FogPubkey, num_blocks: int) -> None:
    """``fog.report_pubkey_expired`` when no tombstone block can be both above the next block
    index (``num_blocks``) and at most ``key.pubkey_expiry``."""
    if key.pubkey_expiry <= num_blocks:
        raise FogError("fog.report_pubkey_expired",
                       f"the fog key expired at block {key.pubkey_expiry}; the ledger has "
                       f"{num_blocks} blocks")


def ingest_report_verifier(sgx_seed: bytes) -> EvidenceVerifier:
    """The verifier of the network's fog ingest enclave (its MRENCLAVE only)."""
    return fog_verifier(sgx_seed, SIM_FOG_INGEST_CODE)


def verify_fog_sig(address: PublicAddress, response: ReportResponse,
                   at: datetime.datetime | None = None) -> None:
    """``PublicAddress::verify_fog_sig``: chain, authority signature, report signature.

    Codes: those of :func:`refimpl.fog.report.chain.verify_chain`,
    ``fog.report_no_fog`` (the address has no fog url), ``fog.report_bad_authority_signature``
    and ``fog.report_bad_signature``.
    """
    if not address.has_fog:
        raise FogError("fog.report_no_fog", "the address has no fog report url")
    chain = verify_chain(response.chain, at)
    try:
        address.verify_fog_authority(chain.root_spki)
    except AddressError as exc:
        raise FogError("fog.report_bad_authority_signature",
                       "the address's fog authority signature does not sign the root of the "
                       f"report server's chain ({exc.code})") from exc
    verify_reports(chain.leaf_public_key, response.reports, response.signature)


def ingress_pubkey_from_evidence(evidence: Evidence | None,
                                 verifier: EvidenceVerifier) -> Point:
    """``validate_ingest_attestation_evidence``: the verified ingress public key.

    Codes: ``fog.report_missing_evidence``, ``fog.report_bad_evidence`` (no report data or no
    custom identity), ``fog.report_evidence_refused`` (the verifier refused the evidence: the
    refusal's code is in the message) and ``fog.report_bad_ingress_key``.
    """
    if evidence is None:
        raise FogError("fog.report_missing_evidence", "the report carries no evidence")
    contents = evidence.report_data
    if contents is None or contents.custom_identity is None:
        raise FogError("fog.report_bad_evidence",
                       "the evidence's report data has no custom identity (ingress key)")
    try:
        verifier(evidence, contents)
    except RefImplError as exc:
        raise FogError("fog.report_evidence_refused",
                       f"the ingest enclave's evidence is refused: {exc.one_line()}") from exc
    try:
        return Point.from_bytes(contents.custom_identity)
    except RefImplError as exc:
        raise FogError("fog.report_bad_ingress_key",
                       f"the custom identity is not a ristretto point ({exc.code})") from exc


def find_report(response: ReportResponse, fog_report_id: str) -> Report:
    """The report with this id; ``fog.report_unknown_report_id`` if none."""
    for report in response.reports:
        if report.fog_report_id == fog_report_id:
            return report
    raise FogError("fog.report_unknown_report_id",
                   f"no report with fog_report_id {fog_report_id!r} (the server has "
                   f"{sorted(r.fog_report_id for r in response.reports)})")


def validate_fog_pubkey(address: PublicAddress, response: ReportResponse,
                        verifier: EvidenceVerifier,
                        at: datetime.datetime | None = None) -> FullyValidatedFogPubkey:
    """Everything :class:`FogResolver` does for one response: :func:`verify_fog_sig`,
    :func:`find_report` by the address's report id, :func:`ingress_pubkey_from_evidence`."""
    verify_fog_sig(address, response, at)
    report = find_report(response, address.fog_report_id)
    pubkey = ingress_pubkey_from_evidence(report.evidence, verifier)
    return FullyValidatedFogPubkey(pubkey, report.pubkey_expiry)


def normalize_fog_url(url: str) -> str:
    """``FogUri::from_str(url).to_string()``-like: ``scheme://host:port/`` with the scheme's
    default port; ``fog.report_bad_url`` for anything that is not a fog url."""
    parts = urlsplit(url)
    if parts.scheme not in FOG_URI_PORTS or not parts.hostname:
        raise FogError("fog.report_bad_url", f"{url!r} is not a fog:// or insecure-fog:// url")
    try:
        port = parts.port or FOG_URI_PORTS[parts.scheme]
    except ValueError:
        raise FogError("fog.report_bad_url", f"{url!r} has a bad port") from None
    return f"{parts.scheme}://{parts.hostname}:{port}/"


def resolve_fog_keys(addresses: Sequence[PublicAddress],
                     fetch: Callable[[str], ReportResponse], verifier: EvidenceVerifier,
                     num_blocks: int) -> FogResolver:
    """Fetch the report of every address with fog (once per report url), and check each key is
    still usable at ``num_blocks`` (``fog.report_*`` codes): the resolver a transaction
    builder takes (MobileCoin ``fog/report/resolver``: ``FogResolver::new`` over the
    responses of ``GetReports``)."""
    responses: dict[str, ReportResponse] = {}
    for address in addresses:
        url = address.fog_report_url
        if address.has_fog and url not in responses:
            responses[url] = fetch(url)
    resolver = FogResolver(responses, verifier)
    for address in addresses:
        if address.has_fog:
            check_pubkey_usable(resolver(address), num_blocks)
    return resolver


class FogResolver:
    """``FogResolver``: responses fetched from report servers, keyed by report url, and the
    ingest enclave's verifier; resolves an address to its validated fog key offline."""

    def __init__(self, responses: Mapping[str, ReportResponse], verifier: EvidenceVerifier,
                 at: datetime.datetime | None = None) -> None:
        self._responses = {normalize_fog_url(url): r for url, r in responses.items()}
        self._verifier = verifier
        self._at = at

    def get_fog_pubkey(self, address: PublicAddress) -> FullyValidatedFogPubkey:
        """``fog.report_no_fog``, ``fog.report_no_response`` (no response for its url), or
        any code of :func:`validate_fog_pubkey`."""
        if not address.has_fog:
            raise FogError("fog.report_no_fog", "the address has no fog report url")
        url = normalize_fog_url(address.fog_report_url)
        response = self._responses.get(url)
        if response is None:
            raise FogError("fog.report_no_response", f"no report server response for {url}")
        return validate_fog_pubkey(address, response, self._verifier, self._at)

    __call__ = get_fog_pubkey
