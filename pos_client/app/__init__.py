"""Composition, without Qt: what every face of the program (window, command line, self-test) builds on.

``context`` (``AppContext``: paths and settings), ``exits`` (the process exit statuses),
``backend`` (the API client from the settings, the journal, the hand-off to the cash register).
Import the submodules themselves: this package imports nothing, so ``pos-client --version`` stays
fast.
"""
