"""What a shop's IT person checks in the built ``.deb`` (issue 22): search paths that stay inside
the bundle, no executable shared library, md5sums, the manual page, the desktop entry as installed,
and a licence for every bundled component in a DEP-5 copyright file with a year."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from deb_build import BUILD_MARKS, assert_desktop_file_valid

import pos_client

pytestmark = BUILD_MARKS

OPT = Path("opt") / "pos-client"


def _elf_files(root: Path) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def _linux_module(name: str) -> ModuleType:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packaging" / "linux"))
    try:
        return __import__(name)
    finally:
        sys.path.pop(0)


def test_no_search_path_points_outside_the_bundle(deb_tree: Path) -> None:
    elf_tidy = _linux_module("elf_tidy")
    elves = _elf_files(deb_tree / OPT)
    assert len(elves) > 100
    outside = {
        str(path.relative_to(deb_tree)): elf_tidy.outside_search_paths(elf_tidy.search_paths(path))
        for path in elves
    }
    assert {path: entries for path, entries in outside.items() if entries} == {}


def test_the_program_never_looks_for_libraries_under_the_build_machines_python(deb_tree: Path) -> None:
    """``LD_DEBUG=libs pos-client --version`` found 19 look-ups under the build's Python prefix."""
    result = subprocess.run(
        [str(deb_tree / OPT / "pos-client"), "--version"],
        env={"LD_DEBUG": "libs", "PATH": "/usr/bin:/bin", "HOME": str(deb_tree)},
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    searched = set(re.findall(r"search path=(\S+)", result.stderr))
    dirs = {d for paths in searched for d in paths.split(":")}
    bundle = str(deb_tree / OPT)
    system = ("/lib", "/usr/lib", "/lib64", "/usr/lib64")
    assert {d for d in dirs if not d.startswith((bundle, *system))} == set()
    assert not any(sys.base_prefix in d for d in dirs if not sys.base_prefix.startswith("/usr"))


def test_shared_libraries_are_not_executable_and_the_program_is(deb_tree: Path) -> None:
    executable = [
        str(p.relative_to(deb_tree)) for p in (deb_tree / OPT).rglob("*.so*")
        if p.is_file() and not p.is_symlink() and os.stat(p).st_mode & 0o111
    ]
    assert executable == []
    assert os.stat(deb_tree / OPT / "pos-client").st_mode & 0o111


def test_md5sums_list_every_file(deb: Path, deb_tree: Path) -> None:
    text = subprocess.run(
        ["dpkg-deb", "-I", str(deb), "md5sums"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    listed = dict(line.split("  ", 1)[::-1] for line in text.splitlines())
    files = {
        p.relative_to(deb_tree).as_posix(): p
        for p in deb_tree.rglob("*")
        if p.is_file() and not p.is_symlink()
    }
    assert set(listed) == set(files)
    for name in ("usr/share/doc/pos-client/copyright", "opt/pos-client/pos-client"):
        assert listed[name] == hashlib.md5(files[name].read_bytes(), usedforsecurity=False).hexdigest()


def test_manual_page_comes_from_the_command_line_help(deb_tree: Path) -> None:
    page = gzip.decompress((deb_tree / "usr/share/man/man1/pos-client.1.gz").read_bytes()).decode("utf-8")
    assert page.startswith(".TH POS\\-CLIENT")
    for option in ("self\\-test", "demo", "dev\\-dir", "export"):
        assert option in page
    rendered = subprocess.run(
        ["man", "-l", "-Tutf8", str(deb_tree / "usr/share/man/man1/pos-client.1.gz")],
        capture_output=True, text=True, timeout=60, check=False,
    )
    if rendered.returncode == 0:  # man-db is there (lintian brings it)
        assert "pos-client" in rendered.stdout


def test_installed_desktop_entry_is_valid(deb_tree: Path) -> None:
    assert_desktop_file_valid(deb_tree / "usr/share/applications/pos-client.desktop")


def test_udev_rules_and_lintian_overrides_are_installed(deb_tree: Path) -> None:
    assert list((deb_tree / "usr/lib/udev/rules.d").glob("*.rules"))
    overrides = (deb_tree / "usr/share/lintian/overrides/pos-client").read_text(encoding="utf-8")
    # Every override says why, in the comment block right above it.
    lines = overrides.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("pos-client:"):
            above = [entry for entry in lines[:index] if entry.strip()]
            assert above and above[-1].startswith(("#", "pos-client:")), line


def _paragraphs(text: str) -> list[dict[str, str]]:
    paragraphs = []
    for block in text.strip().split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in block.splitlines():
            if line.startswith(" ") and key:
                fields[key] += "\n" + line
            else:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        paragraphs.append(fields)
    return paragraphs


def test_every_bundled_component_has_its_licence(deb_tree: Path) -> None:
    text = (deb_tree / "usr/share/doc/pos-client/copyright").read_text(encoding="utf-8")
    paragraphs = _paragraphs(text)
    header, own = paragraphs[0], paragraphs[1]
    assert header["Format"].startswith("https://www.debian.org/doc/packaging-manuals/copyright-format/1.0")
    assert own["Files"] == "*" and own["License"].startswith("AGPL-3.0-or-later")
    assert re.fullmatch(r"20\d\d(-20\d\d)? the pos-client authors", own["Copyright"]), own["Copyright"]
    components = {p["Comment"].split(" (", 1)[0]: p for p in paragraphs[2:]}
    for paragraph in paragraphs[2:]:
        assert paragraph["Files"] and paragraph["Copyright"], paragraph
        licence_lines = paragraph["License"].splitlines()
        assert len(licence_lines) > 3, paragraph["Comment"]  # the short name, then the full texts
    names = {name.rsplit(" ", 1)[0] if " " in name else name for name in components}
    # Every distribution whose metadata travels in the bundle, and the parts the issue names.
    internal = deb_tree / OPT / "_internal"
    shipped = {
        re.sub(r"[-_.]+", "-", d.name[: -len(".dist-info")].rsplit("-", 1)[0]).lower()
        for d in internal.glob("*.dist-info")
    } - {"pos-client"}
    normalised = {re.sub(r"[-_.]+", "-", n).lower() for n in names}
    assert shipped <= normalised, shipped - normalised
    for part in (
        "PySide6-Essentials", "PySide6-Addons", "shiboken6", "opencv-python-headless", "zxing-cpp",
        "libusb-package", "hidapi", "numpy", "httpx", "keyring", "uvicorn", "starlette", "pyserial",
        "pyusb", "evdev-binary", "Python", "pyinstaller",
    ):
        assert part.lower() in normalised, part
    ffmpeg = [p for name, p in components.items() if name.startswith("FFmpeg")]
    assert ffmpeg and "libavcodec" in ffmpeg[0]["Files"]
    assert "GNU LESSER GENERAL PUBLIC" in ffmpeg[0]["License"]
    qt = next(p for name, p in components.items() if name.startswith("PySide6_Essentials"))
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in qt["License"] and "Version 3" in qt["License"]
    # Debian packages whose libraries were copied in: their own copyright files.
    assert any(p["License"].startswith("Debian-") for p in paragraphs[2:])
    assert pos_client.APP_NAME in header["Upstream-Name"]
