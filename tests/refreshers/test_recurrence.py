"""A recurring course renewed by up-to-date refreshers instead of a re-take, where the course
allows it; otherwise the round opens as usual (docs/adr/0014)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from courses.models import Enrolment
from learners.models import AuditEntry
from progress import services as progress_services
from progress.assignments import assignment_create
from progress.models import Certificate
from progress.months import add_months
from progress.recurrence import RENEW_BEFORE, assignments_renew_due
from refreshers import services
from refreshers.models import CourseRefresherPolicy, ReviewItem
from tests.assessments.builders import build_quiz, single
from tests.courses.builders import build_course
from tests.refreshers.builders import take_quiz

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 1, 31, 9, 0, tzinfo=dt.UTC)
LAPSE = add_months(T0, 12)
SWEEP = LAPSE - RENEW_BEFORE


@pytest.fixture
def finished(manager, learner, django_capture_on_commit_callbacks):
    """Leo was assigned a yearly course, passed its quiz (certain and right) and read its lesson
    at T0."""
    course = build_course(self_enrol=False, modules=1, lessons=1)
    quiz = build_quiz(course, questions=[single(), single("Second")], required=True)
    with time_machine.travel(T0, tick=False):
        assignment_create(actor=manager, people=[learner], course=course, recur_months=12)
        take_quiz(django_capture_on_commit_callbacks, quiz, learner, right=True)
        enrolment = Enrolment.objects.get(user=learner)
        for lesson in course.published_version.lessons.all():
            enrolment = progress_services.lesson_complete(
                enrolment=enrolment, lesson_key=lesson.key
            )
    assert enrolment.completed_at == T0
    return course, enrolment


def keep_up(learner, until: dt.datetime) -> None:
    """Leo answers every refresher right on the day it falls due, until `until`."""
    while True:
        item = (
            ReviewItem.objects.filter(user=learner, due_at__lt=until)
            .select_related("question__current")
            .order_by("due_at")
            .first()
        )
        if item is None:
            return
        shown = item.question.current
        answer = {"choice": next(c.pk for c in shown.choices.all() if c.fraction == 1)}
        services.refresher_answer(
            user=learner,
            item=item,
            reps_seen=item.reps,
            answer=answer,
            confidence=3,
            now=item.due_at + dt.timedelta(hours=1),
        )


def allow(course, grace_days: int = 7) -> None:
    CourseRefresherPolicy.objects.create(
        course=course, renews_recurring=True, grace_days=grace_days
    )


def test_up_to_date_refreshers_renew_the_course_without_a_re_take(learner, finished):
    course, enrolment = finished
    allow(course)
    keep_up(learner, SWEEP)
    with time_machine.travel(SWEEP, tick=False):
        assert assignments_renew_due() == 1
        assert assignments_renew_due() == 0  # twice: nothing more
    enrolment.refresh_from_db()
    assert enrolment.completed_at == SWEEP and enrolment.completed_lessons == 1
    certificates = list(Certificate.objects.filter(enrolment=enrolment).order_by("issued_at"))
    assert len(certificates) == 2
    assert certificates[1].expires_at == add_months(SWEEP, 12)
    assert AuditEntry.objects.filter(action="assignment.renew_by_refreshers").count() == 1
    assert not AuditEntry.objects.filter(action="assignment.renew").exists()


def test_without_the_course_setting_the_round_opens_as_usual(learner, finished):
    _course, enrolment = finished
    keep_up(learner, SWEEP)
    with time_machine.travel(SWEEP, tick=False):
        assert assignments_renew_due() == 1
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None and enrolment.due_at == LAPSE


def test_a_refresher_waiting_longer_than_the_grace_days_means_a_re_take(learner, finished):
    course, enrolment = finished
    allow(course, grace_days=7)
    keep_up(learner, SWEEP - dt.timedelta(days=120))
    late = ReviewItem.objects.filter(user=learner).order_by("due_at").first()
    assert late.due_at < SWEEP - dt.timedelta(days=7)
    with time_machine.travel(SWEEP, tick=False):
        assert assignments_renew_due() == 1
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None


def test_no_refresher_since_finishing_means_a_re_take(learner, finished):
    course, enrolment = finished
    allow(course, grace_days=60)
    # Nothing answered since T0; with a very long grace nothing counts as late, yet no review
    # happened in this cycle.
    ReviewItem.objects.filter(user=learner).update(due_at=SWEEP - dt.timedelta(days=1))
    with time_machine.travel(SWEEP, tick=False):
        assert assignments_renew_due() == 1
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None


def test_authors_set_it_in_the_browser_and_bad_input_is_named_beside_its_field(
    client, admin, finished
):
    course, _enrolment = finished
    client.force_login(admin)
    url = reverse("author_course_refreshers", args=[course.pk])
    assert "Up-to-date refreshers renew this course" in client.get(url).content.decode()

    bad = client.post(url, {"renews_recurring": "on", "grace_days": "99"})
    assert bad.status_code == 400
    assert "less than or equal to 60" in bad.content.decode()
    assert not CourseRefresherPolicy.objects.exists()

    ok = client.post(url, {"renews_recurring": "on", "grace_days": "10"})
    assert ok.status_code == 302
    policy = CourseRefresherPolicy.objects.get(course=course)
    assert policy.renews_recurring and policy.grace_days == 10
    assert AuditEntry.objects.filter(action="course.refresher_policy").count() == 1


def test_managers_and_learners_cannot_change_it(client, manager, learner, finished):
    course, _enrolment = finished
    url = reverse("author_course_refreshers", args=[course.pk])
    for person in (manager, learner):
        client.force_login(person)
        assert client.post(url, {"renews_recurring": "on", "grace_days": "3"}).status_code == 404
    assert not CourseRefresherPolicy.objects.exists()
