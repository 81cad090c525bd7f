"""pyusb with libusb-package's libusb: ``pos-client scanners`` lists USB devices on every OS.

Without a libusb, pyusb says "No backend available" (always on Windows, which has none).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pos_client.host_os import current_host_os
from pos_client.scanner import usb_backend as usb_backend_module
from pos_client.scanner.discovery import discover, list_usb_devices
from pos_client.scanner.usb_backend import NoUsbBackend, find_usb_devices, usb_backend
from pos_client.selftest import MissingPart, _check_scanner_libraries


@pytest.fixture(autouse=True)
def fresh_choice() -> Iterator[None]:
    usb_backend.cache_clear()
    yield
    usb_backend.cache_clear()


def test_pyusb_uses_libusb_packages_library() -> None:
    chosen = usb_backend()
    assert chosen is not None
    assert chosen.origin.startswith("libusb-package ")
    assert Path(chosen.library).name.startswith("libusb-1.0")
    assert isinstance(find_usb_devices(), list)


def test_usb_listing_works_here_without_a_note() -> None:
    devices, note = list_usb_devices()
    assert isinstance(devices, list)
    assert note == ""
    assert not any("USB" in n for n in discover().notes)


def test_pos_client_scanners_lists_usb(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pos_client", "--dev-dir", str(tmp_path), "scanners"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "USB (pyusb) :" in result.stdout
    assert "Liste USB indisponible" not in result.stdout
    assert "No backend" not in result.stdout


def _without_libusb_package(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """No libusb-package importable; returns what each backend load was offered (None: pyusb's
    own search of the system)."""
    monkeypatch.setitem(sys.modules, "libusb_package", None)  # import -> ImportError
    offered: list[str | None] = []

    def load(find_library: Any) -> Any:
        offered.append(None if find_library is None else find_library("usb-1.0"))
        return None

    monkeypatch.setattr(usb_backend_module, "_load_backend", load)
    return offered


def test_without_any_libusb_the_listing_says_so_in_french(monkeypatch: pytest.MonkeyPatch) -> None:
    offered = _without_libusb_package(monkeypatch)
    assert usb_backend() is None
    assert offered == [None]  # the system's libusb was tried
    with pytest.raises(NoUsbBackend, match="aucune bibliothèque libusb"):
        find_usb_devices()
    devices, note = list_usb_devices()
    assert devices == [] and note.startswith("Liste USB indisponible (pyusb : aucune bibliothèque libusb")


def test_in_the_bundle_the_library_is_taken_from_the_bundles_top_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # libusb-package's PyInstaller hook puts its library at the top of the bundle (sys._MEIPASS).
    offered = _without_libusb_package(monkeypatch)
    library = tmp_path / usb_backend_module._LIBRARY_FILE
    library.write_bytes(b"")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    marker = object()
    monkeypatch.setattr(
        usb_backend_module, "_load_backend", lambda find: marker if find and find("usb-1.0") else None
    )
    chosen = usb_backend()
    assert chosen is not None and chosen.backend is marker
    assert chosen.library == str(library)
    assert chosen.origin == "libusb-package, programme autonome"
    assert offered == []


def test_self_test_reports_the_usb_backend() -> None:
    detail = _check_scanner_libraries(current_host_os())
    assert "pyusb (libusb-package " in detail
    assert "périphérique(s) USB" in detail


def test_self_test_fails_naming_libusb_when_pyusb_has_no_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(usb_backend_module, "usb_backend", lambda: None)
    with pytest.raises(MissingPart, match="pyusb n'a aucune bibliothèque libusb"):
        _check_scanner_libraries(current_host_os())
