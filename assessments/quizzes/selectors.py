"""What the quiz authoring pages read: the questions to pick from and the modules a quiz can
follow. Each function states the queries it costs; templates get the results and never query."""

from __future__ import annotations

from assessments.models import Question, Quiz
from courses.models import Course, CourseVersion, Module


def pickable_questions(*, exclude_quiz: Quiz | None = None) -> list[Question]:
    """Questions that can be added to a quiz as fixed questions, by bank then age, current
    version joined; without those already fixed in `exclude_quiz`. One query."""
    questions = Question.objects.filter(archived=False, current__isnull=False)
    if exclude_quiz is not None:
        questions = questions.exclude(
            pk__in=exclude_quiz.slots.filter(question__isnull=False).values("question_id")
        )
    return list(questions.select_related("current").order_by("bank_id", "pk"))


def outline_version(course: Course) -> CourseVersion | None:
    """The version whose modules quizzes are placed after: the draft when there is one (so a
    new module can get its quiz before publishing), else the live version, else the latest;
    None for a course without versions. One query (two when there is neither a draft nor a
    live version; the live version costs one more unless it was joined)."""
    draft = course.versions.filter(status=CourseVersion.Status.DRAFT).first()
    if draft is not None:
        return draft
    if course.published_version_id is not None:
        return course.published_version
    return course.versions.order_by("-number").first()


def course_modules(course: Course) -> list[Module]:
    """The modules of `course`'s outline version in order; empty for a course with no version.
    Two queries at most (the version, the modules)."""
    version = outline_version(course)
    if version is None:
        return []
    return list(version.modules.order_by("position", "pk"))
