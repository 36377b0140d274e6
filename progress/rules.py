"""Team rules: training given automatically to everyone in a team, now and whenever they join.

A rule names a team and one course or learning path, with an optional number of days to finish.
Making it assigns the training at once to the team's members and those of the teams nested
under it (not their managers); after that, each person who joins the team, or a team under it,
gets it too: learners announces the join (`learners.events.member_joined`), progress.receivers
calls `rules_apply_to_member`. Removing a rule stops it reaching newcomers; what it already
assigned stays.

Rules only fill in what is missing. Someone who already has the course keeps their assignment
and its due date, so a rule never overrides what a manager chose for one person.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Course, LearningPath
from learners.audit import audit_record
from learners.models import Membership, Team, User

from . import permissions
from .assignments import MAX_DAYS, Due, assignment_create, courses_to_assign
from .models import AssignmentRule


def _rule_label(rule: AssignmentRule) -> str:
    return _("%(training)s, for %(team)s") % {
        "training": rule.training_title,
        "team": rule.team.name,
    }


def _active_rule_for(
    team: Team, course: Course | None, path: LearningPath | None
) -> AssignmentRule | None:
    return (
        AssignmentRule.objects.active()
        .filter(team=team, course=course, path=path)
        .select_related("team", "course__published_version", "path")
        .first()
    )


def rule_create(
    *,
    actor: User,
    team: Team,
    course: Course | None = None,
    path: LearningPath | None = None,
    due_within_days: int | None = None,
) -> AssignmentRule:
    """Give `course` or `path` to everyone in `team` and the teams nested under it, now and
    whenever someone joins, due `due_within_days` days after it reaches them (None: no date).

    Applies the rule at once to the members already there (not managers) and records
    "rule.create", all in one transaction. Making the same rule again (a double click, a retry)
    returns the active one and changes nothing. Raises ValidationError keyed by field: `team`
    (one `actor` may not assign to), `training` (none, both, not live, or an active rule for
    it with a different number of days), `due_within_days` (outside 1 to 366). About a dozen
    queries, whatever the size of the team.
    """
    errors: dict[str, str] = {}
    if not permissions.can_add_rule(actor, team):
        errors["team"] = _("You can only add rules for teams you manage.")
    try:
        courses_to_assign(course, path)
    except ValidationError as exc:
        errors.update({field: messages[0] for field, messages in exc.message_dict.items()})
    if due_within_days is not None and not 1 <= due_within_days <= MAX_DAYS:
        errors["due_within_days"] = _("Choose between 1 and %(max)d days.") % {"max": MAX_DAYS}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        existing = _active_rule_for(team, course, path)
        if existing is None:
            try:
                # A savepoint, so that losing a race with the same rule leaves this
                # transaction usable for reading the winner.
                with transaction.atomic():
                    rule = AssignmentRule.objects.create(
                        team=team,
                        course=course,
                        path=path,
                        due_within_days=due_within_days,
                        created_by=actor,
                    )
            except IntegrityError:
                existing = _active_rule_for(team, course, path)
                if existing is None:
                    raise
        if existing is not None:
            if existing.due_within_days != due_within_days:
                raise ValidationError(
                    {
                        "training": _(
                            "%(team)s already has a rule for this. To change its days, "
                            "remove it and add it again."
                        )
                        % {"team": team.name}
                    }
                )
            return existing
        members = list(permissions.team_members_for_assignment(team))
        reached = 0
        if members:
            result = assignment_create(
                actor=actor,
                people=members,
                course=course,
                path=path,
                due=Due(within_days=due_within_days),
                rule=rule,
            )
            reached = result.new
        audit_record(
            actor=actor,
            action="rule.create",
            target_type="rule",
            target_id=rule.pk,
            target_label=_rule_label(rule),
            changes={
                "team": (None, team.name),
                "training": (None, rule.training_title),
                "due within days": (None, due_within_days),
                "people assigned": (None, reached),
            },
        )
    return rule


def rule_remove(*, actor: User, rule: AssignmentRule) -> AssignmentRule:
    """Stop the rule reaching people who join from now on, and record "rule.remove". What it
    already assigned stays assigned. Removing it twice changes nothing and records nothing.

    Raises ValidationError when `actor` may not change the team's rules. Three queries for a
    manager (two for an admin) when the rule's team and training are loaded.
    """
    if not permissions.can_change_rule(actor, rule):
        raise ValidationError(_("You can only change rules for teams you manage."))
    now = timezone.now()
    with transaction.atomic():
        removed = AssignmentRule.objects.filter(pk=rule.pk, removed_at__isnull=True).update(
            removed_at=now, removed_by=actor
        )
        if removed:
            audit_record(
                actor=actor,
                action="rule.remove",
                target_type="rule",
                target_id=rule.pk,
                target_label=_rule_label(rule),
            )
            rule.removed_at, rule.removed_by = now, actor
    return rule


def rules_apply_to_member(*, user_id: int, team_id: int) -> int:
    """Give the person every active rule's training of team `team_id` and of the teams it sits
    in (a region's rule reaches its stores), due the rule's number of days from now.

    System work: the rule's creator is recorded as who assigned it, and each rule that gives
    them something new records "assignment.create" with no actor. Safe to run again: what they
    already have is left as it is. Does nothing, and returns 0, when the person is inactive or
    no longer a member of the team (they may have left before this ran); rules whose training
    isn't live any more are skipped. Returns how many rules gave them something new. Three
    queries, and about ten per rule that applies.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    team = Team.objects.filter(pk=team_id).first()
    if user is None or team is None:
        return 0
    if not Membership.objects.filter(user=user, team=team, role=Membership.Role.MEMBER).exists():
        return 0
    rules = (
        AssignmentRule.objects.active()
        .for_team_and_above(team)
        .select_related("team", "course__published_version", "path")
        .order_by("created_at", "pk")
    )
    applied = 0
    with transaction.atomic():
        for rule in rules:
            try:
                result = assignment_create(
                    actor=None,
                    people=[user],
                    course=rule.course,
                    path=rule.path,
                    due=Due(within_days=rule.due_within_days),
                    rule=rule,
                )
            except ValidationError:
                # Its course was unpublished, or its path emptied, after the rule was made.
                continue
            if not result.new:
                continue
            applied += 1
            audit_record(
                actor=None,
                action="assignment.create",
                target_type="path" if rule.path is not None else "course",
                target_id=rule.path_id if rule.path is not None else rule.course_id,
                target_label=rule.training_title,
                changes={
                    "person": (None, user.display_name),
                    "due": (None, _day(result.due_at)),
                    "by the rule for": (None, rule.team.name),
                },
            )
    return applied


def _day(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).date().isoformat() if moment else None
