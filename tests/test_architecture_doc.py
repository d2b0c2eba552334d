"""docs/architecture.md stays true: every function its walk names exists in the file named beside it."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
# | step | `file` | `function` | what happens |
ROW = re.compile(r"^\| (\d+) \| `([^`]+\.py)` \| `([A-Za-z_][\w.]*)` \|", re.MULTILINE)


def walk() -> list[tuple[int, str, str]]:
    return [(int(step), path, name) for step, path, name in ROW.findall(DOC.read_text())]


def module_of(path: str) -> str:
    """`services/billing/src/billing/events.py` -> `billing.events` (a `src/` tree's package path)."""
    inside_src = Path(path).parts[Path(path).parts.index("src") + 1 :]
    return ".".join(inside_src).removesuffix(".py").removesuffix(".__init__")


def test_the_walk_names_its_steps_in_order():
    steps = [step for step, _, _ in walk()]
    assert len(steps) >= 20
    assert steps == list(range(1, len(steps) + 1))


@pytest.mark.parametrize(("step", "path", "name"), walk(), ids=lambda v: str(v))
def test_each_named_function_lives_in_the_named_file(step, path, name):
    assert (ROOT / path).is_file(), f"step {step}: {path} does not exist"
    found = importlib.import_module(module_of(path))
    for part in name.split("."):
        found = getattr(found, part)
    defined_in = Path(inspect.getsourcefile(inspect.unwrap(found)) or "").resolve()
    assert defined_in == (ROOT / path).resolve(), f"step {step}: {name} is defined in {defined_in}"
