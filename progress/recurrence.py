"""Courses that come back: "every 12 months after completion".

A recurring assignment's completion lapses `recur_months` after it. RENEW_BEFORE ahead of
that, the sweep (`assignments_renew_due`, run by Celery beat) opens a new round: the enrolment
is unfinished again, due on the lapse date, its lessons to read again, and only quizzes and
conversations done from then on count. Earlier certificates stay, each with its expiry date.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from courses.models import Enrolment
from learners.audit import audit_record

from .models import Assignment, LessonProgress

RENEW_BEFORE = dt.timedelta(days=30)


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """`moment` plus `months` calendar months, on the same day of the month or the month's
    last day when it is shorter (31 Jan + 1 month = 28 or 29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def assignments_renew_due(*, now: dt.datetime | None = None) -> int:
    """Open a new round of every recurring assigned course whose last completion lapses within
    RENEW_BEFORE of `now`. Returns how many were renewed. Safe to run twice, or in two beats at
    once: each enrolment is claimed with a conditional update. Two queries, plus four for each
    one renewed."""
    now = now or timezone.now()
    recurring = Assignment.objects.active().filter(
        user=OuterRef("user"), course=OuterRef("course"), recur_months__isnull=False
    )
    finished = (
        Enrolment.objects.filter(completed_at__isnull=False)
        .annotate(recur_months=Subquery(recurring.values("recur_months")[:1]))
        .filter(recur_months__isnull=False)
        .values_list("pk", "completed_at", "recur_months")
    )
    renewed = 0
    for pk, completed_at, months in finished.iterator():
        assert completed_at is not None  # filtered above
        lapses_at = add_months(completed_at, months)
        if lapses_at - RENEW_BEFORE <= now:
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
