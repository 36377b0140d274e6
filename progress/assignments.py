"""Assigning training: a course or learning path given to people with a due date.

Every write here is set-based, so assigning to a team of 500 costs the same few queries as
assigning to one person, and idempotent: the database's unique keys make a second assignment, a
double click or a retry find the rows already there. An assignment and its person's enrolment
always carry the same due date; pages and reminders read the enrolment's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Course, Enrolment, LearningPath
from learners.audit import audit_record
from learners.models import User

from . import permissions
from .models import MAX_RECUR_MONTHS, Assignment, AssignmentRule

MAX_DAYS = 366


@dataclass(frozen=True)
class Due:
    """When assigned training is due: by a date (`on`), within a number of days of being
    assigned (`within_days`), or not at all (neither)."""

    on: dt.date | None = None
    within_days: int | None = None

    def resolve(self, now: dt.datetime) -> dt.datetime | None:
        """The moment it is due: the end of the day `on` in the site's time zone, or `now` plus
        `within_days` days; None when there is no due date."""
        if self.on is not None:
            end_of_day = dt.datetime.combine(self.on, dt.time(23, 59, 59))
            return timezone.make_aware(end_of_day)
        if self.within_days is not None:
            return now + dt.timedelta(days=self.within_days)
        return None

    def problems(self, today: dt.date) -> dict[str, str]:
        """Field errors for a date in the past or a number of days out of range; {} if fine."""
        if self.on is not None and self.on < today:
            return {"due_on": _("Pick today or a later date.")}
        if self.within_days is not None and not 1 <= self.within_days <= MAX_DAYS:
            return {"due_days": _("Choose between 1 and %(max)d days.") % {"max": MAX_DAYS}}
        return {}


@dataclass(frozen=True)
class AssignResult:
    """What an assignment did: how many people it reached, how many of them are new to it
    (for a rule: how many it gave something they didn't have), and the due date they now
    have."""

    people: int
    new: int
    due_at: dt.datetime | None


def courses_to_assign(course: Course | None, path: LearningPath | None) -> list[Course]:
    """`[course]`, or the live courses of `path` in order. Raises ValidationError on
    `training` for neither or both, an unpublished course, or a path with nothing live to
    take. No query for a course; one for a path."""
    if (course is None) == (path is None):
        raise ValidationError({"training": _("Choose one course or one learning path.")})
    if course is not None:
        if not course.is_live:
            raise ValidationError(
                {"training": _("This course isn't published, so nobody can take it.")}
            )
        return [course]
    assert path is not None
    courses = [
        step.course
        for step in path.steps.select_related("course").order_by("position")
        if step.course.is_live
    ]
    if not path.is_published or not courses:
        raise ValidationError(
            {"training": _("This learning path has no published courses to take yet.")}
        )
    return courses


def assignment_create(
    *,
    actor: User | None,
    people: Sequence[User],
    course: Course | None = None,
    path: LearningPath | None = None,
    due: Due = Due(),
    recur_months: int | None = None,
    rule: AssignmentRule | None = None,
) -> AssignResult:
    """Assign `course`, or every live course of `path`, to `people`, due as `due` says.

    People who already have it keep their assignment, who assigned it and their progress; their
    due date becomes this one (the latest decision wins). Finished courses stay finished.
    Raises ValidationError keyed by field: `training` (none, both, or not live), `people`
    (nobody, or someone `actor` may not assign to), `due_on` / `due_days`, `recur_months`
    (outside 1 to MAX_RECUR_MONTHS). About ten queries, whatever the number of people. Records
    "assignment.create".

    `recur_months` makes the course come back N months after each completion
    (`assignments_renew_due` re-opens it in time to finish before the last one lapses).

    With `rule` (progress.rules), the new assignments are linked to it and carry its creator as
    `assigned_by`, and a rule only fills in what is missing: whoever already has the course
    keeps their due date. Nothing is recorded; the caller records the rule's work. `actor` is
    None only then, for system work (someone joined a team), which skips the check on `people`
    because the rule's creator was checked when they made it.
    """
    if actor is None and rule is None:
        raise ValueError("assignment_create() needs an actor unless a rule is assigning.")
    now = timezone.now()
    errors = due.problems(timezone.localdate(now))
    if recur_months is not None and not 1 <= recur_months <= MAX_RECUR_MONTHS:
        errors["recur_months"] = _("Choose between 1 and %(max)d months.") % {
            "max": MAX_RECUR_MONTHS
        }
    try:
        courses = courses_to_assign(course, path)
    except ValidationError as exc:
        errors.update({field: messages[0] for field, messages in exc.message_dict.items()})
    people = list({person.pk: person for person in people}.values())
    if not people:
        errors["people"] = _("Choose at least one person or a team.")
    elif actor is not None:
        allowed = set(
            permissions.assignable_people(actor)
            .filter(pk__in=[p.pk for p in people])
            .values_list("pk", flat=True)
        )
        if len(allowed) != len(people):
            errors["people"] = _("You can only assign training to people in teams you manage.")
    if errors:
        raise ValidationError(errors)
    due_at = due.resolve(now)
    actor_id = actor.pk if actor is not None else None
    user_ids = [person.pk for person in people]
    course_ids = [c.pk for c in courses]
    with transaction.atomic():
        Enrolment.objects.bulk_create(
            [
                Enrolment(
                    user_id=user_id,
                    course=c,
                    path=path,
                    source=Enrolment.Source.ASSIGNED,
                    enrolled_at=now,
                )
                for user_id in user_ids
                for c in courses
            ],
            ignore_conflicts=True,
        )
        unfinished = Enrolment.objects.filter(
            user_id__in=user_ids, course_id__in=course_ids, completed_at__isnull=True
        )
        if rule is None:
            unfinished.update(due_at=due_at)
        before = Assignment.objects.active().filter(user_id__in=user_ids, course_id__in=course_ids)
        had = set(before.values_list("user_id", flat=True)) if rule is None else set()
        Assignment.objects.bulk_create(
            [
                Assignment(
                    user_id=user_id,
                    course=c,
                    path=path,
                    assigned_by_id=rule.created_by_id if rule is not None else actor_id,
                    assigned_at=now,
                    due_at=due_at,
                    recur_months=recur_months,
                    rule=rule,
                )
                for user_id in user_ids
                for c in courses
            ],
            ignore_conflicts=True,
        )
        if rule is not None:
            # Only what this rule has just made takes its date; what people had stays as it was.
            made = Assignment.objects.active().filter(rule=rule, assigned_at=now)
            made_now = made.filter(user_id=OuterRef("user_id"), course_id=OuterRef("course_id"))
            unfinished.filter(Exists(made_now)).update(due_at=due_at)
            reached = set(made.filter(user_id__in=user_ids).values_list("user_id", flat=True))
            return AssignResult(people=len(user_ids), new=len(reached), due_at=due_at)
        new = len(set(user_ids) - had)
        before.update(due_at=due_at, recur_months=recur_months)
        audit_record(
            actor=actor,
            action="assignment.create",
            target_type="path" if path is not None else "course",
            target_id=path.pk if path is not None else courses[0].pk,
            target_label=path.title if path is not None else _course_title(courses[0]),
            changes={
                "people": (None, len(user_ids)),
                "due": (None, _iso(due_at)),
                "repeats every (months)": (None, recur_months),
            },
        )
    return AssignResult(people=len(user_ids), new=new, due_at=due_at)


def _course_title(course: Course) -> str:
    return course.published_version.title if course.published_version else course.slug


def _iso(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).date().isoformat() if moment else None


def _assignment_label(assignment: Assignment) -> str:
    return f"{_course_title(assignment.course)}: {assignment.user.display_name}"


def assignment_due_change(
    *, actor: User, assignment: Assignment, due_at: dt.datetime | None
) -> Assignment:
    """Move the assignment's due date (None: no date), and its enrolment's with it. Three
    queries when the assignment's person and course are loaded."""
    with transaction.atomic():
        Assignment.objects.filter(pk=assignment.pk).update(due_at=due_at)
        Enrolment.objects.filter(
            user_id=assignment.user_id, course_id=assignment.course_id, completed_at__isnull=True
        ).update(due_at=due_at)
        audit_record(
            actor=actor,
            action="assignment.due_change",
            target_type="assignment",
            target_id=assignment.pk,
            target_label=_assignment_label(assignment),
            changes={"due": (_iso(assignment.due_at), _iso(due_at))},
        )
    assignment.due_at = due_at
    return assignment


def assignment_remove(*, actor: User, assignment: Assignment) -> Assignment:
    """Take the assignment back. The person keeps the course and their progress, without a due
    date. Removing it twice changes nothing. Three queries when the assignment's person and
    course are loaded."""
    now = timezone.now()
    with transaction.atomic():
        removed = Assignment.objects.filter(pk=assignment.pk, removed_at__isnull=True).update(
            removed_at=now, removed_by=actor
        )
        if removed:
            Enrolment.objects.filter(
                user_id=assignment.user_id,
                course_id=assignment.course_id,
                completed_at__isnull=True,
            ).update(due_at=None)
            audit_record(
                actor=actor,
                action="assignment.remove",
                target_type="assignment",
                target_id=assignment.pk,
                target_label=_assignment_label(assignment),
            )
            assignment.removed_at, assignment.removed_by = now, actor
    return assignment
