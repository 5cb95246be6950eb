"""Signed block metadata: which node externalized a block, under which quorum set and enclave.

MobileCoin ``blockchain/types/src/block_metadata.rs`` (``BlockMetadataContents``,
``BlockMetadata``), ``blockchain/types/src/crypto/metadata.rs`` (context ``"block_metadata"``),
``crypto/digestible/signature/src/lib.rs`` (sign the 32-byte ``digest32`` of the contents) and
``consensus/service/src/byzantine_ledger/worker.rs`` ``get_block_metadata`` /
``byzantine_ledger/metadata_provider.rs`` (a node makes metadata with its message-signing key).

Wire format (``api/proto/blockchain.proto``, ``api/proto/quorum_set.proto``), written in the
order MobileCoin's archive writer (rust-protobuf 2) writes it: plain fields in declaration
order, then the ``oneof``:

* ``BlockMetadataContents { BlockID block_id = 1; quorum_set.QuorumSet quorum_set = 2;
  oneof attestation_evidence { VerificationReport verification_report = 3; DcapEvidence
  dcap_evidence = 5; } string responder_id = 4; }`` -> tags 1, 2, 4, then 5;
* ``BlockMetadata { BlockMetadataContents contents = 1; Ed25519Public node_key = 2;
  Ed25519Signature signature = 3; }`` (key and signature are ``{ bytes data = 1; }``);
* ``QuorumSet { uint32 threshold = 1; repeated QuorumSetMember members = 2; }``,
  ``QuorumSetMember { oneof member { Node node = 1; QuorumSet inner_set = 2; } }``,
  ``Node { string responder_id = 1; Ed25519Public public_key = 2; }``.

MobileCoin's quorum-set members are ``NodeID = (responder id, message-signing public key)``;
refimpl's SCP quorum sets name responder ids only, so :class:`BlockMetadataContents` carries
the members' keys beside the quorum set (``node_keys``) and every member must have one.

Digest (``#[derive(Digestible)]`` rules, :mod:`refimpl.crypto.digestible`): aggregate
``BlockMetadataContents`` { ``block_id``: bytes; ``quorum_set``: aggregate ``QuorumSet``
{ ``threshold``: u32, ``members``: sequence of aggregate ``QuorumSetMemberWrapper``
{ ``member``: variant ``QuorumSetMember`` 0 = ``Node`` (aggregate ``NodeID`` { ``responder_id``:
aggregate ``ResponderId`` {"0": str, never omitted}, ``public_key``: aggregate
``Ed25519Public`` {"0": ed25519} }) or 1 = ``InnerSet`` } }; ``verification_report`` (the
transparent evidence enum): aggregate ``DcapEvidence`` { ``quote``: ``Quote3`` {``data``},
``collateral``: ``Collateral`` {...}, ``report_data``: ``EnclaveReportDataContents`` {...} };
``responder_id``: aggregate ``ResponderId`` }. No MobileCoin known-answer vector for this
digest exists (``conformance/upstream`` has none); the layout follows the derive rules read in
``crypto/digestible/derive/src/lib.rs`` and the field orders of the types above.

Not supported (docs/deviations.md): the legacy IAS ``VerificationReport`` evidence (tag 3) is
refused on decoding; only DCAP evidence is made and read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from refimpl import protobuf as pb
from refimpl.consensus.scp.types import MAX_DEPTH, QuorumMember, QuorumSet
from refimpl.crypto.digestible import DigestWriter, digest32
from refimpl.enclave.evidence import Collateral, Evidence, ReportDataContents, decode_evidence
from refimpl.errors import NodeError, RefImplError
from refimpl.ledger.signature import is_weak_encoding

#: ``block_metadata_context()`` (``blockchain/types/src/crypto/metadata.rs``).
METADATA_CONTEXT = b"block_metadata"
ID_LEN = 32
KEY_LEN = 32
SIGNATURE_LEN = 64

#: Tags of ``BlockMetadataContents``.
_VERIFICATION_REPORT_TAG = 3
_DCAP_EVIDENCE_TAG = 5


def _malformed(message: str) -> NodeError:
    return NodeError("node.metadata_malformed", message)


def _sorted_keys(keys: Mapping[str, bytes] | tuple[tuple[str, bytes], ...]
                 ) -> tuple[tuple[str, bytes], ...]:
    items = keys.items() if isinstance(keys, Mapping) else keys
    return tuple(sorted((str(k), bytes(v)) for k, v in items))


# --- the digest ------------------------------------------------------------------------------


def _append_responder_id(w: DigestWriter, ctx: bytes, responder_id: str) -> None:
    w.agg(ctx, b"ResponderId", lambda: w.str_(b"0", responder_id, omit_empty=False))


def _append_ed25519_public(w: DigestWriter, ctx: bytes, key: bytes) -> None:
    w.agg(ctx, b"Ed25519Public", lambda: w.ed25519(b"0", key))


def _append_quorum_set(w: DigestWriter, ctx: bytes, qset: QuorumSet,
                       keys: Mapping[str, bytes]) -> None:
    def member(item_ctx: bytes, m: QuorumMember) -> None:
        if isinstance(m, QuorumSet):
            inner = m
            which, name = 1, b"InnerSet"

            def payload(variant_ctx: bytes) -> None:
                _append_quorum_set(w, variant_ctx, inner, keys)
        else:
            node = m
            which, name = 0, b"Node"

            def payload(variant_ctx: bytes) -> None:
                w.agg_header(variant_ctx, b"NodeID")
                _append_responder_id(w, b"responder_id", node)
                _append_ed25519_public(w, b"public_key", keys[node])
                w.agg_closer(variant_ctx, b"NodeID")

        w.agg(item_ctx, b"QuorumSetMemberWrapper",
              lambda: w.var(b"member", b"QuorumSetMember", which, name, payload))

    w.agg_header(ctx, b"QuorumSet")
    w.uint32(b"threshold", qset.threshold)
    w.seq(b"members", qset.members, member)
    w.agg_closer(ctx, b"QuorumSet")


def _str_bytes(w: DigestWriter, ctx: bytes, data: bytes) -> None:
    """A proto3 ``string`` held as its UTF-8 bytes (omitted when empty)."""
    if data:
        w.prim(ctx, b"str", data)


def _append_evidence(w: DigestWriter, ctx: bytes, evidence: Evidence) -> None:
    """``prost::DcapEvidence`` (``attest/verifier/types/build.rs``: derived, tag order)."""
    c: Collateral = evidence.collateral

    def chain(name: bytes, certs: tuple[bytes, ...]) -> None:
        w.seq(name, certs, lambda item_ctx, cert: w.bytes_(item_ctx, cert, omit_empty=False))

    def report(r: ReportDataContents) -> None:
        w.agg_header(b"report_data", b"EnclaveReportDataContents")
        w.bytes_(b"nonce", r.nonce)
        w.bytes_(b"key", r.key)
        w.bytes_(b"custom_identity", r.custom_identity or b"")
        w.agg_closer(b"report_data", b"EnclaveReportDataContents")

    w.agg_header(ctx, b"DcapEvidence")
    w.agg(b"quote", b"Quote3", lambda: w.bytes_(b"data", evidence.quote))
    w.agg_header(b"collateral", b"Collateral")
    chain(b"pck_crl_issuer_chain", c.pck_crl_issuer_chain)
    w.bytes_(b"root_ca_crl", c.root_ca_crl)
    w.bytes_(b"pck_crl", c.pck_crl)
    chain(b"tcb_info_issuer_chain", c.tcb_info_issuer_chain)
    _str_bytes(w, b"tcb_info", c.tcb_info)
    chain(b"qe_identity_issuer_chain", c.qe_identity_issuer_chain)
    _str_bytes(w, b"qe_identity", c.qe_identity)
    w.agg_closer(b"collateral", b"Collateral")
    if evidence.report_data is not None:
        report(evidence.report_data)
    w.agg_closer(ctx, b"DcapEvidence")


# --- the quorum set on the wire ----------------------------------------------------------------


def _quorum_set_to_protobuf(qset: QuorumSet, keys: Mapping[str, bytes]) -> bytes:
    out = [pb.varint_field(1, qset.threshold) if qset.threshold else b""]
    for m in qset.members:
        if isinstance(m, QuorumSet):
            member = pb.bytes_field(2, _quorum_set_to_protobuf(m, keys))
        else:
            node = pb.omit_empty(1, m.encode("utf-8")) + pb.bytes_field(
                2, pb.bytes_field(1, keys[m])
            )
            member = pb.bytes_field(1, node)
        out.append(pb.bytes_field(2, member))
    return b"".join(out)


def _quorum_set_from_protobuf(data: bytes, keys: dict[str, bytes], depth: int = 0) -> QuorumSet:
    if depth > MAX_DEPTH:
        raise _malformed(f"quorum set nested more than {MAX_DEPTH} levels")
    fields = pb.Fields(data)
    threshold = fields.get_uint(1)
    if threshold >= 2**32:
        raise _malformed("quorum set threshold is not a u32")
    members: list[QuorumMember] = []
    for f in pb.parse_fields(data):
        if f.tag != 2:
            continue
        if not isinstance(f.value, bytes):
            raise _malformed("a quorum set member is not a message")
        chosen = pb.Fields(f.value).get_oneof_bytes((1, 2))
        if chosen is None:
            raise _malformed("a quorum set member is empty")
        tag, body = chosen
        if tag == 2:
            members.append(_quorum_set_from_protobuf(body, keys, depth + 1))
            continue
        node = pb.Fields(body)
        responder_id = node.get_string(1)
        key_message = node.get_message(2)
        if key_message is None:
            raise _malformed(f"quorum set node {responder_id!r} has no public key")
        key = pb.Fields(key_message).get_bytes(1)
        if len(key) != KEY_LEN:
            raise _malformed(f"quorum set node {responder_id!r}: key is not {KEY_LEN} bytes")
        if keys.setdefault(responder_id, key) != key:
            raise _malformed(f"quorum set node {responder_id!r} appears with two keys")
        members.append(responder_id)
    return QuorumSet(threshold, tuple(members))


# --- the types -----------------------------------------------------------------------------------


@attrs.frozen
class BlockMetadataContents:
    """What a node signs about a block it externalized (``BlockMetadataContents``).

    ``node_keys`` maps exactly the nodes of ``quorum_set`` to their 32-byte message-signing
    public keys (a mapping is accepted and stored as sorted pairs). ``responder_id`` is
    ``host:port``. Construction refuses inconsistent values with ``node.metadata_malformed``.
    """

    block_id: bytes
    quorum_set: QuorumSet
    node_keys: tuple[tuple[str, bytes], ...] = attrs.field(converter=_sorted_keys)
    evidence: Evidence
    responder_id: str

    def __attrs_post_init__(self) -> None:
        if len(self.block_id) != ID_LEN:
            raise _malformed(f"block id must be {ID_LEN} bytes")
        if ":" not in self.responder_id:
            raise _malformed(f"responder id {self.responder_id!r} is not host:port")
        try:
            self.quorum_set.validate()
        except RefImplError as exc:
            raise _malformed(f"quorum set: {exc.message}") from None
        keys = self.keys()
        if len(keys) != len(self.node_keys):
            raise _malformed("a node is given two keys")
        missing = sorted(self.quorum_set.nodes() - keys.keys())
        if missing:
            raise _malformed(f"no public key for quorum set nodes {missing}")
        extra = sorted(keys.keys() - self.quorum_set.nodes())
        if extra:
            raise _malformed(f"keys given for nodes outside the quorum set: {extra}")
        if any(len(k) != KEY_LEN for k in keys.values()):
            raise _malformed(f"node keys must be {KEY_LEN} bytes")

    def keys(self) -> dict[str, bytes]:
        return dict(self.node_keys)

    def append_to(self, w: DigestWriter, ctx: bytes) -> None:
        w.agg_header(ctx, b"BlockMetadataContents")
        w.bytes_(b"block_id", self.block_id)
        _append_quorum_set(w, b"quorum_set", self.quorum_set, self.keys())
        _append_evidence(w, b"verification_report", self.evidence)
        _append_responder_id(w, b"responder_id", self.responder_id)
        w.agg_closer(ctx, b"BlockMetadataContents")

    def digest(self) -> bytes:
        """``contents.digest32::<MerlinTranscript>(b"block_metadata")``: what is signed."""
        return digest32(self, METADATA_CONTEXT)

    def to_protobuf(self) -> bytes:
        return b"".join((
            pb.bytes_field(1, pb.bytes_field(1, self.block_id)),
            pb.bytes_field(2, _quorum_set_to_protobuf(self.quorum_set, self.keys())),
            pb.omit_empty(4, self.responder_id.encode("utf-8")),
            pb.bytes_field(_DCAP_EVIDENCE_TAG, self.evidence.encode()),
        ))

    @classmethod
    def from_protobuf(cls, data: bytes) -> BlockMetadataContents:
        """Decode; ``node.metadata_malformed`` (or ``encoding.*``) for anything wrong."""
        fields = pb.Fields(data)
        block_id = fields.get_message(1)
        qset = fields.get_message(2)
        if block_id is None or qset is None:
            raise _malformed("metadata contents lack the block id or the quorum set")
        chosen = fields.get_oneof_bytes((_VERIFICATION_REPORT_TAG, _DCAP_EVIDENCE_TAG))
        if chosen is None:
            raise _malformed("metadata contents carry no attestation evidence")
        if chosen[0] == _VERIFICATION_REPORT_TAG:
            raise _malformed("IAS verification reports are not supported, only DCAP evidence")
        keys: dict[str, bytes] = {}
        quorum_set = _quorum_set_from_protobuf(qset, keys)
        return cls(
            block_id=pb.Fields(block_id).get_bytes(1),
            quorum_set=quorum_set,
            node_keys=tuple(keys.items()),
            evidence=decode_evidence(chosen[1]),
            responder_id=fields.get_string(4),
        )


def _length(n: int, what: str) -> Callable[[object, object, bytes], None]:
    def check(_instance: object, _attribute: object, value: bytes) -> None:
        if len(value) != n:
            raise _malformed(f"{what} must be {n} bytes")

    return check


@attrs.frozen
class BlockMetadata:
    """``BlockMetadata``: contents, the signer's Ed25519 public key and its signature."""

    contents: BlockMetadataContents
    node_key: bytes = attrs.field(validator=_length(KEY_LEN, "the node key"))
    signature: bytes = attrs.field(validator=_length(SIGNATURE_LEN, "the signature"))

    @classmethod
    def sign(cls, contents: BlockMetadataContents, signing_key: Ed25519PrivateKey
             ) -> BlockMetadata:
        """``BlockMetadata::from_contents_and_keypair``."""
        return cls(contents, signing_key.public_key().public_bytes_raw(),
                   signing_key.sign(contents.digest()))

    def verify(self) -> None:
        """``BlockMetadata::verify`` (ed25519-dalek ``verify_strict``): raise
        ``node.metadata_bad_signature`` unless the signature verifies under ``node_key``."""
        if is_weak_encoding(self.node_key) or is_weak_encoding(self.signature[:32]):
            raise NodeError("node.metadata_bad_signature",
                            "the node key or the signature's R is weak or not a point")
        try:
            Ed25519PublicKey.from_public_bytes(self.node_key).verify(
                self.signature, self.contents.digest()
            )
        except InvalidSignature:
            raise NodeError("node.metadata_bad_signature",
                            "block metadata signature does not verify") from None

    def to_protobuf(self) -> bytes:
        return b"".join((
            pb.bytes_field(1, self.contents.to_protobuf()),
            pb.bytes_field(2, pb.bytes_field(1, self.node_key)),
            pb.bytes_field(3, pb.bytes_field(1, self.signature)),
        ))

    @classmethod
    def from_protobuf(cls, data: bytes) -> BlockMetadata:
        """Decode (the signature is not checked here: :meth:`verify`)."""
        fields = pb.Fields(data)
        contents = fields.get_message(1)
        key = fields.get_message(2)
        signature = fields.get_message(3)
        if contents is None or key is None or signature is None:
            raise _malformed("block metadata lacks its contents, key or signature")
        return cls(
            BlockMetadataContents.from_protobuf(contents),
            pb.Fields(key).get_bytes(1),
            pb.Fields(signature).get_bytes(1),
        )


@attrs.frozen
class MetadataSigner:
    """What a node needs to make metadata for blocks it appends (``ConsensusMetadataProvider``):
    its responder id, quorum set, the keys of (at least) the quorum set's members, its
    enclave's evidence and its message-signing key."""

    responder_id: str
    quorum_set: QuorumSet
    node_keys: tuple[tuple[str, bytes], ...] = attrs.field(converter=_sorted_keys)
    evidence: Evidence
    signing_key: Ed25519PrivateKey = attrs.field(eq=False)

    def metadata_for(self, block_id: bytes) -> BlockMetadata:
        """Signed metadata naming ``block_id``."""
        nodes = self.quorum_set.nodes()
        keys = tuple((node, key) for node, key in self.node_keys if node in nodes)
        contents = BlockMetadataContents(
            block_id, self.quorum_set, keys, self.evidence, self.responder_id
        )
        return BlockMetadata.sign(contents, self.signing_key)
