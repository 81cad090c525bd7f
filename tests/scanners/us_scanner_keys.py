"""What a US-configured scanner presses for our payload: (evdev key code, Shift), written out by
hand from the US QWERTY key positions (not computed from pos_client's tables, so the tests that
use it check those tables)."""

from __future__ import annotations

PAYLOAD = "PASSCULTURE:v3;TOKEN:352UW4"

US_PAYLOAD_KEYS: tuple[tuple[int, bool], ...] = (
    (25, True),  # P
    (30, True),  # A
    (31, True),  # S
    (31, True),  # S
    (46, True),  # C
    (22, True),  # U
    (38, True),  # L
    (20, True),  # T
    (22, True),  # U
    (19, True),  # R
    (18, True),  # E
    (39, True),  # :  (Shift + ;)
    (47, False),  # v
    (4, False),  # 3
    (39, False),  # ;
    (20, True),  # T
    (24, True),  # O
    (37, True),  # K
    (18, True),  # E
    (49, True),  # N
    (39, True),  # :
    (4, False),  # 3
    (6, False),  # 5
    (3, False),  # 2
    (22, True),  # U
    (17, True),  # W
    (5, False),  # 4
)
KEY_ENTER = 28
KEY_LEFTSHIFT = 42
# What a French legacy AZERTY PC makes of those keys (reference: the XKB fr symbols).
ON_FRENCH_AZERTY = 'PQSSCULTUREMv"mTOKENM"(éUZ\''
# The same with Caps Lock on (Linux xkb: letters inverted, "é" upper-cased; issue 17).
ON_FRENCH_AZERTY_CAPS_LOCK = 'pqssculturemV"Mtokenm"(Éuz\''

# The demo emulator's book booking (pos_client.emulator.demo_data, case "book").
DEMO_BOOK_TOKEN = "PETPR2"
DEMO_BOOK_KEYS: tuple[tuple[int, bool], ...] = (
    *US_PAYLOAD_KEYS[:21],  # PASSCULTURE:v3;TOKEN:
    (25, True),  # P
    (18, True),  # E
    (20, True),  # T
    (25, True),  # P
    (19, True),  # R
    (3, False),  # 2
)
DEMO_BOOK_ON_FRENCH_AZERTY = 'PQSSCULTUREMv"mTOKENMPETPRé'
DEMO_SECOND_BOOK_TOKEN = "ETRNGR"
DEMO_CONCERT_TOKEN = "CNCRT4"
