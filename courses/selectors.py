"""Read paths over courses and learning paths shared by several pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Count, Prefetch, QuerySet, Sum

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
    version: CourseVersion, completed: set[UUID] | None = None, current: UUID | None = None
) -> Outline:
    """The version's modules and lessons in order, marking the lessons whose keys are in
    `completed` and the `current` one. One query (modules with their lessons)."""
    modules = list(
        version.modules.prefetch_related(
            Prefetch("lessons", queryset=Lesson.objects.order_by("position", "pk"))
        ).order_by("position", "pk")
    )
    completed = completed or set()
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


def path_with_courses(path: LearningPath) -> list[PathCourse]:
    """The path's steps in order with each course's live version joined. One query."""
    return list(
        path.steps.select_related("course__published_version")
        .filter(course__published_version__isnull=False)
        .order_by("position")
    )


@dataclass
class CatalogPath:
    path: LearningPath
    courses: list[Course]


@dataclass
class Catalog:
    """Paths first, each with its courses in the path's order, then the courses no listed path
    holds, by title. Each course carries `lesson_count` and `minutes` (its live version's)."""

    paths: list[CatalogPath]
    others: list[Course]

    @property
    def empty(self) -> bool:
        return not self.others and not any(group.courses for group in self.paths)


def catalog_of(courses: QuerySet[Course], paths: QuerySet[LearningPath]) -> Catalog:
    """Arrange `courses` (those the person may see, with live content) under `paths`, in path
    order. A path's course the person may not see is left out; a path left empty stays, so its
    page can say why. Three queries."""
    by_pk: dict[int, Course] = {
        course.pk: course
        for course in courses.select_related("published_version").annotate(
            lesson_count=Count("published_version__lessons", distinct=True),
            minutes=Sum("published_version__lessons__minutes"),
        )
    }
    path_list = list(paths.order_by("created_at", "pk"))
    steps = PathCourse.objects.filter(path__in=path_list).order_by("position", "pk")
    grouped: dict[int, list[Course]] = {path.pk: [] for path in path_list}
    placed: set[int] = set()
    for step in steps:
        course = by_pk.get(step.course_id)
        if course is not None:
            grouped[step.path_id].append(course)
            placed.add(course.pk)
    others = sorted(
        (course for pk, course in by_pk.items() if pk not in placed),
        key=lambda c: (c.published_version.title if c.published_version else c.slug).lower(),
    )
    return Catalog(
        paths=[CatalogPath(path=path, courses=grouped[path.pk]) for path in path_list],
        others=others,
    )
