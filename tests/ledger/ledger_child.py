"""A till process for the ledger tests: claims tokens, holds a claim until killed, or takes request
slots from the shared bucket. Prints its results as one JSON line on stdout.

    python ledger_child.py PORT DBNAME ROLE TILL claim-race GO_FILE TOKEN,TOKEN,...
    python ledger_child.py PORT DBNAME ROLE TILL hold TOKEN LEASE_S
    python ledger_child.py PORT DBNAME ROLE TILL bucket GO_FILE SECONDS CAPACITY REFILL_PER_S
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from pos_client.domain.ledger import Operation
from pos_client.ledger.budget import key_digest
from pos_client.ledger.claims import Claims
from pos_client.ledger.connection import LedgerConfig, LedgerLink

PASSWORD = "mot-de-passe-caisse-1234"


def _wait_for(go_file: str) -> None:
    deadline = time.monotonic() + 30
    while not Path(go_file).exists() and time.monotonic() < deadline:
        time.sleep(0.002)


def main(argv: list[str]) -> int:
    port, dbname, role, till, mode, *rest = argv
    config = LedgerConfig("127.0.0.1", int(port), dbname, role, till, sslmode="disable")
    link = LedgerLink(config, lambda: PASSWORD, retry_after_s=0.0)
    with link.transaction() as cursor:  # connect before the start signal
        cursor.execute("SELECT 1")
    if mode != "hold":
        print(json.dumps({"ready": True}), flush=True)
    if mode == "claim-race":
        go_file, tokens = rest
        claims = Claims(link, lease_s=60)
        _wait_for(go_file)
        granted = [token for token in tokens.split(",") if claims.claim(token, Operation.USE).granted]
        print(json.dumps({"granted": granted}), flush=True)
    elif mode == "hold":
        token, lease_s = rest
        answer = Claims(link, lease_s=float(lease_s)).claim(token, Operation.USE)
        print(json.dumps({"granted": answer.granted, "claim_id": answer.claim_id}), flush=True)
        time.sleep(600)  # until SIGKILLed
    elif mode == "bucket":
        go_file, seconds, capacity, refill = rest
        digest = key_digest("http://127.0.0.1:1", "shared-test-key-0123456789")
        grants: list[str] = []
        _wait_for(go_file)
        deadline = time.monotonic() + float(seconds)
        while time.monotonic() < deadline:
            with link.transaction() as cursor:
                cursor.execute(
                    "SELECT wait_s, granted_at FROM ledger.take_request_slot(%s, %s, %s, %s, 0)",
                    (digest, float(capacity), float(refill), till),
                )
                row = cursor.fetchone()
            assert row is not None
            if row[1] is not None:
                grants.append(row[1].isoformat())  # type: ignore[attr-defined]
        print(json.dumps({"grants": grants}), flush=True)
    link.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
