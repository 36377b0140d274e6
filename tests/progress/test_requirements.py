"""When what a course asks for changes, its enrolments are re-checked once, after commit; a
finished course always has its certificate."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from assessments.models import Quiz
from assessments.quizzes.services import editing as quiz_services
from courses import events
from courses.models import Enrolment
from courses.services import enrolment_create
from progress import services
from progress.models import Certificate, LessonProgress
from tests.assessments.builders import build_quiz, single
from tests.assessments.scenarios.test_scenarios import build_scenario
from tests.courses.builders import build_course

# Announcements leave on commit, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


def finish_lessons(enrolment: Enrolment) -> Enrolment:
    for lesson in enrolment.course.published_version.lessons.all():
        enrolment = services.lesson_complete(enrolment=enrolment, lesson_key=lesson.key)
    enrolment.refresh_from_db()
    return enrolment


@pytest.fixture
def course():
    return build_course(modules=1, lessons=2)


@pytest.fixture
def stuck(learner, course) -> Enrolment:
    """Every lesson read, one required quiz still open: not finished."""
    build_quiz(course, questions=[single()], required=True)
    enrolment = finish_lessons(enrolment_create(user=learner, course=course))
    assert enrolment.completed_at is None
    return enrolment


def test_unpublishing_the_last_open_quiz_finishes_the_course(client, admin, stuck):
    quiz = Quiz.objects.get(course=stuck.course)
    client.force_login(admin)
    assert client.post(reverse("author_quiz_unpublish", args=[quiz.pk])).status_code == 302
    stuck.refresh_from_db()
    assert stuck.completed_at is not None
    assert Certificate.objects.filter(enrolment=stuck).exists()


def test_making_the_last_open_quiz_optional_finishes_the_course(stuck):
    quiz = Quiz.objects.get(course=stuck.course)
    settings = quiz_services.QuizSettings(title=quiz.title, module_key=quiz.module_key)
    settings.required = False
    quiz_services.quiz_update(quiz=quiz, data=settings)
    stuck.refresh_from_db()
    assert stuck.completed_at is not None
    assert Certificate.objects.filter(enrolment=stuck).exists()


def test_unpublishing_the_last_open_conversation_finishes_the_course(client, admin, learner):
    scenario = build_scenario()
    enrolment = finish_lessons(enrolment_create(user=learner, course=scenario.course))
    assert enrolment.completed_at is None  # the conversation is still to do
    client.force_login(admin)
    response = client.post(reverse("author_scenario_unpublish", args=[scenario.pk]))
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None
    assert Certificate.objects.filter(enrolment=enrolment).exists()


def test_publishing_a_required_quiz_is_announced_after_commit_once_per_transaction(course):
    heard: list[list[int]] = []

    def listener(*, course_ids: list[int], **_kwargs: object) -> None:
        heard.append(course_ids)

    events.requirements_changed.connect(listener)
    try:
        first = build_quiz(course, questions=[single()], is_published=False)
        second = build_quiz(course, questions=[single("Another")], is_published=False)
        with transaction.atomic():
            quiz_services.quiz_publish(quiz=first, actor=None)
            quiz_services.quiz_publish(quiz=second, actor=None)
            assert heard == []  # nothing leaves before the commit
        assert heard == [[course.pk]]

        with pytest.raises(RuntimeError), transaction.atomic():
            quiz_services.quiz_unpublish(quiz=first, actor=None)
            raise RuntimeError("rolled back")
        assert heard == [[course.pk]]  # a rolled-back change announces nothing
    finally:
        events.requirements_changed.disconnect(listener)


def test_a_rolled_back_savepoint_does_not_lose_the_rest(course):
    other = build_course(slug="other", modules=1, lessons=1)
    heard: list[list[int]] = []

    def listener(*, course_ids: list[int], **_kwargs: object) -> None:
        heard.append(course_ids)

    events.requirements_changed.connect(listener)
    try:
        with transaction.atomic():
            with pytest.raises(RuntimeError), transaction.atomic():
                events.announce_requirements_changed(course_id=other.pk)
                raise RuntimeError("inner rolled back")
            events.announce_requirements_changed(course_id=course.pk)
        assert heard == [[course.pk]]
    finally:
        events.requirements_changed.disconnect(listener)


def test_a_course_is_never_finished_without_its_certificate(learner, course, monkeypatch):
    enrolment = enrolment_create(user=learner, course=course)
    for lesson in course.published_version.lessons.all():
        LessonProgress.objects.create(
            enrolment=enrolment, lesson_key=lesson.key, completed_at=enrolment.enrolled_at
        )

    def crash(**_kwargs: object) -> None:
        raise RuntimeError("the worker died here")

    monkeypatch.setattr(services, "certificate_issue", crash)
    with pytest.raises(RuntimeError):
        services.enrolment_refresh(enrolment=enrolment)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None  # rolled back with the certificate, tried again later


def test_the_refresh_repairs_a_finished_course_without_a_certificate(learner, course):
    enrolment = finish_lessons(enrolment_create(user=learner, course=course))
    Certificate.objects.filter(enrolment=enrolment).delete()  # as an older crash left it
    assert services.course_progress_refresh(course_id=course.pk) == 1
    certificate = Certificate.objects.get(enrolment=enrolment)
    assert certificate.issued_at == enrolment.completed_at
