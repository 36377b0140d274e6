"""The notifications outbox and what shapes it: the organisation's reminder policy, each
person's choices, and the email templates admins edit.

One `Notification` row is one message to one person on one channel. The sweep
(notifications.sweep) writes rows set-based under a unique `dedupe_key`, so two sweeps, a retry
or a sweep after beat was down find the rows already there; the dispatcher
(notifications.dispatch) claims pending email rows, re-checks them and sends. Rows are never
deleted by the product: they are the ledger managers read (notifications.ledger).
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .kinds import Kind


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    IN_APP = "in_app", _("In the app")


class State(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    HELD = "held", _("Held back")
    CANCELLED = "cancelled", _("Not sent")


# Why a row waited, was held back or was not sent; the ledger reads these in words.
REASONS: dict[str, str | Promise] = {
    "quiet_hours": _("waited for the end of quiet hours in their time zone"),
    "daily_cap": _("waited for the next day: they already had a reminder email that day"),
    "preference": _("held back: they turned these emails off"),
    "completed": _("not sent: they had finished the training"),
    "unassigned": _("not sent: the training was no longer assigned"),
    "deactivated": _("not sent: their account was switched off"),
    "due_moved": _("not sent: the due date had changed"),
    "no_longer_due": _("not sent: it was no longer true when its turn came"),
    "newer_link": _("not sent: a newer invitation link replaced it"),
    "superseded": _("not sent: a more urgent reminder about the same training went instead"),
    "send_error": _("the mail server refused it; trying again later"),
    "gave_up": _("failed: the mail server refused it every time"),
}


class NotificationQuerySet(models.QuerySet["Notification"]):
    def due(self, now: dt.datetime) -> NotificationQuerySet:
        """Email rows waiting to be sent whose time has come: pending with `next_attempt_at`
        at or before `now`, or being sent by a worker whose lease ran out (it died). Lazy;
        served by the `notification_due` index."""
        return self.filter(
            Q(state=State.PENDING, next_attempt_at__lte=now)
            | Q(state=State.SENDING, lease_until__lt=now),
            channel=Channel.EMAIL,
        )

    def backlog(self, now: dt.datetime) -> tuple[int, dt.datetime | None]:
        """(how many emails are due and unsent, since when the oldest has been due), (0, None)
        when none. One query."""
        found = self.due(now).aggregate(
            count=models.Count("pk"), oldest=models.Min("next_attempt_at")
        )
        return found["count"], found["oldest"]

    def in_app_for(self, user_id: int) -> NotificationQuerySet:
        """The person's messages in the app (the bell), newest first. Lazy."""
        return self.filter(user_id=user_id, channel=Channel.IN_APP).order_by("-created_at", "-pk")

    def unread_for(self, user_id: int) -> NotificationQuerySet:
        """The person's unread messages in the app. Lazy; served by `notification_unread`."""
        return self.filter(user_id=user_id, channel=Channel.IN_APP, read_at__isnull=True)


class Notification(models.Model):
    """One message to one person (or, for an invitation, one address) on one channel."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    # What it is about ("enrolment" 12, "certificate" 7, "invitation" 3, "team" for a
    # manager's digest, a refresher source's name): the staleness checks read it.
    subject_type = models.CharField(max_length=32)
    subject_id = models.BigIntegerField()
    # Which occurrence: "7d:2026-12-11" (seven days before that due date), "2026-W49"...
    period = models.CharField(max_length=40)
    dedupe_key = models.CharField(max_length=200, unique=True)
    # Plain data the templates render (names, titles, dates as text, links).
    context = models.JSONField(default=dict, blank=True)
    # The due date it was written for; a reminder whose training's due date has moved is stale.
    due_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    reason = models.CharField(max_length=24, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=36, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Rows that went out in the same email share this (a digest combines several).
    message_id = models.CharField(max_length=36, blank=True)
    last_error = models.TextField(blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # Small by design (only what waits): the dispatcher and /healthz read it constantly.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=["pending", "sending"], channel="email"),
                name="notification_due",
            ),
            models.Index(fields=["user", "created_at"], name="notification_user_created"),
            models.Index(
                fields=["user"],
                condition=Q(channel="in_app", read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return self.dedupe_key

    @property
    def reason_text(self) -> str:
        """The reason in words; "" when there is none. No query."""
        return str(REASONS.get(self.reason, self.reason))

    @property
    def kind_label(self) -> str:
        return str(Kind(self.kind).label) if self.kind in Kind.values else self.kind


def _default_due_soon_days() -> list[int]:
    return [7, 1]


class OrganisationSettings(models.Model):
    """The organisation's reminder policy: one row (pk 1), edited by training admins."""

    due_soon_days = models.JSONField(
        _("remind this many days before a due date"), default=_default_due_soon_days
    )
    quiet_start = models.TimeField(_("quiet hours start"), default=dt.time(20, 0))
    quiet_end = models.TimeField(_("quiet hours end"), default=dt.time(8, 0))
    daily_email_cap = models.PositiveSmallIntegerField(
        _("reminder emails per person per day"), default=1
    )
    due_notices_mandatory = models.BooleanField(
        _("everyone gets due-date emails"),
        default=True,
        help_text=_(
            "When on, people can't turn off emails about new training and due dates. "
            "Other reminders they can always turn off."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    SINGLETON_PK: ClassVar[int] = 1

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policy")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="organisationsettings_singleton"),
            models.CheckConstraint(
                condition=Q(daily_email_cap__gte=1, daily_email_cap__lte=10),
                name="organisationsettings_cap_range",
            ),
        ]

    def __str__(self) -> str:
        return "Reminder policy"

    @classmethod
    def current(cls) -> OrganisationSettings:
        """The one row, created with the defaults the first time. One query (two the first
        time)."""
        found, _created = cls.objects.get_or_create(pk=cls.SINGLETON_PK)
        return found

    def in_quiet_hours(self, local: dt.time) -> bool:
        """Whether a wall-clock time falls in quiet hours (which may run past midnight)."""
        if self.quiet_start == self.quiet_end:
            return False
        if self.quiet_start < self.quiet_end:
            return self.quiet_start <= local < self.quiet_end
        return local >= self.quiet_start or local < self.quiet_end


class Preference(models.Model):
    """A person turned the emails of one kind off (in the app they still show)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    email = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="preference_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {'on' if self.email else 'off'}"


class Mailbox(models.Model):
    """How many reminder emails a person got on their local `day`. The dispatcher locks this
    row while it decides and sends, so two workers never both spend a person's daily cap."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    day = models.DateField(null=True, blank=True)
    sent_that_day = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.sent_that_day} on {self.day}"


class EmailTemplate(models.Model):
    """An admin's wording for one kind of email (or the digest). Without a row, the default
    from templates/notifications/email/ is used."""

    key = models.CharField(max_length=32, unique=True)
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("plain text"))
    html = models.TextField(_("HTML"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return self.key
