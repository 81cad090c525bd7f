"""Fixtures of the journal tests."""

from journal_fixtures import clock, journal, journal_path

__all__ = ["clock", "journal", "journal_path"]
