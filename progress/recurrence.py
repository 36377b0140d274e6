"""Courses that come back: "every 12 months after completion".

A recurring assignment's completion lapses `recur_months` after it. RENEW_BEFORE ahead of
that, the sweep (`assignments_renew_due`, run by Celery beat) opens a new round: the enrolment
is unfinished again, due on the lapse date, its lessons to read again, and only quizzes and
conversations done from then on count. Earlier certificates stay, each with its expiry date.

Where the course allows it (`refreshers.models.CourseRefresherPolicy`), someone who kept the
course's refreshers up to date (`refreshers.selectors.up_to_date`) is renewed instead: the
completion moves to now and a new certificate is issued, with no re-take (docs/adr/0014).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from courses.models import Enrolment
from learners.audit import audit_record
from refreshers import selectors as refresher_selectors
from refreshers.models import CourseRefresherPolicy

from . import services
from .models import Assignment, LessonProgress
from .months import add_months

__all__ = ["RENEW_BEFORE", "add_months", "assignments_renew_due", "enrolment_renew"]

RENEW_BEFORE = dt.timedelta(days=30)


def assignments_renew_due(*, now: dt.datetime | None = None) -> int:
    """Open a new round of every recurring assigned course whose last completion lapses within
    RENEW_BEFORE of `now`, by their up-to-date refreshers where the course allows it. Returns
    how many were renewed. Safe to run twice, or in two beats at once: each enrolment is
    claimed with a conditional update. Three queries, plus four for each one renewed (and two
    more to check the refreshers where the course allows renewing by them)."""
    now = now or timezone.now()
    recurring = Assignment.objects.active().filter(
        user=OuterRef("user"), course=OuterRef("course"), recur_months__isnull=False
    )
    finished = (
        Enrolment.objects.filter(completed_at__isnull=False)
        .annotate(recur_months=Subquery(recurring.values("recur_months")[:1]))
        .filter(recur_months__isnull=False)
        .values_list("pk", "completed_at", "recur_months", "user_id", "course_id")
    )
    by_refreshers = dict(
        CourseRefresherPolicy.objects.filter(renews_recurring=True).values_list(
            "course_id", "grace_days"
        )
    )
    renewed = 0
    for pk, completed_at, months, user_id, course_id in finished.iterator():
        assert completed_at is not None  # filtered above
        lapses_at = add_months(completed_at, months)
        if lapses_at - RENEW_BEFORE > now:
            continue
        if course_id in by_refreshers and refresher_selectors.up_to_date(
            user_id=user_id,
            course_id=course_id,
            since=completed_at,
            now=now,
            grace_days=by_refreshers[course_id],
        ):
            renewed += enrolment_renew_by_refreshers(
                enrolment_id=pk, completed_at=completed_at, now=now
            )
            continue
        renewed += enrolment_renew(
            enrolment_id=pk, completed_at=completed_at, due_at=lapses_at, now=now
        )
    return renewed


def enrolment_renew(
    *, enrolment_id: int, completed_at: dt.datetime, due_at: dt.datetime, now: dt.datetime
) -> bool:
    """Start a new round of the enrolment finished at `completed_at`, due at `due_at`. Returns
    False when another worker got there first (the enrolment is no longer finished then)."""
    with transaction.atomic():
        claimed = Enrolment.objects.filter(pk=enrolment_id, completed_at=completed_at).update(
            completed_at=None,
            completed_lessons=0,
            last_lesson_key=None,
            enrolled_at=now,
            due_at=due_at,
        )
        if not claimed:
            return False
        enrolment = Enrolment.objects.select_related("user", "course__published_version").get(
            pk=enrolment_id
        )
        # Lessons are read again; time spent and when each was first opened stay.
        LessonProgress.objects.filter(enrolment_id=enrolment_id).update(completed_at=None)
        Assignment.objects.active().filter(
            user_id=enrolment.user_id, course_id=enrolment.course_id
        ).update(due_at=due_at)
        version = enrolment.course.published_version
        audit_record(
            actor=None,
            action="assignment.renew",
            target_type="course",
            target_id=enrolment.course_id,
            target_label=f"{version.title if version else enrolment.course.slug}: "
            f"{enrolment.user.display_name}",
            changes={"due": (None, timezone.localtime(due_at).date().isoformat())},
        )
    return True


def enrolment_renew_by_refreshers(
    *, enrolment_id: int, completed_at: dt.datetime, now: dt.datetime
) -> bool:
    """Count the enrolment finished at `completed_at` as finished again at `now`, because its
    person kept the course's refreshers up to date: lessons and results stay, and a new
    certificate is issued that lapses `recur_months` after now. Returns False when another
    worker got there first."""
    with transaction.atomic():
        claimed = Enrolment.objects.filter(pk=enrolment_id, completed_at=completed_at).update(
            completed_at=now
        )
        if not claimed:
            return False
        enrolment = Enrolment.objects.select_related("user", "course__published_version").get(
            pk=enrolment_id
        )
        certificate = services.certificate_issue(enrolment=enrolment, course=enrolment.course)
        version = enrolment.course.published_version
        audit_record(
            actor=None,
            action="assignment.renew_by_refreshers",
            target_type="course",
            target_id=enrolment.course_id,
            target_label=f"{version.title if version else enrolment.course.slug}: "
            f"{enrolment.user.display_name}",
            changes={
                "certificate_expires": (
                    None,
                    timezone.localtime(certificate.expires_at).date().isoformat()
                    if certificate.expires_at
                    else None,
                )
            },
        )
    return True
