"""The reminder sweep: what is due now becomes outbox rows, set-based and exactly once.

Beat runs `reminders_sweep` every few minutes (and `manage.py run_reminder_sweep` by hand). Each
kind reads the people it concerns in a query or two (the three due-date kinds share one), and
the rows go in 2,000 at a time with `INSERT ... ON CONFLICT (dedupe_key) DO NOTHING`
(`bulk_create(ignore_conflicts=True)` on SQLite) on the unique dedupe key (person, kind,
subject, period, channel). So a second sweep, two beats at once, or the first sweep after beat
was down for hours writes only what is still missing: what is still due is written once, and
what stopped being due (finished, unassigned, a date that passed) is not written at all.

Windows, measured from each due date (`due_at`, an instant):
- due soon, N days before: while N to N+1 days remain (one per N in the organisation's list);
- due today: during its last 24 hours;
- overdue: during the OVERDUE_WITHIN after it passed (to the person, and once to each manager
  of their teams); older ones stay as the team page shows them, without email;
- new assignment: within ASSIGNED_WITHIN of being assigned;
- recurrence starting: within ROUND_WITHIN of a recurring course's new round opening;
- certificate expiring: within CERTIFICATE_WITHIN before it lapses;
- refresher due: whoever the registered due sources name, once per ISO week;
- manager digest: once per ISO week to everyone who manages a team with assigned training.

A missed window is not replayed later (a "due in 7 days" note a week late would be wrong), so
beat may be down for most of a day and lose nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from psycopg2.extras import execute_values

from courses.models import Enrolment
from learners.models import Membership, User
from progress.models import Assignment, Certificate

from . import due_sources
from .kinds import Kind
from .models import Channel, Notification, OrganisationSettings, State

ASSIGNED_WITHIN = dt.timedelta(days=3)
OVERDUE_WITHIN = dt.timedelta(days=7)
ROUND_WITHIN = dt.timedelta(days=3)
CERTIFICATE_WITHIN = dt.timedelta(days=14)
BATCH = 2000

# Manager digests and invitations are email only; everything else also shows in the bell.
EMAIL_ONLY = frozenset({Kind.MANAGER_DIGEST, Kind.INVITATION})


@dataclass(frozen=True)
class SweepResult:
    """How many rows each kind tried to write, and how many were new."""

    considered: dict[str, int]
    created: int


def dedupe_key(
    *, kind: str, channel: str, user_id: int | None, subject_type: str, subject_id: int, period: str
) -> str:
    """The unique key of one message: the same due thing in the same period is written once
    per channel, however often the sweep runs."""
    return f"{kind}:{channel}:{user_id or '-'}:{subject_type}:{subject_id}:{period}"


def _zone(name: str) -> dt.tzinfo:
    for candidate in (name, settings.TIME_ZONE):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return dt.UTC


def day_text(moment: dt.datetime, zone_name: str) -> str:
    """ "Friday 12 December" in the person's time zone."""
    local = moment.astimezone(_zone(zone_name))
    return f"{local:%A} {local.day} {local:%B}"


def _first_name(full_name: str, email: str) -> str:
    return (full_name or email.split("@", 1)[0]).split(" ", 1)[0]


def _course_url() -> str:
    # One reverse per sweep, not per row: the slug goes where the placeholder is.
    return settings.SITE_URL + reverse("course_detail", args=["SLUG"])


class Row(NamedTuple):
    """One outbox row to insert, in the order of `_COLUMNS`."""

    user_id: int
    kind: str
    channel: str
    subject_type: str
    subject_id: int
    period: str
    dedupe_key: str
    context: str  # JSON
    due_at: dt.datetime | None
    state: str
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None


_COLUMNS = Row._fields
# Columns with defaults the insert below spells out (raw SQL gets no model defaults).
_CONSTANT_COLUMNS = {
    "reason": "",
    "attempts": 0,
    "claimed_by": "",
    "message_id": "",
    "last_error": "",
}


def _rows(
    *,
    kind: str,
    user_id: int,
    subject_type: str,
    subject_id: int,
    period: str,
    context: dict[str, Any],
    now: dt.datetime,
    due_at: dt.datetime | None = None,
) -> Iterator[Row]:
    channels = [Channel.EMAIL] if kind in EMAIL_ONLY else [Channel.EMAIL, Channel.IN_APP]
    data = json.dumps(context, cls=DjangoJSONEncoder)
    for channel in channels:
        in_app = channel == Channel.IN_APP
        yield Row(
            user_id=user_id,
            kind=kind,
            channel=channel,
            subject_type=subject_type,
            subject_id=subject_id,
            period=period,
            dedupe_key=dedupe_key(
                kind=kind,
                channel=channel,
                user_id=user_id,
                subject_type=subject_type,
                subject_id=subject_id,
                period=period,
            ),
            context=data,
            due_at=due_at,
            # The bell shows a row as soon as it exists; only email waits for a worker.
            state=State.SENT if in_app else State.PENDING,
            created_at=now,
            next_attempt_at=now,
            sent_at=now if in_app else None,
        )


def _open_assigned() -> QuerySet[Enrolment]:
    """Unfinished enrolments of active people in live courses that someone assigned and has
    not taken back. Lazy. (EXISTS, not a subquery per row: PostgreSQL turns it into one hash
    semi-join over all assignments.)"""
    active = Assignment.objects.active().filter(user=OuterRef("user"), course=OuterRef("course"))
    return Enrolment.objects.filter(
        Exists(active),
        completed_at__isnull=True,
        user__is_active=True,
        course__published_version__isnull=False,
    )


_ENROLMENT_FIELDS = (
    "pk",
    "user_id",
    "due_at",
    "user__full_name",
    "user__email",
    "user__time_zone",
    "course__slug",
    "course__published_version__title",
)


def _course_context(row: Mapping[str, Any], url: str) -> dict[str, Any]:
    context: dict[str, Any] = {
        "name": _first_name(row["user__full_name"], row["user__email"]),
        "site_name": settings.SITE_NAME,
        "course": row["course__published_version__title"],
        "url": url.replace("SLUG", row["course__slug"]),
    }
    if row["due_at"] is not None:
        context["due_date"] = day_text(row["due_at"], row["user__time_zone"])
    return context


def _assigned(now: dt.datetime, url: str) -> Iterator[Row]:
    # Driven from the few recent assignments, each finding its open enrolment.
    open_enrolment = Enrolment.objects.filter(
        user=OuterRef("user"), course=OuterRef("course"), completed_at__isnull=True
    )
    found = (
        Assignment.objects.active()
        .filter(
            assigned_at__gte=now - ASSIGNED_WITHIN,
            user__is_active=True,
            course__published_version__isnull=False,
        )
        .annotate(enrolment_id=Subquery(open_enrolment.values("pk")[:1]))
        .filter(enrolment_id__isnull=False)
        .values(
            "pk",
            "enrolment_id",
            "user_id",
            "due_at",
            "user__full_name",
            "user__email",
            "user__time_zone",
            "course__slug",
            "course__published_version__title",
        )
    )
    for row in found:
        yield from _rows(
            kind=Kind.ASSIGNED,
            user_id=row["user_id"],
            subject_type="enrolment",
            subject_id=row["enrolment_id"],
            period=f"a{row['pk']}",
            context=_course_context(row, url),
            now=now,
            due_at=row["due_at"],
        )


def _due_dates(now: dt.datetime, url: str, days: Iterable[int]) -> Iterator[Row]:
    """Due soon, due today and overdue, from one read of the open assigned enrolments due
    between OVERDUE_WITHIN ago and the furthest "days before" ahead, sorted into windows here.
    Two queries (the second finds overdue people's managers)."""
    soon = sorted(set(days))
    day = dt.timedelta(days=1)
    found = list(
        _open_assigned()
        .filter(due_at__gt=now - OVERDUE_WITHIN, due_at__lte=now + day * (max(soon, default=0) + 1))
        .order_by()
        .values(*_ENROLMENT_FIELDS)
    )
    overdue = [row for row in found if row["due_at"] <= now]
    managers = _managers_of({row["user_id"] for row in overdue}) if overdue else {}
    team_url = settings.SITE_URL + reverse("team_progress")
    for row in found:
        left = row["due_at"] - now
        stamp = f"{row['due_at']:%Y-%m-%dT%H:%M}"
        common = {
            "user_id": row["user_id"],
            "subject_type": "enrolment",
            "subject_id": row["pk"],
            "now": now,
            "due_at": row["due_at"],
        }
        context = _course_context(row, url)
        if left <= dt.timedelta(0):
            period = f"overdue:{stamp}"
            yield from _rows(kind=Kind.OVERDUE, period=period, context=context, **common)
            person = row["user__full_name"] or row["user__email"]
            for manager_id, full_name, email in managers.get(row["user_id"], []):
                yield from _rows(
                    kind=Kind.OVERDUE_MANAGER,
                    period=period,
                    context={
                        **context,
                        "name": _first_name(full_name, email),
                        "person": person,
                        "url": team_url,
                    },
                    **{**common, "user_id": manager_id},
                )
        elif left <= day:
            yield from _rows(
                kind=Kind.DUE_TODAY, period=f"today:{stamp}", context=context, **common
            )
        else:
            for n in soon:
                if day * n < left <= day * (n + 1):
                    yield from _rows(
                        kind=Kind.DUE_SOON,
                        period=f"{n}d:{stamp}",
                        context={**context, "days": n},
                        **common,
                    )


def _managers_of(people: set[int]) -> dict[int, list[tuple[int, str, str]]]:
    """{person: [(manager id, full name, email)]}: the active managers of the teams each person
    is a member of, never the person themselves. One query (one filter() call, so both
    conditions are about the same membership)."""
    managers: dict[int, list[tuple[int, str, str]]] = {}
    for person_id, manager_id, full_name, email in (
        Membership.objects.filter(
            role=Membership.Role.MANAGER,
            user__is_active=True,
            team__memberships__user_id__in=people,
            team__memberships__role=Membership.Role.MEMBER,
        )
        .values_list("team__memberships__user_id", "user_id", "user__full_name", "user__email")
        .distinct()
    ):
        if person_id != manager_id:
            managers.setdefault(person_id, []).append((manager_id, full_name, email))
    return managers


def _recurrence_starting(now: dt.datetime, url: str) -> Iterator[Row]:
    earlier = Certificate.objects.filter(
        enrolment=OuterRef("pk"), issued_at__lt=OuterRef("enrolled_at")
    )
    found = _open_assigned().filter(Exists(earlier), enrolled_at__gte=now - ROUND_WITHIN)
    for row in found.values(*_ENROLMENT_FIELDS, "enrolled_at"):
        yield from _rows(
            kind=Kind.RECURRENCE_STARTING,
            user_id=row["user_id"],
            subject_type="enrolment",
            subject_id=row["pk"],
            period=f"round:{row['enrolled_at']:%Y-%m-%dT%H:%M}",
            context=_course_context(row, url),
            now=now,
            due_at=row["due_at"],
        )


def _certificate_expiring(now: dt.datetime, url: str) -> Iterator[Row]:
    newer = Certificate.objects.filter(
        enrolment=OuterRef("enrolment"), issued_at__gt=OuterRef("issued_at")
    )
    active = Assignment.objects.active().filter(user=OuterRef("user"), course=OuterRef("course"))
    found = Certificate.objects.filter(
        ~Exists(newer),
        Exists(active),
        user__is_active=True,
        expires_at__gt=now,
        expires_at__lte=now + CERTIFICATE_WITHIN,
    ).values(
        "pk",
        "user_id",
        "expires_at",
        "course_title",
        "course__slug",
        "user__full_name",
        "user__email",
        "user__time_zone",
    )
    for row in found:
        expires = row["expires_at"]
        assert expires is not None  # filtered above
        yield from _rows(
            kind=Kind.CERTIFICATE_EXPIRING,
            user_id=row["user_id"],
            subject_type="certificate",
            subject_id=row["pk"],
            period=f"expires:{row['expires_at']:%Y-%m-%dT%H:%M}",
            context={
                "name": _first_name(row["user__full_name"], row["user__email"]),
                "site_name": settings.SITE_NAME,
                "course": row["course_title"],
                "expires": day_text(expires, row["user__time_zone"]),
                "url": url.replace("SLUG", row["course__slug"]),
            },
            now=now,
        )


def iso_week(now: dt.datetime) -> str:
    year, week, _day = timezone.localtime(now).isocalendar()
    return f"{year}-W{week:02d}"


def _refreshers(now: dt.datetime) -> Iterator[Row]:
    week = iso_week(now)
    home = settings.SITE_URL + reverse("dashboard")
    for source in due_sources.sources():
        items = list(source.due(now))
        people = User.objects.filter(pk__in={i.user_id for i in items}, is_active=True)
        names = {
            pk: (full, email) for pk, full, email in people.values_list("pk", "full_name", "email")
        }
        for item in items:
            if item.user_id not in names:
                continue
            yield from _rows(
                kind=Kind.REFRESHER_DUE,
                user_id=item.user_id,
                subject_type=source.name,
                subject_id=item.user_id,
                period=week,
                context={
                    "name": _first_name(*names[item.user_id]),
                    "site_name": settings.SITE_NAME,
                    "count": item.count,
                    "since": day_text(item.since, ""),
                    "url": home,
                },
                now=now,
            )


def _manager_digests(now: dt.datetime) -> Iterator[Row]:
    week = iso_week(now)
    team_url = settings.SITE_URL + reverse("team_progress")
    # Managers of at least one team whose members (direct) hold assigned training.
    has_assigned = Assignment.objects.active().filter(
        user__memberships__team_id=OuterRef("team_id"),
        user__memberships__role=Membership.Role.MEMBER,
    )
    found = (
        Membership.objects.filter(role=Membership.Role.MANAGER, user__is_active=True)
        .filter(Exists(has_assigned))
        .values_list("user_id", "user__full_name", "user__email")
        .distinct()
    )
    for user_id, full_name, email in found:
        yield from _rows(
            kind=Kind.MANAGER_DIGEST,
            user_id=user_id,
            subject_type="team",
            subject_id=user_id,
            period=week,
            context={
                "name": _first_name(full_name, email),
                "site_name": settings.SITE_NAME,
                "url": team_url,
            },
            now=now,
        )


def reminders_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Write every reminder that is due at `now` (default: the current time) and not written
    yet. Returns what was considered per kind and how many rows were new. Safe to run twice,
    or in two processes at once: the unique dedupe key ignores the second insert. About a
    dozen queries plus one insert per BATCH rows, whatever the number of assignments."""
    now = now or timezone.now()
    policy = OrganisationSettings.current()
    url = _course_url()
    producers: list[Iterable[Row]] = [
        _assigned(now, url),
        _due_dates(now, url, policy.due_soon_days),
        _recurrence_starting(now, url),
        _certificate_expiring(now, url),
        _refreshers(now),
        _manager_digests(now),
    ]
    considered: dict[str, int] = dict.fromkeys(sweep_kinds(), 0)
    created = 0
    batch: list[Row] = []
    for row in itertools.chain.from_iterable(producers):
        batch.append(row)
        considered[row.kind] = considered.get(row.kind, 0) + 1
        if len(batch) >= BATCH:
            created += _insert(batch)
            batch = []
    if batch:
        created += _insert(batch)
    return SweepResult(considered=considered, created=created)


def sweep_kinds() -> list[str]:
    """Every kind the sweep writes, in the order it reports them."""
    return [
        Kind.ASSIGNED,
        Kind.DUE_SOON,
        Kind.DUE_TODAY,
        Kind.OVERDUE,
        Kind.OVERDUE_MANAGER,
        Kind.RECURRENCE_STARTING,
        Kind.CERTIFICATE_EXPIRING,
        Kind.REFRESHER_DUE,
        Kind.MANAGER_DIGEST,
    ]


def _insert(batch: list[Row]) -> int:
    """Insert, skipping rows whose dedupe key exists; returns how many were new. On
    PostgreSQL one INSERT ... ON CONFLICT DO NOTHING of plain tuples (Django's bulk_create
    spends most of its time preparing each field of each model instance); elsewhere
    bulk_create, with the count taken around it."""
    if connection.vendor == "postgresql":
        columns = [*_COLUMNS, *_CONSTANT_COLUMNS]
        constants = tuple(_CONSTANT_COLUMNS.values())
        # Table and column names are this module's own; every value is a parameter.
        sql = (
            f"INSERT INTO {Notification._meta.db_table} ({', '.join(columns)}) VALUES %s "  # noqa: S608
            "ON CONFLICT (dedupe_key) DO NOTHING RETURNING 1"
        )
        with connection.cursor() as cursor:
            inserted = execute_values(
                cursor.cursor,
                sql,
                [(*row, *constants) for row in batch],
                page_size=len(batch),
                fetch=True,
            )
        return len(inserted)
    keys = [row.dedupe_key for row in batch]
    before = Notification.objects.filter(dedupe_key__in=keys).count()
    Notification.objects.bulk_create(
        [Notification(**{**row._asdict(), "context": json.loads(row.context)}) for row in batch],
        ignore_conflicts=True,
    )
    return Notification.objects.filter(dedupe_key__in=keys).count() - before
