"""Dutch full-text normalisation shared by the stored token field and the query parser.

Lower case, accents folded ("oriëntatie" = "orientatie"), split on anything that is not a
letter or digit, Dutch stop words dropped. Query tokens match stored tokens by prefix, so
"verzorg" finds "verzorgende" and "verzorging" without a stemmer.
"""

from __future__ import annotations

import re
import unicodedata

STOP_WORDS = frozenset(
    "de het een en van in op voor met te aan bij of als om tot door naar over uit je jij u uw wij we"
    " is zijn wordt worden die dat dit deze er ook nog dan maar niet".split()
)
_SPLIT = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str) -> list[str]:
    """Distinct tokens in first-seen order."""
    seen: dict[str, None] = {}
    for token in _SPLIT.split(fold(text)):
        if token and token not in STOP_WORDS and (len(token) > 1 or token.isdigit()):
            seen.setdefault(token, None)
    return list(seen)
