"""Typed settings with documented defaults, stored in one TOML file.

Every field carries its default and a one-line description (``doc``), in the spirit of a declarative
schema: ``pos-client settings`` prints them, and the settings dialog uses the same descriptions.
The API key is *not* a setting: it lives in the OS keyring (see ``pos_client.api.keys``).

Unknown keys in the file are ignored with a warning (a newer version may have written them); a value
of the wrong type is an error naming the key, so a hand-edited file never fails silently.

Every section's values are also checked against their documented ranges and names (timeouts, a
keyboard gap of 10-150 ms, a volume of 0 to 1, a known scanner layout, ``vid:pid``...), whether they
come from the file, from ``with_values`` or from the settings dialog (whose fields take their limits
from the same checks: ``setting_range``). A bad value there (out of range, unknown layout, wrong
type) never keeps the till from starting: the default is used instead, a French warning naming the
key and the allowed range is logged, and ``Settings.warnings`` hands it to the status bar. The
server (``api.environment``) is the exception: a wrong one is an error, never a silent fall back to
production.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import socket
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Self

import tomlkit
import tomlkit.exceptions

from pos_client.i18n import FrenchText

__all__ = [
    "ApiEnvironment",
    "ApiSettings",
    "HandOffSettings",
    "LedgerSettings",
    "OfferSettings",
    "ScannerSettings",
    "Settings",
    "SettingsError",
    "UiSettings",
    "WebcamSettings",
    "describe",
    "setting_range",
]

log = logging.getLogger(__name__)


class SettingsError(Exception):
    """The settings file cannot be read or holds a bad value; the message says which key."""


class ApiEnvironment(StrEnum):
    """Which pass Culture server the till talks to."""

    PRODUCTION = "production"
    INTEGRATION = "integration"
    CUSTOM = "custom"  # the local emulator, or a URL given by support


Check = Callable[[Any], str | None]  # a value -> why it is refused (French), or None


def _doc(default: Any, doc: str, *, check: Check | None = None) -> Any:
    metadata: dict[str, Any] = {"doc": doc}
    if check is not None:
        metadata["check"] = check
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class _Between:
    """A range check that also tells its limits (the settings dialog's fields use them)."""

    low: float
    high: float
    unit: str = ""

    def __call__(self, value: Any) -> str | None:
        if self.low <= value <= self.high:
            return None
        return FrenchText(
            "hors limites (de {low} à {high}{unit})",
            low=_number(self.low),
            high=_number(self.high),
            unit=self.unit,
        )


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _between(low: float, high: float, unit: str = "") -> Check:
    return _Between(low, high, unit)


def _one_of(*allowed: str) -> Check:
    def check(value: Any) -> str | None:
        return (
            None
            if value in allowed
            else FrenchText("valeur inconnue ; permises : {allowed}", allowed=", ".join(allowed))
        )

    return check


def setting_range(section: type, name: str) -> tuple[float, float]:
    """The allowed ``(low, high)`` of a numeric setting, e.g. ``setting_range(UiSettings,
    "sound_volume")``: the settings dialog's fields take their limits from here."""
    for fdef in fields(section):
        check = fdef.metadata.get("check")
        if fdef.name == name and isinstance(check, _Between):
            return check.low, check.high
    raise KeyError(f"{section.__name__}.{name} has no range")


def _scanner_layout(value: Any) -> str | None:
    if value.strip().lower() in ("", "us"):
        return None
    from pos_client.scanner.keymap import known_layouts, layout_for

    try:
        layout_for(value)
    except ValueError:
        return FrenchText(
            "disposition inconnue ; connues : {known}", known=", ".join([*known_layouts(), "fr, be, de, ch"])
        )
    return None


def _host_layout(value: Any) -> str | None:
    if not value.strip():
        return None
    from pos_client.scanner.layouts import LAYOUTS, find_layout

    if find_layout(value) is None:
        return FrenchText("disposition inconnue ; connues : {known}", known=", ".join(LAYOUTS))
    return None


_VID_PID = re.compile(r"^\s*[0-9a-fA-F]{1,4}:[0-9a-fA-F]{1,4}\s*$")


def _vid_pid(value: Any) -> str | None:
    if not value or _VID_PID.match(value):
        return None
    return FrenchText("attendu VID:PID en hexadécimal (0c2e:0b8f), ou vide pour la première branchée")


def _terminator(value: Any) -> str | None:
    return None if len(value) <= 2 else FrenchText("au plus 2 caractères (\\r, \\n, \\r\\n, \\t)")


class _CheckedSection:
    """Checks a section's values (type, then ``check`` in the field's metadata) after every
    construction, ``replace`` included; a bad one falls back to the field's default.

    ``fallbacks`` holds the French warnings (not a field: never saved, never compared).
    """

    SECTION: ClassVar[str] = ""
    fallbacks: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        notes: list[str] = []
        hints = _type_hints(type(self))
        for fdef in fields(self):  # type: ignore[arg-type]
            value = getattr(self, fdef.name)
            expected = hints[fdef.name]
            reason = _type_problem(expected, value)
            if reason is None and expected is float and type(value) is int:
                object.__setattr__(self, fdef.name, float(value))
                value = float(value)
            check: Check | None = fdef.metadata.get("check")
            if reason is None and check is not None:
                reason = check(value)
            if reason is None:
                continue
            note = FrenchText(
                "Réglage {key} = {value} refusé : {reason}. Valeur par défaut utilisée : {default}.",
                key=f"{self.SECTION}.{fdef.name}",
                value=_shown(value),
                reason=reason,
                default=_shown(fdef.default),
            )
            log.warning("%s", note)
            notes.append(note)
            object.__setattr__(self, fdef.name, fdef.default)
        if notes:
            object.__setattr__(self, "fallbacks", tuple(notes))


_HINTS: dict[str, dict[str, Any]] = {}


def _type_hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls.__qualname__)
    if hints is None:
        import typing

        hints = _HINTS[cls.__qualname__] = typing.get_type_hints(cls)
    return hints


def _type_problem(expected: Any, value: Any) -> str | None:
    if expected is float and isinstance(value, int | float) and not isinstance(value, bool):
        return None
    if expected in (str, int, bool) and type(value) is expected:
        return None
    if expected not in (str, int, bool, float):
        return None  # enums and the like are checked by their own constructor
    return FrenchText(
        "valeur de type {got}, {wanted} attendu", got=type(value).__name__, wanted=expected.__name__
    )


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f"« {value} »" if value else FrenchText("vide")
    return repr(value)


@dataclass(frozen=True)
class ApiSettings(_CheckedSection):
    SECTION: ClassVar[str] = "api"

    environment: ApiEnvironment = _doc(
        ApiEnvironment.PRODUCTION, "Serveur pass Culture : production, integration ou custom."
    )
    custom_url: str = _doc("", "URL du serveur quand environment = custom (https, sauf en local).")
    connect_timeout_s: float = _doc(
        3.0, "Délai maximal d'établissement d'une connexion (s, 0,5 à 60).", check=_between(0.5, 60, " s")
    )
    read_timeout_s: float = _doc(
        8.0, "Délai maximal d'attente d'une réponse (s, 1 à 120).", check=_between(1, 120, " s")
    )
    key_storage: str = _doc(
        "keyring",
        "Où est gardée la clé d'API : keyring (trousseau du système) ou file (fichier protégé, pour un "
        "poste sans trousseau ; voir pos-client api-key set --store file).",
        check=_one_of("keyring", "file"),
    )
    request_deadline_s: float = _doc(
        20.0,
        "Durée maximale d'un échange complet avec le serveur, connexion et réponse entière (s, 1 à 300).",
        check=_between(1, 300, " s"),
    )
    venue_ids: str = _doc(
        "",
        "Lieux servis par cette caisse (identifiants pass Culture, séparés par des virgules), choisis "
        "dans les réglages parmi ceux de la clé ; une réservation d'un autre lieu est refusée. Vide : "
        "tous les lieux de la clé.",
    )
    venue_names: str = _doc("", "Noms de ces lieux, affichés dans la barre d'état.")


@dataclass(frozen=True)
class ScannerSettings(_CheckedSection):
    SECTION: ClassVar[str] = "scanner"

    guard_window_s: float = _doc(
        3.0, "Une même contremarque relue dans ce délai est ignorée (s, 0 à 60).", check=_between(0, 60, " s")
    )
    prefix: str = _doc("", "Préfixe ajouté par la douchette, retiré avant lecture.")
    suffix: str = _doc("", "Suffixe ajouté par la douchette, retiré avant lecture.")
    keyboard_capture: bool = _doc(True, "Capter les douchettes en mode clavier.")
    keyboard_max_gap_ms: int = _doc(
        50,
        "Écart maximal entre deux touches d'une douchette pour les codes qui ne sont pas des "
        "contremarques (ms, de 10 à 150) ; les contremarques sont reconnues à leur contenu, "
        "Bluetooth compris.",
        check=_between(10, 150, " ms"),
    )
    keyboard_min_length: int = _doc(
        6, "Nombre minimal de caractères d'une lecture de douchette (4 à 64).", check=_between(4, 64)
    )
    scanner_layout: str = _doc(
        "us", "Disposition clavier réglée dans la douchette (us, fr, de...).", check=_scanner_layout
    )
    host_layout: str = _doc("", "Disposition clavier du PC si connue (vide : détection).", check=_host_layout)
    serial_enabled: bool = _doc(True, "Lire les douchettes USB série (port COM virtuel).")
    serial_port: str = _doc(
        "", "Port série choisi (vide : automatique, la première douchette branchée, même après le démarrage)."
    )
    serial_terminator: str = _doc("\r", "Fin de lecture des douchettes série.", check=_terminator)
    serial_silence_ms: int = _doc(
        100,
        "Silence qui termine une lecture série sans suffixe (ms, 20 à 1000).",
        check=_between(20, 1000, " ms"),
    )
    hid_enabled: bool = _doc(True, "Lire les douchettes USB HID POS.")
    hid_device: str = _doc(
        "", "Périphérique HID choisi (VID:PID ; vide : automatique, la première branchée).", check=_vid_pid
    )
    evdev_exclusive: str = _doc("", "Linux : chemin evdev d'une douchette à capter en exclusivité.")


@dataclass(frozen=True)
class WebcamSettings(_CheckedSection):
    SECTION: ClassVar[str] = "webcam"

    enabled: bool = _doc(False, "Lire les QR codes avec la webcam.")
    device: str = _doc("", "Caméra choisie (nom ou index ; vide : la première).")
    decoder: str = _doc("zxing", "Décodeur : zxing (défaut) ou pyzbar s'il est installé.")
    backend: str = _doc("auto", "Backend OpenCV : auto, msmf, dshow, v4l2.")
    resolution: str = _doc("1280x720", "Résolution demandée à la caméra (640x480 sur un PC lent).")
    pyzbar_second_chance: bool = _doc(
        True,
        "Quand un code vu reste illisible, essayer aussi pyzbar (s'il est installé), "
        "2 fois par seconde au plus.",
    )
    repeat_after_s: float = _doc(
        10.0,
        "Une contremarque présentée de nouveau à la caméra dans ce délai est ignorée (s, 1 à 120) ; "
        "gardée devant la caméra, elle n'est lue qu'une fois.",
        check=_between(1, 120, " s"),
    )


@dataclass(frozen=True)
class UiSettings(_CheckedSection):
    SECTION: ClassVar[str] = "ui"

    language: str = _doc("fr", "Langue de l'interface : fr ou en.", check=_one_of("fr", "en"))
    return_to_ready_s: float = _doc(
        6.0, "Retour à l'écran d'attente après un résultat (s, 1 à 120).", check=_between(1, 120, " s")
    )
    sound_enabled: bool = _doc(True, "Jouer un son pour les résultats.")
    sound_volume: float = _doc(0.7, "Volume des sons, de 0 à 1.", check=_between(0, 1))
    font_scale: float = _doc(
        1.0, "Agrandissement des textes (1 = normal, 0,8 à 2,5).", check=_between(0.8, 2.5)
    )


@dataclass(frozen=True)
class HandOffSettings(_CheckedSection):
    SECTION: ClassVar[str] = "handoff"

    folder: str = _doc("", "Dossier où déposer chaque paiement pour la caisse (vide : non).")
    http_url: str = _doc("", "URL où envoyer chaque paiement en JSON (vide : non).")


_SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def _ssl_mode(value: Any) -> str | None:
    return None if value in _SSL_MODES else f"attendu l'un de : {', '.join(_SSL_MODES)}"


@dataclass(frozen=True)
class LedgerSettings(_CheckedSection):
    """The shared PostgreSQL ledger of several tills (``pos_client.ledger``); off by default. The
    password is in the OS keyring (``pos-client ledger password``), never here."""

    SECTION: ClassVar[str] = "ledger"

    enabled: bool = _doc(
        False, "Partager ventes, réservations en cours et débit d'API avec les autres caisses."
    )
    host: str = _doc("", "Serveur PostgreSQL du registre partagé (nom ou adresse).")
    port: int = _doc(5432, "Port du serveur PostgreSQL (1 à 65535).", check=_between(1, 65535))
    dbname: str = _doc("pos_ledger", "Base de données du registre.")
    user: str = _doc("", "Rôle PostgreSQL de cette caisse (un par caisse).")
    sslmode: str = _doc(
        "verify-full", "Chiffrement TLS : verify-full (conseillé), require, disable...", check=_ssl_mode
    )
    sslrootcert: str = _doc("", "Certificat de l'autorité du serveur (vide : ~/.postgresql/root.crt).")
    till_label: str = _doc("", "Nom de la caisse montré aux autres caisses (vide : till_name).")
    tills_sharing_key: int = _doc(
        2,
        "Caisses qui partagent la clé d'API : part de secours du débit quand le registre est injoignable.",
        check=_between(1, 100),
    )


@dataclass(frozen=True)
class OfferSettings(_CheckedSection):
    """The offer made at the till (``pos_client.offers``)."""

    SECTION: ClassVar[str] = "offer"

    venue_id: int = _doc(
        0, "Offre sur-mesure : identifiant pass Culture du lieu de la boutique (0 : non réglé)."
    )
    close_after_booking: bool = _doc(
        False, "Offre sur-mesure : la fermer (stock à 0) dès sa contremarque validée à cette caisse."
    )
    wait_s: float = _doc(
        60.0,
        "Offre sur-mesure : attente maximale de sa création par pass Culture (s, 5 à 600).",
        check=_between(5, 600, " s"),
    )


def _default_till_name() -> str:
    return socket.gethostname() or "caisse"


@dataclass(frozen=True)
class Settings:
    """All settings of one till. Immutable: change with ``dataclasses.replace`` and save."""

    till_name: str = field(
        default_factory=_default_till_name,
        metadata={"doc": "Nom de cette caisse (journal, exports, User-Agent)."},
    )
    api: ApiSettings = field(default_factory=ApiSettings)
    scanner: ScannerSettings = field(default_factory=ScannerSettings)
    webcam: WebcamSettings = field(default_factory=WebcamSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    handoff: HandOffSettings = field(default_factory=HandOffSettings)
    ledger: LedgerSettings = field(default_factory=LedgerSettings)
    offer: OfferSettings = field(default_factory=OfferSettings)

    # ----------------------------------------------------------------- load / save
    @classmethod
    def load(cls, path: Path) -> Self:
        """Read ``path``; a missing file gives the defaults."""
        if not path.exists():
            return cls()
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"Fichier de réglages illisible ({path}) : {exc}") from exc
        loaded: Self = _from_mapping(cls, raw, prefix="")
        return loaded

    def save(self, path: Path) -> None:
        """Write atomically (temp file + rename), so a crash never leaves half a file; readable by the
        till's user only. Comments and unknown keys of the file already there are kept."""
        from pos_client.safety.private_files import private_folder, write_private_file

        private_folder(path.parent)
        try:
            previous = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            previous = ""  # no file yet, or one that cannot be kept: write a fresh one
        write_private_file(path, to_toml(self, previous).encode("utf-8"))

    @property
    def warnings(self) -> tuple[str, ...]:
        """French warnings about values refused at load (their defaults are in use), for the
        status bar: each a ``FrenchText``, which the window renders in its language."""
        notes: list[str] = []
        for fdef in fields(self):
            section = getattr(self, fdef.name)
            if isinstance(section, _CheckedSection):
                notes.extend(section.fallbacks)
        return tuple(notes)

    def with_values(self, **sections: Any) -> Settings:
        """Shorthand: ``s.with_values(ui={"language": "en"})``."""
        changes: dict[str, Any] = {}
        for name, value in sections.items():
            current = getattr(self, name)
            changes[name] = replace(current, **value) if isinstance(value, dict) else value
        return replace(self, **changes)


def _coerce(key: str, expected: Any, value: Any) -> Any:
    if isinstance(expected, type) and issubclass(expected, StrEnum):
        try:
            return expected(value)
        except ValueError as exc:
            allowed = ", ".join(m.value for m in expected)
            raise SettingsError(f"{key} : « {value} » n'est pas une valeur permise ({allowed}).") from exc
    if expected is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if expected in (str, int, bool) and type(value) is expected:
        return value
    raise SettingsError(f"{key} : valeur de type {type(value).__name__}, {expected.__name__} attendu.")


def _from_mapping(cls: Any, raw: dict[str, Any], prefix: str) -> Any:
    kwargs: dict[str, Any] = {}
    hints = {f.name: f for f in fields(cls)}
    for key, value in raw.items():
        if key not in hints:
            log.warning("Réglage inconnu ignoré : %s%s", prefix, key)
            continue
        fdef = hints[key]
        ftype = _field_type(cls, fdef)
        if dataclasses.is_dataclass(ftype):
            if not isinstance(value, dict):
                raise SettingsError(f"{prefix}{key} : une section [{key}] est attendue.")
            kwargs[key] = _from_mapping(ftype, value, prefix=f"{prefix}{key}.")
        elif isinstance(cls, type) and issubclass(cls, _CheckedSection):
            try:
                kwargs[key] = _coerce(f"{prefix}{key}", ftype, value)
            except SettingsError:
                if isinstance(ftype, type) and issubclass(ftype, StrEnum):
                    raise  # a wrong server is an error, never a silent fall back to production
                kwargs[key] = value  # the section falls back to the default, with a warning
        else:
            kwargs[key] = _coerce(f"{prefix}{key}", ftype, value)
    return cls(**kwargs)


def _field_type(cls: Any, fdef: dataclasses.Field[Any]) -> Any:
    import typing

    return typing.get_type_hints(cls)[fdef.name]


def _toml_item(value: Any) -> Any:
    # A StrEnum is written as its value ("production"), everything else as the TOML scalar it is.
    return value.value if isinstance(value, StrEnum) else value


def iter_fields(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any, str]]:
    """Yield ``(dotted.key, value, description)`` for every leaf setting."""
    for fdef in fields(obj):
        value = getattr(obj, fdef.name)
        if dataclasses.is_dataclass(value):
            yield from iter_fields(value, prefix=f"{prefix}{fdef.name}.")
        else:
            yield f"{prefix}{fdef.name}", value, str(fdef.metadata.get("doc", ""))


_FILE_HEADER = "Réglages de pos-client (la clé d'API est dans le trousseau du système)."


def to_toml(settings: Settings, previous: str = "") -> str:
    """The settings as a TOML text, each key under its one-line description.

    With ``previous`` (the file as it was), only the values change: the shop's own comments, the
    order of the keys and the keys this version does not know are kept (tomlkit edits the document
    in place). A ``previous`` that is not TOML is replaced by a fresh file.
    """
    try:
        document = tomlkit.parse(previous) if previous.strip() else tomlkit.document()
    except tomlkit.exceptions.TOMLKitError:
        document = tomlkit.document()
    if not document.body:
        document.add(tomlkit.comment(_FILE_HEADER))
    for key, value, doc in iter_fields(settings):
        *sections, name = key.split(".")
        table: Any = document
        for section in sections:
            if section not in table:
                table.add(tomlkit.nl())
                table.add(section, tomlkit.table())
            table = table[section]
        if name in table:
            table[name] = _toml_item(value)
        else:
            table.add(tomlkit.comment(doc))
            table.add(name, _toml_item(value))
    return tomlkit.dumps(document)


def describe(settings: Settings) -> str:
    """A human table of every setting with its value and description."""
    return "\n".join(f"{key} = {_as_written(value)}\n    {doc}" for key, value, doc in iter_fields(settings))


def _as_written(value: object) -> str:
    """A value as the settings file writes it ('production', not <ApiEnvironment.PRODUCTION: ...>)."""
    return repr(value.value) if isinstance(value, StrEnum) else repr(value)
