"""The signed consensus message peers exchange (MobileCoin ``peers/src/consensus_msg.rs``).

``ConsensusMsg { scp_msg, prev_block_id, signature }``: an SCP statement bound to the parent
block of its slot, signed by the sender's message-signing key. Binding the parent id makes
nodes on different histories ignore each other (the worker drops a message whose
``prev_block_id`` is not its block ``slot - 1``); the signature is checked against the key the
receiver's network file gives the sender (``consensus_msg.rs`` ``VerifiedConsensusMsg``).

Signature: Ed25519 over a 32-byte Merlin challenge. MobileCoin digests the Rust structs with
``digestible`` under the label ``"peer-message"``; refimpl's SCP messages are not Rust structs,
so the transcript is ``Transcript("peer-message")``, ``append_message("scp_msg", canonical
JSON of the Msg)``, ``append_message("prev_block_id", id)``, ``challenge_bytes("digest", 32)``.

Payload (``consensus_peer.ConsensusMsg.payload``), with the project's protobuf codec: ``bytes
scp_msg = 1`` (canonical JSON of :meth:`Msg.to_json`), ``bytes prev_block_id = 2``, ``bytes
signature = 3``. MobileCoin sends serde-CBOR of its Rust struct here; a Python network is not
wire-compatible with Rust peers at this layer (docs/deviations.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import attrs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from refimpl import protobuf as pb
from refimpl.consensus.scp.msg import Msg
from refimpl.consensus.sim.trace import canonical_line
from refimpl.crypto.merlin import Transcript
from refimpl.errors import NodeError, RefImplError

#: The largest payload a peer may send (a Nominate of 5000 values is about 330 KiB of JSON).
MAX_PAYLOAD_LEN = 1 << 20


def signing_digest(scp_msg_bytes: bytes, prev_block_id: bytes) -> bytes:
    """The 32 bytes the sender signs."""
    transcript = Transcript(b"peer-message")
    transcript.append_message(b"scp_msg", scp_msg_bytes)
    transcript.append_message(b"prev_block_id", prev_block_id)
    return transcript.challenge_bytes(b"digest", 32)


def msg_bytes(msg: Msg) -> bytes:
    """The canonical JSON bytes of an SCP message (what is signed and sent)."""
    return canonical_line(msg.to_json()).encode()


@attrs.frozen
class ConsensusMsg:
    """A verified (or locally made) consensus message."""

    scp_msg: Msg
    prev_block_id: bytes
    signature: bytes

    @classmethod
    def sign(cls, msg: Msg, prev_block_id: bytes, key: Ed25519PrivateKey) -> ConsensusMsg:
        """``ConsensusMsg::from_scp_msg``: sign ``msg`` bound to the parent block id."""
        return cls(msg, prev_block_id, key.sign(signing_digest(msg_bytes(msg), prev_block_id)))

    def encode(self) -> bytes:
        return (pb.bytes_field(1, msg_bytes(self.scp_msg)) + pb.bytes_field(2, self.prev_block_id)
                + pb.bytes_field(3, self.signature))

    @classmethod
    def decode_verified(cls, payload: bytes, keys: Mapping[str, bytes]) -> ConsensusMsg:
        """Parse a payload and verify its signature against the sender's configured key.

        ``node.msg_malformed`` for bad bytes or an invalid SCP message,
        ``node.msg_unknown_sender`` when ``keys`` has no key for the sender,
        ``node.msg_bad_signature`` when the signature does not verify.
        """
        if len(payload) > MAX_PAYLOAD_LEN:
            raise NodeError("node.msg_malformed", f"payload of {len(payload)} bytes is too long")
        try:
            fields = pb.Fields(payload)
            scp_bytes, prev, signature = (fields.get_bytes(t) for t in (1, 2, 3))
            msg = Msg.from_json(json.loads(scp_bytes))
        except (RefImplError, ValueError, RecursionError) as exc:
            detail = exc.message if isinstance(exc, RefImplError) else type(exc).__name__
            raise NodeError("node.msg_malformed", f"consensus message: {detail}") from None
        if len(prev) != 32 or len(signature) != 64:
            raise NodeError("node.msg_malformed", "prev_block_id is 32 bytes, signature 64")
        key = keys.get(msg.sender)
        if key is None:
            raise NodeError("node.msg_unknown_sender", f"no key configured for {msg.sender!r}")
        try:
            Ed25519PublicKey.from_public_bytes(key).verify(
                signature, signing_digest(scp_bytes, prev))
        except (InvalidSignature, ValueError):
            raise NodeError("node.msg_bad_signature",
                            f"message from {msg.sender!r} does not verify") from None
        return cls(msg, prev, signature)
