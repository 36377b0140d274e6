"""Is a reminder still true? Asked just before it is sent (the sweep asks the same questions
in its queries when it writes the row). A stale reminder is cancelled with its reason, which
the ledger shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse

from courses.models import Enrolment
from learners.models import User
from progress.models import Assignment, Certificate
from progress.permissions import assignable_people

from . import due_sources
from .kinds import Kind
from .models import Notification
from .sweep import day_text

# Kinds whose message names a due date: a different date makes them wrong.
_NAMES_DUE_DATE = frozenset({Kind.DUE_SOON, Kind.DUE_TODAY, Kind.OVERDUE, Kind.OVERDUE_MANAGER})
ATTENTION_LINES = 5


class Snapshot:
    """The enrolments a batch of rows is about, and which of them are still assigned, read in
    two queries for the whole batch rather than two per row."""

    def __init__(self, rows: list[Notification]) -> None:
        ids = {r.subject_id for r in rows if r.subject_type == "enrolment"}
        self.enrolments: dict[int, Mapping[str, Any]] = {
            e["pk"]: e
            for e in Enrolment.objects.filter(pk__in=ids).values(
                "pk", "user_id", "course_id", "completed_at", "due_at"
            )
        }
        people = {e["user_id"] for e in self.enrolments.values()}
        courses = {e["course_id"] for e in self.enrolments.values()}
        self.assigned = set(
            Assignment.objects.active()
            .filter(user_id__in=people, course_id__in=courses)
            .values_list("user_id", "course_id")
        )


def stale_reason(
    row: Notification, now: dt.datetime, snapshot: Snapshot | None = None
) -> str | None:
    """Why `row` must not be sent at `now` ("deactivated", "completed", "unassigned",
    "due_moved", "no_longer_due"), or None when it is still true. May refresh `row.context`
    where the numbers are read at sending time (a refresher count, a manager's summary). No
    query for an enrolment in `snapshot` (read just before), otherwise a query or two, a few
    for a manager's summary. Reads `row.user` (select it)."""
    if row.user is not None and not row.user.is_active:
        return "deactivated"
    if row.subject_type == "enrolment":
        return _enrolment_reason(row, now, snapshot or Snapshot([row]))
    if row.subject_type == "certificate":
        return _certificate_reason(row, now)
    if row.kind == Kind.MANAGER_DIGEST:
        return _refresh_team_summary(row, now)
    if row.kind == Kind.REFRESHER_DUE:
        source = due_sources.get(row.subject_type)
        count = source.due_count(row.subject_id, now) if source is not None else 0
        if count <= 0:
            return "no_longer_due"
        row.context = {**row.context, "count": count}
    return None


def _enrolment_reason(row: Notification, now: dt.datetime, snapshot: Snapshot) -> str | None:
    enrolment = snapshot.enrolments.get(row.subject_id)
    if enrolment is None:
        return "unassigned"
    if enrolment["completed_at"] is not None:
        return "completed"
    if (enrolment["user_id"], enrolment["course_id"]) not in snapshot.assigned:
        return "unassigned"
    if row.kind in _NAMES_DUE_DATE and enrolment["due_at"] != row.due_at:
        return "due_moved"
    if row.kind in (Kind.DUE_SOON, Kind.DUE_TODAY) and row.due_at is not None and row.due_at <= now:
        # Its day has passed; the overdue notice says what is true now.
        return "no_longer_due"
    return None


def _certificate_reason(row: Notification, now: dt.datetime) -> str | None:
    certificate = (
        Certificate.objects.filter(pk=row.subject_id)
        .values("enrolment_id", "issued_at", "expires_at", "user_id", "course_id")
        .first()
    )
    if certificate is None or certificate["expires_at"] is None:
        return "no_longer_due"
    if certificate["expires_at"] <= now:
        return "no_longer_due"
    if Certificate.objects.filter(
        enrolment_id=certificate["enrolment_id"], issued_at__gt=certificate["issued_at"]
    ).exists():
        return "completed"
    if not (
        Assignment.objects.active()
        .filter(user_id=certificate["user_id"], course_id=certificate["course_id"])
        .exists()
    ):
        return "unassigned"
    return None


def team_summary(manager: User, now: dt.datetime) -> dict[str, Any]:
    """What a manager's weekly email says about their people (those they may assign training
    to, not themselves): how many, overdue, due in the next 7 days, finished in the last 7,
    and up to ATTENTION_LINES overdue lines. Six queries."""
    people = assignable_people(manager).exclude(pk=manager.pk)
    active = Assignment.objects.active().filter(user=OuterRef("user"), course=OuterRef("course"))
    enrolments = Enrolment.objects.filter(Exists(active), user__in=people.values("pk"))
    open_ = enrolments.filter(completed_at__isnull=True)
    overdue = open_.filter(due_at__lt=now)
    attention = []
    for e in overdue.select_related("user", "course__published_version").order_by("due_at")[
        :ATTENTION_LINES
    ]:
        version = e.course.published_version
        title = version.title if version else e.course.slug
        due = day_text(e.due_at, manager.time_zone) if e.due_at else ""
        attention.append(f"{e.user.display_name}: {title}, due {due}")
    week = dt.timedelta(days=7)
    return {
        "people": people.count(),
        "overdue": overdue.count(),
        "due_this_week": open_.filter(due_at__gte=now, due_at__lt=now + week).count(),
        "finished_last_week": enrolments.filter(completed_at__gte=now - week).count(),
        "attention": attention,
        "url": settings.SITE_URL + reverse("team_progress"),
    }


def _refresh_team_summary(row: Notification, now: dt.datetime) -> str | None:
    if row.user is None:
        return "no_longer_due"
    summary = team_summary(row.user, now)
    if summary["people"] == 0:
        return "no_longer_due"
    row.context = {**row.context, **summary}
    return None
