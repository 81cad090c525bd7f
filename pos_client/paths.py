"""Where pos-client keeps its settings, logs and data.

Normal runs use the per-user folders of the OS, as ``host_os.user_folders`` states them (the rules
platformdirs applies: XDG on Linux, ``%LOCALAPPDATA%`` on Windows, ``~/Library`` on macOS).
``--dev-dir DIR`` puts everything under one folder instead, so a developer with real scanners on the
desk never touches the shop's data.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pos_client.host_os import HostOs, current_host_os, user_folders

__all__ = ["AppPaths"]


@dataclass(frozen=True)
class AppPaths:
    """The folders of one installation (or of one ``--dev-dir``)."""

    config_dir: Path
    data_dir: Path
    log_dir: Path
    cache_dir: Path

    @classmethod
    def for_user(
        cls,
        host: HostOs | None = None,
        environ: Mapping[str, str] | None = None,
        home: str | None = None,
    ) -> AppPaths:
        """The per-user folders of ``host`` (default: this OS): XDG on Linux, ``%LOCALAPPDATA%``
        on Windows. ``environ`` and ``home`` default to this process's."""
        folders = user_folders(
            host or current_host_os(),
            os.environ if environ is None else environ,
            str(Path.home()) if home is None else home,
        )
        return cls(
            config_dir=Path(folders.config_dir),
            data_dir=Path(folders.data_dir),
            log_dir=Path(folders.log_dir),
            cache_dir=Path(folders.cache_dir),
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
