"""Typed settings with documented defaults, stored in one TOML file.

Every field carries its default and a one-line description (``doc``), in the spirit of a declarative
schema: ``pos-client settings`` prints them, and the settings dialog uses the same descriptions.
The API key is *not* a setting: it lives in the OS keyring (see ``pos_client.api.keys``).

Unknown keys in the file are ignored with a warning (a newer version may have written them); a value
of the wrong type is an error naming the key, so a hand-edited file never fails silently.

The scanner settings are also checked against their documented ranges and names (a keyboard gap
of 10-150 ms, a known scanner layout, ``vid:pid``...), whether they come from the file, from
``with_values`` or from the settings dialog. A bad value there (out of range, unknown layout, wrong
type) never keeps the till from starting: the default is used instead, a French warning naming
the key is logged, and ``Settings.warnings`` hands it to the status bar.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import socket
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Self

__all__ = [
    "ApiEnvironment",
    "ApiSettings",
    "HandOffSettings",
    "ScannerSettings",
    "Settings",
    "SettingsError",
    "UiSettings",
    "WebcamSettings",
    "describe",
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


def _between(low: float, high: float, unit: str = "") -> Check:
    def check(value: Any) -> str | None:
        return None if low <= value <= high else f"hors limites (de {low} à {high}{unit})"

    return check


def _scanner_layout(value: Any) -> str | None:
    if value.strip().lower() in ("", "us"):
        return None
    from pos_client.scanner.keymap import known_layouts, layout_for

    try:
        layout_for(value)
    except ValueError:
        return f"disposition inconnue ; connues : {', '.join(known_layouts())}, fr, be, de, ch"
    return None


def _host_layout(value: Any) -> str | None:
    if not value.strip():
        return None
    from pos_client.scanner.layouts import LAYOUTS, find_layout

    if find_layout(value) is None:
        return f"disposition inconnue ; connues : {', '.join(LAYOUTS)}"
    return None


_VID_PID = re.compile(r"^\s*[0-9a-fA-F]{1,4}:[0-9a-fA-F]{1,4}\s*$")


def _vid_pid(value: Any) -> str | None:
    if not value or _VID_PID.match(value):
        return None
    return "attendu VID:PID en hexadécimal (0c2e:0b8f), ou vide pour la première branchée"


def _terminator(value: Any) -> str | None:
    return None if len(value) <= 2 else "au plus 2 caractères (\\r, \\n, \\r\\n, \\t)"


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
            note = (
                f"Réglage {self.SECTION}.{fdef.name} = {_shown(value)} refusé : {reason}. "
                f"Valeur par défaut utilisée : {_shown(fdef.default)}."
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
    return f"valeur de type {type(value).__name__}, {expected.__name__} attendu"


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f"« {value} »" if value else "vide"
    return repr(value)


@dataclass(frozen=True)
class ApiSettings:
    environment: ApiEnvironment = _doc(
        ApiEnvironment.PRODUCTION, "Serveur pass Culture : production, integration ou custom."
    )
    custom_url: str = _doc("", "URL du serveur quand environment = custom (https, sauf en local).")
    connect_timeout_s: float = _doc(3.0, "Délai maximal d'établissement d'une connexion (s).")
    read_timeout_s: float = _doc(8.0, "Délai maximal d'attente d'une réponse (s).")


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
        "Écart maximal entre deux touches d'une douchette (ms, de 10 à 150 ; 150 pour le Bluetooth).",
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
class WebcamSettings:
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
    )


@dataclass(frozen=True)
class UiSettings:
    language: str = _doc("fr", "Langue de l'interface : fr ou en.")
    return_to_ready_s: float = _doc(6.0, "Retour à l'écran d'attente après un résultat (s).")
    sound_enabled: bool = _doc(True, "Jouer un son pour les résultats.")
    sound_volume: float = _doc(0.7, "Volume des sons, de 0 à 1.")
    font_scale: float = _doc(1.0, "Agrandissement des textes (1 = normal).")


@dataclass(frozen=True)
class HandOffSettings:
    folder: str = _doc("", "Dossier où déposer chaque paiement pour la caisse (vide : non).")
    http_url: str = _doc("", "URL où envoyer chaque paiement en JSON (vide : non).")


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
        """Write atomically (temp file + rename), so a crash never leaves half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(to_toml(self), encoding="utf-8")
        os.replace(tmp, path)

    @property
    def warnings(self) -> tuple[str, ...]:
        """French warnings about values refused at load (their defaults are in use), for the
        status bar."""
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
                kwargs[key] = value  # the section falls back to the default, with a warning
        else:
            kwargs[key] = _coerce(f"{prefix}{key}", ftype, value)
    return cls(**kwargs)


def _field_type(cls: Any, fdef: dataclasses.Field[Any]) -> Any:
    import typing

    return typing.get_type_hints(cls)[fdef.name]


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


def iter_fields(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any, str]]:
    """Yield ``(dotted.key, value, description)`` for every leaf setting."""
    for fdef in fields(obj):
        value = getattr(obj, fdef.name)
        if dataclasses.is_dataclass(value):
            yield from iter_fields(value, prefix=f"{prefix}{fdef.name}.")
        else:
            yield f"{prefix}{fdef.name}", value, str(fdef.metadata.get("doc", ""))


def to_toml(settings: Settings) -> str:
    top: list[str] = []
    sections: dict[str, list[str]] = {}
    for key, value, doc in iter_fields(settings):
        section, _, name = key.rpartition(".")
        line = f"# {doc}\n{name} = {_toml_value(value)}"
        (sections.setdefault(section, []) if section else top).append(line)
    parts = ["# Réglages de pos-client (la clé d'API est dans le trousseau du système).", *top]
    for section, lines in sections.items():
        parts.append(f"\n[{section}]")
        parts.extend(lines)
    return "\n".join(parts) + "\n"


def describe(settings: Settings) -> str:
    """A human table of every setting with its value and description."""
    return "\n".join(f"{key} = {_as_written(value)}\n    {doc}" for key, value, doc in iter_fields(settings))


def _as_written(value: object) -> str:
    """A value as the settings file writes it ('production', not <ApiEnvironment.PRODUCTION: ...>)."""
    return repr(value.value) if isinstance(value, StrEnum) else repr(value)
