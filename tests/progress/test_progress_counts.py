"""One percentage, counted the way completion counts: lessons and the checks a course requires.
Reading every lesson of a course with a required quick check is not 100 %, every page shows
the same number, and the next required step is the main button wherever the learner looks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Attempt, ScenarioRun
from courses import services as course_services
from courses.models import Enrolment
from courses.services import enrolment_create
from progress import services as progress
from progress.assignments import Due, assignment_create
from tests.assessments.builders import build_quiz, single
from tests.assessments.scenarios.test_scenarios import build_scenario
from tests.courses.builders import build_course

pytestmark = pytest.mark.django_db


def keys(course):
    return list(
        course.published_version.lessons.order_by("module__position", "position").values_list(
            "key", flat=True
        )
    )


def read_every_lesson(enrolment: Enrolment) -> Enrolment:
    for key in keys(enrolment.course):
        enrolment = progress.lesson_complete(enrolment=enrolment, lesson_key=key)
    enrolment.refresh_from_db()
    return enrolment


def pass_quiz(user, quiz, *, when=None) -> Attempt:
    when = when or timezone.now()
    attempt = Attempt.objects.create(
        quiz=quiz,
        user=user,
        number=Attempt.objects.filter(quiz=quiz, user=user).count() + 1,
        status=Attempt.Status.SUBMITTED,
        started_at=when,
        submitted_at=when,
        percent=100,
        passed=True,
    )
    progress.enrolment_refresh_for(user_id=user.pk, course_id=quiz.course_id)
    return attempt


@pytest.mark.parametrize(
    ("done", "total", "checks_done", "checks", "completed", "percent"),
    [
        (0, 0, 0, 0, False, 0),
        (4, 4, 0, 1, False, 80),
        (199, 200, 0, 0, False, 99),  # rounding never claims 100 with a step left
        (4, 4, 1, 1, False, 99),  # everything counted but not yet marked finished
        (2, 4, 0, 1, True, 100),  # finished is 100, whatever changed in the course since
    ],
)
def test_the_percentage_is_100_only_when_finished(
    done, total, checks_done, checks, completed, percent
):
    from progress.selectors import CourseProgress

    counted = CourseProgress(
        lessons_done=done,
        lessons_total=total,
        checks_done=checks_done,
        checks_total=checks,
        completed=completed,
    )
    assert counted.percent == percent


@pytest.fixture
def course():
    return build_course(slug="calm", modules=1, lessons=2)


@pytest.fixture
def quiz(course):
    return build_quiz(course, questions=[single()], required=True)


def test_reading_every_lesson_with_a_quiz_open_is_not_done(client, learner, course, quiz):
    enrolment = read_every_lesson(enrolment_create(user=learner, course=course))
    assert enrolment.completed_at is None
    client.force_login(learner)

    dashboard = client.get(reverse("dashboard"))
    (listed,) = dashboard.context["active"]
    assert listed.progress.percent == 67  # two lessons of three steps
    html = dashboard.content.decode()
    assert "67% done" in html and "100% done" not in html
    assert "1 check left" in html
    quiz_url = reverse("quiz_detail", args=[quiz.key])
    assert f'<a role="button" href="{quiz_url}">Take the quick check</a>' in html

    page = client.get(reverse("course_detail", args=[course.slug]))
    assert page.context["progress"].percent == 67
    html = page.content.decode()
    assert "67% done" in html
    assert (
        f'<a class="primary-action" role="button" href="{quiz_url}">Take the quick check</a>'
        in html
    )
    assert "Lessons read: 1 step to go" in html


def test_passing_the_quiz_makes_it_100(client, learner, course, quiz):
    enrolment = read_every_lesson(enrolment_create(user=learner, course=course))
    pass_quiz(learner, quiz)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None
    client.force_login(learner)
    page = client.get(reverse("course_detail", args=[course.slug]))
    assert page.context["progress"].percent == 100
    assert page.context["next_step"] is None
    assert "You finished this course" in page.content.decode()


def test_an_optional_quiz_does_not_count(client, learner, course):
    build_quiz(course, questions=[single()], required=False)
    enrolment = read_every_lesson(enrolment_create(user=learner, course=course))
    assert enrolment.completed_at is not None
    client.force_login(learner)
    assert (
        client.get(reverse("course_detail", args=[course.slug])).context["progress"].percent == 100
    )


def test_a_pass_from_before_this_round_does_not_count(client, learner, course, quiz):
    pass_quiz(learner, quiz, when=timezone.now() - dt.timedelta(days=400))
    enrolment = enrolment_create(user=learner, course=course)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        enrolled_at=timezone.now() - dt.timedelta(days=10)
    )
    enrolment.refresh_from_db()
    enrolment = read_every_lesson(enrolment)
    assert enrolment.completed_at is None  # completion wants this round's pass
    client.force_login(learner)
    page = client.get(reverse("course_detail", args=[course.slug]))
    # ... and so do the checkpoint list and the percentage
    assert [c.done for c in page.context["outline"].modules[0].checkpoints] == [False]
    assert page.context["progress"].percent == 67
    assert page.context["next_step"].kind == "quiz"


def test_the_last_lesson_says_the_quiz_comes_next_and_leads_there(client, learner, course, quiz):
    enrolment = enrolment_create(user=learner, course=course)
    first, last = keys(course)
    progress.lesson_complete(enrolment=enrolment, lesson_key=first)
    client.force_login(learner)
    html = client.get(reverse("lesson_detail", args=[course.slug, last])).content.decode()
    assert "Done, on to the quick check" in html
    assert "Done, finish the course" not in html
    response = client.post(reverse("lesson_complete", args=[course.slug, last]))
    assert response.url == reverse("quiz_detail", args=[quiz.key])


def test_the_last_lesson_of_a_course_without_checks_finishes_it(client, learner, course):
    enrolment = enrolment_create(user=learner, course=course)
    first, last = keys(course)
    progress.lesson_complete(enrolment=enrolment, lesson_key=first)
    client.force_login(learner)
    html = client.get(reverse("lesson_detail", args=[course.slug, last])).content.decode()
    assert "Done, finish the course" in html


def test_a_practice_conversation_is_the_main_button_once_lessons_are_read(client, learner):
    scenario = build_scenario()
    enrolment = read_every_lesson(enrolment_create(user=learner, course=scenario.course))
    assert enrolment.completed_at is None
    client.force_login(learner)
    url = reverse("scenario_detail", args=[scenario.slug])
    html = client.get(reverse("dashboard")).content.decode()
    assert f'<a role="button" href="{url}">Practise the conversation</a>' in html
    html = client.get(reverse("course_detail", args=[scenario.course.slug])).content.decode()
    assert "50% done" in html  # one lesson, one conversation
    assert (
        f'<a class="primary-action" role="button" href="{url}">Practise the conversation</a>'
        in html
    )
    ScenarioRun.objects.create(
        scenario=scenario, user=learner, finished_at=timezone.now(), current=None
    )
    progress.enrolment_refresh(enrolment=enrolment)
    html = client.get(reverse("course_detail", args=[scenario.course.slug])).content.decode()
    assert "100% done" in html


def test_every_page_shows_the_same_percentage(client, manager, learner, course, quiz):
    """Dashboard, course page, path page, the manager's team matrix and person page."""
    path = course_services.path_create(
        slug="essentials", title="Essentials", courses=[course], self_enrol=True
    )
    path.is_published = True
    path.save()
    assignment_create(actor=manager, people=[learner], course=course, due=Due(within_days=5))
    enrolment = Enrolment.objects.get(user=learner, course=course)
    progress.lesson_complete(enrolment=enrolment, lesson_key=keys(course)[0])

    client.force_login(learner)
    (listed,) = client.get(reverse("dashboard")).context["active"]
    seen = {"dashboard": listed.progress.percent}
    seen["course"] = (
        client.get(reverse("course_detail", args=[course.slug])).context["progress"].percent
    )
    path_page = client.get(reverse("path_detail", args=["essentials"]))
    ((_step, _enrolment, path_progress),) = path_page.context["rows"]
    seen["path"] = path_progress.percent
    assert path_page.context["percent"] == path_progress.percent  # its only course
    client.force_login(manager)
    ((_row, (cell,)),) = client.get(reverse("team_progress")).context["rows"]
    seen["team"] = cell.percent
    person = client.get(reverse("person_progress", args=[learner.pk]))
    (lines,) = person.context["p"].courses
    seen["person"] = lines.progress.percent
    assert set(seen.values()) == {33}, seen  # one lesson of two lessons and a quiz


def test_an_optional_quiz_after_the_last_lesson_does_not_hold_up_finishing(client, learner, course):
    build_quiz(course, questions=[single()], required=False)
    enrolment = enrolment_create(user=learner, course=course)
    first, last = keys(course)
    progress.lesson_complete(enrolment=enrolment, lesson_key=first)
    client.force_login(learner)
    html = client.get(reverse("lesson_detail", args=[course.slug, last])).content.decode()
    assert "Done, finish the course" in html
    response = client.post(reverse("lesson_complete", args=[course.slug, last]))
    assert response.url == reverse("course_detail", args=[course.slug])


def test_a_quiz_between_modules_comes_before_the_next_module(client, learner):
    course = build_course(slug="two", modules=2, lessons=1)
    first_module = course.published_version.modules.order_by("position").first()
    quiz = build_quiz(course, questions=[single()], required=True)
    quiz.module_key = first_module.key
    quiz.save()
    enrolment_create(user=learner, course=course)
    first, _second = keys(course)
    client.force_login(learner)
    html = client.get(reverse("lesson_detail", args=[course.slug, first])).content.decode()
    assert "Done, on to the quick check" in html
    response = client.post(reverse("lesson_complete", args=[course.slug, first]))
    assert response.url == reverse("quiz_detail", args=[quiz.key])
    # Back on the course page, the check they left is the main button, not lesson two.
    page = client.get(reverse("course_detail", args=[course.slug]))
    assert page.context["next_step"].kind == "quiz"
