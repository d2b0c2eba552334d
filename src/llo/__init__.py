"""llo command line and the embedded demo."""
