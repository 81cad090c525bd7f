"""The self-test's contremarque QR image: package data, found in the installed package, decoded.

``pos_client/resources/selftest-contremarque.pbm`` is a plain-text image (PBM "P1") made by
``scripts/make_selftest_qr.py``; the bundle test checks that the PyInstaller bundle carries it.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.resources
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import cv2
import numpy as np
import pytest

import pos_client
from pos_client.emulator import demo_data
from pos_client.scanner.payload import read_contremarque
from pos_client.scanner.webcam import decode_frame
from pos_client.selftest import QR_IMAGE, QR_PAYLOAD, QR_TOKEN, MissingPart, Scenario, qr_image

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def make_selftest_qr() -> ModuleType:
    """``scripts/make_selftest_qr.py`` as a module (scripts/ is not a package)."""
    if str(ROOT / "scripts") not in sys.path:
        sys.path.insert(0, str(ROOT / "scripts"))
    import make_selftest_qr

    return make_selftest_qr


def _decode(data: bytes) -> list[str]:
    frame = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    assert frame is not None, "OpenCV cannot read the image"
    return list(decode_frame(frame))


def test_the_image_is_found_in_the_installed_package_and_decodes_to_the_demo_contremarque() -> None:
    # Found through the import system, where pos_client is installed (not by a repository path).
    image = qr_image()
    assert image.is_file(), image
    assert Path(str(image)).is_relative_to(Path(pos_client.__file__).parent)
    data = image.read_bytes()
    assert data.startswith(b"P1\n") and data.isascii()  # a text image: no binary in the repository
    assert _decode(data) == [QR_PAYLOAD]
    contremarque = read_contremarque(QR_PAYLOAD)
    assert getattr(contremarque, "token", None) == QR_TOKEN
    assert demo_data.TOKENS["museum_pass"] == QR_TOKEN  # a booking of the demo mode


def test_opencv_reads_the_file_from_disk_as_well() -> None:
    with importlib.resources.as_file(qr_image()) as path:
        frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert frame is not None and frame.shape[:2] == (148, 148)
    assert decode_frame(frame) == [QR_PAYLOAD]


def test_the_package_data_rules_ship_the_image() -> None:
    # setuptools puts into the wheel what [tool.setuptools.package-data] matches (** recursive).
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["pos_client"]
    shipped = {
        Path(match).relative_to(ROOT / "pos_client").as_posix()
        for pattern in patterns
        for match in glob.glob(str(ROOT / "pos_client" / pattern), recursive=True)
    }
    assert f"resources/{QR_IMAGE}" in shipped


def test_the_committed_image_is_what_the_script_makes(
    make_selftest_qr: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert make_selftest_qr.main(["--check"]) == 0, capsys.readouterr().out
    text = make_selftest_qr.render_pbm(QR_PAYLOAD)
    assert all(len(line) <= 70 for line in text.splitlines())  # Netpbm's limit for plain files


def test_the_self_test_decodes_the_shipped_image(tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:
        detail = Scenario(stack, tmp_path).decode_qr()
    assert detail.startswith(f"{QR_TOKEN} lu par zxing-cpp dans l'image livrée {QR_IMAGE} (148x148")


def test_the_self_test_names_a_missing_image(tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:
        scenario = Scenario(stack, tmp_path)
        scenario.qr_image = tmp_path / QR_IMAGE
        with pytest.raises(MissingPart, match=r"^image de test absente de l'installation : .*\.pbm$"):
            scenario.decode_qr()


def test_the_self_test_refuses_an_image_of_another_code(tmp_path: Path, make_selftest_qr: ModuleType) -> None:
    other = tmp_path / QR_IMAGE
    other.write_text(make_selftest_qr.render_pbm("PASSCULTURE:v3;TOKEN:PETPR2"), encoding="ascii")
    with contextlib.ExitStack() as stack:
        scenario = Scenario(stack, tmp_path)
        scenario.qr_image = other
        with pytest.raises(RuntimeError, match="non lu"):
            scenario.decode_qr()
