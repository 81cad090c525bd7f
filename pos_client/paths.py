"""Where pos-client keeps its settings, logs and data.

Normal runs use the per-user folders given by platformdirs. ``--dev-dir DIR`` puts everything under
one folder instead, so a developer with real scanners on the desk never touches the shop's data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from pos_client import APP_NAME

__all__ = ["AppPaths"]

_APP_AUTHOR = "pos-client"


@dataclass(frozen=True)
class AppPaths:
    """The folders of one installation (or of one ``--dev-dir``)."""

    config_dir: Path
    data_dir: Path
    log_dir: Path
    cache_dir: Path

    @classmethod
    def for_user(cls) -> AppPaths:
        """The per-user folders of this OS (XDG on Linux, AppData on Windows)."""
        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, _APP_AUTHOR)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, _APP_AUTHOR)),
            log_dir=Path(platformdirs.user_log_dir(APP_NAME, _APP_AUTHOR)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, _APP_AUTHOR)),
        )

    @classmethod
    def under(cls, root: Path) -> AppPaths:
        """Everything under one folder (``--dev-dir``, tests, the self-test)."""
        root = root.expanduser().resolve()
        return cls(
            config_dir=root / "config",
            data_dir=root / "data",
            log_dir=root / "logs",
            cache_dir=root / "cache",
        )

    @classmethod
    def resolve(cls, dev_dir: str | os.PathLike[str] | None) -> AppPaths:
        """``--dev-dir`` wins, then the ``POS_CLIENT_DEV_DIR`` environment variable, then the OS."""
        chosen = dev_dir or os.environ.get("POS_CLIENT_DEV_DIR")
        return cls.under(Path(chosen)) if chosen else cls.for_user()

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.toml"

    @property
    def journal_file(self) -> Path:
        return self.data_dir / "journal.sqlite3"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "pos-client.log"

    def ensure(self) -> None:
        """Create the folders (idempotent)."""
        for folder in (self.config_dir, self.data_dir, self.log_dir, self.cache_dir):
            folder.mkdir(parents=True, exist_ok=True)
