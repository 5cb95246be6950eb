"""Noise_IX_25519_AESGCM_SHA512 and Noise_NX_25519_AESGCM_SHA512 as sans-I/O state machines.

Implements the Noise Protocol Framework, revision 34 (Trevor Perrin, 2018): §5.1 CipherState, §5.2
SymmetricState, §5.3 HandshakeState, §7.5 the IX and NX interactive patterns, §11.2 REKEY; with the
functions MobileCoin instantiates in ``crypto/noise`` (``protocol_name.rs``, ``cipher_state.rs``):

* DH = X25519 (``cryptography``); an all-zero shared secret (low-order point) is refused.
* Cipher = AES-256-GCM, nonce = 4 zero bytes ‖ 8-byte big-endian counter, AD = h during the
  handshake; nonce 2⁶⁴−1 is reserved (REKEY encrypts 32 zero bytes under it).
* Hash = SHA-512 (HASHLEN 64); HKDF(ck, ikm) = HMAC-SHA512 with ck as key, as §4.3.
* Prologue = the responder's ResponderId bytes (MobileCoin's channel, ``refimpl.enclave.channel``).

Every state is a frozen value: ``write_message``/``read_message`` return the next state and
the bytes produced, so a handshake is a pure function of its inputs. Ephemeral keys come from
an injected ``rng(n) -> bytes`` (32 bytes each), which makes vectors reproducible.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Literal

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from refimpl.errors import CryptoError

Rng = Callable[[int], bytes]
Pattern = Literal["IX", "NX"]

DHLEN = 32
HASHLEN = 64
TAGLEN = 16
MAX_MESSAGE_LEN = 65535  # Noise §3: every handshake and transport message fits in 65535 bytes
MAX_NONCE = 2**64 - 1  # reserved (Noise §5.1): never used to encrypt a message

# Noise §7.5: the token lists of each message, initiator's first.
_PATTERNS: dict[str, tuple[tuple[str, ...], ...]] = {
    "IX": (("e", "s"), ("e", "ee", "se", "s", "es")),
    "NX": (("e",), ("e", "ee", "s", "es")),
}


def protocol_name(pattern: Pattern) -> bytes:
    """The full protocol name MobileCoin uses for ``pattern``."""
    return f"Noise_{pattern}_25519_AESGCM_SHA512".encode()


# --- primitives (Noise §4) -----------------------------------------------------------------


def _check_key(data: bytes, what: str) -> bytes:
    if len(data) != DHLEN:
        raise CryptoError("crypto.noise_bad_key", f"{what} must be {DHLEN} bytes, got {len(data)}")
    return bytes(data)


def x25519_public(private: bytes) -> bytes:
    """The X25519 public key of a 32-byte private key (RFC 7748 §5, clamping included)."""
    key = X25519PrivateKey.from_private_bytes(_check_key(private, "private key"))
    return key.public_key().public_bytes_raw()


def dh(private: bytes, public: bytes) -> bytes:
    """X25519(private, public); an all-zero result (low-order ``public``) is a typed error."""
    key = X25519PrivateKey.from_private_bytes(_check_key(private, "private key"))
    try:
        return key.exchange(X25519PublicKey.from_public_bytes(_check_key(public, "public key")))
    except ValueError as exc:
        raise CryptoError("crypto.noise_bad_key", "X25519 result is all zeros") from exc


def _nonce(n: int) -> bytes:
    return b"\x00\x00\x00\x00" + n.to_bytes(8, "big")


def _hkdf(chaining_key: bytes, ikm: bytes, outputs: int) -> tuple[bytes, ...]:
    """Noise §4.3 HKDF with HMAC-SHA512: two or three 64-byte outputs."""
    temp = hmac.digest(chaining_key, ikm, "sha512")
    out = [hmac.digest(temp, b"\x01", "sha512")]
    for i in range(2, outputs + 1):
        out.append(hmac.digest(temp, out[-1] + bytes([i]), "sha512"))
    return tuple(out)


def _aead_encrypt(key: bytes, n: int, ad: bytes, plaintext: bytes) -> bytes:
    return AESGCM(key).encrypt(_nonce(n), plaintext, ad)


def _aead_decrypt(key: bytes, n: int, ad: bytes, ciphertext: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(_nonce(n), ciphertext, ad)
    except InvalidTag as exc:
        raise CryptoError(
            "crypto.noise_decrypt_failed", f"AES-GCM tag invalid at nonce {n}"
        ) from exc


# --- CipherState (Noise §5.1) --------------------------------------------------------------


@attrs.frozen
class CipherState:
    """A key (or none) and the next nonce ``n``."""

    k: bytes | None = attrs.field(default=None, repr=False)
    n: int = 0

    def has_key(self) -> bool:
        return self.k is not None

    def _next(self) -> CipherState:
        return attrs.evolve(self, n=self.n + 1)

    def _check_nonce(self) -> None:
        if self.n >= MAX_NONCE:
            raise CryptoError("crypto.noise_nonce_exhausted", "nonce 2^64-1 is reserved; rekey")

    def encrypt_with_ad(self, ad: bytes, plaintext: bytes) -> tuple[CipherState, bytes]:
        """ENCRYPT(k, n++, ad, plaintext), or the plaintext itself when there is no key."""
        if self.k is None:
            return self, bytes(plaintext)
        self._check_nonce()
        return self._next(), _aead_encrypt(self.k, self.n, ad, plaintext)

    def decrypt_with_ad(self, ad: bytes, ciphertext: bytes) -> tuple[CipherState, bytes]:
        """DECRYPT(k, n++, ad, ciphertext); ``n`` does not advance when authentication fails."""
        if self.k is None:
            return self, bytes(ciphertext)
        self._check_nonce()
        return self._next(), _aead_decrypt(self.k, self.n, ad, ciphertext)

    def with_nonce(self, n: int) -> CipherState:
        """SetNonce (Noise §5.1): explicit nonces, as MobileCoin's ``NonceMessage``."""
        if not 0 <= n < MAX_NONCE:
            raise CryptoError("crypto.noise_nonce_exhausted", f"nonce {n} is outside 0..2^64-2")
        return attrs.evolve(self, n=n)

    def rekey(self) -> CipherState:
        """REKEY (Noise §11.2): k = first 32 bytes of ENCRYPT(k, 2^64-1, "", 32 zero bytes)."""
        if self.k is None:
            raise CryptoError("crypto.noise_wrong_state", "rekey of a cipher state without a key")
        return attrs.evolve(self, k=_aead_encrypt(self.k, MAX_NONCE, b"", bytes(32))[:32])


# --- SymmetricState (Noise §5.2) -----------------------------------------------------------


@attrs.frozen
class SymmetricState:
    """The chaining key ``ck``, the handshake hash ``h`` and the current cipher state."""

    ck: bytes
    h: bytes
    cipher: CipherState = CipherState()

    @classmethod
    def initialize(cls, name: bytes) -> SymmetricState:
        h = name.ljust(HASHLEN, b"\x00") if len(name) <= HASHLEN else hashlib.sha512(name).digest()
        return cls(ck=h, h=h)

    def mix_hash(self, data: bytes) -> SymmetricState:
        return attrs.evolve(self, h=hashlib.sha512(self.h + data).digest())

    def mix_key(self, ikm: bytes) -> SymmetricState:
        ck, temp_k = _hkdf(self.ck, ikm, 2)
        return attrs.evolve(self, ck=ck, cipher=CipherState(k=temp_k[:32]))

    def encrypt_and_hash(self, plaintext: bytes) -> tuple[SymmetricState, bytes]:
        cipher, ct = self.cipher.encrypt_with_ad(self.h, plaintext)
        return attrs.evolve(self, cipher=cipher).mix_hash(ct), ct

    def decrypt_and_hash(self, ciphertext: bytes) -> tuple[SymmetricState, bytes]:
        cipher, pt = self.cipher.decrypt_with_ad(self.h, ciphertext)
        return attrs.evolve(self, cipher=cipher).mix_hash(ciphertext), pt

    def split(self) -> tuple[CipherState, CipherState]:
        """(initiator→responder, responder→initiator) cipher states."""
        k1, k2 = _hkdf(self.ck, b"", 2)
        return CipherState(k=k1[:32]), CipherState(k=k2[:32])


# --- HandshakeState (Noise §5.3) -----------------------------------------------------------


@attrs.frozen
class TransportKeys:
    """The result of a finished handshake from one party's point of view."""

    send: CipherState
    recv: CipherState
    handshake_hash: bytes  # the channel binding h (MobileCoin's channel id)
    remote_static: bytes  # rs: the peer's X25519 static public key (b"" for an NX initiator)


@attrs.frozen
class HandshakeState:
    """One party's handshake. Build with :meth:`initiator` or :meth:`responder`."""

    pattern: Pattern
    initiator_role: bool
    symmetric: SymmetricState
    s: bytes | None = attrs.field(repr=False)  # static private key
    e: bytes | None = attrs.field(default=None, repr=False)  # ephemeral private key
    rs: bytes | None = None
    re: bytes | None = None
    message_index: int = 0

    @classmethod
    def _start(
        cls, pattern: Pattern, initiator: bool, prologue: bytes, static_private: bytes | None
    ) -> HandshakeState:
        if pattern not in _PATTERNS:
            raise CryptoError("crypto.noise_unknown_protocol", f"pattern {pattern!r}")
        needs_static = pattern == "IX" or not initiator
        if needs_static and static_private is None:
            raise CryptoError("crypto.noise_bad_key", f"{pattern} needs this party's static key")
        if static_private is not None:
            _check_key(static_private, "static private key")
        symmetric = SymmetricState.initialize(protocol_name(pattern)).mix_hash(prologue)
        return cls(pattern, initiator, symmetric, static_private if needs_static else None)

    @classmethod
    def initiator(
        cls, pattern: Pattern, prologue: bytes, static_private: bytes | None = None
    ) -> HandshakeState:
        return cls._start(pattern, True, prologue, static_private)

    @classmethod
    def responder(cls, pattern: Pattern, prologue: bytes, static_private: bytes) -> HandshakeState:
        return cls._start(pattern, False, prologue, static_private)

    @property
    def complete(self) -> bool:
        return self.message_index == len(_PATTERNS[self.pattern])

    def _is_my_turn(self) -> bool:
        return (self.message_index % 2 == 0) == self.initiator_role

    def _dh_token(self, token: str) -> bytes:
        """ee/es/se/ss: Noise §5.3 — the first letter is the initiator's key."""
        mine, theirs = (token[0], token[1]) if self.initiator_role else (token[1], token[0])
        local = self.e if mine == "e" else self.s
        remote = self.re if theirs == "e" else self.rs
        assert local is not None and remote is not None  # guaranteed by the pattern order
        return dh(local, remote)

    def write_message(self, payload: bytes, rng: Rng) -> tuple[HandshakeState, bytes]:
        """WriteMessage: the next handshake message carrying ``payload``."""
        if self.complete or not self._is_my_turn():
            raise CryptoError("crypto.noise_wrong_state", "not this party's turn to write")
        st, sym, out = self, self.symmetric, bytearray()
        for token in _PATTERNS[self.pattern][self.message_index]:
            if token == "e":
                e = _check_key(rng(DHLEN), "ephemeral from rng")
                pub = x25519_public(e)
                st, sym = attrs.evolve(st, e=e), sym.mix_hash(pub)
                out += pub
            elif token == "s":
                assert st.s is not None
                sym, ct = sym.encrypt_and_hash(x25519_public(st.s))
                out += ct
            else:
                sym = sym.mix_key(st._dh_token(token))
        sym, ct = sym.encrypt_and_hash(payload)
        out += ct
        if len(out) > MAX_MESSAGE_LEN:
            raise CryptoError("crypto.noise_message_too_long", f"{len(out)} > {MAX_MESSAGE_LEN}")
        return attrs.evolve(st, symmetric=sym, message_index=st.message_index + 1), bytes(out)

    def read_message(self, message: bytes) -> tuple[HandshakeState, bytes]:
        """ReadMessage: the payload of the peer's next handshake message."""
        if self.complete or self._is_my_turn():
            raise CryptoError("crypto.noise_wrong_state", "not this party's turn to read")
        if len(message) > MAX_MESSAGE_LEN:
            raise CryptoError("crypto.noise_message_too_long", f"{len(message)} bytes")
        st, sym, rest = self, self.symmetric, bytes(message)
        for token in _PATTERNS[self.pattern][self.message_index]:
            if token in ("e", "s"):
                size = DHLEN + (TAGLEN if token == "s" and sym.cipher.has_key() else 0)
                if len(rest) < size:
                    raise CryptoError("crypto.noise_bad_message", f"message too short for {token}")
                field, rest = rest[:size], rest[size:]
                if token == "e":
                    st, sym = attrs.evolve(st, re=field), sym.mix_hash(field)
                else:
                    sym, rs = sym.decrypt_and_hash(field)
                    st = attrs.evolve(st, rs=rs)
            else:
                sym = sym.mix_key(st._dh_token(token))
        if sym.cipher.has_key() and len(rest) < TAGLEN:
            raise CryptoError("crypto.noise_bad_message", "message too short for its tag")
        sym, payload = sym.decrypt_and_hash(rest)
        return attrs.evolve(st, symmetric=sym, message_index=st.message_index + 1), payload

    def transport(self) -> TransportKeys:
        """Split (Noise §5.2) after the last message: this party's send/receive states."""
        if not self.complete:
            raise CryptoError("crypto.noise_wrong_state", "handshake is not complete")
        c1, c2 = self.symmetric.split()
        send, recv = (c1, c2) if self.initiator_role else (c2, c1)
        return TransportKeys(send, recv, self.symmetric.h, self.rs or b"")
