"""TLC's printed values parsed to Python/JSON (refimpl/formal/tla_value.py).

Values are written as TLC 2.15 prints them in counterexamples (multi-line records inside
``:>``/``@@`` functions, tuples as function keys); a Hypothesis printer of arbitrary values in
TLC syntax parses back to the same value.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.errors import FormalError
from refimpl.formal.tla_value import (
    ModelValue,
    TlaFunction,
    TlaRecord,
    TlaSeq,
    TlaSet,
    TlaValue,
    format_tla,
    parse_tla,
    parse_value,
    to_json,
)

# A state variable of MCSCPSplit's counterexample, as TLC 2.15 printed it.
STORE = """( n1 :>
      ( n1 :>
            [ Y |-> {},
              B |-> [n |-> 0, x |-> {}],
              type |-> "NONE",
              CN |-> 0 ] @@
        n2 :>
            [ Y |-> {1},
              B |-> [n |-> 1, x |-> {1, 2}],
              type |-> "NOMPREP",
              CN |-> 0 ] ) )"""


def test_counterexample_store_becomes_nested_objects() -> None:
    assert parse_value(STORE) == {"n1": {
        "n1": {"Y": [], "B": {"n": 0, "x": []}, "type": "NONE", "CN": 0},
        "n2": {"Y": [1], "B": {"n": 1, "x": [1, 2]}, "type": "NOMPREP", "CN": 0}}}


def test_tuple_keys_become_pairs_and_sets_are_sorted() -> None:
    text = '(<<"A", "init", 1>> :> [key |-> {3, -1, 2}] @@ <<"B", "resp", 1>> :> <<>>)'
    assert parse_value(text) == [[["A", "init", 1], {"key": [-1, 2, 3]}],
                                 [["B", "resp", 1], []]]


def test_scalars_intervals_and_escapes() -> None:
    assert parse_value("TRUE") is True
    assert parse_value("-7") == -7
    assert parse_value("1..3") == [1, 2, 3]
    assert parse_value('"a\\"b\\\\c"') == 'a"b\\c'
    assert parse_tla("n1") == ModelValue("n1")
    assert parse_value("{n2, n1}") == ["n1", "n2"]
    # a function TLC printed without its parentheses (a one-variable spec's whole value)
    assert parse_value("n1 :> 1 @@ n2 :> 2") == {"n1": 1, "n2": 2}


@pytest.mark.parametrize("garbage", [
    "", "[a |-> ]", "(1 :> 2", "{1,,2}", "x y", '"open', "[1 |-> 2]", "(n1 :> 1 n2 :> 2)",
    "<<1, 2", "1..x", "$", '"bad \\q escape"',
])
def test_garbage_is_a_typed_error(garbage: str) -> None:
    with pytest.raises(FormalError) as caught:
        parse_tla(garbage)
    assert caught.value.code == "formal.bad_tla_value"


_NAMES = st.from_regex(r"[a-z][A-Za-z0-9_]{0,6}", fullmatch=True).filter(
    lambda s: s not in ("TRUE", "FALSE"))


def _values() -> st.SearchStrategy[TlaValue]:
    leaves: st.SearchStrategy[TlaValue] = st.one_of(
        st.booleans(), st.integers(-2**31, 2**31 - 1), st.text(max_size=8),
        _NAMES.map(ModelValue))

    def extend(inner: st.SearchStrategy[TlaValue]) -> st.SearchStrategy[TlaValue]:
        items = st.lists(inner, max_size=4).map(tuple)
        return st.one_of(
            items.map(TlaSet), items.map(TlaSeq),
            st.lists(st.tuples(_NAMES, inner), min_size=1, max_size=4,
                     unique_by=lambda kv: kv[0]).map(lambda kv: TlaRecord(tuple(kv))),
            st.lists(st.tuples(inner, inner), min_size=1, max_size=4)
            .map(lambda kv: TlaFunction(tuple(kv))))

    return st.recursive(leaves, extend, max_leaves=20)


@settings(max_examples=150, deadline=None)
@given(_values())
def test_printed_values_parse_back(value: TlaValue) -> None:
    text = format_tla(value)
    assert parse_tla(text) == value
    # and the JSON form does not depend on the layout TLC chose
    spread = text.replace(", ", ",\n    ").replace(" @@ ", " @@\n  ")
    if '"' not in text:  # the layout change must not touch string contents
        assert to_json(parse_tla(spread)) == to_json(value)


@given(st.dictionaries(_NAMES, st.integers(0, 9), min_size=1, max_size=4))
def test_model_value_domains_become_objects(mapping: dict[str, int]) -> None:
    function = TlaFunction(tuple((ModelValue(k), v) for k, v in mapping.items()))
    assert parse_value(format_tla(function)) == mapping
