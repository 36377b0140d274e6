"""Reading numbers that arrive as text (query strings, form fields, imported markup)."""

from __future__ import annotations

import re

_ASCII_DIGITS = re.compile(r"[0-9]{1,18}")


def ascii_int(value: object) -> int | None:
    """`value` as a non-negative int when it is 1 to 18 ASCII digits (enough for any database
    id); None for anything else. `str.isdigit` is not enough: it accepts "²" and other digits
    that `int()` then refuses, and thousands of digits that `int()` refuses too."""
    text = str(value) if value is not None else ""
    return int(text) if _ASCII_DIGITS.fullmatch(text) else None
