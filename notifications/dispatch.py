"""The dispatcher: claims due email rows in batches, re-checks them, and sends.

Claiming is one short transaction: `SELECT ... FOR UPDATE SKIP LOCKED` (where the database has
it; SQLite runs one writer at a time anyway) picks up to `limit` due rows plus every other due
row of the same people, so a person's reminders are decided together, then marks them
"sending" with a lease. A worker that dies mid-batch leaves its rows "sending"; once the lease
runs out they are due again and the next dispatcher takes them (`NotificationQuerySet.due`).

Each person is then handled in a transaction that locks their `Mailbox` row, so two workers
never both spend the same daily cap: stale rows are cancelled, rows the person turned off are
held, and in quiet hours or over the cap the rest wait for the person's next morning.
Otherwise they go out as one email (a digest when there are several) and are marked sent.

Delivery is at least once: the mail server accepting a message and the row being marked sent
cannot be one atomic step. A worker killed between the two sends that one message again after
the lease; nothing else is ever sent twice, and nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from learners import services as learner_services
from learners.models import Invitation, User

from . import rendering, unsubscribe
from .kinds import KINDS, OPTIONAL, Kind
from .models import Mailbox, Notification, OrganisationSettings, Preference, State
from .staleness import Snapshot, stale_reason

logger = logging.getLogger(__name__)

BATCH = 50
MAX_ATTEMPTS = 6
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=1)


def lease() -> dt.timedelta:
    """How long a claimed row is a worker's before others may take it: longer than a batch
    can take to send (NOTIFICATIONS_LEASE_SECONDS)."""
    return dt.timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS)


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failure: 1, 2, 4... minutes, at most an hour."""
    return min(BACKOFF_BASE * 2 ** max(0, attempts - 1), BACKOFF_MAX)


@dataclass
class DispatchResult:
    """What one batch did, counted in outbox rows (emails: messages handed to the server)."""

    claimed: int = 0
    emails: int = 0
    sent: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n


def _lockable(queryset: QuerySet[Notification]) -> QuerySet[Notification]:
    if db_connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset


def claim(*, now: dt.datetime, limit: int, token: str) -> int:
    """Mark up to `limit` due rows, and every other due row of the same people, as being sent
    by `token` until the lease runs out. Returns how many were claimed. Three queries."""
    with transaction.atomic():
        due = Notification.objects.due(now).order_by("next_attempt_at", "pk")
        first = list(_lockable(due).values_list("pk", "user_id")[:limit])
        if not first:
            return 0
        pks = {pk for pk, _user in first}
        people = {user for _pk, user in first if user is not None}
        if people:
            more = Notification.objects.due(now).filter(user_id__in=people)
            pks |= set(_lockable(more).values_list("pk", flat=True))
        return Notification.objects.filter(pk__in=pks).update(
            state=State.SENDING,
            lease_until=now + lease(),
            claimed_by=token,
            attempts=F("attempts") + 1,
        )


def dispatch_due(*, now: dt.datetime | None = None, limit: int = BATCH) -> DispatchResult:
    """Claim one batch of due email rows and deal with each: send, combine, defer, hold or
    cancel. Returns what happened; `claimed` is 0 when nothing was due. Safe in any number
    of workers at once."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    result = DispatchResult(claimed=claim(now=now, limit=limit, token=token))
    if not result.claimed:
        return result
    rows = list(
        Notification.objects.filter(claimed_by=token, state=State.SENDING)
        .select_related("user")
        .order_by("user_id", "pk")
    )
    policy = OrganisationSettings.current()
    sources: dict[str, rendering.Source] = {}
    # Read for the whole batch at once: what each row is about, people's choices, mailboxes.
    snapshot = Snapshot(rows)
    people = {r.user_id for r in rows if r.user_id is not None}
    preferences: dict[int, dict[str, bool]] = {}
    for user_id, kind, on in Preference.objects.filter(user_id__in=people).values_list(
        "user_id", "kind", "email"
    ):
        preferences.setdefault(user_id, {})[kind] = on
    Mailbox.objects.bulk_create([Mailbox(user_id=u) for u in people], ignore_conflicts=True)
    mail = get_connection()
    try:
        for user_id, group in itertools.groupby(rows, key=lambda r: r.user_id):
            rows_of = list(group)
            try:
                if user_id is None:
                    for row in rows_of:
                        _deliver_invitation(row, token, now, mail, result)
                else:
                    assert rows_of[0].user is not None
                    batch = Batch(token, now, policy, mail, sources, snapshot, preferences)
                    _deliver_to_person(rows_of[0].user, rows_of, batch, result)
            except Exception as exc:
                # Anything else (a template that no longer renders, a database error) counts
                # as a failed attempt, so the rows end up "failed" for admins to see rather
                # than being retaken after every lease for ever. The rest of the batch goes on.
                logger.exception("Delivering notifications %s failed", [r.pk for r in rows_of])
                result.add("failed", _retry(rows_of, token, now, exc))
    finally:
        mail.close()
    return result


def _mine(rows: Iterable[Notification], token: str) -> QuerySet[Notification]:
    # Conditional on the claim: a row whose lease ran out may belong to another worker now.
    return Notification.objects.filter(pk__in=[r.pk for r in rows], claimed_by=token)


def _finish(rows: list[Notification], token: str, state: str, reason: str) -> None:
    _mine(rows, token).update(state=state, reason=reason, lease_until=None)


def _defer(rows: list[Notification], token: str, until: dt.datetime, reason: str) -> None:
    # Waiting is not a failed attempt, so the claim's count is taken back.
    _mine(rows, token).update(
        state=State.PENDING,
        reason=reason,
        next_attempt_at=until,
        lease_until=None,
        claimed_by="",
        attempts=F("attempts") - 1,
    )


def _retry(rows: list[Notification], token: str, now: dt.datetime, error: Exception) -> int:
    """Back to pending after a backoff, or failed after MAX_ATTEMPTS. Returns how many failed."""
    failed = 0
    text = f"{type(error).__name__}: {error}"[:1000]
    for row in rows:
        if row.attempts >= MAX_ATTEMPTS:
            failed += 1
            _mine([row], token).update(
                state=State.FAILED, reason="gave_up", last_error=text, lease_until=None
            )
        else:
            _mine([row], token).update(
                state=State.PENDING,
                reason="send_error",
                last_error=text,
                next_attempt_at=now + backoff(row.attempts),
                lease_until=None,
                claimed_by="",
            )
    logger.warning("Sending %d notification(s) failed: %s", len(rows), text)
    return failed


def _send(mail: BaseEmailBackend, message: EmailMultiAlternatives) -> None:
    message.connection = mail
    try:
        # One connection for the whole batch (open() does nothing once it is open); without
        # it the backend would connect and say goodbye for every message.
        mail.open()
        message.send()
    except Exception:
        # The connection may be half-dead; the next message opens a fresh one.
        mail.close()
        raise


def _mark_sent(rows: list[Notification], token: str, message_id: str) -> int:
    return _mine(rows, token).update(
        state=State.SENT, sent_at=timezone.now(), message_id=message_id, lease_until=None
    )


def _deliver_invitation(
    row: Notification, token: str, now: dt.datetime, mail: BaseEmailBackend, result: DispatchResult
) -> None:
    nonce = str(row.context.get("nonce", ""))
    message = learner_services.invitation_email_message(invitation_id=row.subject_id, nonce=nonce)
    if message is None:
        current = Invitation.objects.filter(pk=row.subject_id).values_list("nonce", flat=True)
        reason = "newer_link" if current.first() not in (None, nonce) else "no_longer_due"
        _finish([row], token, State.CANCELLED, reason)
        result.add("cancelled")
        return
    try:
        _send(mail, message)
    except Exception as exc:
        result.add("failed", _retry([row], token, now, exc))
        result.add("retried")
        return
    result.emails += 1
    result.sent += _mark_sent([row], token, uuid.uuid4().hex)
    learner_services.invitation_mark_sent(invitation_id=row.subject_id, nonce=nonce)


def may_email(kind: str, preferences: dict[str, bool], policy: OrganisationSettings) -> bool:
    """Whether a person with `preferences` ({kind: email on}) gets `kind` by email: due-date
    notices when the organisation makes them mandatory, otherwise as they chose (on unless
    turned off). No query."""
    group = KINDS[kind].group if kind in KINDS else "optional"
    if group == "transactional":
        return True
    if group == "due_notice" and policy.due_notices_mandatory:
        return True
    return preferences.get(kind, True)


def next_quiet_end(local: dt.datetime, policy: OrganisationSettings) -> dt.datetime:
    """The first end of quiet hours after the wall-clock moment `local` (aware)."""
    day = local.date()
    for offset in (0, 1):
        end = dt.datetime.combine(day + dt.timedelta(days=offset), policy.quiet_end, local.tzinfo)
        if end > local:
            return end
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Batch:
    """What every person in one claimed batch shares."""

    token: str
    now: dt.datetime
    policy: OrganisationSettings
    mail: BaseEmailBackend
    sources: dict[str, rendering.Source]
    snapshot: Snapshot
    preferences: dict[int, dict[str, bool]]


def _deliver_to_person(
    user: User, rows: list[Notification], batch: Batch, result: DispatchResult
) -> None:
    token, now, policy, mail = batch.token, batch.now, batch.policy, batch.mail
    with transaction.atomic():
        # Locked until the email is sent and counted: another worker holding some of this
        # person's rows waits here, then sees the day's count.
        mailbox = Mailbox.objects.select_for_update().get(user=user)
        preferences = batch.preferences.get(user.pk, {})
        live: list[Notification] = []
        for row in rows:
            reason = stale_reason(row, now, batch.snapshot)
            if reason is not None:
                _finish([row], token, State.CANCELLED, reason)
                result.add("cancelled")
            elif not may_email(row.kind, preferences, policy):
                _finish([row], token, State.HELD, "preference")
                result.add("held")
            else:
                live.append(row)
        live = _most_urgent_per_subject(live, token, result)
        if not live:
            return
        local = now.astimezone(user.zone)
        if policy.in_quiet_hours(local.time()):
            _defer(live, token, next_quiet_end(local, policy), "quiet_hours")
            result.add("deferred", len(live))
            return
        used = mailbox.sent_that_day if mailbox.day == local.date() else 0
        if used >= policy.daily_email_cap:
            morning = dt.datetime.combine(
                local.date() + dt.timedelta(days=1), policy.quiet_end, local.tzinfo
            )
            _defer(live, token, morning, "daily_cap")
            result.add("deferred", len(live))
            return
        message = build_email(user, live, batch.sources)
        try:
            _send(mail, message)
        except Exception as exc:
            result.add("failed", _retry(live, token, now, exc))
            result.add("retried", len(live))
            return
        result.emails += 1
        result.sent += _mark_sent(live, token, uuid.uuid4().hex)
        mailbox.day, mailbox.sent_that_day = local.date(), used + 1
        mailbox.save(update_fields=["day", "sent_that_day"])


# Several reminders about the same training in one email: only the most urgent is said.
_URGENCY: list[str] = [
    Kind.OVERDUE,
    Kind.DUE_TODAY,
    Kind.DUE_SOON,
    Kind.RECURRENCE_STARTING,
    Kind.ASSIGNED,
]


def _most_urgent_per_subject(
    rows: list[Notification], token: str, result: DispatchResult
) -> list[Notification]:
    """Keep one row per training (enrolment) the person hears about: the most urgent. The
    others are cancelled as "superseded", which the ledger shows."""
    best: dict[int, Notification] = {}
    for row in rows:
        if row.subject_type != "enrolment" or row.kind not in _URGENCY:
            continue
        current = best.get(row.subject_id)
        if current is None or _URGENCY.index(row.kind) < _URGENCY.index(current.kind):
            best[row.subject_id] = row
    keep: list[Notification] = []
    drop: list[Notification] = []
    for row in rows:
        chosen = best.get(row.subject_id) if row.subject_type == "enrolment" else None
        (drop if chosen is not None and chosen is not row else keep).append(row)
    if drop:
        _finish(drop, token, State.CANCELLED, "superseded")
        result.add("cancelled", len(drop))
    return keep


def _source(key: str, sources: dict[str, rendering.Source]) -> rendering.Source:
    if key not in sources:
        sources[key] = rendering.source_for(key)
    return sources[key]


def item_context(row: Notification) -> dict[str, Any]:
    """The row's template data, plus its unsubscribe link for an optional kind."""
    context = dict(row.context)
    if row.kind in OPTIONAL and row.user_id is not None:
        context["unsubscribe_url"] = unsubscribe.url(user_id=row.user_id, kinds=[row.kind])
    return context


def build_email(
    user: User, rows: list[Notification], sources: dict[str, rendering.Source] | None = None
) -> EmailMultiAlternatives:
    """One email to `user` carrying `rows`: that kind's own email for one row, the digest for
    several. Optional kinds add `List-Unsubscribe` (one click, RFC 8058) for all of them. One
    query per template not in `sources`."""
    sources = {} if sources is None else sources
    several = len(rows) > 1
    items = [
        rendering.render(_source(r.kind, sources), {**item_context(r), "in_digest": several})
        for r in rows
    ]
    if len(items) == 1:
        rendered = items[0]
    else:
        base = {"site_name": settings.SITE_NAME}
        name = str(rows[0].context.get("name") or user.get_short_name())
        rendered = rendering.render_digest(name, items, base, _source("digest", sources))
    headers = {}
    optional = [r.kind for r in rows if r.kind in OPTIONAL]
    if optional:
        headers["List-Unsubscribe"] = f"<{unsubscribe.url(user_id=user.pk, kinds=optional)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=rendered.subject, body=rendered.text, to=[user.email], headers=headers
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


def dispatch_all(*, now: dt.datetime | None = None, budget_s: float = 50.0) -> DispatchResult:
    """Run batches until nothing is due or `budget_s` seconds have passed. Returns the totals;
    `claimed` of the last batch is 0 when everything due was dealt with."""
    total = DispatchResult()
    deadline = time.monotonic() + budget_s
    while True:
        batch = dispatch_due(now=now)
        total.emails += batch.emails
        total.sent += batch.sent
        for what, n in batch.counts.items():
            total.add(what, n)
        total.claimed = batch.claimed
        if not batch.claimed or time.monotonic() > deadline:
            return total
