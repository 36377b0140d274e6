"""Managers and admins assign training, and see and change what they assigned.

Everyone else gets 404 for these pages, the same as for a page that doesn't exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from config.forms import add_service_errors
from config.http import AuthedRequest, redirect_to_next
from courses.models import Course, LearningPath
from learners.models import Team

from . import assignments, permissions
from .forms import AssignForm, DueChangeForm
from .team import status_of, with_enrolment_progress

ASSIGNMENTS_PER_PAGE = 50


def _require_assigner(request: AuthedRequest) -> None:
    if not permissions.can_assign(request.user):
        raise Http404


def _chosen_team(request: AuthedRequest, teams: list[Team]) -> Team | None:
    """The team named by `team` in the request if it is one of `teams`; else the first one."""
    raw = request.POST.get("team") or request.GET.get("team") or ""
    chosen = next((t for t in teams if str(t.pk) == raw), None)
    return chosen or (teams[0] if teams else None)


@login_required
def assign(request: AuthedRequest) -> HttpResponse:
    _require_assigner(request)
    teams = list(permissions.assignable_teams(request.user))
    team = _chosen_team(request, teams)
    members = (
        permissions.team_members_for_assignment(team).order_by("full_name", "email")
        if team is not None
        else permissions.assignable_people(request.user).none()
    )
    courses = list(
        Course.objects.published().with_live_content().order_by("published_version__title")
    )
    paths = list(LearningPath.objects.published().order_by("title"))
    people = list(members)
    form = AssignForm(
        request.POST if request.method == "POST" else None,
        initial={
            "team": team,
            # From a person's page: just them ticked; otherwise the whole team.
            "people": [p.pk for p in people if str(p.pk) == request.GET.get("person")]
            or [person.pk for person in people],
            "training": request.GET.get("training", ""),
        },
        courses=courses,
        paths=paths,
        teams=permissions.assignable_teams(request.user),
        people=members,
    )
    if request.method == "POST" and form.is_valid():
        course, path = form.chosen_training()
        try:
            result = assignments.assignment_create(
                actor=request.user,
                people=list(form.cleaned_data["people"]),
                course=course,
                path=path,
                due=form.chosen_due(),
                recur_months=form.cleaned_data["recur_months"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            title = course.published_version.title if course and course.published_version else ""
            title = path.title if path else title
            message = ngettext(
                "Assigned “%(title)s” to %(n)d person.",
                "Assigned “%(title)s” to %(n)d people.",
                result.people,
            ) % {"title": title, "n": result.people}
            if result.people != result.new:
                message += " " + ngettext(
                    "%(n)d already had it.", "%(n)d already had it.", result.people - result.new
                ) % {"n": result.people - result.new}
            if result.due_at:
                message += " " + _("Due %(date)s.") % {
                    "date": date_format(timezone.localtime(result.due_at))
                }
            messages.success(request, message)
            return redirect(f"{reverse('assignments')}?team={team.pk if team else ''}")
    return render(
        request,
        "progress/assign.html",
        {"form": form, "team": team, "people": people, "has_teams": bool(teams)},
        status=400 if form.errors else 200,
    )


@login_required
def assignment_list(request: AuthedRequest) -> HttpResponse:
    _require_assigner(request)
    teams = list(permissions.assignable_teams(request.user))
    raw_team = request.GET.get("team", "")
    team = next((t for t in teams if str(t.pk) == raw_team), None)
    people = (
        permissions.team_members_for_assignment(team)
        if team is not None
        else permissions.assignable_people(request.user)
    )
    rows = with_enrolment_progress(
        permissions.assignments_visible_to(request.user)
        .active()
        .filter(user__in=people.values("pk"))
        .select_related("user", "course__published_version", "assigned_by", "path", "rule__team")
    ).order_by(F("due_at").asc(nulls_last=True), "user__full_name", "user__email", "pk")
    page = Paginator(rows, ASSIGNMENTS_PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "progress/assignments.html",
        {
            "page": page,
            "rows": [(row, _status(row, now)) for row in page.object_list],
            "teams": teams,
            "team": team,
            "due_form": DueChangeForm(),
        },
    )


def _status(row: Any, now: datetime) -> str:
    """The status of an assignment annotated by `team.with_enrolment_progress`."""
    return status_of(
        completed_at=row.completed_at,
        due_at=row.due_at,
        started=bool(row.completed_lessons or row.last_activity_at),
        now=now,
    )


@login_required
@require_POST
def assignment_due_change(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment = permissions.get_assignment_for(request.user, pk)
    form = DueChangeForm(request.POST)
    if not form.is_valid():
        # The list again, with the reason on top and a 400, so nothing is silently dropped.
        messages.error(
            request,
            _("That date for %(name)s doesn't look right. Pick one with the date picker.")
            % {"name": assignment.user.display_name},
        )
        response = assignment_list(request)
        response.status_code = 400
        return response
    due_on = form.cleaned_data["due_on"]
    due_at = assignments.Due(on=due_on).resolve(timezone.now()) if due_on else None
    assignments.assignment_due_change(actor=request.user, assignment=assignment, due_at=due_at)
    messages.success(
        request,
        _("Due date changed for %(name)s.") % {"name": assignment.user.display_name}
        if due_at
        else _("%(name)s no longer has a due date.") % {"name": assignment.user.display_name},
    )
    return redirect_to_next(request, "assignments")


@login_required
@require_POST
def assignment_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment = permissions.get_assignment_for(request.user, pk)
    assignments.assignment_remove(actor=request.user, assignment=assignment)
    messages.success(
        request,
        _("Removed. %(name)s keeps what they've done so far.")
        % {"name": assignment.user.display_name},
    )
    return redirect_to_next(request, "assignments")
