"""Read paths shared by the learner's pages: outlines, progress, the next step.

Every function here costs a fixed number of queries, whatever the number of courses, lessons or
learners; the counts are pinned in tests/progress/test_views.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.db.models import CharField, Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse

from assessments.completion import open_requirements
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
    or their email when they gave none; "" when that person has left). One query."""
    assigned = Assignment.objects.active().filter(user=OuterRef("user"), course=OuterRef("course"))
    return list(
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


@dataclass
class NextStep:
    """Either a lesson to open, or (every lesson done) a quiz or practice conversation the
    course still asks for, as `checkpoint_title` and `checkpoint_url`."""

    enrolment: Enrolment
    lesson: Lesson | None
    resuming: bool
    checkpoint_title: str = ""
    checkpoint_url: str = ""


def next_step_for(enrolments: list[Enrolment]) -> NextStep | None:
    """Where the learner should go now: back to the lesson they were last on, or on to the first
    unfinished lesson of their most pressing course, or (lessons all done) to the quiz or
    practice conversation that course still asks for. None when nothing is unfinished.

    At most four queries, whatever the number of enrolments.
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
    lesson = outline.next_lesson(after=pick.last_lesson_key)
    if lesson is not None:
        return NextStep(enrolment=pick, lesson=lesson, resuming=lesson.key == pick.last_lesson_key)
    return _checkpoint_step(pick)


def _checkpoint_step(enrolment: Enrolment) -> NextStep | None:
    """Every lesson is done but the course is not: point at what it still asks for."""
    quizzes, scenarios = open_requirements(
        user_id=enrolment.user_id, course_id=enrolment.course_id, since=enrolment.enrolled_at
    )
    if quizzes:
        url = reverse("quiz_detail", args=[quizzes[0].key])
        return NextStep(enrolment, None, False, quizzes[0].title, url)
    if scenarios:
        url = reverse("scenario_detail", args=[scenarios[0].slug])
        return NextStep(enrolment, None, False, scenarios[0].title, url)
    return None


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
