"""The settings dialog: server, API key (kept in the OS keyring, only its last 4 characters shown),
till name, scan guard window, return-to-ready delay, sound, language, text size.

Three tabs (Serveur, Caisse, Douchettes), each in a scroll area, labels that wrap: the dialog fits a
1024x600 screen whatever it shows (a long keyring error included), OK and Annuler always in sight.
Its text fields take fast typing as typing (a password manager's auto-type), never as a scan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSlider,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pos_client.api.environments import InsecureUrlError, check_base_url
from pos_client.api.keys import KeyStoreError, key_hint
from pos_client.i18n import LANGUAGES, Translator
from pos_client.settings import ApiEnvironment, ScannerSettings, Settings, UiSettings, setting_range
from pos_client.ui.keyboard_capture import TYPING_FIELD_PROPERTY
from pos_client.ui.scanner_settings_panel import ScannerSourcesPanel
from pos_client.ui.venue_picker import VenueLoader, VenuePicker

if TYPE_CHECKING:
    from pos_client.ui.scanner_test_window import ScannerTestWindow

__all__ = ["ENVIRONMENT_NAMES", "MAX_HEIGHT", "MAX_WIDTH", "ApiKeyStore", "SettingsDialog"]

# The smallest till screen, 1024x600, less a title bar and a taskbar.
MAX_WIDTH, MAX_HEIGHT = 1000, 540

# What the cashier reads in the server list (French source texts, translated by ``Translator``).
ENVIRONMENT_NAMES = {
    ApiEnvironment.PRODUCTION: "Production",
    ApiEnvironment.INTEGRATION: "Intégration (tests)",
    ApiEnvironment.CUSTOM: "Personnalisée (émulateur, autre adresse)",
}


class ApiKeyStore(Protocol):
    """Where API keys live (the OS keyring in the application; a dict in tests)."""

    def get_key(self, environment: ApiEnvironment) -> str | None: ...

    def set_key(self, environment: ApiEnvironment, key: str) -> None: ...


class SettingsDialog(QDialog):
    """Edit a copy of the settings; ``result_settings()`` gives the new ones after ``accept``."""

    def __init__(
        self,
        settings: Settings,
        keys: ApiKeyStore,
        parent: QWidget | None = None,
        *,
        attach_scanner_test: Callable[[ScannerTestWindow], None] | None = None,
        load_venues: VenueLoader | None = None,
        demo: bool = False,
    ) -> None:
        """``attach_scanner_test`` feeds « Tester le scanner » with the running till's scans and keys;
        ``demo``: the till runs on the demo emulator (said at the top: these settings apply outside it)."""
        super().__init__(parent)
        self._attach_scanner_test = attach_scanner_test
        self.setObjectName("settings_dialog")
        tr = Translator(settings.ui.language)
        self.setWindowTitle(tr("Réglages"))
        self._settings = settings
        self._keys = keys
        self.environment = QComboBox()
        self.environment.setObjectName("settings_environment")
        for env in ApiEnvironment:
            self.environment.addItem(tr(ENVIRONMENT_NAMES[env]), env)
        self.environment.setCurrentIndex(list(ApiEnvironment).index(settings.api.environment))
        self.custom_url = QLineEdit(settings.api.custom_url)
        self.key_state = QLabel()
        self.key_state.setObjectName("settings_key_state")
        self.key_state.setWordWrap(True)  # a long keyring error wraps, it never widens the dialog
        self.key_state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.new_key = QLineEdit()
        self.new_key.setObjectName("settings_new_key")
        self.new_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_key.setPlaceholderText(tr("Nouvelle clé (laisser vide pour garder l'actuelle)"))
        self.till_name = QLineEdit(settings.till_name)
        # The venue(s) this till serves, among those the key reaches (``load_venues``: the API's list).
        self.venues = VenuePicker(settings.api.venue_ids, settings.api.venue_names, tr, load_venues)
        self.guard = QDoubleSpinBox()
        self.guard.setRange(*setting_range(ScannerSettings, "guard_window_s"))
        self.guard.setValue(settings.scanner.guard_window_s)
        self.return_delay = QDoubleSpinBox()
        self.return_delay.setRange(*setting_range(UiSettings, "return_to_ready_s"))
        self.return_delay.setValue(settings.ui.return_to_ready_s)
        self.sound = QCheckBox()
        self.sound.setChecked(settings.ui.sound_enabled)
        self.volume = QSlider(Qt.Orientation.Horizontal)
        low, high = setting_range(UiSettings, "sound_volume")
        self.volume.setRange(round(low * 100), round(high * 100))
        self.volume.setValue(round(settings.ui.sound_volume * 100))
        self.language = QComboBox()
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(
            max(0, list(LANGUAGES).index(settings.ui.language) if settings.ui.language in LANGUAGES else 0)
        )
        self.font_scale = QDoubleSpinBox()
        self.font_scale.setRange(*setting_range(UiSettings, "font_scale"))
        self.font_scale.setSingleStep(0.1)
        self.font_scale.setValue(settings.ui.font_scale)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("settings_tabs")
        self.tabs.setUsesScrollButtons(True)
        self.demo_note = QLabel(
            tr(
                "Mode démo : la caisse utilise l'émulateur local. "
                "Ces réglages de serveur et de clé servent hors démo."
            )
        )
        self.demo_note.setObjectName("settings_demo_note")
        self.demo_note.setWordWrap(True)
        self.demo_note.setStyleSheet("background: #5b2a86; color: white; padding: 6px; font-weight: bold;")
        self.demo_note.setVisible(demo)
        server_page, server = _form_page()
        server.addRow(self.demo_note)
        server.addRow(tr("Serveur"), self.environment)
        server.addRow(tr("Adresse du serveur (personnalisée)"), self.custom_url)
        server.addRow(tr("Clé d'API"), self.key_state)
        server.addRow("", self.new_key)
        till_page, till = _form_page()
        till.addRow(tr("Nom de la caisse"), self.till_name)
        till.addRow(tr("Lieux de cette caisse"), self.venues)
        till.addRow(tr("Fenêtre anti-double lecture (s)"), self.guard)
        till.addRow(tr("Retour à l'attente après (s)"), self.return_delay)
        till.addRow(tr("Sons"), self.sound)
        till.addRow(tr("Volume"), self.volume)
        till.addRow(tr("Langue"), self.language)  # applies at once: OK restarts the till (app.py)
        till.addRow(tr("Taille des textes"), self.font_scale)
        # The scanners' own options (devices found, keyboard-mode layout), from the scanner area.
        self.scanners = ScannerSourcesPanel(settings.scanner)
        scanners_page = QWidget()
        scanners_layout = QVBoxLayout(scanners_page)
        scanners_layout.addWidget(self.scanners)
        self.test_scanner_button = QPushButton(tr("Tester le scanner…"))
        self.test_scanner_button.setObjectName("settings_test_scanner")
        self.test_scanner_button.clicked.connect(self.open_scanner_test)
        scanners_layout.addWidget(self.test_scanner_button, 0, Qt.AlignmentFlag.AlignLeft)
        scanners_layout.addStretch(1)
        self.scanner_test_window: ScannerTestWindow | None = None
        for page, title in (
            (server_page, tr("Serveur")),
            (till_page, tr("Caisse")),
            (scanners_page, tr("Douchettes")),
        ):
            self.tabs.addTab(_scrolled(page), title)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        outer = QVBoxLayout(self)
        outer.addWidget(self.tabs, 1)
        outer.addWidget(buttons)
        scanner_form = self.scanners.layout()
        if isinstance(scanner_form, QFormLayout):
            scanner_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for combo in self.findChildren(QComboBox):
            # A long device name (or a long list entry) must not widen the dialog past the screen.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(16)
        for field in (self.custom_url, self.new_key, self.till_name):
            field.setProperty(TYPING_FIELD_PROPERTY, True)
        # Room for the widest page, never more than a 1024x600 screen (the pages scroll).
        self.resize(min(self.sizeHint().width(), MAX_WIDTH), min(self.sizeHint().height(), MAX_HEIGHT))
        self.environment.currentIndexChanged.connect(self._show_key_state)
        self._show_key_state()
        self.new_key.setFocus()

    def open_scanner_test(self) -> ScannerTestWindow:
        """Open (or bring back) « Tester le scanner » with the prefix/suffix being edited."""
        from pos_client.ui.scanner_test_window import ScannerTestWindow

        chosen = self.scanners.result(self._settings.scanner)
        window = self.scanner_test_window
        if window is None:
            # A window of its own but the dialog's child: the modal dialog does not block it.
            window = ScannerTestWindow(prefix=chosen.prefix, suffix=chosen.suffix, parent=self)
            window.setWindowFlag(Qt.WindowType.Window, True)
            window.setObjectName("scanner_test_window")
            self.finished.connect(window.close)
            self.scanner_test_window = window
            if self._attach_scanner_test is not None:
                self._attach_scanner_test(window)
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def _environment(self) -> ApiEnvironment:
        return ApiEnvironment(self.environment.currentData())

    def _show_key_state(self) -> None:
        try:
            hint = key_hint(self._keys.get_key(self._environment()))
        except KeyStoreError as exc:
            self.key_state.setText(str(exc))
            return
        self.key_state.setText(f"••••{hint}" if hint else "—")

    def accept(self) -> None:
        url = self.custom_url.text().strip()
        if url or self._environment() is ApiEnvironment.CUSTOM:
            try:
                check_base_url(url)  # a mistyped address is refused here, never saved
            except InsecureUrlError as exc:
                QMessageBox.warning(self, self.windowTitle(), str(exc))
                self.custom_url.setFocus()
                return
        key = self.new_key.text().strip()
        if key:
            try:
                self._keys.set_key(self._environment(), key)
            except KeyStoreError as exc:
                # The key is never written anywhere else: say so and keep the dialog open.
                QMessageBox.warning(self, self.windowTitle(), str(exc))
                return
            self.new_key.clear()
        super().accept()

    def result_settings(self) -> Settings:
        s = self._settings
        return replace(
            s,
            till_name=self.till_name.text().strip() or s.till_name,
            api=replace(
                s.api,
                environment=self._environment(),
                custom_url=self.custom_url.text().strip(),
                venue_ids=self.venues.result()[0],
                venue_names=self.venues.result()[1],
            ),
            scanner=self.scanners.result(replace(s.scanner, guard_window_s=self.guard.value())),
            ui=replace(
                s.ui,
                language=str(self.language.currentData()),
                return_to_ready_s=self.return_delay.value(),
                sound_enabled=self.sound.isChecked(),
                sound_volume=self.volume.value() / 100,
                font_scale=self.font_scale.value(),
            ),
        )


def _form_page() -> tuple[QWidget, QFormLayout]:
    """A tab's page and form: labels wrap, fields grow (nothing widens the dialog)."""
    page = QWidget()
    form = QFormLayout(page)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return page, form


def _scrolled(page: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(page)
    return area
