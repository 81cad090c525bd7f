"""Child process of the journal crash test: a till that validates bookings until it is killed.

Run as a script by ``test_journal_crash.py``, which SIGKILLs it at random moments and starts it again.
Each start does what the real till does at start-up: settle the intents a crash left open by
re-reading their bookings, then hand undelivered payments to the cash register (a folder and an HTTP
receiver). Then it validates, through the counter's own intent -> request -> resolution step, every
token of ``--tokens`` this till has not validated yet, handing each payment off right away.

Prints ``READY`` once its imports are done (so the parent's random kill delays fall on real work)
and exits 0 when every token is validated and every payment delivered (8 when some token could not
be validated this time: the parent starts it again). Anything unexpected (an
intent the start-up could not settle, a booking the API shows as used that this journal does not
have) is written to stderr and ends the child with a non-zero code, which fails the test.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from pos_client.api.client import BookingsClient
from pos_client.api.limiter import RequestLimiter
from pos_client.counter.changes import run_change
from pos_client.counter.settlement import settle_open_intents
from pos_client.domain.ledger import Operation
from pos_client.domain.outcomes import Found
from pos_client.domain.scan import RawScan, Transport
from pos_client.handoff.outbox import Outbox
from pos_client.journal import open_journal

TILL = "caisse-crash"
EXIT_UNSETTLED = 5
EXIT_ANOMALY = 6
EXIT_UNDELIVERED = 7
EXIT_INCOMPLETE = 8
_FLUSH_DEADLINE_S = 20.0



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--journal", type=Path, required=True)
    parser.add_argument("--api", required=True, help="base URL of the emulator")
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--tokens", type=Path, required=True, help="one token a line")
    parser.add_argument("--folder", type=Path, required=True, help="hand-off folder")
    parser.add_argument("--receiver", required=True, help="hand-off HTTP URL")
    args = parser.parse_args(argv)
    print("READY", flush=True)

    tokens = [line.strip() for line in args.tokens.read_text(encoding="ascii").splitlines() if line.strip()]
    with (
        open_journal(args.journal, till=TILL) as journal,
        BookingsClient(
            args.api,
            args.api_key,
            till_name=TILL,
            connect_timeout_s=2.0,
            read_timeout_s=5.0,
            backoff_s=0.01,
            max_backoff_s=0.05,
            limiter=RequestLimiter(per_minute=1_000_000),
        ) as api,
    ):
        settle_open_intents(api, journal)
        if journal.open_intents():
            print(f"UNSETTLED {journal.open_intents()}", file=sys.stderr)
            return EXIT_UNSETTLED
        outbox = Outbox(
            journal,
            folder=args.folder,
            http_url=args.receiver,
            timeout_s=5.0,
            base_backoff_s=0.005,
            max_backoff_s=0.05,
        )
        try:
            outbox.deliver_due()
            for token in tokens:
                if journal.validated_by_this_till(token) is not None:
                    continue
                lookup = api.get_booking(token)
                if not isinstance(lookup, Found):
                    # Every booking is created CONFIRMED and only this till touches it: a booking
                    # the API shows changed without a journal row would be a lost validation.
                    print(f"ANOMALY {token}: {type(lookup).__name__}", file=sys.stderr)
                    return EXIT_ANOMALY
                scan = RawScan(text=token, transport=Transport.SERIAL, source_id="serial:crash")
                run_change(api, journal, Operation.USE, lookup.booking, scan, datetime.now(UTC))
                outbox.deliver_due()
            deadline = time.monotonic() + _FLUSH_DEADLINE_S
            while any(outbox.pending().values()):
                if time.monotonic() > deadline:
                    print(f"UNDELIVERED {outbox.pending()} {outbox.last_errors()}", file=sys.stderr)
                    return EXIT_UNDELIVERED
                time.sleep(outbox.next_due_in() or 0.0)  # the channel's own backoff
                outbox.deliver_due()
            missing = [token for token in tokens if journal.validated_by_this_till(token) is None]
            if missing:  # a refusal or a lost answer this time: the next start settles and retries
                print(f"INCOMPLETE {len(missing)} {missing[:5]}", file=sys.stderr)
                return EXIT_INCOMPLETE
        finally:
            outbox.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
