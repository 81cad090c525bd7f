"""Tidy the ELF files of a staged bundle before it goes into the ``.deb`` (issue 22, items 3 and 5).

- **Search paths**: PyInstaller copies the build machine's Python (``libpython``, ``lib-dynload``)
  and some system libraries with their ``RPATH``/``RUNPATH`` entries, such as
  ``/root/.pyenv/versions/3.11.7/lib``: every start would look for libraries there. Entries that
  do not start with ``$ORIGIN`` (so point outside the bundle) are dropped with ``patchelf``;
  ``$ORIGIN`` entries (Qt's plugins, the auditwheel ``*.libs`` folders) stay.
- **Symbols**: ``strip --strip-unneeded`` on files that are safe to strip: not the program (the
  PyInstaller bootloader carries its archive appended after the ELF data), not the libraries
  vendored by auditwheel (``*.libs/`` folders) nor anything whose search path an ``$ORIGIN``
  entry shows was rewritten by patchelf: strip can corrupt files patchelf has grown.
- **Modes**: shared libraries are not executable (0644), as Debian policy wants.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["TidyReport", "is_elf", "outside_search_paths", "search_paths", "tidy_bundle"]


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"\x7fELF"
    except OSError:
        return False


def elf_files(root: Path) -> list[Path]:
    return [p for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink() and is_elf(p)]


def search_paths(path: Path) -> list[str]:
    """The ``RPATH`` and ``RUNPATH`` entries of an ELF file, in order (empty when it has none)."""
    result = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=False)
    entries: list[str] = []
    for line in result.stdout.splitlines():
        if "(RPATH)" in line or "(RUNPATH)" in line:
            value = line.split("[", 1)[1].rsplit("]", 1)[0]
            entries.extend(entry for entry in value.split(":") if entry)
    return entries


def outside_search_paths(entries: Iterable[str]) -> list[str]:
    """Entries that point outside the bundle: anything not relative to the file (``$ORIGIN``)."""
    return [e for e in entries if not e.startswith(("$ORIGIN", "${ORIGIN}"))]


def _has_symbols(path: Path) -> bool:
    result = subprocess.run(["readelf", "-S", "-W", str(path)], capture_output=True, text=True, check=False)
    return " .symtab " in result.stdout


@dataclass
class TidyReport:
    rewritten: list[Path] = field(default_factory=list)  # search paths cut back to $ORIGIN ones
    stripped: list[Path] = field(default_factory=list)
    left_unstripped: list[Path] = field(default_factory=list)  # unsafe to strip (see module doc)
    made_non_executable: list[Path] = field(default_factory=list)


def _safe_to_strip(path: Path, bundle: Path, program: Path, entries: list[str]) -> bool:
    if path == program:
        return False
    if any(part.endswith(".libs") for part in path.relative_to(bundle).parts[:-1]):
        return False
    return not any(e.startswith(("$ORIGIN", "${ORIGIN}")) for e in entries)


def tidy_bundle(bundle: Path, program: Path) -> TidyReport:
    """Strip, rewrite search paths and fix modes of every ELF file under ``bundle`` (in place)."""
    patchelf = shutil.which("patchelf")
    if patchelf is None:
        raise SystemExit("patchelf missing: apt-get install patchelf (./run installs it)")
    report = TidyReport()
    for path in elf_files(bundle):
        entries = search_paths(path)
        if _has_symbols(path):
            if _safe_to_strip(path, bundle, program, entries):
                subprocess.run(["strip", "--strip-unneeded", str(path)], check=True)
                report.stripped.append(path)
            else:
                report.left_unstripped.append(path)
        outside = outside_search_paths(entries)
        if outside and path != program:
            kept = [e for e in entries if e not in outside]
            command = [patchelf, "--set-rpath", ":".join(kept), str(path)] if kept else [
                patchelf, "--remove-rpath", str(path)
            ]
            subprocess.run(command, check=True)
            report.rewritten.append(path)
        mode = path.stat().st_mode
        if path != program and ".so" in path.name and mode & 0o111:
            path.chmod(stat.S_IMODE(mode) & ~0o111)
            report.made_non_executable.append(path)
    os.sync()
    return report
