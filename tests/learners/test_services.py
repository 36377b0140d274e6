import re
import threading
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from learners import services
from learners.models import AuditEntry, Invitation, Membership, Team, User
from tests.conftest import require_postgres
from tests.factories import InvitationFactory, MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- people -----------------------------------------------------------------------------------


def test_user_create_lowercases_email_and_records_verified_address():
    user = services.user_create(
        actor=None, email="Sam.New@Example.COM", password="Sunny-Counter-2026!"
    )
    user.refresh_from_db()
    assert user.email == "sam.new@example.com"
    assert user.check_password("Sunny-Counter-2026!")
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.primary, address.verified) == ("sam.new@example.com", True, True)


def test_user_create_rejects_same_email_in_other_case(learner):
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=None, email="LEO@example.com", password="x")
    assert "email" in exc.value.message_dict
    assert User.objects.filter(email__iexact="leo@example.com").count() == 1


# --- teams ------------------------------------------------------------------------------------


def test_team_create_sets_materialised_paths():
    region = services.team_create(actor=None, name="North Region")
    store = services.team_create(actor=None, name="Downtown Store", parent=region)
    assert region.path == f"/{region.pk}/"
    assert store.path == f"/{region.pk}/{store.pk}/"
    assert (region.depth, store.depth) == (0, 1)
    assert list(Team.objects.subtree_of([region])) == [region, store]


def test_team_create_rejects_duplicate_sibling_name_but_allows_cousins():
    region = services.team_create(actor=None, name="North")
    other = services.team_create(actor=None, name="South")
    services.team_create(actor=None, name="Main Street", parent=region)
    with pytest.raises(ValidationError) as exc:
        services.team_create(actor=None, name="main street ", parent=region)
    assert "name" in exc.value.message_dict
    # A different region may reuse the name.
    services.team_create(actor=None, name="Main Street", parent=other)
    assert Team.objects.filter(name="Main Street").count() == 2


def test_team_create_requires_a_name():
    with pytest.raises(ValidationError):
        services.team_create(actor=None, name="   ")
    assert Team.objects.count() == 0


def test_membership_add_is_idempotent_and_remove_reports_count(downtown):
    person = UserFactory()
    first = services.membership_add(actor=None, team=downtown, user=person)
    again = services.membership_add(actor=None, team=downtown, user=person)
    assert first.pk == again.pk
    assert services.membership_remove(actor=None, team=downtown, user=person, role="member") == 1
    assert services.membership_remove(actor=None, team=downtown, user=person, role="member") == 0


# --- invitations ------------------------------------------------------------------------------


def test_invitation_create_emails_a_link_after_commit(
    downtown, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invitation = services.invitation_create(
            actor=manager, email="New.Hire@Example.com", team=downtown, full_name="Nia Hire"
        )
        assert mail.outbox == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    invitation.refresh_from_db()
    assert invitation.email == "new.hire@example.com"
    assert invitation.sent_at is not None
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    (message,) = mail.outbox
    assert message.to == ["new.hire@example.com"]
    # The link in the email opens this invitation (its token carries the time it was signed,
    # so it is compared by what it opens, not character by character).
    (token,) = re.findall(r"/invite/([^/\s]+)/", message.body)
    assert services.invitation_from_token(token) == invitation
    assert "Downtown Store" in message.body
    assert "Maya Manager" in message.body


def test_invitation_create_twice_resends_instead_of_duplicating(downtown, manager):
    first = services.invitation_create(actor=manager, email="sam@example.com", team=downtown)
    old_token = services.invitation_token(first)
    second = services.invitation_create(actor=manager, email="SAM@example.com", team=downtown)
    assert first.pk == second.pk
    assert Invitation.objects.count() == 1
    with pytest.raises(services.InvitationUnavailable) as exc:
        services.invitation_from_token(old_token)
    assert exc.value.reason == "invalid"


def test_invitation_create_rejects_existing_member(downtown, manager, learner):
    with pytest.raises(ValidationError) as exc:
        services.invitation_create(actor=manager, email="leo@example.com", team=downtown)
    assert "email" in exc.value.message_dict
    assert Invitation.objects.count() == 0


def test_token_round_trip_and_tampering(downtown, manager):
    invitation = InvitationFactory(team=downtown)
    token = services.invitation_token(invitation)
    assert services.invitation_from_token(token) == invitation
    for bad in [token[:-2] + "xx", "nonsense", "", token + "a"]:
        with pytest.raises(services.InvitationUnavailable) as exc:
            services.invitation_from_token(bad)
        assert exc.value.reason == "invalid"


def test_link_expires_after_seven_days(downtown):
    invitation = InvitationFactory(team=downtown)
    token = services.invitation_token(invitation)
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        assert services.invitation_from_token(token) == invitation
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        with pytest.raises(services.InvitationUnavailable) as exc:
            services.invitation_from_token(token)
        assert exc.value.reason == "expired"


def test_resend_restarts_the_clock_and_revives_revoked(downtown):
    invitation = InvitationFactory(team=downtown)
    services.invitation_revoke(actor=None, invitation=invitation)
    assert invitation.status() == "revoked"
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        services.invitation_resend(actor=None, invitation=invitation)
        invitation.refresh_from_db()
        assert invitation.status() == "pending"
        assert invitation.expires_at > timezone.now() + timedelta(days=6)


def test_accept_creates_person_in_team_and_uses_the_link(downtown):
    invitation = InvitationFactory(team=downtown, email="nia@example.com")
    user, created = services.invitation_accept(
        invitation=invitation, signed_in=None, password="Sunny-Counter-2026!", full_name="Nia Hire"
    )
    invitation.refresh_from_db()
    assert created is True
    assert user.full_name == "Nia Hire"
    assert user.check_password("Sunny-Counter-2026!")
    assert EmailAddress.objects.get(user=user).verified is True
    assert Membership.objects.filter(user=user, team=downtown, role="member").exists()
    assert invitation.accepted_by == user
    with pytest.raises(services.InvitationUnavailable) as exc:
        services.invitation_from_token(services.invitation_token(invitation))
    assert exc.value.reason == "accepted"


def test_accept_with_weak_password_changes_nothing(downtown):
    invitation = InvitationFactory(team=downtown, email="nia@example.com")
    with pytest.raises(ValidationError):
        services.invitation_accept(
            invitation=invitation, signed_in=None, password="123", full_name="Nia"
        )
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not User.objects.filter(email="nia@example.com").exists()


def test_accept_for_existing_account_adds_membership_without_password(harbour, learner):
    invitation = InvitationFactory(team=harbour, email="leo@example.com")
    user, created = services.invitation_accept(
        invitation=invitation, signed_in=learner, password=None
    )
    assert (user, created) == (learner, False)
    assert set(learner.memberships.values_list("team__name", flat=True)) == {
        "Downtown Store",
        "Harbour Store",
    }


@pytest.mark.parametrize("who", ["nobody", "outsider"])
def test_accept_for_existing_account_needs_that_account_signed_in(
    request, harbour, learner, outsider, who
):
    invitation = InvitationFactory(team=harbour, email="LEO@example.com")
    signed_in = None if who == "nobody" else request.getfixturevalue(who)
    entries = AuditEntry.objects.count()

    with pytest.raises(services.InvitationForAnotherAccount) as exc:
        services.invitation_accept(
            invitation=invitation, signed_in=signed_in, password="Sunny-Counter-2026!"
        )

    assert exc.value.account == learner
    invitation.refresh_from_db()
    assert (invitation.accepted_at, invitation.accepted_by) == (None, None)
    assert not learner.memberships.filter(team=harbour).exists()
    assert not learner.check_password("Sunny-Counter-2026!")
    assert AuditEntry.objects.count() == entries


def test_accept_after_revoke_is_refused(downtown):
    invitation = InvitationFactory(team=downtown)
    stale = Invitation.objects.get(pk=invitation.pk)
    services.invitation_revoke(actor=None, invitation=invitation)
    with pytest.raises(services.InvitationUnavailable) as exc:
        services.invitation_accept(invitation=stale, signed_in=None, password="Sunny-Counter-2026!")
    assert exc.value.reason == "revoked"
    assert not User.objects.filter(email=invitation.email).exists()


def test_resend_of_accepted_invitation_is_refused(downtown):
    invitation = InvitationFactory(team=downtown)
    services.invitation_accept(
        invitation=invitation, signed_in=None, password="Sunny-Counter-2026!"
    )
    with pytest.raises(ValidationError):
        services.invitation_resend(actor=None, invitation=invitation)


@pytest.mark.django_db(transaction=True)
def test_parallel_accepts_use_the_link_exactly_once():
    require_postgres()
    team = TeamFactory()
    invitation = InvitationFactory(team=team, email="race@example.com")
    results: list[str] = []
    barrier = threading.Barrier(8)

    def attempt() -> None:
        barrier.wait()
        try:
            services.invitation_accept(
                invitation=Invitation.objects.get(pk=invitation.pk),
                signed_in=None,
                password="Sunny-Counter-2026!",
            )
            results.append("ok")
        except services.InvitationUnavailable as exc:
            results.append(exc.reason)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["accepted"] * 7 + ["ok"]
    assert User.objects.filter(email="race@example.com").count() == 1
    assert MembershipFactory._meta.model.objects.filter(team=team).count() == 1


def test_a_link_that_created_an_account_is_already_used_for_everyone_else():
    """The race the parallel test can hit: a second request arrives after the first one
    created the account, so the address now belongs to an account."""
    invitation = InvitationFactory(team=TeamFactory(), email="second@example.com")
    services.invitation_accept(
        invitation=Invitation.objects.get(pk=invitation.pk),
        signed_in=None,
        password="Sunny-Counter-2026!",
    )
    with pytest.raises(services.InvitationUnavailable) as caught:
        services.invitation_accept(
            invitation=Invitation.objects.get(pk=invitation.pk),
            signed_in=None,
            password="Sunny-Counter-2026!",
        )
    assert caught.value.reason == "accepted"
