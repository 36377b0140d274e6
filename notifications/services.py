"""Operations that change notifications, preferences, the reminder policy and the email
templates. Views, commands, tasks and receivers call these; nothing else writes these rows."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learners.audit import audit_record
from learners.models import User

# tasks imports this module too; its task is looked up only when kick() runs.
from . import dispatch, rendering, sweep, tasks
from .kinds import KINDS, Kind
from .models import Channel, EmailTemplate, Notification, OrganisationSettings, Preference, State

logger = logging.getLogger(__name__)

# How many dispatchers a sweep wakes: one per worker process is plenty.
DISPATCHERS = 2
# A request must not wait on a broker that is down: the outbox row is already safe, and the
# next sweep wakes a dispatcher anyway.
KICK_TIMEOUT_S = 1.5


def kick(*, dispatchers: int = 1) -> bool:
    """Ask workers to send what is due now. Never raises and never waits long: returns False
    when the broker could not be reached (the beat sweep wakes dispatchers every few
    minutes, so nothing is lost)."""
    task = tasks.send_pending_notifications
    app = task.app
    try:
        if app.conf.task_always_eager:
            for _i in range(dispatchers):
                task.apply_async()
            return True
        options = {
            **(app.conf.broker_transport_options or {}),
            "socket_timeout": KICK_TIMEOUT_S,
            "socket_connect_timeout": KICK_TIMEOUT_S,
        }
        with app.connection_for_write(transport_options=options) as conn:
            conn.ensure_connection(max_retries=0, timeout=1)
            for _i in range(dispatchers):
                task.apply_async(connection=conn, retry=False)  # type: ignore[call-arg]
    except Exception as exc:
        logger.warning("Could not wake a dispatcher (the sweep will): %r", exc)
        return False
    return True


def kick_on_commit(*, dispatchers: int = 1) -> None:
    """kick() once the surrounding transaction commits (never inside it)."""
    transaction.on_commit(lambda: kick(dispatchers=dispatchers))


@transaction.atomic
def invitation_enqueue(*, invitation_id: int, nonce: str) -> Notification:
    """Write the email for link `nonce` of the invitation into the outbox
    (invitation_outbox_write) and wake a dispatcher after commit. Returns the row."""
    row = invitation_outbox_write(invitation_id=invitation_id, nonce=nonce)
    kick_on_commit()
    return row


@transaction.atomic
def invitation_outbox_write(*, invitation_id: int, nonce: str) -> Notification:
    """The outbox row for link `nonce` of the invitation, written if missing (the same row for
    the same link twice). Earlier links of the invitation still waiting are cancelled: only
    the newest link works. Two queries, three when the row is new."""
    Notification.objects.filter(
        kind=Kind.INVITATION,
        subject_type="invitation",
        subject_id=invitation_id,
        state=State.PENDING,
    ).exclude(period=nonce).update(state=State.CANCELLED, reason="newer_link")
    key = sweep.dedupe_key(
        kind=Kind.INVITATION,
        channel=Channel.EMAIL,
        user_id=None,
        subject_type="invitation",
        subject_id=invitation_id,
        period=nonce,
    )
    row, _created = Notification.objects.get_or_create(
        dedupe_key=key,
        defaults={
            "kind": Kind.INVITATION,
            "channel": Channel.EMAIL,
            "subject_type": "invitation",
            "subject_id": invitation_id,
            "period": nonce,
            "context": {"nonce": nonce},
        },
    )
    return row


def reminders_sweep_and_kick(*, now: dt.datetime | None = None) -> int:
    """Run the sweep (notifications.sweep) and wake DISPATCHERS dispatchers. Returns how many
    rows were new."""
    result = sweep.reminders_sweep(now=now)
    logger.info("Reminder sweep: %s, %d new", result.considered, result.created)
    kick(dispatchers=DISPATCHERS)
    return result.created


def pending_notifications_send(*, budget_s: float = 50.0) -> int:
    """Send what is due for up to `budget_s` seconds; if more is due after that, wake another
    dispatcher for it. Returns how many rows were sent."""
    result = dispatch.dispatch_all(budget_s=budget_s)
    if result.claimed:
        kick()
    return result.sent


# --- People's choices ------------------------------------------------------------------------


def can_turn_off(kind: str, policy: OrganisationSettings) -> bool:
    """Whether a person may turn `kind`'s emails off under `policy`. No query."""
    group = KINDS[kind].group if kind in KINDS else ""
    return group == "optional" or (group == "due_notice" and not policy.due_notices_mandatory)


@transaction.atomic
def preferences_set(*, user: User, email_on: dict[str, bool]) -> list[Preference]:
    """Save which kinds `user` gets by email. Kinds they may not turn off (can_turn_off) are
    ignored. Returns the saved rows. One query per kind."""
    policy = OrganisationSettings.current()
    saved = []
    for kind, on in email_on.items():
        if kind in KINDS and can_turn_off(kind, policy):
            row, _created = Preference.objects.update_or_create(
                user=user, kind=kind, defaults={"email": on}
            )
            saved.append(row)
    return saved


@transaction.atomic
def unsubscribe(*, user_id: int, kinds: list[str]) -> list[str]:
    """Turn off the emails of `kinds` (optional ones only) for the person. Returns the kinds
    turned off; [] when the person no longer exists."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return []
    return [p.kind for p in preferences_set(user=user, email_on=dict.fromkeys(kinds, False))]


@transaction.atomic
def mark_read(*, user: User, pk: int | None = None) -> int:
    """Mark one of `user`'s messages in the app (or, with no `pk`, all of them) as read.
    Returns how many changed; someone else's message changes nothing. One query."""
    unread = Notification.objects.unread_for(user.pk)
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())


# --- The organisation's policy and templates ---------------------------------------------------


@transaction.atomic
def policy_update(
    *,
    actor: User,
    due_soon_days: list[int],
    quiet_start: dt.time,
    quiet_end: dt.time,
    daily_email_cap: int,
    due_notices_mandatory: bool,
) -> OrganisationSettings:
    """Change the reminder policy and record "reminders.policy". Raises ValidationError with
    field errors for days out of 1–60, more than five of them, or a cap out of 1–10."""
    errors = {}
    if len(due_soon_days) > 5 or any(not 1 <= d <= 60 for d in due_soon_days):
        errors["due_soon_days"] = _("Use up to five numbers of days, each from 1 to 60.")
    if not 1 <= daily_email_cap <= 10:
        errors["daily_email_cap"] = _("Choose from 1 to 10 emails a day.")
    if errors:
        raise ValidationError(errors)
    policy = OrganisationSettings.current()
    before = (policy.due_soon_days, policy.quiet_start, policy.quiet_end, policy.daily_email_cap)
    policy.due_soon_days = sorted(set(due_soon_days), reverse=True)
    policy.quiet_start, policy.quiet_end = quiet_start, quiet_end
    policy.daily_email_cap = daily_email_cap
    policy.due_notices_mandatory = due_notices_mandatory
    policy.updated_by = actor
    policy.save()
    audit_record(
        actor=actor,
        action="reminders.policy",
        target_type="reminders",
        target_id=policy.pk,
        target_label=_("Reminder policy"),
        changes={
            "days before": (before[0], policy.due_soon_days),
            "quiet hours": (
                f"{before[1]:%H:%M}–{before[2]:%H:%M}",
                f"{quiet_start:%H:%M}–{quiet_end:%H:%M}",
            ),
            "emails a day": (before[3], daily_email_cap),
        },
    )
    return policy


@transaction.atomic
def template_save(*, actor: User, key: str, source: rendering.Source) -> EmailTemplate:
    """Save admins' wording for `key` after checking it (rendering.problems) and record
    "reminders.template" with what changed. Raises
    ValidationError with a message per field (subject, text, html) and saves nothing then."""
    found = rendering.problems(key, source)
    if found:
        raise ValidationError(found)
    before = rendering.source_for(key)
    audit_record(
        actor=actor,
        action="reminders.template",
        target_type="reminders",
        target_id=0,
        target_label=key,
        changes={
            part: (before.part(part), source.part(part))
            for part in rendering.PARTS
            if before.part(part) != source.part(part)
        },
    )
    template, _created = EmailTemplate.objects.update_or_create(
        key=key,
        defaults={
            "subject": source.subject,
            "text": source.text,
            "html": source.html,
            "updated_by": actor,
        },
    )
    return template


@transaction.atomic
def template_reset(*, actor: User, key: str) -> None:
    """Go back to the shipped wording for `key`, recorded as "reminders.template"."""
    deleted, _detail = EmailTemplate.objects.filter(key=key).delete()
    if deleted:
        audit_record(
            actor=actor,
            action="reminders.template",
            target_type="reminders",
            target_id=0,
            target_label=key,
            changes={"wording": ("changed", "original")},
        )


def failed_retry(*, pk: int) -> bool:
    """Put a failed email back in the queue now. Returns False when it was not failed."""
    changed = Notification.objects.filter(pk=pk, state=State.FAILED).update(
        state=State.PENDING, attempts=0, next_attempt_at=timezone.now(), reason=""
    )
    if changed:
        kick_on_commit()
    return bool(changed)


def saved_template_keys() -> list[str]:
    """Keys of the templates admins have changed. One query."""
    return list(EmailTemplate.objects.values_list("key", flat=True))


@transaction.atomic
def time_zone_set(*, user: User, time_zone: str) -> None:
    """Set the person's time zone ("" for the site's). The form offers only known zones."""
    User.objects.filter(pk=user.pk).update(time_zone=time_zone)
    user.time_zone = time_zone
