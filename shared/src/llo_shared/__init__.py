"""llo-match shared library: only what two or more services need."""
