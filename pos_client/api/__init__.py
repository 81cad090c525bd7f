"""The pass Culture public bookings API v1: typed results, the httpx client, the local emulator.

Nothing above this package ever sees an httpx exception: every answer, including network faults,
becomes one of the outcome types of ``pos_client.api.models``.
"""
