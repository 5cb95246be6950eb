"""Runners for MobileCoin's memo vectors (``test-vectors/memos/build.rs``;
notes/crypto-ledger.md §8).

The files hold the 64 memo DATA bytes (no type bytes, not encrypted), hex encoded, with the
sender's PublicAddress as protobuf and the recipient's view public key or short address hash.
The keys behind them are not in the files: each generator seeds ``StdRng::from_seed([2u8; 32])``
(ChaCha12) and per case draws the sender's spend and view private keys, the recipient's spend
and view private keys (``Scalar::random``, 64 bytes each) and, for sender memos, a TxOut public
key (``RistrettoPoint::random``, 64 bytes). The runners regenerate them, so every check is
byte-exact, HMAC included:

* correct sender memos (0x0100, 0x0101): the addresses match the regenerated accounts, the memo
  rebuilt from the sender's credential equals all 64 bytes, and the recipient validates it with
  its default-subaddress view private key ``c_0``;
* incorrect sender memos: the same memo bytes (the seed restarts), but the file names the
  recipient as sender and the sender's view key as recipient; validating with those claims must
  fail with ``tx.memo_sender_hash_mismatch``, and the HMAC alone with ``tx.memo_bad_hmac``;
* destination memos: see :func:`run_destination_memos` for the generator bug that file carries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import attrs

from refimpl.account.keys import AccountKey
from refimpl.account.public_address import PublicAddress
from refimpl.codec import parse_hex
from refimpl.crypto.chacha_rng import std_rng_from_seed
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import TxError
from refimpl.transaction.memos import (
    AuthenticatedSenderMemo,
    AuthenticatedSenderWithPaymentRequestIdMemo,
    DestinationMemo,
    SenderMemoCredential,
)
from refimpl.vectors.runner import CaseTally, FileResult, read_jsonl

#: ``StdRng::from_seed([2u8; 32])`` in every memo generator.
MEMO_VECTOR_SEED = bytes([2]) * 32
#: The constants the generators use.
PAYMENT_REQUEST_ID = 23
TOTAL_OUTLAY = 12
FEE = 13
#: Expected typed errors of the "incorrect" vectors.
INCORRECT_SENDER_CODE = "tx.memo_sender_hash_mismatch"
INCORRECT_SENDER_MAC_CODE = "tx.memo_bad_hmac"
INCORRECT_DESTINATION_CODE = "tx.memo_address_hash_mismatch"

DESTINATION_BUG_NOTE = (
    "generator bug (notes/crypto-ledger.md §10 item 1): write_incorrect_encrypted_destination_"
    "memos writes the same CorrectEncryptedDestinationMemoData type, hence the same file name, "
    "after write_correct_encrypted_destination_memos, so this 'correct' file holds the "
    "INCORRECT variant (sender_public_address is the recipient's, recipient_short_address_hash "
    "is the sender's); each line is checked as the variant it is: memo bytes regenerated "
    "exactly, and for the incorrect variant the stated recipient hash is refused with "
    f"{INCORRECT_DESTINATION_CODE}"
)

Case = dict[str, object]


@attrs.frozen
class MemoCase:
    """The hidden inputs of one generated case."""

    sender: AccountKey
    recipient: AccountKey
    tx_out_public_key: Point | None

    @property
    def sender_address(self) -> PublicAddress:
        return self.sender.default_subaddress()

    @property
    def recipient_address(self) -> PublicAddress:
        return self.recipient.default_subaddress()


def regenerate_cases(with_tx_out_public_key: bool) -> Iterator[MemoCase]:
    """The generator's draws, case after case (an endless stream; the caller stops)."""
    rng = std_rng_from_seed(MEMO_VECTOR_SEED)
    while True:
        # AccountKey::new(&spend, &view): Rust evaluates the spend argument first.
        sender = AccountKey(Scalar.random(rng), Scalar.random(rng))
        recipient = AccountKey(Scalar.random(rng), Scalar.random(rng))
        tx_key = Point.random(rng) if with_tx_out_public_key else None
        yield MemoCase(sender, recipient, tx_key)


def _require(condition: bool, reason: str) -> None:
    if not condition:
        raise AssertionError(reason)


def _hex(case: Case, key: str, length: int | None = None) -> bytes:
    value = case[key]
    if not isinstance(value, str):
        raise ValueError(f"{key} is not a hex string")
    return parse_hex(value, length, key)


def _int(case: Case, key: str) -> int:
    value = case[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{key} is not an integer")
    return value


def _expect_error(code: str, action: Callable[[], object], what: str) -> None:
    try:
        action()
    except TxError as exc:
        _require(exc.code == code, f"{what} failed with {exc.code}, expected {code}")
        return
    raise AssertionError(f"{what} was accepted, expected {code}")


def _run(
    path: Path,
    rel: str,
    with_tx_out_public_key: bool,
    check: Callable[[Case, MemoCase], None],
) -> CaseTally:
    tally = CaseTally(rel)
    cases = regenerate_cases(with_tx_out_public_key)
    for line, case in read_jsonl(path):
        hidden = next(cases)

        def body(case: Case = case, hidden: MemoCase = hidden) -> bool:
            check(case, hidden)
            return True

        tally.run(f"line {line}", body)
    return tally


# --- authenticated sender memos -------------------------------------------------------------
_SenderMemo = AuthenticatedSenderMemo | AuthenticatedSenderWithPaymentRequestIdMemo


def _rebuild_sender_memo(hidden: MemoCase, with_request_id: bool) -> _SenderMemo:
    credential = SenderMemoCredential.from_account_key(hidden.sender)
    view_public = hidden.recipient_address.view_public
    assert hidden.tx_out_public_key is not None
    if with_request_id:
        return AuthenticatedSenderWithPaymentRequestIdMemo.new(
            credential, view_public, hidden.tx_out_public_key, PAYMENT_REQUEST_ID
        )
    return AuthenticatedSenderMemo.new(credential, view_public, hidden.tx_out_public_key)


def _check_request_id(case: Case, memo: _SenderMemo) -> None:
    if isinstance(memo, AuthenticatedSenderWithPaymentRequestIdMemo):
        request_id = _int(case, "payment_request_id")
        _require(request_id == PAYMENT_REQUEST_ID, "payment_request_id is not the generator's")
        _require(memo.payment_request_id == request_id, "payment request id in the memo differs")


def _correct_sender(memo_field: str, with_request_id: bool) -> Callable[[Case, MemoCase], None]:
    def check(case: Case, hidden: MemoCase) -> None:
        sender = PublicAddress.from_protobuf(_hex(case, "sender_public_address_hex_proto_bytes"))
        view_public = Point.from_bytes(_hex(case, "recipient_view_public_key_hex_raw_bytes", 32))
        data = _hex(case, memo_field, 64)
        _require(sender == hidden.sender_address, "sender address is not the regenerated one")
        _require(
            view_public == hidden.recipient_address.view_public,
            "recipient view key is not the regenerated one",
        )
        rebuilt = _rebuild_sender_memo(hidden, with_request_id)
        _require(rebuilt.memo_data == data, "memo bytes (hash, data or HMAC) differ")
        memo = type(rebuilt).from_memo_data(data)
        _check_request_id(case, memo)
        assert hidden.tx_out_public_key is not None
        memo.validate(sender, hidden.recipient.subaddress_view_private(0), hidden.tx_out_public_key)

    return check


def _incorrect_sender(memo_field: str, with_request_id: bool) -> Callable[[Case, MemoCase], None]:
    def check(case: Case, hidden: MemoCase) -> None:
        claimed_sender = PublicAddress.from_protobuf(
            _hex(case, "incorrect_sender_public_address_hex_proto_bytes")
        )
        claimed_view = Point.from_bytes(
            _hex(case, "incorrect_recipient_view_public_key_hex_raw_bytes", 32)
        )
        data = _hex(case, memo_field, 64)
        _require(
            claimed_sender == hidden.recipient_address,
            "the claimed sender is not the regenerated recipient",
        )
        _require(
            claimed_view == hidden.sender_address.view_public,
            "the claimed recipient view key is not the regenerated sender's",
        )
        rebuilt = _rebuild_sender_memo(hidden, with_request_id)
        _require(rebuilt.memo_data == data, "memo bytes differ from the regenerated memo")
        memo = type(rebuilt).from_memo_data(data)
        _check_request_id(case, memo)
        # The private key behind the claimed recipient view key: the sender's c_0.
        claimed_view_private = hidden.sender.subaddress_view_private(0)
        _require(Point.mul_base(claimed_view_private) == claimed_view, "key regeneration broke")
        tx_key = hidden.tx_out_public_key
        assert tx_key is not None
        _expect_error(
            INCORRECT_SENDER_CODE,
            lambda: memo.validate(claimed_sender, claimed_view_private, tx_key),
            "validation with the file's claims",
        )
        _expect_error(
            INCORRECT_SENDER_MAC_CODE,
            lambda: memo.verify_mac(claimed_sender, claimed_view_private, tx_key),
            "the HMAC with the file's claims",
        )

    return check


def run_correct_sender_memos(path: Path, rel: str) -> FileResult:
    """0x0100 memos: regenerated byte for byte (HMAC included) and valid for the recipient."""
    check = _correct_sender("encrypted_sender_memo_hex_raw_bytes", with_request_id=False)
    return _run(path, rel, True, check).result()


def run_incorrect_sender_memos(path: Path, rel: str) -> FileResult:
    """0x0100 memos with swapped parties: validation must fail with the expected codes."""
    check = _incorrect_sender("encrypted_sender_memo_hex_raw_bytes", with_request_id=False)
    result = _run(path, rel, True, check).result()
    return attrs.evolve(result, note=f"expected errors: {INCORRECT_SENDER_CODE} (validate), "
                        f"{INCORRECT_SENDER_MAC_CODE} (HMAC alone)")


def run_correct_sender_with_payment_request_id_memos(path: Path, rel: str) -> FileResult:
    """0x0101 memos (payment request id 23): as :func:`run_correct_sender_memos`."""
    check = _correct_sender(
        "encrypted_sender_with_payment_request_id_memo_hex_raw_bytes", with_request_id=True
    )
    return _run(path, rel, True, check).result()


def run_incorrect_sender_with_payment_request_id_memos(path: Path, rel: str) -> FileResult:
    """0x0101 memos with swapped parties: as :func:`run_incorrect_sender_memos`."""
    check = _incorrect_sender(
        "encrypted_sender_with_payment_request_id_memo_hex_raw_bytes", with_request_id=True
    )
    result = _run(path, rel, True, check).result()
    return attrs.evolve(result, note=f"expected errors: {INCORRECT_SENDER_CODE} (validate), "
                        f"{INCORRECT_SENDER_MAC_CODE} (HMAC alone)")


# --- destination memos ----------------------------------------------------------------------
def run_destination_memos(path: Path, rel: str) -> FileResult:
    """0x0200 memos from ``correct_encrypted_destination_memos.jsonl`` (see the module note).

    The generator bug (notes §10 item 1) left the incorrect variant in this file. Each line
    is recognised as the variant it is: the correct one (the sender's address and the
    recipient's hash) must pass :meth:`DestinationMemo.check_address_hash`; the incorrect
    one (the recipient's address and the sender's hash) must fail it with
    ``tx.memo_address_hash_mismatch``. In both, the memo equals
    ``DestinationMemo::new(hash(recipient), 12, 13)`` byte for byte and decodes to those
    fields. The result's note names the bug and how many lines were of each variant.
    """
    variants = {"correct": 0, "incorrect": 0}

    def check(case: Case, hidden: MemoCase) -> None:
        stated_sender = PublicAddress.from_protobuf(
            _hex(case, "sender_public_address_hex_proto_bytes")
        )
        stated_hash = _hex(case, "recipient_short_address_hash_hex_raw_bytes", 16)
        data = _hex(case, "encrypted_destination_memo_hex_raw_bytes", 64)
        _require(_int(case, "total_outlay") == TOTAL_OUTLAY, "total_outlay is not 12")
        _require(_int(case, "fee") == FEE, "fee is not 13")
        recipient_hash = hidden.recipient_address.short_address_hash()
        expected = DestinationMemo.new(recipient_hash, TOTAL_OUTLAY, FEE)
        _require(expected.to_memo_data() == data, "memo bytes differ from the regenerated memo")
        memo = DestinationMemo.from_memo_data(data)
        _require(memo == expected, "memo fields do not decode to (hash, 1, 13, 12)")
        if stated_sender == hidden.sender_address:
            _require(stated_hash == recipient_hash, "correct variant with a foreign hash")
            memo.check_address_hash(stated_hash)
            variants["correct"] += 1
        elif stated_sender == hidden.recipient_address:
            _require(
                stated_hash == hidden.sender_address.short_address_hash(),
                "incorrect variant whose hash is not the sender's",
            )
            _expect_error(
                INCORRECT_DESTINATION_CODE,
                lambda: memo.check_address_hash(stated_hash),
                "the stated recipient hash",
            )
            variants["incorrect"] += 1
        else:
            raise AssertionError("the stated sender is neither regenerated account")

    result = _run(path, rel, False, check).result()
    counts = f" [lines: {variants['incorrect']} incorrect, {variants['correct']} correct]"
    return attrs.evolve(result, note=DESTINATION_BUG_NOTE + counts)
