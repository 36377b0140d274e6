"""What reminders, learners and managers read: due counts, the week, retention per person and
topic (the memory model's recall computed in SQL matches fsrs), and query counts that don't
grow with the data."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from courses.services import enrolment_create
from refreshers import scheduling, selectors, services
from refreshers.models import ReviewItem
from tests.factories import MembershipFactory, UserFactory
from tests.refreshers.builders import course_with_quiz, enrol, take_quiz

pytestmark = pytest.mark.django_db

DAY0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def quiz_taken(learner, django_capture_on_commit_callbacks):
    course, quiz = course_with_quiz()
    enrol(learner, course)
    with time_machine.travel(DAY0, tick=False):
        take_quiz(django_capture_on_commit_callbacks, quiz, learner, right=False, confidence=3)
    return course, quiz


def test_refreshers_due_answers_who_how_many_and_since_when(learner, other_learner, quiz_taken):
    assert selectors.refreshers_due(now=DAY0 + dt.timedelta(hours=23)) == []
    due = selectors.refreshers_due(now=DAY0 + dt.timedelta(days=3))
    assert due == [selectors.DueSummary(learner.pk, 2, DAY0 + dt.timedelta(days=1))]
    assert due[0].minutes == 1
    assert (
        selectors.refreshers_due(now=DAY0 + dt.timedelta(days=3), user_ids=[other_learner.pk]) == []
    )


def test_items_of_a_course_the_learner_left_or_that_was_unpublished_are_not_due(
    learner, quiz_taken
):
    course, _quiz = quiz_taken
    later = DAY0 + dt.timedelta(days=3)
    assert selectors.summary_for(learner.pk, now=later).due_now == 2
    course.published_version = None
    course.save(update_fields=["published_version"])
    assert selectors.summary_for(learner.pk, now=later).due_now == 0
    assert selectors.refreshers_due(now=later) == []


def test_a_question_archived_since_is_not_asked(learner, quiz_taken):
    item = ReviewItem.objects.filter(user=learner).select_related("question").first()
    item.question.archived = True
    item.question.save(update_fields=["archived"])
    assert selectors.summary_for(learner.pk, now=DAY0 + dt.timedelta(days=3)).due_now == 1


def test_the_week_counts_per_day(learner, quiz_taken):
    summary = selectors.summary_for(learner.pk, now=DAY0)
    assert summary.due_now == 0
    assert summary.next_due_at == DAY0 + dt.timedelta(days=1)
    assert [(d.day, d.count) for d in summary.week] == [(dt.date(2026, 12, 2), 2)]


def test_recall_in_sql_matches_the_memory_model(learner, quiz_taken):
    items = list(ReviewItem.objects.filter(user=learner))
    for days in (0, 1, 5, 40):
        now = DAY0 + dt.timedelta(days=days, hours=3)
        expected = sum(scheduling.retrievability(i, now) for i in items) / len(items)
        retention = selectors.retention_by_person([learner.pk], now=now)[learner.pk]
        assert retention.recall == pytest.approx(expected, abs=1e-9)
        assert retention.items == 2


def test_on_time_share_counts_late_and_waiting_items(learner, quiz_taken):
    items = list(ReviewItem.objects.filter(user=learner).order_by("pk"))
    on_time = items[0].due_at + dt.timedelta(hours=5)
    for item in items[:1]:
        item.refresh_from_db()
        right = item.question.current.choices.get(fraction=1).pk
        services.refresher_answer(
            user=learner,
            item=item,
            reps_seen=1,
            answer={"choice": right},
            confidence=3,
            now=on_time,
        )
    # The second has waited four days: it counts against being on time.
    now = items[1].due_at + dt.timedelta(days=4)
    retention = selectors.retention_by_person([learner.pk], now=now)[learner.pk]
    assert (retention.reviews, retention.on_time, retention.overdue) == (1, 1, 1)
    assert retention.on_time_percent == 50
    topics = selectors.retention_by_topic(learner.pk, now=now)
    assert [(t.course_title, t.module_title) for t in topics] == [("Calm under fire", "Module 1")]


@pytest.mark.parametrize("size", [2, 12])
def test_the_team_page_shows_retention_in_fixed_queries(
    client, manager, downtown, django_assert_num_queries, django_capture_on_commit_callbacks, size
):
    course, quiz = course_with_quiz()
    people = []
    with time_machine.travel(DAY0, tick=False):
        for _ in range(size):
            person = UserFactory()
            MembershipFactory(team=downtown, user=person)
            enrolment_create(user=person, course=course)
            take_quiz(django_capture_on_commit_callbacks, quiz, person, right=True)
            people.append(person)
    client.force_login(manager)
    with (
        time_machine.travel(DAY0 + dt.timedelta(days=5), tick=False),
        django_assert_num_queries(15),
    ):
        response = client.get(reverse("team_progress"))
    assert len(response.context["retention_rows"]) == size
    assert "Remembering it" in response.content.decode()


@pytest.mark.parametrize("quizzes", [1, 3])
def test_the_person_page_shows_retention_per_topic_in_fixed_queries(
    client,
    manager,
    learner,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
    quizzes,
):
    with time_machine.travel(DAY0, tick=False):
        for n in range(quizzes):
            course, quiz = course_with_quiz(slug=f"course-{n}")
            enrol(learner, course)
            take_quiz(django_capture_on_commit_callbacks, quiz, learner, right=True)
    client.force_login(manager)
    with (
        time_machine.travel(DAY0 + dt.timedelta(days=5), tick=False),
        django_assert_num_queries(25),
    ):
        response = client.get(reverse("person_progress", args=[learner.pk]))
    assert len(response.context["retention"]) == quizzes
    assert response.content.decode().count("Calm under fire: Module 1") == quizzes
