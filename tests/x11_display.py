"""A private X server (Xvfb) for the tests, benches and scripts that send real X11 key events.

One place for what five of them did by hand: start Xvfb on a free display (``-displayfd`` lets the
server pick it and tell), wait for it with a deadline, stop it at the end.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["XvfbNotStarted", "private_xvfb"]


class XvfbNotStarted(RuntimeError):
    """Xvfb did not announce a display in time (not installed, or no free display)."""


@contextmanager
def private_xvfb(size: str = "1024x768", *, keep_keymap: bool = True, timeout_s: float = 15) -> Iterator[str]:
    """A fresh Xvfb of ``size`` (``"800x600"``): yields its ``DISPLAY`` (``":5"``).

    ``keep_keymap`` (-noreset): without it the server resets, keymap included, whenever its last
    client leaves, so a ``setxkbmap`` run before the window opens would be undone.
    """
    read_fd, write_fd = os.pipe()
    command = ["Xvfb", "-displayfd", str(write_fd), "-nolisten", "tcp", "-screen", "0", f"{size}x24"]
    if keep_keymap:
        command.insert(-3, "-noreset")
    server = subprocess.Popen(
        command, pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as announce:
            said: list[str] = []
            reader = threading.Thread(target=lambda: said.append(announce.readline().strip()), daemon=True)
            reader.start()
            reader.join(timeout_s)
        if not said or not said[0].isdigit():
            raise XvfbNotStarted(f"Xvfb did not start (it said {said!r})")
        yield f":{said[0]}"
    finally:
        server.terminate()
        server.wait(timeout=10)
