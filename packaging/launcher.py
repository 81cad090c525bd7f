"""Entry script of the PyInstaller bundle: the same ``main`` as the ``pos-client`` command.

It lives outside ``pos_client/`` on purpose: PyInstaller puts the entry script's folder first on
its module search path, and ``pos_client/`` holds modules whose names must never shadow the
standard library's.
"""

from pos_client.__main__ import main

if __name__ == "__main__":
    main()
