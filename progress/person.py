"""One person's training, as their manager sees it: assignments, lessons, quiz attempts,
practice conversations, confidence ratings and certificates. A fixed number of queries
however much they have done."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F

from assessments.models import Attempt, ScenarioRun, SelfRating
from assessments.scenarios.services.play import BehaviourTotal, behaviour_totals
from courses.models import Course, Enrolment, Lesson, Module
from learners.models import Membership, User

from .models import Certificate, LessonProgress
from .selectors import CourseProgress, progress_for
from .team import Cell, outcome_label, team_progress


@dataclass
class LessonLine:
    lesson: Lesson
    done: bool
    seconds: int


@dataclass
class CourseLines:
    course: Course
    enrolment: Enrolment
    cell: Cell | None
    progress: CourseProgress
    lessons: list[LessonLine] = field(default_factory=list)


@dataclass
class RunLine:
    run: ScenarioRun
    outcome_label: str
    behaviours: list[BehaviourTotal]


@dataclass
class RatingLine:
    course_title: str
    module_title: str
    before: int | None
    after: int | None


@dataclass
class PersonProgress:
    person: User
    teams: list[str]
    first_team_id: int | None
    courses: list[CourseLines]
    attempts: list[Attempt]
    runs: list[RunLine]
    ratings: list[RatingLine]
    certificates: list[Certificate]


def person_progress(person: User, *, now: dt.datetime) -> PersonProgress:
    """Everything the person page shows for `person`. A fixed number of queries (pinned in
    tests/progress/test_team.py) whatever they have done."""
    people = User.objects.filter(pk=person.pk)
    matrix = team_progress(people, now=now)
    cells = matrix.rows[0].cells if matrix.rows else {}
    enrolments = list(
        Enrolment.objects.filter(user=person, course__published_version__isnull=False)
        .annotate(total_lessons=Count("course__published_version__lessons", distinct=True))
        .select_related("course__published_version")
        .order_by("-last_activity_at", "enrolled_at")
    )
    versions = [e.course.published_version_id for e in enrolments]
    lessons_by_version: dict[int, list[Lesson]] = defaultdict(list)
    for lesson in (
        Lesson.objects.filter(version_id__in=versions)
        .select_related("module")
        .order_by("module__position", "position", "pk")
    ):
        lessons_by_version[lesson.version_id].append(lesson)
    progress = {
        (p.enrolment_id, p.lesson_key): p
        for p in LessonProgress.objects.filter(enrolment__in=[e.pk for e in enrolments])
    }
    course_progress = progress_for(enrolments)
    courses = []
    for enrolment in enrolments:
        lines = CourseLines(
            course=enrolment.course,
            enrolment=enrolment,
            cell=cells.get(enrolment.course_id),
            progress=course_progress[(enrolment.user_id, enrolment.course_id)],
        )
        for lesson in lessons_by_version[enrolment.course.published_version_id or 0]:
            record = progress.get((enrolment.pk, lesson.key))
            lines.lessons.append(
                LessonLine(
                    lesson=lesson,
                    done=bool(record and record.completed_at),
                    seconds=record.seconds_spent if record else 0,
                )
            )
        courses.append(lines)
    memberships = list(
        Membership.objects.filter(user=person, role=Membership.Role.MEMBER)
        .order_by("team__path")
        .values_list("team_id", "team__name")
    )
    attempts = list(
        Attempt.objects.filter(user=person)
        .exclude(status=Attempt.Status.IN_PROGRESS)
        .select_related("quiz")
        .order_by("-submitted_at")
    )
    runs = [
        RunLine(
            run=run,
            outcome_label=outcome_label(run.outcome),
            behaviours=behaviour_totals(run.totals),
        )
        for run in ScenarioRun.objects.filter(user=person, finished_at__isnull=False)
        .select_related("scenario", "current")
        .order_by("-finished_at")
    ]
    return PersonProgress(
        person=person,
        teams=[name for _pk, name in memberships],
        first_team_id=memberships[0][0] if memberships else None,
        courses=courses,
        attempts=attempts,
        runs=runs,
        ratings=_ratings(person),
        certificates=list(Certificate.objects.filter(user=person)),
    )


def _ratings(person: User) -> list[RatingLine]:
    ratings = list(
        SelfRating.objects.filter(user=person).select_related("course__published_version")
    )
    keys = {r.module_key for r in ratings}
    live_modules = Module.objects.filter(
        key__in=keys, version=F("version__course__published_version")
    )
    titles = dict(live_modules.values_list("key", "title")) if keys else {}
    grouped: dict[tuple[int, object], RatingLine] = {}
    for rating in ratings:
        line = grouped.setdefault(
            (rating.course_id, rating.module_key),
            RatingLine(
                course_title=rating.course.published_version.title
                if rating.course.published_version
                else rating.course.slug,
                module_title=titles.get(rating.module_key, ""),
                before=None,
                after=None,
            ),
        )
        if rating.moment == SelfRating.Moment.BEFORE:
            line.before = rating.rating
        else:
            line.after = rating.rating
    return list(grouped.values())
