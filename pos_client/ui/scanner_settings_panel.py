"""The scanner part of the settings: detected devices to pick from, and the keyboard-mode options.

A self-contained widget for the settings dialog: ``ScannerSourcesPanel(settings.scanner)`` lists
what ``discover()`` finds (serial ports with their maker and likely mode, HID POS scanners),
offers "Automatique" (the default: plug a scanner, even after start-up, and it is used), keeps a
saved choice even when that device is unplugged right now, and gives back the edited settings
with ``result(current)``. The list skips pyusb (nothing here shows USB devices, and it can be
slow): « Tester le scanner » and ``pos-client scanners`` show them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QPushButton,
    QSpinBox,
    QWidget,
)

from pos_client.host_os import HostOs, current_host_os
from pos_client.scanner.discovery import DetectedDevice, DeviceKind, Discovery, discover
from pos_client.scanner.keymap import known_layouts, layout_for
from pos_client.settings import ScannerSettings, setting_range

__all__ = ["ScannerSourcesPanel"]

AUTOMATIC = ""
_LAYOUT_LABELS = {
    "us": "QWERTY américain (réglage d'usine)",
    "fr-azerty": "AZERTY français",
    "fr-azerty-afnor": "AZERTY français NF Z71-300",
    "be-azerty": "AZERTY belge",
    "ch-fr-qwertz": "QWERTZ suisse romand",
    "ch-de-qwertz": "QWERTZ suisse alémanique",
    "de-qwertz": "QWERTZ allemand",
}


def _label(device: DetectedDevice) -> str:
    maker = f" — {device.maker}" if device.maker else ""
    return f"{device.ident} ({device.vid_pid}) {device.description}{maker}"


class ScannerSourcesPanel(QWidget):
    def __init__(
        self,
        settings: ScannerSettings,
        *,
        discover_devices: Callable[[], Discovery] = lambda: discover(with_usb=False),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._discover = discover_devices
        self.keyboard = QCheckBox("Capter les douchettes en mode clavier")
        self.keyboard.setChecked(settings.keyboard_capture)
        self.layout_choice = QComboBox()
        for layout_id in known_layouts():
            self.layout_choice.addItem(_LAYOUT_LABELS.get(layout_id, layout_id), layout_id)
        self._select(self.layout_choice, _canonical_layout(settings.scanner_layout))
        self.max_gap = QSpinBox()
        low, high = setting_range(ScannerSettings, "keyboard_max_gap_ms")
        self.max_gap.setRange(int(low), int(high))
        self.max_gap.setSuffix(" ms")
        self.max_gap.setValue(settings.keyboard_max_gap_ms)
        self.serial = QCheckBox("Lire les douchettes USB série (port COM)")
        self.serial.setChecked(settings.serial_enabled)
        self.serial_port = QComboBox()
        self.hid = QCheckBox("Lire les douchettes USB HID POS")
        self.hid.setChecked(settings.hid_enabled)
        self.hid_device = QComboBox()
        self.evdev = QComboBox()  # Linux: a keyboard-mode scanner read exclusively
        refresh = QPushButton("Rechercher les douchettes")
        refresh.clicked.connect(self.refresh)

        form = QFormLayout(self)
        form.addRow(self.keyboard)
        form.addRow("Disposition réglée dans la douchette :", self.layout_choice)
        form.addRow("Écart maximal entre deux touches :", self.max_gap)
        form.addRow(self.serial)
        form.addRow("Port série :", self.serial_port)
        form.addRow(self.hid)
        form.addRow("Douchette HID POS :", self.hid_device)
        if current_host_os() is HostOs.LINUX:
            form.addRow("Lecture exclusive (mode clavier) :", self.evdev)
        form.addRow(refresh)
        self.refresh()

    def refresh(self) -> None:
        """List the devices again (a scanner was just plugged in)."""
        found = self._discover()
        chosen_port = (
            self.serial_port.currentData() if self.serial_port.count() else self._settings.serial_port
        )
        chosen_hid = self.hid_device.currentData() if self.hid_device.count() else self._settings.hid_device
        self._fill(self.serial_port, found.serial_scanners() + _other_serial(found), chosen_port)
        self._fill(self.hid_device, found.hid_pos_scanners(), chosen_hid)
        chosen_evdev = self.evdev.currentData() if self.evdev.count() else self._settings.evdev_exclusive
        evdev_nodes = [d for d in found.devices if d.kind is DeviceKind.EVDEV]
        self._fill(self.evdev, evdev_nodes, chosen_evdev, automatic="Non : captée dans la fenêtre")

    def result(self, current: ScannerSettings) -> ScannerSettings:
        """``current`` with the panel's choices applied."""
        return replace(
            current,
            keyboard_capture=self.keyboard.isChecked(),
            scanner_layout=str(self.layout_choice.currentData()),
            keyboard_max_gap_ms=self.max_gap.value(),
            serial_enabled=self.serial.isChecked(),
            serial_port=str(self.serial_port.currentData() or AUTOMATIC),
            hid_enabled=self.hid.isChecked(),
            hid_device=str(self.hid_device.currentData() or AUTOMATIC),
            evdev_exclusive=str(self.evdev.currentData() or ""),
        )

    @staticmethod
    def _fill(
        combo: QComboBox,
        devices: list[DetectedDevice],
        chosen: str,
        automatic: str = "Automatique : la première branchée, même après le démarrage",
    ) -> None:
        combo.clear()
        combo.addItem(automatic, AUTOMATIC)
        for device in devices:
            combo.addItem(_label(device), device.ident)
        if chosen and combo.findData(chosen) < 0:
            combo.addItem(f"{chosen} (non branchée pour l'instant)", chosen)
        ScannerSourcesPanel._select(combo, chosen)

    @staticmethod
    def _select(combo: QComboBox, value: str) -> None:
        index = combo.findData(value)
        combo.setCurrentIndex(max(0, index))


def _other_serial(found: Discovery) -> list[DetectedDevice]:
    """Serial ports that do not look like scanners: listed after them (no-name scanners)."""
    scanners = {d.ident for d in found.serial_scanners()}
    return [d for d in found.devices if d.kind is DeviceKind.SERIAL and d.ident not in scanners]


def _canonical_layout(name: str) -> str:
    try:
        return layout_for(name or "us").layout_id
    except ValueError:
        return "us"
