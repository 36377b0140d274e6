"""Each permission rule, for each persona: the same question, different answers."""

import pytest
from django.http import Http404

from learners import permissions
from learners.models import Membership
from tests.factories import InvitationFactory, MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def emails(qs):
    return sorted(u.email for u in qs)


def test_learner_sees_only_themselves(learner, other_learner, manager, outsider):
    assert emails(permissions.people_visible_to(learner)) == ["leo@example.com"]


def test_manager_sees_their_team_and_themselves(learner, other_learner, manager, outsider):
    assert emails(permissions.people_visible_to(manager)) == [
        "leo@example.com",
        "lina@example.com",
        "maya@example.com",
    ]


def test_manager_of_region_sees_people_in_nested_teams(region, learner, outsider, manager):
    regional = UserFactory(email="rita@example.com")
    MembershipFactory(team=region, user=regional, role=Membership.Role.MANAGER)
    visible = emails(permissions.people_visible_to(regional))
    assert "leo@example.com" in visible
    assert "olga@example.com" in visible
    assert "maya@example.com" in visible  # a manager of a store is in the region's subtree


def test_manager_does_not_see_sibling_team(manager, outsider):
    assert "olga@example.com" not in emails(permissions.people_visible_to(manager))


def test_team_named_like_a_prefix_is_not_in_subtree(db):
    # Paths "/1/" and "/10/" share a text prefix; the trailing slash keeps them apart.
    teams = [TeamFactory(name=f"Team {i}") for i in range(11)]
    boss = UserFactory()
    MembershipFactory(team=teams[0], user=boss, role=Membership.Role.MANAGER)
    assert list(permissions.teams_managed_by(boss)) == [teams[0]]


def test_admin_sees_everyone(admin, learner, outsider, manager):
    assert len(emails(permissions.people_visible_to(admin))) == 4


def test_inactive_user_sees_nothing(learner, other_learner):
    learner.is_active = False
    learner.save()
    assert list(permissions.people_visible_to(learner)) == []
    assert list(permissions.teams_visible_to(learner)) == []


def test_anonymous_sees_nothing(db, learner):
    from django.contrib.auth.models import AnonymousUser

    anon = AnonymousUser()
    assert list(permissions.people_visible_to(anon)) == []
    assert permissions.can_view_person(anon, learner) is False
    assert permissions.is_training_admin(anon) is False


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("learner", True),
        ("other_learner", False),
        ("manager", True),
        ("other_manager", False),
        ("admin", True),
    ],
)
def test_can_view_person(
    request, persona, allowed, learner, other_learner, manager, other_manager, admin
):
    user = request.getfixturevalue(persona)
    assert permissions.can_view_person(user, learner) is allowed


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("learner", False), ("manager", True), ("other_manager", False), ("admin", True)],
)
def test_can_manage_team(
    request, persona, allowed, downtown, learner, manager, other_manager, admin
):
    user = request.getfixturevalue(persona)
    assert permissions.can_manage_team(user, downtown) is allowed
    assert permissions.can_invite_to_team(user, downtown) is allowed


def test_regional_manager_can_manage_nested_store(region, downtown):
    regional = UserFactory()
    MembershipFactory(team=region, user=regional, role=Membership.Role.MANAGER)
    assert permissions.can_manage_team(regional, downtown) is True
    assert permissions.can_manage_team(regional, region) is True


def test_store_manager_cannot_manage_parent_region(region, manager):
    assert permissions.can_manage_team(manager, region) is False


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("learner", False), ("manager", False), ("admin", True)],
)
def test_only_admins_create_teams_change_roles_and_author(
    request, persona, allowed, learner, manager, admin
):
    user = request.getfixturevalue(persona)
    assert permissions.can_create_team(user) is allowed
    assert permissions.can_change_team_roles(user) is allowed
    assert permissions.can_author_content(user) is allowed


def test_superuser_counts_as_admin(db):
    operator = UserFactory(is_superuser=True, is_staff=True)
    assert permissions.is_training_admin(operator) is True


def test_is_manager(learner, manager, admin):
    assert permissions.is_manager(manager) is True
    assert permissions.is_manager(learner) is False
    assert permissions.is_manager(admin) is False


def test_teams_visible_to_learner_are_their_own(learner, downtown, harbour):
    assert list(permissions.teams_visible_to(learner)) == [downtown]


def test_teams_visible_to_manager_include_managed_subtree_once(manager, downtown, learner):
    # Maya is both a manager of Downtown and (below) a member; the team appears once.
    MembershipFactory(team=downtown, user=manager, role=Membership.Role.MEMBER)
    assert list(permissions.teams_visible_to(manager)) == [downtown]


def test_invitations_visible_to(manager, other_manager, learner, admin, downtown, harbour):
    mine = InvitationFactory(team=downtown)
    theirs = InvitationFactory(team=harbour)
    assert list(permissions.invitations_visible_to(manager)) == [mine]
    assert list(permissions.invitations_visible_to(other_manager)) == [theirs]
    assert list(permissions.invitations_visible_to(learner)) == []
    assert set(permissions.invitations_visible_to(admin)) == {mine, theirs}
    assert permissions.can_manage_invitation(manager, mine) is True
    assert permissions.can_manage_invitation(manager, theirs) is False


def test_get_person_for_raises_404_for_hidden_person(manager, outsider, learner):
    assert permissions.get_person_for(manager, learner.pk) == learner
    with pytest.raises(Http404):
        permissions.get_person_for(manager, outsider.pk)


def test_get_team_for_raises_404_for_hidden_team(learner, downtown, harbour):
    assert permissions.get_team_for(learner, downtown.pk) == downtown
    with pytest.raises(Http404):
        permissions.get_team_for(learner, harbour.pk)


def test_get_invitation_for_raises_404_outside_managed_teams(manager, harbour):
    invitation = InvitationFactory(team=harbour)
    with pytest.raises(Http404):
        permissions.get_invitation_for(manager, invitation.pk)
