"""The licence file generator of the ``.deb`` (``packaging/linux/bundle_licences.py``): every file
and module of a bundle is traced to a component, a component's licence texts come from what is
installed, and the build stops when a file has no known origin or a component no licence."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture(scope="module")
def licences(make_deb: ModuleType) -> ModuleType:
    """The generator as make_deb imported it (packaging/linux is on make_deb's path)."""
    return sys.modules["bundle_licences"]


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on sys.path where the tests install small distributions (dist-info + RECORD)."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    yield folder


def install(site: Path, name: str, files: dict[str, str], licence: str = "") -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir()
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"
    if licence:
        meta += f"License-Expression: {licence}\n"
    (info / "METADATA").write_text(meta, encoding="utf-8")
    record = [f"{name}-1.0.dist-info/METADATA,,", f"{name}-1.0.dist-info/RECORD,,"]
    for rel, text in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text, encoding="utf-8")
        record.append(f"{rel},,")
    (info / "RECORD").write_text("\n".join(record) + "\n", encoding="utf-8")


def bundle_with(tmp_path: Path, files: list[str]) -> Path:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    for rel in files:
        path = bundle / "_internal" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"data")
    (bundle / "pos-client").write_bytes(b"\x7fELF program")
    return bundle


def test_a_distribution_brings_its_own_licence_file(
    licences: ModuleType, site: Path, tmp_path: Path
) -> None:
    licence_file = {"tinylib-1.0.dist-info/LICENSE": "Copyright 2024 Tiny\nMIT"}
    install(site, "tinylib", {"tinylib/data.bin": "x", **licence_file}, licence="MIT")
    bundle = bundle_with(tmp_path, ["tinylib/data.bin", "pos_client/resources/x.pbm"])
    program = bundle / "pos-client"
    components = licences.bundle_components(bundle, program, "pos-client", "0.1", modules=["json"])
    tiny = next(c for c in components if c.name == "tinylib")
    assert tiny.files == {"_internal/tinylib/data.bin"} and tiny.licence == "MIT"
    assert tiny.texts == [("tinylib-1.0.dist-info/LICENSE", "Copyright 2024 Tiny\nMIT")]
    text = licences.copyright_text(
        components, project="pos-client", contact="c <c@x.invalid>", own_licence_text="AGPL",
        install_dir="/opt/p", year=2026,
    )
    assert "Copyright: 2025-2026 the pos-client authors" in text
    assert "Files: opt/p/_internal/tinylib/data.bin\nCopyright: 2024 Tiny\n" in text


def test_a_file_of_unknown_origin_stops_the_build(licences: ModuleType, tmp_path: Path) -> None:
    bundle = bundle_with(tmp_path, ["libmystery-9f8e7d.so.3"])
    with pytest.raises(licences.LicenceError, match=r"libmystery-9f8e7d\.so\.3"):
        licences.bundle_components(bundle, bundle / "pos-client", "pos-client", "0.1", modules=[])


def test_a_component_without_licence_stops_the_build(
    licences: ModuleType, site: Path, tmp_path: Path
) -> None:
    install(site, "nolicence", {"nolicence/core.bin": "x"}, licence="LicenseRef-Proprietary")
    bundle = bundle_with(tmp_path, ["nolicence/core.bin"])
    with pytest.raises(licences.LicenceError, match=r"aucune licence trouvée pour nolicence 1\.0"):
        licences.bundle_components(bundle, bundle / "pos-client", "pos-client", "0.1", modules=[])


def test_a_module_of_unknown_origin_stops_the_build(licences: ModuleType, tmp_path: Path) -> None:
    bundle = bundle_with(tmp_path, [])
    with pytest.raises(licences.LicenceError, match="module d'origine inconnue : zz_unknown_module"):
        licences.bundle_components(
            bundle, bundle / "pos-client", "pos-client", "0.1", modules=["zz_unknown_module.core"]
        )


@pytest.mark.skipif(not Path("/usr/share/common-licenses/LGPL-3").is_file(), reason="Debian only")
def test_qt_licence_texts_come_from_debians_common_licences(licences: ModuleType, site: Path) -> None:
    install(site, "qtlike", {"qtlike/lib.bin": "x"}, licence="LGPL-3.0-only OR GPL-3.0-only")
    import importlib.metadata

    dist = importlib.metadata.distribution("qtlike")
    texts = licences._dist_texts("qtlike", dist, "LGPL-3.0-only OR GPL-3.0-only")
    assert [title.split()[0] for title, _ in texts] == ["LGPL-3", "GPL-3"]
