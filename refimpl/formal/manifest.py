"""The model manifest ``spec/manifest.json`` and checking every model against its expected result.

Layout after the per-spec ``manifest.json`` files of github.com/tlaplus/Examples:

```
{"models": [{"name": "scp-ballot", "spec": "scp/MCSCPBallot.tla", "cfg": "scp/MCSCPBallot.cfg",
             "size": "small" | "large", "mode": "exhaustive" | "simulate",
             "simulate": {"num": N, "depth": D, "seed": S},      (mode simulate only)
             "expected": {"outcome": "ok"} | {"outcome": "invariant_violated",
                                              "invariant": "Agreement"},
             "budget_seconds": 60, "note": "..."}]}
```

A model meets its expectation when TLC's outcome (and, for a violation, the violated invariant)
equals the expected one within its time budget.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from refimpl import safe_json
from refimpl.errors import FormalError
from refimpl.formal.tlc import Simulation, TlcResult, run_tlc
from refimpl.resources import spec_root

#: spec/ (packaged, or of the checkout; the manifest's paths are relative to it).
SPEC_DIR = spec_root()
MANIFEST = SPEC_DIR / "manifest.json"

_OUTCOMES = {"ok", "invariant_violated", "deadlock", "liveness_violated"}


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


@attrs.frozen
class ModelCheck:
    """A model, what TLC said, and whether that is what the manifest expects."""

    model: Model
    result: TlcResult

    @property
    def as_expected(self) -> bool:
        r = self.result
        if r.outcome != self.model.expected_outcome:
            return False
        if self.model.expected_invariant is not None:
            return r.violated_invariant == self.model.expected_invariant
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.model.name,
            "cfg": str(self.model.cfg.relative_to(SPEC_DIR)),
            "mode": "simulate" if self.model.simulation else "exhaustive",
            "expected": {"outcome": self.model.expected_outcome,
                         "invariant": self.model.expected_invariant},
            "as_expected": self.as_expected,
            "result": self.result.to_json(),
        }


def _field(entry: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = entry.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        raise FormalError("formal.bad_manifest",
                          f"model {entry.get('name')!r}: field {key!r} must be a "
                          f"{' or '.join(k.__name__ for k in kinds)}")
    return value


def _budget(entry: dict[str, Any]) -> float:
    value = _field(entry, "budget_seconds", (int, float))
    if not 0 < value < 10**7:  # also refuses integers too large for a float
        raise FormalError("formal.bad_manifest",
                          f"model {entry.get('name')!r}: budget_seconds must be in (0, 10^7)")
    return float(value)


def load_manifest(path: Path = MANIFEST) -> list[Model]:
    """Parse the manifest; every malformed entry is a ``formal.bad_manifest`` error."""
    try:
        document = safe_json.parse(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise FormalError("formal.bad_manifest", f"{path}: {exc}") from None
    entries = document.get("models") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise FormalError("formal.bad_manifest", f"{path}: no list 'models'")
    models = []
    base = path.parent
    for entry in entries:
        if not isinstance(entry, dict):
            raise FormalError("formal.bad_manifest", f"{path}: a model entry is not an object")
        expected = _field(entry, "expected", dict)
        outcome = expected.get("outcome")
        if outcome not in _OUTCOMES:
            raise FormalError("formal.bad_manifest",
                              f"model {entry.get('name')!r}: unknown outcome {outcome!r}")
        mode = _field(entry, "mode", str)
        simulation = None
        if mode == "simulate":
            sim = _field(entry, "simulate", dict)
            simulation = Simulation(num=_field(sim, "num", int), depth=_field(sim, "depth", int),
                                    seed=_field({"seed": 1, **sim}, "seed", int))
        elif mode != "exhaustive":
            raise FormalError("formal.bad_manifest", f"unknown mode {mode!r}")
        models.append(Model(
            name=_field(entry, "name", str),
            spec=base / _field(entry, "spec", str),
            cfg=base / _field(entry, "cfg", str),
            size=_field(entry, "size", str),
            simulation=simulation,
            expected_outcome=outcome,
            expected_invariant=_field({"invariant": None, **expected}, "invariant",
                                      (str, type(None))),
            budget_seconds=_budget(entry),
            note=str(entry.get("note", "")),
        ))
    return models


def find_model(name: str, models: list[Model]) -> Model:
    for model in models:
        if model.name == name:
            return model
    raise FormalError("formal.unknown_model",
                      f"no model {name!r}; known: {', '.join(m.name for m in models)}")


def check_model(model: Model, *, workers: int = 2) -> ModelCheck:
    """Run one model with its budget as the timeout (2x, so a slow machine is not a failure)."""
    result = run_tlc(model.spec, model.cfg, workers=workers,
                     timeout_s=2 * model.budget_seconds, simulation=model.simulation)
    return ModelCheck(model=model, result=result)
