"""Shared test configuration. Area fixtures live in each area's own conftest.py."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest
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


@pytest.fixture(autouse=True)
def _qt_texts_back_to_english() -> Iterator[None]:
    """``run_app`` installs Qt's French texts on the application, which outlives a test: take them
    back off so the next test's dialogs start from Qt's own English."""
    yield
    translations = sys.modules.get("pos_client.ui.qt_translations")
    if translations is not None and translations._installed:
        translations.install_qt_translation("en")


@pytest.fixture(autouse=True)
def _umask_back() -> Iterator[None]:
    """``pos-client``'s ``main`` sets the process's umask to 077 (its files are its user's only); a
    test that calls it in process must not leave the rest of the suite (package builds) under it."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield
    os.umask(previous)
