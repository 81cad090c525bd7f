"""``pos-client --self-test``: run the installation checks (``pos_client.selftest``), one line each,
then a summary.

Exit statuses: 0 every check passed (warnings allowed); 1 at least one check failed, the last line
naming them.
"""

from __future__ import annotations

import sys
from typing import TextIO

from pos_client.app.context import AppContext
from pos_client.app.exits import Exit
from pos_client.host_os import current_host_os
from pos_client.selftest import CheckStatus, build_checks, run_checks, scenario

__all__ = ["run_self_test"]


def run_self_test(context: AppContext, out: TextIO | None = None) -> Exit:
    """Run every check, print one line each and a summary; return the exit status."""
    stream = out if out is not None else sys.stdout
    host = current_host_os()
    with scenario() as running:
        results = run_checks(build_checks(context, running, host), stream)
    failed = [r.name for r in results if r.status is CheckStatus.FAIL]
    warned = [r.name for r in results if r.status is CheckStatus.WARN]
    if failed:
        print(f"Auto-test en échec : manquant ou en panne : {', '.join(failed)}", file=stream, flush=True)
        return Exit.FAILURE
    remark = f", avertissement(s) : {', '.join(warned)}" if warned else ""
    print(f"Auto-test réussi : {len(results)} vérifications{remark}", file=stream, flush=True)
    return Exit.OK
