"""Notification pages: the bell and its list, a person's email choices and the one-click
unsubscribe, the per-person ledger for managers and admins, and the reminder policy, email
wording and failed emails for training admins."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from config.forms import add_service_errors
from config.http import AuthedRequest
from config.parsing import ascii_int
from learners.permissions import is_manager, is_training_admin

from . import ledger, permissions, rendering, services, unsubscribe
from .forms import LedgerDayForm, PolicyForm, PreferencesForm, TemplateForm
from .kinds import DIGEST, KINDS, OPTIONAL, Kind, label
from .models import Notification, OrganisationSettings, Preference, State

BELL_ITEMS = 8
MANAGER_KINDS = frozenset({Kind.MANAGER_DIGEST, Kind.OVERDUE_MANAGER})
LIST_ITEMS = 50


# --- The bell --------------------------------------------------------------------------------


def _bell_context(request: AuthedRequest, limit: int) -> dict[str, object]:
    items = list(Notification.objects.in_app_for(request.user.pk)[:limit])
    unread = sum(1 for item in items if item.read_at is None)
    if len(items) == limit:
        unread = Notification.objects.unread_for(request.user.pk).count()
    return {"items": items, "unread_notifications": unread}


@login_required
@require_safe
def notification_bell(request: AuthedRequest) -> HttpResponse:
    """The bell with its unread count, for htmx to swap in once a page has loaded. One query."""
    return _bell(request)


def _bell(request: AuthedRequest) -> HttpResponse:
    unread = Notification.objects.unread_for(request.user.pk).count()
    return render(
        request, "notifications/_bell.html", {"unread_notifications": unread, "loaded": True}
    )


@login_required
@require_safe
def notification_list(request: AuthedRequest) -> HttpResponse:
    """The person's messages in the app; the bell's dropdown asks for the short version."""
    if request.htmx:
        return render(request, "notifications/_bell_list.html", _bell_context(request, BELL_ITEMS))
    context = {
        **_bell_context(request, LIST_ITEMS),
        "can_manage_reminders": permissions.can_manage_reminders(request.user),
    }
    return render(request, "notifications/list.html", context)


@login_required
@require_POST
def notifications_mark_read(request: AuthedRequest) -> HttpResponse:
    """Mark everything read (or one message, `pk` in the form). htmx gets the bell back with
    its count cleared; a plain form goes back to the list."""
    raw = request.POST.get("pk", "")
    pk = ascii_int(raw)
    if raw and pk is None:  # "²" passes str.isdigit() but is no id
        return HttpResponseBadRequest(_("That message wasn't found. Nothing was changed."))
    services.mark_read(user=request.user, pk=pk)
    if request.htmx:
        return _bell(request)
    return redirect("notifications")


# --- A person's choices ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notification_preferences(request: AuthedRequest) -> HttpResponse:
    policy = OrganisationSettings.current()
    # Team summaries and overdue notes are for people who manage a team.
    manages = is_manager(request.user) or is_training_admin(request.user)
    kinds = [
        k for k in KINDS if services.can_turn_off(k, policy) and (manages or k not in MANAGER_KINDS)
    ]
    current = dict(Preference.objects.filter(user=request.user).values_list("kind", "email"))
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        kinds=kinds,
        current=current,
        initial={"time_zone": request.user.time_zone},
    )
    if request.method == "POST" and form.is_valid():
        services.preferences_set(user=request.user, email_on=form.email_on())
        services.time_zone_set(user=request.user, time_zone=form.cleaned_data["time_zone"])
        messages.success(request, _("Saved. Your emails follow these choices from now on."))
        return redirect("notification_preferences")
    always = [
        label(k)
        for k in KINDS
        if k not in kinds and k != Kind.INVITATION and not services.can_turn_off(k, policy)
    ]
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "always": always, "policy": policy},
        status=400 if form.errors else 200,
    )


@csrf_exempt  # the signed token is the credential; mail clients post here without a session
@require_http_methods(["GET", "HEAD", "POST"])
def notification_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (link scanners must not unsubscribe anyone); POST, from the page or
    a mail client's one-click button (RFC 8058), turns the emails off."""
    try:
        user_id, kinds = unsubscribe.read(token)
    except (signing.BadSignature, ValueError):
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    names = [label(k) for k in kinds]
    if request.method == "POST":
        services.unsubscribe(user_id=user_id, kinds=kinds)
        return render(request, "notifications/unsubscribed.html", {"names": names})
    return render(request, "notifications/unsubscribe.html", {"names": names, "token": token})


# --- The ledger --------------------------------------------------------------------------------


@login_required
@require_safe
def reminder_ledger(request: AuthedRequest, pk: int) -> HttpResponse:
    person = permissions.get_ledger_person_for(request.user, pk)
    today = timezone.localtime(timezone.now(), person.zone).date()
    form = LedgerDayForm(request.GET or None)
    day = form.chosen(today)
    return render(
        request,
        "notifications/ledger.html",
        {"form": form, "ledger": ledger.ledger_for(person, day), "today": today},
        status=400 if form.errors else 200,
    )


# --- Admins: policy, wording, failures ---------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def reminder_policy(request: AuthedRequest) -> HttpResponse:
    permissions.require_reminder_admin(request.user)
    policy = OrganisationSettings.current()
    form = PolicyForm(
        request.POST if request.method == "POST" else None,
        initial=PolicyForm.initial_from(policy),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_update(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved. The next reminders follow the new policy."))
            return redirect("reminder_policy")
    return render(
        request,
        "notifications/policy.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_safe
def email_templates(request: AuthedRequest) -> HttpResponse:
    permissions.require_reminder_admin(request.user)
    saved = set(services.saved_template_keys())
    rows = [
        {"key": key, "label": _template_label(key), "edited": key in saved}
        for key in rendering.template_keys()
    ]
    return render(request, "notifications/templates.html", {"rows": rows})


def _template_label(key: str) -> str:
    return _("Several reminders in one email") if key == DIGEST else label(key)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def email_template_edit(request: AuthedRequest, key: str) -> HttpResponse:
    """Edit one email's wording. "Preview" renders the form's text with sample data and saves
    nothing; "Save" checks and saves; "Reset" goes back to the shipped wording."""
    permissions.require_reminder_admin(request.user)
    if key not in rendering.template_keys():
        raise Http404
    source = rendering.source_for(key)
    form = TemplateForm(
        request.POST if request.method == "POST" else None,
        initial={"subject": source.subject, "text": source.text, "html": source.html},
    )
    preview = None
    action = request.POST.get("action", "save")
    if request.method == "POST" and action == "reset":
        services.template_reset(actor=request.user, key=key)
        messages.success(request, _("Back to the original wording."))
        return redirect("email_template_edit", key=key)
    if request.method == "POST" and form.is_valid():
        typed = rendering.Source(**form.cleaned_data)
        if action == "preview":
            found = rendering.problems(key, typed)
            for part, message in found.items():
                form.add_error(part, message)
            if not found:
                preview = rendering.render(typed, rendering.sample_context(key))
        else:
            try:
                services.template_save(actor=request.user, key=key, source=typed)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved. The next emails use this wording."))
                return redirect("email_template_edit", key=key)
    elif request.method != "POST":
        preview = rendering.render(source, rendering.sample_context(key))
    return render(
        request,
        "notifications/template_edit.html",
        {
            "form": form,
            "key": key,
            "label": _template_label(key),
            "preview": preview,
            "names": sorted(rendering.sample_context(key)),
            "optional": key in OPTIONAL,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_safe
def failed_notifications(request: AuthedRequest) -> HttpResponse:
    permissions.require_reminder_admin(request.user)
    rows = list(
        Notification.objects.filter(state=State.FAILED)
        .select_related("user")
        .order_by("-next_attempt_at")[:200]
    )
    return render(request, "notifications/failed.html", {"rows": rows})


@login_required
@require_POST
def failed_notification_retry(request: AuthedRequest, pk: int) -> HttpResponse:
    permissions.require_reminder_admin(request.user)
    if services.failed_retry(pk=pk):
        messages.success(request, _("Queued again. It goes out with the next worker run."))
    else:
        messages.info(request, _("That email isn't waiting on a retry any more."))
    return redirect("failed_notifications")
