"""The manager's team page: the matrix, who needs attention, the export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from assessments.models import AttemptItem
from assessments.quizzes.services import attempts
from assessments.scenarios.services import play
from courses.models import Enrolment
from learners.models import User
from progress import services as progress_services
from progress.assignments import Due, assignment_create
from progress.team import team_progress
from progress.team_views import safe_cell
from tests.assessments.builders import build_quiz, single
from tests.assessments.scenarios.test_scenarios import build_scenario
from tests.courses.builders import build_course
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def course():
    return build_course(slug="calm", title="Calm under fire", self_enrol=False)


def wrong_but_certain(person, quiz) -> None:
    attempt = attempts.attempt_start(quiz=quiz, user=person)
    item = attempt.items.get()
    wrong = next(c for c in item.version.choices.all() if c.fraction == 0)
    attempts.answer_save(
        attempt=attempt,
        item=item,
        answer={"choice": wrong.pk},
        confidence=AttemptItem.Confidence.CERTAIN,
    )
    attempts.attempt_submit(attempt=attempt)


@time_machine.travel(NOW, tick=False)
def test_the_manager_sees_each_persons_assignments_and_who_needs_them(
    client, manager, learner, other_learner, outsider, course
):
    quiz = build_quiz(course, questions=[single()])
    with time_machine.travel(NOW - dt.timedelta(days=20), tick=False):
        assignment_create(actor=manager, people=[learner], course=course, due=Due(within_days=5))
    assignment_create(actor=manager, people=[other_learner], course=course, due=Due(within_days=9))
    enrolment = Enrolment.objects.get(user=other_learner)
    first = course.published_version.lessons.first()
    progress_services.lesson_complete(enrolment=enrolment, lesson_key=first.key)
    wrong_but_certain(other_learner, quiz)

    client.force_login(manager)
    response = client.get(reverse("team_progress"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Olga" not in html  # another team's learner
    rows = {row.person.email: cells for row, cells in response.context["rows"]}
    assert set(rows) == {"leo@example.com", "lina@example.com"}
    (leo,) = rows["leo@example.com"]
    (lina,) = rows["lina@example.com"]
    assert (leo.status, leo.percent) == ("overdue", 0)
    # One of four lessons and the required quiz not passed: one step of five.
    assert (lina.status, lina.percent, lina.quiz_percent) == ("in_progress", 20, 0)
    assert [row.person.email for row, _cell in response.context["overdue"]] == ["leo@example.com"]
    assert [row.person.email for row in response.context["stuck"]] == ["leo@example.com"]
    (misconception,) = response.context["misconceptions"]
    assert misconception.people == 1 and misconception.title == "Calm first"
    assert "Sure, but wrong" in html
    assert "Go over: Calm yourself before you calm anyone else." in html


def test_filters_narrow_the_rows_and_bad_values_say_so(
    client, manager, learner, other_learner, course
):
    assignment_create(actor=manager, people=[learner], course=course)
    client.force_login(manager)
    found = client.get(reverse("team_progress"), {"q": "lina"})
    assert [row.person.email for row, _cells in found.context["rows"]] == ["lina@example.com"]
    not_started = client.get(reverse("team_progress"), {"status": "not_started"})
    assert [row.person.email for row, _c in not_started.context["rows"]] == ["leo@example.com"]
    bad = client.get(reverse("team_progress"), {"status": "sleeping", "sort": "shoe size"})
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"status", "sort"}
    assert "sleeping" not in [c[0] for c in bad.context["form"].fields["status"].choices]


def test_another_teams_manager_cannot_pick_this_team(client, other_manager, downtown):
    client.force_login(other_manager)
    response = client.get(reverse("team_progress"), {"team": downtown.pk})
    assert response.status_code == 400
    assert "team" in response.context["form"].errors


@pytest.mark.parametrize("persona", ["learner", "outsider"])
def test_learners_get_404(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("team_progress")).status_code == 404
    assert client.get(reverse("team_progress_export")).status_code == 404


@pytest.mark.parametrize("size", [3, 30])
def test_the_team_page_query_count_is_fixed(
    client, manager, downtown, django_assert_num_queries, size
):
    courses = [build_course(slug=f"c{n}", title=f"Course {n}") for n in range(3)]
    people = []
    for _ in range(size):
        person = UserFactory()
        MembershipFactory(team=downtown, user=person)
        people.append(person)
    for course in courses:
        assignment_create(actor=manager, people=people, course=course)
    client.force_login(manager)
    # ... plus the courses' required quizzes and practice conversations (progress_for), and
    # two for how well people remember (refreshers.selectors.retention_by_person)
    with django_assert_num_queries(17):
        response = client.get(reverse("team_progress"))
    assert len(response.context["rows"]) == size
    assert len(response.context["courses"]) == 3


def test_the_export_has_the_same_numbers_and_no_formulas(client, manager, downtown, course):
    person = UserFactory(full_name='=HYPERLINK("http://evil.example")', email="eve@example.com")
    MembershipFactory(team=downtown, user=person)
    assignment_create(actor=manager, people=[person], course=course)
    client.force_login(manager)
    response = client.get(reverse("team_progress_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["Person", "Email", "Teams", "Course", "Status"]
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example")'
    assert rows[1][3:6] == ["Calm under fire", "Not started", "0"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44", "'+44"),
        ("-2", "'-2"),
        ("@SUM", "'@SUM"),
        ("Leo", "Leo"),
        (None, ""),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("manager", 200),
        ("admin", 200),
        ("other_manager", 404),
        ("other_learner", 404),
        ("learner", 404),
    ],
)
def test_who_may_open_a_persons_page(client, request, learner, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("person_progress", args=[learner.pk])).status_code == status


@pytest.mark.parametrize("attempts_made", [1, 4])
def test_the_person_page_shows_everything_in_fixed_queries(
    client, manager, learner, course, django_assert_num_queries, attempts_made
):
    quiz = build_quiz(course, questions=[single()], max_attempts=0)
    assignment_create(actor=manager, people=[learner], course=course, due=Due(within_days=5))
    for _ in range(attempts_made):
        wrong_but_certain(learner, quiz)
    enrolment = Enrolment.objects.get(user=learner)
    first = course.published_version.lessons.first()
    progress_services.lesson_complete(enrolment=enrolment, lesson_key=first.key)
    scenario = build_scenario()
    play.run_start(user=learner, scenario=scenario)
    client.force_login(manager)
    # The matrix's progress and the courses' progress each read required checks and passes,
    # and two queries say how well they remember (refreshers.selectors.retention_by_topic).
    with django_assert_num_queries(26):
        response = client.get(reverse("person_progress", args=[learner.pk]))
    html = response.content.decode()
    assert "Leo Learner" in html and "Calm under fire" in html
    assert html.count("Quick check #") == attempts_made
    assert "1 of 4 lessons" in html


@time_machine.travel(NOW, tick=False)
def test_completions_by_week_counts_finished_assigned_courses(manager, learner, course):
    assignment_create(actor=manager, people=[learner], course=course)
    enrolment = Enrolment.objects.get(user=learner)
    with time_machine.travel(NOW - dt.timedelta(days=8), tick=False):
        for lesson in course.published_version.lessons.all():
            progress_services.lesson_complete(enrolment=enrolment, lesson_key=lesson.key)
    weeks = team_progress(User.objects.filter(pk=learner.pk), now=NOW).completions_by_week(NOW)
    assert len(weeks) == 8
    assert weeks[-1] == (dt.date(2026, 11, 30), 0)  # this week (2 Dec is a Wednesday)
    assert weeks[-2] == (dt.date(2026, 11, 23), 1)  # finished on 24 Nov


def test_assigning_from_a_persons_page_ticks_just_them(
    client, manager, downtown, learner, other_learner
):
    client.force_login(manager)
    page = client.get(reverse("person_progress", args=[learner.pk])).content.decode()
    link = f"/assign/?team={downtown.pk}&amp;person={learner.pk}"
    assert link in page
    form = client.get(reverse("assign"), {"team": downtown.pk, "person": learner.pk}).context[
        "form"
    ]
    assert form.initial["people"] == [learner.pk]
    everyone = client.get(reverse("assign"), {"team": downtown.pk}).context["form"]
    assert set(everyone.initial["people"]) == {learner.pk, other_learner.pk}


def test_a_quiz_score_reads_the_same_on_every_page_and_in_the_export(
    client, manager, learner, downtown, course
):
    """Two of three pairs right: 0.67 of 1 point is 67 % everywhere (the pass check reads 67 too),
    not 67 % on the pages and 66.67 in the spreadsheet."""
    from tests.assessments.builders import matching

    quiz = build_quiz(course, questions=[matching()])
    assignment_create(actor=manager, people=[learner], course=course)
    attempt = attempts.attempt_start(quiz=quiz, user=learner)
    item = attempt.items.select_related("version").get()
    first, second, third = [p.pk for p in item.version.pairs.all()]
    picks = {str(first): first, str(second): second, str(third): first}
    attempts.answer_save(attempt=attempt, item=item, answer={"pairs": picks}, confidence=None)
    attempt, _now = attempts.attempt_submit(attempt=attempt)
    assert (attempt.score, attempt.percent) == (Decimal("0.67"), Decimal("67"))

    client.force_login(manager)
    export = client.get(reverse("team_progress_export"))
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[1][rows[0].index("Latest quiz %")] == "67"
    assert "Quiz 67%" in client.get(reverse("team_progress")).content.decode()
    person = client.get(reverse("person_progress", args=[learner.pk])).content.decode()
    assert "· 67% ·" in person
    review = client.get(reverse("attempt_review", args=[attempt.pk])).content.decode()
    assert "<strong>67%</strong>" in review and "0.67 of 1 points" in review
    client.force_login(learner)
    detail = client.get(reverse("quiz_detail", args=[quiz.key])).content.decode()
    assert "67% ·" in detail
