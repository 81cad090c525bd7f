"""Reimbursement reconciliation: pass Culture's reimbursement details matched with the till's payments.

``reader`` reads the CSV of every known header version (no personal data kept), ``store`` keeps the
imported lines beside the journal (idempotent), ``matcher`` matches them with plain payment-line
records (``LedgerLine``; ``ledger`` makes them from a journal), ``output`` renders the report (text,
CSV for the accountant, JSON), ``generator`` writes realistic files for tests and the demo.
See docs/reconciliation.md.
"""
