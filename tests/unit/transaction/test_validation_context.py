"""The JSON form of the ledger context and of verify requests: round trips, and arbitrary JSON
gives a typed error, never another exception (refimpl/transaction/validation_context.py)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.errors import CODES, EncodingError, RefImplError
from refimpl.transaction.membership_proofs.types import (
    Range,
    TxOutMembershipElement,
    TxOutMembershipProof,
)
from refimpl.transaction.validation_context import LedgerContext, VerifyRequest
from refimpl.vectors.runner import CONFORMANCE_ROOT


@cache
def first_vector() -> dict[str, Any]:
    doc = json.loads((CONFORMANCE_ROOT / "vectors/transaction/transactions.json").read_text())
    test: dict[str, Any] = doc["testGroups"][0]["tests"][0]
    return test


def test_request_round_trip() -> None:
    test = first_vector()
    request = VerifyRequest.from_json(test)
    assert request.to_json() == {"tx": test["tx"], "context": test["context"]}
    assert VerifyRequest.from_json(json.loads(json.dumps(request.to_json()))) == request


proofs = st.builds(
    TxOutMembershipProof,
    st.integers(0, 2**64 - 1),
    st.integers(0, 2**64 - 1),
    st.lists(
        st.builds(
            TxOutMembershipElement,
            st.builds(Range, st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1)),
            st.binary(min_size=32, max_size=32),
        ),
        max_size=4,
    ),
)


@given(
    index=st.integers(0, 2**64 - 1),
    version=st.integers(0, 2**64 - 1),
    fee=st.integers(0, 2**64 - 1),
    roots=st.lists(proofs, max_size=3),
)
def test_context_round_trip(index: int, version: int, fee: int, roots: list[Any]) -> None:
    context = LedgerContext(index, version, tuple(roots), fee)
    assert LedgerContext.from_json(json.loads(json.dumps(context.to_json()))) == context


def test_decimal_strings_accepted_and_bad_numbers_rejected() -> None:
    doc = {"currentBlockIndex": "18446744073709551615", "blockVersion": 3, "minimumFee": 0,
           "rootProofs": []}
    assert LedgerContext.from_json(doc).current_block_index == 2**64 - 1
    for bad in (-1, 2**64, "12a", True, 1.5, None):
        with pytest.raises(EncodingError) as err:
            LedgerContext.from_json({**doc, "minimumFee": bad})
        assert err.value.code == "encoding.bad_json"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.floats(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=3),
    max_leaves=10,
)


@given(
    doc=st.one_of(
        json_values,
        st.fixed_dictionaries({"tx": json_values, "context": json_values}),
        st.fixed_dictionaries(
            {
                "tx": st.sampled_from(["", "0a00", "zz", "0a05"]),
                "context": st.fixed_dictionaries(
                    {
                        "currentBlockIndex": json_values,
                        "blockVersion": st.integers(-2, 6),
                        "minimumFee": json_values,
                        "rootProofs": st.lists(st.sampled_from(["", "0a", "08ff", "1a00"])),
                    }
                ),
            }
        ),
    )
)
def test_arbitrary_json_is_a_typed_error_or_a_request(doc: Any) -> None:
    try:
        VerifyRequest.from_json(doc)
    except RefImplError as exc:
        assert exc.code in CODES
