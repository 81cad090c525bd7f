"""The till's plain domain types and rules: bookings, API outcomes, scans, journal records, ports,
token shape, money and date formats. Plain Python with no I/O; imports nothing else from pos_client.
"""
