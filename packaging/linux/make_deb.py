"""Build the ``.deb`` of pos-client from the PyInstaller bundle, with Debian's ``dpkg-deb``.

    python packaging/linux/make_deb.py [--bundle dist/pos-client] [--out dist] [--udev-rules DIR]

Package layout:

- ``/opt/pos-client/``: the one-folder bundle, and ``/usr/bin/pos-client`` pointing into it;
- ``/usr/share/applications/pos-client.desktop`` and the icon in the hicolor theme (the SVG, plus
  PNG sizes rendered at build time);
- ``/usr/lib/udev/rules.d/``: the scanner rules from ``drivers/linux/*.rules`` (whatever exists at
  build time); ``postinst`` reloads udev, ``postrm`` forgets them;
- ``/usr/share/doc/pos-client/``: copyright, changelog, README.Debian.

``Depends`` lists the Debian packages owning the system libraries the bundle links to (found with
``ldd`` on every ELF file of the bundle, owners with ``dpkg -S``), like ``dpkg-shlibdeps`` does,
with ``libc6 (>= the build machine's glibc)``. Nothing is ever installed in a user's home, and the
maintainer scripts never touch it: removing or purging the package leaves the journal in place.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE.parent))

import pos_client  # noqa: E402
from bundle_layout import BUNDLE_NAME  # noqa: E402

PACKAGE = pos_client.APP_NAME
INSTALL_DIR = f"/opt/{BUNDLE_NAME}"
UDEV_RULES_DIR = "/usr/lib/udev/rules.d"
MAINTAINER = "pos-client <pos-client@example.org>"
SUMMARY = "till for pass Culture contremarques (scan, check, validate, record)"
DESCRIPTION = """\
pos-client is a desktop till for French shops, museums and venues that take the
pass Culture. The cashier scans a beneficiary's contremarque (QR code or
6-character code) with a handheld scanner or a webcam; pos-client shows the
booking, asks for an ID check, validates it on the pass Culture API and records
the sale in a local journal.
.
This package holds a self-contained build (Python, Qt, OpenCV, zxing-cpp) in
/opt/pos-client, a desktop entry, and udev rules that give the desktop user
access to USB scanners. Removing it keeps each user's journal and settings."""
# Loaded with dlopen() by Qt, so ldd cannot see them.
DLOPENED_DEPENDS = ("libdbus-1-3",)
# No libusb-1.0-0: the bundle carries libusb-package's libusb for pyusb (`pos-client scanners`).
RECOMMENDS = (
    "fonts-dejavu-core | fonts-liberation2",
    "gnome-keyring | kwalletmanager | keepassxc",
)
# Libraries that may be absent: Qt loads the plugins needing them only on a desktop that has them
# (the GTK3 platform theme on GNOME, the Wayland platform in a Wayland session); elsewhere it
# falls back to its built-in theme and to X11.
OPTIONAL_LIBRARIES = frozenset(
    {"libgtk-3.so.0", "libgdk-3.so.0", "libwayland-cursor.so.0", "libwayland-egl.so.1"}
)
_PEP440 = re.compile(
    r"^(?P<release>\d+(?:\.\d+)*)"
    r"(?:(?P<pre_sep>[.-]?)(?P<pre>a|b|rc)(?P<pre_n>\d+))?"
    r"(?:\.post(?P<post>\d+))?"
    r"(?:\.dev(?P<dev>\d+))?"
    r"(?:\+(?P<local>[A-Za-z0-9.]+))?$"
)


def debian_version(version: str) -> str:
    """A PEP 440 version as a Debian version that sorts the same way.

    Pre-releases and dev releases sort *before* the release in PEP 440: Debian spells that with a
    tilde (``1.2.0~rc1 < 1.2.0``), and with two for the dev releases of a final release, which
    come before its pre-releases (``1.2.0~~dev1 < 1.2.0~a1``). Post releases and local versions
    come after (``+``).
    """
    match = _PEP440.match(version)
    if match is None:
        raise ValueError(f"not a PEP 440 version: {version!r}")
    text = match["release"]
    if match["pre"]:
        text += f"~{match['pre']}{match['pre_n']}"
    if match["post"]:
        text += f"+post{match['post']}"
    if match["dev"]:
        before_pre_releases = not match["pre"] and not match["post"]
        text += f"{'~~' if before_pre_releases else '~'}dev{match['dev']}"
    if match["local"]:
        text += f"+{match['local']}"
    return text


@dataclass(frozen=True)
class LibraryScan:
    """What the bundle's ELF files link to outside the bundle."""

    system_libraries: frozenset[str]  # resolved paths
    missing: frozenset[str]  # sonames no one could resolve


def _is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"\x7fELF"
    except OSError:
        return False


def scan_libraries(bundle: Path) -> LibraryScan:
    """Run ``ldd`` on every ELF file of ``bundle`` the way the bundle loads them at run time."""
    bundle = bundle.resolve()
    internal = bundle / "_internal"
    env = dict(os.environ, LD_LIBRARY_PATH=str(internal))
    system: set[str] = set()
    missing: set[str] = set()
    elf_files = [p for p in sorted(bundle.rglob("*")) if p.is_file() and not p.is_symlink() and _is_elf(p)]
    for elf in elf_files:
        result = subprocess.run(["ldd", str(elf)], capture_output=True, text=True, env=env, check=False)
        for line in result.stdout.splitlines():
            soname, arrow, target = line.strip().partition(" => ")
            if not arrow:
                continue
            target = target.split(" (", 1)[0].strip()
            if target == "not found":
                missing.add(soname)
            elif target and not Path(target).resolve().is_relative_to(bundle):
                system.add(target)
    return LibraryScan(frozenset(system), frozenset(missing))


def _usr_variants(path: str) -> list[str]:
    # Merged /usr: ldd may say /lib/... while dpkg knows /usr/lib/... (or the reverse).
    variants = [path]
    if path.startswith("/usr/"):
        variants.append(path[len("/usr") :])
    else:
        variants.append("/usr" + path)
    variants.append(str(Path(path).resolve()))
    return variants


def owning_packages(paths: Iterable[str]) -> dict[str, str]:
    """``{library path: Debian package}`` through ``dpkg -S`` (paths no package owns are left out)."""
    owners: dict[str, str] = {}
    for path in sorted(paths):
        for candidate in _usr_variants(path):
            result = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True, check=False)
            if result.returncode == 0 and result.stdout:
                package = result.stdout.split(":", 1)[0].split(",")[0].strip()
                owners[path] = package
                break
    return owners


def installed_upstream_version(package: str) -> str:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=True
    )
    version = result.stdout.strip()
    version = version.split(":", 1)[-1]  # epoch
    return version.rsplit("-", 1)[0]  # Debian revision


def depends_field(packages: Iterable[str], libc_version: str) -> str:
    names = sorted(set(packages) | set(DLOPENED_DEPENDS) | {"libc6"})
    return ", ".join(f"libc6 (>= {libc_version})" if name == "libc6" else name for name in names)


def control_text(*, version: str, architecture: str, depends: str, installed_size_kib: int) -> str:
    fields = {
        "Package": PACKAGE,
        "Version": debian_version(version),
        "Architecture": architecture,
        "Maintainer": MAINTAINER,
        "Installed-Size": str(installed_size_kib),
        "Depends": depends,
        "Recommends": ", ".join(RECOMMENDS),
        "Section": "misc",
        "Priority": "optional",
        "Description": f"{SUMMARY}\n" + "\n".join(f" {line}" for line in DESCRIPTION.splitlines()),
    }
    return "".join(f"{key}: {value}\n" for key, value in fields.items())


def installed_size_kib(root: Path) -> int:
    """Like dpkg-gencontrol: 1 KiB per file rounded up, 1 per directory and symlink."""
    total = 0
    for path in root.rglob("*"):
        if path.is_relative_to(root / "DEBIAN"):
            continue
        if path.is_symlink() or path.is_dir():
            total += 1
        else:
            total += (path.stat().st_size + 1023) // 1024
    return total


def _install(source: Path, target: Path, mode: int) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(mode)


def _write(target: Path, data: bytes, mode: int = 0o644) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    target.chmod(mode)


def _gzip(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def _render_icons(out: Path) -> list[Path]:
    subprocess.run([sys.executable, str(HERE.parent / "make_icons.py"), str(out)], check=True, stdout=subprocess.DEVNULL)
    return sorted(out.glob("pos-client-*.png"))


def stage(bundle: Path, stage_root: Path, udev_rules: Sequence[Path], version: str) -> None:
    """Lay the package's files out under ``stage_root`` (everything but DEBIAN/control)."""
    if stage_root.exists():
        shutil.rmtree(stage_root)
    opt = stage_root / INSTALL_DIR.lstrip("/")
    opt.parent.mkdir(parents=True)
    shutil.copytree(bundle, opt, symlinks=True)
    usr_bin = stage_root / "usr" / "bin"
    usr_bin.mkdir(parents=True)
    (usr_bin / PACKAGE).symlink_to(f"{INSTALL_DIR}/{PACKAGE}")

    share = stage_root / "usr" / "share"
    _install(HERE / "pos-client.desktop", share / "applications" / f"{PACKAGE}.desktop", 0o644)
    icons = share / "icons" / "hicolor"
    _install(HERE.parent / "icons" / "pos-client.svg", icons / "scalable" / "apps" / f"{PACKAGE}.svg", 0o644)
    for png in _render_icons(stage_root.parent / "icons"):
        size = png.stem.rsplit("-", 1)[1]
        _install(png, icons / f"{size}x{size}" / "apps" / f"{PACKAGE}.png", 0o644)

    for rules in udev_rules:
        _install(rules, stage_root / UDEV_RULES_DIR.lstrip("/") / rules.name, 0o644)

    doc = share / "doc" / PACKAGE
    _install(HERE / "copyright", doc / "copyright", 0o644)
    _install(HERE / "README.Debian", doc / "README.Debian", 0o644)
    # SOURCE_DATE_EPOCH (reproducible builds) when set, else now.
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(int(epoch) if epoch else None))
    changelog = (
        f"{PACKAGE} ({debian_version(version)}) unstable; urgency=medium\n\n"
        f"  * Build of pos-client {version} (see the project's history for changes).\n\n"
        f" -- {MAINTAINER}  {date}\n"
    )
    _write(doc / "changelog.gz", _gzip(changelog))

    debian = stage_root / "DEBIAN"
    debian.mkdir()
    for script in ("postinst", "postrm"):
        _install(HERE / script, debian / script, 0o755)


def build_deb(bundle: Path, out_dir: Path, udev_rules: Sequence[Path], *, work_dir: Path) -> Path:
    version = pos_client.__version__
    architecture = subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()
    scan = scan_libraries(bundle)
    unexpected = sorted(scan.missing - OPTIONAL_LIBRARIES)
    if unexpected:
        raise SystemExit(f"the bundle links to libraries found nowhere: {', '.join(unexpected)}")
    owners = owning_packages(scan.system_libraries)
    unowned = sorted(set(scan.system_libraries) - set(owners))
    if unowned:
        print(f"warning: no Debian package owns {', '.join(unowned)}", file=sys.stderr)
    depends = depends_field(owners.values(), installed_upstream_version("libc6"))

    stage_root = work_dir / f"{PACKAGE}_{debian_version(version)}_{architecture}"
    stage(bundle, stage_root, udev_rules, version)
    control = control_text(
        version=version,
        architecture=architecture,
        depends=depends,
        installed_size_kib=installed_size_kib(stage_root),
    )
    _write(stage_root / "DEBIAN" / "control", control.encode("utf-8"))

    out_dir.mkdir(parents=True, exist_ok=True)
    deb = out_dir / f"{stage_root.name}.deb"
    # gzip -1: every dpkg reads it (zstd needs dpkg >= 1.21.18), and on 2 cores it takes 2.5 s
    # where gzip -6 takes 8 s and xz 57 s, for a package 10 % (gzip -6) to 50 % (xz) larger.
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "--build", str(stage_root), str(deb)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return deb


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / BUNDLE_NAME)
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "deb")
    parser.add_argument("--udev-rules", type=Path, default=ROOT / "drivers" / "linux")
    args = parser.parse_args(argv)
    if not (args.bundle / PACKAGE).is_file():
        print(f"no bundle at {args.bundle}: run PyInstaller first (packaging/build_linux.sh)", file=sys.stderr)
        return 2
    rules = sorted(args.udev_rules.glob("*.rules")) if args.udev_rules.is_dir() else []
    if not rules:
        print(f"warning: no udev rules in {args.udev_rules}; the package will have none", file=sys.stderr)
    deb = build_deb(args.bundle, args.out, rules, work_dir=args.work)
    print(deb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
