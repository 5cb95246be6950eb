"""The layer order of ``refimpl``: which package may import which (docs/architecture.md).

Every subpackage of ``refimpl`` is one layer; the single-file modules at the top
(``errors.py``, ``codec.py``, ...) form the bottom layer ``base``. :data:`LAYERS` names, for
each layer, the layers directly below it; a module may import its own layer and every layer
reachable downwards from it (:func:`allowed_imports`), nothing else. The order mirrors
MobileCoin's crates: ``crypto`` knows no accounts, ``account`` no transactions, a transaction
carries its Merkle membership proofs (``transaction/core/src/membership_proofs``) and never
reads the ledger, the ledger stores what transaction validation accepted, the consensus
enclave forms blocks (``consensus/enclave/impl``), and SCP sees values as opaque bytes
(``consensus/scp`` depends on no transaction crate).

``tests/unit/test_import_layers.py`` parses every module (``ast``, no import) and fails on an
import that points up, and checks that the table in docs/architecture.md is this one.
"""

from __future__ import annotations

from functools import cache

BASE = "base"

#: layer -> the layers directly below it.
LAYERS: dict[str, tuple[str, ...]] = {
    BASE: (),
    "crypto": (BASE,),
    "account": ("crypto",),
    "transaction": ("account",),
    "ledger": ("transaction",),
    "enclave": ("ledger",),
    "consensus": (BASE,),
    "formal": ("consensus",),
    "node": ("enclave", "formal"),
    "client": ("node",),
    "fog": ("client",),
    "vectors": ("fog",),
    "cli": ("vectors",),
}

#: The single-file modules of the bottom layer (no imports from any subpackage).
BASE_MODULES: frozenset[str] = frozenset({
    "__init__", "checks", "codec", "durable", "errors", "layers", "protobuf", "resources",
    "safe_json", "textfmt",
})


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name under ``refimpl`` (``None`` outside ``refimpl`` or for
    a top-level module that belongs to no layer yet)."""
    parts = module.split(".")
    if parts[0] != "refimpl":
        return None
    if len(parts) == 1:
        return BASE
    if parts[1] in LAYERS and parts[1] != BASE:
        return parts[1]
    return BASE if parts[1] in BASE_MODULES else None


@cache
def allowed_imports(layer: str) -> frozenset[str]:
    """``layer`` and every layer below it (the transitive closure of :data:`LAYERS`)."""
    below = {layer}
    for lower in LAYERS[layer]:
        below |= allowed_imports(lower)
    return frozenset(below)
