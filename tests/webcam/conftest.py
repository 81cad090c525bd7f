"""Shared fixtures of the webcam tests: the synthetic corpus script from ``scripts/`` and its
videos, written once per session by OpenCV (MJPG ``.avi`` at 640x480, 30 fps)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The counter workflow's fakes (scripted bookings API, memory journal), as tests/ui uses them.
sys.path.insert(0, str(ROOT / "tests" / "counter"))

# The two contremarques the videos show (``two_codes`` shows both, the others the first); the
# tests name them too.
VIDEO_TOKENS = ("352UW4", "K7XQ2M")


@pytest.fixture(scope="session")
def corpus() -> ModuleType:
    """``scripts/make_webcam_corpus.py`` as a module (scripts/ is not a package)."""
    if str(ROOT / "scripts") not in sys.path:
        sys.path.insert(0, str(ROOT / "scripts"))
    import make_webcam_corpus

    return make_webcam_corpus


@pytest.fixture(scope="session")
def videos(corpus: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every video scenario of the corpus script, by name: its ``VideoTruth`` (path, appearances)."""
    folder = tmp_path_factory.mktemp("videos")
    return {
        name: corpus.write_video(folder / f"{name}.avi", name, VIDEO_TOKENS)
        for name in corpus.VIDEO_SCENARIOS
    }
