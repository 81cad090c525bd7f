"""Build the Linux bundle and the .deb with the real build script, then use what was built.

Slow (a PyInstaller build): runs when ``CI=true`` or ``POS_CLIENT_BUILD_BUNDLE=1``, and skips
otherwise. The build is done once per session by ``packaging/build_linux.sh`` into ``dist/``.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from deb_build import BUILD_MARKS, Build
from selftest_report import assert_self_test_passed, clean_env

import pos_client
from pos_client.selftest import QR_IMAGE

pytestmark = BUILD_MARKS

RUN_TIMEOUT_S = 120


def _run_self_test(program: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(program), "--dev-dir", str(tmp_path / "dev"), "--self-test"],
        env=clean_env(tmp_path),
        cwd=tmp_path,  # not the project: nothing may be imported from the source tree
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


# ----------------------------------------------------------------------------- the bundle


def test_bundle_program_reports_the_package_version(build: Build, tmp_path: Path) -> None:
    program = build.bundle / pos_client.APP_NAME
    assert os.access(program, os.X_OK)
    result = subprocess.run(
        [str(program), "--version"], env=clean_env(tmp_path), capture_output=True, text=True,
        timeout=RUN_TIMEOUT_S, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{pos_client.APP_NAME} {pos_client.__version__}"


def test_bundle_self_test_passes_from_the_bundle(build: Build, tmp_path: Path) -> None:
    result = _run_self_test(build.bundle / pos_client.APP_NAME, tmp_path)
    assert_self_test_passed(result)
    assert "programme autonome" in result.stdout  # it ran the frozen program, not the venv
    # What the bundle must carry besides code: the QR image, pyusb's libusb, evdev.
    assert f"lu par zxing-cpp dans l'image livrée {QR_IMAGE}" in result.stdout
    assert "pyusb (libusb-package" in result.stdout
    assert "evdev (lecture exclusive) présent" in result.stdout


def test_bundle_carries_qt_plugins_translations_and_native_libraries(build: Build) -> None:
    internal = build.bundle / "_internal"
    names = {p.relative_to(internal).as_posix() for p in internal.rglob("*")}
    assert any(n.endswith("platforms/libqxcb.so") for n in names)
    assert any(n.endswith("platforms/libqoffscreen.so") for n in names)
    assert any(n.endswith("translations/qtbase_fr.qm") for n in names)
    assert not any(n.endswith("translations/qtbase_de.qm") for n in names)  # trimmed
    assert not any("QtWebEngine" in n or "libQt6Quick3D" in n for n in names)
    # Qt Multimedia's FFmpeg backend (sounds) and the libraries it links to.
    assert any(n.endswith("multimedia/libffmpegmediaplugin.so") for n in names)
    assert any(re.search(r"(^|/)zxingcpp[^/]*\.so$", n) for n in names)
    assert any(n.startswith("cv2/") for n in names)
    assert any(re.search(r"(^|/)hidraw[^/]*\.so$", n) for n in names)
    # The evdev exclusive capture (evdev-binary) and pyusb's libusb (libusb-package).
    assert any(re.fullmatch(r"evdev/_input[^/]*\.so", n) for n in names)
    assert any(re.search(r"(^|/)libusb-1\.0\.so$", n) for n in names)
    # Package data: the self-test's contremarque QR image.
    assert f"pos_client/resources/{QR_IMAGE}" in names
    assert any(n.startswith("keyring-") and n.endswith(".dist-info/entry_points.txt") for n in names)


# ----------------------------------------------------------------------------- the .deb


def _deb_field(deb: Path, name: str) -> str:
    return subprocess.run(
        ["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()


def test_deb_metadata(deb: Path, make_deb: ModuleType) -> None:
    assert _deb_field(deb, "Package") == pos_client.APP_NAME
    assert _deb_field(deb, "Version") == make_deb.debian_version(pos_client.__version__)
    architecture = subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    )
    assert _deb_field(deb, "Architecture") == architecture.stdout.strip()
    assert int(_deb_field(deb, "Installed-Size")) > 50_000  # KiB: the whole bundle is in
    depends = [d.strip() for d in _deb_field(deb, "Depends").split(",")]
    assert re.fullmatch(r"libc6 \(>= [\d.]+\)", depends[0]), depends
    # Every dependency is a real Debian package (installed here, where the bundle was built).
    for dependency in depends:
        name = dependency.split()[0]
        status = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True, check=False
        )
        assert "install ok installed" in status.stdout, dependency
    info = subprocess.run(["dpkg-deb", "-I", str(deb)], capture_output=True, text=True, check=True).stdout
    for script in ("postinst", "postrm"):
        assert re.search(rf"\*\s+{script}\s+#!/bin/sh", info), info  # present and executable


def test_deb_contents(deb: Path, project_root: Path) -> None:
    listing = subprocess.run(
        ["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True, timeout=60
    ).stdout.splitlines()
    entries = {line.split()[5].removeprefix("."): line for line in listing}
    assert entries["/opt/pos-client/pos-client"].startswith("-rwxr-xr-x root/root")
    assert "/usr/bin/pos-client -> /opt/pos-client/pos-client" in entries["/usr/bin/pos-client"]
    assert "/usr/share/applications/pos-client.desktop" in entries
    assert "/usr/share/icons/hicolor/scalable/apps/pos-client.svg" in entries
    assert "/usr/share/icons/hicolor/256x256/apps/pos-client.png" in entries
    assert "/usr/share/doc/pos-client/copyright" in entries
    assert "/usr/share/doc/pos-client/README.Debian" in entries  # postrm points there
    rules = sorted(p.name for p in (project_root / "drivers" / "linux").glob("*.rules"))
    shipped = sorted(
        Path(e).name for e in entries if e.startswith("/usr/lib/udev/rules.d/") and e.endswith(".rules")
    )
    assert shipped == rules
    for path in entries:
        assert not path.startswith(("/home", "/root", "/etc", "/var")), path
    assert all(" root/root " in line for line in listing)


@pytest.fixture
def installed(deb: Path, tmp_path: Path) -> Iterator[Path]:
    """The .deb installed by dpkg into a scratch root (maintainer scripts run, chroot-less)."""
    root = tmp_path / "root"
    admin = root / "var" / "lib" / "dpkg"
    for folder in ("info", "updates", "triggers"):
        (admin / folder).mkdir(parents=True)
    (admin / "status").touch()
    yield root


def _dpkg(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["dpkg", f"--root={root}", "--force-script-chrootless", "--force-depends", "--force-not-root", *args],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


def test_deb_installs_runs_and_purging_keeps_the_journal(deb: Path, installed: Path, tmp_path: Path) -> None:
    root = installed
    result = _dpkg(root, "--install", str(deb))
    assert result.returncode == 0, result.stdout + result.stderr
    program = root / "opt" / "pos-client" / "pos-client"
    assert (root / "usr" / "bin" / "pos-client").readlink() == Path("/opt/pos-client/pos-client")
    assert_self_test_passed(_run_self_test(program, tmp_path))

    # A cashier's data, where the till keeps it (under the scratch root's home).
    journal = root / "home" / "caisse" / ".local" / "share" / "pos-client" / "journal.sqlite3"
    journal.parent.mkdir(parents=True)
    journal.write_bytes(b"SQLite format 3\x00 sales of the day")
    result = _dpkg(root, "--purge", pos_client.APP_NAME)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (root / "opt" / "pos-client").exists()
    assert not (root / "usr" / "bin" / "pos-client").exists()
    assert journal.read_bytes() == b"SQLite format 3\x00 sales of the day"
