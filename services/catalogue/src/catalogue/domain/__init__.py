"""Pure catalogue rules: no I/O here."""
