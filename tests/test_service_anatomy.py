"""Each service's README has the same anatomy table (room -> file(s) -> what it holds), true to its files,
and no function in a service is longer than 80 lines.

Every file the table names exists under `services/<name>/src/<name>/`, and every module there is
named, so a new module gets its row (and its room) when it is added.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("catalogue", "matching", "recruitment", "billing")
# The rooms DESIGN.md gives every service, in this order; a service may add rooms of its own after them.
ROOMS = (
    "app",
    "settings",
    "domain (pure)",
    "application layer",
    "store",
    "api",
    "pages",
    "events",
    "handlers",
)
HEADER = "| room | file(s) | what it holds |"


def anatomy(service: str) -> list[tuple[str, list[str]]]:
    """(room, files) per row of the README's "## Anatomy" table."""
    text = (ROOT / "services" / service / "README.md").read_text()
    section = text.split("\n## Anatomy\n", 1)[1]
    lines = section[section.index(HEADER) :].splitlines()
    rows = []
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        room, files = (cell.strip() for cell in line.strip("|").split("|")[:2])
        rows.append((room, re.findall(r"`([^`]+\.py)`", files)))
    return rows


def modules(service: str) -> set[str]:
    source = ROOT / "services" / service / "src" / service
    return {path.relative_to(source).as_posix() for path in source.rglob("*.py")}


@pytest.mark.parametrize("service", SERVICES)
def test_the_table_has_the_rooms_of_every_service_in_order(service):
    rooms = [room for room, _ in anatomy(service)]
    assert tuple(rooms[: len(ROOMS)]) == ROOMS
    assert len(rooms) == len(set(rooms)), "one row per room"


@pytest.mark.parametrize("service", SERVICES)
def test_every_file_the_table_names_exists(service):
    named = {file for _, files in anatomy(service) for file in files}
    assert sorted(named - modules(service)) == []


@pytest.mark.parametrize("service", SERVICES)
def test_every_module_of_the_service_is_named(service):
    named = {file for _, files in anatomy(service) for file in files}
    assert sorted(modules(service) - named) == []


LONGEST_FUNCTION = 80  # lines; issue 14: a page route or use case longer than this hides its steps


@pytest.mark.parametrize("service", SERVICES)
def test_no_function_in_the_service_is_longer_than_80_lines(service):
    source = ROOT / "services" / service / "src" / service
    too_long = [
        f"{path.relative_to(source)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in sorted(source.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (node.end_lineno or node.lineno) - node.lineno + 1 > LONGEST_FUNCTION
    ]
    assert too_long == []
