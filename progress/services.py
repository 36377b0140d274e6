"""Enrolling, opening and completing lessons, and issuing certificates.

Progress is stored against lesson keys (stable across course versions).
`Enrolment.completed_lessons` is a count of completed lessons that exist in the live version,
refreshed whenever progress or the live version changes, so list pages never count per row.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.completion import open_requirements
from courses.models import Course, Enrolment, Lesson
from learners.models import User

from .models import Assignment, Certificate, LessonProgress
from .months import add_months

# A page reports time in small pings; one ping never counts for more than this, so a tab left
# open overnight does not claim hours of study.
MAX_SECONDS_PER_PING = 120


def lesson_open(*, enrolment: Enrolment, lesson_key: UUID) -> LessonProgress:
    """Record that the learner is on this lesson: it becomes where they resume."""
    now = timezone.now()
    progress, created = LessonProgress.objects.get_or_create(
        enrolment=enrolment,
        lesson_key=lesson_key,
        defaults={"first_opened_at": now, "last_opened_at": now},
    )
    if not created:
        LessonProgress.objects.filter(pk=progress.pk).update(last_opened_at=now)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        last_lesson_key=lesson_key, last_activity_at=now
    )
    enrolment.last_lesson_key, enrolment.last_activity_at = lesson_key, now
    return progress


def time_record(*, enrolment: Enrolment, lesson_key: UUID, seconds: int) -> int:
    """Add up to MAX_SECONDS_PER_PING seconds to the lesson's time. Returns the seconds added
    (0 for a negative or zero report, or a lesson never opened)."""
    seconds = max(0, min(int(seconds), MAX_SECONDS_PER_PING))
    if seconds == 0:
        return 0
    updated = LessonProgress.objects.filter(enrolment=enrolment, lesson_key=lesson_key).update(
        seconds_spent=F("seconds_spent") + seconds
    )
    return seconds if updated else 0


def lesson_complete(*, enrolment: Enrolment, lesson_key: UUID) -> Enrolment:
    """Mark the lesson complete (once; later calls change nothing) and refresh the enrolment,
    which may complete the course and issue its certificate."""
    now = timezone.now()
    with transaction.atomic():
        progress, _created = LessonProgress.objects.get_or_create(
            enrolment=enrolment, lesson_key=lesson_key, defaults={"first_opened_at": now}
        )
        LessonProgress.objects.filter(pk=progress.pk, completed_at__isnull=True).update(
            completed_at=now
        )
        Enrolment.objects.filter(pk=enrolment.pk).update(last_activity_at=now)
        return enrolment_refresh(enrolment=enrolment)


def enrolment_refresh(*, enrolment: Enrolment) -> Enrolment:
    """Recount completed live lessons; complete the course and issue a certificate when every
    live lesson is done and its required quizzes are passed and practice conversations finished.

    Completing and certifying happen in one transaction, so a course is never finished without
    its certificate; an enrolment found finished without one (from before that rule) gets it
    here. A completed enrolment stays completed. Three to seven queries.
    """
    course = Course.objects.select_related("published_version").get(pk=enrolment.course_id)
    if (
        enrolment.completed_at is not None
        and not Certificate.objects.filter(
            enrolment=enrolment, issued_at=enrolment.completed_at
        ).exists()
    ):
        certificate_issue(enrolment=enrolment, course=course)
    if course.published_version is None:
        return enrolment
    live_keys = list(
        Lesson.objects.filter(version=course.published_version).values_list("key", flat=True)
    )
    done = LessonProgress.objects.filter(
        enrolment=enrolment, lesson_key__in=live_keys, completed_at__isnull=False
    ).count()
    Enrolment.objects.filter(pk=enrolment.pk).update(completed_lessons=done)
    enrolment.completed_lessons = done
    if (
        live_keys
        and done >= len(live_keys)
        and enrolment.completed_at is None
        and _assessments_done(enrolment)
    ):
        now = timezone.now()
        with transaction.atomic():
            claimed = Enrolment.objects.filter(pk=enrolment.pk, completed_at__isnull=True).update(
                completed_at=now
            )
            if claimed:
                enrolment.completed_at = now
                certificate_issue(enrolment=enrolment, course=course)
    return enrolment


def enrolment_refresh_for(*, user_id: int, course_id: int) -> Enrolment | None:
    """Refresh the person's enrolment in the course, if they have one (after a quiz is passed
    or a practice conversation finished). Returns it, or None when not enrolled."""
    enrolment = Enrolment.objects.filter(user_id=user_id, course_id=course_id).first()
    if enrolment is None:
        return None
    return enrolment_refresh(enrolment=enrolment)


def _assessments_done(enrolment: Enrolment) -> bool:
    quizzes, scenarios = open_requirements(
        user_id=enrolment.user_id, course_id=enrolment.course_id, since=enrolment.enrolled_at
    )
    return not quizzes and not scenarios


def certificate_issue(*, enrolment: Enrolment, course: Course | None = None) -> Certificate:
    """The certificate for the enrolment's latest completion, issued now if it has none (a
    course that recurs earns one each round). When the course was assigned to recur, it
    expires when the next round is due. Raises ValidationError for an enrolment that is not
    complete. Three to five queries."""
    if enrolment.completed_at is None:
        raise ValidationError(_("The course isn't finished yet."))
    course = course or Course.objects.select_related("published_version").get(
        pk=enrolment.course_id
    )
    user = User.objects.get(pk=enrolment.user_id)
    title = course.published_version.title if course.published_version else course.slug
    recurring = (
        Assignment.objects.active()
        .filter(user_id=enrolment.user_id, course_id=enrolment.course_id)
        .values_list("recur_months", flat=True)
        .first()
    )
    certificate, _created = Certificate.objects.get_or_create(
        enrolment=enrolment,
        issued_at=enrolment.completed_at,
        defaults={
            "user": user,
            "course": course,
            "learner_name": user.display_name,
            "course_title": title,
            "expires_at": add_months(enrolment.completed_at, recurring) if recurring else None,
        },
    )
    return certificate


def course_progress_refresh(*, course_id: int, batch_size: int = 500) -> int:
    """Re-check every enrolment of the course that is unfinished, or finished without its
    certificate (after what the course asks for changed). Returns how many were checked. Two
    queries per batch, plus enrolment_refresh's for each."""
    ids = list(
        Enrolment.objects.filter(course_id=course_id)
        .filter(
            Q(completed_at__isnull=True)
            | ~Exists(
                Certificate.objects.filter(
                    enrolment=OuterRef("pk"), issued_at=OuterRef("completed_at")
                )
            )
        )
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), batch_size):
        for enrolment in Enrolment.objects.filter(pk__in=ids[start : start + batch_size]):
            enrolment_refresh(enrolment=enrolment)
    return len(ids)


__all__ = [
    "certificate_issue",
    "course_progress_refresh",
    "enrolment_refresh",
    "lesson_complete",
    "lesson_open",
    "time_record",
]
