"""How a manager's people are doing: the team matrix, who needs attention, and the export.

Everything here reads a fixed number of queries whatever the team's size; the view pins it.
A *cell* is one person's one assigned course, with its status, progress, quiz score,
practice-conversation outcome and confidence before and after.
"""

from __future__ import annotations

import datetime as dt
import html
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    CharField,
    Count,
    DecimalField,
    F,
    FloatField,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from assessments.models import Attempt, AttemptItem, ScenarioNode, ScenarioRun, SelfRating
from courses.models import Course, Enrolment
from learners.models import Membership, User

from .models import Assignment
from .selectors import progress_for

STUCK_AFTER = dt.timedelta(days=7)

STATUS_LABELS = {
    "overdue": _("Overdue"),
    "not_started": _("Not started"),
    "in_progress": _("In progress"),
    "done": _("Done"),
}
# Worst first: a person's row sorts and filters by their most pressing cell.
STATUS_ORDER = ["overdue", "not_started", "in_progress", "done"]


def outcome_label(code: str) -> str:
    """The words for a practice conversation's ending ("Calmed and loyal"); "" for none, and
    the code itself for one nobody has named."""
    if not code:
        return ""
    try:
        return str(ScenarioNode.Outcome(code).label)
    except ValueError:
        return code


@dataclass
class Cell:
    assignment: Assignment
    status: str
    percent: int
    completed_at: dt.datetime | None
    last_activity_at: dt.datetime | None
    quiz_percent: Decimal | None
    outcome: str
    confidence_before: float | None
    confidence_after: float | None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def outcome_label(self) -> str:
        return outcome_label(self.outcome)


@dataclass
class PersonRow:
    person: User
    teams: list[str]
    cells: dict[int, Cell] = field(default_factory=dict)

    @property
    def last_activity_at(self) -> dt.datetime | None:
        moments = [c.last_activity_at for c in self.cells.values() if c.last_activity_at]
        return max(moments) if moments else None

    @property
    def worst_status(self) -> str | None:
        statuses = {c.status for c in self.cells.values()}
        return next((s for s in STATUS_ORDER if s in statuses), None)

    @property
    def percent(self) -> int:
        """Average progress over this person's assigned courses; 0 with none."""
        if not self.cells:
            return 0
        return round(sum(c.percent for c in self.cells.values()) / len(self.cells))

    def cells_for(self, courses: list[Course]) -> list[Cell | None]:
        return [self.cells.get(course.pk) for course in courses]


@dataclass
class Misconception:
    """A question several people answered wrongly while certain they were right."""

    title: str
    prompt: str
    explanation: str  # plain text
    people: int


@dataclass
class TeamProgress:
    courses: list[Course]
    rows: list[PersonRow]
    misconceptions: list[Misconception]

    def overdue(self) -> list[tuple[PersonRow, Cell]]:
        found = [
            (row, cell)
            for row in self.rows
            for cell in row.cells.values()
            if cell.status == "overdue"
        ]
        return sorted(found, key=lambda pair: pair[1].assignment.due_at or dt.datetime.max)

    def completions_by_week(self, now: dt.datetime, weeks: int = 8) -> list[tuple[dt.date, int]]:
        """How many assigned courses were finished in each of the last `weeks` weeks (weeks
        start on Monday, oldest first, this week last). No query."""
        this_monday = timezone.localdate(now) - dt.timedelta(days=timezone.localdate(now).weekday())
        starts = [this_monday - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
        counts = dict.fromkeys(starts, 0)
        for row in self.rows:
            for cell in row.cells.values():
                if cell.completed_at is None:
                    continue
                day = timezone.localdate(cell.completed_at)
                monday = day - dt.timedelta(days=day.weekday())
                if monday in counts:
                    counts[monday] += 1
        return list(counts.items())

    def stuck(self, now: dt.datetime) -> list[PersonRow]:
        """People with unfinished assigned training and nothing done for STUCK_AFTER (counting
        from when it was assigned if they never started)."""
        stuck = []
        for row in self.rows:
            unfinished = [c for c in row.cells.values() if c.status != "done"]
            if not unfinished:
                continue
            latest = max((c.last_activity_at or c.assignment.assigned_at) for c in unfinished)
            if now - latest >= STUCK_AFTER:
                stuck.append(row)
        return stuck


def status_of(
    *, completed_at: dt.datetime | None, due_at: dt.datetime | None, started: bool, now: dt.datetime
) -> str:
    """One of STATUS_ORDER for one assigned course: done, overdue, in progress or not started.
    No query."""
    if completed_at is not None:
        return "done"
    if due_at is not None and due_at < now:
        return "overdue"
    return "in_progress" if started else "not_started"


def with_enrolment_progress(assignments: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """`assignments` annotated with their enrolment's `completed_at`, `completed_lessons`,
    `last_activity_at` and `enrolled_at` (None without an enrolment), and the live version's
    `total_lessons`: what `selectors.progress_for` reads. No query until evaluated."""
    enrolment = Enrolment.objects.filter(user=OuterRef("user"), course=OuterRef("course"))
    return assignments.annotate(
        completed_at=Subquery(enrolment.values("completed_at")[:1]),
        completed_lessons=Subquery(enrolment.values("completed_lessons")[:1]),
        last_activity_at=Subquery(enrolment.values("last_activity_at")[:1]),
        enrolled_at=Subquery(enrolment.values("enrolled_at")[:1]),
        total_lessons=Count("course__published_version__lessons", distinct=True),
    )


def annotated_assignments(people: QuerySet[User]) -> QuerySet[Assignment]:
    """The active assignments of `people`, each with the numbers a cell shows: its enrolment's
    progress (`with_enrolment_progress`), the latest quiz score and conversation outcome in the
    course, and the average confidence before and after. One query when evaluated."""
    attempts = Attempt.objects.filter(
        user=OuterRef("user"), quiz__course=OuterRef("course"), submitted_at__isnull=False
    ).order_by("-submitted_at")
    runs = ScenarioRun.objects.filter(
        user=OuterRef("user"), scenario__course=OuterRef("course"), finished_at__isnull=False
    ).order_by("-finished_at")

    def confidence(moment: str) -> Subquery:
        ratings = (
            SelfRating.objects.filter(
                user=OuterRef("user"), course=OuterRef("course"), moment=moment
            )
            .values("user")
            .annotate(average=Avg("rating"))
            .values("average")
        )
        return Subquery(ratings, output_field=FloatField())

    assignments = (
        Assignment.objects.active()
        .filter(user__in=people.values("pk"))
        .select_related("course__published_version")
    )
    return with_enrolment_progress(assignments).annotate(
        quiz_percent=Subquery(
            attempts.values("percent")[:1],
            output_field=DecimalField(max_digits=5, decimal_places=2),
        ),
        outcome=Subquery(runs.values("outcome")[:1], output_field=CharField()),
        confidence_before=confidence(SelfRating.Moment.BEFORE),
        confidence_after=confidence(SelfRating.Moment.AFTER),
    )


def team_progress(
    people: QuerySet[User], *, now: dt.datetime, course_id: int | None = None
) -> TeamProgress:
    """The matrix for `people` (ordered by name), with one column per course assigned to any
    of them (only `course_id` when given). Four queries, plus `progress_for`'s, whatever the
    number of people."""
    persons = list(people.order_by("full_name", "email"))
    memberships = defaultdict(list)
    for user_id, team_name in (
        Membership.objects.filter(user__in=[p.pk for p in persons], role=Membership.Role.MEMBER)
        .order_by("team__path")
        .values_list("user_id", "team__name")
    ):
        memberships[user_id].append(team_name)
    rows = {p.pk: PersonRow(person=p, teams=memberships[p.pk]) for p in persons}
    assignments = annotated_assignments(people)
    if course_id is not None:
        assignments = assignments.filter(course_id=course_id)
    courses: dict[int, Course] = {}
    a: Any  # an Assignment with annotated_assignments' extra attributes
    annotated: list[Any] = list(assignments)
    progress = progress_for(annotated)
    for a in annotated:
        done = a.completed_lessons or 0
        cell = Cell(
            assignment=a,
            status=status_of(
                completed_at=a.completed_at,
                due_at=a.due_at,
                started=bool(done or a.last_activity_at),
                now=now,
            ),
            percent=progress[(a.user_id, a.course_id)].percent,
            completed_at=a.completed_at,
            last_activity_at=a.last_activity_at,
            quiz_percent=a.quiz_percent,
            outcome=a.outcome or "",
            confidence_before=a.confidence_before,
            confidence_after=a.confidence_after,
        )
        rows[a.user_id].cells[a.course_id] = cell
        courses[a.course_id] = a.course
    ordered_courses = sorted(
        courses.values(),
        key=lambda c: c.published_version.title if c.published_version else c.slug,
    )
    return TeamProgress(
        courses=ordered_courses,
        rows=list(rows.values()),
        misconceptions=misconceptions(people),
    )


def misconceptions(people: QuerySet[User], *, limit: int = 5) -> list[Misconception]:
    """The questions most people in `people` got wrong while marking themselves certain, in
    finished attempts: what a five-minute talk should cover. One query."""
    found = (
        AttemptItem.objects.filter(
            attempt__user__in=people.values("pk"),
            attempt__submitted_at__isnull=False,
            confidence=AttemptItem.Confidence.CERTAIN,
            fraction=0,
        )
        .values("version__question_id")
        .annotate(
            people=Count("attempt__user", distinct=True),
            title=F("version__question__current__title"),
            prompt=F("version__question__current__prompt_markdown"),
            explanation=F("version__question__current__explanation_html"),
        )
        .filter(people__gte=1)
        .order_by("-people", "title")[:limit]
    )
    return [
        Misconception(
            title=item["title"] or "",
            prompt=item["prompt"] or "",
            explanation=html.unescape(strip_tags(item["explanation"] or "")).strip(),
            people=item["people"],
        )
        for item in found
    ]


__all__ = ["STATUS_LABELS", "STATUS_ORDER", "TeamProgress", "team_progress"]
