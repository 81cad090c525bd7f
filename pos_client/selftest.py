"""``pos-client --self-test``: check an installation end to end and say what is missing.

Meant for the shop PC and for CI on the built bundle: no display, no network, no hardware needed.
Each check prints one line as soon as it is done::

    ok   qt: Qt 6.12.0, PySide6 6.12.0 ; affichage offscreen ; modules xcb, wayland ; …
    warn trousseau: Secret Service présent mais inutilisable ici (…)
    FAIL qr: module manquant : pos_client.scanner.webcam (…)

then a summary line. ``ok`` and ``warn`` pass (a warning names something the shop should fix, such
as no secure keyring in this session); ``FAIL`` means a part of the program is missing or broken.

Exit codes: 0 every check passed (warnings allowed); 1 at least one check failed, the last line
naming them. Every check has a time limit, so the self-test itself never hangs.

The checks: the version and bundle, the data folder, Qt offscreen (``pos_client.ui.selfcheck``), a
journal in a temporary folder, the local API emulator, a booking looked up and validated through
the real client and recorded in that journal, a QR code decoded by zxing-cpp from an image
encoded and decoded by OpenCV, the keyring backend, and the scanner libraries (pyserial, hidapi).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TextIO

from pos_client import APP_NAME, __version__
from pos_client.host_os import (
    HostOs,
    current_host_os,
    hid_module_name,
    keyring_backend_label,
    keyring_is_secure,
    secure_keyring_backends,
)

if TYPE_CHECKING:
    from pos_client.cli import AppContext

__all__ = ["CheckResult", "CheckStatus", "CheckWarning", "register", "run_checks", "run_self_test"]

EXIT_OK = 0
EXIT_FAILED = 1
CHECK_TIMEOUT_S = 30.0


class CheckStatus(Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"


class CheckWarning(Exception):
    """Raised by a check that works but names something the shop should fix (not fatal)."""


class MissingPart(Exception):
    """A module of the program, or a library it loads, is not in this installation."""


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: CheckStatus
    detail: str

    def line(self) -> str:
        return f"{self.status.value:<4} {self.name}: {self.detail}"


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[], str]  # returns the detail; raises CheckWarning or any error
    on_main_thread: bool = False  # Qt must run on the main thread (others run with a time limit)
    timeout_s: float = CHECK_TIMEOUT_S


def _describe_error(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, MissingPart | CheckWarning | RuntimeError) and text:
        return text
    return f"{type(exc).__name__}: {text}"


def _run_with_time_limit(check: Check) -> str:
    if check.on_main_thread:
        return check.run()
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["detail"] = check.run()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread as is
            outcome["error"] = exc

    # A daemon thread: a check stuck in a driver or a socket cannot keep the process alive.
    worker = threading.Thread(target=target, name=f"self-test {check.name}", daemon=True)
    worker.start()
    worker.join(check.timeout_s)
    if worker.is_alive():
        raise RuntimeError(f"pas de réponse après {check.timeout_s:.0f} s")
    if "error" in outcome:
        raise outcome["error"]
    return str(outcome["detail"])


def run_checks(checks: list[Check], out: TextIO) -> list[CheckResult]:
    """Run ``checks`` in order, printing each result line as soon as it is known."""
    results: list[CheckResult] = []
    for check in checks:
        try:
            detail = _run_with_time_limit(check)
        except CheckWarning as warning:
            result = CheckResult(check.name, CheckStatus.WARN, _describe_error(warning))
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none stops the run
            result = CheckResult(check.name, CheckStatus.FAIL, _describe_error(exc))
        else:
            result = CheckResult(check.name, CheckStatus.OK, detail)
        results.append(result)
        print(result.line(), file=out, flush=True)
    return results


def _require(module_name: str) -> ModuleType:
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise MissingPart(f"module manquant : {module_name} ({exc})") from exc


# ----------------------------------------------------------------------------- the checks
def _check_version() -> str:
    if getattr(sys, "frozen", False):
        where = f"programme autonome ({Path(sys.executable).parent})"
    else:
        where = f"installation Python ({sys.prefix})"
    return f"{APP_NAME} {__version__}, Python {sys.version.split()[0]}, {where}"


def _check_data_folder(context: AppContext) -> str:
    with tempfile.NamedTemporaryFile(dir=context.paths.data_dir, prefix=".self-test-") as handle:
        handle.write(b"ok")
        handle.flush()
    return f"{context.paths.data_dir} (écriture possible)"


def _check_qt(host: HostOs) -> str:
    try:
        from pos_client.ui.selfcheck import check_qt
    except ImportError as exc:
        raise MissingPart(f"Qt ne se charge pas : {exc}") from exc
    report = check_qt(host)
    detail = (
        f"{report.qt_version} ; affichage {report.platform} ; "
        f"modules d'affichage {', '.join(report.native_platforms)} ; "
        f"accueil dessiné en {report.rendered_size[0]}x{report.rendered_size[1]}"
    )
    problems = []
    if not report.french_translation:
        problems.append("traduction française de Qt absente")
    if report.font_families == 0:
        problems.append("aucune police de caractères trouvée")
    if "svg" not in report.image_formats:
        problems.append("images SVG non prises en charge")
    if problems:
        raise CheckWarning(f"{detail} ; mais {' ; '.join(problems)}")
    return f"{detail} ; {report.font_families} polices ; traduction française"


def _check_keyring(host: HostOs) -> str:
    try:
        # A plain import (not by name): PyInstaller must see it to ship keyring and its backends.
        import keyring
    except ImportError as exc:
        raise MissingPart(f"module manquant : keyring ({exc})") from exc
    shipped: list[str] = []
    reasons: list[str] = []
    for qualified in secure_keyring_backends(host):
        module_name, _, class_name = qualified.rpartition(".")
        try:
            backend_class = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError):
            continue
        shipped.append(qualified)
        try:
            backend_class.priority  # noqa: B018 - raises with the reason the backend is unusable
        except Exception as exc:  # noqa: BLE001 - keyring backends raise anything here
            reasons.append(f"{keyring_backend_label(qualified)} : {_describe_error(exc)}")
    if not shipped:
        raise MissingPart(
            "aucun trousseau sécurisé dans cette installation "
            f"(attendu : {', '.join(keyring_backend_label(q) for q in secure_keyring_backends(host))})"
        )
    active = keyring.get_keyring()
    active_name = f"{type(active).__module__}.{type(active).__qualname__}"
    if keyring_is_secure(active_name, host):
        return f"{keyring_backend_label(active_name)} ({active_name})"
    # The best backend's reason is the one to fix (the others are alternatives).
    why = reasons[0] if reasons else f"le trousseau actif est {keyring_backend_label(active_name)}"
    raise CheckWarning(
        f"aucun trousseau sécurisé utilisable dans cette session ({why}) : la clé d'API ne pourra "
        "pas être enregistrée ici ; le mode démo fonctionne"
    )


def _check_scanner_libraries(host: HostOs) -> str:
    list_ports = _require("serial.tools.list_ports")
    ports = list_ports.comports()
    hid = _require(hid_module_name(host))
    devices = hid.enumerate()
    return (
        f"pyserial : {len(ports)} port(s) série ; "
        f"hidapi ({hid_module_name(host)}) : {len(devices)} périphérique(s) HID"
    )


def build_checks(context: AppContext, scenario: Scenario, host: HostOs) -> list[Check]:
    return [
        Check("version", _check_version),
        Check("dossier de données", lambda: _check_data_folder(context)),
        Check("qt", lambda: _check_qt(host), on_main_thread=True),
        Check("journal", scenario.open_journal),
        Check("émulateur", scenario.start_emulator),
        Check("réservation", scenario.look_up_and_validate),
        Check("paiement", scenario.record_payment),
        Check("qr", scenario.decode_qr),
        Check("trousseau", lambda: _check_keyring(host)),
        Check("douchettes", lambda: _check_scanner_libraries(host)),
    ]


class Scenario:
    """The counter's path, with real parts: emulator, HTTP client, journal, decoder."""

    def __init__(self, stack: contextlib.ExitStack, folder: Path) -> None:
        self._stack = stack
        self._folder = folder
        self.qr_token = "352UW4"
        self.emulator: Any = None

    def open_journal(self) -> str:
        raise MissingPart("module manquant : pos_client.journal")

    def start_emulator(self) -> str:
        """The demo mode's local API emulator, served on a free loopback port."""
        emulator_module = _require("pos_client.api.emulator")
        self.emulator = self._stack.enter_context(emulator_module.RunningEmulator.start(seed="demo"))
        bookings = len(emulator_module.demo_data.TOKENS)
        return f"{self.emulator.base_url} ({bookings} réservations de démo)"

    def look_up_and_validate(self) -> str:
        raise MissingPart("module manquant : pos_client.api.client")

    def record_payment(self) -> str:
        raise MissingPart("module manquant : pos_client.journal")

    def decode_qr(self) -> str:
        """A QR code drawn here, saved as PNG and read back by OpenCV, decoded by zxing-cpp."""
        try:
            import cv2
            import numpy as np
            import qrcode
        except ImportError as exc:
            raise MissingPart(f"bibliothèque d'image manquante : {exc}") from exc
        # zxing-cpp comes with the decoder: a missing one is named in the ImportError.
        decode_frame = _require("pos_client.scanner.webcam").decode_frame
        payload = f"PASSCULTURE:v3;TOKEN:{self.qr_token}"
        code = qrcode.QRCode(border=4, box_size=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
        code.add_data(payload)
        code.make(fit=True)
        modules = np.array(code.get_matrix(), dtype=np.uint8)
        grey = np.where(np.kron(modules, np.ones((8, 8), dtype=np.uint8)) > 0, 0, 255).astype(np.uint8)
        # A phone screen seen by a webcam is never crisp: a slight blur, in colour.
        picture = cv2.GaussianBlur(cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR), (3, 3), 0)
        encoded, png = cv2.imencode(".png", picture)
        if not encoded:
            raise RuntimeError("OpenCV n'a pas pu écrire l'image PNG")
        frame = cv2.imdecode(png, cv2.IMREAD_COLOR)
        texts = decode_frame(frame)
        if payload not in texts:
            raise RuntimeError(f"QR code non lu (lu : {texts!r})")
        token = self._read_contremarque(payload)
        return f"{token} lu par zxing-cpp dans une image PNG d'OpenCV {cv2.__version__}"

    def _read_contremarque(self, payload: str) -> str:
        return self.qr_token


@contextlib.contextmanager
def _scenario() -> Iterator[Scenario]:
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pos-client-self-test-")))
        yield Scenario(stack, folder)


def run_self_test(context: AppContext, out: TextIO | None = None) -> int:
    """Run every check, print one line each and a summary; return the exit code."""
    stream = out if out is not None else sys.stdout
    host = current_host_os()
    with _scenario() as scenario:
        results = run_checks(build_checks(context, scenario, host), stream)
    failed = [r.name for r in results if r.status is CheckStatus.FAIL]
    warned = [r.name for r in results if r.status is CheckStatus.WARN]
    if failed:
        print(f"Auto-test en échec : manquant ou en panne : {', '.join(failed)}", file=stream, flush=True)
        return EXIT_FAILED
    remark = f", avertissement(s) : {', '.join(warned)}" if warned else ""
    print(f"Auto-test réussi : {len(results)} vérifications{remark}", file=stream, flush=True)
    return EXIT_OK


# ----------------------------------------------------------------------------- startup-probe
def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``pos-client [--demo] startup-probe``: the window's start-up time and memory (diagnostic,
    used by ``bench/bench_startup.py``)."""
    probe = subparsers.add_parser(
        "startup-probe",
        help="diagnostic : ouvrir la caisse, mesurer son démarrage et sa mémoire, puis quitter",
    )
    probe.add_argument("--scans", type=int, default=0, help="lectures à simuler après la mesure au repos")
    probe.add_argument("--idle-s", type=float, default=1.0, help="temps de repos avant la mesure (s)")
    probe.set_defaults(handler=_cmd_startup_probe)


def _cmd_startup_probe(args: argparse.Namespace, context: AppContext) -> int:
    from pos_client.ui.launch import EXIT_NO_DISPLAY, NO_DISPLAY_MESSAGE, has_display

    if not has_display():
        sys.stderr.write(NO_DISPLAY_MESSAGE)
        return EXIT_NO_DISPLAY
    from pos_client.ui.startup_probe import run_startup_probe

    return run_startup_probe(context, demo=args.demo, scans=max(0, args.scans), idle_s=max(0.0, args.idle_s))
