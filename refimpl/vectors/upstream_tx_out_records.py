"""Runners for MobileCoin's fog TxOutRecord vectors (``test-vectors/tx-out-records/build.rs``;
notes/crypto-ledger.md §3.10, §8).

The generator seeds ``StdRng::from_seed([2u8; 32])`` (ChaCha12), draws the recipient's and then
a spurious account's spend and view private keys (``AccountKey::random_with_fog``, url
"fog://example.com"), and for each of 10 TxOuts a tx private key (64 bytes) then the fog hint's
ephemeral key (64 bytes; the hint goes to the ingest enclave's random key, so its bytes cannot
be rebuilt, but fog drops the hint anyway). The TxOuts (10 MOB-units of token 0 to the
recipient's default subaddress, block version 2) are ingested at block 1, global indices
100.., timestamp 10, and the records decrypted for the recipient. Each line holds a record as
protobuf and a view private key as ``RistrettoPrivate { bytes data = 1 }``.

* correct file: the key is the regenerated recipient's; the record decodes and re-encodes
  byte for byte and equals the record rebuilt from the regenerated tx private key;
  ``try_recover_tx_out`` succeeds with amount (10, token 0), the memo decrypts to the default
  (0x0000) memo and the target key leads back to the recipient's subaddress 0;
* incorrect file: the same records with the spurious account's key; recovery must fail with
  ``tx.fog_checksum_mismatch`` (MobileCoin's ``FogTxOutError::ChecksumMismatch``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import attrs

from refimpl import protobuf as pb
from refimpl.account.keys import AccountKey
from refimpl.codec import parse_hex
from refimpl.crypto.chacha_rng import std_rng_from_seed
from refimpl.crypto.ristretto import Scalar
from refimpl.errors import TxError
from refimpl.transaction.amount import Amount
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.memos import UnusedMemo, decode_memo
from refimpl.transaction.onetime_keys import recover_public_subaddress_spend_key
from refimpl.transaction.tx_out import TxOut
from refimpl.transaction.tx_out_record import FogTxOut, FogTxOutMetadata, TxOutRecord
from refimpl.vectors.runner import CaseTally, FileResult, read_jsonl

TX_OUT_RECORD_SEED = bytes([2]) * 32
FOG_REPORT_URL = "fog://example.com"
BLOCK_VERSION = 2
VALUE = 10
BLOCK_INDEX = 1
FIRST_GLOBAL_INDEX = 100
TIMESTAMP = 10
_FOG_HINT_DRAW = 64  # the fog hint's ephemeral scalar, drawn after each tx private key
INCORRECT_CODE = "tx.fog_checksum_mismatch"

Case = dict[str, object]


@attrs.frozen
class RecordCase:
    """The hidden inputs: both accounts, and the tx private key of this line's TxOut."""

    recipient: AccountKey
    spurious: AccountKey
    tx_private_key: Scalar
    index: int

    def rebuilt_record(self) -> TxOutRecord:
        """The record fog ingest produced for this TxOut (the fog hint does not enter it)."""
        tx_out = TxOut.new(
            BLOCK_VERSION,
            Amount(VALUE),
            self.recipient.default_subaddress(),
            self.tx_private_key,
            EncryptedFogHint.zero(),
        )
        meta = FogTxOutMetadata(FIRST_GLOBAL_INDEX + self.index, BLOCK_INDEX, TIMESTAMP)
        return TxOutRecord.new(FogTxOut.from_tx_out(tx_out), meta)


def regenerate_cases() -> Iterator[RecordCase]:
    """The generator's draws: two accounts, then one tx private key per TxOut."""
    rng = std_rng_from_seed(TX_OUT_RECORD_SEED)
    recipient = AccountKey(Scalar.random(rng), Scalar.random(rng), FOG_REPORT_URL)
    spurious = AccountKey(Scalar.random(rng), Scalar.random(rng), FOG_REPORT_URL)
    index = 0
    while True:
        tx_private_key = Scalar.random(rng)
        rng(_FOG_HINT_DRAW)
        yield RecordCase(recipient, spurious, tx_private_key, index)
        index += 1


def decode_ristretto_private(data: bytes) -> Scalar:
    """``RistrettoPrivate`` as prost encodes it (``{ bytes data = 1 }``); canonical only."""
    return Scalar.from_canonical_bytes(pb.Fields(data).get_bytes(1))


def _require(condition: bool, reason: str) -> None:
    if not condition:
        raise AssertionError(reason)


def _hex(case: Case, key: str) -> bytes:
    value = case[key]
    if not isinstance(value, str):
        raise ValueError(f"{key} is not a hex string")
    return parse_hex(value, None, key)


def _record(case: Case, hidden: RecordCase) -> TxOutRecord:
    raw = _hex(case, "tx_out_record_hex_proto_bytes")
    record = TxOutRecord.from_protobuf(raw)
    _require(record.to_protobuf() == raw, "the record does not re-encode to the same bytes")
    _require(record == hidden.rebuilt_record(), "the record differs from the rebuilt one")
    return record


def _run(path: Path, rel: str, check: Callable[[Case, RecordCase], None]) -> CaseTally:
    tally = CaseTally(rel)
    cases = regenerate_cases()
    for line, case in read_jsonl(path):
        hidden = next(cases)

        def body(case: Case = case, hidden: RecordCase = hidden) -> bool:
            check(case, hidden)
            return True

        tally.run(f"line {line}", body)
    return tally


def run_correct_tx_out_records(path: Path, rel: str) -> FileResult:
    """Recovery with the recipient's view key succeeds and yields the generated TxOut."""

    def check(case: Case, hidden: RecordCase) -> None:
        view_private = decode_ristretto_private(
            _hex(case, "recipient_view_private_key_hex_proto_bytes")
        )
        _require(view_private == hidden.recipient.view_private, "view key is not the recipient's")
        record = _record(case, hidden)
        tx_out = record.get_fog_tx_out().try_recover_tx_out(view_private)
        amount, shared_secret = tx_out.view_key_match(view_private)
        _require(amount == Amount(VALUE), f"recovered {amount}, expected 10 of token 0")
        memo = decode_memo(tx_out.decrypt_memo(shared_secret))
        _require(memo == UnusedMemo(), "the memo is not the default (unused) memo")
        spend_public = recover_public_subaddress_spend_key(
            view_private, tx_out.target_key, tx_out.public_key
        )
        _require(
            spend_public == hidden.recipient.default_subaddress().spend_public,
            "the target key does not lead back to the recipient's subaddress 0",
        )

    return _run(path, rel, check).result()


def run_incorrect_tx_out_records(path: Path, rel: str) -> FileResult:
    """Recovery with the spurious account's view key fails with ``tx.fog_checksum_mismatch``."""

    def check(case: Case, hidden: RecordCase) -> None:
        view_private = decode_ristretto_private(
            _hex(case, "spurious_view_private_key_hex_proto_bytes")
        )
        _require(view_private == hidden.spurious.view_private, "view key is not the spurious one")
        fog_tx_out = _record(case, hidden).get_fog_tx_out()
        try:
            fog_tx_out.try_recover_tx_out(view_private)
        except TxError as exc:
            _require(exc.code == INCORRECT_CODE, f"failed with {exc.code}, not {INCORRECT_CODE}")
            return
        raise AssertionError(f"recovery succeeded, expected {INCORRECT_CODE}")

    result = _run(path, rel, check).result()
    return attrs.evolve(result, note=f"expected error: {INCORRECT_CODE}")
