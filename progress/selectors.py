"""Read paths shared by the learner's pages: outlines, progress, the next step.

Every function here costs a fixed number of queries, whatever the number of courses, lessons or
learners; the counts are pinned in tests/progress/test_views.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from django.db.models import CharField, Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse

from assessments.checkpoints import Checkpoint, checkpoints_for
from assessments.completion import course_checks
from courses.models import Course, CourseVersion, Enrolment, Lesson, PathCourse
from courses.selectors import Outline, outline_for
from learners.models import User

from .models import Assignment, Certificate, LessonProgress


def learner_outline(
    version: CourseVersion, enrolment: Enrolment | None, current: UUID | None = None
) -> Outline:
    """The version's outline with this enrolment's finished lessons marked. Two queries (the
    second, this enrolment's completed keys, is skipped without an enrolment)."""
    completed: set[UUID] = set()
    if enrolment is not None:
        completed = set(
            LessonProgress.objects.filter(
                enrolment=enrolment, completed_at__isnull=False
            ).values_list("lesson_key", flat=True)
        )
    return outline_for(version, completed, current)


def enrolments_for_dashboard(user: User) -> list[Enrolment]:
    """The person's enrolments in live courses, each annotated with `total_lessons` in the live
    version and, when the course was assigned to them, `assigned_by_name` (the assigner's name,
    or their email when they gave none; "" when that person has left), and `progress` (their
    CourseProgress). One query, plus `progress_for`'s."""
    assigned = Assignment.objects.active().filter(user=OuterRef("user"), course=OuterRef("course"))
    enrolments: list[Any] = list(
        Enrolment.objects.for_learner(user)
        .annotate(
            total_lessons=Count("course__published_version__lessons", distinct=True),
            assigned_by_name=Subquery(
                assigned.annotate(
                    name=Coalesce(
                        NullIf("assigned_by__full_name", Value("")),
                        "assigned_by__email",
                        Value(""),
                        output_field=CharField(),
                    )
                ).values("name")[:1]
            ),
        )
        # Explicit NULL placement: PostgreSQL and SQLite disagree by default, and a course never
        # opened must not sort above the one being worked on.
        .order_by(
            F("completed_at").asc(nulls_first=True),
            F("last_activity_at").desc(nulls_last=True),
            F("due_at").asc(nulls_last=True),
            "enrolled_at",
        )
    )
    progress = progress_for(enrolments)
    for enrolment in enrolments:
        enrolment.progress = progress[(enrolment.user_id, enrolment.course_id)]
    return enrolments


@dataclass(frozen=True)
class CourseProgress:
    """How far someone is through a course, counted the way completion counts
    (`services.enrolment_refresh`): every live lesson and every required quiz and practice
    conversation is one step."""

    lessons_done: int
    lessons_total: int
    checks_done: int
    checks_total: int
    completed: bool

    @property
    def checks_left(self) -> int:
        return self.checks_total - self.checks_done

    @property
    def percent(self) -> int:
        """0-100, and 100 only for a finished course: the one percentage every page shows."""
        if self.completed:
            return 100
        total = self.lessons_total + self.checks_total
        if not total:
            return 0
        # Rounding up to 100 would claim the course is done while a step is left.
        return min(99, round(100 * (self.lessons_done + self.checks_done) / total))


class ProgressRow(Protocol):
    """An enrolment, or an assignment annotated with its enrolment's counters
    (`team.with_enrolment_progress`): what `progress_for` reads."""

    @property
    def user_id(self) -> int: ...
    @property
    def course_id(self) -> int: ...
    @property
    def enrolled_at(self) -> datetime | None: ...
    @property
    def completed_lessons(self) -> int | None: ...
    @property
    def completed_at(self) -> datetime | None: ...
    @property
    def total_lessons(self) -> int | None: ...


def progress_for(rows: Sequence[ProgressRow]) -> dict[tuple[int, int], CourseProgress]:
    """(user id, course id) -> their CourseProgress, for rows annotated with `total_lessons`
    (the live version's lessons). A row without an enrolment (`enrolled_at` None) counts as
    nothing done. At most four queries whatever the number of rows
    (`assessments.completion.course_checks`); none for no rows."""
    keys = [(r.user_id, r.course_id, r.enrolled_at) for r in rows if r.enrolled_at is not None]
    checks = course_checks(keys)
    result = {}
    for row in rows:
        counted = checks.get((row.user_id, row.course_id))
        total = counted.total if counted else 0
        result[(row.user_id, row.course_id)] = CourseProgress(
            lessons_done=row.completed_lessons or 0,
            lessons_total=row.total_lessons or 0,
            checks_done=counted.done if counted else 0,
            checks_total=total,
            completed=row.completed_at is not None,
        )
    return result


def outline_progress(
    outline: Outline, checkpoints: dict[UUID | None, list[Checkpoint]], completed: bool
) -> CourseProgress:
    """The CourseProgress of an outline the page already has, with its checkpoints (marked by
    `checkpoints_for`, which counts with the same rule as `progress_for`). No query."""
    required = [c for group in checkpoints.values() for c in group if c.required]
    return CourseProgress(
        lessons_done=outline.done,
        lessons_total=outline.total,
        checks_done=sum(1 for c in required if c.done),
        checks_total=len(required),
        completed=completed,
    )


@dataclass
class Step:
    """The one thing to do next in a course: a lesson (`lesson` set), a quiz ("quiz") or a
    practice conversation ("practice")."""

    kind: str
    title: str
    url: str
    course: Course
    lesson: Lesson | None = None
    resuming: bool = False


def _checkpoint_step(course: Course, checkpoint: Checkpoint) -> Step:
    return Step(kind=checkpoint.kind, title=checkpoint.title, url=checkpoint.url, course=course)


def _lesson_step(course: Course, lesson: Lesson, resuming: bool) -> Step:
    url = reverse("lesson_detail", args=[course.slug, lesson.key])
    return Step(
        kind="lesson", title=lesson.title, url=url, course=course, lesson=lesson, resuming=resuming
    )


def course_next_step(
    course: Course,
    outline: Outline,
    checkpoints: dict[UUID | None, list[Checkpoint]],
    resume: UUID | None = None,
) -> Step | None:
    """What the course asks of the learner next, in course order: the lesson to resume (or the
    next unfinished one), unless a required check after a module they have finished comes
    before it; with every lesson read, the first required check still open. None when nothing
    required is left. No query."""
    lesson = outline.next_lesson(after=resume)
    for row in outline.modules:
        if lesson is not None and any(item.lesson.key == lesson.key for item in row.lessons):
            return _lesson_step(course, lesson, resuming=lesson.key == resume)
        if all(item.lesson.key in outline.completed_keys for item in row.lessons):
            pending = _first_open(checkpoints.get(row.module.key, []))
            if pending is not None:
                return _checkpoint_step(course, pending)
    if lesson is not None:  # not reached: every lesson sits in a module
        return _lesson_step(course, lesson, resuming=lesson.key == resume)
    pending = _first_open(checkpoints.get(None, []))
    return _checkpoint_step(course, pending) if pending is not None else None


def step_after_lesson(
    course: Course,
    outline: Outline,
    checkpoints: dict[UUID | None, list[Checkpoint]],
    lesson: Lesson,
) -> Step | None:
    """Where marking `lesson` done leads, so its button can say so and the redirect goes
    there: the next lesson in its module; at a module's end, that module's first open check
    (optional ones too: it is the moment to take it), else the next module; after the last
    lesson, whatever the course still requires (`course_next_step`). None when nothing
    required is left. `checkpoints` may be empty unless the lesson ends a module.
    No query."""
    _previous, following = outline.neighbours(lesson.key)
    if following is not None:
        if following.module_id != lesson.module_id:
            pending = next((c for c in checkpoints.get(lesson.module.key, []) if not c.done), None)
            if pending is not None:
                return _checkpoint_step(course, pending)
        return _lesson_step(course, following, resuming=False)
    # The last lesson: only what the course requires comes next, or the button would call an
    # optional quiz the step that finishes the course.
    after = replace(outline, completed_keys=outline.completed_keys | {lesson.key})
    return course_next_step(course, after, checkpoints)


def _first_open(checkpoints: list[Checkpoint]) -> Checkpoint | None:
    return next((c for c in checkpoints if c.required and not c.done), None)


def next_step_for(user: User, enrolments: list[Enrolment]) -> Step | None:
    """Where the learner should go now, in the course they touched last (or, none touched, the
    one due first): `course_next_step` there. None when nothing is unfinished.

    At most six queries, whatever the number of enrolments.
    """
    active = [e for e in enrolments if e.completed_at is None]
    if not active:
        return None
    touched = [e for e in active if e.last_activity_at is not None]
    if touched:
        pick = max(touched, key=lambda e: e.last_activity_at)  # type: ignore[arg-type,return-value]
    else:
        pick = min(active, key=lambda e: (e.due_at is None, e.due_at, e.enrolled_at))
    version = pick.course.published_version
    if version is None:
        return None
    outline = learner_outline(version, pick)
    checkpoints = checkpoints_for(pick.course_id, user, pick.enrolled_at)
    return course_next_step(pick.course, outline, checkpoints, resume=pick.last_lesson_key)


def blocking_course(user: User, course: Course) -> Course | None:
    """The course the learner must finish before this one, when a learning path they follow
    says so; None when nothing blocks it. At most three queries, however many paths."""
    steps = list(
        PathCourse.objects.filter(
            course=course, requires_previous=True, path__enrolments__user=user
        ).distinct()
    )
    if not steps:
        return None
    siblings = list(
        PathCourse.objects.filter(path__in={step.path_id for step in steps})
        .select_related("course__published_version")
        .order_by("path_id", "position")
    )
    previous: list[Course] = []
    for step in steps:
        before = [s for s in siblings if s.path_id == step.path_id and s.position < step.position]
        if before and before[-1].course.is_live:
            previous.append(before[-1].course)
    if not previous:
        return None
    finished = set(
        Enrolment.objects.filter(
            user=user, course__in=previous, completed_at__isnull=False
        ).values_list("course_id", flat=True)
    )
    return next((c for c in previous if c.pk not in finished), None)


def assignment_for(user: User, course: Course) -> Assignment | None:
    """The person's active assignment of `course`, with who assigned it joined; None when the
    course wasn't assigned to them. One query."""
    return (
        Assignment.objects.active()
        .filter(user=user, course=course)
        .select_related("assigned_by")
        .first()
    )


def certificate_for(enrolment: Enrolment) -> Certificate | None:
    """The certificate of the enrolment's current completion; None while it is unfinished (a
    recurring course in a new round included). One query when finished, none otherwise."""
    if enrolment.completed_at is None:
        return None
    return Certificate.objects.filter(enrolment=enrolment, issued_at=enrolment.completed_at).first()


def certificate_holders_count(*, course_id: int) -> int:
    """How many people hold at least one certificate for the course (0 for none). One query."""
    return Certificate.objects.filter(course_id=course_id).values("user_id").distinct().count()
