"""The demo manager's team has something to look at after `make run`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessments.models import AttemptItem
from learners.models import User
from progress.models import Assignment

pytestmark = pytest.mark.django_db


def load_demo() -> None:
    for command in ("seed_demo", "load_curriculum", "load_quizzes"):
        call_command(command, stdout=StringIO())


def test_refuses_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses to run when DEBUG is off"):
        call_command("seed_demo_activity", stdout=StringIO())


def test_gives_the_demo_manager_a_team_worth_looking_at(settings, client):
    settings.DEBUG = True
    load_demo()
    call_command("seed_demo_activity", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo_activity", stdout=out)  # again: nothing more
    assert "already there" in out.getvalue()
    assert Assignment.objects.count() == 3
    lina = User.objects.get(email="learner2@example.com")
    assert AttemptItem.objects.filter(
        attempt__user=lina, confidence=AttemptItem.Confidence.CERTAIN, fraction=0
    ).exists()
    client.force_login(User.objects.get(email="manager@example.com"))
    response = client.get(reverse("team_progress"))
    statuses = {
        (row.person.email, cell.status)
        for row, cells in response.context["rows"]
        for cell in cells
        if cell
    }
    assert ("learner2@example.com", "overdue") in statuses
    assert ("learner2@example.com", "in_progress") in statuses
    assert ("learner@example.com", "not_started") in statuses
    assert response.context["misconceptions"]
