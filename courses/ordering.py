"""Moving an item one place up or down among its ordered siblings: modules in a version,
lessons in a module, slots in a quiz. One rule for all of them, so every list moves the same
way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DIRECTIONS = ("up", "down")


class Ordered(Protocol):
    pk: Any
    position: int


def move_among(siblings: Sequence[Ordered], pk: Any, direction: str) -> list[Ordered] | None:
    """The siblings with the one whose pk is `pk` swapped with its neighbour ("up" or "down"),
    each given its new `position` 0..n-1 (which also repairs gaps left by deletions); the
    caller saves them. `siblings` must be in their current order, read under a lock.

    Returns None, changing nothing, when the item is already at that end or is no longer among
    `siblings`. Raises ValidationError for any other direction. No query.
    """
    if direction not in DIRECTIONS:
        raise ValidationError(_("Move up or down."))
    ordered = list(siblings)
    index = next((i for i, sibling in enumerate(ordered) if sibling.pk == pk), None)
    if index is None:
        return None
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(ordered):
        return None
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, sibling in enumerate(ordered):
        sibling.position = position
    return ordered
