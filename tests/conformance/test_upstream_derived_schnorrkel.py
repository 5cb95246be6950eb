"""MobileCoin's crypto/sig schnorrkel known answers: every signature re-signed byte for byte
and every expected verify outcome (12 items x 2 cases)."""

from __future__ import annotations

from refimpl.vectors.runner import run_file

REL = "upstream/mobilecoin/derived/schnorrkel_sig_kat.json"


def test_schnorrkel_kat_passes_completely() -> None:
    result = run_file(REL)
    assert result.failures == ()
    assert (result.passed, result.failed) == (24, 0)
