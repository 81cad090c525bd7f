"""The counter: the till's state machine (``machine``), what it shows (``view``, ``messages``), the one
repeat filter (``repeats``), the one change function (``changes``) and the settling of lost answers
(``settlement``). Plain Python: imports only ``pos_client.domain`` and the contremarque reader.
"""
