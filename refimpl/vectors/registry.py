"""Which case source reads which vector file (paths relative to conformance/).

A value is ``"module:function"``, a case source ``(path, rel) -> list[Case]``
(refimpl.vectors.cases), or ``"pending: <reason>"``. Every file under conformance/ must appear
here; ``mcref conformance run`` fails on any that does not. Each suite keeps its own block.
"""

from __future__ import annotations

_UP = "upstream/mobilecoin/"
_ACCOUNTS = "refimpl.vectors.upstream_accounts"
_DERIVED = "refimpl.vectors.upstream_derived"
_BLOCKS = "refimpl.vectors.upstream_blocks"
_MEMOS = "refimpl.vectors.upstream_memos"
_RECORDS = "refimpl.vectors.upstream_tx_out_records"
_OWN_CRYPTO = "refimpl.vectors.own_crypto"

FILES: dict[str, str] = {
    # account keys (account-keys/src/account_keys.rs, core/src/slip10)
    _UP + "account_keys/acct_priv_keys_from_root_entropy.jsonl": f"{_ACCOUNTS}:root_entropy_cases",
    _UP + "account_keys/acct_priv_keys_from_bip39.jsonl": f"{_ACCOUNTS}:bip39_cases",
    _UP + "account_keys/default_subaddr_keys_from_acct_priv_keys.jsonl":
        f"{_ACCOUNTS}:default_subaddress_cases",
    _UP + "account_keys/subaddr_keys_from_acct_priv_keys.jsonl": f"{_ACCOUNTS}:subaddress_cases",
    _UP + "core/slip10_key.json": f"{_ACCOUNTS}:slip10_key_cases",
    _UP + "core/slip10_mnemonic.json": f"{_ACCOUNTS}:slip10_mnemonic_cases",
    # b58 public addresses (api/src/display)
    _UP + "b58_encodings/b58_encode_public_address_without_fog.jsonl": f"{_ACCOUNTS}:b58_cases",
    _UP + "b58_encodings/b58_encode_public_address_with_fog.jsonl": f"{_ACCOUNTS}:b58_fog_cases",
    # known-answer data re-encoded from MobileCoin test code
    _UP + "derived/digestible_block_kat.json": f"{_BLOCKS}:digestible_block_cases",
    _UP + "derived/schnorrkel_sig_kat.json": f"{_DERIVED}:schnorrkel_cases",
    _UP + "derived/kex_rng_kat.json": "refimpl.vectors.upstream_fog:kex_rng_cases",
    # memos (hidden keys regenerated from StdRng [2u8; 32]) and fog TxOutRecords
    _UP + "memos/correct_encrypted_sender_memos.jsonl": f"{_MEMOS}:correct_sender_cases",
    _UP + "memos/incorrect_encrypted_sender_memos.jsonl": f"{_MEMOS}:incorrect_sender_cases",
    _UP + "memos/correct_encrypted_sender_with_payment_request_id_memos.jsonl":
        f"{_MEMOS}:correct_sender_with_payment_request_id_cases",
    _UP + "memos/incorrect_encrypted_sender_with_payment_request_id_memos.jsonl":
        f"{_MEMOS}:incorrect_sender_with_payment_request_id_cases",
    _UP + "memos/correct_encrypted_destination_memos.jsonl": f"{_MEMOS}:destination_cases",
    _UP + "tx_out_records/correct_tx_out_records.jsonl": f"{_RECORDS}:correct_cases",
    _UP + "tx_out_records/incorrect_tx_out_records.jsonl": f"{_RECORDS}:incorrect_cases",
    # our whole-transaction validation vectors (tools/gen_vectors_tx.py)
    "vectors/transaction/transactions.json":
        "refimpl.vectors.own_transactions:transactions_cases",
    # our MLSAG and Bulletproofs vectors (tools/gen_vectors_crypto.py)
    "vectors/transaction/mlsag.json": f"{_OWN_CRYPTO}:mlsag_cases",
    "vectors/transaction/bulletproofs.json": f"{_OWN_CRYPTO}:bulletproofs_cases",
    # SCP one-node scripts (scp_cases.py; tools/gen_vectors_scp.py)
    "vectors/scp/scripted-correct.json": "refimpl.vectors.scp_cases:script_cases",
    "vectors/scp/scripted-mobilecoin.json": "refimpl.vectors.scp_cases:script_cases",
    "vectors/scp/simulated-correct.json": "refimpl.vectors.scp_cases:script_cases",
    "vectors/scp/simulated-mobilecoin.json": "refimpl.vectors.scp_cases:script_cases",
    # SCP simulator traces: each honest node's slot replayed as a one-node script
    "vectors/scp-traces/byzantine4.ndjson": "refimpl.vectors.scp_cases:trace_cases",
    "vectors/scp-traces/mesh4.ndjson": "refimpl.vectors.scp_cases:trace_cases",
    "vectors/scp-traces/mobilecoin_byzantine4.ndjson": "refimpl.vectors.scp_cases:trace_cases",
    "vectors/scp-traces/too_many_byzantine.ndjson": "refimpl.vectors.scp_cases:trace_cases",
}
