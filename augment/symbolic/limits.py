"""Size caps on source problems and on a templates file's text.

Template derivation's cost grows with a problem's length and with its numbers' digits, and
`int()` of a few thousand digits is slow or refused; so what is past these caps is a counted
drop with a reason before any work. GSM8K is far inside them.
"""

from __future__ import annotations

import re

MAX_SOURCE_CHARS = 20_000  # question plus solution; GSM8K's longest is under 1,500
MAX_NUMBER_DIGITS = 100  # a longer run of digits is no word problem's number, and int() of it is costly
_LONG_NUMBER_RE = re.compile(rf"\d{{{MAX_NUMBER_DIGITS + 1}}}")


def oversized(question: str, answer: str) -> str | None:
    """Why a problem is beyond the size caps that keep template derivation bounded, or None."""
    if len(question) + len(answer) > MAX_SOURCE_CHARS:
        return f"longer than {MAX_SOURCE_CHARS:,} characters"
    if _LONG_NUMBER_RE.search(question) or _LONG_NUMBER_RE.search(answer):
        return f"a number with more than {MAX_NUMBER_DIGITS} digits"
    return None
