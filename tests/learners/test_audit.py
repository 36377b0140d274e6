"""The activity log: every service that changes people, teams or invitations writes exactly one
entry naming who acted, in its own transaction; training admins read and filter the log."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.db.models import Max
from django.db.transaction import TransactionManagementError
from django.urls import reverse

from learners import audit, permissions, services
from learners.models import AuditEntry, Invitation, Membership, Team, User
from tests.factories import AuditEntryFactory, InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "Sunny-Counter-2026!"


def _mark() -> int:
    """The newest entry's id now; fixtures write entries of their own (their teams)."""
    return AuditEntry.objects.aggregate(last=Max("pk"))["last"] or 0


def _written_since(mark: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(pk__gt=mark).order_by("pk"))


def _only_entry_since(mark: int) -> AuditEntry:
    (entry,) = _written_since(mark)
    return entry


# --- audit_record ----------------------------------------------------------------------------


def test_audit_record_copies_names_and_stores_changes_as_before_after_pairs(admin):
    entry = audit.audit_record(
        actor=admin,
        action="course.publish",
        target_type="course",
        target_id=7,
        target_label="De-escalation",
        changes={"status": ("draft", "live"), "title": ("De-escalation", "De-escalation")},
    )
    entry.refresh_from_db()
    assert (entry.actor, entry.actor_label) == (admin, "Ada Admin")
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "course",
        "7",
        "De-escalation",
    )
    assert entry.changes == {"status": ["draft", "live"]}  # the title did not change
    assert entry.action_label == "Published a course"
    assert entry.change_rows == [("status", "draft", "live")]


def test_an_action_nobody_named_yet_reads_as_its_code(admin):
    entry = AuditEntryFactory(actor=admin, action="reminder.sent", changes={"due": (None, 1)})
    assert entry.action_label == "reminder.sent"
    assert entry.change_rows == [("due", "", "1")]


def test_entry_outlives_its_actor_and_keeps_their_name(admin):
    entry = AuditEntryFactory(actor=admin)
    admin.delete()
    entry.refresh_from_db()
    assert (entry.actor, entry.actor_label) == (None, "Ada Admin")
    assert list(AuditEntry.objects.filter_by(actor="ada admin")) == [entry]


def test_for_target_finds_the_entries_about_one_thing(admin, outsider, downtown):
    services.membership_add(actor=admin, team=downtown, user=outsider)
    services.membership_remove(actor=admin, team=downtown, user=outsider, role="member")
    about_olga = AuditEntry.objects.for_target("person", outsider.pk)
    assert [e.action for e in about_olga] == ["membership.remove", "membership.add"]


@pytest.mark.django_db(transaction=True)
def test_audit_record_refuses_to_write_outside_a_transaction():
    # A stand-alone entry could survive a change that failed, or miss one that was saved.
    with pytest.raises(TransactionManagementError):
        audit.audit_record(
            actor=None, action="team.create", target_type="team", target_id=1, target_label="X"
        )
    assert AuditEntry.objects.count() == 0
    with transaction.atomic():
        audit.audit_record(
            actor=None, action="team.create", target_type="team", target_id=1, target_label="X"
        )
    assert AuditEntry.objects.count() == 1


# --- each service writes one entry ------------------------------------------------------------


def test_team_create_records_who_made_it_and_where(admin, region):
    mark = _mark()
    team = services.team_create(actor=admin, name="Riverside Store", parent=region)
    entry = _only_entry_since(mark)
    assert (entry.actor, entry.action) == (admin, "team.create")
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "team",
        str(team.pk),
        "Riverside Store",
    )
    assert entry.changes == {"name": [None, "Riverside Store"], "part of": [None, "North Region"]}
    mark = _mark()
    services.team_create(actor=admin, name="South Region")
    assert _only_entry_since(mark).changes == {"name": [None, "South Region"]}


def test_membership_add_records_the_new_role_once(admin, outsider, downtown):
    mark = _mark()
    services.membership_add(actor=admin, team=downtown, user=outsider, role="manager")
    entry = _only_entry_since(mark)
    assert (entry.actor, entry.action) == (admin, "membership.add")
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "person",
        str(outsider.pk),
        "Olga Outsider",
    )
    assert entry.changes == {"team": [None, "Downtown Store"], "role": [None, "manager"]}
    # Already there: nothing changes, so nothing is recorded.
    services.membership_add(actor=admin, team=downtown, user=outsider, role="manager")
    assert len(_written_since(mark)) == 1


def test_membership_remove_records_the_role_taken_away_once(admin, learner, downtown):
    mark = _mark()
    assert services.membership_remove(actor=admin, team=downtown, user=learner, role="member") == 1
    entry = _only_entry_since(mark)
    assert (entry.actor, entry.action, entry.target_label) == (
        admin,
        "membership.remove",
        "Leo Learner",
    )
    assert entry.changes == {"team": ["Downtown Store", None], "role": ["member", None]}
    assert services.membership_remove(actor=admin, team=downtown, user=learner, role="member") == 0
    assert len(_written_since(mark)) == 1


def test_user_create_records_making_a_training_admin_but_not_a_learner(admin):
    mark = _mark()
    services.user_create(actor=admin, email="lea@example.com", password=None, full_name="Lea")
    assert _written_since(mark) == []
    new_admin = services.user_create(
        actor=admin,
        email="tom@example.com",
        password=None,
        full_name="Tom Trainer",
        is_training_admin=True,
    )
    entry = _only_entry_since(mark)
    assert (entry.actor, entry.action) == (admin, "role.change")
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "person",
        str(new_admin.pk),
        "Tom Trainer",
    )
    assert entry.changes == {"training admin": [False, True]}


def test_invitation_create_records_the_inviter(manager, downtown):
    mark = _mark()
    invitation = services.invitation_create(actor=manager, email="Nia@Example.com", team=downtown)
    assert invitation.invited_by == manager
    entry = _only_entry_since(mark)
    assert (entry.actor, entry.action) == (manager, "invitation.create")
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "invitation",
        str(invitation.pk),
        "nia@example.com, for Downtown Store",
    )
    assert entry.changes == {"email": [None, "nia@example.com"], "team": [None, "Downtown Store"]}


def test_inviting_the_same_person_again_records_a_resend(manager, downtown):
    services.invitation_create(actor=manager, email="nia@example.com", team=downtown)
    mark = _mark()
    services.invitation_create(actor=manager, email="nia@example.com", team=downtown)
    assert _only_entry_since(mark).action == "invitation.resend"


def test_invitation_resend_records_the_new_expiry(manager, downtown):
    with time_machine.travel(datetime(2026, 3, 1, 9, tzinfo=UTC), tick=False):
        invitation = InvitationFactory(team=downtown)
        services.invitation_revoke(actor=manager, invitation=invitation)
    mark = _mark()
    with time_machine.travel(datetime(2026, 3, 20, 9, tzinfo=UTC), tick=False):
        services.invitation_resend(actor=manager, invitation=invitation)
    entry = _only_entry_since(mark)
    assert (entry.actor, entry.action) == (manager, "invitation.resend")
    assert entry.changes == {
        "status": ["revoked", "pending"],
        "link works until": ["2026-03-08", "2026-03-27"],
    }


def test_invitation_revoke_records_once(manager, downtown):
    invitation = InvitationFactory(team=downtown)
    mark = _mark()
    services.invitation_revoke(actor=manager, invitation=invitation)
    services.invitation_revoke(actor=manager, invitation=invitation)  # already revoked
    entry = _only_entry_since(mark)
    assert (entry.actor, entry.action) == (manager, "invitation.revoke")
    assert entry.changes == {"status": ["pending", "revoked"]}


def test_invitation_accept_names_the_new_hire_as_actor(downtown):
    invitation = InvitationFactory(team=downtown, email="nia@example.com")
    mark = _mark()
    user, created = services.invitation_accept(
        invitation=invitation, signed_in=None, password=STRONG_PASSWORD, full_name="Nia Hire"
    )
    # One entry: joining the team is part of accepting, not a separate membership.add.
    entry = _only_entry_since(mark)
    assert created
    assert (entry.actor, entry.actor_label, entry.action) == (user, "Nia Hire", "invitation.accept")
    assert (entry.target_type, entry.target_id) == ("invitation", str(invitation.pk))
    assert entry.changes == {"status": ["pending", "accepted"]}


def test_invitation_accept_by_an_existing_account_names_them(learner, harbour):
    invitation = InvitationFactory(team=harbour, email="leo@example.com")
    mark = _mark()
    services.invitation_accept(invitation=invitation, signed_in=learner, password=None)
    # Their joining is on their own record, as when an admin adds someone, and the
    # invitation's entry says the link was used.
    entries = AuditEntry.objects.filter(pk__gt=mark).order_by("pk")
    assert [(e.actor, e.action, e.target_type, e.target_id) for e in entries] == [
        (learner, "membership.add", "person", str(learner.pk)),
        (learner, "invitation.accept", "invitation", str(invitation.pk)),
    ]
    assert entries[0].changes == {"team": [None, "Harbour Store"], "role": [None, "member"]}


def test_seed_demo_records_set_up_as_system_work_once(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    entries = list(AuditEntry.objects.order_by("pk"))
    assert {e.actor for e in entries} == {None}
    assert {e.actor_label for e in entries} == {""}
    assert sorted(e.action for e in entries) == ["membership.add"] * 4 + [
        "role.change",
        "team.create",
        "team.create",
        "team.create",
    ]
    call_command("seed_demo", stdout=StringIO())  # nothing new happens, nothing is recorded
    assert AuditEntry.objects.count() == len(entries)


# --- one transaction: the change and its entry stand or fall together ---------------------------


def test_service_refusing_leaves_no_entry(admin, manager, learner, downtown):
    mark = _mark()
    with pytest.raises(ValidationError):
        services.team_create(actor=admin, name="downtown store", parent=downtown.parent)
    with pytest.raises(ValidationError):
        services.user_create(actor=admin, email="LEO@example.com", password=None)
    with pytest.raises(ValidationError):
        services.invitation_create(actor=manager, email="leo@example.com", team=downtown)
    accepted = InvitationFactory(team=downtown)
    services.invitation_accept(invitation=accepted, signed_in=None, password=STRONG_PASSWORD)
    mark = _mark()
    with pytest.raises(ValidationError):
        services.invitation_resend(actor=manager, invitation=accepted)
    assert _written_since(mark) == []


def test_weak_password_on_accept_undoes_the_claim_and_records_nothing(downtown):
    invitation = InvitationFactory(team=downtown, email="nia@example.com")
    mark = _mark()
    with pytest.raises(ValidationError):
        services.invitation_accept(
            invitation=invitation, signed_in=None, password="123", full_name="Nia"
        )
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert _written_since(mark) == []


def test_failure_after_the_entry_is_written_takes_the_entry_back(
    monkeypatch, manager, downtown, django_capture_on_commit_callbacks
):
    def refuse(invitation: Invitation) -> None:
        raise ValidationError("The mail queue said no.")

    monkeypatch.setattr(services, "_queue_invitation_email", refuse)
    mark = _mark()
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError):
        services.invitation_create(actor=manager, email="nia@example.com", team=downtown)
    assert _written_since(mark) == []
    assert not Invitation.objects.filter(email="nia@example.com").exists()
    assert callbacks == []


@pytest.fixture
def audit_fails(monkeypatch):
    """From here on every entry fails to save. List it after the fixtures that build data."""

    def broken(**kwargs: object) -> AuditEntry:
        raise RuntimeError("the activity log is unavailable")

    monkeypatch.setattr(services, "audit_record", broken)


def test_without_its_entry_a_team_is_not_created(admin, region, audit_fails):
    with pytest.raises(RuntimeError):
        services.team_create(actor=admin, name="Riverside Store", parent=region)
    assert not Team.objects.filter(name="Riverside Store").exists()


def test_without_its_entry_nobody_joins_or_leaves_a_team(
    admin, learner, outsider, downtown, audit_fails
):
    with pytest.raises(RuntimeError):
        services.membership_add(actor=admin, team=downtown, user=outsider, role="manager")
    with pytest.raises(RuntimeError):
        services.membership_remove(actor=admin, team=downtown, user=learner, role="member")
    assert not Membership.objects.filter(team=downtown, user=outsider).exists()
    assert Membership.objects.filter(team=downtown, user=learner, role="member").exists()


def test_without_its_entry_no_training_admin_is_made(admin, audit_fails):
    with pytest.raises(RuntimeError):
        services.user_create(
            actor=admin, email="tom@example.com", password=None, is_training_admin=True
        )
    assert not User.objects.filter(email="tom@example.com").exists()


def test_without_its_entry_no_invitation_changes(
    manager, downtown, django_capture_on_commit_callbacks, audit_fails
):
    invitation = InvitationFactory(team=downtown, email="sam@example.com")
    nonce = invitation.nonce
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError):
            services.invitation_create(actor=manager, email="nia@example.com", team=downtown)
        with pytest.raises(RuntimeError):
            services.invitation_resend(actor=manager, invitation=invitation)
        with pytest.raises(RuntimeError):
            services.invitation_revoke(actor=manager, invitation=invitation)
        with pytest.raises(RuntimeError):
            services.invitation_accept(
                invitation=invitation, signed_in=None, password=STRONG_PASSWORD
            )
    assert callbacks == []  # no email queued
    assert not Invitation.objects.filter(email="nia@example.com").exists()
    invitation.refresh_from_db()
    assert invitation.nonce == nonce
    assert (invitation.revoked_at, invitation.accepted_at) == (None, None)
    assert not User.objects.filter(email="sam@example.com").exists()


@pytest.mark.django_db(transaction=True)
def test_without_its_entry_a_team_is_not_created_even_when_committing(monkeypatch):
    # No enclosing test transaction here: the service's block is a real transaction, not a
    # savepoint, and it must roll back all the same.
    monkeypatch.setattr(services, "audit_record", lambda **kwargs: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        services.team_create(actor=None, name="Riverside Store")
    assert Team.objects.count() == 0


# --- views write through the services with the signed-in person as actor ----------------------


def test_pages_record_the_signed_in_person(client, admin, outsider, downtown):
    client.force_login(admin)
    mark = _mark()
    client.post(reverse("team_create"), {"name": "Airport Store", "parent": downtown.parent.pk})
    team_detail = reverse("team_detail", args=[downtown.pk])
    client.post(team_detail, {"email": "olga@example.com", "role": "manager"})
    client.post(reverse("membership_remove", args=[downtown.pk, outsider.pk, "manager"]))
    client.post(reverse("invite"), {"email": "nia@example.com", "team": downtown.pk})
    invitation = Invitation.objects.get(email="nia@example.com")
    client.post(reverse("invitation_resend", args=[invitation.pk]))
    client.post(reverse("invitation_revoke", args=[invitation.pk]))
    entries = _written_since(mark)
    assert [(e.actor, e.action) for e in entries] == [
        (admin, "team.create"),
        (admin, "membership.add"),
        (admin, "membership.remove"),
        (admin, "invitation.create"),
        (admin, "invitation.resend"),
        (admin, "invitation.revoke"),
    ]


def test_team_made_in_the_django_admin_names_the_operator(client, db):
    operator = UserFactory(full_name="Otto Operator", is_staff=True, is_superuser=True)
    client.force_login(operator)
    response = client.post(
        reverse("admin:learners_team_add"),
        {
            "name": "Depot",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="team.create", target_label="Depot")
    assert entry.actor == operator


def test_django_admin_shows_entries_read_only(client, admin):
    entry = AuditEntryFactory(actor=admin)
    operator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)
    assert client.get(reverse("admin:learners_auditentry_changelist")).status_code == 200
    change_page = client.get(reverse("admin:learners_auditentry_change", args=[entry.pk]))
    assert change_page.status_code == 200
    assert 'name="_save"' not in change_page.content.decode()
    assert client.get(reverse("admin:learners_auditentry_add")).status_code == 403
    delete_url = reverse("admin:learners_auditentry_delete", args=[entry.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


# --- who may read the log ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("learner", False), ("manager", False), ("other_manager", False), ("admin", True)],
)
def test_only_training_admins_read_the_log(
    client, request, persona, allowed, learner, manager, other_manager, admin
):
    user = request.getfixturevalue(persona)
    assert permissions.can_read_audit_log(user) is allowed
    assert permissions.audit_entries_visible_to(user).exists() is allowed  # fixtures made teams
    client.force_login(user)
    response = client.get(reverse("audit_log"))
    assert response.status_code == (200 if allowed else 404)
    assert (reverse("audit_log") in client.get(reverse("dashboard")).content.decode()) is allowed


def test_visitors_are_sent_to_sign_in(client, db):
    response = client.get(reverse("audit_log"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_inactive_admin_reads_nothing(admin):
    admin.is_active = False
    assert not permissions.can_read_audit_log(admin)
    assert not permissions.audit_entries_visible_to(admin).exists()


# --- the page ---------------------------------------------------------------------------------


@pytest.fixture
def history(admin, manager, learner):
    """Three days of changes: Ada creates a team, Maya invites Nia, then removes Leo."""
    with time_machine.travel(datetime(2026, 3, 1, 9, tzinfo=UTC), tick=False):
        AuditEntryFactory(actor=admin, target_label="Riverside Store")
    with time_machine.travel(datetime(2026, 3, 10, 23, 30, tzinfo=UTC), tick=False):
        AuditEntryFactory(
            actor=manager,
            action="invitation.create",
            target_type="invitation",
            target_label="nia@example.com, for Downtown Store",
            changes={"email": (None, "nia@example.com"), "team": (None, "Downtown Store")},
        )
    with time_machine.travel(datetime(2026, 3, 15, 8, tzinfo=UTC), tick=False):
        AuditEntryFactory(
            actor=manager,
            action="membership.remove",
            target_type="person",
            target_label="Leo Learner",
            changes={"team": ("Downtown Store", None), "role": ("member", None)},
        )
    # The personas' teams were made by fixtures (actor None) today; keep only this story.
    AuditEntry.objects.filter(actor=None).delete()


def _labels(response) -> list[str]:
    return [entry.target_label for entry in response.context["page"].object_list]


def test_admin_reads_who_did_what_newest_first(client, admin, history):
    client.force_login(admin)
    response = client.get(reverse("audit_log"))
    html = response.content.decode()
    assert response.status_code == 200
    assert _labels(response) == [
        "Leo Learner",
        "nia@example.com, for Downtown Store",
        "Riverside Store",
    ]
    for text in [
        "Maya Manager",
        "Removed from a team",
        "Leo Learner",
        "Downtown Store → —",
        "Invited someone",
        "— → nia@example.com",
        "Created a team",
        "15 Mar 2026, 08:00",
        'class="table-wrap" role="region"',
    ]:
        assert text in html, text


def test_system_work_reads_as_system(client, admin, region):
    client.force_login(admin)
    html = client.get(reverse("audit_log")).content.decode()
    assert "North Region" in html
    assert "System" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"action": "invitation.create"}, ["nia@example.com, for Downtown Store"]),
        ({"person": "ada"}, ["Riverside Store"]),
        ({"person": "MAYA@example"}, ["Leo Learner", "nia@example.com, for Downtown Store"]),
        ({"since": "2026-03-10", "until": "2026-03-10"}, ["nia@example.com, for Downtown Store"]),
        ({"since": "2026-03-11"}, ["Leo Learner"]),
        ({"until": "2026-03-01"}, ["Riverside Store"]),
        ({"person": "maya", "since": "2026-03-11", "action": "membership.remove"}, ["Leo Learner"]),
        ({"action": "course.publish"}, []),  # known, just nothing yet
        (
            {"page": "nonsense"},
            ["Leo Learner", "nia@example.com, for Downtown Store", "Riverside Store"],
        ),
    ],
)
def test_admin_filters_the_log(client, admin, history, query, expected):
    client.force_login(admin)
    response = client.get(reverse("audit_log"), query)
    assert response.status_code == 200
    assert _labels(response) == expected
    if not expected:
        assert "Nothing matches these filters." in response.content.decode()


def test_action_filter_offers_the_actions_present_in_words(client, admin, history):
    client.force_login(admin)
    response = client.get(reverse("audit_log"))
    assert response.context["form"].fields["action"].choices == [
        ("", "Anything"),
        ("team.create", "Created a team"),
        ("invitation.create", "Invited someone"),
        ("membership.remove", "Removed from a team"),
    ]


@pytest.mark.parametrize(
    ("query", "field", "message", "kept"),
    [
        (
            {"action": "everything.delete"},
            "action",
            "We don&#x27;t know that kind of change. Pick one.",
            None,
        ),
        (
            {"since": "31/02/2026"},
            "since",
            "read that date. Pick a day from the calendar.",
            'value="31/02/2026"',
        ),
        (
            {"until": "soon"},
            "until",
            "read that date. Pick a day from the calendar.",
            'value="soon"',
        ),
        (
            {"since": "2026-03-10", "until": "2026-03-01", "person": "maya"},
            "until",
            "This is before the “From” date.",
            'value="maya"',
        ),
        ({"person": "x" * 101}, "person", "at most 100 characters", 'value="xxxx'),
    ],
)
def test_filters_that_make_no_sense_get_a_400_with_the_reason(
    client, admin, history, query, field, message, kept
):
    client.force_login(admin)
    response = client.get(reverse("audit_log"), query)
    html = response.content.decode()
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert message in html
    assert f'id="id_{field}_error"' in html  # next to its field, tied by aria-describedby
    assert 'aria-invalid="true"' in html
    if kept:
        assert kept in html
    assert "Some filters need a fix" in html


def test_pages_of_fifty_keep_the_filters(client, admin):
    AuditEntry.objects.all().delete()
    for _ in range(60):
        AuditEntryFactory(actor=admin)
    client.force_login(admin)
    first = client.get(reverse("audit_log"), {"person": "ada"})
    assert len(first.context["page"].object_list) == 50
    html = first.content.decode()
    assert "Page 1 of 2" in html
    assert "?person=ada&amp;page=2" in html
    second = client.get(reverse("audit_log"), {"person": "ada", "page": 2})
    assert len(second.context["page"].object_list) == 10


def test_empty_log_says_what_will_appear(client, admin):
    AuditEntry.objects.all().delete()
    client.force_login(admin)
    html = client.get(reverse("audit_log")).content.decode()
    assert "Nothing here yet." in html


@pytest.mark.parametrize("size", [3, 60])
def test_audit_log_query_count_is_fixed(client, admin, django_assert_num_queries, size):
    people = [UserFactory() for _ in range(3)]
    for n in range(size):
        AuditEntryFactory(actor=people[n % 3], action=["team.create", "membership.add"][n % 2])
    client.force_login(admin)
    # session, user, the actions present, the count, one page of entries
    with django_assert_num_queries(5):
        assert client.get(reverse("audit_log")).status_code == 200
    filters = {"person": "example", "since": "2020-01-01", "action": "membership.add"}
    with django_assert_num_queries(5):
        assert client.get(reverse("audit_log"), filters).status_code == 200
    with django_assert_num_queries(3):  # a bad filter stops before reading entries
        assert client.get(reverse("audit_log"), {"since": "never"}).status_code == 400


def test_date_filter_uses_whole_days_in_the_site_time_zone(client, admin, settings):
    settings.TIME_ZONE = "America/New_York"
    AuditEntry.objects.all().delete()
    # 02:00 UTC on 11 March is still 10 March in New York.
    with time_machine.travel(datetime(2026, 3, 11, 2, tzinfo=UTC), tick=False):
        AuditEntryFactory(actor=admin, target_label="Late shift")
    client.force_login(admin)
    on_tenth = client.get(reverse("audit_log"), {"since": "2026-03-10", "until": "2026-03-10"})
    assert _labels(on_tenth) == ["Late shift"]
    on_eleventh = client.get(reverse("audit_log"), {"since": "2026-03-11"})
    assert _labels(on_eleventh) == []
