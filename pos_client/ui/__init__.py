"""PySide6 widgets. The only package (with the thin adapters listed in the architecture test) that
imports Qt; everything slow runs off the GUI thread."""
