"""``pos-client --self-test``: check an installation end to end and say what is missing.

Meant for the shop PC and for CI on the built bundle: no display, no network, no hardware needed.
Each check prints one line as soon as it is done::

    ok   qt: Qt 6.11.3, PySide6 6.11.3 ; affichage offscreen ; modules d'affichage xcb, wayland ; …
    warn trousseau: Secret Service présent mais inutilisable ici (…)
    FAIL qr: module manquant : pos_client.scanner.webcam (…)

then a summary line. ``ok`` and ``warn`` pass (a warning names something the shop should fix, such
as no secure keyring in this session); ``FAIL`` means a part of the program is missing or broken.

``pos_client.cli.selftest`` runs the checks and prints the summary (exit status 0 when every check
passed, warnings allowed; 1 when one failed). Every check has a time limit, so the self-test itself
never hangs.

The checks: the version and bundle, the data folder, Qt offscreen (``pos_client.ui.selfcheck``), a
journal in a temporary folder, the local API emulator, a booking looked up and validated through
the real client, a second one sold as the counter does it (intent, validation, one payment record
in that journal), the contremarque QR image shipped with the package (``pos_client/resources/``)
loaded by OpenCV, decoded by zxing-cpp and read by the contremarque reader, the keyring backend,
and the scanner libraries (pyserial, hidapi, pyusb with its libusb, evdev on Linux).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.resources
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from importlib.resources.abc import Traversable
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

from pos_client import APP_NAME, __version__
from pos_client.app.context import AppContext
from pos_client.domain.booking import Booking
from pos_client.domain.formats import format_euros
from pos_client.domain.ledger import JournalLine, Operation
from pos_client.domain.outcomes import AlreadyValidated, Found, Outcome, Validated
from pos_client.domain.ports import BookingsApi, Journal
from pos_client.domain.scan import RawScan, Transport
from pos_client.host_os import (
    HostOs,
    hid_module_name,
    keyring_backend_label,
    keyring_is_secure,
    secure_keyring_backends,
)

__all__ = [
    "QR_IMAGE",
    "QR_PAYLOAD",
    "QR_TOKEN",
    "CheckResult",
    "CheckStatus",
    "CheckWarning",
    "build_checks",
    "qr_image",
    "run_checks",
    "scenario",
]

CHECK_TIMEOUT_S = 30.0

# The contremarque QR image shipped as package data (made by scripts/make_selftest_qr.py): the
# demo booking "museum_pass" as a pass Culture app shows it.
QR_IMAGE = "selftest-contremarque.pbm"
QR_TOKEN = "MUSE4M"
QR_PAYLOAD = f"PASSCULTURE:v3;TOKEN:{QR_TOKEN}"


def qr_image() -> Traversable:
    """``pos_client/resources/selftest-contremarque.pbm`` of this installation (venv or bundle)."""
    return importlib.resources.files("pos_client").joinpath("resources", QR_IMAGE)


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


def _require(module_name: str, *names: str) -> ModuleType:
    """Import ``module_name``, which must define ``names``; else say that module is missing."""
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise MissingPart(f"module manquant : {module_name} ({exc})") from exc
    absent = [name for name in names if not hasattr(module, name)]
    if absent:
        # An empty folder imports as a namespace package: the module is not written yet.
        raise MissingPart(f"module manquant : {module_name} (pas de {', '.join(absent)})")
    return module


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
    text = report.text
    if not text.readable:
        # Fatal: a till whose every text is an empty box cannot be used.
        raise RuntimeError(
            f"{detail} ; mais le texte s'affiche en carrés vides ({text.distinct_glyphs} caractère(s) "
            f"distinct(s) sur {text.characters}, police « {text.family} ») : aucune police utilisable, "
            "installez-en une (paquet Debian fonts-dejavu-core)"
        )
    glyphs = f"{text.distinct_glyphs}/{text.characters}"
    detail += f" ; texte lisible ({glyphs} caractères distincts, police {text.family})"
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
    parts = [
        f"pyserial : {len(ports)} port(s) série",
        f"hidapi ({hid_module_name(host)}) : {len(devices)} périphérique(s) HID",
    ]
    problems = []
    # pyusb lists USB devices for `pos-client scanners`: it needs a libusb (libusb-package's).
    usb_backend_module = _require("pos_client.scanner.usb_backend", "usb_backend", "find_usb_devices")
    chosen = usb_backend_module.usb_backend()
    if chosen is None:
        raise MissingPart(
            f"{' ; '.join(parts)} ; mais pyusb n'a aucune bibliothèque libusb (libusb-package absent, "
            "aucune libusb du système) : la liste USB de « pos-client scanners » est indisponible"
        )
    try:
        usb_devices = usb_backend_module.find_usb_devices()
    except Exception as exc:  # noqa: BLE001 - libusb errors vary by OS; the backend itself is there
        problems.append(f"pyusb ({chosen.origin}) ne liste pas l'USB : {_describe_error(exc)}")
    else:
        parts.append(f"pyusb ({chosen.origin}) : {len(usb_devices)} périphérique(s) USB")
    if host is HostOs.LINUX:
        _require("evdev", "InputDevice")  # the exclusive capture of a keyboard-mode scanner
        parts.append("evdev (lecture exclusive) présent")
    if problems:
        raise CheckWarning(f"{' ; '.join(parts)} ; mais {' ; '.join(problems)}")
    return " ; ".join(parts)


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


class _IntentFirst:
    """The real API, checking at the moment a change is sent that the journal already holds its
    intent (the counter's rule: never send without a durable intent)."""

    def __init__(self, api: BookingsApi, journal: Journal) -> None:
        self._api = api
        self._journal = journal

    def _intent_is_open(self, token: str) -> None:
        if token not in {intent.token for intent in self._journal.open_intents()}:
            raise RuntimeError("l'opération n'est pas enregistrée avant l'envoi de la validation")

    def get_booking(self, token: str) -> Outcome:
        return self._api.get_booking(token)

    def validate(self, token: str) -> Outcome:
        self._intent_is_open(token)
        return self._api.validate(token)

    def keep(self, token: str) -> Outcome:
        self._intent_is_open(token)
        return self._api.keep(token)

    def cancel(self, token: str) -> Outcome:
        self._intent_is_open(token)
        return self._api.cancel(token)

    def list_bookings(
        self,
        *,
        offer_id: int | None = None,
        venue_id: int | None = None,
        status: str | None = None,
        first_index: int = 1,
        limit: int = 50,
        beginning_datetime: datetime | None = None,
        price_category_id: int | None = None,
    ) -> Outcome:
        return self._api.list_bookings(
            offer_id=offer_id, venue_id=venue_id, status=status, first_index=first_index, limit=limit,
            beginning_datetime=beginning_datetime, price_category_id=price_category_id,
        )  # fmt: skip


class Scenario:
    """The counter's path, with real parts: emulator, HTTP client, journal, decoder."""

    # Demo bookings the emulator's "demo" world holds: one for the look-up, one for the sale.
    LOOKED_UP_CASE = "book"
    SOLD_CASE = "book_2"

    def __init__(self, stack: contextlib.ExitStack, folder: Path) -> None:
        self._stack = stack
        self._folder = folder
        self.qr_image: Traversable = qr_image()
        self.emulator: Any = None
        self.journal: Journal | None = None
        self.journal_path = folder / "journal.sqlite3"
        self._client: BookingsApi | None = None

    def _open_journal_file(self, journal_module: ModuleType) -> Journal:
        journal: Journal = journal_module.open_journal(self.journal_path)
        closer = getattr(journal, "close", None)
        if callable(closer):
            self._stack.callback(closer)
        return journal

    def open_journal(self) -> str:
        """A new journal (SQLite) in the temporary folder: empty, nothing left open."""
        journal = self._open_journal_file(_require("pos_client.journal", "open_journal"))
        left_open = journal.open_intents()
        if left_open:
            raise RuntimeError(f"un journal neuf a {len(left_open)} opération(s) en attente")
        if journal.total_for_day_cents(_today()) != 0:
            raise RuntimeError("un journal neuf a déjà un total non nul")
        self.journal = journal
        return f"{self.journal_path} (SQLite {sqlite3.sqlite_version}, vide)"

    def start_emulator(self) -> str:
        """The demo mode's local API emulator, served on a free loopback port."""
        emulator_module = _require("pos_client.emulator")
        self.emulator = self._stack.enter_context(emulator_module.RunningEmulator.start(seed="demo"))
        bookings = len(emulator_module.demo_data.TOKENS)
        return f"{self.emulator.base_url} ({bookings} réservations de démo)"

    def _api(self) -> BookingsApi:
        """The real HTTP client, pointed at the emulator with the demo key."""
        emulator_module = _require("pos_client.emulator")
        _require("pos_client.api.client", "BookingsClient", "ClientConfig")
        from pos_client.api.client import BookingsClient, ClientConfig

        if self.emulator is None:
            raise RuntimeError("l'émulateur n'a pas démarré (voir la vérification « émulateur »)")
        if self._client is None:
            config = ClientConfig(
                till_name="auto-test", connect_timeout_s=3.0, read_timeout_s=5.0, backoff_s=0.1
            )
            client = BookingsClient.from_config(
                self.emulator.base_url, emulator_module.demo_data.DEMO_API_KEY, config
            )
            self._stack.callback(client.close)
            self._client = client
        return self._client

    def _found(self, api: BookingsApi, token: str) -> Booking:
        outcome = api.get_booking(token)
        if not isinstance(outcome, Found):
            raise RuntimeError(f"{token} : réservation de démo non trouvée ({outcome!r})")
        return outcome.booking

    def look_up_and_validate(self) -> str:
        """Look a demo booking up and validate it through the client, then see the API refuse a
        second validation (the double-scan guard the counter relies on)."""
        api = self._api()
        token = self.emulator_token(self.LOOKED_UP_CASE)
        booking = self._found(api, token)
        validated = api.validate(token)
        if not isinstance(validated, Validated):
            raise RuntimeError(f"{token} : validation refusée ({validated!r})")
        again = api.get_booking(token)
        if not isinstance(again, AlreadyValidated):
            raise RuntimeError(f"{token} : une réservation validée se relit comme {again!r}")
        return (
            f"{token} trouvée (« {booking.offer_name} », {format_euros(booking.total_cents)}), validée, "
            "puis refusée à la relecture (déjà validée)"
        )

    def record_payment(self) -> str:
        """A sale as the counter makes it, through its own change function (``run_change``): intent
        written first (checked when the validation is sent), validation, resolution, exactly one
        payment record, still there when the journal file is opened again."""
        from pos_client.counter.changes import run_change

        journal_module = _require("pos_client.journal", "open_journal")
        api = self._api()
        if self.journal is None:
            raise RuntimeError("le journal n'a pas pu être ouvert (voir la vérification « journal »)")
        journal = self.journal
        token = self.emulator_token(self.SOLD_CASE)
        booking = self._found(api, token)
        scan = RawScan(text=token, transport=Transport.COMMAND_LINE, source_id="self-test")
        checked_api = _IntentFirst(api, journal)
        result = run_change(checked_api, journal, Operation.USE, booking, scan, datetime.now(UTC))
        if result.outcome is None:
            raise RuntimeError(f"le journal refuse l'opération, rien n'a été envoyé : {result.journal_error}")
        if not isinstance(result.outcome, Validated):
            raise RuntimeError(f"{token} : validation refusée ({result.outcome!r})")
        record = result.payment
        if record is None or record.amount_cents != booking.total_cents or record.token != token:
            raise RuntimeError(f"paiement mal enregistré : {record!r}")
        if journal.open_intents():
            raise RuntimeError("l'opération reste en attente après la validation")
        reopened = self._open_journal_file(journal_module)
        lines = [line for line in _lines_around(reopened, record.recorded_at) if line.token == token]
        if len(lines) != 1 or lines[0].amount_cents != booking.total_cents:
            raise RuntimeError(f"le journal rouvert montre {len(lines)} ligne(s) pour {token} au lieu d'une")
        return (
            f"{token} : opération notée, validée, un paiement pass Culture de "
            f"{format_euros(record.amount_cents)} (relu après réouverture du journal)"
        )

    def emulator_token(self, case: str) -> str:
        token: str = _require("pos_client.emulator").demo_data.TOKENS[case]
        return token

    def decode_qr(self) -> str:
        """The contremarque QR image shipped with the package (plain PBM text under
        ``pos_client/resources/``): loaded by OpenCV, decoded by zxing-cpp, read by the
        contremarque reader. A bundle or package that lost its data files fails here."""
        try:
            import cv2
            import numpy as np
        except ImportError as exc:
            raise MissingPart(f"bibliothèque d'image manquante : {exc}") from exc
        # zxing-cpp comes with the decoder: a missing one is named in the ImportError.
        decode_frame = _require("pos_client.scanner.webcam").decode_frame
        read_contremarque = _require("pos_client.scanner.payload").read_contremarque
        if not self.qr_image.is_file():
            raise MissingPart(f"image de test absente de l'installation : {self.qr_image}")
        # The bytes, decoded by OpenCV (not cv2.imread(path)): imread cannot open a Windows path
        # with characters outside the ANSI code page, such as a user folder named in Cyrillic.
        data = np.frombuffer(self.qr_image.read_bytes(), dtype=np.uint8)
        frame = cv2.imdecode(data, cv2.IMREAD_COLOR)
        if frame is None:
            raise RuntimeError(f"OpenCV ne lit pas l'image {self.qr_image.name}")
        texts = decode_frame(frame)
        if QR_PAYLOAD not in texts:
            raise RuntimeError(f"QR code de {self.qr_image.name} non lu (lu : {texts!r})")
        contremarque = read_contremarque(QR_PAYLOAD)
        token = getattr(contremarque, "token", None)
        if token != QR_TOKEN:
            raise RuntimeError(f"contremarque mal lue : {contremarque!r}")
        height, width = frame.shape[:2]
        return (
            f"{token} lu par zxing-cpp dans l'image livrée {self.qr_image.name} "
            f"({width}x{height}, chargée par OpenCV {cv2.__version__})"
        )


def _today() -> date:
    return datetime.now().astimezone().date()


def _lines_around(journal: Journal, moment: datetime) -> list[JournalLine]:
    # The journal's "day" may be local or UTC: near midnight they differ, so read both.
    days = sorted({moment.astimezone().date(), moment.astimezone(UTC).date(), _today()})
    return [line for day in days for line in journal.lines_for_day(day)]


@contextlib.contextmanager
def scenario() -> Iterator[Scenario]:
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pos-client-self-test-")))
        yield Scenario(stack, folder)
