"""Text that goes into a document: no control characters (XML 1.0 forbids most of them, and a
PDF shows them as garbage). Input is refused with a 422 naming the field (`PLAIN_TEXT`); what
still arrives (older data, events) is cleaned here at output."""

from __future__ import annotations

import re

# No C0/C1 control characters (tab and newline included: these are one-line fields).
PLAIN_TEXT = r"^[^\x00-\x1f\x7f-\x9f]*$"
# At output also lone surrogates and U+FFFE/U+FFFF, which XML 1.0 cannot carry either.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]+")


def clean(text: str) -> str:
    """Control characters (newlines too) become one space; the rest stays as it was."""
    return _CONTROL.sub(" ", text).strip() if _CONTROL.search(text) else text
