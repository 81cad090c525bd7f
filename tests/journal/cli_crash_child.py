"""Child process of the command-line crash test: the ``pos-client`` command line, run in process
(``pos_client.cli.main``, the same code as the ``pos-client`` executable) for one booking after the
other, until it is killed.

``--mode validate``: ``booking validate CODE --id-checked`` for every token; ``--mode show``:
``booking show CODE`` for every token. Keys come from an in-memory keyring (the command reads the
keyring as always). Prints ``READY`` once its imports are done, then one ``<token> <exit code>`` line
per command.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path

import keyring
from memory_keyring import MemoryKeyring

from pos_client.cli import main as cli_main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dev-dir", type=Path, required=True)
    parser.add_argument("--api", required=True, help="base URL of the emulator")
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--tokens", type=Path, required=True, help="one token a line")
    parser.add_argument("--mode", choices=("validate", "show"), required=True)
    args = parser.parse_args(argv)
    backend = MemoryKeyring()
    backend.set_password("pos-client", "api-key-custom", args.api_key)
    keyring.set_keyring(backend)
    tokens = [line.strip() for line in args.tokens.read_text(encoding="ascii").splitlines() if line.strip()]
    print("READY", flush=True)
    for token in tokens:
        command = ["booking", "validate", token, "--id-checked"] if args.mode == "validate" else [
            "booking", "show", token,
        ]  # fmt: skip
        output = io.StringIO()
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            code = cli_main(["--dev-dir", str(args.dev_dir), *command, "--url", args.api])
        print(token, code, output.getvalue().replace("\n", " | "), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
