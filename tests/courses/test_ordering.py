"""The one way items move up and down among their siblings."""

from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError

from courses.ordering import move_among


@dataclass
class Item:
    pk: int
    position: int


def items(*positions: int) -> list[Item]:
    return [Item(pk=i + 1, position=p) for i, p in enumerate(positions)]


def test_moving_up_swaps_with_the_one_above_and_renumbers_from_zero():
    siblings = items(0, 4, 9)  # gaps left by deletions

    moved = move_among(siblings, 3, "up")

    assert moved is not None
    assert [(i.pk, i.position) for i in moved] == [(1, 0), (3, 1), (2, 2)]


def test_moving_past_either_end_or_a_missing_item_changes_nothing():
    siblings = items(0, 1)

    assert move_among(siblings, 1, "up") is None
    assert move_among(siblings, 2, "down") is None
    assert move_among(siblings, 99, "up") is None
    assert [(i.pk, i.position) for i in siblings] == [(1, 0), (2, 1)]


def test_any_other_direction_is_refused():
    with pytest.raises(ValidationError):
        move_among(items(0, 1), 1, "sideways")
