"""A gate process for the ledger tests: waits for a start file, then confirms each given code through
the ledger's entry claims, and prints one JSON line: per code, the gate and time of its first entry
and whether this gate was it.

    python gate_ledger_child.py PORT DBNAME ROLE GATE GO_FILE TOKEN,TOKEN,...
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from pos_client.domain.gate import AlreadyClaimed, Claimed
from pos_client.ledger.connection import LedgerConfig, LedgerLink
from pos_client.ledger.gate_entries import LedgerEntryClaims

PASSWORD = "mot-de-passe-caisse-1234"


def main(argv: list[str]) -> int:
    port, dbname, role, gate, go_file, tokens = argv
    config = LedgerConfig("127.0.0.1", int(port), dbname, role, f"porte {gate}", sslmode="disable")
    claims = LedgerEntryClaims(LedgerLink(config, lambda: PASSWORD, retry_after_s=0.0))
    assert claims.who_entered("NOBODY") is None  # connected before the start signal
    print(json.dumps({"ready": True}), flush=True)
    deadline = time.monotonic() + 30
    while not Path(go_file).exists() and time.monotonic() < deadline:
        time.sleep(0.002)
    answers = {}
    for token in tokens.split(","):
        result = claims.claim(token, gate, datetime.now(UTC), persons=1, day=None)
        assert isinstance(result, Claimed | AlreadyClaimed), result
        answers[token] = [result.gate, result.at.isoformat(), isinstance(result, Claimed)]
    print(json.dumps({"answers": answers}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
