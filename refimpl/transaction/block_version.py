"""Block versions and the protocol features each one turns on.

MobileCoin ``transaction/types/src/block_version.rs``: a block
version is a u32 in ``0..=MAX``; every feature is "version >= N".
"""

from __future__ import annotations

from refimpl.errors import TxError

#: The newest block version this implementation (and MobileCoin 7.0) knows.
MAX_BLOCK_VERSION = 4


def check_block_version(version: int) -> int:
    """Return ``version`` if it is a known block version, else raise ``tx.bad_block_version``."""
    if not 0 <= version <= MAX_BLOCK_VERSION:
        raise TxError(
            "tx.bad_block_version", f"block version {version} is not in 0..{MAX_BLOCK_VERSION}"
        )
    return version


def e_memo_feature_is_supported(version: int) -> bool:
    """v1: every TxOut carries an encrypted memo."""
    return version >= 1


def masked_token_id_feature_is_supported(version: int) -> bool:
    """v2: amounts carry a masked token id; non-MOB tokens and mint transactions exist."""
    return version >= 2


def mint_transactions_are_supported(version: int) -> bool:
    return version >= 2


def masked_amount_v2_is_supported(version: int) -> bool:
    """v3: amounts are masked with MaskedAmountV2 (HKDF-SHA512 blinding factors)."""
    return version >= 3


def mixed_transactions_are_supported(version: int) -> bool:
    """v3: one transaction may spend and create several token ids."""
    return version >= 3


def signed_input_rules_are_supported(version: int) -> bool:
    return version >= 3
