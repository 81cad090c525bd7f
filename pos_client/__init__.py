"""pos-client: a till program for contremarques of the pass Culture.

Layers (a test enforces that Qt stays in ``ui/`` and in the thin adapters it lists):

- ``scanner/``: payload parsing, keyboard layout repair, the scan guard and one source per
  transport (keyboard wedge, serial, HID, webcam).
- ``api/``: the httpx client for the pass Culture public bookings API, and its local emulator.
- ``journal/``: the durable local record of validations and "pass Culture" payments.
- ``workflow``: the counter's state machine (scan -> lookup -> ID check -> validate -> record).
- ``ui/``: PySide6 widgets only.
"""

__all__ = ["APP_NAME", "APP_TITLE", "__version__"]

__version__ = "0.1.0"
APP_NAME = "pos-client"
APP_TITLE = "pos-client — pass Culture"
