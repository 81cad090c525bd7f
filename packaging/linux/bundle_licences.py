"""The ``copyright`` file of the ``.deb``: every component of the bundle with its licence texts.

Generated at build time (issue 22, item 4) from what is installed where the bundle was built:

- every file of the bundle is traced to what it came from: a Python distribution of the venv (its
  ``RECORD``), the Python interpreter itself (``libpython``, ``lib-dynload``, the standard library),
  PyInstaller's bootloader (the program), pos-client, or a Debian package (a system library
  PyInstaller copied in: its owner by ``dpkg -S``);
- the pure-Python modules inside the program's archive (PYZ) are traced the same way, by module
  name;
- a distribution's licence texts are the licence files it installed (``LICENSE``, ``COPYING``,
  ``NOTICE``...), else the texts of ``/usr/share/common-licenses`` its licence expression names
  (PySide6/Qt), else a text kept in ``packaging/linux/licenses/<name>.txt``; a Debian package's is
  its ``/usr/share/doc/<package>/copyright``; Python's is its ``LICENSE.txt``.

A file traced to nothing, or a component with no licence text, stops the build (``LicenceError``).
The result is in Debian's machine-readable format (``copyright-format/1.0``): one ``Files``
paragraph per component, its full licence texts in the paragraph.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
import subprocess
import sys
import sysconfig
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Component", "LicenceError", "bundle_components", "copyright_text", "pyz_modules"]

HERE = Path(__file__).resolve().parent
FALLBACK_LICENSES = HERE / "licenses"
COMMON_LICENSES = Path("/usr/share/common-licenses")
FORMAT_URL = "https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
FIRST_YEAR = 2025  # the project's first release
_LICENCE_FILE = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE|COPYRIGHT|AUTHORS)", re.IGNORECASE)
_SPDX_TO_COMMON = {
    "Apache-2.0": "Apache-2.0",
    "GPL-2.0": "GPL-2",
    "GPL-2.0-only": "GPL-2",
    "GPL-2.0-or-later": "GPL-2",
    "GPL-3.0": "GPL-3",
    "GPL-3.0-only": "GPL-3",
    "GPL-3.0-or-later": "GPL-3",
    "LGPL-2.1-only": "LGPL-2.1",
    "LGPL-2.1-or-later": "LGPL-2.1",
    "LGPL-3.0-only": "LGPL-3",
    "LGPL-3.0-or-later": "LGPL-3",
    "MPL-2.0": "MPL-2.0",
}
# Libraries inside a distribution that are a component of their own, with their own licence: the
# FFmpeg that Qt Multimedia's backend loads (the sounds), built and shipped by the Qt Company.
EMBEDDED = (
    (
        re.compile(r"^PySide6/Qt/lib/lib(avcodec|avformat|avutil|swresample|swscale)\.so"),
        "FFmpeg (Qt Multimedia's FFmpeg backend, built by the Qt Company)",
        "LGPL-2.1-or-later",
        "FFmpeg is free software under the GNU Lesser General Public License 2.1 or later; its"
        " source is at https://ffmpeg.org/download.html and the build Qt uses is described at"
        " https://doc.qt.io/qt-6/qtmultimedia-attribution-ffmpeg.html",
    ),
)


class LicenceError(Exception):
    """A bundled file whose origin is unknown, or a component without a licence text."""


@dataclass
class Component:
    name: str
    version: str
    licence: str  # SPDX-like expression, for the License field's first line
    files: set[str] = field(default_factory=set)  # paths inside the bundle
    texts: list[tuple[str, str]] = field(default_factory=list)  # (title, text)
    origin: str = ""  # "python distribution", "Debian package", ...
    comment: str = ""


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# ----------------------------------------------------------------------------- where files came from
@dataclass
class _DistIndex:
    by_path: dict[str, str]  # path relative to site-packages -> distribution
    by_name: dict[str, str]  # file name of a shared library -> distribution
    dists: dict[str, metadata.Distribution]


def _dist_index() -> _DistIndex:
    by_path: dict[str, str] = {}
    by_name: dict[str, str] = {}
    dists: dict[str, metadata.Distribution] = {}
    for dist in metadata.distributions():
        name = _normalise(dist.metadata["Name"])
        if name in dists:
            continue
        dists[name] = dist
        for file in dist.files or []:
            rel = str(file)
            if rel.startswith(".."):
                continue
            by_path.setdefault(rel, name)
            if ".so" in file.name:
                by_name.setdefault(file.name, name)
    return _DistIndex(by_path, by_name, dists)


def pyz_modules(program: Path) -> list[str]:
    """Names of the modules in the program's PYZ archive (PyInstaller's own reader)."""
    from PyInstaller.archive.readers import CArchiveReader

    archive = CArchiveReader(str(program))
    names = list(archive.toc)
    modules = [n for n in names if not n.endswith(".pyz")]
    for pyz in (n for n in names if n.endswith(".pyz")):
        modules.extend(archive.open_embedded_archive(pyz).toc)
    return modules


def _module_distribution(module: str, index: _DistIndex, top_level: dict[str, list[str]]) -> str | None:
    top = module.split(".", 1)[0]
    candidates = top_level.get(top, [])
    if len(candidates) == 1:
        return _normalise(candidates[0])
    stem = module.replace(".", "/")
    for rel in (f"{stem}.py", f"{stem}/__init__.py"):
        if rel in index.by_path:
            return index.by_path[rel]
    return None


def _dpkg_owners(names: Iterable[str]) -> dict[str, tuple[str, str]]:
    """``{file name: (Debian package, path)}`` for system libraries copied into the bundle."""
    patterns = [f"*/{name}" for name in sorted(set(names))]
    if not patterns:
        return {}
    result = subprocess.run(["dpkg", "-S", *patterns], capture_output=True, text=True, check=False)
    owners: dict[str, tuple[str, str]] = {}
    for line in result.stdout.splitlines():
        packages, _, path = line.partition(": ")
        name = Path(path.strip()).name
        if "/lib" in path and name not in owners:
            owners[name] = (packages.split(",")[0].split(":")[0].strip(), path.strip())
    return owners


def _trace_files(bundle: Path, program: Path, index: _DistIndex) -> tuple[dict[str, set[str]], list[str]]:
    """``({component key: bundle paths}, unknown paths)``; keys are ``dist:<name>``, ``deb:<package>``,
    ``python``, ``pyinstaller``, ``self``."""
    internal = bundle / "_internal"
    python_dir = f"python{sys.version_info.major}.{sys.version_info.minor}"
    owned: dict[str, set[str]] = defaultdict(set)
    system: list[Path] = []
    for path in sorted(bundle.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        shown = path.relative_to(bundle).as_posix()
        if path == program:
            owned["pyinstaller"].add(shown)
            continue
        rel = path.relative_to(internal).as_posix()
        first = rel.split("/", 1)[0]
        if rel in index.by_path:
            owned[f"dist:{index.by_path[rel]}"].add(shown)
        elif first.endswith(".dist-info"):
            owned[f"dist:{_normalise(first[: -len('.dist-info')].rsplit('-', 1)[0])}"].add(shown)
        elif first in {"pos_client"}:
            owned["self"].add(shown)
        elif first == python_dir or rel == "base_library.zip" or first.startswith("libpython"):
            owned["python"].add(shown)
        elif "/" not in rel and rel in index.by_name:
            owned[f"dist:{index.by_name[rel]}"].add(shown)
        else:
            system.append(path)
    owners = _dpkg_owners(p.name for p in system)
    unknown: list[str] = []
    for path in system:
        shown = path.relative_to(bundle).as_posix()
        if path.name in owners:
            owned[f"deb:{owners[path.name][0]}"].add(shown)
        else:
            unknown.append(shown)
    return owned, unknown


# ----------------------------------------------------------------------------- licence texts
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace").strip()


def _dist_licence(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression") or ""
    if not expression:
        first = (meta.get("License") or "").strip().splitlines()
        expression = first[0] if first and len(first[0]) < 80 else ""
    if not expression:
        classifiers = [
            c.rsplit("::", 1)[1].strip()
            for c in meta.get_all("Classifier") or []
            if c.startswith("License ::")
        ]
        expression = " / ".join(classifiers)
    return expression or "see-below"


def _dist_texts(name: str, dist: metadata.Distribution, licence: str) -> list[tuple[str, str]]:
    texts: dict[str, tuple[str, str]] = {}
    for file in dist.files or []:
        if _LICENCE_FILE.match(file.name) and not str(file).startswith(".."):
            located = Path(str(dist.locate_file(file)))
            if located.is_file():
                text = _read(located)
                texts.setdefault(text, (str(file), text))
    if texts:
        return list(texts.values())
    fallback = FALLBACK_LICENSES / f"{name}.txt"
    if fallback.is_file():
        return [(f"{name} licence (from its upstream repository)", _read(fallback))]
    ids = re.findall(r"[A-Za-z0-9.+-]+", licence)
    commons = [_SPDX_TO_COMMON[i] for i in ids if i in _SPDX_TO_COMMON]
    known = [i for i in ids if i not in {"OR", "AND", "WITH"}]
    if commons and len(commons) == len(known):
        return [(f"{c} ({COMMON_LICENSES / c})", _read(COMMON_LICENSES / c)) for c in dict.fromkeys(commons)]
    return []


def _copyright_lines(texts: Sequence[tuple[str, str]], fallback: str) -> str:
    lines: list[str] = []
    for _title, text in texts:
        for line in text.splitlines():
            stripped = line.strip()
            if re.match(r"^(Copyright|\(c\)|©)\s.*\d{4}", stripped, re.IGNORECASE) and stripped not in lines:
                lines.append(stripped.removeprefix("Copyright").removeprefix(":").strip())
            if len(lines) >= 6:
                break
    return "\n".join(lines) if lines else fallback


def _deb_component(package: str, files: set[str]) -> Component:
    version = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=False
    ).stdout.strip()
    copyright_file = Path("/usr/share/doc") / package / "copyright"
    texts = [(str(copyright_file), _read(copyright_file))] if copyright_file.is_file() else []
    return Component(
        package, version or "?", f"Debian-{package}", files, texts, "Debian package",
        f"A library of the Debian package {package} {version} (its copyright file follows)."
    )


def _python_component(files: set[str]) -> Component:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    minor = f"{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [stdlib / "LICENSE.txt", Path(f"/usr/share/doc/python{minor}/copyright")]
    texts = [(str(c), _read(c)) for c in candidates[:1] if c.is_file()] or [
        (str(c), _read(c)) for c in candidates[1:] if c.is_file()
    ]
    version = sys.version.split()[0]
    return Component("Python", version, "PSF-2.0", files, texts, "Python interpreter",
                     f"The Python {version} interpreter and standard library the program runs on.")


def bundle_components(
    bundle: Path, program: Path, self_name: str, self_version: str, modules: Sequence[str] | None = None
) -> list[Component]:
    """Every component of ``bundle``, with its licence texts; raises ``LicenceError`` when a file
    or a module has no known origin, or a component has no licence text. ``modules``: the names in
    the program's archive (default: read from ``program``)."""
    index = _dist_index()
    owned, unknown = _trace_files(bundle, program, index)
    names = pyz_modules(program) if modules is None else modules
    top_level = metadata.packages_distributions() if names else {}
    stdlib_names = set(sys.stdlib_module_names)
    unknown_modules: list[str] = []
    for module in names:
        top = module.split(".", 1)[0]
        pyinstaller_own = top.startswith(("pyimod", "pyi_rth", "pyiboot", "_pyi_")) and top not in top_level
        if top in stdlib_names or pyinstaller_own:
            owned.setdefault("python" if top in stdlib_names else "pyinstaller", set())
            continue
        if top in {"pos_client", "launcher"}:
            continue
        if top.startswith("_sysconfigdata"):  # written by Python's own build
            owned.setdefault("python", set())
            continue
        if "." not in module and len(top_level.get(top, [])) > 1:
            continue  # a namespace package (jaraco): no code of its own, its modules are traced
        dist = _module_distribution(module, index, top_level)
        if dist is None:
            unknown_modules.append(module)
        else:
            owned.setdefault(f"dist:{dist}", set())
    problems = [f"fichier d'origine inconnue : {p}" for p in unknown]
    problems += [f"module d'origine inconnue : {m}" for m in unknown_modules]

    components: list[Component] = []
    for key in sorted(owned):
        files = owned[key]
        kind, _, name = key.partition(":")
        if kind == "self":
            continue
        if kind == "python":
            components.append(_python_component(files))
        elif kind == "deb":
            components.append(_deb_component(name, files))
        else:
            dist_name = "pyinstaller" if kind == "pyinstaller" else name
            if dist_name == _normalise(self_name):
                continue
            dist = index.dists[dist_name]
            licence = _dist_licence(dist)
            texts = _dist_texts(dist_name, dist, licence)
            origin = "PyInstaller bootloader" if kind == "pyinstaller" else "Python distribution"
            note = (
                "The program file is PyInstaller's bootloader (GPL-2.0-or-later with the bootloader"
                " exception, which allows it in any program)."
                if kind == "pyinstaller" else
                f"The Python distribution {dist.metadata['Name']} {dist.version}"
                + ("" if files else ", compiled into the program's module archive")
                + "."
            )
            components.append(
                Component(dist.metadata["Name"], dist.version, licence, files, texts, origin, note)
            )
    for pattern, title, licence, note in EMBEDDED:
        for component in components:
            inner = {f for f in component.files if pattern.match(f.removeprefix("_internal/"))}
            if inner:
                component.files -= inner
                common = _SPDX_TO_COMMON[licence]
                texts = [(f"{common} ({COMMON_LICENSES / common})", _read(COMMON_LICENSES / common))]
                components.append(Component(title, "", licence, inner, texts, "embedded library", note))
                break
    problems += [
        f"aucune licence trouvée pour {c.name} {c.version} ({c.origin})" for c in components if not c.texts
    ]
    if problems:
        raise LicenceError("licences du paquet incomplètes :\n  " + "\n  ".join(problems))
    return components


# ----------------------------------------------------------------------------- copyright file
def _field_text(text: str) -> str:
    """A text as a DEP-5 continuation: each line indented by one space, empty lines as a dot."""
    lines = []
    for line in text.expandtabs(4).splitlines():
        lines.append(f" {line.rstrip()}" if line.strip() else " .")
    return "\n".join(lines)


def _files_field(files: set[str], install_dir: str) -> str:
    prefix = install_dir.strip("/")
    if not files:
        return f"{prefix}/{Path(install_dir).name}"  # modules compiled into the program's archive
    shown = sorted(f"{prefix}/{f}" for f in files)
    return "\n ".join(shown)


def copyright_text(
    components: Sequence[Component], *, project: str, contact: str, own_licence_text: str, install_dir: str,
    year: int | None = None,
) -> str:
    """The DEP-5 ``copyright`` file: pos-client first, then every bundled component."""
    this_year = year if year is not None else time.gmtime().tm_year
    years = f"{FIRST_YEAR}-{this_year}" if this_year > FIRST_YEAR else str(FIRST_YEAR)
    paragraphs = [
        f"Format: {FORMAT_URL}\nUpstream-Name: {project}\nUpstream-Contact: {contact}\n"
        f"Comment: {project} is a self-contained bundle: the program and the {len(components)} components"
        "\n below (Python distributions, the Python interpreter, Qt and FFmpeg, system libraries), each"
        "\n under its own licence, whose full texts follow each paragraph. Generated at build time"
        "\n from the installed distributions by packaging/linux/bundle_licences.py.",
        f"Files: *\nCopyright: {years} the {project} authors\nLicense: AGPL-3.0-or-later\n"
        + _field_text(own_licence_text),
    ]
    for component in components:
        holders = _copyright_lines(component.texts, f"the {component.name} authors (see the licence below)")
        body = "\n\n".join(f"[{title}]\n{text}" for title, text in component.texts)
        name = f"{component.name} {component.version}".strip()
        comment = f"{name} ({component.origin}). {component.comment}"
        paragraphs.append(
            f"Files: {_files_field(component.files, install_dir)}\n"
            f"Copyright: {_field_text(holders).lstrip()}\n"
            f"Comment: {comment}\n"
            f"License: {component.licence}\n{_field_text(body)}"
        )
    return "\n\n".join(paragraphs) + "\n"
