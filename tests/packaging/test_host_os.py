"""Windows and Linux code paths of ``pos_client.host_os``, all tested on whatever OS runs the tests."""

from __future__ import annotations

import os
from pathlib import Path, PureWindowsPath

import pytest

from pos_client.host_os import (
    CameraBackend,
    HostOs,
    SerialPortNameError,
    camera_backends,
    camera_device,
    camera_environment,
    current_host_os,
    hid_module_name,
    host_os_of,
    keyring_backend_label,
    keyring_is_secure,
    native_qt_platforms,
    normalize_serial_port,
    program_file_name,
    qt_platform_of_plugin,
    secure_keyring_backends,
    serial_port_example,
    serial_port_sort_key,
    user_folders,
)
from pos_client.paths import AppPaths

W, L = HostOs.WINDOWS, HostOs.LINUX


@pytest.mark.parametrize(
    ("sys_platform", "expected"),
    [("win32", W), ("cygwin", W), ("linux", L), ("freebsd14", L), ("darwin", HostOs.MACOS)],
)
def test_host_os_of_sys_platform(sys_platform: str, expected: HostOs) -> None:
    assert host_os_of(sys_platform) is expected


def test_program_names() -> None:
    assert program_file_name(W) == "pos-client.exe"
    assert program_file_name(W, console=True) == "pos-client-console.exe"
    assert program_file_name(L) == "pos-client"
    assert program_file_name(L, console=True) == "pos-client"


# ----------------------------------------------------------------------------- serial ports
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("COM3", "COM3"),
        ("com3", "COM3"),
        (" COM 7 ", "COM7"),
        ("COM12:", "COM12"),
        ("\\\\.\\COM12", "COM12"),
        ("\\\\.\\com256", "COM256"),
        ("", ""),
    ],
)
def test_windows_com_port_names(typed: str, expected: str) -> None:
    assert normalize_serial_port(typed, W) == expected


@pytest.mark.parametrize("typed", ["COM0", "COM257", "/dev/ttyACM0", "ttyUSB0", "LPT1", "COM", "COMX"])
def test_windows_rejects_what_is_not_a_com_port_with_a_french_message(typed: str) -> None:
    with pytest.raises(SerialPortNameError, match="COM"):
        normalize_serial_port(typed, W)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("/dev/ttyACM0", "/dev/ttyACM0"),
        ("ttyACM1", "/dev/ttyACM1"),
        ("/dev/serial/by-id/usb-Honeywell_1900-if00", "/dev/serial/by-id/usb-Honeywell_1900-if00"),
        ("/dev//ttyUSB0", "/dev/ttyUSB0"),
    ],
)
def test_linux_serial_port_paths(typed: str, expected: str) -> None:
    assert normalize_serial_port(typed, L) == expected


@pytest.mark.parametrize("typed", ["COM3", "com10", "\\\\.\\COM4"])
def test_linux_rejects_windows_port_names(typed: str) -> None:
    with pytest.raises(SerialPortNameError, match="/dev/ttyACM0"):
        normalize_serial_port(typed, L)


def test_ports_sort_naturally() -> None:
    windows = ["COM10", "COM2", "COM1", "com3"]
    assert sorted(windows, key=serial_port_sort_key) == ["COM1", "COM2", "com3", "COM10"]
    linux = ["/dev/ttyACM10", "/dev/ttyUSB0", "/dev/ttyACM2"]
    assert sorted(linux, key=serial_port_sort_key) == ["/dev/ttyACM2", "/dev/ttyACM10", "/dev/ttyUSB0"]


def test_port_examples_match_the_os() -> None:
    assert normalize_serial_port(serial_port_example(W), W) == "COM3"
    assert normalize_serial_port(serial_port_example(L), L) == "/dev/ttyACM0"


# ----------------------------------------------------------------------------- webcams
def test_camera_backend_auto_tries_msmf_then_dshow_on_windows() -> None:
    assert camera_backends("auto", W) == (CameraBackend.MSMF, CameraBackend.DSHOW)
    assert camera_backends("", W) == (CameraBackend.MSMF, CameraBackend.DSHOW)
    assert camera_backends("DShow", W) == (CameraBackend.DSHOW,)


def test_camera_backend_on_linux_is_v4l2_then_opencvs_choice() -> None:
    assert camera_backends("auto", L) == (CameraBackend.V4L2, CameraBackend.ANY)
    assert camera_backends("v4l2", L) == (CameraBackend.V4L2,)
    assert camera_backends("auto", HostOs.MACOS) == (CameraBackend.AVFOUNDATION,)


@pytest.mark.parametrize("host", list(HostOs))
def test_camera_backend_any_exists_everywhere(host: HostOs) -> None:
    assert camera_backends(" ANY ", host) == (CameraBackend.ANY,)
    assert CameraBackend.ANY.opencv_constant == CameraBackend.AUTO.opencv_constant == "CAP_ANY"


def test_refused_camera_backend_lists_what_this_os_has() -> None:
    with pytest.raises(ValueError, match=r"valeurs possibles : auto, msmf, dshow, any\)"):
        camera_backends("v4l2", W)
    with pytest.raises(ValueError, match=r"valeurs possibles : auto, v4l2, any\)"):
        camera_backends("gstreamer", L)


@pytest.mark.parametrize(("setting", "host"), [("msmf", L), ("dshow", L), ("v4l2", W), ("gstreamer", W)])
def test_camera_backend_of_another_os_is_refused(setting: str, host: HostOs) -> None:
    with pytest.raises(ValueError, match=r"webcam\.backend"):
        camera_backends(setting, host)


def test_camera_backends_name_real_opencv_constants() -> None:
    cv2 = pytest.importorskip("cv2")
    for backend in CameraBackend:
        assert isinstance(getattr(cv2, backend.opencv_constant), int), backend


def test_msmf_slow_open_workaround_only_on_windows() -> None:
    assert camera_environment(W) == {"OPENCV_VIDEOIO_MSMF_ENABLE_HW_TRANSFORMS": "0"}
    assert camera_environment(L) == {}


def test_camera_device_argument() -> None:
    assert camera_device("", W) == 0
    assert camera_device(" 2 ", W) == 2
    assert camera_device(3, W) == 3
    with pytest.raises(ValueError, match="à partir de 0"):
        camera_device(-1, L)
    assert camera_device("/dev/video2", L) == "/dev/video2"
    by_id = "/dev/v4l/by-id/usb-Logitech-video-index0"
    assert camera_device(by_id, L) == by_id
    with pytest.raises(ValueError, match="numéro de caméra"):
        camera_device("/dev/video2", W)
    with pytest.raises(ValueError, match="numéro de caméra"):
        camera_device("Logitech C920", L)


# ----------------------------------------------------------------------------- keyring
def test_windows_keeps_the_key_in_the_credential_manager() -> None:
    assert secure_keyring_backends(W) == ("keyring.backends.Windows.WinVaultKeyring",)
    assert keyring_is_secure("keyring.backends.Windows.WinVaultKeyring", W)
    assert not keyring_is_secure("keyring.backends.Windows.WinVaultKeyring", L)
    label = keyring_backend_label("keyring.backends.Windows.WinVaultKeyring")
    assert label == "Gestionnaire d'identification Windows"


def test_linux_secure_backends_and_what_is_not_secure() -> None:
    assert secure_keyring_backends(L)[0] == "keyring.backends.SecretService.Keyring"
    assert keyring_is_secure("keyring.backends.kwallet.DBusKeyring", L)
    insecure_backends = (
        "keyring.backends.fail.Keyring",
        "keyring.backends.null.Keyring",
        "keyrings.alt.file.PlaintextKeyring",
    )
    for insecure in insecure_backends:
        assert not keyring_is_secure(insecure, L)
    assert keyring_backend_label("keyring.backends.fail.Keyring") == "aucun trousseau"
    assert keyring_backend_label("keyrings.alt.file.PlaintextKeyring") == "keyrings.alt.file.PlaintextKeyring"


@pytest.mark.parametrize("host", list(HostOs))
def test_secure_backends_are_real_keyring_classes(host: HostOs) -> None:
    # The modules import on every OS (they check viability at run time), so names cannot rot.
    import importlib

    for qualified in secure_keyring_backends(host):
        module_name, _, class_name = qualified.rpartition(".")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:  # libsecret needs PyGObject, absent from the venv and the bundle
            assert module_name == "keyring.backends.libsecret", exc
            continue
        assert isinstance(getattr(module, class_name), type)


# ----------------------------------------------------------------------------- HID, Qt
def test_hid_backend_per_os() -> None:
    assert hid_module_name(L) == "hidraw"
    assert hid_module_name(W) == "hid"


def test_qt_platform_plugins() -> None:
    assert qt_platform_of_plugin("libqxcb.so") == "xcb"
    assert qt_platform_of_plugin("qwindows.dll") == "windows"
    assert qt_platform_of_plugin("libqcocoa.dylib") == "cocoa"
    assert qt_platform_of_plugin("libqwayland.so") == "wayland"
    assert qt_platform_of_plugin("README.txt") is None
    assert qt_platform_of_plugin("qwindows.pdb") is None
    assert native_qt_platforms(W) == ("windows",)
    assert "xcb" in native_qt_platforms(L)


# ----------------------------------------------------------------------------- folders
def test_windows_folders_are_local_never_roaming() -> None:
    env = {
        "LOCALAPPDATA": r"C:\Users\caissier\AppData\Local",
        "APPDATA": r"C:\Users\caissier\AppData\Roaming",
    }
    folders = user_folders(W, env, r"C:\Users\caissier")
    data = PureWindowsPath(r"C:\Users\caissier\AppData\Local\pos-client\pos-client")
    assert folders.data_dir == data
    assert folders.config_dir == data
    assert folders.log_dir == data / "Logs"
    assert folders.cache_dir == data / "Cache"
    journal = str(folders.data_dir / "journal.sqlite3")
    assert journal == r"C:\Users\caissier\AppData\Local\pos-client\pos-client\journal.sqlite3"


def test_windows_folders_without_localappdata_fall_back_to_the_profile() -> None:
    folders = user_folders(W, {}, r"D:\Profils\caisse2")
    assert str(folders.data_dir) == r"D:\Profils\caisse2\AppData\Local\pos-client\pos-client"


def test_linux_folders_follow_xdg() -> None:
    folders = user_folders(L, {}, "/home/caisse")
    assert str(folders.config_dir) == "/home/caisse/.config/pos-client"
    assert str(folders.data_dir) == "/home/caisse/.local/share/pos-client"
    assert str(folders.log_dir) == "/home/caisse/.local/state/pos-client/log"
    assert str(folders.cache_dir) == "/home/caisse/.cache/pos-client"
    env = {"XDG_DATA_HOME": "/srv/caisse", "XDG_CONFIG_HOME": "relative/ignored"}
    custom = user_folders(L, env, "/home/caisse")
    assert str(custom.data_dir) == "/srv/caisse/pos-client"
    assert str(custom.config_dir) == "/home/caisse/.config/pos-client"


def test_the_rules_agree_with_platformdirs_on_this_machine() -> None:
    # user_folders() restates platformdirs' rules so that they can be tested for every OS, and
    # AppPaths.for_user() uses it. On the OS running the tests, platformdirs must agree.
    platformdirs = pytest.importorskip("platformdirs")
    expected = AppPaths(
        config_dir=Path(platformdirs.user_config_dir("pos-client", "pos-client")),
        data_dir=Path(platformdirs.user_data_dir("pos-client", "pos-client")),
        log_dir=Path(platformdirs.user_log_dir("pos-client", "pos-client")),
        cache_dir=Path(platformdirs.user_cache_dir("pos-client", "pos-client")),
    )
    assert AppPaths.for_user() == expected
    folders = user_folders(current_host_os(), os.environ, str(Path.home()))
    assert Path(folders.data_dir) == expected.data_dir
