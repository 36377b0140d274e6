"""Publishing and unpublishing courses, quizzes and practice conversations name who did it in
the activity log, in the same transaction as the change."""

import pytest
from django.urls import reverse

from learners.models import AuditEntry
from tests.assessments.builders import build_quiz, single
from tests.assessments.scenarios.test_scenarios import build_scenario
from tests.courses.builders import build_course

pytestmark = pytest.mark.django_db


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def test_course_publish_unpublish_and_republish_are_logged(client, admin):
    course = build_course()  # published by the builder, as system work
    client.force_login(admin)
    assert client.post(reverse("author_unpublish", args=[course.pk])).status_code == 302
    assert client.post(reverse("author_republish", args=[course.pk])).status_code == 302
    client.post(reverse("author_start_draft", args=[course.pk]))
    assert client.post(reverse("author_publish", args=[course.pk])).status_code == 302
    (unpublished,) = entries("course.unpublish")
    assert unpublished.actor == admin and unpublished.changes == {"live version": [1, None]}
    by_admin = [e for e in entries("course.publish") if e.actor == admin]
    assert [e.changes["live version"] for e in by_admin] == [[None, 1], [1, 2]]


def test_a_refused_publish_leaves_no_entry(client, admin):
    course = build_course()
    client.force_login(admin)
    before = AuditEntry.objects.count()
    client.post(reverse("author_publish", args=[course.pk]))  # no draft: refused
    assert AuditEntry.objects.count() == before


def test_quiz_and_conversation_publishing_is_logged(client, admin):
    scenario = build_scenario()
    quiz = build_quiz(scenario.course, questions=[single()], is_published=False)
    client.force_login(admin)
    client.post(reverse("author_quiz_publish", args=[quiz.pk]))
    client.post(reverse("author_quiz_unpublish", args=[quiz.pk]))
    client.post(reverse("author_scenario_unpublish", args=[scenario.pk]))
    client.post(reverse("author_scenario_publish", args=[scenario.pk]))
    assert [(e.actor, e.changes) for e in entries("quiz.publish")] == [
        (admin, {"published": [False, True]})
    ]
    assert [e.target_label for e in entries("quiz.unpublish")] == ["Quick check"]
    assert [e.actor for e in entries("scenario.unpublish")] == [admin]
    assert [e.actor for e in entries("scenario.publish")] == [admin]
