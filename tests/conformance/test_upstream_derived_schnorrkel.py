"""MobileCoin's crypto/sig schnorrkel known answers: every signature re-signed byte for byte
and every expected verify outcome (12 items x 2 checks)."""

from __future__ import annotations

from refimpl.vectors.runner import CONFORMANCE_ROOT
from refimpl.vectors.upstream_derived import run_schnorrkel_kat

REL = "upstream/mobilecoin/derived/schnorrkel_sig_kat.json"


def test_schnorrkel_kat_passes_completely() -> None:
    result = run_schnorrkel_kat(CONFORMANCE_ROOT / REL, REL)
    assert result.failures == ()
    assert (result.passed, result.failed) == (24, 0)
