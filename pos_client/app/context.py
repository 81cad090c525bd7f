"""What every face of the program gets: where things live and the loaded settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from pos_client.paths import AppPaths
from pos_client.settings import Settings, WebcamSettings

__all__ = ["AppContext", "save_webcam_settings"]

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    """Paths and settings, shared by the window, the commands and the self-test."""

    paths: AppPaths
    settings: Settings

    def save_settings(self, settings: Settings) -> None:
        settings.save(self.paths.settings_file)
        self.settings = settings


def save_webcam_settings(context: AppContext, webcam: WebcamSettings) -> None:
    """Keep the camera panel's choices (camera picked, decoder, backend) for the next start,
    through the same save as the settings dialog. A file that cannot be written is logged: the
    camera keeps working with the choice until the till closes."""
    try:
        context.save_settings(replace(context.settings, webcam=webcam))
    except OSError as exc:
        log.warning("réglages de la caméra non enregistrés : %s", exc)
