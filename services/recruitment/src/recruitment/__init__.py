"""recruitment service."""
