"""TLC's printed values (the text of a counterexample state) parsed into Python and JSON values.

TLC 2.15 prints values as TLA+ expressions (tlc2.value.impl ``*Value.toString``): records
``[a |-> 1, b |-> {}]``, functions ``(n1 :> 1 @@ n2 :> 2)`` (a function whose domain is ``1..k``
prints as a sequence), sets ``{1, 2}`` and intervals ``1..3``, sequences and tuples
``<<1, "a">>``, strings ``"x"`` with ``\\"``/``\\\\`` escapes, integers, ``TRUE``/``FALSE`` and
model values (bare identifiers such as ``n1``).

:func:`parse_tla` gives a typed value (:class:`TlaRecord`, :class:`TlaFunction`, :class:`TlaSet`,
:class:`TlaSeq`, :class:`ModelValue`, ``int``, ``bool``, ``str``) that :func:`format_tla` prints
back; :func:`to_json` turns it into JSON: records and functions whose domain holds only strings
or model values become objects keyed by the domain element, other functions lists of
``[key, value]``, sets sorted lists, sequences lists, model values their names.  Text that is
not such a value raises ``FormalError("formal.bad_tla_value")``.
"""

from __future__ import annotations

import json
import re

import attrs

from refimpl.errors import FormalError


@attrs.frozen
class ModelValue:
    """A TLC model value (a constant of the .cfg such as ``n1``), printed as its bare name."""

    name: str


@attrs.frozen
class TlaSet:
    items: tuple[TlaValue, ...]


@attrs.frozen
class TlaSeq:
    items: tuple[TlaValue, ...]


@attrs.frozen
class TlaRecord:
    fields: tuple[tuple[str, TlaValue], ...]


@attrs.frozen
class TlaFunction:
    pairs: tuple[tuple[TlaValue, TlaValue], ...]


TlaValue = bool | int | str | ModelValue | TlaSet | TlaSeq | TlaRecord | TlaFunction
Json = None | bool | int | float | str | list["Json"] | dict[str, "Json"]

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<int>-?\d+)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>\|->|:>|@@|<<|>>|\.\.|[\[\](){},])
""", re.VERBOSE)
_ESCAPES = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "r": "\r", "f": "\f"}


def _bad(text: str, why: str) -> FormalError:
    shown = text if len(text) <= 80 else text[:77] + "..."
    return FormalError("formal.bad_tla_value", f"not a TLC value ({why}): {shown!r}")


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise _bad(text, f"unexpected character {text[pos]!r} at offset {pos}")
        kind = match.lastgroup or ""
        if kind != "space":
            found.append((kind, match.group()))
        pos = match.end()
    return found


def _unescape(token: str, text: str) -> str:
    out: list[str] = []
    chars = iter(token[1:-1])
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "")
            if nxt not in _ESCAPES:
                raise _bad(text, f"unknown string escape \\{nxt}")
            out.append(_ESCAPES[nxt])
        else:
            out.append(ch)
    return "".join(out)


class _Parser:
    """Recursive descent over the token list (one value, then the end of the text)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.pos = 0

    def peek(self) -> str | None:
        return self.toks[self.pos][1] if self.pos < len(self.toks) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.toks):
            raise _bad(self.text, "unexpected end")
        tok = self.toks[self.pos]
        if expected is not None and tok[1] != expected:
            raise _bad(self.text, f"expected {expected!r}, found {tok[1]!r}")
        self.pos += 1
        return tok

    def items(self, close: str) -> list[TlaValue]:
        found: list[TlaValue] = []
        if self.peek() == close:
            self.take()
            return found
        while True:
            found.append(self.value())
            if self.take()[1] == close:
                return found
            if self.toks[self.pos - 1][1] != ",":
                raise _bad(self.text, f"expected ',' or {close!r}")

    def value(self) -> TlaValue:
        kind, tok = self.take()
        if kind == "string":
            return _unescape(tok, self.text)
        if kind == "int":
            low = int(tok)
            if self.peek() == "..":  # an interval value: a set of integers
                self.take()
                high_kind, high = self.take()
                if high_kind != "int":
                    raise _bad(self.text, "interval bound is not an integer")
                return TlaSet(tuple(range(low, int(high) + 1)))
            return low
        if kind == "ident":
            return {"TRUE": True, "FALSE": False}.get(tok, ModelValue(tok))
        if tok == "{":
            return TlaSet(tuple(self.items("}")))
        if tok == "<<":
            return TlaSeq(tuple(self.items(">>")))
        if tok == "[":
            return self.record()
        if tok == "(":
            return self.function()
        raise _bad(self.text, f"unexpected {tok!r}")

    def record(self) -> TlaRecord:
        fields: list[tuple[str, TlaValue]] = []
        while True:
            kind, name = self.take()
            if kind != "ident":
                raise _bad(self.text, f"record field name expected, found {name!r}")
            self.take("|->")
            fields.append((name, self.value()))
            if self.take()[1] == "]":
                return TlaRecord(tuple(fields))
            if self.toks[self.pos - 1][1] != ",":
                raise _bad(self.text, "expected ',' or ']' in a record")

    def function(self) -> TlaFunction:
        pairs: list[tuple[TlaValue, TlaValue]] = []
        while True:
            key = self.value()
            self.take(":>")
            pairs.append((key, self.value()))
            if self.take()[1] == ")":
                return TlaFunction(tuple(pairs))
            if self.toks[self.pos - 1][1] != "@@":
                raise _bad(self.text, "expected '@@' or ')' in a function")


def parse_tla(text: str) -> TlaValue:
    """The value TLC printed as ``text`` (a whole state variable's value, possibly multi-line).

    A top-level function printed without its parentheses (``n1 :> 1 @@ n2 :> 2``) is accepted.
    """
    stripped = text.strip()
    if not stripped:
        raise _bad(text, "empty")
    parser = _Parser(stripped)
    value = parser.value()
    if parser.peek() == ":>":
        parser = _Parser(f"({stripped})")
        value = parser.value()
    if parser.pos != len(parser.toks):
        raise _bad(text, f"trailing text from {parser.toks[parser.pos][1]!r}")
    return value


def _sort_key(value: Json) -> tuple[int, object]:
    if isinstance(value, bool):
        return (0, value)
    if isinstance(value, int):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    return (3, json.dumps(value, sort_keys=True, ensure_ascii=False))


def to_json(value: TlaValue) -> Json:
    """The JSON form described in the module docstring (sets sorted, model values as names)."""
    if isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, ModelValue):
        return value.name
    if isinstance(value, TlaSet):
        return sorted((to_json(v) for v in value.items), key=_sort_key)
    if isinstance(value, TlaSeq):
        return [to_json(v) for v in value.items]
    if isinstance(value, TlaRecord):
        return {name: to_json(v) for name, v in value.fields}
    if all(isinstance(k, (str, ModelValue)) for k, _ in value.pairs):
        return {to_json(k): to_json(v) for k, v in value.pairs}  # type: ignore[misc]
    return [[to_json(k), to_json(v)] for k, v in value.pairs]


def parse_value(text: str) -> Json:
    """``to_json(parse_tla(text))``."""
    return to_json(parse_tla(text))


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") \
        .replace("\t", "\\t").replace("\r", "\\r").replace("\f", "\\f") + '"'


def format_tla(value: TlaValue) -> str:
    """Print a value in TLC's syntax on one line (the inverse of :func:`parse_tla`)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, ModelValue):
        return value.name
    if isinstance(value, TlaSet):
        return "{" + ", ".join(format_tla(v) for v in value.items) + "}"
    if isinstance(value, TlaSeq):
        return "<<" + ", ".join(format_tla(v) for v in value.items) + ">>"
    if isinstance(value, TlaRecord):
        return "[" + ", ".join(f"{k} |-> {format_tla(v)}" for k, v in value.fields) + "]"
    return "(" + " @@ ".join(f"{format_tla(k)} :> {format_tla(v)}"
                             for k, v in value.pairs) + ")"
