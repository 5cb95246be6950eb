"""The digestible scheme: node encodings against hand-built Merlin transcripts, and
MobileCoin's own digest32 known answers (crypto/digestible/tests/basic.rs,
crypto/digestible/derive/test/tests/enums.rs)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.crypto.digestible import Digestible, DigestWriter, digest32, digest32_with
from refimpl.crypto.merlin import Transcript
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import EncodingError, RefImplError

# digest32::<MerlinTranscript>(b"test") values asserted by MobileCoin's tests.
KAT = {
    "u64_0": "03f063980e019550fa56b4d86e19336b1e0e57d98582a74767331d6be1fb3d1c",
    "u64_1": "ba80684cf438cb037f7b00de9ee3f01edbbc1b27d6339d520888b9fd6404756e",
    "u64_max": "c7d4714f5b38163083f4a59daa83ff1d3bf9af59ff392b324cd909db55677158",
    "u32_4": "da7a25e182afbe977857dea87f2f49c91928e2144a1bfec3a37e40ed8b3f5fc1",
    "u16_1": "cd0e19db25ab4db7cc3a1b8c3ed6fd6272f51e4b9beddb8adcc13659a5c9628b",
    "i8_m1": "e40773caa8f6de0b382ee8de02ae135eac31b73a5a24e6199b46985b1920e886",
    "i32_4": "de88e150861f3550203949c730e0b354642b6fa795f434c46a6021c51eab4a17",
    "i64_m19": "28752bd4c1d503f42b33ea1aeb26febb37b81e939db22d02ce40fa6db329facf",
    "true": "2b2f7bcc7f6471b5ba4bed7c7652b2122444c8c5e277fed8f8a950d5b1694a8b",
    "false": "b3d5c97a9ff57ec68ffbc20241865fe8c7ccfd299ece7d59b8ff5376748b0fab",
    "bytes_Moose": "4a0258a590358eb4d9bcb0e399b2990c3e9dd77887a075725fc9a9b6ee991115",
    "str_Moose": "f91be12e4d9959eb6211da807260f4d996f0c383b5b0b5bdf9a40e60d57c05e7",
    "scalar_10": "ae0f40e9e1fe2464919bc13335f2c7d994761a98e3bf4162b974d15439bee9c5",
    "point_10G": "8a9087b446d5afa2e913e34261bd6e1fc108d440f52e763676a87358a027f33f",
    "vec_u32_123": "39bce9d7a1c1efde2f1b601d3fcc3f2fc535323a3e9437116d8f7f7813322c12",
    "none": "23d56dc3e2eba2a6e4b71e17e2b813080ca618c2f754d82d7a134b8c9fe95506",
    "vec_u64_123": "188fa333a0e509de95683121c24bcdc90a641be086fc52b269f68ad92ae8de3a",
    "vec_opt_asdf_none_jkl": "d8c5db7b4a3b9b61173310bb0f122ba524a65931676f8b442332929931cdc44c",
    "vec_str_empty_empty": "9251fad19aaa8fc56ae10d35412b95a028d05ffcabc61d19107308b5cc8d35be",
    "map_19_woot": "9d5b61b735a27fcb4ee0fab507e989229bfd0bdacd83f9c1937a93d2ce78921e",
    "map_17_19_49": "ee587a37ab9007ca20ccb321cb022ba65cd010b30077bc4726b8feed5ab0b1d5",
}

Append = Callable[[DigestWriter, bytes], object]


def _test_digest(append: Append, context: bytes = b"test") -> str:
    return digest32_with(context, append).hex()


PRIMITIVE_CASES: list[tuple[str, Append]] = [
    ("u64_0", lambda w, c: w.uint64(c, 0)),
    ("u64_1", lambda w, c: w.uint64(c, 1)),
    ("u64_max", lambda w, c: w.uint64(c, 2**64 - 1)),
    ("u32_4", lambda w, c: w.uint32(c, 4)),
    ("u16_1", lambda w, c: w.uint16(c, 1)),
    ("i8_m1", lambda w, c: w.int8(c, -1)),
    ("i32_4", lambda w, c: w.int32(c, 4)),
    ("i64_m19", lambda w, c: w.int64(c, -19)),
    ("true", lambda w, c: w.bool_(c, True)),
    ("false", lambda w, c: w.bool_(c, False)),
    ("bytes_Moose", lambda w, c: w.bytes_(c, b"Moose")),
    ("str_Moose", lambda w, c: w.str_(c, "Moose")),
    ("scalar_10", lambda w, c: w.scalar(c, Scalar(10))),
    ("point_10G", lambda w, c: w.ristretto(c, Point.mul_base(Scalar(10)))),
    ("vec_u32_123", lambda w, c: w.seq(c, [1, 2, 3], w.uint32)),
    ("vec_u64_123", lambda w, c: w.seq(c, [1, 2, 3], w.uint64)),
    # Option<u64>::None, an empty Vec and Option<Vec>::None all append one none node.
    ("none", lambda w, c: w.option(c, None, w.uint64, omit_none=False)),
    ("none", lambda w, c: w.seq(c, [], w.uint64, omit_empty=False)),
]


@pytest.mark.parametrize(("name", "append"), PRIMITIVE_CASES)
def test_mobilecoin_known_answers(name: str, append: Append) -> None:
    assert _test_digest(append) == KAT[name]


def _opt_str(w: DigestWriter, c: bytes, v: str | None) -> None:
    # Elements of a Vec are appended in never-omit mode.
    w.option(c, v, lambda c2, s: w.str_(c2, s, omit_empty=False), omit_none=False)


def test_vec_of_options_known_answer() -> None:
    items = ["asdf", None, "jkl"]
    assert _test_digest(lambda w, c: w.seq(c, items, lambda c2, v: _opt_str(w, c2, v))) == KAT[
        "vec_opt_asdf_none_jkl"
    ]
    reordered = ["asdf", "jkl", None]
    assert _test_digest(
        lambda w, c: w.seq(c, reordered, lambda c2, v: _opt_str(w, c2, v))
    ) != KAT["vec_opt_asdf_none_jkl"]


def test_vec_of_empty_strings_is_not_omitted() -> None:
    digest = _test_digest(
        lambda w, c: w.seq(c, ["", ""], lambda c2, s: w.str_(c2, s, omit_empty=False))
    )
    assert digest == KAT["vec_str_empty_empty"]


def _btree_map(w: DigestWriter, c: bytes, entries: dict[int, str]) -> None:
    pairs = sorted(entries.items())
    w.seq(
        c,
        pairs,
        lambda c2, kv: w.tuple2(
            c2, lambda c3: w.uint64(c3, kv[0]), lambda c3: w.str_(c3, kv[1], omit_empty=False)
        ),
        omit_empty=False,
    )


def test_btree_map_known_answers() -> None:
    assert _test_digest(lambda w, c: _btree_map(w, c, {})) == KAT["none"]
    assert _test_digest(lambda w, c: _btree_map(w, c, {19: "woot"})) == KAT["map_19_woot"]
    three = {19: "woot", 17: "megapile", 49: "electric"}
    assert _test_digest(lambda w, c: _btree_map(w, c, three)) == KAT["map_17_19_49"]


# --- derived aggregates and variants (derive/test/tests/enums.rs) -----------------------


class ExampleStruct:
    """``#[derive(Digestible)] struct ExampleStruct { a: u16, b: u16, c: u16 }``."""

    def __init__(self, a: int, b: int, c: int) -> None:
        self.a, self.b, self.c = a, b, c

    def append_to(self, w: DigestWriter, ctx: bytes) -> None:
        w.agg(ctx, b"ExampleStruct", lambda: (
            w.uint16(b"a", self.a), w.uint16(b"b", self.b), w.uint16(b"c", self.c)
        ))


class ExampleEnum:
    """``enum ExampleEnum { A(u16), B(ExampleStruct), C(bool) }`` (not transparent)."""

    def __init__(self, which: int, payload: int | bool | ExampleStruct) -> None:
        self.which, self.payload = which, payload

    def append_to(self, w: DigestWriter, ctx: bytes) -> None:
        name = b"ABC"[self.which : self.which + 1]
        payload = self.payload

        def append_payload(c: bytes) -> None:
            if isinstance(payload, ExampleStruct):
                w.value(c, payload)
            elif isinstance(payload, bool):
                w.bool_(c, payload)
            else:
                w.uint16(c, payload)

        w.var(ctx, b"ExampleEnum", self.which, name, append_payload)


class ExampleStruct2:
    """``#[digestible(name = "ExampleStruct")] struct { a: u16, b: u16, c: ExampleEnum }``."""

    def __init__(self, a: int, b: int, c: ExampleEnum) -> None:
        self.a, self.b, self.c = a, b, c

    def append_to(self, w: DigestWriter, ctx: bytes) -> None:
        w.fields(ctx, b"ExampleStruct", [
            lambda: w.uint16(b"a", self.a),
            lambda: w.uint16(b"b", self.b),
            lambda: w.value(b"c", self.c),
        ])


ENUM_KAT = {
    "enum_A3": ("dc128a5196fe5613fb72b71a24a395e2649e44d5bedb52dce4948bbe6ef4eedc", b"A_test"),
    "enum_B012": ("32f6f79363efb934c7e0208b6938bc6792af4a47972a127b26a3b45516807eb1", b"B_test"),
    "enum_Ctrue": ("dc88965388aa4b8bbedcb72f54ae35f4be404b9afe15fc99761f8bddabaacf79", b"C_test"),
    "struct1": ("133509c69c22902ba24e3220833da7110d8be44604917824a0768356e09a0a6e", b"foo1"),
    "struct2": ("9ff4ea3977f47b98932c7134b575a2e942492ed2ff126e8c13140fad80bdd52f", b"foo1"),
}


def test_derived_struct_and_enum_known_answers() -> None:
    values: dict[str, Digestible] = {
        "enum_A3": ExampleEnum(0, 3),
        "enum_B012": ExampleEnum(1, ExampleStruct(0, 1, 2)),
        "enum_Ctrue": ExampleEnum(2, True),
        "struct1": ExampleStruct(0, 1, 2),
        "struct2": ExampleStruct2(0, 1, ExampleEnum(2, True)),
    }
    for name, value in values.items():
        expected, context = ENUM_KAT[name]
        assert isinstance(value, Digestible)
        assert digest32(value, context).hex() == expected, name


# --- node encodings against transcripts built by hand -----------------------------------


def _by_hand(context: bytes, steps: list[tuple[bytes, bytes]]) -> bytes:
    t = Transcript(b"digestible")
    for label, data in steps:
        t.append_message(label, data)
    return t.challenge_bytes(b"digest32", 32)


labels = st.binary(max_size=12)
payloads = st.binary(max_size=80)


@given(ctx=labels, type_name=labels, data=payloads)
def test_prim_node(ctx: bytes, type_name: bytes, data: bytes) -> None:
    got = digest32_with(ctx, lambda w, c: w.prim(c, type_name, data))
    assert got == _by_hand(ctx, [(ctx, b"prim"), (type_name, data)])


@given(ctx=labels, name=labels, a=st.integers(0, 2**64 - 1), b=payloads)
def test_agg_node(ctx: bytes, name: bytes, a: int, b: bytes) -> None:
    got = digest32_with(
        ctx, lambda w, c: w.agg(c, name, lambda: (w.uint64(b"a", a), w.bytes_(b"b", b)))
    )
    steps = [(ctx, b"agg"), (b"name", name), (b"a", b"prim"), (b"uint", a.to_bytes(8, "little"))]
    if b:
        steps += [(b"b", b"prim"), (b"bytes", b)]
    steps += [(ctx, b"agg-end"), (b"name", name)]
    assert got == _by_hand(ctx, steps)


@given(ctx=labels, items=st.lists(payloads, max_size=4), keep_empty=st.booleans())
def test_seq_node(ctx: bytes, items: list[bytes], keep_empty: bool) -> None:
    got = digest32_with(
        ctx,
        lambda w, c: w.seq(
            c, items, lambda c2, x: w.bytes_(c2, x, omit_empty=False), omit_empty=not keep_empty
        ),
    )
    if items:
        steps = [(ctx, b"seq"), (b"len", len(items).to_bytes(8, "little"))]
        for x in items:
            steps += [(b"", b"prim"), (b"bytes", x)]
    else:
        steps = [(ctx, b"")] if keep_empty else []
    assert got == _by_hand(ctx, steps)


@given(ctx=labels, which=st.integers(0, 2**32 - 1), variant=labels, unit=st.booleans())
def test_var_node(ctx: bytes, which: int, variant: bytes, unit: bool) -> None:
    def append(w: DigestWriter, c: bytes) -> None:
        w.var(c, b"Enum", which, variant, None if unit else (lambda c2: w.bool_(c2, True)))

    steps = [(ctx, b"var"), (b"name", b"Enum"), (b"which", which.to_bytes(4, "little"))]
    steps += [(variant, b"")] if unit else [(variant, b"prim"), (b"bool", b"\x01")]
    assert digest32_with(ctx, append) == _by_hand(ctx, steps)


def test_allow_omit_rules() -> None:
    """Empty bytes/str/sequences and absent options vanish from an aggregate by default."""
    def with_empties(w: DigestWriter, c: bytes) -> None:
        w.agg(c, b"S", lambda: (
            w.uint64(b"x", 5),
            w.bytes_(b"e", b""),
            w.str_(b"s", ""),
            w.seq(b"v", [], w.uint64),
            w.option(b"o", None, w.uint64),
        ))

    def without(w: DigestWriter, c: bytes) -> None:
        w.agg(c, b"S", lambda: w.uint64(b"x", 5))

    def never_omit(w: DigestWriter, c: bytes) -> None:
        w.agg(c, b"S", lambda: (w.uint64(b"x", 5), w.bytes_(b"e", b"", omit_empty=False)))

    assert digest32_with(b"t", with_empties) == digest32_with(b"t", without)
    assert digest32_with(b"t", never_omit) != digest32_with(b"t", without)
    assert digest32_with(b"t", never_omit) == _by_hand(b"t", [
        (b"t", b"agg"), (b"name", b"S"), (b"x", b"prim"), (b"uint", (5).to_bytes(8, "little")),
        (b"e", b"prim"), (b"bytes", b""), (b"t", b"agg-end"), (b"name", b"S"),
    ])


# --- bad inputs give typed errors ---------------------------------------------------------


@given(n=st.one_of(st.integers(max_value=-1), st.integers(min_value=2**64)))
def test_out_of_range_uint_is_typed_error(n: int) -> None:
    with pytest.raises(EncodingError) as info:
        digest32_with(b"t", lambda w, c: w.uint64(c, n))
    assert info.value.code == "encoding.integer_out_of_range"


@given(data=st.binary().filter(lambda b: len(b) != 32))
def test_wrong_length_point_and_scalar_are_typed_errors(data: bytes) -> None:
    for append in (
        lambda w, c: w.ristretto(c, data),
        lambda w, c: w.scalar(c, data),
        lambda w, c: w.ed25519(c, data),
    ):
        with pytest.raises(RefImplError) as info:
            digest32_with(b"t", append)
        assert info.value.code == "encoding.bad_length"


@given(n=st.integers(), width=st.sampled_from(["int8", "int16", "int32", "int64", "uint16",
                                               "uint32", "uint64"]))
def test_any_integer_digests_or_raises_typed_error(n: int, width: str) -> None:
    try:
        digest = digest32_with(b"t", lambda w, c: getattr(w, width)(c, n))
    except EncodingError as exc:
        assert exc.code == "encoding.integer_out_of_range"
    else:
        assert len(digest) == 32


def test_lone_surrogate_string_is_typed_error() -> None:
    with pytest.raises(EncodingError) as info:
        digest32_with(b"t", lambda w, c: w.str_(c, "\ud800"))
    assert info.value.code == "encoding.bad_utf8"
