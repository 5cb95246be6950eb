"""Imports point down: every module of ``refimpl`` imports only its own layer and the layers
below it (refimpl/layers.py), and docs/architecture.md shows exactly that order.

Modules are parsed with ``ast``, never imported, so an import inside a function or under
``TYPE_CHECKING`` counts as much as one at the top of the file.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from refimpl.layers import BASE, BASE_MODULES, LAYERS, allowed_imports, layer_of

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "refimpl"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported_modules(module: str, source: str, is_package: bool = False) -> list[str]:
    """The ``refimpl`` modules one module's source imports (relative imports resolved;
    ``from pkg import name`` counts as ``pkg.name`` when that is a module)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            subs = [f"{target}.{alias.name}" for alias in node.names]
            found += [s for s in subs if _is_module(s)] or [target]
    return [name for name in found if name == "refimpl" or name.startswith("refimpl.")]


def upward_imports(module: str, source: str, is_package: bool = False) -> list[str]:
    """``"module -> target (layer a -> layer b)"`` for each import that points up or sideways
    out of the layer order."""
    layer = layer_of(module)
    assert layer is not None, f"{module} belongs to no layer: add it to refimpl/layers.py"
    bad = []
    for target in imported_modules(module, source, is_package):
        target_layer = layer_of(target)
        if target_layer is None or target_layer not in allowed_imports(layer):
            bad.append(f"{module} -> {target} ({layer} -> {target_layer})")
    return bad


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_belongs_to_a_layer() -> None:
    missing = [_module_name(p) for p in _sources() if layer_of(_module_name(p)) is None]
    assert not missing, f"modules in no layer of refimpl/layers.py: {missing}"
    top = {p.stem for p in PACKAGE.glob("*.py")}
    assert top == BASE_MODULES, "BASE_MODULES must list exactly the top-level modules"


def test_no_import_points_up() -> None:
    bad: list[str] = []
    for path in _sources():
        bad += upward_imports(_module_name(path), path.read_text(encoding="utf-8"),
                              path.name == "__init__.py")
    assert not bad, "imports pointing up the layer order:\n" + "\n".join(bad)


@pytest.mark.parametrize(("module", "source"), [
    ("refimpl.transaction.tx", "from refimpl.ledger.block import Block\n"),
    ("refimpl.crypto.hashing", "def f():\n    from refimpl.cli import main\n"),
    ("refimpl.consensus.check", "from refimpl.crypto import ristretto\n"),
    ("refimpl.formal.quorum_check", "import refimpl.cli.quorum\n"),
    ("refimpl.node.check", "from ..client.load import run_load\n"),
    ("refimpl.errors", "from refimpl import crypto\n"),
])
def test_an_upward_import_is_caught(module: str, source: str) -> None:
    assert len(upward_imports(module, source)) == 1


def test_downward_and_same_layer_imports_pass() -> None:
    source = ("from refimpl import protobuf as pb\nfrom refimpl.crypto.ristretto import Point\n"
              "from .tx_out import TxOut\nimport refimpl.errors\n")
    assert upward_imports("refimpl.transaction.tx", source) == []
    assert imported_modules("refimpl.transaction.tx", source) == [
        "refimpl.protobuf", "refimpl.crypto.ristretto", "refimpl.transaction.tx_out",
        "refimpl.errors"]


def test_the_order_has_no_cycle_and_reaches_base() -> None:
    for layer in LAYERS:
        assert BASE in allowed_imports(layer)
        for lower in LAYERS[layer]:
            assert layer not in allowed_imports(lower), f"cycle through {layer} and {lower}"


def test_architecture_doc_shows_this_order() -> None:
    """The "Dependency order" table of docs/architecture.md is :data:`LAYERS`, row for row."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Dependency order", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| ([^|]*) \|", section, flags=re.MULTILINE)
    documented = {layer: tuple(re.findall(r"`(\w+)`", below)) for layer, below in rows}
    assert documented == LAYERS
    assert "exception" not in section.lower()
