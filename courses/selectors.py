"""Read paths shared by the learner's pages: outlines, progress, the next step.

Every function here costs a fixed number of queries, whatever the number of courses, lessons or
learners; the counts are pinned in tests/courses/test_learner_views.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Count, F, Prefetch

from learners.models import Enrolment, LessonProgress, User

from .models import Course, CourseVersion, LearningPath, Lesson, Module, PathCourse


@dataclass
class LessonRow:
    lesson: Lesson
    number: int
    completed: bool
    current: bool


@dataclass
class ModuleRow:
    module: Module
    lessons: list[LessonRow] = field(default_factory=list)
    checkpoints: list[Any] = field(default_factory=list)


@dataclass
class Outline:
    """A version's modules and lessons in order, with this learner's status on each."""

    version: CourseVersion
    modules: list[ModuleRow]
    lessons: list[Lesson]
    completed_keys: set[UUID]
    total_minutes: int

    @property
    def total(self) -> int:
        return len(self.lessons)

    @property
    def done(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.key in self.completed_keys)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    def next_lesson(self, after: UUID | None = None) -> Lesson | None:
        """The lesson to go to: `after`'s lesson if unfinished, else the first unfinished one
        after it, else the first unfinished one at all; None when everything is done."""
        keys = [lesson.key for lesson in self.lessons]
        if after in keys:
            start = keys.index(after)
            ordered = self.lessons[start:] + self.lessons[:start]
        else:
            ordered = self.lessons
        return next((ls for ls in ordered if ls.key not in self.completed_keys), None)

    def neighbours(self, key: UUID) -> tuple[Lesson | None, Lesson | None]:
        keys = [lesson.key for lesson in self.lessons]
        index = keys.index(key)
        previous = self.lessons[index - 1] if index > 0 else None
        following = self.lessons[index + 1] if index + 1 < len(keys) else None
        return previous, following


def outline_for(
    version: CourseVersion, enrolment: Enrolment | None, current: UUID | None = None
) -> Outline:
    """Two queries (modules with lessons, then this enrolment's completed keys; the second is
    skipped without an enrolment)."""
    modules = list(
        version.modules.prefetch_related(
            Prefetch("lessons", queryset=Lesson.objects.order_by("position", "pk"))
        ).order_by("position", "pk")
    )
    completed: set[UUID] = set()
    if enrolment is not None:
        completed = set(
            LessonProgress.objects.filter(
                enrolment=enrolment, completed_at__isnull=False
            ).values_list("lesson_key", flat=True)
        )
    rows: list[ModuleRow] = []
    lessons: list[Lesson] = []
    for module in modules:
        row = ModuleRow(module=module)
        for lesson in module.lessons.all():
            lessons.append(lesson)
            row.lessons.append(
                LessonRow(
                    lesson=lesson,
                    number=len(lessons),
                    completed=lesson.key in completed,
                    current=lesson.key == current,
                )
            )
        rows.append(row)
    return Outline(
        version=version,
        modules=rows,
        lessons=lessons,
        completed_keys=completed,
        total_minutes=sum(lesson.minutes for lesson in lessons),
    )


def enrolments_for_dashboard(user: User) -> list[Enrolment]:
    """The person's enrolments in live courses, each annotated with `total_lessons` in the live
    version. One query."""
    return list(
        Enrolment.objects.for_learner(user)
        .annotate(total_lessons=Count("course__published_version__lessons", distinct=True))
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
    outline = outline_for(version, pick)
    lesson = outline.next_lesson(after=pick.last_lesson_key)
    if lesson is not None:
        return NextStep(enrolment=pick, lesson=lesson, resuming=lesson.key == pick.last_lesson_key)
    return _checkpoint_step(pick)


def _checkpoint_step(enrolment: Enrolment) -> NextStep | None:
    """Every lesson is done but the course is not: point at what it still asks for."""
    from django.urls import reverse

    from assessments.completion import open_requirements

    quizzes, scenarios = open_requirements(user_id=enrolment.user_id, course_id=enrolment.course_id)
    if quizzes:
        url = reverse("quiz_detail", args=[quizzes[0].key])
        return NextStep(enrolment, None, False, quizzes[0].title, url)
    if scenarios:
        url = reverse("scenario_detail", args=[scenarios[0].slug])
        return NextStep(enrolment, None, False, scenarios[0].title, url)
    return None


def blocking_course(user: User, course: Course) -> Course | None:
    """The course the learner must finish before this one, when a learning path they follow
    says so; None when nothing blocks it. Two queries."""
    steps = list(
        PathCourse.objects.filter(
            course=course, requires_previous=True, path__enrolments__user=user
        ).select_related("path")
    )
    for step in steps:
        previous = (
            PathCourse.objects.filter(path=step.path, position__lt=step.position)
            .select_related("course__published_version")
            .order_by("-position")
            .first()
        )
        if previous is None or not previous.course.is_live:
            continue
        finished = Enrolment.objects.filter(
            user=user, course=previous.course, completed_at__isnull=False
        ).exists()
        if not finished:
            return previous.course
    return None


def path_with_courses(path: LearningPath) -> list[PathCourse]:
    """The path's steps in order with each course's live version joined. One query."""
    return list(
        path.steps.select_related("course__published_version")
        .filter(course__published_version__isnull=False)
        .order_by("position")
    )
