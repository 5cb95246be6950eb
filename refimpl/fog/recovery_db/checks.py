"""Argument checks of the recovery database: each refusal is a typed ``fog.recovery_db_*`` error,
raised before anything is written.

``BIGINT`` columns hold ``i64``. Values that are compared in SQL (block indices, start blocks,
expiries, ids) must fit; ``cumulative_txo_count`` and signature timestamps may be any ``u64``
and are stored as their two's-complement ``i64`` bits, as MobileCoin's ``as i64`` casts do
(``fog/sql_recovery_db/src/lib.rs``), and read back as the same ``u64``.
"""

from __future__ import annotations

import datetime
from typing import TypeVar

from refimpl.errors import FogError
from refimpl.fog.recovery_db.types import INGRESS_KEY_LEN

_T = TypeVar("_T")

I64_MAX = 2**63 - 1
_U64_LIMIT = 2**64
_REPORT_ID_MAX_CHARS = 64


def _bad_type(name: str, value: object, expected: str) -> FogError:
    return FogError("fog.recovery_db_bad_argument",
                    f"{name} must be {expected}, not {type(value).__name__}")


def _int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad_type(name, value, "an int")
    return value


def ingress_key(value: object, name: str = "ingress public key") -> bytes:
    """A 32-byte compressed Ristretto public key (its bytes; the point is not decoded)."""
    if not isinstance(value, bytes | bytearray | memoryview):
        raise _bad_type(name, value, "bytes")
    key = bytes(value)
    if len(key) != INGRESS_KEY_LEN:
        raise FogError("fog.recovery_db_bad_ingress_key",
                       f"{name} is {len(key)} bytes, not {INGRESS_KEY_LEN}")
    return key


def block_index(name: str, value: object) -> int:
    """A block index, count or expiry: ``0 <= value < 2^63``."""
    number = _int(name, value)
    if not 0 <= number <= I64_MAX:
        raise FogError("fog.recovery_db_out_of_range", f"{name} {number} is not in 0..2^63-1")
    return number


def signed_id(name: str, value: object) -> int:
    """An ``i64`` id or cursor."""
    number = _int(name, value)
    if not -I64_MAX - 1 <= number <= I64_MAX:
        raise FogError("fog.recovery_db_out_of_range", f"{name} {number} is not an i64")
    return number


def u64_bits(name: str, value: object) -> int:
    """A ``u64`` as the ``i64`` that stores its bits."""
    number = _int(name, value)
    if not 0 <= number < _U64_LIMIT:
        raise FogError("fog.recovery_db_out_of_range", f"{name} {number} is not a u64")
    return number - _U64_LIMIT if number > I64_MAX else number


def from_u64_bits(value: int) -> int:
    """The ``u64`` whose bits an ``i64`` column holds."""
    return value + _U64_LIMIT if value < 0 else value


def u32_bits(name: str, value: object) -> int:
    """A ``u32`` as the ``i32`` that stores its bits (``rng_version``)."""
    number = _int(name, value)
    if not 0 <= number < 2**32:
        raise FogError("fog.recovery_db_out_of_range", f"{name} {number} is not a u32")
    return number - 2**32 if number >= 2**31 else number


def from_u32_bits(value: int) -> int:
    """The ``u32`` whose bits an ``i32`` column holds."""
    return value + 2**32 if value < 0 else value


def report_id(value: object) -> str:
    """A fog report id: text of at most 64 characters (``VARCHAR(64)``), UTF-8, no NUL."""
    if not isinstance(value, str):
        raise _bad_type("report id", value, "a str")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FogError("fog.recovery_db_bad_report_id", "report id is not valid text") from exc
    if len(value) > _REPORT_ID_MAX_CHARS or "\0" in value:
        raise FogError("fog.recovery_db_bad_report_id",
                       f"report id has {len(value)} characters or a NUL (at most 64, no NUL)")
    return value


def opaque_bytes(name: str, value: object) -> bytes:
    """Any byte string."""
    if not isinstance(value, bytes | bytearray | memoryview):
        raise _bad_type(name, value, "bytes")
    return bytes(value)


def boolean(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _bad_type(name, value, "a bool")
    return value


def utc_naive(name: str, value: object) -> datetime.datetime:
    """A datetime as naive UTC (an aware one is converted; a naive one is taken as UTC)."""
    if not isinstance(value, datetime.datetime):
        raise _bad_type(name, value, "a datetime")
    if value.tzinfo is not None:
        return value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value


def instance(name: str, value: object, kind: type[_T]) -> _T:
    """``value`` if it is a ``kind``."""
    if not isinstance(value, kind):
        raise _bad_type(name, value, f"a {kind.__name__}")
    return value
