"""The OS files: the udev rules cover the makers discovery knows, in every subsystem, and the
install script installs and uninstalls them (into a temporary directory here)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from pos_client.scanner.discovery import KNOWN_VENDORS

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "drivers" / "linux" / "60-pos-client-scanners.rules"
INSTALL = ROOT / "drivers" / "linux" / "install-udev-rules.sh"
PAIR = re.compile(r'^[A-Z_]+(\{[A-Za-z_]+\})?(==|!=|\+=|=|:=)"[^"]*"$')


def rule_lines() -> list[str]:
    lines = [line.strip() for line in RULES.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_every_rule_is_well_formed() -> None:
    for line in rule_lines():
        for pair in (p.strip() for p in line.split(", ")):
            assert PAIR.match(pair), f"bad udev pair {pair!r} in {line!r}"


def test_rules_cover_each_known_maker_in_each_subsystem() -> None:
    lines = rule_lines()
    for subsystem in ('SUBSYSTEM=="tty"', 'SUBSYSTEM=="hidraw"', 'SUBSYSTEM=="input"', 'SUBSYSTEM=="usb"'):
        matching = [line for line in lines if subsystem in line]
        assert matching, subsystem
        vendors = set(re.search(r'idVendor\}=="([^"]+)"', matching[0]).group(1).split("|"))  # type: ignore[union-attr]
        assert vendors == {f"{vid:04x}" for vid in KNOWN_VENDORS}
        assert 'TAG+="uaccess"' in matching[0]
    tty = next(line for line in lines if 'SUBSYSTEM=="tty"' in line)
    assert 'ENV{ID_MM_DEVICE_IGNORE}="1"' in tty  # ModemManager keeps off the scanner
    assert RULES.name < "73-seat-late.rules"  # uaccess is applied by 73-seat-late


def test_install_script_installs_and_uninstalls(tmp_path: Path) -> None:
    env = {**os.environ, "POS_CLIENT_UDEV_DIR": str(tmp_path / "rules.d")}
    done = subprocess.run(["sh", str(INSTALL)], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    installed = tmp_path / "rules.d" / RULES.name
    assert installed.read_text(encoding="utf-8") == RULES.read_text(encoding="utf-8")
    done = subprocess.run(
        ["sh", str(INSTALL), "--uninstall"], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert not installed.exists()


def test_windows_notes_cover_the_three_modes() -> None:
    notes = (ROOT / "drivers" / "windows" / "README.md").read_text(encoding="utf-8")
    for topic in ("Mode clavier", "COM", "HID POS", "usbser.sys"):
        assert topic in notes
