"""CryptoNote-style one-time keys of TxOuts, as MobileCoin derives them.

MobileCoin ``crypto/ring-signature/src/onetime_keys.rs`` and ``crypto/ring-signature/src/lib.rs``
(``get_tx_out_shared_secret``). For a recipient subaddress
``(C, D)`` (view public, spend public) and a sender's tx private key ``r``:

* shared secret ``ss = r*C`` (sender) = ``a*R`` (recipient, ROOT view private key ``a``);
* public key ``R = r*D``;
* target key ``P = Hs(r*C)*G + D`` with ``Hs(X) = wide(Blake2b512("mc_onetime_key_hash_to_scalar"
  || compress(X)))``;
* recipient: ``D = P - Hs(a*R)*G``, one-time private key ``x = Hs(a*R) + d`` with ``x*G = P``.
"""

from __future__ import annotations

from refimpl.crypto.hashing import HASH_TO_SCALAR_DOMAIN_TAG, hash_to_scalar
from refimpl.crypto.ristretto import Point, Scalar


def _hs(shared_secret: Point) -> Scalar:
    return hash_to_scalar(HASH_TO_SCALAR_DOMAIN_TAG, shared_secret.to_bytes())


def create_tx_out_target_key(
    tx_private_key: Scalar, recipient_view_public: Point, recipient_spend_public: Point
) -> Point:
    """``P = Hs(r*C)*G + D`` (``create_tx_out_target_key``)."""
    return Point.mul_base(_hs(recipient_view_public * tx_private_key)) + recipient_spend_public


def create_tx_out_public_key(tx_private_key: Scalar, recipient_spend_public: Point) -> Point:
    """``R = r*D`` (``create_tx_out_public_key``)."""
    return recipient_spend_public * tx_private_key


def create_shared_secret(public_key: Point, private_key: Scalar) -> Point:
    """``private*public`` (``create_shared_secret``, ``get_tx_out_shared_secret``).

    The sender calls it as ``(C, r)``, the recipient as ``(R, a)``: both get ``r*C``.
    """
    return public_key * private_key


def recover_public_subaddress_spend_key(
    view_private: Scalar, target_key: Point, public_key: Point
) -> Point:
    """``D' = P - Hs(a*R)*G`` (``recover_public_subaddress_spend_key``): the owner's subaddress
    spend public key if this TxOut is addressed to one of the account's subaddresses."""
    return target_key - Point.mul_base(_hs(public_key * view_private))


def recover_onetime_private_key(
    public_key: Point, view_private: Scalar, subaddress_spend_private: Scalar
) -> Scalar:
    """``x = Hs(a*R) + d`` (``recover_onetime_private_key``); ``x*G`` is the target key."""
    return _hs(public_key * view_private) + subaddress_spend_private
