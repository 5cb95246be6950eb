"""Which runner consumes which vector file (paths relative to conformance/).

A value is ``"module:function"`` (the runner) or ``"pending: <reason>"``. Every file under
conformance/ must appear here; ``mcref conformance run`` fails on any that does not.
"""

from __future__ import annotations

_UP = "upstream/mobilecoin/"
_ACCOUNTS = "refimpl.vectors.upstream_accounts"
_DERIVED = "refimpl.vectors.upstream_derived"
_BLOCKS = "refimpl.vectors.upstream_blocks"
_MEMOS = "refimpl.vectors.upstream_memos"
_RECORDS = "refimpl.vectors.upstream_tx_out_records"

FILES: dict[str, str] = {
    # account keys (notes/crypto-ledger.md §1)
    _UP + "account_keys/acct_priv_keys_from_root_entropy.jsonl": f"{_ACCOUNTS}:run_root_entropy",
    _UP + "account_keys/acct_priv_keys_from_bip39.jsonl": f"{_ACCOUNTS}:run_bip39",
    _UP + "account_keys/default_subaddr_keys_from_acct_priv_keys.jsonl":
        f"{_ACCOUNTS}:run_default_subaddress",
    _UP + "account_keys/subaddr_keys_from_acct_priv_keys.jsonl": f"{_ACCOUNTS}:run_subaddress",
    _UP + "core/slip10_key.json": f"{_ACCOUNTS}:run_slip10_key",
    _UP + "core/slip10_mnemonic.json": f"{_ACCOUNTS}:run_slip10_mnemonic",
    # b58 public addresses (§7)
    _UP + "b58_encodings/b58_encode_public_address_without_fog.jsonl": f"{_ACCOUNTS}:run_b58",
    _UP + "b58_encodings/b58_encode_public_address_with_fog.jsonl": f"{_ACCOUNTS}:run_b58_fog",
    # known-answer data re-encoded from MobileCoin test code (§2)
    _UP + "derived/digestible_block_kat.json": f"{_BLOCKS}:run_digestible_block_kat",
    _UP + "derived/schnorrkel_sig_kat.json": f"{_DERIVED}:run_schnorrkel_kat",
    _UP + "derived/kex_rng_kat.json": "refimpl.vectors.upstream_fog:run_kex_rng_kat",
    # memos (§3.9; hidden keys regenerated from StdRng [2u8; 32]) and fog TxOutRecords (§3.10)
    _UP + "memos/correct_encrypted_sender_memos.jsonl": f"{_MEMOS}:run_correct_sender_memos",
    _UP + "memos/incorrect_encrypted_sender_memos.jsonl": f"{_MEMOS}:run_incorrect_sender_memos",
    _UP + "memos/correct_encrypted_sender_with_payment_request_id_memos.jsonl":
        f"{_MEMOS}:run_correct_sender_with_payment_request_id_memos",
    _UP + "memos/incorrect_encrypted_sender_with_payment_request_id_memos.jsonl":
        f"{_MEMOS}:run_incorrect_sender_with_payment_request_id_memos",
    _UP + "memos/correct_encrypted_destination_memos.jsonl": f"{_MEMOS}:run_destination_memos",
    _UP + "tx_out_records/correct_tx_out_records.jsonl": f"{_RECORDS}:run_correct_tx_out_records",
    _UP + "tx_out_records/incorrect_tx_out_records.jsonl":
        f"{_RECORDS}:run_incorrect_tx_out_records",
    # our whole-transaction validation vectors (§4.8; tools/gen_vectors_tx.py)
    "vectors/transaction/transactions.json":
        "refimpl.vectors.own_transactions:run_transactions",
    # our MLSAG and Bulletproofs vectors (§4.5, §4.6; tools/gen_vectors_crypto.py)
    "vectors/transaction/mlsag.json": "refimpl.vectors.own_crypto:run_mlsag",
    "vectors/transaction/bulletproofs.json": "refimpl.vectors.own_crypto:run_bulletproofs",
}
