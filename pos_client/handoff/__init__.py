"""The hand-off of each payment record to the shop's cash register program (``outbox``).

It reads the journal through a small port (``outbox.OutboxJournal``) and shares only the domain's
payment document with it; ``pos_client.app.backend`` builds it from the settings.
"""
