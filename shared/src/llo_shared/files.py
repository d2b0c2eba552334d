"""Files that several processes may create at the same moment (say four services starting
together with `make stack`): written to a temporary file and renamed, so a reader sees either no
file or the whole file, never half a PEM."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_once_atomically(path: Path, content: bytes, mode: int = 0o600) -> None:
    """Create `path` with `content` unless another process got there first (then keep theirs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.chmod(temporary, mode)
        # link() fails when the target exists: the first writer wins and every reader sees a whole file.
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)
