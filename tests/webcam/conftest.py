"""Shared fixtures of the webcam tests: the synthetic corpus script from ``scripts/``."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def corpus() -> ModuleType:
    """``scripts/make_webcam_corpus.py`` as a module (scripts/ is not a package)."""
    if str(ROOT / "scripts") not in sys.path:
        sys.path.insert(0, str(ROOT / "scripts"))
    import make_webcam_corpus

    return make_webcam_corpus
