"""The ``.deb`` as a shop's IT installs it (issue 22): a clean, minimal Debian 12 made during the test
with debootstrap, the package installed by apt with ``--no-install-recommends``, the self-test run
by a normal user (its text rendering check included), the advice without a display, then a purge
that removes every file of the package and leaves the user's journal.

Debian 12 is the oldest system the package supports (glibc 2.36). Needs root (chroot, mount) and
the Debian mirror (``POS_CLIENT_DEBIAN_MIRROR``, default deb.debian.org). About 2 minutes on the
2-core build machine, most of it debootstrap and apt downloading; each step's time is printed (-s).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from deb_build import BUILD_MARKS, BUILD_TIMEOUT_S
from selftest_report import assert_self_test_passed, check_statuses

STEP_TIMEOUT_S = 600
pytestmark = [
    *BUILD_MARKS,
    pytest.mark.timeout(BUILD_TIMEOUT_S + 3 * STEP_TIMEOUT_S),  # build, debootstrap, apt (each bounded)
    pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chroot and mount need root"),
    pytest.mark.skipif(shutil.which("debootstrap") is None, reason="debootstrap missing (./run installs it)"),
]

SUITE = "bookworm"  # Debian 12: the oldest supported system
MIRROR = os.environ.get("POS_CLIENT_DEBIAN_MIRROR", "http://deb.debian.org/debian")
USER = "caisse"


@dataclass
class Chroot:
    root: Path
    deb: Path
    timings: dict[str, float] = field(default_factory=dict)

    def run(self, *command: str, user: str | None = None, env: dict[str, str] | None = None,
            timeout: float = STEP_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
        prefix = ["chroot"] + ([f"--userspec={user}:{user}"] if user else []) + [str(self.root)]
        environment = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
                       "DEBIAN_FRONTEND": "noninteractive", **(env or {})}
        return subprocess.run(
            [*prefix, "env", "-i", *(f"{k}={v}" for k, v in environment.items()), *command],
            capture_output=True, text=True, timeout=timeout, check=False,
        )

    def step(self, name: str, *command: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
        start = time.monotonic()
        result = self.run(*command, **kwargs)  # type: ignore[arg-type]
        self.timings[name] = time.monotonic() - start
        assert result.returncode == 0, f"{name}: {result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        return result


def _as_user(chroot: Chroot, *command: str) -> subprocess.CompletedProcess[str]:
    return chroot.run(*command, user=USER, env={"HOME": f"/home/{USER}"}, timeout=300)


@pytest.fixture(scope="module")
def chroot(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chroot]:
    root = tmp_path_factory.mktemp("debian") / SUITE
    made = Chroot(root, deb)
    start = time.monotonic()
    result = subprocess.run(
        ["debootstrap", "--variant=minbase", SUITE, str(root), MIRROR],
        capture_output=True, text=True, timeout=STEP_TIMEOUT_S, check=False,
    )
    made.timings["debootstrap --variant=minbase"] = time.monotonic() - start
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    subprocess.run(["mount", "-t", "proc", "proc", str(root / "proc")], check=True)
    try:
        shutil.copy(deb, root / "tmp" / deb.name)
        made.step("apt-get update", "apt-get", "update", "-q")
        made.step(
            "apt-get install --no-install-recommends",
            "apt-get", "install", "-y", "-q", "--no-install-recommends", f"/tmp/{deb.name}",
        )
        made.step("useradd", "useradd", "--create-home", USER)
        yield made
    finally:
        subprocess.run(["umount", "-l", str(root / "proc")], check=False)
        print("\nclean Debian chroot: " + ", ".join(f"{k} {v:.0f} s" for k, v in made.timings.items()))
        shutil.rmtree(root, ignore_errors=True)


def test_self_test_passes_as_a_normal_user_with_readable_text(chroot: Chroot) -> None:
    start = time.monotonic()
    result = _as_user(chroot, "pos-client", "--self-test")
    chroot.timings["self-test"] = time.monotonic() - start
    assert_self_test_passed(result)
    assert "programme autonome (/opt/pos-client)" in result.stdout
    assert f"/home/{USER}/.local/share/pos-client (écriture possible)" in result.stdout
    assert check_statuses(result.stdout)["qt"] == "ok"
    assert "texte lisible (7/7 caractères distincts" in result.stdout, result.stdout
    assert "Fontconfig error" not in result.stderr, result.stderr


def test_without_a_display_the_advice_fits_the_package(chroot: Chroot) -> None:
    result = _as_user(chroot, "pos-client", "--demo")
    assert result.returncode == 3
    assert "xvfb-run -a pos-client --demo" in result.stderr
    assert "pos-client --self-test" in result.stderr
    assert "./run" not in result.stderr and ".venv" not in result.stderr


def test_purge_removes_the_package_and_keeps_the_users_journal(chroot: Chroot) -> None:
    journal = chroot.root / "home" / USER / ".local" / "share" / "pos-client" / "journal.sqlite3"
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_bytes(b"SQLite format 3\x00 sales of the day")
    listing = subprocess.run(
        ["dpkg-deb", "-c", str(chroot.deb)], capture_output=True, text=True, check=True, timeout=60
    ).stdout.splitlines()
    files = [line.split()[5].removeprefix("./") for line in listing if not line.startswith("d")]
    assert all((chroot.root / f).exists() or (chroot.root / f).is_symlink() for f in files)
    chroot.step("apt-get purge", "apt-get", "purge", "-y", "-q", "pos-client")
    left = [f for f in files if (chroot.root / f).exists() or (chroot.root / f).is_symlink()]
    assert left == []
    assert not (chroot.root / "opt" / "pos-client").exists()
    status = chroot.run("dpkg-query", "-W", "-f=${Status}", "pos-client")
    assert "installed" not in status.stdout.replace("not-installed", "")
    assert journal.read_bytes() == b"SQLite format 3\x00 sales of the day"
