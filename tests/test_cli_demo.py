"""``pos-client --demo journal`` and ``--demo export`` read the demo till's journal, not the shop's
(m5 of the cashier review: they reported 0 sales and created an empty shop journal)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pos_client.cli import main
from pos_client.cli.journal import DEMO_JOURNAL_NAME
from pos_client.paths import AppPaths


@pytest.mark.parametrize("command", [["journal"], ["export", "--from", "2026-12-01", "--to", "2026-12-15"]])
def test_demo_commands_read_the_demo_journal(tmp_path: Path, command: list[str]) -> None:
    paths = AppPaths.resolve(str(tmp_path))
    code = main(["--demo", "--dev-dir", str(tmp_path), *command])
    assert code == 0
    assert (paths.data_dir / DEMO_JOURNAL_NAME).exists()
    assert not paths.journal_file.exists()  # the shop's journal is never created by a demo command


def test_help_and_errors_are_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    """m8: no "positional arguments", "show this help message", "error: the following arguments"."""
    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = capsys.readouterr().out
    assert help_text.startswith("utilisation : ") and "afficher cette aide et quitter" in help_text
    assert "positional arguments" not in help_text and "show this help" not in help_text
    with pytest.raises(SystemExit) as exited:
        main(["export"])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "erreur : arguments obligatoires manquants : --from, --to" in error and "error:" not in error
