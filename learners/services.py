"""Operations that change people, teams and invitations. Views, commands and tasks call these;
nothing else writes these rows.

Each service that changes who is where, or who may do what, takes the acting person as
`actor` and writes an activity log entry (learners.audit) in its own transaction. `actor` is
None only for system work: seed_demo, management commands, scheduled tasks. When a person acts,
pass them.
"""

from __future__ import annotations

from datetime import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from .audit import Change, Changes, audit_record
from .events import announce_invitation_queued, announce_member_joined
from .models import Invitation, Membership, Team, User, _new_nonce

_INVITATION_SALT = "learners.invitation"


# --- People ----------------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    email: str,
    password: str | None,
    full_name: str = "",
    is_training_admin: bool = False,
    email_verified: bool = True,
) -> User:
    """Create a person who can sign in with `email`, with allauth's matching email record.

    Making them a training admin is a role change and is recorded ("role.change") with
    `actor`; creating a learner records nothing (their invitation's acceptance does).
    Raises ValidationError when the email is already taken (case-insensitively).
    """
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.annotate(e=Lower("email")).filter(e=email).exists():
        raise ValidationError({"email": _("Someone already uses this email address.")})
    user = User.objects.create_user(
        email=email,
        password=password,
        full_name=full_name.strip(),
        is_training_admin=is_training_admin,
    )
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=email_verified)
    if is_training_admin:
        audit_record(
            actor=actor,
            action="role.change",
            target_type="person",
            target_id=user.pk,
            target_label=user.display_name,
            changes={"training admin": (False, True)},
        )
    return user


# --- Teams -----------------------------------------------------------------------------------


@transaction.atomic
def team_create(*, actor: User | None, name: str, parent: Team | None = None) -> Team:
    """Create a team, optionally nested in `parent`, set its materialised path and record
    "team.create".

    Raises ValidationError when a sibling already has that name.
    """
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the team a name.")})
    siblings = Team.objects.filter(parent=parent).annotate(n=Lower("name"))
    if siblings.filter(n=name.lower()).exists():
        raise ValidationError({"name": _("There is already a team with this name here.")})
    team = Team.objects.create(name=name, parent=parent)
    team.path = f"{parent.path if parent else '/'}{team.pk}/"
    team.save(update_fields=["path"])
    changes: dict[str, Change] = {"name": (None, team.name)}
    if parent is not None:
        changes["part of"] = (None, parent.name)
    audit_record(
        actor=actor,
        action="team.create",
        target_type="team",
        target_id=team.pk,
        target_label=team.name,
        changes=changes,
    )
    return team


@transaction.atomic
def membership_add(
    *, actor: User | None, team: Team, user: User, role: str = Membership.Role.MEMBER
) -> Membership:
    """Put `user` in `team` with `role` and record "membership.add". A new member is announced
    (`events.member_joined`) once the transaction commits.

    Returns the existing row, and records and announces nothing, if they already have that role
    there.
    """
    membership, created = Membership.objects.get_or_create(team=team, user=user, role=role)
    if created:
        _audit_membership(actor, "membership.add", team=team, user=user, role=role, joined=True)
        if role == Membership.Role.MEMBER:
            announce_member_joined(user_id=user.pk, team_id=team.pk)
    return membership


@transaction.atomic
def membership_remove(*, actor: User | None, team: Team, user: User, role: str) -> int:
    """Take `role` in `team` away from `user` and record "membership.remove".

    Returns how many rows went (0 or 1); when 0, nothing changed and nothing is recorded.
    """
    deleted, _detail = Membership.objects.filter(team=team, user=user, role=role).delete()
    if deleted:
        _audit_membership(actor, "membership.remove", team=team, user=user, role=role, joined=False)
    return deleted


def _audit_membership(
    actor: User | None, action: str, *, team: Team, user: User, role: str, joined: bool
) -> None:
    # A membership is a person's place in a team, so the entry is about the person.
    if joined:
        changes: Changes = {"team": (None, team.name), "role": (None, str(role))}
    else:
        changes = {"team": (team.name, None), "role": (str(role), None)}
    audit_record(
        actor=actor,
        action=action,
        target_type="person",
        target_id=user.pk,
        target_label=user.display_name,
        changes=changes,
    )


# --- Invitations -----------------------------------------------------------------------------


class InvitationUnavailable(Exception):
    """The link cannot be used; `reason` is "invalid", "expired", "revoked" or "accepted"."""

    def __init__(self, reason: str, invitation: Invitation | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


class InvitationForAnotherAccount(Exception):
    """The invitation is for an existing account (`account`), and whoever tried to accept it
    is not signed in as that account."""

    def __init__(self, account: User) -> None:
        super().__init__(account.email)
        self.account = account


def invitation_token(invitation: Invitation) -> str:
    """The signed token for the invitation's current link."""
    return signing.dumps([invitation.pk, invitation.nonce], salt=_INVITATION_SALT, compress=True)


def invitation_url(invitation: Invitation) -> str:
    """Absolute link for emails (built from SITE_URL, since tasks have no request)."""
    path = reverse("invitation_accept", args=[invitation_token(invitation)])
    return f"{settings.SITE_URL}{path}"


def invitation_from_token(token: str, *, now: datetime | None = None) -> Invitation:
    """The invitation a link points to, if it can still be accepted.

    Raises InvitationUnavailable with the reason otherwise. One query.
    """
    try:
        pk, nonce = signing.loads(token, salt=_INVITATION_SALT)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvitationUnavailable("invalid") from exc
    invitation = Invitation.objects.select_related("team", "invited_by").filter(pk=pk).first()
    if invitation is None or not constant_time_compare(str(nonce), invitation.nonce):
        raise InvitationUnavailable("invalid", invitation)
    state = invitation.status(now)
    if state != "pending":
        raise InvitationUnavailable(state, invitation)
    return invitation


@transaction.atomic
def invitation_create(
    *, actor: User | None, email: str, team: Team, full_name: str = ""
) -> Invitation:
    """Invite `email` into `team` on behalf of `actor` (stored as `invited_by`), record
    "invitation.create" and queue the email in the same transaction (the notifications outbox,
    through `events.invitation_queued`); a worker sends it after commit.

    A pending invitation for the same email and team is re-sent rather than duplicated (and
    recorded as "invitation.resend"). Raises ValidationError when the person is already a
    member of the team.
    """
    email = User.objects.normalize_email(email).strip().lower()
    if Membership.objects.filter(
        team=team, user__email__iexact=email, role=Membership.Role.MEMBER
    ).exists():
        raise ValidationError({"email": _("This person is already in %(team)s.") % {"team": team}})
    existing = Invitation.objects.pending().filter(team=team, email__iexact=email).first()
    if existing is not None:
        return invitation_resend(actor=actor, invitation=existing)
    now = timezone.now()
    invitation = Invitation.objects.create(
        email=email,
        full_name=full_name.strip(),
        team=team,
        invited_by=actor,
        created_at=now,
        queued_at=now,
        expires_at=Invitation.default_expiry(now),
    )
    _audit_invitation(
        actor,
        "invitation.create",
        invitation,
        {"email": (None, invitation.email), "team": (None, team.name)},
    )
    _queue_invitation_email(invitation)
    return invitation


@transaction.atomic
def invitation_resend(*, actor: User | None, invitation: Invitation) -> Invitation:
    """Issue a fresh link (the old one stops working), restart the 7 days, record
    "invitation.resend" and queue its email in the same transaction (the old link's email, if
    still waiting, is cancelled); a worker sends it after commit.

    Raises ValidationError if the invitation was already accepted.
    """
    now = timezone.now()
    expires_at = Invitation.default_expiry(now)
    fresh = {
        "nonce": _new_nonce(),
        "expires_at": expires_at,
        "queued_at": now,
        "sent_at": None,
        "revoked_at": None,
    }
    # Conditional on the database's state, not the caller's copy, which may be stale.
    updated = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(**fresh)
    if updated != 1:
        raise ValidationError(_("This invitation was already accepted."))
    _audit_invitation(
        actor,
        "invitation.resend",
        invitation,
        {
            "status": (invitation.status(now), "pending"),
            "link works until": (_day(invitation.expires_at), _day(expires_at)),
        },
    )
    for field, value in fresh.items():
        setattr(invitation, field, value)
    _queue_invitation_email(invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User | None, invitation: Invitation) -> Invitation:
    """Stop the link from working and record "invitation.revoke".

    Accepted or already revoked invitations are left as they are, and nothing is recorded.
    """
    now = timezone.now()
    revoked = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    if revoked:
        _audit_invitation(
            actor, "invitation.revoke", invitation, {"status": (invitation.status(now), "revoked")}
        )
        invitation.revoked_at = now
    return invitation


def _day(moment: datetime) -> str:
    return timezone.localdate(moment).isoformat()


def _audit_invitation(
    actor: User | None, action: str, invitation: Invitation, changes: Changes
) -> None:
    audit_record(
        actor=actor,
        action=action,
        target_type="invitation",
        target_id=invitation.pk,
        target_label=_("%(email)s, for %(team)s")
        % {"email": invitation.email, "team": invitation.team.name},
        changes=changes,
    )


def _queue_invitation_email(invitation: Invitation) -> None:
    # Written to the outbox in this transaction (docs/adr/0015); a worker sends it.
    announce_invitation_queued(invitation_id=invitation.pk, nonce=invitation.nonce)


def invitation_email_message(*, invitation_id: int, nonce: str) -> EmailMultiAlternatives | None:
    """The email (plain text and HTML) for link `nonce` of a pending invitation that has not
    been emailed yet; None when there is nothing to send: accepted, revoked, expired, missing,
    already sent, or a newer link replaced this one. One query."""
    invitation = (
        Invitation.objects.select_related("team", "invited_by").filter(pk=invitation_id).first()
    )
    if (
        invitation is None
        or invitation.nonce != nonce
        or invitation.sent_at is not None
        or invitation.status() != "pending"
    ):
        return None
    context = {
        "invitation": invitation,
        "url": invitation_url(invitation),
        "site_name": settings.SITE_NAME,
        "inviter": invitation.invited_by.display_name if invitation.invited_by else None,
    }
    subject = _("You're invited to %(site)s") % {"site": settings.SITE_NAME}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("learners/email/invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(
        render_to_string("learners/email/invitation.html", context), "text/html"
    )
    return message


def invitation_mark_sent(*, invitation_id: int, nonce: str) -> bool:
    """Stamp `sent_at` on link `nonce` of the invitation, once the mail server has taken it.
    Returns False when it was stamped already or a newer link replaced it. One query."""
    return bool(
        Invitation.objects.filter(pk=invitation_id, nonce=nonce, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )
    )


def invitation_email_send(*, invitation_id: int) -> bool:
    """Email the current link of a pending invitation that has not been emailed yet, and stamp
    `sent_at`. Returns True when a message went out, False when there was nothing to send.
    Safe to run twice: the second run finds `sent_at` set. A crash between sending and
    stamping can send the same link twice, the side we prefer to err on for a welcome email.
    The outbox (notifications) calls the two halves itself; this is for commands and tests."""
    nonce = Invitation.objects.filter(pk=invitation_id).values_list("nonce", flat=True).first()
    if nonce is None:
        return False
    message = invitation_email_message(invitation_id=invitation_id, nonce=nonce)
    if message is None:
        return False
    message.send()
    invitation_mark_sent(invitation_id=invitation_id, nonce=nonce)
    return True


def invitation_account(invitation: Invitation) -> User | None:
    """The account the invitation's address already belongs to, in any letter case: its
    sign-in email, or failing that an address the person added and verified. None when
    accepting would create a new account. One query, two when the first finds nobody."""
    email = invitation.email
    account = User.objects.filter(email__iexact=email).first()
    if account is None:
        account = User.objects.filter(
            emailaddress__email__iexact=email, emailaddress__verified=True
        ).first()
    return account


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    signed_in: User | None,
    password: str | None,
    full_name: str = "",
) -> tuple[User, bool]:
    """Use the invitation: create the person, or take the account the address belongs to,
    add them to the team and record "invitation.accept" with that person as the actor.
    Joining is announced (`events.member_joined`) once the transaction commits, unless they
    were a member already.

    For an address with no account yet, whoever holds the link acts as the person it was sent
    to: `password` (checked against the password rules, ValidationError) creates the account,
    and the one entry covers joining the team too. `signed_in` plays no part then.

    For an address that already has an account (`invitation_account`), only that account may
    accept, signed in: `signed_in` must be it, or InvitationForAnotherAccount is raised and
    nothing changes. They keep their other teams, their training and its history; joining is
    also recorded as "membership.add" on the person, as when an admin adds someone.

    Returns (user, created). Raises InvitationUnavailable if another request used or revoked
    the link first: the claim is a conditional update, so a link works exactly once.
    """
    account = invitation_account(invitation)
    if account is not None and (signed_in is None or signed_in.pk != account.pk):
        # A link used a moment ago by someone who created the account with it is "already
        # used" to everyone else, not "for another account".
        if not Invitation.objects.pending().filter(pk=invitation.pk).exists():
            invitation.refresh_from_db()
            raise InvitationUnavailable(invitation.status(), invitation)
        raise InvitationForAnotherAccount(account)
    now = timezone.now()
    claimed = Invitation.objects.filter(
        pk=invitation.pk,
        nonce=invitation.nonce,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    ).update(accepted_at=now)
    if claimed != 1:
        invitation.refresh_from_db()
        raise InvitationUnavailable(invitation.status(), invitation)
    if account is None:
        candidate = User(email=invitation.email, full_name=full_name.strip())
        validate_password(password or "", user=candidate)
        # A learner's account: user_create records nothing, the entry below says it all.
        user = user_create(
            actor=None,
            email=invitation.email,
            password=password,
            full_name=full_name or invitation.full_name,
        )
        Membership.objects.create(team=invitation.team, user=user, role=Membership.Role.MEMBER)
        announce_member_joined(user_id=user.pk, team_id=invitation.team_id)
    else:
        user = account
        # The invitation reached this inbox, which proves the address.
        EmailAddress.objects.filter(user=user, email__iexact=invitation.email).update(verified=True)
        membership_add(actor=user, team=invitation.team, user=user)
    Invitation.objects.filter(pk=invitation.pk).update(accepted_by=user)
    _audit_invitation(user, "invitation.accept", invitation, {"status": ("pending", "accepted")})
    invitation.accepted_at, invitation.accepted_by = now, user
    return user, account is None
