"""The settings' choice of the venue(s) this till serves, from the venues its API key reaches.

A key is the provider's: a software vendor's key reaches every shop that linked its venues to the
vendor. « Lire les lieux de la clé » asks ``GET /public/offers/v1/offerer_venues`` (off the GUI
thread) and lists them with a box each; the checked ones are saved as ``api.venue_ids`` and
``api.venue_names``. Nothing checked: every venue of the key is accepted (as before the choice).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from pos_client.counter.messages import outcome_text
from pos_client.domain.outcomes import Outcome
from pos_client.domain.venues import ReachableVenue, VenueList, parse_venue_ids, venue_label
from pos_client.i18n import Translator
from pos_client.ui.worker import QtTaskRunner

__all__ = ["VenueLoader", "VenuePicker"]

VenueLoader = Callable[[], "Outcome | VenueList"]


class VenuePicker(QWidget):
    """A checkable list of venues, filled from the key's venues on request."""

    def __init__(
        self, venue_ids: str, venue_names: str, tr: Translator, load: VenueLoader | None = None
    ) -> None:
        super().__init__()
        self._tr = tr
        self._load = load
        self._runner = QtTaskRunner(self, max_threads=1)
        self.list = QListWidget()
        self.list.setObjectName("settings_venues")
        self.list.setMinimumHeight(90)
        self.state = QLabel()
        self.state.setObjectName("settings_venues_state")
        self.state.setWordWrap(True)
        self.load_button = QPushButton(tr("Lire les lieux de la clé"))
        self.load_button.setObjectName("settings_load_venues")
        self.load_button.setEnabled(load is not None)
        self.load_button.clicked.connect(self.load_venues)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addWidget(self.state)
        layout.addWidget(self.load_button, 0, Qt.AlignmentFlag.AlignLeft)
        names = [name.strip() for name in venue_names.split(";")]
        for index, venue_id in enumerate(parse_venue_ids(venue_ids)):
            name = names[index] if index < len(names) and names[index] else f"Lieu {venue_id}"
            self._add(ReachableVenue(venue_id, name, ""), checked=True)
        self._say_choice()

    def _add(self, venue: ReachableVenue, *, checked: bool) -> None:
        offerer = f" — {venue.offerer_name}" if venue.offerer_name else ""
        item = QListWidgetItem(venue_label(venue) + offerer)
        item.setData(Qt.ItemDataRole.UserRole, (venue.id, venue.name))
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.list.addItem(item)

    def _say_choice(self) -> None:
        if not self.chosen():
            self.state.setText(self._tr("Aucun lieu choisi : la caisse accepte tous les lieux de la clé."))
        else:
            self.state.setText("")

    def load_venues(self) -> None:
        """Ask the API (off the GUI thread) for the key's venues; the checked ones stay checked."""
        if self._load is None:
            return
        self.load_button.setEnabled(False)
        self.state.setText(self._tr("Lecture des lieux de la clé…"))
        self._runner.submit(self._load, self._show_venues, self._show_failure)

    def _show_venues(self, answer: Outcome | VenueList) -> None:
        self.load_button.setEnabled(True)
        if not isinstance(answer, VenueList):
            title, _ = outcome_text(answer, token="", amount_cents=None)
            self.state.setText(self._tr("Lieux illisibles : {why}", why=title.render(self._tr)))
            return
        kept = {venue_id for venue_id, _ in self.chosen()}
        self.list.clear()
        for venue in answer.venues:
            self._add(venue, checked=venue.id in kept)
        if not answer.venues:
            self.state.setText(self._tr("Cette clé n'atteint aucun lieu."))
        else:
            self.state.setText(
                self._tr("{n} lieux atteints par la clé : cochez ceux de cette caisse.", n=len(answer.venues))
            )

    def _show_failure(self, exc: Exception) -> None:
        self.load_button.setEnabled(True)
        self.state.setText(self._tr("Lieux illisibles : {why}", why=type(exc).__name__))

    def chosen(self) -> list[tuple[int, str]]:
        """(id, name) of the checked venues, in list order."""
        picked: list[tuple[int, str]] = []
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.checkState() is Qt.CheckState.Checked:
                venue_id, name = item.data(Qt.ItemDataRole.UserRole)
                picked.append((int(venue_id), str(name)))
        return picked

    def result(self) -> tuple[str, str]:
        """(``venue_ids``, ``venue_names``) as the settings keep them."""
        picked = self.chosen()
        return ", ".join(str(venue_id) for venue_id, _ in picked), "; ".join(name for _, name in picked)

    def wait_idle(self) -> bool:
        return self._runner.wait_idle()
