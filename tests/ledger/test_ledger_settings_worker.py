"""The ``[ledger]`` settings (off by default, checked values) and the replication worker thread."""

from __future__ import annotations

import threading
from pathlib import Path

from ledger_fixtures import LedgerDb, new_journal, sell

from pos_client.ledger.connection import LedgerConfig
from pos_client.ledger.replication import ReplicationStatus, ReplicationWorker, Replicator
from pos_client.settings import Settings, to_toml


def test_ledger_settings_default_off_and_checked(tmp_path: Path) -> None:
    settings = Settings(till_name="caisse 1")
    assert not settings.ledger.enabled and settings.ledger.sslmode == "verify-full"
    assert "[ledger]" in to_toml(settings) and "password" not in to_toml(settings).lower()
    path = tmp_path / "settings.toml"
    path.write_text(
        '[ledger]\nenabled = true\nhost = "db.lan"\nuser = "caisse1"\nsslmode = "sometimes"\nport = 70000\n',
        encoding="utf-8",
    )
    loaded = Settings.load(path)
    assert loaded.ledger.enabled and loaded.ledger.sslmode == "verify-full" and loaded.ledger.port == 5432
    assert any("ledger.sslmode" in note for note in loaded.warnings)
    assert any("ledger.port" in note for note in loaded.warnings)
    config = LedgerConfig.from_settings(loaded)
    assert config.till == loaded.till_name and config.describe() == "caisse1@db.lan:5432/pos_ledger"
    assert "password" not in config.connect_kwargs(None)


def test_the_worker_pushes_when_woken_and_reports_its_status(ledger_db: LedgerDb, tmp_path: Path) -> None:
    statuses: list[ReplicationStatus] = []
    up_to_date = threading.Event()
    sold_up_to = [10**9]  # the journal's last record once the sale is written

    def on_status(status: ReplicationStatus) -> None:
        statuses.append(status)
        # The worker's first push may run while the sale is being written: only a status that
        # covers the whole sale (its payment line included) counts.
        if status.up_to_date and (status.position or 0) >= sold_up_to[0]:
            up_to_date.set()

    with new_journal(tmp_path, "caisse-1") as journal, ledger_db.link("till_a") as link:
        worker = ReplicationWorker(Replicator(journal, link), interval_s=60.0, on_status=on_status)
        worker.start()
        try:
            sell(journal, "WORK01", 1)
            sold_up_to[0] = journal.feed_position(0).last_seq
            worker.wake()
            assert up_to_date.wait(30)
        finally:
            worker.stop()
    assert worker.last_status is not None and worker.last_status.up_to_date
    assert ledger_db.scalar("SELECT count(*) FROM ledger.payments") == 1
