"""Shared test configuration: Hypothesis profiles and the error-code registry check.

Profiles (select with HYPOTHESIS_PROFILE; `make test` uses `ci` under CI=true, else `dev`):
  dev      quick local runs
  ci       bounded, derandomized: the same examples on every CI run
  nightly  many examples, for fuzzing on demand
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "nightly", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
