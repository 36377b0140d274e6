"""Dashboard, people, teams and invitations. Views parse input, fetch with a permission check,
call a service, then render or redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import add_service_errors
from config.http import AuthedRequest, HtmxRequest

from . import permissions, services
from .forms import (
    AcceptInvitationForm,
    AddMemberForm,
    AuditLogFilterForm,
    InvitationForm,
    TeamForm,
)
from .models import Invitation, Membership, Team, User

PEOPLE_PER_PAGE = 50
AUDIT_ENTRIES_PER_PAGE = 50


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    return redirect("account_login")


def _require_people_access(request: AuthedRequest) -> None:
    if not (permissions.is_training_admin(request.user) or permissions.is_manager(request.user)):
        raise PermissionDenied


@login_required
def people(request: AuthedRequest) -> HttpResponse:
    _require_people_access(request)
    query = request.GET.get("q", "").strip()[:100]
    visible_teams = permissions.teams_visible_to(request.user)
    people_qs = (
        permissions.people_visible_to(request.user)
        .filter(is_active=True)
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(team__in=visible_teams.values("pk"))
                .select_related("team")
                .order_by("team__path"),
            )
        )
        .order_by("full_name", "email")
    )
    if query:
        people_qs = people_qs.filter(Q(full_name__icontains=query) | Q(email__icontains=query))
    page = Paginator(people_qs, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    invitations = list(
        permissions.invitations_visible_to(request.user)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("team", "invited_by")[:100]
    )
    now = timezone.now()
    delayed = sum(
        1 for i in invitations if i.status(now) == "pending" and i.delivery(now) == "delayed"
    )
    context = {
        "page": page,
        "query": query,
        "invitations": invitations,
        "delayed": delayed,
        "delayed_minutes": int(Invitation.SENDING_DELAYED_AFTER.total_seconds() // 60),
    }
    template = "learners/_people_table.html" if request.htmx else "learners/people.html"
    return render(request, template, context)


@login_required
def invite(request: AuthedRequest) -> HttpResponse:
    _require_people_access(request)
    teams = permissions.teams_managed_by(request.user)
    if permissions.is_training_admin(request.user):
        teams = Team.objects.all()
    initial = {"team": request.GET.get("team")} if request.GET.get("team") else None
    form = InvitationForm(request.POST or None, teams=teams, initial=initial)
    if request.method == "POST" and form.is_valid():
        team = form.cleaned_data["team"]
        if not permissions.can_invite_to_team(request.user, team):
            raise PermissionDenied
        try:
            invitation = services.invitation_create(
                actor=request.user,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                team=team,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # Queued, not sent: a worker emails it after this request, and the People page
            # shows "Sent" only once it really went.
            messages.success(
                request,
                _(
                    "The invitation to %(email)s is queued and will be emailed in a moment. "
                    "The link works for 7 days."
                )
                % {"email": invitation.email},
            )
            return redirect("people")
    return render(request, "learners/invite.html", {"form": form})


def _invitation_row_response(request: HtmxRequest, invitation: Invitation) -> HttpResponse:
    if request.htmx:
        return render(request, "learners/_invitation_row.html", {"invitation": invitation})
    return redirect("people")


@login_required
@require_POST
def invitation_resend(request: AuthedRequest, pk: int) -> HttpResponse:
    invitation = permissions.get_invitation_for(request.user, pk)
    try:
        services.invitation_resend(actor=request.user, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("A new link for %(email)s is queued and will be emailed in a moment.")
            % {"email": invitation.email},
        )
    return _invitation_row_response(request, invitation)


@login_required
@require_POST
def invitation_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    invitation = permissions.get_invitation_for(request.user, pk)
    services.invitation_revoke(actor=request.user, invitation=invitation)
    messages.success(
        request, _("The link for %(email)s no longer works.") % {"email": invitation.email}
    )
    return _invitation_row_response(request, invitation)


def _invitation_unavailable(
    request: HttpRequest, exc: services.InvitationUnavailable
) -> HttpResponse:
    return render(
        request,
        "learners/invitation_unavailable.html",
        {"reason": exc.reason, "invitation": exc.invitation},
        status=410 if exc.reason in {"expired", "accepted", "revoked"} else 404,
    )


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the invitation email. For a new address: choose a password, which
    creates the account, joins the team and signs in. For an address that already has an
    account: only that person, signed in, may join (docs/adr/0002)."""
    try:
        invitation = services.invitation_from_token(token)
    except services.InvitationUnavailable as exc:
        return _invitation_unavailable(request, exc)
    account = services.invitation_account(invitation)
    if account is not None:
        return _invitation_accept_as_account(request, invitation, account)
    form = AcceptInvitationForm(request.POST or None, initial={"full_name": invitation.full_name})
    if request.method == "POST" and form.is_valid():
        try:
            user, _created = services.invitation_accept(
                invitation=invitation,
                signed_in=None,
                password=form.cleaned_data["password1"],
                full_name=form.cleaned_data["full_name"],
            )
        except ValidationError as exc:
            form.add_error("password1", exc)
        except services.InvitationUnavailable as exc:
            return _invitation_unavailable(request, exc)
        except services.InvitationForAnotherAccount:
            # The address got an account since the page was shown: that person signs in.
            return redirect(request.path)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            # The dashboard's heading says welcome; the message says what just happened.
            messages.success(
                request, _("You're all set: you've joined %(team)s.") % {"team": invitation.team}
            )
            return redirect("dashboard")
    return render(
        request, "learners/invitation_accept.html", {"invitation": invitation, "form": form}
    )


def _invitation_accept_as_account(
    request: HttpRequest, invitation: Invitation, account: User
) -> HttpResponse:
    if not request.user.is_authenticated:
        # Holding the link is not enough to act for an account: signing in proves who it is.
        messages.info(
            request,
            _("You already have an account. Sign in as %(email)s to join %(team)s.")
            % {"email": account.email, "team": invitation.team.name},
        )
        return redirect_to_login(request.get_full_path())
    if request.user.pk != account.pk:
        return render(
            request,
            "learners/invitation_wrong_account.html",
            {"invitation": invitation, "account": account},
            status=403,
        )
    if request.method == "POST":
        try:
            services.invitation_accept(invitation=invitation, signed_in=account, password=None)
        except services.InvitationUnavailable as exc:
            return _invitation_unavailable(request, exc)
        except services.InvitationForAnotherAccount:
            # The address moved to another account meanwhile: show the page for how it is now.
            return redirect(request.path)
        messages.success(request, _("You're now in %(team)s.") % {"team": invitation.team.name})
        return redirect("dashboard")
    return render(
        request,
        "learners/invitation_accept.html",
        {"invitation": invitation, "existing": account},
    )


@login_required
def teams(request: AuthedRequest) -> HttpResponse:
    _require_people_access(request)
    visible = (
        permissions.teams_visible_to(request.user)
        .annotate(
            member_count=Count(
                "memberships", filter=Q(memberships__role=Membership.Role.MEMBER), distinct=True
            )
        )
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(role=Membership.Role.MANAGER).select_related(
                    "user"
                ),
                to_attr="manager_memberships",
            )
        )
        .order_by("path")
    )
    return render(
        request,
        "learners/teams.html",
        {"teams": visible, "can_create": permissions.can_create_team(request.user)},
    )


@login_required
def team_create(request: AuthedRequest) -> HttpResponse:
    if not permissions.can_create_team(request.user):
        managed = list(permissions.teams_managed_by(request.user).order_by("path"))
        if not managed:
            raise PermissionDenied
        # A manager who looks for "new team" gets what they can do instead of "ask your
        # manager": the same refusal, in words that help.
        return render(
            request, "learners/team_create_unavailable.html", {"managed": managed}, status=403
        )
    form = TeamForm(request.POST or None, teams=Team.objects.all())
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                parent=form.cleaned_data["parent"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Team “%(name)s” created.") % {"name": team.name})
            return redirect("team_detail", pk=team.pk)
    return render(request, "learners/team_form.html", {"form": form})


@login_required
def team_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    team = permissions.get_team_for(request.user, pk)
    if not permissions.can_manage_team(request.user, team):
        # Members can see that their team exists, but the roster is for its managers.
        raise PermissionDenied
    can_change_roles = permissions.can_change_team_roles(request.user)
    form = AddMemberForm(request.POST or None) if can_change_roles else None
    if request.method == "POST" and form is not None and form.is_valid():
        person = User.objects.filter(
            email__iexact=form.cleaned_data["email"], is_active=True
        ).first()
        if person is None:
            form.add_error(
                "email",
                _("Nobody has an account with this email yet. Invite them instead."),
            )
        else:
            services.membership_add(
                actor=request.user, team=team, user=person, role=form.cleaned_data["role"]
            )
            messages.success(
                request,
                _("%(name)s added to %(team)s.") % {"name": person.display_name, "team": team},
            )
            return redirect("team_detail", pk=team.pk)
    memberships = (
        Membership.objects.filter(team=team)
        .select_related("user")
        .order_by("role", "user__full_name")
    )
    invitations = team.invitations.pending().select_related("invited_by")
    return render(
        request,
        "learners/team_detail.html",
        {
            "team": team,
            "managers": [m for m in memberships if m.role == Membership.Role.MANAGER],
            "members": [m for m in memberships if m.role == Membership.Role.MEMBER],
            "invitations": invitations,
            "subteams": team.children.all(),
            "form": form,
            "can_change_roles": can_change_roles,
        },
    )


@login_required
@require_POST
def membership_remove(request: AuthedRequest, pk: int, user_pk: int, role: str) -> HttpResponse:
    team = permissions.get_team_for(request.user, pk)
    if not permissions.can_change_team_roles(request.user):
        raise PermissionDenied
    person = permissions.get_person_for(request.user, user_pk)
    if role not in Membership.Role.values:
        return HttpResponse(_("Unknown role."), status=400)
    services.membership_remove(actor=request.user, team=team, user=person, role=role)
    messages.success(
        request,
        _("%(name)s is no longer a %(role)s of %(team)s.")
        % {"name": person.display_name, "role": Membership.Role(role).label.lower(), "team": team},
    )
    return redirect(reverse("team_detail", args=[team.pk]))


@login_required
def audit_log(request: AuthedRequest) -> HttpResponse:
    """The activity log for training admins (everyone else: 404), newest first, filtered by the
    query string. Filters that make no sense come back with status 400, each message next to
    its field and everything typed kept. Five queries: session, user, the actions present,
    the count and one page of entries."""
    if not permissions.can_read_audit_log(request.user):
        raise Http404
    entries = permissions.audit_entries_visible_to(request.user)
    form = AuditLogFilterForm(request.GET, actions=entries.actions_present())
    if not form.is_valid():
        return render(request, "learners/audit_log.html", {"form": form, "page": None}, status=400)
    page = Paginator(
        entries.filter_by(
            action=form.cleaned_data["action"],
            actor=form.cleaned_data["person"],
            since=form.cleaned_data["since"],
            until=form.cleaned_data["until"],
        ),
        AUDIT_ENTRIES_PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(request, "learners/audit_log.html", {"form": form, "page": page})
