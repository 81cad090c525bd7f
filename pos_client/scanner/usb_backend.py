"""The libusb library pyusb needs to list USB devices (``pos-client scanners``, the self-test).

pyusb is pure Python: without a libusb it says "No backend available". Windows has no libusb at
all, and a Linux PC may lack ``libusb-1.0-0``. So pos-client depends on the ``libusb-package``
wheel, which carries a libusb build for Windows, Linux and macOS, and uses it first:

1. the library inside ``libusb_package`` (a plain install);
2. the same library where the bundle puts it (libusb-package's PyInstaller hook copies it to the
   bundle's top folder, ``sys._MEIPASS``);
3. the system's libusb (pyusb's own search), for a platform libusb-package has no wheel for.

Listing is for diagnostics only: reading scanners never needs it (serial ports, hidapi).
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pos_client.host_os import HostOs, current_host_os

__all__ = ["NoUsbBackend", "UsbBackend", "find_usb_devices", "usb_backend"]

log = logging.getLogger(__name__)

_LIBRARY_FILE = {HostOs.WINDOWS: "libusb-1.0.dll", HostOs.MACOS: "libusb-1.0.dylib"}.get(
    current_host_os(), "libusb-1.0.so"
)


class NoUsbBackend(RuntimeError):
    """pyusb has no libusb to use; the message is in French, for ``pos-client scanners``."""


@dataclass(frozen=True)
class UsbBackend:
    """pyusb's libusb 1.0 backend and where its library came from (for the self-test's line)."""

    backend: Any  # usb.backend.IBackend
    origin: str  # "libusb-package 1.0.30.0", "bibliothèque du système"
    library: str  # the file or name loaded


def _packaged_library() -> tuple[Path, str] | None:
    """libusb-package's library file and that package's version, if this installation has one."""
    try:
        import libusb_package
    except ImportError as exc:
        log.info("libusb-package absent: %s", exc)
    else:
        version = str(getattr(libusb_package, "__version__", "?"))
        path = libusb_package.get_library_path()
        if path is not None and Path(path).is_file():
            return Path(path), f"libusb-package {version}"
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        candidate = Path(bundle) / _LIBRARY_FILE
        if candidate.is_file():
            return candidate, "libusb-package, programme autonome"
    return None


def _load_backend(find_library: Callable[[str], str | None] | None) -> Any:
    import usb.backend.libusb1

    return usb.backend.libusb1.get_backend(find_library=find_library)


@functools.cache
def usb_backend() -> UsbBackend | None:
    """The backend to list with: libusb-package's library first, then the system's; None if
    neither loads (pyusb missing, or no libusb anywhere). Computed once per process."""
    try:
        import usb.backend.libusb1  # noqa: F401 - pyusb itself must be there
    except ImportError as exc:
        log.info("pyusb absent: %s", exc)
        return None
    packaged = _packaged_library()
    if packaged is not None:
        path, origin = packaged
        # pyusb asks for "usb-1.0", "libusb-1.0"...: every name gets this one file.
        backend = _load_backend(lambda _name: str(path))
        if backend is not None:
            return UsbBackend(backend, origin, str(path))
        log.warning("libusb de %s (%s) ne se charge pas : essai de celle du système", origin, path)
    backend = _load_backend(None)
    if backend is None:
        return None
    library = getattr(getattr(backend, "lib", None), "_name", "libusb-1.0")
    return UsbBackend(backend, "bibliothèque du système", str(library))


def find_usb_devices() -> list[Any]:
    """Every USB device pyusb sees (``usb.core.Device``), through ``usb_backend()``.

    Raises ``NoUsbBackend`` (French message) when there is no libusb, and pyusb's own errors
    (``usb.core.USBError``) when libusb cannot enumerate."""
    chosen = usb_backend()
    if chosen is None:
        raise NoUsbBackend(
            "aucune bibliothèque libusb (ni celle de libusb-package, ni celle du système) : "
            "réinstallez pos-client"
        )
    import usb.core

    return list(usb.core.find(find_all=True, backend=chosen.backend))
