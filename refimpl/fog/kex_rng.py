"""KexRng: the search keys fog ingest and a fog client agree on without talking to each other.

MobileCoin ``fog/kex_rng/src/{lib.rs, traits.rs, error.rs}`` and
``fog/kex_rng/src/versioned/{mod.rs, buffered.rs, kexrng20201124.rs}``.

A KexRng is a counter-mode PRF keyed by a Diffie-Hellman secret over ristretto255. The ingest
enclave holds an *egress* private key ``e`` and publishes ``E = e*G`` (``KexRngPubkey``, in the
``RngRecord`` the recovery database keeps); a user with subaddress view key pair ``(c, C)``
derives the same secret ``compress(c*E) = compress(e*C)``. Output ``i`` of the sequence is the
16-byte search key under which the enclave files that user's ``i``-th TxOut.

Version 0, ``KexRng20201124`` (the only version defined): with ``secret`` the 32-byte
compressed shared point,

    output(counter) = Blake2b-512(b"20201124" || secret || u64_le(counter))[0..16]

The buffered form keeps the current output next to the counter so a client can ``peek`` at the
key it is looking for and ``advance`` once fog confirms it was found. ``StoredRng`` is its
wire-stable protobuf form (``{bytes secret = 1; bytes buffer = 2; uint64 counter = 3;
uint32 version = 4}``); as in MobileCoin, the stored buffer is trusted rather than recomputed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import attrs

from refimpl import protobuf as pb
from refimpl.crypto.hashing import blake2b512
from refimpl.crypto.ristretto import Point, RandomSource, Scalar
from refimpl.errors import FogError, RefImplError
from refimpl.fog.types import KexRngPubkey

#: ``KexRng20201124::VERSION_ID``.
KEX_RNG_20201124_VERSION = 0
#: The version new RNGs are made with (``LatestKexRngCore``).
LATEST_KEX_RNG_VERSION = KEX_RNG_20201124_VERSION
#: Bytes of one output (a fog search key).
OUTPUT_SIZE = 16
#: Bytes of the key-exchange secret (a compressed ristretto point).
SECRET_SIZE = 32
_DOMAIN_20201124 = b"20201124"
_U32_MAX = 2**32 - 1
_U64_MAX = 2**64 - 1

Prf = Callable[[bytes, int], bytes]


def kex_rng_20201124_prf(secret: bytes, counter: int) -> bytes:
    """``KexRng20201124::prf``: the first 16 bytes of Blake2b-512 over the domain tag, the
    secret and the little-endian counter."""
    return blake2b512(_DOMAIN_20201124, secret, counter.to_bytes(8, "little"))[:OUTPUT_SIZE]


#: version id -> PRF of every KexRng version this implementation knows.
_PRFS: dict[int, Prf] = {KEX_RNG_20201124_VERSION: kex_rng_20201124_prf}


def _prf_for(version: int) -> Prf:
    prf = _PRFS.get(version)
    if prf is None:
        raise FogError("fog.kex_rng_unknown_version", f"unknown KexRng version {version}")
    return prf


def shared_secret(private: Scalar, public: Point) -> bytes:
    """``KexReusablePrivate::key_exchange`` for ristretto: ``compress(private * public)``."""
    return (public * private).to_bytes()


@attrs.frozen
class StoredRng:
    """``StoredRng``: a KexRng at rest (secret, current output, counter, version)."""

    secret: bytes
    buffer: bytes
    counter: int
    version: int

    def to_protobuf(self) -> bytes:
        """prost encoding: fields in tag order, default values omitted."""
        return (
            pb.omit_empty(1, self.secret)
            + pb.omit_empty(2, self.buffer)
            + (pb.varint_field(3, self.counter) if self.counter else b"")
            + (pb.varint_field(4, self.version) if self.version else b"")
        )

    @classmethod
    def from_protobuf(cls, data: bytes) -> StoredRng:
        """Decode; malformed bytes or a version beyond u32 are ``fog.bad_message``."""
        try:
            fields = pb.Fields(data)
            stored = cls(fields.get_bytes(1), fields.get_bytes(2), fields.get_uint(3),
                         fields.get_uint(4))
        except RefImplError as exc:
            raise FogError("fog.bad_message", f"StoredRng: {exc.message}") from exc
        if stored.version > _U32_MAX:
            raise FogError("fog.bad_message", "StoredRng.version does not fit u32")
        return stored


class VersionedKexRng:
    """``VersionedKexRng`` (a ``BufferedKexRng`` of one known version): secret, counter and the
    output at that counter. Mutable: :meth:`advance` moves to the next output."""

    __slots__ = ("_buffer", "_counter", "_prf", "_secret", "_version")

    def __init__(self, secret: bytes, *, version: int = LATEST_KEX_RNG_VERSION,
                 counter: int = 0, buffer: bytes | None = None) -> None:
        """``BufferedKexRng::from_secret`` (counter 0), or a stored state when ``counter`` and
        ``buffer`` are given. Unknown versions and wrong lengths are typed errors."""
        self._prf = _prf_for(version)
        if len(secret) != SECRET_SIZE:
            raise FogError("fog.stored_rng_bad_length",
                           f"a KexRng secret is {SECRET_SIZE} bytes, got {len(secret)}")
        if not 0 <= counter <= _U64_MAX:
            raise FogError("fog.bad_message", f"KexRng counter {counter} does not fit u64")
        if buffer is None:
            buffer = self._prf(secret, counter)
        elif len(buffer) != OUTPUT_SIZE:
            raise FogError("fog.stored_rng_bad_length",
                           f"a KexRng buffer is {OUTPUT_SIZE} bytes, got {len(buffer)}")
        self._version = version
        self._secret = bytes(secret)
        self._counter = counter
        self._buffer = bytes(buffer)

    # --- construction by key exchange (NewFromKex) ---------------------------------------------
    @classmethod
    def from_kex_pubkey(cls, pubkey: KexRngPubkey, private: Scalar) -> VersionedKexRng:
        """``try_from_kex_pubkey``: the client side, with the view private key and the
        ``RngRecord``'s public key. The version is checked before the point is decoded."""
        _prf_for(pubkey.version)
        try:
            their_public = Point.from_bytes(pubkey.public_key)
        except RefImplError as exc:
            raise FogError("fog.kex_rng_bad_pubkey", f"KexRng public key: {exc.message}") from exc
        return cls(shared_secret(private, their_public), version=pubkey.version)

    @classmethod
    def new_from_static_static(cls, our_private: Scalar,
                               their_public: Point) -> tuple[KexRngPubkey, VersionedKexRng]:
        """``new_from_static_static`` at the latest version: our public key and the RNG."""
        pubkey = kex_rng_pubkey(Point.mul_base(our_private))
        return pubkey, cls(shared_secret(our_private, their_public))

    @classmethod
    def new_from_ephemeral_static(cls, rng: RandomSource,
                                  their_public: Point) -> tuple[KexRngPubkey, VersionedKexRng]:
        """``new_from_ephemeral_static``: a fresh private key (64 bytes from ``rng``)."""
        return cls.new_from_static_static(Scalar.random(rng), their_public)

    # --- StoredRng --------------------------------------------------------------------------
    @classmethod
    def from_stored(cls, stored: StoredRng) -> VersionedKexRng:
        """``TryFrom<StoredRng>``: version known, secret 32 bytes, buffer 16 bytes."""
        return cls(stored.secret, version=stored.version, counter=stored.counter,
                   buffer=stored.buffer)

    def to_stored(self) -> StoredRng:
        return StoredRng(self._secret, self._buffer, self._counter, self._version)

    # --- BufferedRng ------------------------------------------------------------------------
    @property
    def index(self) -> int:
        """How many outputs precede the current one."""
        return self._counter

    @property
    def version_id(self) -> int:
        return self._version

    def peek(self) -> bytes:
        """The output at :attr:`index` (16 bytes)."""
        return self._buffer

    def advance(self) -> None:
        """Move to the next output (the counter wraps at 2^64 like Rust's release build; no
        client gets near that)."""
        self._counter = (self._counter + 1) & _U64_MAX
        self._buffer = self._prf(self._secret, self._counter)

    def peek_ahead(self, n: int) -> list[bytes]:
        """The next ``n`` outputs starting at the current one, without advancing."""
        return [self._prf(self._secret, (self._counter + i) & _U64_MAX) for i in range(n)]

    def copy(self) -> VersionedKexRng:
        return VersionedKexRng(self._secret, version=self._version, counter=self._counter,
                               buffer=self._buffer)

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        """The Rust ``Iterator`` impl: the current output, then advance."""
        output = self._buffer
        self.advance()
        return output

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VersionedKexRng) and self.to_stored() == other.to_stored()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:  # never print the secret
        return f"VersionedKexRng(version={self._version}, index={self._counter})"


def kex_rng_pubkey(public: Point, version: int = LATEST_KEX_RNG_VERSION) -> KexRngPubkey:
    """``KexRngPubkey::from_public_key``: the compressed key with the RNG version."""
    return KexRngPubkey(public.to_bytes(), version)
