"""Team rules: training that reaches everyone in a team, now and whenever someone joins."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from courses import services as course_services
from courses.models import Enrolment
from learners import services as learner_services
from learners.models import AuditEntry, Membership
from progress.assignments import Due, assignment_create
from progress.models import Assignment, AssignmentRule
from progress.rules import rule_create, rule_remove, rules_apply_to_member
from tests.courses.builders import build_course
from tests.factories import InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
STRONG_PASSWORD = "Sunny-Counter-2026!"


@pytest.fixture
def course():
    return build_course(self_enrol=False)


@pytest.fixture
def regional_manager(region):
    """Rita manages North Region, and so Downtown and Harbour inside it."""
    user = UserFactory(email="rita@example.com", full_name="Rita Regional")
    MembershipFactory(team=region, user=user, role=Membership.Role.MANAGER)
    return user


def assigned(course) -> set[str]:
    return set(
        Assignment.objects.active().filter(course=course).values_list("user__email", flat=True)
    )


def due_of(person, course) -> dt.datetime | None:
    return Enrolment.objects.get(user=person, course=course).due_at


# --- Creating a rule --------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_a_new_rule_reaches_everyone_in_the_team_and_below_but_not_managers(
    regional_manager, manager, other_manager, learner, other_learner, outsider, region, course
):
    rule = rule_create(actor=regional_manager, team=region, course=course, due_within_days=14)

    assert assigned(course) == {learner.email, other_learner.email, outsider.email}
    for person in (learner, other_learner, outsider):
        assignment = Assignment.objects.get(user=person, course=course)
        assert (assignment.rule, assignment.assigned_by) == (rule, regional_manager)
        assert assignment.due_at == NOW + dt.timedelta(days=14)
        assert due_of(person, course) == NOW + dt.timedelta(days=14)
    entries = list(AuditEntry.objects.filter(action__in=["rule.create", "assignment.create"]))
    assert [(e.action, e.actor) for e in entries] == [("rule.create", regional_manager)]
    assert entries[0].target_label == "Calm under fire, for North Region"
    assert entries[0].changes["people assigned"] == [None, 3]


@time_machine.travel(NOW, tick=False)
def test_a_store_rule_stays_in_the_store(manager, learner, outsider, downtown, course):
    rule_create(actor=manager, team=downtown, course=course)
    assert assigned(course) == {learner.email}
    assert Assignment.objects.get().due_at is None


def test_a_rule_for_a_path_assigns_each_live_course(manager, learner, downtown):
    one, two = build_course(slug="one"), build_course(slug="two")
    path = course_services.path_create(
        slug="start", title="First week", courses=[one, two], is_published=True
    )
    rule = rule_create(actor=manager, team=downtown, path=path, due_within_days=7)
    assert set(Assignment.objects.values_list("course__slug", "path__slug", "rule")) == {
        ("one", "start", rule.pk),
        ("two", "start", rule.pk),
    }


@time_machine.travel(NOW, tick=False)
def test_a_rule_leaves_what_people_already_have_as_it_was(manager, learner, downtown, course):
    assignment_create(
        actor=manager, people=[learner], course=course, due=Due(on=dt.date(2026, 12, 24))
    )
    before = Assignment.objects.get()
    rule_create(actor=manager, team=downtown, course=course, due_within_days=3)
    after = Assignment.objects.get()
    assert (after.pk, after.due_at, after.rule) == (before.pk, before.due_at, None)
    assert due_of(learner, course) == before.due_at


@time_machine.travel(NOW, tick=False)
def test_making_the_same_rule_twice_makes_one_rule_and_one_assignment_each(
    manager, learner, other_learner, downtown, course
):
    first = rule_create(actor=manager, team=downtown, course=course, due_within_days=14)
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        again = rule_create(actor=manager, team=downtown, course=course, due_within_days=14)
    assert again == first
    assert AssignmentRule.objects.count() == 1
    assert Assignment.objects.count() == 2
    assert Assignment.objects.get(user=learner).due_at == NOW + dt.timedelta(days=14)
    assert AuditEntry.objects.filter(action="rule.create").count() == 1
    with pytest.raises(ValidationError) as caught:
        rule_create(actor=manager, team=downtown, course=course, due_within_days=30)
    assert "already has a rule" in caught.value.message_dict["training"][0]


def test_a_rule_for_an_empty_team_waits_for_its_first_member(admin, course):
    empty = learner_services.team_create(actor=admin, name="Riverside Store")
    rule = rule_create(actor=admin, team=empty, course=course)
    assert rule.pk and not Assignment.objects.exists()
    assert AuditEntry.objects.get(action="rule.create").changes["people assigned"] == [None, 0]


def test_bad_rules_are_named_field_by_field(manager, downtown, harbour, course):
    course_services.course_unpublish(course=course, actor=None)
    with pytest.raises(ValidationError) as caught:
        rule_create(actor=manager, team=harbour, course=course, due_within_days=0)
    assert set(caught.value.message_dict) == {"team", "training", "due_within_days"}
    with pytest.raises(ValidationError) as caught:
        rule_create(actor=manager, team=downtown, due_within_days=367)
    assert set(caught.value.message_dict) == {"training", "due_within_days"}
    assert not AssignmentRule.objects.exists()


def test_only_who_manages_the_team_may_add_or_remove_its_rules(
    manager, other_manager, learner, admin, downtown, course
):
    with pytest.raises(ValidationError) as caught:
        rule_create(actor=other_manager, team=downtown, course=course)
    assert set(caught.value.message_dict) == {"team"}
    with pytest.raises(ValidationError):
        rule_create(actor=learner, team=downtown, course=course)
    assert not AssignmentRule.objects.exists()

    rule = rule_create(actor=admin, team=downtown, course=course)
    with pytest.raises(ValidationError):
        rule_remove(actor=other_manager, rule=rule)
    rule.refresh_from_db()
    assert rule.removed_at is None
    rule_remove(actor=manager, rule=rule)
    rule.refresh_from_db()
    assert rule.removed_by == manager


# --- Joining a team ---------------------------------------------------------------------------


def test_accepting_an_invitation_brings_the_teams_training_due_from_joining(
    manager, downtown, course, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        rule = rule_create(actor=manager, team=downtown, course=course, due_within_days=14)
        invitation = InvitationFactory(team=downtown, email="sam@example.com", invited_by=manager)
    joined = NOW + dt.timedelta(days=3)
    with (
        time_machine.travel(joined, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        sam, _created = learner_services.invitation_accept(
            invitation=invitation, signed_in=None, password=STRONG_PASSWORD, full_name="Sam New"
        )
    assignment = Assignment.objects.get(user=sam)
    assert (assignment.rule, assignment.assigned_by) == (rule, manager)
    assert assignment.assigned_at == joined
    assert assignment.due_at == joined + dt.timedelta(days=14)
    assert due_of(sam, course) == joined + dt.timedelta(days=14)
    entry = AuditEntry.objects.get(action="assignment.create")
    assert entry.actor is None
    assert entry.changes == {
        "person": [None, "Sam New"],
        "due": [None, "2026-12-19"],
        "by the rule for": [None, "Downtown Store"],
    }


def test_an_existing_account_accepting_an_invitation_gets_the_teams_training_and_keeps_its_own(
    manager, other_manager, outsider, downtown, course, django_capture_on_commit_callbacks
):
    """Olga (Harbour) accepts an invitation into Downtown: Downtown's rule reaches her, and
    what she had from Harbour stays."""
    harbour_course = build_course(slug="harbour-only", title="Harbour only", self_enrol=False)
    assignment_create(actor=other_manager, people=[outsider], course=harbour_course)
    with time_machine.travel(NOW, tick=False):
        rule = rule_create(actor=manager, team=downtown, course=course, due_within_days=14)
        invitation = InvitationFactory(team=downtown, email=outsider.email, invited_by=manager)
    with (
        time_machine.travel(NOW + dt.timedelta(days=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        learner_services.invitation_accept(invitation=invitation, signed_in=outsider, password=None)

    assert Assignment.objects.get(user=outsider, course=course).rule == rule
    assert Assignment.objects.active().filter(user=outsider, course=harbour_course).exists()
    assert set(outsider.memberships.values_list("team__name", flat=True)) == {
        "Harbour Store",
        "Downtown Store",
    }


@time_machine.travel(NOW, tick=False)
def test_a_region_rule_reaches_a_new_member_of_one_of_its_stores(
    regional_manager, admin, region, downtown, course, django_capture_on_commit_callbacks
):
    rule = rule_create(actor=regional_manager, team=region, course=course, due_within_days=30)
    newcomer = UserFactory(full_name="Nora Newcomer")
    with django_capture_on_commit_callbacks(execute=True):
        learner_services.membership_add(actor=admin, team=downtown, user=newcomer)
    assignment = Assignment.objects.get(user=newcomer)
    assert assignment.rule == rule and assignment.due_at == NOW + dt.timedelta(days=30)


@time_machine.travel(NOW, tick=False)
def test_becoming_a_manager_brings_no_training(
    manager, admin, downtown, course, django_capture_on_commit_callbacks
):
    rule_create(actor=manager, team=downtown, course=course)
    boss = UserFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        learner_services.membership_add(
            actor=admin, team=downtown, user=boss, role=Membership.Role.MANAGER
        )
    assert callbacks == []
    assert not Assignment.objects.filter(user=boss).exists()


def test_a_failure_applying_the_rules_does_not_undo_the_join(
    monkeypatch, manager, admin, downtown, course, django_capture_on_commit_callbacks, caplog
):
    rule_create(actor=manager, team=downtown, course=course)

    def broken(**kwargs: object) -> int:
        raise RuntimeError("the rules are unavailable")

    monkeypatch.setattr("progress.rules.rules_apply_to_member", broken)
    newcomer = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        learner_services.membership_add(actor=admin, team=downtown, user=newcomer)
    assert Membership.objects.filter(user=newcomer, team=downtown).exists()
    assert "the rules are unavailable" in caplog.text


def test_applying_the_rules_again_changes_nothing(manager, learner, downtown, course):
    with time_machine.travel(NOW, tick=False):
        rule_create(actor=manager, team=downtown, course=course, due_within_days=14)
    with time_machine.travel(NOW + dt.timedelta(days=5), tick=False):
        assert rules_apply_to_member(user_id=learner.pk, team_id=downtown.pk) == 0
        assert rules_apply_to_member(user_id=learner.pk, team_id=downtown.pk) == 0
    assert Assignment.objects.filter(user=learner).count() == 1
    assert Assignment.objects.get(user=learner).due_at == NOW + dt.timedelta(days=14)
    assert not AuditEntry.objects.filter(action="assignment.create").exists()


def test_rules_reach_only_members_still_in_the_team(manager, admin, downtown, course):
    rule_create(actor=manager, team=downtown, course=course)
    gone = UserFactory()
    # They joined and left again before the announcement was handled.
    Membership.objects.create(team=downtown, user=gone)
    Membership.objects.filter(user=gone).delete()
    assert rules_apply_to_member(user_id=gone.pk, team_id=downtown.pk) == 0
    assert not Assignment.objects.filter(user=gone).exists()


def test_a_rule_whose_course_was_unpublished_is_skipped(manager, downtown, course):
    other = build_course(slug="other", title="Returns")
    rule_create(actor=manager, team=downtown, course=course)
    rule_create(actor=manager, team=downtown, course=other)
    course_services.course_unpublish(course=course, actor=None)
    newcomer = UserFactory()
    Membership.objects.create(team=downtown, user=newcomer)
    assert rules_apply_to_member(user_id=newcomer.pk, team_id=downtown.pk) == 1
    assert list(
        Assignment.objects.filter(user=newcomer).values_list("course__slug", flat=True)
    ) == ["other"]


@pytest.mark.django_db(transaction=True)
def test_a_new_hire_sees_the_teams_training_on_their_first_page(client):
    # No test transaction around this one: the join really commits and the announcement
    # really runs after it, as in production.
    region = learner_services.team_create(actor=None, name="North Region")
    downtown = learner_services.team_create(actor=None, name="Downtown Store", parent=region)
    admin = UserFactory(is_training_admin=True)
    course = build_course(self_enrol=False)
    rule_create(actor=admin, team=region, course=course, due_within_days=10)
    invitation = InvitationFactory(team=downtown, email="sam@example.com", invited_by=admin)
    token = learner_services.invitation_token(invitation)
    response = client.post(
        reverse("invitation_accept", args=[token]),
        {"full_name": "Sam New", "password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD},
        follow=True,
    )
    assert response.status_code == 200
    assert "Calm under fire" in response.content.decode()
    assert Assignment.objects.get().user.email == "sam@example.com"


# --- Removing a rule --------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_removing_a_rule_keeps_what_it_assigned_and_stops_it_reaching_newcomers(
    manager, learner, downtown, course, django_capture_on_commit_callbacks
):
    rule = rule_create(actor=manager, team=downtown, course=course, due_within_days=14)
    rule_remove(actor=manager, rule=rule)
    rule_remove(actor=manager, rule=rule)  # twice: nothing more happens
    rule.refresh_from_db()
    assert (rule.removed_at, rule.removed_by) == (NOW, manager)
    assert AuditEntry.objects.filter(action="rule.remove").count() == 1
    assert assigned(course) == {learner.email}
    assert due_of(learner, course) == NOW + dt.timedelta(days=14)
    newcomer = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        learner_services.membership_add(actor=manager, team=downtown, user=newcomer)
    assert not Assignment.objects.filter(user=newcomer).exists()
    # The same rule may be made again; the old row stays as history.
    rule_create(actor=manager, team=downtown, course=course)
    assert AssignmentRule.objects.count() == 2 and AssignmentRule.objects.active().count() == 1


# --- The page ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("learner", 404), ("manager", 200), ("other_manager", 200), ("admin", 200)],
)
def test_who_may_open_the_rules_page(client, request, persona, status, course):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("assignment_rules")).status_code == status


def test_the_rules_page_is_reached_from_the_assignments_page(client, manager, downtown):
    client.force_login(manager)
    page = client.get(reverse("assignments")).content.decode()
    assert f'href="{reverse("assignment_rules")}"' in page
    rules_page = client.get(reverse("assignment_rules")).content.decode()
    assert f'<option value="{downtown.pk}" selected>' in rules_page  # their only team


def test_someone_with_several_teams_picks_one_on_purpose(client, admin, downtown):
    client.force_login(admin)
    page = client.get(reverse("assignment_rules")).content.decode()
    assert '<option value="" selected>Choose a team</option>' in page


@time_machine.travel(NOW, tick=False)
def test_adding_a_rule_on_the_page(client, manager, other_manager, downtown, learner, course):
    client.force_login(manager)
    response = client.post(
        reverse("assignment_rules"),
        {"team": downtown.pk, "training": f"course:{course.pk}", "due_within_days": "14"},
    )
    assert response.status_code == 302 and response.url == reverse("assignment_rules")
    rule = AssignmentRule.objects.get()
    assert (rule.team, rule.course, rule.due_within_days, rule.created_by) == (
        downtown,
        course,
        14,
        manager,
    )
    page = client.get(response.url).content.decode()
    assert "Everyone in Downtown Store has “Calm under fire” now" in page
    assert "Within 14 days of joining" in page and "1 person" in page
    assert "Maya Manager" in page
    listing = client.get(reverse("assignments")).content.decode()
    assert "by the rule for Downtown Store" in listing
    # Another store's manager doesn't see it.
    client.force_login(other_manager)
    assert f'id="rule-{rule.pk}"' not in client.get(reverse("assignment_rules")).content.decode()


def test_bad_input_comes_back_with_each_error_beside_its_field(client, manager, downtown, course):
    client.force_login(manager)
    response = client.post(
        reverse("assignment_rules"),
        {"team": downtown.pk, "training": "", "due_within_days": "400"},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"training", "due_within_days"}
    html = response.content.decode()
    assert 'aria-describedby="id_due_within_days_helptext id_due_within_days_error"' in html
    assert 'id="id_due_within_days_error"' in html and 'value="400"' in html
    assert "Choose between 1 and 366 days." in html
    assert "Choose a course or learning path." in html
    assert f'<option value="{downtown.pk}" selected>' in html
    assert not AssignmentRule.objects.exists()


def test_another_managers_team_cannot_be_slipped_in(client, other_manager, downtown, course):
    client.force_login(other_manager)
    response = client.post(
        reverse("assignment_rules"), {"team": downtown.pk, "training": f"course:{course.pk}"}
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"team"}
    assert not AssignmentRule.objects.exists()


def test_removing_on_the_page_needs_to_manage_the_team(
    client, manager, other_manager, learner, downtown, course
):
    rule = rule_create(actor=manager, team=downtown, course=course)
    url = reverse("assignment_rule_remove", args=[rule.pk])
    for outsider in (other_manager, learner):
        client.force_login(outsider)
        assert client.post(url).status_code == 404
    assert client.get(url).status_code in {404, 405}
    rule.refresh_from_db()
    assert rule.removed_at is None
    client.force_login(manager)
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert "everyone who has it keeps it" in response.content.decode()
    rule.refresh_from_db()
    assert rule.removed_by == manager
    assert assigned(course) == {learner.email}
    assert client.post(url).status_code == 302  # again: harmless


@pytest.mark.parametrize("size", [1, 6])
def test_rules_page_query_count_is_fixed(
    client, manager, downtown, harbour, django_assert_num_queries, size
):
    for _ in range(size):
        MembershipFactory(team=downtown, user=UserFactory())
    for n in range(size):
        rule_create(
            actor=manager,
            team=downtown,
            course=build_course(slug=f"course-{n}", title=f"Course {n}"),
            due_within_days=n + 1,
        )
    client.force_login(manager)
    with django_assert_num_queries(11):
        response = client.get(reverse("assignment_rules"))
    assert response.status_code == 200
    assert len(response.context["rules"]) == size
    assert {rule.people_assigned for rule in response.context["rules"]} == {size}
