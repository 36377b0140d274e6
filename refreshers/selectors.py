"""Reads that pages, reports and reminders share. Each states its query cost.

`refreshers_due` is the one question a reminder asks ("who has refreshers due, how many, since
when"); the learner's own pages read `summary_for` and `sitting_for`; managers' pages read
`retention_by_person` and `retention_by_topic`; recurring assignments read `up_to_date`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from django.db import connection
from django.db.models import (
    Avg,
    Count,
    F,
    FloatField,
    Min,
    Prefetch,
    Q,
    QuerySet,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate
from django.utils import timezone

from assessments.models import Choice, MatchPair, ScenarioReply
from courses.models import Course, Module

from .models import RefresherSession, Review, ReviewItem
from .scheduling import SCHEDULER
from .services import SESSION_SIZE, latest_session

# About how long one refresher takes to answer and read the feedback of.
SECONDS_PER_ITEM = 15
# A refresher answered within this long after it fell due counts as on time.
ON_TIME = dt.timedelta(days=2)


def minutes_for(count: int) -> int:
    """About how many minutes a sitting of `count` due items takes (at most SESSION_SIZE of
    them are asked at once); at least 1."""
    return max(1, math.ceil(min(count, SESSION_SIZE) * SECONDS_PER_ITEM / 60))


# --- For reminders ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DueSummary:
    user_id: int
    count: int
    oldest_due_at: dt.datetime

    @property
    def minutes(self) -> int:
        return minutes_for(self.count)


def refreshers_due(*, now: dt.datetime, user_ids: Iterable[int] | None = None) -> list[DueSummary]:
    """Everyone with refreshers due at `now` (or those of `user_ids`): how many items, and
    since when the oldest has been due. Only items they can be shown count (a course they
    left, an archived question don't). Active people only; ordered by user id. One query."""
    items = ReviewItem.objects.showable().due(now).filter(user__is_active=True)
    if user_ids is not None:
        items = items.filter(user_id__in=list(user_ids))
    rows = (
        items.values("user_id")
        .annotate(count=Count("pk"), oldest=Min("due_at"))
        .order_by("user_id")
    )
    return [DueSummary(r["user_id"], r["count"], r["oldest"]) for r in rows]


# --- For the learner -------------------------------------------------------------------------


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    count: int


@dataclass
class RefresherSummary:
    """What a learner has to refresh: due now, when the next one falls due, and the week."""

    due_now: int
    next_due_at: dt.datetime | None
    week: list[DayCount] = field(default_factory=list)

    @property
    def has_items(self) -> bool:
        return bool(self.due_now or self.next_due_at)

    @property
    def to_review(self) -> int:
        """How many the next sitting asks: at most SESSION_SIZE."""
        return min(self.due_now, SESSION_SIZE)

    @property
    def minutes(self) -> int:
        return minutes_for(self.due_now)

    @property
    def due_this_week(self) -> int:
        return sum(d.count for d in self.week)


def summary_for(user_id: int, *, now: dt.datetime) -> RefresherSummary:
    """The learner's refreshers: how many are due now, when the next one falls due, and how
    many fall due on each day of the coming week (today included, in the site's time zone;
    days without any are left out). Two queries."""
    items = ReviewItem.objects.for_learner(user_id)
    totals = items.aggregate(
        due_now=Count("pk", filter=Q(due_at__lte=now)),
        next_due_at=Min("due_at", filter=Q(due_at__gt=now)),
    )
    today = timezone.localdate(now)
    week_end = dt.datetime.combine(
        today + dt.timedelta(days=7), dt.time.min, tzinfo=timezone.get_current_timezone()
    )
    days = (
        items.filter(due_at__gt=now, due_at__lt=week_end)
        .annotate(day=TruncDate("due_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(count=Count("pk"))
        .order_by("day")
    )
    week = [DayCount(today, totals["due_now"])] if totals["due_now"] else []
    for row in days:
        if week and week[0].day == row["day"]:
            week[0] = DayCount(row["day"], week[0].count + row["count"])
        else:
            week.append(DayCount(row["day"], row["count"]))
    return RefresherSummary(due_now=totals["due_now"], next_due_at=totals["next_due_at"], week=week)


@dataclass
class Sitting:
    """Where the learner is in the current sitting: how many answered, the next item (None at
    the end) and how many the sitting holds in all."""

    session: RefresherSession | None
    answered: int
    item: ReviewItem | None
    total: int
    waiting: int  # due now, beyond what this sitting has answered

    @property
    def number(self) -> int:
        return self.answered + 1


def sitting_for(
    user_id: int, *, now: dt.datetime, more: bool = False, load: bool = True
) -> Sitting:
    """The current sitting (`services.latest_session`) and the next item to ask: the one due
    longest, with its question's options or its line's replies loaded. A sitting asks at most
    SESSION_SIZE; once it has, there is no next item unless `more` asks for a new sitting.
    Without `load`, the next item comes without its options (for pages that only count).
    Seven queries with a question next, four at the end; three without `load`."""
    session, answered = latest_session(user_id=user_id, now=now)
    if session is not None and more and answered >= SESSION_SIZE:
        session, answered = None, 0
    room = SESSION_SIZE - answered
    due = ReviewItem.objects.for_learner(user_id).due(now)
    next_up = due.select_related("question__current", "node__scenario", "course__published_version")
    if load:
        next_up = next_up.prefetch_related(
            Prefetch(
                "question__current__choices", queryset=Choice.objects.order_by("position", "pk")
            ),
            Prefetch(
                "question__current__pairs", queryset=MatchPair.objects.order_by("position", "pk")
            ),
            "question__current__accepted",
            Prefetch("node__replies", queryset=ScenarioReply.objects.order_by("position", "pk")),
        )
    item = next_up.order_by("due_at", "pk").first() if room > 0 else None
    waiting = due.count()
    return Sitting(
        session=session,
        answered=answered,
        item=item,
        total=answered + min(waiting, room),
        waiting=waiting,
    )


# --- For managers ----------------------------------------------------------------------------


def _recall_sql(now: dt.datetime) -> RawSQL:
    """FSRS's retrievability of an item at `now`, in SQL: (1 + factor·t/S)^decay, with t the
    whole days since its last review (as fsrs counts them). Mirrors
    `fsrs.Scheduler.get_card_retrievability`; tests/refreshers/test_selectors.py compares."""
    decay = -SCHEDULER.parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    last = '"refreshers_reviewitem"."last_review_at"'
    if connection.vendor == "sqlite":
        # The embedded database (`make run`): day arithmetic by julianday, and Django's own
        # POWER function; CAST truncates, which is FLOOR for the non-negative days.
        days = f"MAX(0, CAST(julianday(%s) - julianday({last}) AS INTEGER))"
    else:
        days = f"GREATEST(0, FLOOR(EXTRACT(EPOCH FROM (%s - {last})) / 86400))"
    # Only constants are spliced in; `now` and the parameters go as query parameters.
    return RawSQL(  # noqa: S611
        f'POWER(1 + %s * {days} / "refreshers_reviewitem"."stability", %s)',
        (factor, now, decay),
        output_field=FloatField(),
    )


@dataclass
class Retention:
    """How well a person (or a person in one topic) keeps what they learnt."""

    items: int
    recall: float | None  # the memory model's average chance of a right answer now, 0-1
    reviews: int  # refreshers answered
    on_time: int  # of which within ON_TIME of falling due
    overdue: int  # items waiting longer than ON_TIME now

    @property
    def recall_percent(self) -> int | None:
        return None if self.recall is None else round(self.recall * 100)

    @property
    def on_time_percent(self) -> int | None:
        """Refreshers answered on time, out of those answered plus those waiting too long;
        None when none has fallen due yet."""
        asked = self.reviews + self.overdue
        return round(100 * self.on_time / asked) if asked else None


def _retention(
    items: QuerySet[ReviewItem], group: list[str], now: dt.datetime
) -> dict[tuple, Retention]:
    item_rows = (
        items.filter(stability__isnull=False)
        .values(*group)
        .annotate(
            n=Count("pk"),
            recall=Avg(_recall_sql(now)),
            overdue=Count("pk", filter=Q(due_at__lt=now - ON_TIME)),
        )
        .order_by()
    )
    review_rows = (
        Review.objects.filter(item__in=items, source=Review.Source.REFRESHER)
        .values(*(f"item__{g}" for g in group))
        .annotate(
            n=Count("pk"),
            on_time=Count("pk", filter=Q(reviewed_at__lte=F("was_due_at") + ON_TIME)),
        )
        .order_by()
    )
    reviews = {tuple(r[f"item__{g}"] for g in group): r for r in review_rows}
    result = {}
    for row in item_rows:
        key = tuple(row[g] for g in group)
        done = reviews.get(key, {"n": 0, "on_time": 0})
        result[key] = Retention(
            items=row["n"],
            recall=row["recall"],
            reviews=done["n"],
            on_time=done["on_time"],
            overdue=row["overdue"],
        )
    return result


def retention_by_person(user_ids: Iterable[int], *, now: dt.datetime) -> dict[int, Retention]:
    """Each person's retention over all their showable items; people without items are
    missing. Two queries whatever the number of people."""
    items = ReviewItem.objects.showable().filter(user_id__in=list(user_ids))
    return {key[0]: value for key, value in _retention(items, ["user_id"], now).items()}


@dataclass
class TopicRetention:
    course_title: str
    module_title: str
    retention: Retention


def retention_by_topic(user_id: int, *, now: dt.datetime) -> list[TopicRetention]:
    """The person's retention per course and module, weakest recall first. Four queries."""
    items = ReviewItem.objects.for_learner(user_id)
    by_topic = _retention(items, ["course_id", "module_key"], now)
    if not by_topic:
        return []
    courses = {
        c.pk: c
        for c in Course.objects.filter(pk__in={k[0] for k in by_topic}).select_related(
            "published_version"
        )
    }
    modules: dict[tuple[int, UUID], str] = {
        (m.version.course_id, m.key): m.title
        for m in Module.objects.filter(
            version_id__in=[c.published_version_id for c in courses.values()],
            key__in={k[1] for k in by_topic if k[1]},
        ).select_related("version")
    }
    rows = []
    for (course_id, module_key), retention in by_topic.items():
        course = courses[course_id]
        version = course.published_version
        rows.append(
            TopicRetention(
                course_title=version.title if version else course.slug,
                module_title=modules.get((course_id, module_key), ""),
                retention=retention,
            )
        )
    rows.sort(key=lambda r: (r.retention.recall or 0, r.course_title, r.module_title))
    return rows


# --- For recurring assignments ---------------------------------------------------------------


def up_to_date(
    *, user_id: int, course_id: int, since: dt.datetime, now: dt.datetime, grace_days: int
) -> bool:
    """True when the person has kept the course's refreshers up to date: they have at least
    one showable item in the course, none of them has waited more than `grace_days` past its
    due date at `now`, and they answered at least one of them in a refresher since `since`
    (the start of the cycle). Two queries."""
    items = ReviewItem.objects.for_learner(user_id).filter(course_id=course_id)
    counts = items.aggregate(
        n=Count("pk"), late=Count("pk", filter=Q(due_at__lt=now - dt.timedelta(days=grace_days)))
    )
    if not counts["n"] or counts["late"]:
        return False
    return Review.objects.filter(
        item__in=items, source=Review.Source.REFRESHER, reviewed_at__gte=since
    ).exists()
