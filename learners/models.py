"""People, teams and who manages whom; invitations that bring new hires in."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address.

    Everyone is a learner. A person is a manager when they manage at least one team, and a
    training admin when `is_training_admin` is set. `is_superuser`/`is_staff` are for the
    operators who run the Django admin, not for everyday roles.
    """

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    is_training_admin = models.BooleanField(
        _("training admin"),
        default=False,
        help_text=_("Authors training, manages people and teams, and sees every report."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("operator"),
        default=False,
        help_text=_("May sign in to the Django admin site. For operators only."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # An IANA name ("Europe/Lisbon"); empty means the site's TIME_ZONE. Reminders wait for the
    # person's own morning, not the server's.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, default="")

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The full name, or the part of the email before the @ when no name was given."""
        return self.full_name or self.email.split("@", 1)[0]

    def get_full_name(self) -> str:
        return self.display_name

    @property
    def zone(self) -> ZoneInfo:
        """The person's time zone: `time_zone`, or the site's TIME_ZONE when it is empty or not
        a zone this machine knows. No query."""
        for name in (self.time_zone, settings.TIME_ZONE):
            if name:
                try:
                    return ZoneInfo(name)
                except (ZoneInfoNotFoundError, ValueError):
                    continue
        return ZoneInfo("UTC")

    def get_short_name(self) -> str:
        return self.display_name.split(" ", 1)[0]


class TeamQuerySet(models.QuerySet["Team"]):
    def subtree_of(self, teams: list[Team]) -> TeamQuerySet:
        """These teams and every team nested under them. One query when evaluated; empty for []."""
        if not teams:
            return self.none()
        condition = Q()
        for team in teams:
            condition |= Q(path__startswith=team.path)
        return self.filter(condition)


class Team(models.Model):
    """A group of people, such as a store inside a region.

    `path` is a materialised path ("/1/4/") kept by learners.services so that "this team and
    everything under it" is one indexed prefix query, on PostgreSQL and SQLite alike.
    """

    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint("parent", Lower("name"), name="team_name_unique_within_parent"),
            models.UniqueConstraint(
                Lower("name"),
                condition=Q(parent__isnull=True),
                name="team_top_level_name_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        """0 for a top-level team, 1 for a team inside it, and so on. No query."""
        return max(self.path.count("/") - 2, 0)

    @property
    def lineage_ids(self) -> list[int]:
        """The ids of the teams this one sits in, outermost first, and its own last; read from
        `path`, so no query. [] for a team not saved yet."""
        return [int(part) for part in self.path.split("/") if part]


class Membership(models.Model):
    """One person's place in one team, as a member or as a manager of it."""

    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        MANAGER = "manager", _("Manager")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user", "role"], name="membership_unique"),
            models.CheckConstraint(
                condition=Q(role__in=["member", "manager"]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.team} ({self.get_role_display()})"


def _new_nonce() -> str:
    return secrets.token_urlsafe(16)


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self, now: datetime | None = None) -> InvitationQuerySet:
        """Invitations that can still be accepted at `now` (default: the current time)."""
        now = now or timezone.now()
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)

    def unsent(self, now: datetime | None = None) -> InvitationQuerySet:
        """Pending invitations whose current link has not been emailed yet: queued by
        `invitation_create` or `invitation_resend`, waiting for a worker. Lazy."""
        return self.pending(now).filter(sent_at__isnull=True)

    def backlog(self, now: datetime | None = None) -> tuple[int, datetime | None]:
        """(how many are unsent, when the oldest of them was queued), (0, None) when none.
        One query, served by the `invitation_unsent` index."""
        found = self.unsent(now).aggregate(count=models.Count("pk"), oldest=models.Min("queued_at"))
        return found["count"], found["oldest"]


class Invitation(models.Model):
    """An emailed, single-use link that lets a new hire set a password and join a team.

    The link carries a signed (id, nonce) pair; re-sending changes the nonce, so only the newest
    link works. Accepting stamps `accepted_at` with a conditional update, so a link works once.
    """

    email = models.EmailField(_("email address"))
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="invitations_sent",
    )
    nonce = models.CharField(max_length=32, default=_new_nonce)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # When the current link was queued for emailing (created or re-sent); `sent_at` is set once
    # a worker has really handed it to the mail server, and cleared when a new link is queued.
    queued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    # A worker normally sends within seconds; after this long, people are told it is late.
    SENDING_DELAYED_AFTER = timedelta(minutes=5)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(Lower("email"), name="invitation_email_ci"),
            # Small by design (only links waiting to be emailed): /healthz reads it constantly.
            models.Index(
                fields=["queued_at"],
                condition=Q(
                    sent_at__isnull=True, accepted_at__isnull=True, revoked_at__isnull=True
                ),
                name="invitation_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.team}"

    @staticmethod
    def default_expiry(now: datetime | None = None) -> datetime:
        """When an invitation issued at `now` stops working."""
        return (now or timezone.now()) + timedelta(days=settings.INVITATION_VALID_DAYS)

    def status(self, now: datetime | None = None) -> str:
        """One of "accepted", "revoked", "expired" or "pending". No query."""
        now = now or timezone.now()
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "pending"

    def delivery(self, now: datetime | None = None) -> str:
        """Where the current link's email is: "sent" once a worker handed it to the mail
        server, else "queued", or "delayed" once it has been queued longer than
        SENDING_DELAYED_AFTER. No query."""
        now = now or timezone.now()
        if self.sent_at:
            return "sent"
        if now - self.queued_at > self.SENDING_DELAYED_AFTER:
            return "delayed"
        return "queued"


# --- Activity log ---------------------------------------------------------------------------

# What each known action reads as on the activity log. Action codes stay open (apps add their
# own), so this is a lookup with a fallback, not a list of choices; add a line here with a new
# action so the log reads in words rather than codes.
AUDIT_ACTION_LABELS: dict[str, str | Promise] = {
    "membership.add": _("Added to a team"),
    "membership.remove": _("Removed from a team"),
    "role.change": _("Changed a role"),
    "team.create": _("Created a team"),
    "invitation.create": _("Invited someone"),
    "invitation.resend": _("Sent a new invitation link"),
    "invitation.revoke": _("Cancelled an invitation"),
    "invitation.accept": _("Accepted an invitation"),
    "course.publish": _("Published a course"),
    "course.unpublish": _("Unpublished a course"),
    "quiz.publish": _("Published a quiz"),
    "quiz.unpublish": _("Unpublished a quiz"),
    "scenario.publish": _("Published a practice conversation"),
    "scenario.unpublish": _("Unpublished a practice conversation"),
    "assignment.create": _("Assigned training"),
    "assignment.due_change": _("Changed a due date"),
    "assignment.remove": _("Removed an assignment"),
    "assignment.renew": _("Opened the next round of a recurring course"),
    "rule.create": _("Added a team rule"),
    "rule.remove": _("Removed a team rule"),
    "reminders.policy": _("Changed the reminder policy"),
    "reminders.template": _("Changed an email's wording"),
}

AUDIT_TARGET_LABELS: dict[str, str | Promise] = {
    "person": _("person"),
    "team": _("team"),
    "invitation": _("invitation"),
    "course": _("course"),
    "quiz": _("quiz"),
    "scenario": _("practice conversation"),
    "assignment": _("assignment"),
    "path": _("learning path"),
    "rule": _("team rule"),
    "reminders": _("reminders"),
}


def audit_action_label(action: str) -> str:
    """The words for an action code, or the code itself when nobody has named it yet."""
    return str(AUDIT_ACTION_LABELS.get(action, action))


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def filter_by(
        self,
        *,
        action: str = "",
        actor: str = "",
        since: date | None = None,
        until: date | None = None,
    ) -> AuditEntryQuerySet:
        """Entries matching every filter given; an empty or None filter matches everything.

        `actor` is a case-insensitive text search on the name copied into the entry and on the
        acting person's current name and email (a LEFT JOIN to the people table, so entries
        whose actor was deleted still match by the copied name). `since` and `until` are whole
        days in the current time zone, both included. Lazy: one query when evaluated.
        """
        qs = self
        if action:
            qs = qs.filter(action=action)
        if actor:
            qs = qs.filter(
                Q(actor_label__icontains=actor)
                | Q(actor__full_name__icontains=actor)
                | Q(actor__email__icontains=actor)
            )
        # Bounds on the column itself rather than created_at__date, so the index can serve them.
        if since is not None:
            qs = qs.filter(created_at__gte=_start_of_day(since))
        if until is not None:
            qs = qs.filter(created_at__lt=_start_of_day(until + timedelta(days=1)))
        return qs

    def actions_present(self) -> list[str]:
        """The distinct action codes in these entries, sorted. One query; [] when empty."""
        return sorted(self.order_by().values_list("action", flat=True).distinct())

    def for_target(self, target_type: str, target_id: object) -> AuditEntryQuerySet:
        """The entries about one thing, such as ("person", 12). Lazy; uses the target index."""
        return self.filter(target_type=target_type, target_id=str(target_id))


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class AuditEntry(models.Model):
    """One change someone made: who, what, to which thing, before and after, and when.

    Written only by `learners.audit.audit_record`, in the same transaction as the change it
    describes, and never edited afterwards. The actor's name and the target's name are copied
    in, so the log reads the same after a person or a team is deleted. `changes` maps a field
    to `[before, after]`; either side is None when there was nothing before or after.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("who (as named then)"), max_length=255, blank=True)
    # Indexed through ("action", "created_at") below, whose first column serves action lookups.
    action = models.CharField(_("what"), max_length=64)
    target_type = models.CharField(_("kind of thing"), max_length=32)
    target_id = models.CharField(_("thing id"), max_length=64)
    target_label = models.CharField(_("on what (as named then)"), max_length=255, blank=True)
    changes = models.JSONField(_("before and after"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity log entry")
        verbose_name_plural = _("activity log")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["action", "created_at"], name="audit_action_created"),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label or _('System')}: {self.action} {self.target_label}"

    @property
    def action_label(self) -> str:
        """The action in words (see AUDIT_ACTION_LABELS), or its code. No query."""
        return audit_action_label(self.action)

    @property
    def target_type_label(self) -> str:
        """The kind of thing in words, or its code. No query."""
        return str(AUDIT_TARGET_LABELS.get(self.target_type, self.target_type))

    @property
    def change_rows(self) -> list[tuple[str, str, str]]:
        """`changes` as (field, before, after) text for display, fields in alphabetical order
        (PostgreSQL's jsonb keeps no order of its own): "" for nothing, "yes"/"no" for
        booleans. No query."""
        return [
            (field, _display_value(before), _display_value(after))
            for field, (before, after) in sorted(self.changes.items())
        ]


def _display_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)
