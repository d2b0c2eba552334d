"""catalogue service."""
