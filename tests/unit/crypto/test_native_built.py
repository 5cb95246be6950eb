"""The compiled helpers are optional for users but required in CI, so that CI measures and
tests the code paths that `make run` and the benchmarks use (the fallbacks are tested too)."""

from __future__ import annotations

import os

import pytest

from refimpl.crypto import keccak, msm, strobe


@pytest.mark.skipif(not os.environ.get("CI"), reason="only CI insists on the C extensions")
def test_c_extensions_are_built_and_used_in_ci() -> None:
    assert keccak.NATIVE, "refimpl/crypto/_keccak.c was not built (is gcc installed?)"
    assert strobe.NATIVE, "the C STROBE-128 duplex of _keccak.c is not in use"
    assert msm._native is not None, "refimpl/crypto/_msm.c was not built (is gcc installed?)"
