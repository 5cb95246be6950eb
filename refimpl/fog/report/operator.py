"""A fog operator's signing materials: making a chain, loading it, and fog-enabled accounts.

MobileCoin ``fog/report/server/src/config.rs`` (``Materials::from_pems``: parse the PEM chain
and the PEM (PKCS#8) Ed25519 private key, verify the chain, and refuse a key that is not the
leaf's: ``ChainKeyMismatch``), ``crypto/x509/test-vectors`` (root -> intermediate -> Ed25519
leaf chains, written leaf first) and ``account-keys`` ``RootIdentity::random_with_fog`` (an
account whose addresses carry the report url, report id and a signature over the root's
SubjectPublicKeyInfo).

:func:`make_operator_chain` builds an all-Ed25519 chain (MobileCoin's vectors use RSA above the
leaf; any signature algorithm ``cryptography`` verifies works here). With a seed every key,
serial number and (by default) validity period is derived from it, and Ed25519 signatures are
deterministic, so the same seed gives byte-identical PEM files. Run
``python -m refimpl.fog.report.operator --out DIR [--seed HEX]`` to write ``chain.pem`` and
``signing-key.pem`` for ``--signing-chain`` / ``--signing-key``.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from refimpl.account.keys import AccountKey
from refimpl.errors import CliError, FogError, RefImplError
from refimpl.fog.report.chain import (
    VerifiedChain,
    chain_to_pem,
    load_pem_chain,
    subject_public_key_info,
    verify_chain,
)
from refimpl.fog.report.messages import Report, ReportResponse
from refimpl.fog.report.signature import sign_reports

_SEED_LABEL = b"mcref fog operator chain"
#: Default validity of a made chain: long enough for any test or local network.
DEFAULT_NOT_BEFORE = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
DEFAULT_NOT_AFTER = datetime.datetime(2099, 12, 31, tzinfo=datetime.UTC)
CHAIN_FILE = "chain.pem"
KEY_FILE = "signing-key.pem"


@attrs.frozen
class SigningMaterials:
    """``Materials``: the chain (DER, leaf first) and the leaf's Ed25519 private key."""

    chain: tuple[bytes, ...]
    key: Ed25519PrivateKey

    @classmethod
    def from_chain_and_key(cls, chain: Sequence[bytes], key: Ed25519PrivateKey,
                           at: datetime.datetime | None = None) -> SigningMaterials:
        """Verify the chain and that ``key`` is its leaf's (``fog.report_chain_key_mismatch``)."""
        verified = verify_chain(chain, at)
        if key.public_key().public_bytes_raw() != verified.leaf_public_key:
            raise FogError("fog.report_chain_key_mismatch",
                           "the signing key is not the key of the chain's leaf certificate")
        return cls(tuple(bytes(d) for d in chain), key)

    @classmethod
    def from_pems(cls, chain_pem: bytes, key_pem: bytes,
                  at: datetime.datetime | None = None) -> SigningMaterials:
        """``Materials::from_pems``."""
        return cls.from_chain_and_key(load_pem_chain(chain_pem), load_signing_key(key_pem), at)

    @classmethod
    def from_files(cls, chain_path: str | Path, key_path: str | Path,
                   at: datetime.datetime | None = None) -> SigningMaterials:
        """Read both PEM files (``fog.report_bad_pem`` if unreadable)."""
        return cls.from_pems(_read(chain_path), _read(key_path), at)

    def sign(self, reports: Sequence[Report]) -> ReportResponse:
        """The signed response for ``reports``."""
        return ReportResponse(tuple(reports), self.chain, sign_reports(self.key, reports))


def _read(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise FogError("fog.report_bad_pem", f"cannot read {path}: {exc.strerror}") from None


def load_signing_key(pem: bytes) -> Ed25519PrivateKey:
    """A PEM (PKCS#8) Ed25519 private key; ``fog.report_bad_signing_key`` otherwise."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise FogError("fog.report_bad_signing_key",
                       f"not an unencrypted PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise FogError("fog.report_bad_signing_key", "the signing key is not Ed25519")
    return key


# --- making a chain ----------------------------------------------------------------------------


@attrs.frozen
class OperatorChain:
    """A made chain (DER, leaf first) with the leaf's private key."""

    chain: tuple[bytes, ...]
    signing_key: Ed25519PrivateKey

    def verified(self, at: datetime.datetime | None = None) -> VerifiedChain:
        return verify_chain(self.chain, at)

    @property
    def root_spki(self) -> bytes:
        """The root's SubjectPublicKeyInfo (what a fog-enabled address signs)."""
        return subject_public_key_info(self.chain[-1])

    def materials(self, at: datetime.datetime | None = None) -> SigningMaterials:
        return SigningMaterials.from_chain_and_key(self.chain, self.signing_key, at)

    def chain_pem(self) -> bytes:
        return chain_to_pem(self.chain)

    def key_pem(self) -> bytes:
        return self.signing_key.private_bytes(serialization.Encoding.PEM,
                                              serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption())

    def write(self, directory: str | Path) -> tuple[Path, Path]:
        """Write ``chain.pem`` and ``signing-key.pem`` (mode 0600) into ``directory``."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        chain_path, key_path = out / CHAIN_FILE, out / KEY_FILE
        chain_path.write_bytes(self.chain_pem())
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(self.key_pem())
        return chain_path, key_path


def _derive(seed: bytes, role: str, length: int) -> bytes:
    return hashlib.sha512(_SEED_LABEL + b"\0" + role.encode() + b"\0" + seed).digest()[:length]


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mcref fog operator"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject: str, key: Ed25519PrivateKey, issuer: str,
                 issuer_key: Ed25519PrivateKey, serial: int, ca: bool,
                 not_before: datetime.datetime, not_after: datetime.datetime) -> bytes:
    usage = x509.KeyUsage(digital_signature=not ca, content_commitment=False,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          key_cert_sign=ca, crl_sign=ca, encipher_only=False,
                          decipher_only=False)
    cert = (x509.CertificateBuilder()
            .subject_name(_name(subject))
            .issuer_name(_name(issuer))
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .sign(issuer_key, None))
    return cert.public_bytes(serialization.Encoding.DER)


def make_operator_chain(seed: bytes | None = None, *, intermediates: int = 1,
                        not_before: datetime.datetime = DEFAULT_NOT_BEFORE,
                        not_after: datetime.datetime = DEFAULT_NOT_AFTER,
                        name: str = "mcref fog") -> OperatorChain:
    """root -> ``intermediates`` CAs -> Ed25519 leaf; deterministic when ``seed`` is given."""
    if intermediates < 0:
        raise ValueError("intermediates must be >= 0")
    base = seed if seed is not None else os.urandom(32)
    roles = ["root", *(f"intermediate {i + 1}" for i in range(intermediates)), "leaf"]
    keys = [Ed25519PrivateKey.from_private_bytes(_derive(base, r, 32)) for r in roles]
    serials = [int.from_bytes(_derive(base, "serial " + r, 16), "big") >> 1 or 1 for r in roles]
    names = [f"{name} {r}" for r in roles]
    ders: list[bytes] = []
    for i, role in enumerate(roles):
        issuer = max(i - 1, 0)
        ders.append(_certificate(names[i], keys[i], names[issuer], keys[issuer], serials[i],
                                 role != "leaf", not_before, not_after))
    return OperatorChain(tuple(reversed(ders)), keys[-1])


# --- fog-enabled accounts ------------------------------------------------------------------------


def fog_account_key(root_entropy: bytes, fog_report_url: str, chain: Sequence[bytes],
                    fog_report_id: str = "", at: datetime.datetime | None = None) -> AccountKey:
    """``RootIdentity::random_with_fog`` with given entropy: an account whose addresses name
    the report server and sign the root SubjectPublicKeyInfo of the operator's ``chain``."""
    spki = verify_chain(chain, at).root_spki
    return AccountKey.from_root_entropy(root_entropy, fog_report_url, fog_report_id, spki)


def main(argv: Sequence[str] | None = None) -> int:
    """Write an operator chain and its signing key as PEM files."""
    parser = argparse.ArgumentParser(prog="python -m refimpl.fog.report.operator",
                                     description=main.__doc__)
    parser.add_argument("--out", required=True, help="directory for chain.pem, signing-key.pem")
    parser.add_argument("--seed", help="hex seed (deterministic output); random if omitted")
    parser.add_argument("--intermediates", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        seed = bytes.fromhex(args.seed) if args.seed is not None else None
        made = make_operator_chain(seed, intermediates=args.intermediates)
        chain_path, key_path = made.write(args.out)
    except RefImplError as exc:
        print(exc.one_line(), file=sys.stderr)
        return 2
    except ValueError as exc:  # a seed that is not hex, a negative number of intermediates
        print(CliError("cli.usage", str(exc)).one_line(), file=sys.stderr)
        return 2
    except OSError as exc:
        print(CliError("cli.io", f"{args.out}: {exc}").one_line(), file=sys.stderr)
        return 2
    print(f"{chain_path}\n{key_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
