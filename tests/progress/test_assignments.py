"""Assigning training: who may assign to whom, due dates, idempotence, and what learners see."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from courses import services as course_services
from courses.models import Course, Enrolment
from learners.models import AuditEntry
from progress import services as progress_services
from progress.assignments import (
    Due,
    assignment_create,
    assignment_due_change,
    assignment_remove,
)
from progress.models import Assignment
from tests.courses.builders import build_course
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def course():
    return build_course(self_enrol=False)


def due_of(person, course) -> dt.datetime | None:
    return Enrolment.objects.get(user=person, course=course).due_at


# --- The service ------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_a_manager_assigns_a_course_to_their_team_with_a_date(
    manager, learner, other_learner, outsider, course
):
    result = assignment_create(
        actor=manager,
        people=[learner, other_learner],
        course=course,
        due=Due(on=dt.date(2027, 1, 15)),
    )
    assert (result.people, result.new) == (2, 2)
    expected = timezone.make_aware(dt.datetime(2027, 1, 15, 23, 59, 59))
    for person in (learner, other_learner):
        assignment = Assignment.objects.get(user=person, course=course)
        assert assignment.assigned_by == manager and assignment.due_at == expected
        assert due_of(person, course) == expected
        assert Enrolment.objects.get(user=person).source == Enrolment.Source.ASSIGNED
    assert not Assignment.objects.filter(user=outsider).exists()
    entry = AuditEntry.objects.get(action="assignment.create")
    assert entry.actor == manager and entry.changes["people"] == [None, 2]


@time_machine.travel(NOW, tick=False)
def test_assigning_again_never_duplicates_and_the_latest_date_wins(manager, learner, course):
    assignment_create(actor=manager, people=[learner], course=course, due=Due(within_days=14))
    again = assignment_create(
        actor=manager, people=[learner, learner], course=course, due=Due(within_days=7)
    )
    assert (again.people, again.new) == (1, 0)
    assert Assignment.objects.filter(user=learner).count() == 1
    assert Enrolment.objects.filter(user=learner).count() == 1
    assert due_of(learner, course) == NOW + dt.timedelta(days=7)
    assert Assignment.objects.get(user=learner).due_at == NOW + dt.timedelta(days=7)


def test_a_manager_cannot_assign_outside_their_teams(manager, learner, outsider, course):
    with pytest.raises(ValidationError) as caught:
        assignment_create(actor=manager, people=[learner, outsider], course=course)
    assert "people" in caught.value.message_dict
    assert not Assignment.objects.exists() and not Enrolment.objects.exists()


def test_an_admin_assigns_to_anyone(admin, outsider, course):
    assignment_create(actor=admin, people=[outsider], course=course)
    assert Assignment.objects.filter(user=outsider, assigned_by=admin).exists()


@time_machine.travel(NOW, tick=False)
def test_bad_choices_are_named_field_by_field(manager, course):
    course_services.course_unpublish(course=course, actor=None)
    with pytest.raises(ValidationError) as caught:
        assignment_create(actor=manager, people=[], course=course, due=Due(on=dt.date(2026, 12, 1)))
    assert set(caught.value.message_dict) == {"training", "people", "due_on"}
    with pytest.raises(ValidationError) as caught:
        assignment_create(actor=manager, people=[], due=Due(within_days=0))
    assert set(caught.value.message_dict) == {"training", "people", "due_days"}


def test_a_path_assigns_each_of_its_live_courses(manager, learner):
    one = build_course(slug="one")
    two = build_course(slug="two")
    hidden = build_course(slug="hidden", publish=False)
    path = course_services.path_create(
        slug="p", title="New starters", courses=[one, two, hidden], is_published=True
    )
    assignment_create(actor=manager, people=[learner], path=path)
    assert set(Assignment.objects.values_list("course__slug", "path__slug")) == {
        ("one", "p"),
        ("two", "p"),
    }


def test_the_query_count_does_not_grow_with_the_team(
    manager, downtown, course, django_assert_num_queries
):
    def team_of(n: int) -> list:
        people = []
        for _ in range(n):
            person = UserFactory()
            MembershipFactory(team=downtown, user=person)
            people.append(person)
        return people

    small, large = team_of(2), team_of(30)
    for people in (small, large):
        fresh = Course.objects.get(pk=course.pk)  # nothing cached from the run before
        with django_assert_num_queries(12):
            assignment_create(actor=manager, people=people, course=fresh, due=Due(within_days=3))
    assert Assignment.objects.count() == 32


def test_removing_keeps_progress_and_drops_the_date(manager, learner, course):
    assignment_create(actor=manager, people=[learner], course=course, due=Due(within_days=3))
    enrolment = Enrolment.objects.get(user=learner)
    first = course.published_version.lessons.first()
    progress_services.lesson_complete(enrolment=enrolment, lesson_key=first.key)
    assignment = Assignment.objects.select_related("user", "course__published_version").get()
    assignment_remove(actor=manager, assignment=assignment)
    assignment_remove(actor=manager, assignment=assignment)  # twice: nothing more happens
    enrolment.refresh_from_db()
    assert enrolment.completed_lessons == 1 and enrolment.due_at is None
    assignment.refresh_from_db()
    assert assignment.removed_by == manager
    assert AuditEntry.objects.filter(action="assignment.remove").count() == 1
    # Assigning again later makes a fresh assignment; the old row stays as history.
    assignment_create(actor=manager, people=[learner], course=course)
    assert Assignment.objects.count() == 2 and Assignment.objects.active().count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_changed_date_is_what_the_learner_sees(client, manager, learner, course):
    assignment_create(actor=manager, people=[learner], course=course, due=Due(within_days=3))
    assignment = Assignment.objects.select_related("user", "course__published_version").get()
    later = NOW + dt.timedelta(days=20)
    assignment_due_change(actor=manager, assignment=assignment, due_at=later)
    assert due_of(learner, course) == later
    client.force_login(learner)
    page = client.get(reverse("dashboard")).content.decode()
    assert "due 22 Dec" in page and "from Maya Manager" in page
    detail = client.get(reverse("course_detail", args=[course.slug])).content.decode()
    assert "Maya Manager gave you this course on 2 Dec 2026." in detail
    assert "Please finish it by 22 Dec 2026." in detail
    assert "Your manager assigns this course" not in detail


# --- The pages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("learner", 404), ("manager", 200), ("other_manager", 200), ("admin", 200)],
)
def test_who_may_open_the_assigning_pages(client, request, persona, status, course):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("assign")).status_code == status
    assert client.get(reverse("assignments")).status_code == status


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("assign"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


@time_machine.travel(NOW, tick=False)
def test_assign_form_happy_path(client, manager, downtown, learner, other_learner, course):
    client.force_login(manager)
    page = client.get(reverse("assign"))
    html = page.content.decode()
    assert "Leo Learner" in html and "Lina Learner" in html and "Olga" not in html
    response = client.post(
        reverse("assign"),
        {
            "training": f"course:{course.pk}",
            "team": downtown.pk,
            "people": [learner.pk],
            "due": "days",
            "due_days": "14",
        },
    )
    assert response.status_code == 302
    assert Assignment.objects.get().user == learner
    listing = client.get(response.url).content.decode()
    assert "Assigned “Calm under fire” to 1 person. Due 16 Dec 2026." in listing
    assert "Leo Learner" in listing and "Not started" in listing


def test_assign_form_errors_sit_next_to_their_fields_and_keep_the_choices(
    client, manager, downtown, learner, other_learner, course
):
    client.force_login(manager)
    response = client.post(
        reverse("assign"),
        {"training": "", "team": downtown.pk, "people": [other_learner.pk], "due": "date"},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"training", "due_on"}
    html = response.content.decode()
    assert f'value="{other_learner.pk}" id="id_people_1" checked' in html or (
        f'value="{other_learner.pk}"' in html and "checked" in html
    )
    assert not Assignment.objects.exists()


def test_someone_elses_team_member_cannot_be_slipped_in(
    client, manager, downtown, outsider, course
):
    client.force_login(manager)
    response = client.post(
        reverse("assign"),
        {
            "training": f"course:{course.pk}",
            "team": downtown.pk,
            "people": [outsider.pk],
            "due": "none",
        },
    )
    assert response.status_code == 400
    assert "people" in response.context["form"].errors
    assert not Assignment.objects.exists()


def test_change_and_remove_need_to_manage_the_person(
    client, manager, other_manager, learner, course
):
    assignment_create(actor=manager, people=[learner], course=course)
    assignment = Assignment.objects.get()
    client.force_login(other_manager)
    assert client.post(reverse("assignment_remove", args=[assignment.pk])).status_code == 404
    assert (
        client.post(
            reverse("assignment_due_change", args=[assignment.pk]), {"due_on": "2027-01-01"}
        ).status_code
        == 404
    )
    client.force_login(learner)  # not even their own
    assert client.post(reverse("assignment_remove", args=[assignment.pk])).status_code == 404
    client.force_login(manager)
    response = client.post(
        reverse("assignment_due_change", args=[assignment.pk]),
        {"due_on": "2027-01-01", "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response.url == reverse("assignments")
    assert Assignment.objects.get().due_at.date() == dt.date(2027, 1, 1)
    bad = client.post(reverse("assignment_due_change", args=[assignment.pk]), {"due_on": "soon"})
    assert bad.status_code == 400
    assert "That date for Leo Learner doesn" in bad.content.decode()
    assert Assignment.objects.get().due_at.date() == dt.date(2027, 1, 1)
    assert client.post(reverse("assignment_remove", args=[assignment.pk])).status_code == 302
    assert Assignment.objects.active().count() == 0


@pytest.mark.parametrize("size", [2, 25])
def test_assignment_list_query_count_is_fixed(
    client, manager, downtown, course, django_assert_num_queries, size
):
    people = []
    for _ in range(size):
        person = UserFactory()
        MembershipFactory(team=downtown, user=person)
        people.append(person)
    assignment_create(actor=manager, people=people, course=course)
    client.force_login(manager)
    with django_assert_num_queries(11):
        response = client.get(reverse("assignments"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == size


def test_the_form_sets_a_recurrence_and_refuses_a_silly_one(
    client, manager, downtown, learner, course
):
    client.force_login(manager)
    form = {
        "training": f"course:{course.pk}",
        "team": downtown.pk,
        "people": [learner.pk],
        "due": "none",
        "recur_months": "99",
    }
    bad = client.post(reverse("assign"), form)
    assert bad.status_code == 400 and "recur_months" in bad.context["form"].errors
    assert 'value="99"' in bad.content.decode()  # what was typed stays
    form["recur_months"] = "12"
    assert client.post(reverse("assign"), form).status_code == 302
    assert Assignment.objects.get().recur_months == 12
    assert "every 12 months" in client.get(reverse("assignments")).content.decode()
