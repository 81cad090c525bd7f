"""Reading contremarques: payload parsing, layout repair, the scan guard, and one source per
transport (keyboard wedge, USB serial, USB HID POS, webcam). Plain Python: no Qt here except the
keyboard wedge's event-filter adapter, which lives in ``pos_client.ui``.
"""
