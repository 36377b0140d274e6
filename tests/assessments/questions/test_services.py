"""The one rule for what a question may hold (`question_validate`), shared by the editor, the
imports and the quiz files."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessments.questions import services
from tests.assessments import builders


@pytest.mark.parametrize("points", ["NaN", "Infinity", "1000.01", "1e30"])
def test_points_out_of_range_are_a_problem_not_a_database_error(points):
    data = dataclasses.replace(builders.single(), points=Decimal(points))
    with pytest.raises(ValidationError) as caught:
        services.question_validate(data)
    assert caught.value.message_dict["points"] == ["Points must be a number from 0 to 1,000."]


def test_a_thousand_points_is_allowed():
    services.question_validate(dataclasses.replace(builders.single(), points=Decimal(1000)))
