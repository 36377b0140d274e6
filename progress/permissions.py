"""Who may see which certificates, assignments and team rules, and who may assign training to
whom."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from learners.models import Membership, Team, User
from learners.permissions import (
    AnyUser,
    is_manager,
    is_training_admin,
    people_visible_to,
    teams_managed_by,
)

from .models import (
    Assignment,
    AssignmentQuerySet,
    AssignmentRule,
    AssignmentRuleQuerySet,
    Certificate,
)


def certificates_visible_to(user: AnyUser) -> QuerySet[Certificate]:
    """Admins see every certificate; managers their own and those of the people in the teams they
    manage (nested teams too); learners only their own. Empty for anonymous or inactive users.

    For a non-admin, one query now (the managed teams, via people_visible_to) and one when
    evaluated; for an admin, only the one when evaluated.
    """
    if not user.is_authenticated or not user.is_active:
        return Certificate.objects.none()
    if is_training_admin(user):
        return Certificate.objects.all()
    return Certificate.objects.filter(user__in=people_visible_to(user).values("pk"))


def get_certificate_for(user: AnyUser, code: str) -> Certificate:
    """The certificate with exactly this `code` (as issued: upper case, no separators) if the
    user may see it; raises Http404 otherwise, so someone else's certificate looks the same as a
    code that doesn't exist. Queries as for certificates_visible_to."""
    try:
        return certificates_visible_to(user).get(code=code)
    except Certificate.DoesNotExist as exc:
        raise Http404 from exc


# --- Assignments ------------------------------------------------------------------------------


def can_assign(user: AnyUser) -> bool:
    """Managers and training admins assign training. One query for people who aren't admins."""
    return is_training_admin(user) or is_manager(user)


def assignable_people(user: AnyUser) -> QuerySet[User]:
    """Who `user` may assign training to: everyone active for admins; for a manager, the active
    people in the teams they manage (nested teams included); nobody for anyone else."""
    if not can_assign(user):
        return User.objects.none()
    return people_visible_to(user).filter(is_active=True)


def assignable_teams(user: AnyUser) -> QuerySet[Team]:
    """Teams whose members `user` may assign training to as a whole: every team for admins,
    the teams a manager manages and those nested under them."""
    if is_training_admin(user):
        return Team.objects.all()
    return teams_managed_by(user)


def team_members_for_assignment(team: Team) -> QuerySet[User]:
    """The active members of `team` and of every team nested under it (not its managers).
    One query when evaluated."""
    subtree = Team.objects.subtree_of([team]).values("pk")
    return User.objects.filter(
        is_active=True,
        memberships__team__in=subtree,
        memberships__role=Membership.Role.MEMBER,
    ).distinct()


def assignments_visible_to(user: AnyUser) -> AssignmentQuerySet:
    """Admins see every assignment; managers those of the people in their teams and their own;
    learners their own. Empty for visitors."""
    if not user.is_authenticated or not user.is_active:
        return Assignment.objects.none()
    if is_training_admin(user):
        return Assignment.objects.all()
    return Assignment.objects.filter(user__in=people_visible_to(user).values("pk"))


def can_change_assignment(user: AnyUser, assignment: Assignment) -> bool:
    """Whoever may assign training to the person may change its due date or remove it; the
    person themselves may not. One or two queries."""
    if not user.is_authenticated:
        return False
    if user.pk == assignment.user_id and not is_training_admin(user):
        return False
    return assignable_people(user).filter(pk=assignment.user_id).exists()


def get_assignment_for(user: AnyUser, pk: int) -> Assignment:
    """Assignment `pk`, with its person and course joined, if `user` may change it; Http404
    otherwise, the same as for one that doesn't exist."""
    assignment = (
        assignments_visible_to(user)
        .select_related("user", "course__published_version", "path")
        .filter(pk=pk)
        .first()
    )
    if assignment is None or not can_change_assignment(user, assignment):
        raise Http404
    return assignment


def get_person_progress_for(user: AnyUser, pk: int) -> User:
    """Person `pk`, if `user` may see their training in detail: managers for the people in
    the teams they manage, admins for everyone. Http404 otherwise, and for yourself (your own
    training is on your dashboard). One or two queries."""
    if not user.is_authenticated or user.pk == pk:
        raise Http404
    person = assignable_people(user).filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


# --- Team rules -------------------------------------------------------------------------------


def rules_visible_to(user: AnyUser) -> AssignmentRuleQuerySet:
    """Rules of the teams `user` may assign training to as a whole (`assignable_teams`),
    removed ones included: every rule for admins, a manager's teams' and their nested teams'
    for managers, none for anyone else. For anyone but an admin, one query now (the teams they
    manage) and one when evaluated."""
    if is_training_admin(user):
        return AssignmentRule.objects.all()
    return AssignmentRule.objects.filter(team__in=assignable_teams(user).values("pk"))


def can_add_rule(user: AnyUser, team: Team) -> bool:
    """Whoever may assign training to the whole of `team` may give it a rule: admins for every
    team, managers for the teams they manage and those nested under them. No query for admins;
    two for managers."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_training_admin(user):
        return True
    return assignable_teams(user).filter(pk=team.pk).exists()


def can_change_rule(user: AnyUser, rule: AssignmentRule) -> bool:
    """Removing a rule follows its team, as adding one does. Queries as for can_add_rule, with
    no more when the rule's team is loaded."""
    return can_add_rule(user, rule.team)


def get_rule_for(user: AnyUser, pk: int) -> AssignmentRule:
    """Rule `pk`, with its team and training joined, if `user` may change it (removed rules
    included, so removing twice is harmless); Http404 otherwise, the same as for one that
    doesn't exist. Two queries for a manager, one for an admin."""
    rule = (
        rules_visible_to(user)
        .select_related("team", "course__published_version", "path")
        .filter(pk=pk)
        .first()
    )
    if rule is None:
        raise Http404
    return rule
