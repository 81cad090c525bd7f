"""Shared test configuration. Area fixtures live in each area's own conftest.py."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# CI: fixed seed (reproducible), no per-example deadline (2 shared cores are noisy).
settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=200,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
