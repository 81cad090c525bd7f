"""What differs between Windows and Linux, as pure functions of the host OS.

Every function takes the OS as a parameter (``HostOs``) instead of reading ``sys.platform``, so the
Windows rules are tested on Linux and the reverse: COM port names, the OpenCV camera backends to
try, the keyring backends that keep the API key safe, the per-user folders, program file names.
``current_host_os()`` gives the value for the running machine.

The app's own code calls these functions (``webcam_source.open_capture``, ``hid_source.hid_backend``,
``discovery.build_hardware_sources`` for the serial port setting, ``paths.AppPaths.for_user``, the
self-test); each of those takes an optional ``host`` that defaults to ``current_host_os()``, so the
tests run the real code for Windows, Linux and macOS here.

(The module is not called ``platform``: PyInstaller and ``python pos_client/x.py`` put a script's
folder first on the import path, where a ``platform.py`` would shadow the standard library.)
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath, PurePosixPath, PureWindowsPath

from pos_client import APP_NAME

__all__ = [
    "CameraBackend",
    "HostOs",
    "SerialPortNameError",
    "UserFolders",
    "camera_backends",
    "camera_device",
    "camera_environment",
    "current_host_os",
    "hid_module_name",
    "host_os_of",
    "keyring_backend_label",
    "keyring_is_secure",
    "native_qt_platforms",
    "normalize_serial_port",
    "program_file_name",
    "qt_platform_of_plugin",
    "secure_keyring_backends",
    "serial_port_example",
    "serial_port_sort_key",
    "user_folders",
]


class HostOs(StrEnum):
    LINUX = "linux"
    WINDOWS = "windows"
    MACOS = "macos"


def host_os_of(sys_platform: str) -> HostOs:
    """``sys.platform`` -> ``HostOs`` (other Unixes follow the Linux rules)."""
    if sys_platform in {"win32", "cygwin"}:
        return HostOs.WINDOWS
    if sys_platform == "darwin":
        return HostOs.MACOS
    return HostOs.LINUX


# A plain str, read once: tests patch it to run the real code as on another OS (and mypy checks
# every branch instead of only the running platform's).
_PLATFORM: str = sys.platform


def current_host_os() -> HostOs:
    return host_os_of(_PLATFORM)


# ----------------------------------------------------------------------------- programs
def program_file_name(host: HostOs, *, console: bool = False) -> str:
    """The bundle's program: ``pos-client`` (Linux), ``pos-client.exe`` (Windows, windowed).

    On Windows a windowed program has no standard output, so the bundle also holds
    ``pos-client-console.exe`` for ``--self-test`` and the subcommands; elsewhere the one program
    does both.
    """
    stem = f"{APP_NAME}-console" if console and host is HostOs.WINDOWS else APP_NAME
    return f"{stem}.exe" if host is HostOs.WINDOWS else stem


# ----------------------------------------------------------------------------- serial ports
class SerialPortNameError(ValueError):
    """A serial port name that cannot be right on this OS; the message is for the cashier."""


_WINDOWS_COM = re.compile(r"^(?:\\\\\.\\)?COM\s*([1-9]\d{0,2})\s*:?$", re.IGNORECASE)
_NATURAL_PARTS = re.compile(r"(\d+)")


def normalize_serial_port(text: str, host: HostOs) -> str:
    """The port name as pyserial opens it, from what a person typed or a driver listed.

    Windows: ``com3``, ``COM3:`` and ``\\\\.\\COM12`` all give ``COM3`` / ``COM12`` (pyserial adds
    the ``\\\\.\\`` prefix that ports above COM9 need by itself). Linux and macOS: a device path;
    a bare ``ttyACM0`` gets its ``/dev/``. An empty text means "no port chosen" and stays empty.
    """
    name = text.strip()
    if not name:
        return ""
    if host is HostOs.WINDOWS:
        match = _WINDOWS_COM.match(name)
        if match is None:
            raise SerialPortNameError(
                f"« {name} » n'est pas un port série Windows : attendu COM1 à COM256 "
                "(voir le Gestionnaire de périphériques, rubrique « Ports (COM et LPT) »)."
            )
        number = int(match.group(1))
        if number > 256:
            raise SerialPortNameError(f"« {name} » : Windows numérote les ports série de COM1 à COM256.")
        return f"COM{number}"
    if "\\" in name or _WINDOWS_COM.match(name):
        raise SerialPortNameError(
            f"« {name} » est un nom de port Windows : sous Linux, un port série est un fichier "
            "comme /dev/ttyACM0 ou /dev/serial/by-id/…"
        )
    if not name.startswith("/"):
        name = f"/dev/{name}"
    return str(PurePosixPath(name))


def serial_port_sort_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order, so COM2 comes before COM10 and ttyACM2 before ttyACM10."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.casefold())
        for part in _NATURAL_PARTS.split(name)
        if part
    )


def serial_port_example(host: HostOs) -> str:
    return "COM3" if host is HostOs.WINDOWS else "/dev/ttyACM0"


# ----------------------------------------------------------------------------- webcams
class CameraBackend(StrEnum):
    """The ``webcam.backend`` setting; values are OpenCV's ``cv2.CAP_<NAME>`` in lower case."""

    AUTO = "auto"  # the OS's list below
    ANY = "any"  # whatever OpenCV picks first (every OS)
    MSMF = "msmf"  # Windows Media Foundation: OpenCV's default on Windows
    DSHOW = "dshow"  # DirectShow: opens fast where MSMF takes seconds
    V4L2 = "v4l2"  # Linux
    AVFOUNDATION = "avfoundation"  # macOS

    @property
    def opencv_constant(self) -> str:
        """The name of the ``cv2`` constant to pass to ``cv2.VideoCapture(index, api)``."""
        return "CAP_ANY" if self in (CameraBackend.AUTO, CameraBackend.ANY) else f"CAP_{self.name}"


_CAMERA_BACKENDS: dict[HostOs, tuple[CameraBackend, ...]] = {
    # MSMF first (native, sharper), DirectShow when MSMF fails or is too slow to open.
    HostOs.WINDOWS: (CameraBackend.MSMF, CameraBackend.DSHOW),
    # V4L2 first (MJPG, buffer size honoured), then whatever else this OpenCV has (GStreamer...).
    HostOs.LINUX: (CameraBackend.V4L2, CameraBackend.ANY),
    HostOs.MACOS: (CameraBackend.AVFOUNDATION,),
}


def _allowed_camera_backends(host: HostOs) -> str:
    names = dict.fromkeys((CameraBackend.AUTO, *_CAMERA_BACKENDS[host], CameraBackend.ANY))
    return ", ".join(b.value for b in names)


def camera_backends(setting: str, host: HostOs) -> tuple[CameraBackend, ...]:
    """The OpenCV backends to try in order, for the ``webcam.backend`` setting on ``host``.

    ``any`` (OpenCV's own choice) exists everywhere. Raises ``ValueError`` (French message) for an
    unknown name or one this OS does not have (``msmf`` on Linux, ``v4l2`` on Windows).
    """
    try:
        chosen = CameraBackend(setting.strip().lower() or "auto")
    except ValueError:
        raise ValueError(
            f"webcam.backend : « {setting} » inconnu (valeurs possibles : {_allowed_camera_backends(host)})."
        ) from None
    available = _CAMERA_BACKENDS[host]
    if chosen is CameraBackend.AUTO:
        return available
    if chosen is not CameraBackend.ANY and chosen not in available:
        raise ValueError(
            f"webcam.backend : « {chosen.value} » n'existe pas sous {host.value} "
            f"(valeurs possibles : {_allowed_camera_backends(host)})."
        )
    return (chosen,)


def camera_environment(host: HostOs) -> dict[str, str]:
    """Environment variables to set before OpenCV opens a camera.

    Windows: without ``OPENCV_VIDEOIO_MSMF_ENABLE_HW_TRANSFORMS=0`` some webcams take from seconds
    to minutes to open with MSMF (opencv/opencv#17687, PR #20327).
    """
    if host is HostOs.WINDOWS:
        return {"OPENCV_VIDEOIO_MSMF_ENABLE_HW_TRANSFORMS": "0"}
    return {}


def camera_device(setting: int | str, host: HostOs) -> int | str:
    """The first argument of ``cv2.VideoCapture`` for a camera index or a ``webcam.device`` text.

    Empty: the first camera (0). A number: that index. On Linux, a device path
    (``/dev/video2``, ``/dev/v4l/by-id/…``) is passed as is: it stays right when cameras are
    plugged in another order. Windows and macOS have no such path for OpenCV: only indexes.
    A camera *name* never gets here: ``webcam_source.resolve_device`` turns it into an index first
    (Linux: from ``/sys/class/video4linux``; elsewhere the camera panel passes Qt's index).
    """
    if isinstance(setting, int):
        if setting < 0:
            raise ValueError(f"webcam.device : « {setting} » : les caméras sont numérotées à partir de 0.")
        return setting
    text = setting.strip()
    if not text:
        return 0
    if text.isdigit():
        return int(text)
    if host is HostOs.LINUX and text.startswith("/dev/"):
        return text
    raise ValueError(
        f"webcam.device : « {text} » n'est pas un numéro de caméra"
        + (" ni un chemin /dev/video…" if host is HostOs.LINUX else " (0 pour la première, 1…).")
    )


# ----------------------------------------------------------------------------- keyring
# The backends that keep the API key encrypted by the OS, per host, with a name for people.
_SECURE_KEYRINGS: dict[HostOs, dict[str, str]] = {
    HostOs.WINDOWS: {"keyring.backends.Windows.WinVaultKeyring": "Gestionnaire d'identification Windows"},
    HostOs.LINUX: {
        "keyring.backends.SecretService.Keyring": "Secret Service (GNOME Keyring, KeePassXC…)",
        "keyring.backends.kwallet.DBusKeyring": "KWallet (KDE)",
        "keyring.backends.libsecret.Keyring": "libsecret (GNOME Keyring)",
    },
    HostOs.MACOS: {"keyring.backends.macOS.Keyring": "Trousseau macOS"},
}
_OTHER_KEYRINGS = {
    "keyring.backends.fail.Keyring": "aucun trousseau",
    "keyring.backends.null.Keyring": "trousseau désactivé",
    "keyring.backends.chainer.ChainerBackend": "trousseaux enchaînés",
}


def secure_keyring_backends(host: HostOs) -> tuple[str, ...]:
    """Qualified class names (``module.Class``) of the secure backends of ``host``, best first."""
    return tuple(_SECURE_KEYRINGS[host])


def keyring_is_secure(qualified_name: str, host: HostOs) -> bool:
    return qualified_name in _SECURE_KEYRINGS[host]


def keyring_backend_label(qualified_name: str) -> str:
    """A French name for a keyring backend class (``module.Class``); unknown ones keep theirs."""
    for labels in _SECURE_KEYRINGS.values():
        if qualified_name in labels:
            return labels[qualified_name]
    return _OTHER_KEYRINGS.get(qualified_name, qualified_name)


# ----------------------------------------------------------------------------- HID
def hid_module_name(host: HostOs) -> str:
    """hidapi's module to read HID POS scanners: the kernel ``hidraw`` backend on Linux (no driver
    detach, works with udev ``uaccess``), the native ``hid`` backend elsewhere."""
    return "hidraw" if host is HostOs.LINUX else "hid"


# ----------------------------------------------------------------------------- folders
@dataclass(frozen=True)
class UserFolders:
    """Where one user's settings, journal, logs and cache live (what ``AppPaths.for_user`` gives)."""

    config_dir: PurePath
    data_dir: PurePath
    log_dir: PurePath
    cache_dir: PurePath


def _xdg(environ: Mapping[str, str], name: str, default: PurePosixPath) -> PurePosixPath:
    # The XDG spec says relative values are invalid and must be ignored.
    value = environ.get(name, "")
    return PurePosixPath(value) if value.startswith("/") else default


def user_folders(host: HostOs, environ: Mapping[str, str], home: str) -> UserFolders:
    """The per-user folders of ``host``, following the rules platformdirs applies there.

    Stated here rather than asked of platformdirs because platformdirs answers only for the OS it
    runs on (its Windows rules call the Win32 API), and the Windows and macOS folders must be
    computed and tested on a Linux CI; a test compares these rules with platformdirs on the running
    OS, so a change of platformdirs' rules is seen.

    Windows keeps everything under ``%LOCALAPPDATA%\\pos-client\\pos-client`` (local, never
    roaming: a SQLite journal must not travel with a roaming profile). Linux follows XDG, with
    logs under the state folder.
    """
    if host is HostOs.WINDOWS:
        local = environ.get("LOCALAPPDATA", "").strip()
        base = PureWindowsPath(local) if local else PureWindowsPath(home, "AppData", "Local")
        data = base / APP_NAME / APP_NAME
        return UserFolders(config_dir=data, data_dir=data, log_dir=data / "Logs", cache_dir=data / "Cache")
    if host is HostOs.MACOS:
        library = PurePosixPath(home, "Library")
        support = library / "Application Support" / APP_NAME
        return UserFolders(
            config_dir=support,
            data_dir=support,
            log_dir=library / "Logs" / APP_NAME,
            cache_dir=library / "Caches" / APP_NAME,
        )
    posix_home = PurePosixPath(home)
    return UserFolders(
        config_dir=_xdg(environ, "XDG_CONFIG_HOME", posix_home / ".config") / APP_NAME,
        data_dir=_xdg(environ, "XDG_DATA_HOME", posix_home / ".local" / "share") / APP_NAME,
        log_dir=_xdg(environ, "XDG_STATE_HOME", posix_home / ".local" / "state") / APP_NAME / "log",
        cache_dir=_xdg(environ, "XDG_CACHE_HOME", posix_home / ".cache") / APP_NAME,
    )


# ----------------------------------------------------------------------------- Qt
_NATIVE_QT_PLATFORMS: dict[HostOs, tuple[str, ...]] = {
    HostOs.LINUX: ("xcb", "wayland"),
    HostOs.WINDOWS: ("windows",),
    HostOs.MACOS: ("cocoa",),
}


def native_qt_platforms(host: HostOs) -> tuple[str, ...]:
    """Qt platform plugins a desktop of ``host`` uses (the bundle must ship at least one)."""
    return _NATIVE_QT_PLATFORMS[host]


def qt_platform_of_plugin(file_name: str) -> str | None:
    """``libqxcb.so`` / ``qwindows.dll`` / ``libqcocoa.dylib`` -> ``xcb`` / ``windows`` / ``cocoa``;
    None for any other file."""
    stem, _, extension = file_name.partition(".")
    if extension not in {"so", "dll", "dylib"}:
        return None
    stem = stem.removeprefix("lib")
    return stem[1:] if stem.startswith("q") and len(stem) > 1 else None
