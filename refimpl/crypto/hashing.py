"""Every domain separator MobileCoin uses, and the hash-to-scalar / hash-to-point functions.

All tags are the exact ASCII strings of the MobileCoin sources named beside them
(``crypto/ring-signature/src/domain_separators.rs``,
``transaction/types/src/domain_separators.rs``). Hash-to-scalar is ``wide(Blake2b512(tag || data))``
and hash-to-point is ``from_uniform_bytes(Blake2b512(tag || data))``; "Blake2b256" is the
parameterised 32-byte BLAKE2b, never a truncated Blake2b512.
"""

from __future__ import annotations

import hashlib
import hmac

from refimpl.crypto.ristretto import Point, Scalar

# --- crypto/ring-signature/src/domain_separators.rs ----------------------------------------
HASH_TO_POINT_DOMAIN_TAG = b"mc_onetime_key_hash_to_point"  # Hp(P) and token generators H_t
HASH_TO_SCALAR_DOMAIN_TAG = b"mc_onetime_key_hash_to_scalar"  # Hs(r*C) of one-time keys
RING_MLSAG_CHALLENGE_DOMAIN_TAG = b"mc_ring_mlsag_challenge"

# --- transaction/types/src/domain_separators.rs --------------------------------------------
AMOUNT_VALUE_DOMAIN_TAG = b"mc_amount_value"
AMOUNT_TOKEN_ID_DOMAIN_TAG = b"mc_amount_token_id"
AMOUNT_BLINDING_DOMAIN_TAG = b"mc_amount_blinding"
AMOUNT_SHARED_SECRET_DOMAIN_TAG = b"mc_amount_shared_secret"
AMOUNT_BLINDING_FACTORS_DOMAIN_TAG = b"mc_amount_blinding_factors"
BULLETPROOF_DOMAIN_TAG = b"mc_bulletproof_transcript"
TXOUT_MERKLE_LEAF_DOMAIN_TAG = b"mc_tx_out_merkle_leaf"
TXOUT_MERKLE_NODE_DOMAIN_TAG = b"mc_tx_out_merkle_node"
TXOUT_MERKLE_NIL_DOMAIN_TAG = b"mc_tx_out_merkle_nil"
EXTENDED_MESSAGE_DOMAIN_TAG = b"mc_extended_message"
EXTENDED_MESSAGE_AND_TX_SUMMARY_DOMAIN_TAG = b"mc_extended_message_and_tx_summary"
MINT_CONFIG_TX_PREFIX_DOMAIN_TAG = b"mc_mint_config_tx_prefix"
MINT_TX_PREFIX_DOMAIN_TAG = b"mc_mint_tx_prefix"

# --- core/src/consts.rs --------------------------------------------------------------------
SUBADDRESS_DOMAIN_TAG = b"mc_subaddress"

# --- account-keys/src/domain_separators.rs -------------------------------------------------
BURN_ADDRESS_DOMAIN_SEPARATOR = b"mc_burn_address_spend_public"

# --- transaction/extra --------------------------------------------------------------------
TX_OUT_CONFIRMATION_NUMBER_DOMAIN_TAG = b"mc_tx_out_confirmation_number"  # Blake2b256
GIFT_CODE_FUNDING_DOMAIN_TAG = b"mc-gift-funding-tx-pub-key"

# --- consensus/enclave/impl/src/lib.rs (Merlin labels) ------------------------------------
FEES_OUTPUT_PRIVATE_KEY_DOMAIN_TAG = b"mc_fees_output_private_key"
MINTED_OUTPUT_PRIVATE_KEY_DOMAIN_TAG = b"mc_minted_output_private_key"

# --- key derivation and encryption labels --------------------------------------------------
ROOT_ENTROPY_SPEND_INFO = b"spend"  # account-keys/src/identity.rs, HKDF-Blake2b256 info
ROOT_ENTROPY_VIEW_INFO = b"view"
SLIP10_VIEW_SALT = b"mobilecoin-ristretto255-view"  # core/src/slip10/mod.rs, HKDF-SHA512 salt
SLIP10_SPEND_SALT = b"mobilecoin-ristretto255-spend"
MEMO_OKM_SALT = b"mc-memo-okm"  # transaction/core/src/memo.rs
MEMO_MAC_PREFIX = b"mc-memo-mac"  # crypto/memo-mac/src/lib.rs
CRYPTO_BOX_SALT = b"dei-salty-box"  # crypto/box/src/hkdf_box.rs
CRYPTO_BOX_INFO = b"aead-key-iv"
FOG_AUTHORITY_SIGNATURE_CONTEXT = b"Fog authority signature"  # fog/sig/authority/src/lib.rs

# --- Merlin / digestible contexts (crypto/digestible, crypto/keys) ------------------------
DIGESTIBLE_TRANSCRIPT_LABEL = b"digestible"
TXOUT_HASH_CONTEXT = b"mobilecoin-txout"
TX_PREFIX_HASH_CONTEXT = b"mobilecoin-tx-prefix"
TX_HASH_CONTEXT = b"mobilecoin-tx"
INPUT_RULES_DIGEST_CONTEXT = b"mc-input-rules-digest"
INPUT_RULES_CONTEXT = b"mc-input-rules"
BLOCK_CONTENTS_CONTEXT = b"block_contents"
BLOCK_SIGNATURE_CONTEXT = b"block-sig"
BLOCK_METADATA_CONTEXT = b"block_metadata"
BLOCK_ID_TRANSCRIPT_LABEL = b"mobilecoin-block-id"
SHORT_ADDRESS_HASH_CONTEXT = b"mc-address"
FEE_MAP_CONTEXT = b"mc-fee-map"


def blake2b512(*parts: bytes) -> bytes:
    """BLAKE2b with a 64-byte digest over the concatenation of ``parts``."""
    h = hashlib.blake2b(digest_size=64)
    for part in parts:
        h.update(part)
    return h.digest()


def blake2b256(*parts: bytes) -> bytes:
    """BLAKE2b parameterised for a 32-byte digest (``Blake2b<U32>``), not a truncation."""
    h = hashlib.blake2b(digest_size=32)
    for part in parts:
        h.update(part)
    return h.digest()


def hash_to_scalar(tag: bytes, *data: bytes) -> Scalar:
    """``Scalar::from_hash(Blake2b512(tag || data))`` = wide reduction of the 64-byte digest."""
    return Scalar.from_bytes_mod_order_wide(blake2b512(tag, *data))


def hash_to_point(tag: bytes, *data: bytes) -> Point:
    """``RistrettoPoint::from_uniform_bytes(Blake2b512(tag || data))``."""
    return Point.from_uniform_bytes(blake2b512(tag, *data))


def _hmac_blake2b256(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, lambda: hashlib.blake2b(digest_size=32)).digest()


def _hmac_blake2b512(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, lambda: hashlib.blake2b(digest_size=64)).digest()


def hkdf(hash_name: str, salt: bytes | None, ikm: bytes, info: bytes, length: int) -> bytes:
    """RFC 5869 HKDF with HMAC over ``hash_name``: "blake2b256", "blake2b512" or "sha512".

    ``salt=None`` means a zero-filled salt of the hash's output length, as the ``hkdf`` crate
    does. BLAKE2b variants are hand-rolled because ``cryptography`` only offers 64-byte BLAKE2b
    without HMAC block-size control (``account-keys/src/identity.rs`` uses HKDF-Blake2b256).
    """
    if hash_name == "blake2b256":
        mac, out_len = _hmac_blake2b256, 32
    elif hash_name == "blake2b512":
        mac, out_len = _hmac_blake2b512, 64
    elif hash_name == "sha512":

        def mac(key: bytes, message: bytes) -> bytes:
            return hmac.new(key, message, hashlib.sha512).digest()

        out_len = 64
    else:
        raise ValueError(f"unsupported HKDF hash {hash_name!r}")
    if length > 255 * out_len:
        raise ValueError("HKDF output too long")
    prk = mac(salt if salt is not None else bytes(out_len), ikm)
    okm = b""
    block = b""
    counter = 1
    while len(okm) < length:
        block = mac(prk, block + info + bytes([counter]))
        okm += block
        counter += 1
    return okm[:length]
