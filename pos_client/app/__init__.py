"""The Qt-free composition root: what every face of the program (window, command line, self-test) is
built from, in one place.

``context`` (``AppContext``: paths and settings), ``exits`` (the process exit statuses), ``backend``
(the API client from the settings, the journal, the hand-off to the cash register), ``counter`` (the
counter from the settings). Import the submodules themselves: this package imports nothing, so
``pos-client --version`` stays fast.
"""
