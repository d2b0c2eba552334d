"""Fixture modules shared by every test tier (DESIGN.md: fixture modules, not one giant conftest)."""

pytest_plugins = [
    "tests.fixtures.infra",
    "tests.fixtures.adapters",
    "tests.fixtures.apps",
    "tests.fixtures.browser",
]
