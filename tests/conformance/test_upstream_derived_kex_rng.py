"""MobileCoin's fog KexRng known answers (fog/kex_rng/src/lib.rs): the four outputs of the
[1u8; 32] / [2u8; 32] pair, and the refusal of version 100."""

from __future__ import annotations

from refimpl.vectors.runner import run_file

REL = "upstream/mobilecoin/derived/kex_rng_kat.json"


def test_kex_rng_kat_passes_completely() -> None:
    result = run_file(REL)
    assert result.failures == ()
    assert (result.passed, result.failed) == (5, 0)
