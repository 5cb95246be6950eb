"""Thin ctypes binding to the libsodium 1.0.18 that the ``rbcl`` wheel bundles.

PyNaCl exposes no ristretto255 functions, so we load the library that rbcl ships. rbcl writes that
library to a fresh temporary file on every import and never removes it (``rbcl/_sodium.py``,
``tempfile.NamedTemporaryFile``); we unlink the file as soon as it is loaded (the mapping stays
valid on POSIX) and call the C functions directly, which also saves rbcl's per-call checks.

Only the handful of functions the group layer needs are bound. Semantics worth knowing:
``crypto_scalarmult_ristretto255{,_base}`` return -1 when the result is the identity (and, for
the variable-base one, when the input point is not a valid encoding). Callers validate points
on decoding, so here -1 means "identity".
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import os
from typing import Any

# rbcl/__init__ rebinds the attribute ``rbcl._sodium`` to the CDLL object; fetch the module.
_rbcl_loader = importlib.import_module("rbcl._sodium")

_lib: Any = _rbcl_loader._sodium
with contextlib.suppress(OSError):
    os.unlink(_rbcl_loader.lib_path)

if _lib.sodium_init() < 0:  # pragma: no cover - only on a broken libsodium
    raise ImportError("libsodium failed to initialise")

_IDENTITY = bytes(32)

_is_valid_point = _lib.crypto_core_ristretto255_is_valid_point
_from_hash = _lib.crypto_core_ristretto255_from_hash
_add = _lib.crypto_core_ristretto255_add
_sub = _lib.crypto_core_ristretto255_sub
_scalarmult = _lib.crypto_scalarmult_ristretto255
_scalarmult_base = _lib.crypto_scalarmult_ristretto255_base


def is_valid_point(encoding: bytes) -> bool:
    """True iff ``encoding`` is a canonical ristretto255 encoding (RFC 9496 decode succeeds).

    libsodium 1.0.18 masks bit 255 before its canonicity check, so it accepts an encoding with
    the top bit set as the same point; RFC 9496 and dalek (hence MobileCoin) reject it. Without
    this check one key image would have two accepted encodings.
    """
    if len(encoding) != 32 or encoding[31] & 0x80:
        return False
    return encoding == _IDENTITY or bool(_is_valid_point(encoding) == 1)


def from_hash(uniform: bytes) -> bytes:
    """RFC 9496 hash-to-group on 64 uniform bytes; equals dalek ``from_uniform_bytes``."""
    out = ctypes.create_string_buffer(32)
    _from_hash(out, uniform)
    return out.raw


def add(p: bytes, q: bytes) -> bytes:
    out = ctypes.create_string_buffer(32)
    if _add(out, p, q) != 0:  # pragma: no cover - inputs are validated on decode
        raise ValueError("libsodium rejected a point in add")
    return out.raw


def sub(p: bytes, q: bytes) -> bytes:
    out = ctypes.create_string_buffer(32)
    if _sub(out, p, q) != 0:  # pragma: no cover - inputs are validated on decode
        raise ValueError("libsodium rejected a point in sub")
    return out.raw


def scalarmult(scalar: bytes, point: bytes) -> bytes:
    """``scalar * point``; an identity result comes back as 32 zero bytes."""
    out = ctypes.create_string_buffer(32)
    if _scalarmult(out, scalar, point) != 0:
        return _IDENTITY
    return out.raw


def scalarmult_base(scalar: bytes) -> bytes:
    """``scalar * G``; an identity result comes back as 32 zero bytes."""
    out = ctypes.create_string_buffer(32)
    if _scalarmult_base(out, scalar) != 0:
        return _IDENTITY
    return out.raw
