"""The fog operator's X.509 certificate chain: parsing and verification.

MobileCoin ``crypto/x509/utils/src/lib.rs`` (``X509CertificateChain::verify_chain``,
``leaf``, ``verified_root``; ``X509KeyExtrator::mc_public_key``). A chain is a list of DER
certificates, **leaf first**: every certificate must be issued by the one after it (issuer name
equals that one's subject and its signature verifies under that one's key), every certificate
must be valid at the verification time, and the last must be self-issued (its own issuer, its
signature verifying under its own key). The leaf's key must be Ed25519: it signs the report
list. The root's SubjectPublicKeyInfo (DER) is what an address's ``fog_authority_sig`` signs.

MobileCoin checks validity against the wall clock; :func:`verify_chain` takes the time as an
argument (default: now).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import attrs
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from refimpl.errors import FogError


@attrs.frozen
class VerifiedChain:
    """A chain that passed :func:`verify_chain`: its certificates, leaf first."""

    certificates: tuple[x509.Certificate, ...]

    @property
    def leaf(self) -> x509.Certificate:
        return self.certificates[0]

    @property
    def root(self) -> x509.Certificate:
        return self.certificates[-1]

    @property
    def root_spki(self) -> bytes:
        """The root's SubjectPublicKeyInfo, DER (the fog authority an address signs)."""
        return _spki(self.root)

    @property
    def leaf_public_key(self) -> bytes:
        """The leaf's raw 32-byte Ed25519 public key."""
        key = self.leaf.public_key()
        assert isinstance(key, Ed25519PublicKey)  # checked by verify_chain
        return key.public_bytes_raw()

    @property
    def der(self) -> tuple[bytes, ...]:
        return tuple(c.public_bytes(serialization.Encoding.DER) for c in self.certificates)


def _spki(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)


def subject_public_key_info(der: bytes) -> bytes:
    """The SubjectPublicKeyInfo (DER) of one DER certificate (unverified)."""
    return _spki(parse_chain([der])[0])


def parse_chain(ders: Sequence[bytes]) -> tuple[x509.Certificate, ...]:
    """DER certificates; ``fog.report_chain_empty`` / ``fog.report_chain_bad_certificate``."""
    if not ders:
        raise FogError("fog.report_chain_empty", "the certificate chain is empty")
    certificates = []
    for i, der in enumerate(ders):
        try:
            certificates.append(x509.load_der_x509_certificate(bytes(der)))
        except ValueError as exc:
            raise FogError("fog.report_chain_bad_certificate",
                           f"certificate {i} of the chain is not DER X.509: {exc}") from None
    return tuple(certificates)


def _issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def verify_chain(ders: Sequence[bytes], at: datetime.datetime | None = None) -> VerifiedChain:
    """``verify_chain`` plus the leaf-key check of ``mc_public_key``.

    Codes: ``fog.report_chain_empty``, ``fog.report_chain_bad_certificate``,
    ``fog.report_chain_broken`` (a certificate not issued by the next),
    ``fog.report_chain_not_valid_now`` (outside a validity period),
    ``fog.report_chain_no_root`` (the last certificate is not self-issued),
    ``fog.report_leaf_not_ed25519``.
    """
    when = at if at is not None else datetime.datetime.now(datetime.UTC)
    certificates = parse_chain(ders)
    for i, cert in enumerate(certificates):
        if i > 0 and not _issued_by(certificates[i - 1], cert):
            raise FogError("fog.report_chain_broken",
                           f"certificate {i - 1} of the chain is not issued by certificate {i}")
        if not cert.not_valid_before_utc <= when <= cert.not_valid_after_utc:
            raise FogError("fog.report_chain_not_valid_now",
                           f"certificate {i} is valid from {cert.not_valid_before_utc} to "
                           f"{cert.not_valid_after_utc}, not at {when}")
    if not _issued_by(certificates[-1], certificates[-1]):
        raise FogError("fog.report_chain_no_root",
                       "the last certificate of the chain is not self-issued")
    if not isinstance(certificates[0].public_key(), Ed25519PublicKey):
        raise FogError("fog.report_leaf_not_ed25519",
                       "the leaf certificate's key is not Ed25519")
    return VerifiedChain(certificates)


def load_pem_chain(pem: bytes) -> tuple[bytes, ...]:
    """The DER certificates of a PEM file, in file order; ``fog.report_bad_pem``."""
    try:
        certificates = x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise FogError("fog.report_bad_pem", f"not a PEM certificate chain: {exc}") from None
    return tuple(c.public_bytes(serialization.Encoding.DER) for c in certificates)


def chain_to_pem(ders: Sequence[bytes]) -> bytes:
    """PEM text of DER certificates (``-----BEGIN CERTIFICATE-----`` blocks, in order)."""
    return b"".join(x509.load_der_x509_certificate(d).public_bytes(serialization.Encoding.PEM)
                    for d in ders)
