"""Account keys and subaddresses (MobileCoin ``account-keys/src/account_keys.rs``,
``core/src/subaddress.rs``, ``core/src/consts.rs``).

With root view private ``a``, root spend private ``b`` and ``B = b*G``, subaddress ``i`` has

* ``Hs_sub(i) = wide(Blake2b512("mc_subaddress" || a || Scalar::from(i)))``,
* spend private ``d_i = Hs_sub(i) + b``, view private ``c_i = a * d_i``,
* spend public ``D_i = d_i*G = B + Hs_sub(i)*G``, view public ``C_i = c_i*G = a*D_i``.

:class:`AccountKey` holds both private keys (and optional fog information) and computes the
first forms; :class:`ViewAccountKey` holds ``a`` and ``B`` only and computes the second forms
(MobileCoin's ``ViewAccountKey``). Every public address is a subaddress; the default one has
index 0.
"""

from __future__ import annotations

import attrs

from refimpl.account.bip39 import mnemonic_to_seed
from refimpl.account.public_address import PublicAddress, check_fog_report_url
from refimpl.account.root_entropy import keys_from_root_entropy
from refimpl.account.slip10 import keys_from_slip10_key, slip10_key_from_seed
from refimpl.crypto import schnorrkel
from refimpl.crypto.hashing import (
    FOG_AUTHORITY_SIGNATURE_CONTEXT,
    SUBADDRESS_DOMAIN_TAG,
    hash_to_scalar,
)
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import AccountError

DEFAULT_SUBADDRESS_INDEX = 0
CHANGE_SUBADDRESS_INDEX = 2**64 - 2
GIFT_CODE_SUBADDRESS_INDEX = 2**64 - 3
INVALID_SUBADDRESS_INDEX = 2**64 - 1
U64_MAX = 2**64 - 1


def check_subaddress_index(index: int) -> int:
    """A subaddress index is any u64 (``INVALID_SUBADDRESS_INDEX`` is only a marker)."""
    if not 0 <= index <= U64_MAX:
        raise AccountError(
            "account.bad_subaddress_index", f"the subaddress index must be a u64, got {index}"
        )
    return index


def subaddress_hash(view_private: Scalar, index: int) -> Scalar:
    """``Hs_sub(i)``: the scalar that offsets the root spend key for subaddress ``index``."""
    check_subaddress_index(index)
    return hash_to_scalar(SUBADDRESS_DOMAIN_TAG, view_private.to_bytes(), Scalar(index).to_bytes())


@attrs.frozen
class SubaddressKeys:
    """The four keys of one subaddress: ``c_i``, ``d_i``, ``C_i``, ``D_i``."""

    index: int
    view_private: Scalar
    spend_private: Scalar
    view_public: Point
    spend_public: Point


@attrs.frozen
class AccountKey:
    """An account: root spend and view private keys plus optional fog information.

    Fog information is present when ``fog_report_url`` is not empty; the report id and the
    fog authority's SubjectPublicKeyInfo bytes may then be empty (MobileCoin allows it, and
    its b58 vectors use it), but they may not be set without a url.
    """

    spend_private: Scalar
    view_private: Scalar
    fog_report_url: str = ""
    fog_report_id: str = ""
    fog_authority_spki: bytes = b""

    def __attrs_post_init__(self) -> None:
        check_fog_report_url(self.fog_report_url)
        if not self.fog_report_url and (self.fog_report_id or self.fog_authority_spki):
            raise AccountError(
                "account.fog_incomplete",
                "a fog report id or authority key was given without a fog report url",
            )

    # --- constructors --------------------------------------------------------------------
    @classmethod
    def from_root_entropy(
        cls,
        root_entropy: bytes,
        fog_report_url: str = "",
        fog_report_id: str = "",
        fog_authority_spki: bytes = b"",
    ) -> AccountKey:
        """``AccountKey::from(&RootIdentity)`` (``account-keys/src/identity.rs``)."""
        spend, view = keys_from_root_entropy(root_entropy)
        return cls(spend, view, fog_report_url, fog_report_id, fog_authority_spki)

    @classmethod
    def from_slip10_key(
        cls,
        slip10_key: bytes,
        fog_report_url: str = "",
        fog_report_id: str = "",
        fog_authority_spki: bytes = b"",
    ) -> AccountKey:
        """``Slip10Key::try_into_account_key`` (``core/src/slip10/mod.rs``)."""
        spend, view = keys_from_slip10_key(slip10_key)
        return cls(spend, view, fog_report_url, fog_report_id, fog_authority_spki)

    @classmethod
    def from_mnemonic(
        cls,
        words: str,
        account_index: int = 0,
        fog_report_url: str = "",
        fog_report_id: str = "",
        fog_authority_spki: bytes = b"",
    ) -> AccountKey:
        """BIP-39 phrase -> seed -> SLIP-10 ``m/44'/866'/account_index'`` -> account keys."""
        slip10_key = slip10_key_from_seed(mnemonic_to_seed(words), account_index)
        return cls.from_slip10_key(slip10_key, fog_report_url, fog_report_id, fog_authority_spki)

    # --- root public keys ----------------------------------------------------------------
    @property
    def spend_public(self) -> Point:
        """``B = b*G``."""
        return Point.mul_base(self.spend_private)

    @property
    def view_public(self) -> Point:
        """``A = a*G`` (not an address key: addresses use ``C_i``)."""
        return Point.mul_base(self.view_private)

    @property
    def has_fog(self) -> bool:
        return self.fog_report_url != ""

    def view_account_key(self) -> ViewAccountKey:
        """The public-only view of this account: ``(a, B)``."""
        return ViewAccountKey(self.view_private, self.spend_public)

    # --- subaddresses --------------------------------------------------------------------
    def subaddress_spend_private(self, index: int) -> Scalar:
        """``d_i = Hs_sub(i) + b``."""
        return subaddress_hash(self.view_private, index) + self.spend_private

    def subaddress_view_private(self, index: int) -> Scalar:
        """``c_i = a * d_i``."""
        return self.view_private * self.subaddress_spend_private(index)

    def subaddress_keys(self, index: int) -> SubaddressKeys:
        """All four keys of subaddress ``index``, from the private path."""
        spend_private = self.subaddress_spend_private(index)
        view_private = self.view_private * spend_private
        return SubaddressKeys(
            index,
            view_private,
            spend_private,
            Point.mul_base(view_private),
            Point.mul_base(spend_private),
        )

    def subaddress(self, index: int) -> PublicAddress:
        """``AccountKey::subaddress``: the public address, fog-signed when fog is configured."""
        keys = self.subaddress_keys(index)
        if not self.has_fog:
            return PublicAddress(keys.view_public, keys.spend_public)
        signature = schnorrkel.sign(
            keys.view_private, FOG_AUTHORITY_SIGNATURE_CONTEXT, self.fog_authority_spki
        )
        return PublicAddress(
            keys.view_public,
            keys.spend_public,
            self.fog_report_url,
            self.fog_report_id,
            signature,
        )

    def default_subaddress(self) -> PublicAddress:
        return self.subaddress(DEFAULT_SUBADDRESS_INDEX)

    def change_subaddress(self) -> PublicAddress:
        return self.subaddress(CHANGE_SUBADDRESS_INDEX)

    def gift_code_subaddress(self) -> PublicAddress:
        return self.subaddress(GIFT_CODE_SUBADDRESS_INDEX)


@attrs.frozen
class ViewAccountKey:
    """``ViewAccountKey``: root view private ``a`` and root spend public ``B``; no fog."""

    view_private: Scalar
    spend_public: Point

    def subaddress_spend_public(self, index: int) -> Point:
        """``D_i = B + Hs_sub(i)*G``."""
        return self.spend_public + Point.mul_base(subaddress_hash(self.view_private, index))

    def subaddress_view_public(self, index: int) -> Point:
        """``C_i = a*D_i``."""
        return self.subaddress_spend_public(index) * self.view_private

    def subaddress(self, index: int) -> PublicAddress:
        """The public address of subaddress ``index`` (without fog information)."""
        spend_public = self.subaddress_spend_public(index)
        return PublicAddress(spend_public * self.view_private, spend_public)

    def default_subaddress(self) -> PublicAddress:
        return self.subaddress(DEFAULT_SUBADDRESS_INDEX)

    def change_subaddress(self) -> PublicAddress:
        return self.subaddress(CHANGE_SUBADDRESS_INDEX)
