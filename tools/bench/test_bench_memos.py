"""Benchmarks of typed memos, fog TxOutRecord recovery and the ChaCha12 StdRng (run by
`make bench`, not by `make test`).

Medians on the shared 2-core development machine (2026-11-22): destination memo decode+encode
4.7 us, sender memo new 77 us, TxOutRecord decode + recover 0.25 ms, sender memo validate
0.89 ms (dominated by ShortAddressHash: digestible over pure-Python Keccak), StdRng 4 KiB
8.8 ms (pure-Python ChaCha12), the correct sender-memo and correct TxOutRecord files together
0.29 s.
"""

from __future__ import annotations

from typing import Any

from refimpl.account.keys import AccountKey
from refimpl.crypto.chacha_rng import std_rng_from_seed
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.transaction.amount import Amount
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.memos import (
    AuthenticatedSenderMemo,
    DestinationMemo,
    SenderMemoCredential,
)
from refimpl.transaction.tx_out import TxOut
from refimpl.transaction.tx_out_record import FogTxOut, FogTxOutMetadata, TxOutRecord
from refimpl.vectors.runner import run_file

SENDER = AccountKey(Scalar(1111), Scalar(2222))
RECIPIENT = AccountKey(Scalar(3333), Scalar(4444))
CREDENTIAL = SenderMemoCredential.from_account_key(SENDER)
SENDER_ADDRESS = SENDER.default_subaddress()
RECIPIENT_VIEW_PUBLIC = RECIPIENT.default_subaddress().view_public
RECIPIENT_C0 = RECIPIENT.subaddress_view_private(0)
TX_KEY = Point.mul_base(Scalar(5555))


def test_sender_memo_new(benchmark: Any) -> None:
    benchmark(AuthenticatedSenderMemo.new, CREDENTIAL, RECIPIENT_VIEW_PUBLIC, TX_KEY)


def test_sender_memo_validate(benchmark: Any) -> None:
    memo = AuthenticatedSenderMemo.new(CREDENTIAL, RECIPIENT_VIEW_PUBLIC, TX_KEY)
    benchmark(memo.validate, SENDER_ADDRESS, RECIPIENT_C0, TX_KEY)


def test_destination_memo_round_trip(benchmark: Any) -> None:
    data = DestinationMemo.new(bytes(16), 12, 13).to_memo_data()
    benchmark(lambda: DestinationMemo.from_memo_data(data).to_memo_data())


def test_tx_out_record_decode_and_recover(benchmark: Any) -> None:
    tx_out = TxOut.new(
        2, Amount(10), RECIPIENT.default_subaddress(), Scalar(77), EncryptedFogHint.zero()
    )
    raw = TxOutRecord.new(FogTxOut.from_tx_out(tx_out), FogTxOutMetadata(1, 2, 3)).to_protobuf()

    def recover() -> TxOut:
        fog = TxOutRecord.from_protobuf(raw).get_fog_tx_out()
        return fog.try_recover_tx_out(RECIPIENT.view_private)

    benchmark(recover)


def test_std_rng_fill_4_kib(benchmark: Any) -> None:
    benchmark(lambda: std_rng_from_seed(bytes(32)).fill_bytes(4096))


def test_memo_and_record_conformance_files(benchmark: Any) -> None:
    memos = "upstream/mobilecoin/memos/correct_encrypted_sender_memos.jsonl"
    records = "upstream/mobilecoin/tx_out_records/correct_tx_out_records.jsonl"

    def both() -> int:
        a = run_file(memos)
        b = run_file(records)
        return a.passed + b.passed

    assert benchmark.pedantic(both, rounds=3, iterations=1) == 20
