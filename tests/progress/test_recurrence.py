"""Courses that come back every N months: a new round opens before the last one lapses, and
every round keeps its certificate."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments.quizzes.services import attempts
from courses.models import Enrolment
from learners.models import AuditEntry
from progress import services
from progress.assignments import assignment_create
from progress.certificate_pdf import render_certificate_pdf
from progress.models import Certificate
from progress.recurrence import RENEW_BEFORE, add_months, assignments_renew_due
from tests.assessments.builders import build_quiz, single
from tests.courses.builders import build_course
from tests.progress.test_certificates import pdf_text

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 1, 31, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (dt.datetime(2026, 1, 31, tzinfo=dt.UTC), 1, dt.datetime(2026, 2, 28, tzinfo=dt.UTC)),
        (dt.datetime(2024, 1, 31, tzinfo=dt.UTC), 1, dt.datetime(2024, 2, 29, tzinfo=dt.UTC)),
        (dt.datetime(2026, 3, 15, tzinfo=dt.UTC), 12, dt.datetime(2027, 3, 15, tzinfo=dt.UTC)),
        (dt.datetime(2026, 11, 30, tzinfo=dt.UTC), 3, dt.datetime(2027, 2, 28, tzinfo=dt.UTC)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


def finish(enrolment: Enrolment) -> Enrolment:
    for lesson in enrolment.course.published_version.lessons.all():
        enrolment = services.lesson_complete(enrolment=enrolment, lesson_key=lesson.key)
    return enrolment


def test_a_new_round_opens_before_the_last_lapses_and_keeps_the_old_certificate(
    client, manager, learner
):
    course = build_course(self_enrol=False, modules=1, lessons=2)
    with time_machine.travel(T0, tick=False):
        assignment_create(actor=manager, people=[learner], course=course, recur_months=12)
        enrolment = finish(Enrolment.objects.get(user=learner))
    first = Certificate.objects.get(enrolment=enrolment)
    lapse = dt.datetime(2027, 1, 31, 9, 0, tzinfo=dt.UTC)
    assert first.expires_at == lapse

    with time_machine.travel(lapse - RENEW_BEFORE - dt.timedelta(days=1), tick=False):
        assert assignments_renew_due() == 0  # not yet
    with time_machine.travel(lapse - RENEW_BEFORE, tick=False):
        assert assignments_renew_due() == 1
        assert assignments_renew_due() == 0  # twice: nothing more
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None and enrolment.completed_lessons == 0
    assert enrolment.due_at == lapse
    assert AuditEntry.objects.filter(action="assignment.renew").count() == 1

    # The learner sees it due again, and the earlier certificate still stands.
    with time_machine.travel(lapse - RENEW_BEFORE + dt.timedelta(hours=1), tick=False):
        client.force_login(learner)
        page = client.get(reverse("dashboard")).content.decode()
        assert "due 31 Jan" in page
        certificate_page = client.get(reverse("certificate_detail", args=[first.code]))
        assert "Valid until" in certificate_page.content.decode()

    with time_machine.travel(lapse - dt.timedelta(days=2), tick=False):
        enrolment = finish(enrolment)
    assert enrolment.completed_at is not None
    assert Certificate.objects.filter(enrolment=enrolment).count() == 2
    second = Certificate.objects.filter(enrolment=enrolment).order_by("-issued_at").first()
    assert second.expires_at == add_months(enrolment.completed_at, 12)


def test_a_new_round_counts_only_quizzes_passed_in_it(manager, learner):
    course = build_course(self_enrol=False, modules=1, lessons=1)
    quiz = build_quiz(course, questions=[single()], required=True)
    with time_machine.travel(T0, tick=False):
        assignment_create(actor=manager, people=[learner], course=course, recur_months=1)
        attempt = attempts.attempt_start(quiz=quiz, user=learner)
        item = attempt.items.get()
        right = next(c for c in item.version.choices.all() if c.fraction == 1)
        attempts.answer_save(attempt=attempt, item=item, answer={"choice": right.pk}, confidence=3)
        attempts.attempt_submit(attempt=attempt)
        enrolment = finish(Enrolment.objects.get(user=learner))
    assert enrolment.completed_at is not None
    with time_machine.travel(T0 + dt.timedelta(days=10), tick=False):
        assert assignments_renew_due() == 1
        enrolment = finish(Enrolment.objects.get(user=learner))
    assert enrolment.completed_at is None  # last round's pass doesn't count for this one


def test_recurrence_is_checked(manager, learner):
    course = build_course(self_enrol=False)
    with pytest.raises(ValidationError) as caught:
        assignment_create(actor=manager, people=[learner], course=course, recur_months=0)
    assert set(caught.value.message_dict) == {"recur_months"}


def test_the_pdf_states_the_expiry(manager, learner):
    course = build_course(self_enrol=False, modules=1, lessons=1)
    with time_machine.travel(T0, tick=False):
        assignment_create(actor=manager, people=[learner], course=course, recur_months=6)
        finish(Enrolment.objects.get(user=learner))
    certificate = Certificate.objects.get()
    pdf = render_certificate_pdf(
        certificate, site_name="Service Practice", verify_url="x", font_candidates=()
    )
    assert b"valid until" in pdf_text(pdf)
    assert certificate.expires_at == dt.datetime(2026, 7, 31, 9, 0, tzinfo=dt.UTC)
