"""The window refuses every unusable journal file in one way (issue 15, defect 4): a box with the
French reason and exit code 3, the same as the command line; the file is left as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from pos_client.app.context import AppContext
from pos_client.paths import AppPaths
from pos_client.settings import ApiEnvironment, Settings


class _Key:
    def get_key(self, environment: ApiEnvironment) -> str | None:
        return "cle-de-test-assez-longue"

    def set_key(self, environment: ApiEnvironment, key: str) -> None:
        raise AssertionError("not called")


def _folder(path: Path) -> None:
    path.mkdir()


def _foreign(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE recipes (name TEXT)")


def _truncated(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (x)")
        db.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 200)
    path.write_bytes(path.read_bytes()[:5000])


@pytest.mark.gui
@pytest.mark.parametrize("make_file", [_folder, _foreign, _truncated], ids=lambda f: f.__name__.strip("_"))
def test_an_unusable_journal_is_refused_in_a_box_with_exit_code_3(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_file: object
) -> None:
    from pos_client.ui import app as app_module

    context = AppContext(
        paths=AppPaths.under(tmp_path),
        settings=Settings(till_name="t").with_values(
            ui={"sound_enabled": False},
            api={"environment": ApiEnvironment.CUSTOM, "custom_url": "http://127.0.0.1:9"},
        ),
    )
    context.paths.ensure()
    make_file(context.paths.journal_file)  # type: ignore[operator]
    shown: list[tuple[QWidget | None, str, str]] = []
    monkeypatch.setattr(
        QMessageBox, "critical", lambda parent, title, text, *rest: shown.append((parent, title, text))
    )
    assert app_module.run_app(context, demo=False, sources=(), keys=_Key()) == 3
    ((_, title, text),) = shown
    assert title == "Caisse pass Culture" and "journal" in text.lower() and "Traceback" not in text
