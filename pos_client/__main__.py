"""Entry point of ``pos-client`` and ``python -m pos_client``."""

from __future__ import annotations

import sys


def main() -> None:
    from pos_client.cli import main as cli_main

    sys.exit(cli_main())


if __name__ == "__main__":
    main()
