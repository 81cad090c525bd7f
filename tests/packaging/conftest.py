"""Fixtures of the packaging tests: the build helpers under ``packaging/`` loaded as modules, and the
bundle and ``.deb`` built once per session (``deb_build.py``)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from deb_build import Build, run_build

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"


def _load(name: str, path: Path) -> ModuleType:
    # packaging/ is not a Python package (and "packaging" is a PyPI name): load files by path,
    # under names of their own. make_deb imports bundle_layout by its plain name.
    if str(PACKAGING) not in sys.path:
        sys.path.insert(0, str(PACKAGING))
    module_name = f"pos_client_build_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def bundle_layout() -> ModuleType:
    return _load("bundle_layout", PACKAGING / "bundle_layout.py")


@pytest.fixture(scope="session")
def make_deb() -> ModuleType:
    return _load("make_deb", PACKAGING / "linux" / "make_deb.py")


@pytest.fixture(scope="session")
def make_icons() -> ModuleType:
    return _load("make_icons", PACKAGING / "make_icons.py")


@pytest.fixture(scope="session")
def build(project_root: Path) -> Iterator[Build]:
    """The bundle and the .deb, built once per session (only tests marked with BUILD_MARKS ask)."""
    built = run_build(project_root)
    yield built
    if built.lintian is not None and built.lintian.poll() is None:
        built.lintian.kill()
        built.lintian.communicate()


@pytest.fixture(scope="session")
def deb(build: Build) -> Path:
    if build.deb is None:
        pytest.skip("dpkg-deb is not installed: no .deb was built")
    return build.deb


@pytest.fixture(scope="session")
def deb_tree(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The .deb's files, unpacked (dpkg-deb -x) as they will be installed; removed afterwards
    (400 MB that pytest would otherwise keep among its last runs' folders)."""
    root = tmp_path_factory.mktemp("deb-tree")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True, timeout=300)
    yield root
    shutil.rmtree(root, ignore_errors=True)
