"""« Choisir quoi contrôler »: the evenings (offer and date) and price categories this gate admits."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QGroupBox, QVBoxLayout, QWidget

from pos_client.gate.verdict import GateScope
from pos_client.i18n import Translator

__all__ = ["GateScopeDialog"]


class GateScopeDialog(QDialog):
    def __init__(
        self, starts: list[tuple[str, datetime]], labels: list[str], current: GateScope,
        parent: QWidget | None = None, translate: Translator | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        t = translate or Translator("fr")
        self.setWindowTitle(t("Choisir quoi contrôler"))
        layout = QVBoxLayout(self)
        dates_box = QGroupBox(t("Spectacles et dates admis à cette porte"))
        dates_layout = QVBoxLayout(dates_box)
        self.start_boxes: list[tuple[QCheckBox, str, datetime]] = []
        for offer, starts_at in starts:
            local = starts_at.astimezone()
            box = QCheckBox(
                t(
                    "{offer} — {day} à {time}",
                    offer=offer,
                    day=local.strftime("%d/%m/%Y"),
                    time=local.strftime("%H:%M"),
                )
            )
            chosen = (not current.offers or offer in current.offers) and starts_at.date() in current.days
            box.setChecked(chosen)
            dates_layout.addWidget(box)
            self.start_boxes.append((box, offer, starts_at))
        layout.addWidget(dates_box)
        labels_box = QGroupBox(t("Catégories de prix (aucune cochée : toutes)"))
        labels_layout = QVBoxLayout(labels_box)
        self.label_boxes: list[tuple[QCheckBox, str]] = []
        for label in labels:
            box = QCheckBox(label)
            box.setChecked(label in current.price_labels)
            labels_layout.addWidget(box)
            self.label_boxes.append((box, label))
        layout.addWidget(labels_box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def scope(self) -> GateScope:
        chosen = [(offer, starts_at) for box, offer, starts_at in self.start_boxes if box.isChecked()]
        return GateScope(
            offers=frozenset(offer for offer, _ in chosen),
            days=frozenset(starts_at.date() for _, starts_at in chosen),
            price_labels=frozenset(label for box, label in self.label_boxes if box.isChecked()),
        )
