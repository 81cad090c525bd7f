"""The app's own code on Windows, Linux and macOS, tested here with the OS passed in or patched.

``test_host_os.py`` checks the rules of ``pos_client.host_os``; this file checks that the code
that runs in the till follows them: ``webcam_source.open_capture`` (backends, MSMF environment,
device argument) against a fake ``cv2.VideoCapture`` that records what it was given,
``hid_source.hid_backend``, the serial port setting (``discovery.configured_serial_port`` and
``build_hardware_sources``) and ``paths.AppPaths.for_user``. ``host_os._PLATFORM`` stands for
``sys.platform``: patching it makes the default ``host`` (``current_host_os()``) another OS.
"""

from __future__ import annotations

import os
import queue
import sys
import types
from pathlib import PureWindowsPath
from typing import Any, ClassVar

import cv2
import pytest

from pos_client import host_os
from pos_client.domain.scan import SourceState, SourceStatus
from pos_client.host_os import HostOs
from pos_client.paths import AppPaths
from pos_client.scanner.discovery import Discovery, build_hardware_sources, configured_serial_port
from pos_client.scanner.hid_source import HidScanSource, hid_backend
from pos_client.scanner.webcam_source import CameraDevice, WebcamSource, open_capture
from pos_client.settings import ScannerSettings

W, L, M = HostOs.WINDOWS, HostOs.LINUX, HostOs.MACOS
MSMF_ENV = "OPENCV_VIDEOIO_MSMF_ENABLE_HW_TRANSFORMS"


@pytest.fixture
def as_os(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``as_os("win32")``: ``current_host_os()`` answers for that ``sys.platform`` in this test."""

    def patch(sys_platform: str) -> None:
        monkeypatch.setattr(host_os, "_PLATFORM", sys_platform)

    return patch


def test_current_host_os_follows_the_patched_platform(as_os: Any) -> None:
    assert host_os.current_host_os() is host_os.host_os_of(sys.platform)
    as_os("win32")
    assert host_os.current_host_os() is W
    as_os("darwin")
    assert host_os.current_host_os() is M


# ----------------------------------------------------------------------------- webcam
class FakeVideoCapture:
    """Stands for ``cv2.VideoCapture``: records each opening with the MSMF variable as it was then."""

    calls: ClassVar[list[tuple[tuple[Any, ...], str | None]]] = []
    opens_with: ClassVar[set[int]] = set()  # the APIs that "have" the camera

    def __init__(self, *args: Any) -> None:
        self.args = args
        self.props: dict[int, float] = {}
        self.released = False
        if args:  # cv2.VideoCapture() with no argument is open_capture's placeholder
            FakeVideoCapture.calls.append((args, os.environ.get(MSMF_ENV)))

    def isOpened(self) -> bool:  # OpenCV's name
        return len(self.args) == 2 and self.args[1] in self.opens_with

    def set(self, prop: int, value: float) -> bool:
        self.props[prop] = value
        return True

    def read(self) -> tuple[bool, Any]:
        return False, None

    def get(self, prop: int) -> float:
        return self.props.get(prop, 0.0)

    def release(self) -> None:
        self.released = True


@pytest.fixture
def fake_cv2(monkeypatch: pytest.MonkeyPatch) -> type[FakeVideoCapture]:
    monkeypatch.setattr(cv2, "VideoCapture", FakeVideoCapture)
    monkeypatch.setattr(FakeVideoCapture, "calls", [])
    monkeypatch.setattr(FakeVideoCapture, "opens_with", set())
    # Absent at the start, and absent again after the test whatever open_capture set.
    monkeypatch.setenv(MSMF_ENV, "unset")
    monkeypatch.delenv(MSMF_ENV)
    return FakeVideoCapture


def _apis(fake: type[FakeVideoCapture]) -> list[int]:
    return [args[1] for args, _ in fake.calls]


def test_windows_auto_tries_msmf_then_directshow_with_the_fast_open_setting(
    fake_cv2: type[FakeVideoCapture],
) -> None:
    fake_cv2.opens_with = {cv2.CAP_DSHOW}  # a webcam MSMF cannot open
    capture = open_capture(CameraDevice(index=1), "auto", (1280, 720), host=W)
    assert _apis(fake_cv2) == [cv2.CAP_MSMF, cv2.CAP_DSHOW]
    assert [args[0] for args, _ in fake_cv2.calls] == [1, 1]
    # Set before the first opening, so MSMF skips its slow hardware-transform negotiation.
    assert [env for _, env in fake_cv2.calls] == ["0", "0"]
    assert isinstance(capture, FakeVideoCapture) and capture.isOpened()
    assert capture.props[cv2.CAP_PROP_FRAME_WIDTH] == 1280
    assert capture.props[cv2.CAP_PROP_FOURCC] == cv2.VideoWriter.fourcc(*"MJPG")


def test_windows_auto_stops_at_msmf_when_it_opens(fake_cv2: type[FakeVideoCapture]) -> None:
    fake_cv2.opens_with = {cv2.CAP_MSMF}
    open_capture(CameraDevice(index=0), "", (640, 480), host=W)
    assert _apis(fake_cv2) == [cv2.CAP_MSMF]


def test_windows_explicit_directshow(fake_cv2: type[FakeVideoCapture]) -> None:
    open_capture(CameraDevice(index=2), "DShow", (640, 480), host=W)
    assert fake_cv2.calls == [((2, cv2.CAP_DSHOW), "0")]


def test_windows_is_the_default_host_when_the_platform_is_win32(
    fake_cv2: type[FakeVideoCapture], as_os: Any
) -> None:
    as_os("win32")
    capture = open_capture(CameraDevice(index=0), "auto", (1280, 720))
    assert _apis(fake_cv2) == [cv2.CAP_MSMF, cv2.CAP_DSHOW]
    assert os.environ[MSMF_ENV] == "0"
    assert not capture.isOpened()  # neither opened: the source reports it, the capture is closed


def test_a_shop_value_for_the_msmf_setting_is_kept(
    fake_cv2: type[FakeVideoCapture], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MSMF_ENV, "1")
    open_capture(CameraDevice(index=0), "msmf", (1280, 720), host=W)
    assert fake_cv2.calls == [((0, cv2.CAP_MSMF), "1")]


@pytest.mark.parametrize(
    ("device", "backend", "message"),
    [
        (CameraDevice(path="/dev/video2"), "auto", "numéro de caméra"),  # no device paths on Windows
        (CameraDevice(index=0), "v4l2", r"webcam\.backend : « v4l2 » n'existe pas sous windows"),
        (CameraDevice(index=0), "gstreamer", r"webcam\.backend : « gstreamer » inconnu"),
    ],
)
def test_windows_refuses_what_it_does_not_have_before_opening_anything(
    fake_cv2: type[FakeVideoCapture], device: CameraDevice, backend: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        open_capture(device, backend, (1280, 720), host=W)
    assert fake_cv2.calls == []
    assert MSMF_ENV not in os.environ


def test_linux_auto_is_v4l2_then_any_and_takes_device_paths(fake_cv2: type[FakeVideoCapture]) -> None:
    by_id = "/dev/v4l/by-id/usb-Logitech_C920-video-index0"
    open_capture(CameraDevice(path=by_id), "auto", (1280, 720), host=L)
    assert fake_cv2.calls == [((by_id, cv2.CAP_V4L2), None), ((by_id, cv2.CAP_ANY), None)]
    with pytest.raises(ValueError, match="msmf"):
        open_capture(CameraDevice(index=0), "msmf", (1280, 720), host=L)


def test_macos_auto_is_avfoundation(fake_cv2: type[FakeVideoCapture]) -> None:
    fake_cv2.opens_with = {cv2.CAP_AVFOUNDATION}
    open_capture(CameraDevice(index=1), "auto", (1280, 720), host=M)
    assert fake_cv2.calls == [((1, cv2.CAP_AVFOUNDATION), None)]


@pytest.mark.parametrize("host", list(HostOs))
def test_a_video_file_is_opened_by_name_on_every_os(fake_cv2: type[FakeVideoCapture], host: HostOs) -> None:
    open_capture(CameraDevice(path="clip.mp4", is_file=True), "msmf", (1280, 720), host=host)
    assert fake_cv2.calls == [(("clip.mp4",), None)]


def test_the_webcam_source_of_a_windows_till_opens_with_msmf_then_directshow(
    fake_cv2: type[FakeVideoCapture], as_os: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real source with its default opener, as on Windows: no /dev/video* to look at there.
    as_os("win32")  # host_os is the one place the OS is read
    statuses: queue.Queue[SourceStatus] = queue.Queue()
    source = WebcamSource("1", retry_s=30.0, pyzbar_second_chance=False)
    source.start(lambda scan: None, statuses.put)
    try:
        status = statuses.get(timeout=5)
        while status.state is not SourceState.ERROR:
            status = statuses.get(timeout=5)
    finally:
        source.stop()
    assert fake_cv2.calls == [((1, cv2.CAP_MSMF), "0"), ((1, cv2.CAP_DSHOW), "0")]


# ----------------------------------------------------------------------------- HID
@pytest.fixture
def fake_hidapi(monkeypatch: pytest.MonkeyPatch) -> tuple[types.ModuleType, types.ModuleType]:
    """hidapi's two modules, as stand-ins that the real ``hid_backend`` imports."""
    hid, hidraw = types.ModuleType("hid"), types.ModuleType("hidraw")
    monkeypatch.setitem(sys.modules, "hid", hid)
    monkeypatch.setitem(sys.modules, "hidraw", hidraw)
    return hid, hidraw


def test_hid_backend_per_os(fake_hidapi: tuple[types.ModuleType, types.ModuleType]) -> None:
    hid, hidraw = fake_hidapi
    assert hid_backend(W) is hid
    assert hid_backend(M) is hid
    assert hid_backend(L) is hidraw


def test_hid_source_of_a_windows_till_uses_hidapis_native_module(
    fake_hidapi: tuple[types.ModuleType, types.ModuleType], as_os: Any
) -> None:
    hid, hidraw = fake_hidapi
    as_os("win32")
    assert hid_backend() is hid
    asked: list[str] = []
    hid.enumerate = lambda vid=0, pid=0: asked.append("hid") or []  # type: ignore[attr-defined]
    hidraw.enumerate = lambda vid=0, pid=0: asked.append("hidraw") or []  # type: ignore[attr-defined]
    statuses: queue.Queue[SourceStatus] = queue.Queue()
    source = HidScanSource(0x0C2E, 0x0B8F, retry_s=30.0)  # the default backend: hid_backend
    source.start(lambda scan: None, statuses.put)
    try:
        status = statuses.get(timeout=5)
        while status.state is not SourceState.DISCONNECTED:
            status = statuses.get(timeout=5)
    finally:
        source.stop()
    assert asked == ["hid"]


# ----------------------------------------------------------------------------- serial port setting
@pytest.mark.parametrize(
    ("typed", "host", "expected"),
    [
        ("com3", W, "COM3"),
        ("\\\\.\\COM10", W, "COM10"),
        (" COM7: ", W, "COM7"),
        ("ttyACM0", L, "/dev/ttyACM0"),
        ("/dev/serial/by-id/usb-Honeywell-if00", L, "/dev/serial/by-id/usb-Honeywell-if00"),
        ("/dev/cu.usbmodem1101", M, "/dev/cu.usbmodem1101"),
        # Cannot be right on this OS: logged, kept as typed (the source says it cannot open it).
        ("/dev/ttyACM0", W, "/dev/ttyACM0"),
        ("COM3", L, "COM3"),
    ],
)
def test_serial_port_setting_per_os(typed: str, host: HostOs, expected: str) -> None:
    assert configured_serial_port(typed, host) == expected


def test_a_windows_till_opens_the_com_port_the_setting_names(as_os: Any) -> None:
    as_os("win32")
    settings = ScannerSettings(serial_port="com3", hid_enabled=False)
    sources = build_hardware_sources(settings, Discovery((), ()))
    assert [source.source_id for source in sources] == ["serial:COM3"]


def test_a_linux_till_opens_the_device_the_setting_names(as_os: Any) -> None:
    as_os("linux")
    settings = ScannerSettings(serial_port="ttyACM1", hid_enabled=False)
    sources = build_hardware_sources(settings, Discovery((), ()))
    assert [source.source_id for source in sources] == ["serial:/dev/ttyACM1"]


# ----------------------------------------------------------------------------- folders
def test_app_paths_of_a_windows_user() -> None:
    env = {
        "LOCALAPPDATA": r"C:\Users\caissière\AppData\Local",
        "APPDATA": r"C:\Users\caissière\AppData\Roaming",
    }
    paths = AppPaths.for_user(W, env, r"C:\Users\caissière")
    root = PureWindowsPath(r"C:\Users\caissière\AppData\Local\pos-client\pos-client")
    assert PureWindowsPath(str(paths.journal_file)) == root / "journal.sqlite3"
    assert PureWindowsPath(str(paths.settings_file)) == root / "settings.toml"
    assert PureWindowsPath(str(paths.log_file)) == root / "Logs" / "pos-client.log"
    assert PureWindowsPath(str(paths.cache_dir)) == root / "Cache"


def test_app_paths_follow_the_patched_platform(as_os: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCALAPPDATA", r"D:\Profils\caisse2\AppData\Local")
    as_os("win32")
    windows = AppPaths.for_user()
    assert PureWindowsPath(str(windows.data_dir)) == PureWindowsPath(
        r"D:\Profils\caisse2\AppData\Local\pos-client\pos-client"
    )
    as_os("darwin")
    mac = AppPaths.for_user(home="/Users/caisse")
    assert str(mac.data_dir) == "/Users/caisse/Library/Application Support/pos-client"
    assert str(mac.log_dir) == "/Users/caisse/Library/Logs/pos-client"


def test_app_paths_of_a_linux_user_follow_xdg() -> None:
    paths = AppPaths.for_user(L, {"XDG_STATE_HOME": "/var/caisse/state"}, "/home/caisse")
    assert str(paths.journal_file) == "/home/caisse/.local/share/pos-client/journal.sqlite3"
    assert str(paths.settings_file) == "/home/caisse/.config/pos-client/settings.toml"
    assert str(paths.log_file) == "/var/caisse/state/pos-client/log/pos-client.log"


def test_resolve_still_prefers_the_dev_dir(tmp_path: Any, as_os: Any) -> None:
    as_os("win32")
    assert AppPaths.resolve(tmp_path) == AppPaths.under(tmp_path)
