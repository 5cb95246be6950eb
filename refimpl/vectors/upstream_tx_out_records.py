"""Cases and operation for MobileCoin's fog TxOutRecord vectors
(``test-vectors/tx-out-records/build.rs``).

The generator seeds ``StdRng::from_seed([2u8; 32])`` (ChaCha12), draws the recipient's and then
a spurious account's spend and view private keys (``AccountKey::random_with_fog``, url
"fog://example.com"), and for each of 10 TxOuts a tx private key (64 bytes) then the fog hint's
ephemeral key (64 bytes; the hint goes to the ingest enclave's random key, so its bytes cannot
be rebuilt, but fog drops the hint anyway). The TxOuts (10 MOB-units of token 0 to the
recipient's default subaddress, block version 2) are ingested at block 1, global indices
100.., timestamp 10, and the records decrypted for the recipient. Each line holds a record as
protobuf and a view private key as ``RistrettoPrivate { bytes data = 1 }``.

Each line is one ``fog.tx_out_record`` case (the record and the raw view private key in;
the record re-encoded, the amount, the decrypted memo and the subaddress spend public key
the target key leads back to, out). Structural checks: the key is the regenerated account's,
and the record equals the one rebuilt from the regenerated tx private key.

* correct file: recovery succeeds with amount (10, token 0), the default (0x0000) memo and
  the recipient's subaddress 0;
* incorrect file: the same records with the spurious account's key; recovery must fail with
  ``tx.fog_checksum_mismatch`` (MobileCoin's ``FogTxOutError::ChecksumMismatch``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import attrs

from refimpl import protobuf as pb
from refimpl.account.keys import AccountKey
from refimpl.crypto.chacha_rng import std_rng_from_seed
from refimpl.crypto.ristretto import Scalar
from refimpl.errors import RefImplError
from refimpl.transaction.amount import Amount
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.onetime_keys import recover_public_subaddress_spend_key
from refimpl.transaction.tx_out import TxOut
from refimpl.transaction.tx_out_record import FogTxOut, FogTxOutMetadata, TxOutRecord
from refimpl.vectors.cases import Built, CaseList, build_case
from refimpl.vectors.inputs import hexbytes, read_jsonl, text

TX_OUT_RECORD_SEED = bytes([2]) * 32
FOG_REPORT_URL = "fog://example.com"
BLOCK_VERSION = 2
VALUE = 10
BLOCK_INDEX = 1
FIRST_GLOBAL_INDEX = 100
TIMESTAMP = 10
_FOG_HINT_DRAW = 64  # the fog hint's ephemeral scalar, drawn after each tx private key
INCORRECT_CODE = "tx.fog_checksum_mismatch"

Line = dict[str, Any]


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


def recover(case: dict[str, Any]) -> dict[str, Any]:
    """``{record: TxOutRecord protobuf, viewPrivateKey}`` -> ``{record (re-encoded), value,
    tokenId, memo (the 66-byte decrypted memo payload), subaddressSpendPublicKey}``, or the
    refusal of recovering the TxOut (``fog/types/src/view.rs`` ``try_recover_tx_out``)."""
    record = TxOutRecord.from_protobuf(hexbytes(case, "record"))
    view_private = Scalar.from_canonical_bytes(hexbytes(case, "viewPrivateKey", 32))
    tx_out = record.get_fog_tx_out().try_recover_tx_out(view_private)
    amount, shared_secret = tx_out.view_key_match(view_private)
    spend_public = recover_public_subaddress_spend_key(
        view_private, tx_out.target_key, tx_out.public_key
    )
    return {
        "record": record.to_protobuf().hex(),
        "value": amount.value,
        "tokenId": amount.token_id,
        "memo": tx_out.decrypt_memo(shared_secret).data.hex(),
        "subaddressSpendPublicKey": spend_public.to_bytes().hex(),
    }


def _holds(check: Callable[[], bool]) -> bool:
    try:
        return check()
    except (RefImplError, KeyError, TypeError, ValueError):
        return False


def _key_is(line: Line, key_field: str, owner: AccountKey) -> bool:
    return decode_ristretto_private(hexbytes(line, key_field)) == owner.view_private


def _record_is(line: Line, hidden: RecordCase) -> bool:
    record = TxOutRecord.from_protobuf(hexbytes(line, "tx_out_record_hex_proto_bytes"))
    return record == hidden.rebuilt_record()


def _cases(path: Path, rel: str, key_field: str, correct: bool) -> CaseList:
    cases = CaseList()
    regenerated = regenerate_cases()
    for line_no, line in read_jsonl(path):
        hidden = next(regenerated)
        owner = hidden.recipient if correct else hidden.spurious
        cases.check(f"line {line_no}: {key_field} is the regenerated account's",
                    _holds(partial(_key_is, line, key_field, owner)))
        cases.check(f"line {line_no}: the record is the one rebuilt",
                    _holds(partial(_record_is, line, hidden)))

        def build(line: Line = line, hidden: RecordCase = hidden) -> Built:
            key = decode_ristretto_private(hexbytes(line, key_field))
            case_input = {"record": text(line, "tx_out_record_hex_proto_bytes"),
                          "viewPrivateKey": key.to_bytes().hex()}
            if not correct:
                return case_input, {"error": INCORRECT_CODE}
            subaddress = hidden.recipient.default_subaddress()
            return case_input, {
                "record": text(line, "tx_out_record_hex_proto_bytes"),
                "value": VALUE,
                "tokenId": 0,
                "memo": bytes(66).hex(),
                "subaddressSpendPublicKey": subaddress.spend_public.to_bytes().hex(),
            }

        cases.append(build_case(rel, line_no, "fog.tx_out_record", build))
    if not correct:
        cases.note = f"expected error: {INCORRECT_CODE}"
    return cases


def correct_cases(path: Path, rel: str) -> CaseList:
    """Recovery with the recipient's view key succeeds and yields the generated TxOut."""
    return _cases(path, rel, "recipient_view_private_key_hex_proto_bytes", correct=True)


def incorrect_cases(path: Path, rel: str) -> CaseList:
    """Recovery with the spurious account's view key fails with ``tx.fog_checksum_mismatch``."""
    return _cases(path, rel, "spurious_view_private_key_hex_proto_bytes", correct=False)
