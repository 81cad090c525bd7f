"""Gate mode: entry control at festivals, concerts and museums from a list held in memory.

``roster`` (who is expected, from the pro portal's bookings export and the API's bookings list),
``verdict`` (scan -> verdict from memory), ``store`` (the gate's own SQLite file beside the journal:
entries, the roster without personal data, validation intents), ``claims`` (the entry-claims port's
local implementations), ``budget`` (a local rate budget), ``loader`` (load and refresh within the
budget), ``validation`` (validations sent in the background, exactly once) and ``service`` (the gate
the window, the command line and the bench drive).
"""
