"""Who may see and change people, teams and invitations.

Each rule is a pair: `can_<verb>_<thing>(user, obj)` for one object and `<things>_visible_to(user)`
for lists. Objects a user may not see are reported as missing (404), never as forbidden, so
their existence does not leak.
"""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from .models import AuditEntry, AuditEntryQuerySet, Invitation, Membership, Team, User

AnyUser: TypeAlias = User | AnonymousUser


def is_training_admin(user: AnyUser) -> bool:
    """True for active training admins and for operators (superusers). No query."""
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_training_admin or user.is_superuser)


def teams_managed_by(user: AnyUser) -> QuerySet[Team]:
    """Teams the user manages directly, plus every team nested under them.

    Two queries when evaluated (the managed teams' paths, then the subtree); empty for
    anonymous or inactive users.
    """
    if not user.is_authenticated or not user.is_active:
        return Team.objects.none()
    managed = list(
        Team.objects.filter(memberships__user=user, memberships__role=Membership.Role.MANAGER).only(
            "path"
        )
    )
    return Team.objects.subtree_of(managed)


def is_manager(user: AnyUser) -> bool:
    """True when the user manages at least one team. One query."""
    if not user.is_authenticated or not user.is_active:
        return False
    return Membership.objects.filter(user=user, role=Membership.Role.MANAGER).exists()


def teams_visible_to(user: AnyUser) -> QuerySet[Team]:
    """Admins see every team; others see the teams they belong to and the ones they manage."""
    if not user.is_authenticated or not user.is_active:
        return Team.objects.none()
    if is_training_admin(user):
        return Team.objects.all()
    managed_ids = teams_managed_by(user).values("pk")
    # Subqueries, not a join: a join on memberships would leak into callers' Count() annotations.
    member_of = Membership.objects.filter(user=user).values("team")
    return Team.objects.filter(Q(pk__in=managed_ids) | Q(pk__in=member_of))


def people_visible_to(user: AnyUser) -> QuerySet[User]:
    """Admins see everyone; managers see themselves and the people in teams they manage
    (including nested teams); learners see only themselves."""
    if not user.is_authenticated or not user.is_active:
        return User.objects.none()
    if is_training_admin(user):
        return User.objects.all()
    managed_ids = teams_managed_by(user).values("pk")
    return User.objects.filter(Q(pk=user.pk) | Q(memberships__team__in=managed_ids)).distinct()


def invitations_visible_to(user: AnyUser) -> QuerySet[Invitation]:
    """Admins see every invitation; managers those into teams they manage; learners none."""
    if not user.is_authenticated or not user.is_active:
        return Invitation.objects.none()
    if is_training_admin(user):
        return Invitation.objects.all()
    return Invitation.objects.filter(team__in=teams_managed_by(user).values("pk"))


def can_view_person(user: AnyUser, person: User) -> bool:
    """True when `person` is in `people_visible_to(user)`. One query unless it is the user."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.pk == person.pk:
        return True
    return people_visible_to(user).filter(pk=person.pk).exists()


def can_manage_team(user: AnyUser, team: Team) -> bool:
    """Admins manage every team; managers the teams they manage and the ones nested below."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_training_admin(user):
        return True
    return teams_managed_by(user).filter(pk=team.pk).exists()


def can_invite_to_team(user: AnyUser, team: Team) -> bool:
    """Whoever manages a team may invite new hires into it."""
    return can_manage_team(user, team)


def can_manage_invitation(user: AnyUser, invitation: Invitation) -> bool:
    """Re-send and revoke follow the invitation's team."""
    return can_manage_team(user, invitation.team)


def can_create_team(user: AnyUser) -> bool:
    """Only training admins shape the organisation chart."""
    return is_training_admin(user)


def can_change_team_roles(user: AnyUser) -> bool:
    """Only training admins make someone a manager or move people between teams."""
    return is_training_admin(user)


def can_author_content(user: AnyUser) -> bool:
    """Only training admins write and publish training."""
    return is_training_admin(user)


def require_author(user: AnyUser) -> None:
    """Raises Http404 unless `user` may author content (`can_author_content`). No query.

    Every authoring page and every authored-object fetch (courses, paths, question banks,
    questions, quizzes, practice conversations) starts here, so the rule is decided once and
    what an outsider may not see looks exactly like what does not exist.
    """
    if not can_author_content(user):
        raise Http404


def can_read_audit_log(user: AnyUser) -> bool:
    """Only training admins read the activity log: it names people across every team. No
    query."""
    return is_training_admin(user)


def audit_entries_visible_to(user: AnyUser) -> AuditEntryQuerySet:
    """Every entry for those who may read the activity log; none for anyone else. Lazy."""
    if not can_read_audit_log(user):
        return AuditEntry.objects.none()
    return AuditEntry.objects.all()


def get_person_for(user: AnyUser, pk: int) -> User:
    """The person with `pk` if the user may see them; raises Http404 otherwise."""
    try:
        return people_visible_to(user).get(pk=pk)
    except User.DoesNotExist as exc:
        raise Http404 from exc


def get_team_for(user: AnyUser, pk: int) -> Team:
    """The team with `pk` if the user may see it; raises Http404 otherwise."""
    try:
        return teams_visible_to(user).get(pk=pk)
    except Team.DoesNotExist as exc:
        raise Http404 from exc


def get_invitation_for(user: AnyUser, pk: int) -> Invitation:
    """The invitation with `pk` if the user may manage it; raises Http404 otherwise."""
    try:
        return invitations_visible_to(user).select_related("team").get(pk=pk)
    except Invitation.DoesNotExist as exc:
        raise Http404 from exc
