"""HID POS reports recorded from a real scanner, as published (data only, no code).

Source: the README of HenkVanAsselt/python_hon_usbhid ("Controlling a Honeywell barcode scanner
over the USBHID interface"), which prints what a Honeywell Voyager 1602g sent back, report by
report, to the command ``REVINF.`` over its HID POS interface: 64-byte reports
``02 | length | AIM id (3) | data | ... | code id @61 | 00 | more @63``. The first six reports are
one multi-report message (``]X0``, "more" set on all but the last); the seventh is the command's
acknowledgement (``]Z6``, "REVINF" + ACK 0x06 + "."). The byte values below are those decimal
lists, written in hex.
"""

from __future__ import annotations

VOYAGER_1602G_REVINF: tuple[bytes, ...] = (
    bytes.fromhex(
        "02385d583050726f64756374204e616d653a20566f7961676572203136303267"
        "0d0a426f6f74205265766973696f6e3a203a20383939320d0a536f66743f0001"
    ),
    bytes.fromhex(
        "02385d5830776172652050617274204e756d6265723a20435730303030383242"
        "42410d0a536f667477617265205265766973696f6e3a202450726f6a653f0001"
    ),
    bytes.fromhex(
        "02385d583063745265766973696f6e3a203136333435200d0a53657269616c20"
        "4e756d6265723a20313532333242314630430d0a537570706f727465643f0001"
    ),
    bytes.fromhex(
        "02385d58302049463a20426c7565746f6f74680d0a50434220417373656d626c"
        "792049443a203030303030300d0a456e67696e65204669726d776172653f0001"
    ),
    bytes.fromhex(
        "02385d583020547970653a204e2f412020205265766973696f6e3a204e2f4120"
        "202053657269616c204e756d6265723a204e2f41202020436865636b733f0001"
    ),
    bytes.fromhex(
        "02095d5830756d3a204e2f410d0a000000000000000000000000000000000000"
        "00000000000000000000000000000000000000000000000000000000003f0000"
    ),
    bytes.fromhex(
        "02085d5a36524556494e46062e00000000000000000000000000000000000000"
        "0000000000000000000000000000000000000000000000000000000000360000"
    ),
)
