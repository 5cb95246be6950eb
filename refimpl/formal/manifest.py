"""The model manifest ``spec/manifest.json`` and checking every model against its expected result.

Layout after the per-spec ``manifest.json`` files of github.com/tlaplus/Examples, validated
against ``spec/manifest.schema.json`` (JSON Schema draft 2020-12):

```
{"models": [{"name": "scp-ballot", "spec": "scp/MCSCPBallot.tla", "cfg": "scp/MCSCPBallot.cfg",
             "size": "small" | "large", "mode": "exhaustive" | "simulate",
             "simulate": {"num": N, "depth": D, "seed": S},      (mode simulate only)
             "expected": {"outcome": "ok", "distinct": N, "depth": D}
                       | {"outcome": "invariant_violated", "invariant": "Agreement"},
             "runtime_seconds": 12.9, "budget_seconds": 60, "note": "..."}]}
```

A model meets its expectation when TLC's outcome (and, for a violation, the violated invariant)
equals the expected one within twice its time budget and, for an exhaustive search that
finished with outcome ``ok``, the numbers of distinct states and the depth equal the recorded
ones. :func:`record` writes measured figures back (``mcref tlc check --record``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import jsonschema

from refimpl import safe_json
from refimpl.errors import FormalError
from refimpl.formal.tlc import Simulation, TlcOptions, TlcResult, run_tlc
from refimpl.formal.tlc_process import ProgressCallback
from refimpl.resources import spec_root

#: spec/ (packaged, or of the checkout; the manifest's paths are relative to it).
SPEC_DIR = spec_root()
MANIFEST = SPEC_DIR / "manifest.json"
SCHEMA = SPEC_DIR / "manifest.schema.json"

#: Where ``record`` inserts a key missing from an entry: after the last of these present.
_ENTRY_ORDER = ("name", "spec", "cfg", "size", "mode", "simulate", "expected",
                "runtime_seconds", "budget_seconds", "note")
_EXPECTED_ORDER = ("outcome", "invariant", "distinct", "depth")


@attrs.frozen
class Model:
    """One manifest entry."""

    name: str
    spec: Path
    cfg: Path
    size: str
    simulation: Simulation | None
    expected_outcome: str
    expected_invariant: str | None
    budget_seconds: float
    note: str
    expected_distinct: int | None = None
    expected_depth: int | None = None
    runtime_seconds: float | None = None

    @property
    def mode(self) -> str:
        return "simulate" if self.simulation else "exhaustive"


@attrs.frozen
class ModelCheck:
    """A model, what TLC said, and whether that is what the manifest expects."""

    model: Model
    result: TlcResult

    @property
    def mismatches(self) -> list[str]:
        """Why the result is not the expected one (empty when it is)."""
        r, m = self.result, self.model
        if r.outcome != m.expected_outcome:
            return [f"outcome {r.outcome}, expected {m.expected_outcome}"]
        if m.expected_invariant is not None and r.violated_invariant != m.expected_invariant:
            return [f"violated {r.violated_invariant}, expected {m.expected_invariant}"]
        if m.simulation is not None or r.outcome != "ok" or r.partial:
            return []
        found = []
        for what, expected, got in (("distinct states", m.expected_distinct, r.distinct),
                                    ("depth", m.expected_depth, r.depth)):
            if expected is not None and got != expected:
                found.append(f"{what} {got}, manifest says {expected} "
                             "(the spec changed? mcref tlc check --record)")
        return found

    @property
    def as_expected(self) -> bool:
        return not self.mismatches

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.model.name,
            "cfg": str(self.model.cfg.relative_to(SPEC_DIR)),
            "mode": self.model.mode,
            "expected": {"outcome": self.model.expected_outcome,
                         "invariant": self.model.expected_invariant,
                         "distinct": self.model.expected_distinct,
                         "depth": self.model.expected_depth},
            "as_expected": self.as_expected,
            "mismatches": self.mismatches,
            "result": self.result.to_json(),
        }


def _validator() -> jsonschema.Draft202012Validator:
    try:
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FormalError("formal.bad_manifest", f"{SCHEMA}: {exc}") from None
    return jsonschema.Draft202012Validator(schema)


def _where(error: jsonschema.ValidationError, document: Any) -> str:
    """``entry NAME`` (or ``entry #i``) and the field path of a schema error."""
    path = list(error.absolute_path)
    if len(path) >= 2 and path[0] == "models" and isinstance(path[1], int):
        entry = document["models"][path[1]]
        name = entry.get("name") if isinstance(entry, dict) else None
        label = f"entry {name!r}" if isinstance(name, str) else f"entry #{path[1]}"
        field = ".".join(str(p) for p in path[2:])
        return f"{label}{': ' + field if field else ''}"
    return "document" + (": " + ".".join(str(p) for p in path) if path else "")


def load_manifest(path: Path = MANIFEST) -> list[Model]:
    """Parse and validate the manifest; a malformed entry is a ``formal.bad_manifest`` error
    naming the entry and the field."""
    try:
        document = safe_json.parse(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise FormalError("formal.bad_manifest", f"{path}: {exc}") from None
    error = jsonschema.exceptions.best_match(_validator().iter_errors(document))
    if error is not None:
        raise FormalError("formal.bad_manifest",
                          f"{path}: {_where(error, document)}: {error.message[:200]}")
    return [_model(entry, path.parent) for entry in document["models"]]


def _model(entry: dict[str, Any], base: Path) -> Model:
    expected = entry["expected"]
    simulation = None
    if entry["mode"] == "simulate":
        sim = entry["simulate"]
        simulation = Simulation(num=sim["num"], depth=sim["depth"], seed=sim.get("seed", 1))
    return Model(
        name=entry["name"], spec=base / entry["spec"], cfg=base / entry["cfg"],
        size=entry["size"], simulation=simulation,
        expected_outcome=expected["outcome"], expected_invariant=expected.get("invariant"),
        budget_seconds=float(entry["budget_seconds"]), note=entry.get("note", ""),
        expected_distinct=expected.get("distinct"), expected_depth=expected.get("depth"),
        runtime_seconds=entry.get("runtime_seconds"),
    )


def find_model(name: str, models: list[Model]) -> Model:
    for model in models:
        if model.name == name:
            return model
    raise FormalError("formal.unknown_model",
                      f"no model {name!r}; known: {', '.join(m.name for m in models)}")


def check_model(model: Model, *, workers: int = 2, heap_mb: int = 2048,
                on_progress: ProgressCallback | None = None) -> ModelCheck:
    """Run one model with twice its budget as the timeout (a slow machine is not a failure)."""
    options = TlcOptions(workers=workers, heap_mb=heap_mb, timeout_s=2 * model.budget_seconds)
    result = run_tlc(model.spec, model.cfg, simulation=model.simulation, options=options,
                     on_progress=on_progress)
    return ModelCheck(model=model, result=result)


def _insert(mapping: dict[str, Any], key: str, value: Any, order: tuple[str, ...]) -> None:
    """Set ``mapping[key]``; a new key goes after the last key that precedes it in ``order``."""
    if key in mapping:
        mapping[key] = value
        return
    before = set(order[:order.index(key)])
    items = list(mapping.items())
    at = max((i + 1 for i, (k, _) in enumerate(items) if k in before), default=len(items))
    items.insert(at, (key, value))
    mapping.clear()
    mapping.update(items)


def countable(check: ModelCheck) -> bool:
    """Counts worth recording: an exhaustive search that finished with outcome ``ok`` as the
    manifest expects (where a violating run stops depends on the workers' interleaving)."""
    r = check.result
    return (check.model.simulation is None and r.outcome == "ok" and not r.partial
            and r.outcome == check.model.expected_outcome and r.distinct is not None)


def record(checks: list[ModelCheck], path: Path = MANIFEST) -> list[str]:
    """Write into each entry whose check finished with its expected outcome the measured
    ``runtime_seconds`` and, when :func:`countable`, the distinct states and depth; keep every
    other entry, the key order and the file's layout (2-space JSON). Returns the names of the
    entries updated."""
    document = json.loads(path.read_text(encoding="utf-8"))  # re-read: others may have edited
    by_name = {c.model.name: c for c in checks
               if not c.result.partial and c.result.outcome == c.model.expected_outcome}
    updated = []
    for entry in document["models"]:
        check = by_name.get(entry.get("name"))
        if check is None:
            continue
        if countable(check):
            _insert(entry["expected"], "distinct", check.result.distinct, _EXPECTED_ORDER)
            if check.result.depth is not None:
                _insert(entry["expected"], "depth", check.result.depth, _EXPECTED_ORDER)
        _insert(entry, "runtime_seconds", max(0.1, round(check.result.seconds, 1)),
                _ENTRY_ORDER)
        updated.append(entry["name"])
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return updated
