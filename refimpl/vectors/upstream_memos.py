"""Cases and operations for MobileCoin's memo vectors (``test-vectors/memos/build.rs``;
conformance/upstream/mobilecoin/SOURCE.md).

The files hold the 64 memo DATA bytes (no type bytes, not encrypted), hex encoded, with the
sender's PublicAddress as protobuf and the recipient's view public key or short address hash.
The keys behind them are not in the files: each generator seeds ``StdRng::from_seed([2u8; 32])``
(ChaCha12) and per case draws the sender's spend and view private keys, the recipient's spend
and view private keys (``Scalar::random``, 64 bytes each) and, for sender memos, a TxOut public
key (``RistrettoPoint::random``, 64 bytes). The case sources regenerate them and put them in
each case's input, so every check is byte-exact, HMAC included, and an implementation under
test needs no ChaCha12. That the regenerated keys are the file's is a structural check.

* ``memo.authenticated_sender`` (0x0100, 0x0101): the memo rebuilt from the sender's
  credential must equal all 64 bytes; validating the file's memo with the file's sender and
  the receiving view private key passes for the correct files and, for the incorrect files
  (the recipient named as sender, the sender's view key as recipient), fails with
  ``tx.memo_sender_hash_mismatch``, the HMAC alone with ``tx.memo_bad_hmac``;
* ``memo.destination``: see :func:`destination_cases` for the generator bug that file carries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import attrs

from refimpl.account.keys import AccountKey
from refimpl.account.public_address import PublicAddress
from refimpl.crypto.chacha_rng import std_rng_from_seed
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import RefImplError
from refimpl.transaction.memos import (
    AuthenticatedSenderMemo,
    AuthenticatedSenderWithPaymentRequestIdMemo,
    DestinationMemo,
    SenderMemoCredential,
)
from refimpl.vectors.cases import Built, CaseList, build_case
from refimpl.vectors.inputs import hexbytes, integer, read_jsonl, text

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
    "generator bug (test-vectors/memos/build.rs): write_incorrect_encrypted_destination_"
    "memos writes the same CorrectEncryptedDestinationMemoData type, hence the same file name, "
    "after write_correct_encrypted_destination_memos, so this 'correct' file holds the "
    "INCORRECT variant (sender_public_address is the recipient's, recipient_short_address_hash "
    "is the sender's); each line is checked as the variant it is: memo bytes regenerated "
    "exactly, and for the incorrect variant the stated recipient hash is refused with "
    f"{INCORRECT_DESTINATION_CODE}"
)

Line = dict[str, Any]


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


def _outcome(action: Callable[[], object]) -> str:
    """``"ok"``, or the code of the typed refusal."""
    try:
        action()
    except RefImplError as exc:
        return exc.code
    return "ok"


# --- operations -------------------------------------------------------------------------------


def authenticated_sender(case: dict[str, Any]) -> dict[str, Any]:
    """``memo.authenticated_sender`` (docs/conformance.md; ``transaction/extra/src/memo/
    authenticated_sender*.rs``).

    Input: ``senderSpendPrivateKey``, ``senderViewPrivateKey`` (the sender's account; the
    credential is its default subaddress), ``recipientViewPublicKey`` (the receiving
    subaddress's view public key), ``txOutPublicKey``, ``paymentRequestId`` (present: memo
    type 0x0101, else 0x0100), ``memoData`` (64 bytes to check), ``claimedSender`` (a
    PublicAddress protobuf) and ``receivingViewPrivateKey`` (``c_i`` of the receiving
    subaddress). Output: ``memoData`` (the memo built from the credential), ``validation``
    and ``macCheck`` (``"ok"`` or the refusal's code for the input memo, the claimed sender
    and the receiving key), and for 0x0101 the ``paymentRequestId`` the input memo carries.
    """
    sender = AccountKey(
        Scalar.from_canonical_bytes(hexbytes(case, "senderSpendPrivateKey", 32)),
        Scalar.from_canonical_bytes(hexbytes(case, "senderViewPrivateKey", 32)),
    )
    credential = SenderMemoCredential.from_account_key(sender)
    view_public = Point.from_bytes(hexbytes(case, "recipientViewPublicKey", 32))
    tx_key = Point.from_bytes(hexbytes(case, "txOutPublicKey", 32))
    memo_type: type[AuthenticatedSenderMemo] | type[AuthenticatedSenderWithPaymentRequestIdMemo]
    out: dict[str, Any] = {}
    data = hexbytes(case, "memoData", 64)
    if "paymentRequestId" in case:
        memo_type = AuthenticatedSenderWithPaymentRequestIdMemo
        built: AuthenticatedSenderMemo | AuthenticatedSenderWithPaymentRequestIdMemo = (
            AuthenticatedSenderWithPaymentRequestIdMemo.new(
                credential, view_public, tx_key, integer(case, "paymentRequestId")))
        out["paymentRequestId"] = memo_type.from_memo_data(data).payment_request_id
    else:
        memo_type = AuthenticatedSenderMemo
        built = AuthenticatedSenderMemo.new(credential, view_public, tx_key)
    memo = memo_type.from_memo_data(data)
    claimed = PublicAddress.from_protobuf(hexbytes(case, "claimedSender"))
    receiving = Scalar.from_canonical_bytes(hexbytes(case, "receivingViewPrivateKey", 32))
    out["memoData"] = built.memo_data.hex()
    out["validation"] = _outcome(lambda: memo.validate(claimed, receiving, tx_key))
    out["macCheck"] = _outcome(lambda: memo.verify_mac(claimed, receiving, tx_key))
    return out


def destination(case: dict[str, Any]) -> dict[str, Any]:
    """``memo.destination`` (``transaction/extra/src/memo/destination.rs``).

    Input: ``recipient`` (PublicAddress protobuf), ``totalOutlay``, ``fee``, ``memoData`` (64
    bytes to check) and ``statedRecipientHash`` (16 bytes). Output: ``memoData`` (the memo
    ``DestinationMemo::new(hash(recipient), totalOutlay, fee)``), ``decoded`` (the input
    memo's ``addressHash``, ``numRecipients``, ``fee``, ``totalOutlay``) and ``hashCheck``
    (``"ok"`` or the code of checking the input memo against ``statedRecipientHash``).
    """
    recipient = PublicAddress.from_protobuf(hexbytes(case, "recipient"))
    built = DestinationMemo.new(
        recipient.short_address_hash(), integer(case, "totalOutlay"), integer(case, "fee"))
    memo = DestinationMemo.from_memo_data(hexbytes(case, "memoData", 64))
    stated = hexbytes(case, "statedRecipientHash")
    return {
        "memoData": built.to_memo_data().hex(),
        "decoded": {"addressHash": memo.address_hash.hex(), "numRecipients": memo.num_recipients,
                    "fee": memo.fee, "totalOutlay": memo.total_outlay},
        "hashCheck": _outcome(lambda: memo.check_address_hash(stated)),
    }


# --- case sources -----------------------------------------------------------------------------


def _same(build: Callable[[], object], want: object) -> bool:
    try:
        return build() == want
    except (RefImplError, KeyError, TypeError, ValueError):
        return False


def _address_of(line: Line, key: str) -> Callable[[], PublicAddress]:
    return lambda: PublicAddress.from_protobuf(hexbytes(line, key))


def _view_key_of(line: Line, key: str) -> Callable[[], Point]:
    return lambda: Point.from_bytes(hexbytes(line, key, 32))


def _sender_cases(path: Path, rel: str, memo_field: str, with_request_id: bool,
                  incorrect: bool) -> CaseList:
    cases = CaseList()
    prefix = "incorrect_" if incorrect else ""
    sender_key = f"{prefix}sender_public_address_hex_proto_bytes"
    view_key = f"{prefix}recipient_view_public_key_hex_raw_bytes"
    regenerated = regenerate_cases(with_tx_out_public_key=True)
    for line_no, line in read_jsonl(path):
        hidden = next(regenerated)
        # the correct files name the parties; the incorrect ones swap them
        named_sender, named_view_of = (
            (hidden.recipient_address, hidden.sender) if incorrect
            else (hidden.sender_address, hidden.recipient))
        cases.check(f"line {line_no}: {sender_key} is the regenerated account's",
                    _same(_address_of(line, sender_key), named_sender))
        cases.check(f"line {line_no}: {view_key} is the regenerated account's",
                    _same(_view_key_of(line, view_key),
                          named_view_of.default_subaddress().view_public))

        def build(line: Line = line, hidden: MemoCase = hidden,
                  receiving: AccountKey = named_view_of) -> Built:
            assert hidden.tx_out_public_key is not None
            case_input: dict[str, Any] = {
                "senderSpendPrivateKey": hidden.sender.spend_private.to_bytes().hex(),
                "senderViewPrivateKey": hidden.sender.view_private.to_bytes().hex(),
                "recipientViewPublicKey":
                    hidden.recipient_address.view_public.to_bytes().hex(),
                "txOutPublicKey": hidden.tx_out_public_key.to_bytes().hex(),
                "memoData": text(line, memo_field),
                "claimedSender": text(line, sender_key),
                "receivingViewPrivateKey":
                    receiving.subaddress_view_private(0).to_bytes().hex(),
            }
            expected: dict[str, Any] = {
                "memoData": text(line, memo_field),
                "validation": INCORRECT_SENDER_CODE if incorrect else "ok",
                "macCheck": INCORRECT_SENDER_MAC_CODE if incorrect else "ok",
            }
            if with_request_id:
                case_input["paymentRequestId"] = PAYMENT_REQUEST_ID
                expected["paymentRequestId"] = integer(line, "payment_request_id")
            return case_input, expected

        cases.append(build_case(rel, line_no, "memo.authenticated_sender", build))
    if incorrect:
        cases.note = (f"expected: validation {INCORRECT_SENDER_CODE}, "
                      f"HMAC alone {INCORRECT_SENDER_MAC_CODE}")
    return cases


_SENDER_FIELD = "encrypted_sender_memo_hex_raw_bytes"
_SENDER_ID_FIELD = "encrypted_sender_with_payment_request_id_memo_hex_raw_bytes"


def correct_sender_cases(path: Path, rel: str) -> CaseList:
    """0x0100 memos: rebuilt byte for byte (HMAC included) and valid for the recipient."""
    return _sender_cases(path, rel, _SENDER_FIELD, with_request_id=False, incorrect=False)


def incorrect_sender_cases(path: Path, rel: str) -> CaseList:
    """0x0100 memos with swapped parties: validation must fail with the expected codes."""
    return _sender_cases(path, rel, _SENDER_FIELD, with_request_id=False, incorrect=True)


def correct_sender_with_payment_request_id_cases(path: Path, rel: str) -> CaseList:
    """0x0101 memos (payment request id 23): as :func:`correct_sender_cases`."""
    return _sender_cases(path, rel, _SENDER_ID_FIELD, with_request_id=True, incorrect=False)


def incorrect_sender_with_payment_request_id_cases(path: Path, rel: str) -> CaseList:
    """0x0101 memos with swapped parties: as :func:`incorrect_sender_cases`."""
    return _sender_cases(path, rel, _SENDER_ID_FIELD, with_request_id=True, incorrect=True)


def destination_cases(path: Path, rel: str) -> CaseList:
    """0x0200 memos from ``correct_encrypted_destination_memos.jsonl`` (see the module note).

    The generator bug left the incorrect variant in this file. Each line is recognised as the
    variant it is (a structural check fails when it is neither): the correct one (the
    sender's address and the recipient's hash) must pass the hash check; the incorrect one
    (the recipient's address and the sender's hash) must fail it with
    ``tx.memo_address_hash_mismatch``. In both, the memo equals
    ``DestinationMemo::new(hash(recipient), 12, 13)`` byte for byte and decodes to those
    fields. The note names the bug and how many lines were of each variant.
    """
    cases = CaseList()
    variants = {"correct": 0, "incorrect": 0, "neither": 0}
    regenerated = regenerate_cases(with_tx_out_public_key=False)
    for line_no, line in read_jsonl(path):
        hidden = next(regenerated)
        stated = _address_of(line, "sender_public_address_hex_proto_bytes")
        if _same(stated, hidden.sender_address):
            variant, want_hash = "correct", hidden.recipient_address.short_address_hash()
        elif _same(stated, hidden.recipient_address):
            variant, want_hash = "incorrect", hidden.sender_address.short_address_hash()
        else:
            variant, want_hash = "neither", b""
        variants[variant] += 1
        cases.check(f"line {line_no}: the stated sender is a regenerated account",
                    variant != "neither")
        stated_hash = partial(hexbytes, line, "recipient_short_address_hash_hex_raw_bytes", 16)
        cases.check(f"line {line_no}: the stated hash is the other account's",
                    variant == "neither" or _same(stated_hash, want_hash))
        recipient_hash = hidden.recipient_address.short_address_hash()

        def build(line: Line = line, hidden: MemoCase = hidden, variant: str = variant,
                  recipient_hash: bytes = recipient_hash) -> Built:
            return (
                {"recipient": hidden.recipient_address.to_protobuf().hex(),
                 "totalOutlay": TOTAL_OUTLAY, "fee": FEE,
                 "memoData": text(line, "encrypted_destination_memo_hex_raw_bytes"),
                 "statedRecipientHash": text(line, "recipient_short_address_hash_hex_raw_bytes")},
                {"memoData": text(line, "encrypted_destination_memo_hex_raw_bytes"),
                 "decoded": {"addressHash": recipient_hash.hex(), "numRecipients": 1,
                             "fee": integer(line, "fee"),
                             "totalOutlay": integer(line, "total_outlay")},
                 "hashCheck": INCORRECT_DESTINATION_CODE if variant == "incorrect" else "ok"},
            )

        cases.append(build_case(rel, line_no, "memo.destination", build))
    cases.note = (DESTINATION_BUG_NOTE + f" [lines: {variants['incorrect']} incorrect, "
                  f"{variants['correct']} correct]")
    return cases

