"""The packaging sources, checked without building: spec trimming rules, Debian version mapping,
maintainer scripts, desktop entry, icons, and the Inno Setup script's Windows layout."""

from __future__ import annotations

import configparser
import itertools
import re
import shutil
import struct
import subprocess
from pathlib import Path
from types import ModuleType

import pytest
from deb_build import assert_desktop_file_valid

import pos_client
from pos_client.host_os import HostOs, program_file_name

# ----------------------------------------------------------------------------- bundle contents


@pytest.mark.parametrize(
    "destination",
    [
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/plugins/platforms/qwindows.dll",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
        "PySide6/Qt/lib/libQt6Widgets.so.6",
        "PySide6/Qt6Core.dll",
        "PySide6/Qt/translations/qtbase_fr.qm",
        "PySide6/Qt/translations/qt_help_en.qm",
        "PySide6/translations/qtbase_fr.qm",
        "cv2/cv2.abi3.so",
        "libpython3.11.so.1.0",
    ],
)
def test_bundle_keeps_what_the_till_loads(bundle_layout: ModuleType, destination: str) -> None:
    assert bundle_layout.keep_in_bundle(destination)


@pytest.mark.parametrize(
    "destination",
    [
        "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
        "PySide6/plugins/platforminputcontexts/qtvirtualkeyboardplugin.dll",
        "PySide6/Qt/plugins/imageformats/libqpdf.so",
        "PySide6/Qt/plugins/platforms/libqeglfs.so",
        "PySide6/Qt/plugins/egldeviceintegrations/libqeglfs-kms-egldevice-integration.so",
        "PySide6/Qt/lib/libQt6Quick3D.so.6",
        "PySide6/Qt/lib/libQt6QuickControls2.so.6",
        "PySide6/Qt6Pdf.dll",
        "PySide6/Qt/translations/qtbase_de.qm",
        "PySide6/Qt/translations/qt_zh_CN.qm",
    ],
)
def test_bundle_drops_what_the_till_never_loads(bundle_layout: ModuleType, destination: str) -> None:
    assert not bundle_layout.keep_in_bundle(destination)


def test_excluded_python_modules_are_not_used_by_the_app(
    bundle_layout: ModuleType, project_root: Path
) -> None:
    # A Qt module the app imports must never be in the exclusion list (the bundle would break).
    imported = set()
    for path in (project_root / "pos_client").rglob("*.py"):
        imported.update(re.findall(r"PySide6\.(Qt\w+)", path.read_text(encoding="utf-8")))
    assert imported, "the app imports no Qt module at all?"
    assert not imported & set(bundle_layout.UNUSED_QT_MODULES)


def test_windows_program_names_match_the_spec(bundle_layout: ModuleType) -> None:
    assert f"{bundle_layout.GUI_PROGRAM}.exe" == program_file_name(HostOs.WINDOWS)
    assert f"{bundle_layout.CONSOLE_PROGRAM}.exe" == program_file_name(HostOs.WINDOWS, console=True)
    assert program_file_name(HostOs.LINUX) == bundle_layout.GUI_PROGRAM


# ----------------------------------------------------------------------------- Debian versions


@pytest.mark.parametrize(
    ("pep440", "debian"),
    [
        ("0.1.0", "0.1.0"),
        ("1.2.0rc1", "1.2.0~rc1"),
        ("1.2.0b2", "1.2.0~b2"),
        ("1.2.0.dev3", "1.2.0~~dev3"),
        ("1.2.0a1.dev1", "1.2.0~a1~dev1"),
        ("1.2.0.post1", "1.2.0+post1"),
        ("1.2.0+shop.3", "1.2.0+shop.3"),
    ],
)
def test_debian_version_of_pep440(make_deb: ModuleType, pep440: str, debian: str) -> None:
    assert make_deb.debian_version(pep440) == debian


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="dpkg is needed to compare Debian versions")
def test_debian_versions_sort_like_pep440(make_deb: ModuleType) -> None:
    ordered = [
        "1.0.0.dev1", "1.0.0a1.dev2", "1.0.0a1", "1.0.0b2", "1.0.0rc1", "1.0.0", "1.0.0.post1", "1.0.1",
    ]
    debian = [make_deb.debian_version(v) for v in ordered]
    for lower, higher in itertools.pairwise(debian):
        result = subprocess.run(["dpkg", "--compare-versions", lower, "lt", higher], check=False)
        assert result.returncode == 0, f"{lower} should sort before {higher}"


def test_the_package_version_maps(make_deb: ModuleType) -> None:
    assert make_deb.debian_version(pos_client.__version__)


def test_bad_version_is_refused(make_deb: ModuleType) -> None:
    with pytest.raises(ValueError, match="PEP 440"):
        make_deb.debian_version("version 2")


def test_control_file_fields(make_deb: ModuleType) -> None:
    text = make_deb.control_text(
        version="1.2.0rc1", architecture="amd64", depends="libc6 (>= 2.36), libxcb1", installed_size_kib=1234
    )
    fields = dict(re.findall(r"^([A-Za-z-]+): (.*)$", text, flags=re.MULTILINE))
    assert fields["Package"] == "pos-client"
    assert fields["Version"] == "1.2.0~rc1"
    assert fields["Installed-Size"] == "1234"
    assert fields["Depends"] == "libc6 (>= 2.36), libxcb1"
    # Continuation lines start with a space; an empty one is " ." (Debian policy 5.6.13).
    description = text.split("Description: ", 1)[1].splitlines()[1:]
    assert description and all(line.startswith(" ") and line.strip() for line in description)
    assert " ." in description


def test_depends_always_has_a_versioned_libc_and_the_dlopened_libraries(make_deb: ModuleType) -> None:
    depends = make_deb.depends_field(["libxcb1", "libegl1", "libxcb1"], "2.36")
    assert depends == (
        "libc6 (>= 2.36), fontconfig-config, libdbus-1-3, libegl1, libxcb1, "
        "fonts-dejavu-core | fonts-liberation2 | fonts-freefont-ttf"
    )


def test_a_font_is_a_dependency_not_a_recommendation(make_deb: ModuleType) -> None:
    """--no-install-recommends skips Recommends: without a font every text is an empty box."""
    assert "fonts-dejavu-core" in make_deb.depends_field([], "2.36")
    assert not any("fonts" in entry for entry in make_deb.RECOMMENDS)


def test_maintainer_is_a_named_contact_not_a_placeholder(make_deb: ModuleType) -> None:
    name, _, address = make_deb.MAINTAINER.partition(" <")
    assert "maintainers" in name and address.endswith(">")
    assert "example." not in make_deb.MAINTAINER


def test_description_names_the_minimum_os(make_deb: ModuleType) -> None:
    text = make_deb.control_text(version="1.0", architecture="amd64", depends="libc6", installed_size_kib=1)
    assert "glibc 2.36" in text and "Debian 12" in text and "Ubuntu 23.04" in text
    assert all(len(line) <= 80 for line in text.split("Description: ", 1)[1].splitlines())


# ----------------------------------------------------------------------------- maintainer scripts


@pytest.fixture
def fake_udevadm(tmp_path: Path) -> tuple[Path, Path]:
    """A ``udevadm`` that records its calls: no udev daemon runs in a container or in CI."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "udevadm-calls"
    script = bin_dir / "udevadm"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> "{calls}"\n'
        '[ "$1 $2" = "control --ping" ] && exit "${FAKE_UDEV_PING_STATUS:-0}"\n'
        "exit 0\n"
    )
    script.chmod(0o755)
    return bin_dir, calls


def _run_script(
    project_root: Path, name: str, argument: str, bin_dir: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    script = project_root / "packaging" / "linux" / name
    environment = {"PATH": f"{bin_dir}:/usr/bin:/bin", **env}
    return subprocess.run(
        ["sh", str(script), argument],
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def _calls(calls: Path) -> list[str]:
    return calls.read_text().splitlines() if calls.exists() else []


def test_postinst_reloads_udev_and_retriggers_scanners(
    project_root: Path, fake_udevadm: tuple[Path, Path]
) -> None:
    bin_dir, calls = fake_udevadm
    result = _run_script(project_root, "postinst", "configure", bin_dir)
    assert result.returncode == 0, result.stderr
    recorded = _calls(calls)
    assert recorded[0].startswith("control --ping")
    assert "control --reload-rules" in recorded
    trigger = next(c for c in recorded if c.startswith("trigger"))
    for subsystem in ("tty", "hidraw", "usb", "input"):
        assert f"--subsystem-match={subsystem}" in trigger


def test_postinst_leaves_udev_alone_without_a_running_daemon(
    project_root: Path, fake_udevadm: tuple[Path, Path]
) -> None:
    bin_dir, calls = fake_udevadm
    result = _run_script(project_root, "postinst", "configure", bin_dir, FAKE_UDEV_PING_STATUS="1")
    assert result.returncode == 0, result.stderr
    assert [c.split()[:2] for c in _calls(calls)] == [["control", "--ping"]]


def test_postinst_into_another_root_leaves_this_udev_alone(
    project_root: Path, fake_udevadm: tuple[Path, Path], tmp_path: Path
) -> None:
    bin_dir, calls = fake_udevadm
    result = _run_script(project_root, "postinst", "configure", bin_dir, DPKG_ROOT=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert _calls(calls) == []


@pytest.mark.parametrize("action", ["remove", "purge"])
def test_postrm_forgets_the_rules_and_keeps_the_users_journal(
    project_root: Path, fake_udevadm: tuple[Path, Path], tmp_path: Path, action: str
) -> None:
    bin_dir, calls = fake_udevadm
    home = tmp_path / "home" / "caisse"
    journal = home / ".local" / "share" / "pos-client" / "journal.sqlite3"
    journal.parent.mkdir(parents=True)
    journal.write_bytes(b"SQLite format 3\x00")
    result = _run_script(project_root, "postrm", action, bin_dir, HOME=str(home))
    assert result.returncode == 0, result.stderr
    assert "control --reload-rules" in _calls(calls)
    assert journal.read_bytes() == b"SQLite format 3\x00"


@pytest.mark.parametrize("name", ["postinst", "postrm"])
def test_docs_named_by_maintainer_scripts_are_installed(project_root: Path, name: str) -> None:
    # A pointer to /usr/share/doc/pos-client/X must name a file the .deb installs there.
    linux = project_root / "packaging" / "linux"
    installer = (linux / "make_deb.py").read_text(encoding="utf-8")
    named = re.findall(r"/usr/share/doc/pos-client/([\w.-]*\w)", (linux / name).read_text())
    for doc in named:
        assert (linux / doc).is_file(), doc
        assert f'doc / "{doc}"' in installer, doc
    if name == "postrm":
        assert named == ["README.Debian"]


@pytest.mark.parametrize("name", ["postinst", "postrm"])
def test_maintainer_scripts_refuse_unknown_actions(
    project_root: Path, fake_udevadm: tuple[Path, Path], name: str
) -> None:
    result = _run_script(project_root, name, "dance", fake_udevadm[0])
    assert result.returncode == 1
    assert "unknown argument" in result.stderr


@pytest.mark.parametrize("name", ["postinst", "postrm"])
def test_maintainer_scripts_never_name_a_home_folder(project_root: Path, name: str) -> None:
    code = "\n".join(
        line for line in (project_root / "packaging" / "linux" / name).read_text().splitlines()
        if not line.lstrip().startswith("#")
    )
    for needle in ("HOME", "/home", "~", ".local"):
        assert needle not in code
    assert not re.search(r"\brm\s", code)


# ----------------------------------------------------------------------------- desktop entry, icons


def test_desktop_entry(project_root: Path) -> None:
    path = project_root / "packaging" / "linux" / "pos-client.desktop"
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == "pos-client"
    assert entry["Icon"] == "pos-client"
    assert (project_root / "packaging" / "icons" / f"{entry['Icon']}.svg").is_file()
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")
    assert entry["GenericName[fr]"] == "Caisse pass Culture"
    assert parser["Desktop Action demo"]["Exec"] == "pos-client --demo"
    assert_desktop_file_valid(path)



@pytest.mark.gui
def test_icons_render_from_the_svg_and_the_ico_reads_back(
    make_icons: ModuleType, tmp_path: Path, qapp: object
) -> None:
    from PySide6.QtGui import QImage

    assert make_icons.main([str(tmp_path)]) == 0
    for size in make_icons.PNG_SIZES:
        image = QImage(str(tmp_path / f"pos-client-{size}.png"))
        assert (image.width(), image.height()) == (size, size)
        # Not blank: the corners are transparent, the middle is painted.
        assert image.pixelColor(0, 0).alpha() == 0
        assert image.pixelColor(size // 2, size // 2).alpha() == 255
    ico = (tmp_path / "pos-client.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    assert (reserved, kind, count) == (0, 1, len(make_icons.ICO_SIZES))
    largest = QImage(str(tmp_path / "pos-client.ico"), "ICO")
    assert not largest.isNull()


# ----------------------------------------------------------------------------- Windows installer


def _iss_sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith((";", "#")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections[current] = []
        elif current:
            sections[current].append(line)
    return sections


@pytest.fixture(scope="module")
def iss_text(project_root: Path) -> str:
    return (project_root / "packaging" / "windows" / "pos-client.iss").read_text(encoding="utf-8")


def _define(text: str, name: str) -> str:
    match = re.search(rf'^#define {name} "(.*)"$', text, flags=re.MULTILINE)
    assert match, name
    return match.group(1)


def test_installer_installs_the_bundle_programs(iss_text: str, bundle_layout: ModuleType) -> None:
    assert _define(iss_text, "AppName") == pos_client.APP_NAME
    assert _define(iss_text, "AppExe") == program_file_name(HostOs.WINDOWS)
    assert _define(iss_text, "ConsoleExe") == program_file_name(HostOs.WINDOWS, console=True)
    assert re.search(rf'#define BundleDir Root \+ "\\dist\\{bundle_layout.BUNDLE_NAME}"', iss_text)
    files = _iss_sections(iss_text)["Files"]
    assert any('Source: "{#BundleDir}\\*"' in line and "recursesubdirs" in line for line in files)


def test_installer_takes_the_version_from_the_program(iss_text: str, project_root: Path) -> None:
    assert 'GetStringFileInfo(BundleDir + "\\" + AppExe, "ProductVersion")' in iss_text
    spec = (project_root / "packaging" / "pos_client.spec").read_text(encoding="utf-8")
    assert 'vi.StringStruct("ProductVersion", VERSION)' in spec


def test_installer_has_start_menu_entries(iss_text: str) -> None:
    icons = _iss_sections(iss_text)["Icons"]
    start_menu = [line for line in icons if line.startswith('Name: "{group}\\')]
    targets = [re.search(r'Filename: "([^"]+)"', line).group(1) for line in start_menu]  # type: ignore[union-attr]
    assert "{app}\\{#AppExe}" in targets  # the till
    assert any("--demo" in line for line in start_menu)
    assert any("{#ConsoleExe}" in line and "--self-test" in line for line in start_menu)
    assert "{uninstallexe}" in targets


def test_installer_never_removes_user_data(iss_text: str) -> None:
    sections = _iss_sections(iss_text)
    for section in ("UninstallDelete", "InstallDelete"):
        for line in sections.get(section, []):
            assert re.search(r'Name: "\{app\}', line), line
    code = "\n".join(line for lines in sections.values() for line in lines)
    for user_folder in ("{localappdata}", "{userappdata}", "{commonappdata}", "{%LOCALAPPDATA"):
        assert user_folder not in code


def test_installer_setup_basics(iss_text: str) -> None:
    setup = dict(line.split("=", 1) for line in _iss_sections(iss_text)["Setup"])
    assert setup["AppId"] == "{{BC5BB740-6B53-456E-B100-D5BEE3AA74F8}"  # never changes: upgrades
    assert setup["DefaultDirName"] == "{autopf}\\{#AppName}"
    assert setup["ArchitecturesInstallIn64BitMode"] == "x64compatible"
    languages = _iss_sections(iss_text)["Languages"]
    assert languages[0].startswith('Name: "french"')


def test_windows_build_script_runs_the_self_test_before_packaging(project_root: Path) -> None:
    script = (project_root / "packaging" / "windows" / "build_windows.ps1").read_text(encoding="utf-8")
    markers = (
        "packaging\\make_icons.py", "-m PyInstaller", "--self-test", "packaging\\windows\\pos-client.iss"
    )
    steps = [script.index(marker) for marker in markers]
    assert steps == sorted(steps)
    assert "packaging\\pos_client.spec" in script


def test_control_file_needs_no_system_libusb(make_deb: ModuleType) -> None:
    # The bundle carries libusb-package's libusb for pyusb (the bundle test checks it is there).
    control = make_deb.control_text(
        version="1.0.0", architecture="amd64", depends="libc6 (>= 2.36)", installed_size_kib=1
    )
    recommends = next(line for line in control.splitlines() if line.startswith("Recommends: "))
    assert "libusb" not in recommends
    assert "gnome-keyring" in recommends


def test_excluded_libraries_are_not_imported_by_the_app(
    bundle_layout: ModuleType, project_root: Path
) -> None:
    excluded = {name for name in bundle_layout.UNUSED_MODULES if not name.startswith("PySide6.")}
    assert {"rich", "pygments"} <= excluded
    for path in (project_root / "pos_client").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        imported = set(re.findall(r"^\s*(?:import|from)\s+(\w+)", text, flags=re.MULTILINE))
        assert not imported & excluded, path
