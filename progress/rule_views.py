"""Team rules: managers and admins give a team training that reaches everyone who joins it.

Everyone else gets 404 for these pages, the same as for a page that doesn't exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import add_service_errors
from config.http import AuthedRequest
from courses.models import Course, LearningPath

from . import permissions, rules
from .forms import RuleForm


@login_required
def rule_list(request: AuthedRequest) -> HttpResponse:
    """The rules of the teams the person may assign to, and the form to add one (POST)."""
    if not permissions.can_assign(request.user):
        raise Http404
    teams = permissions.assignable_teams(request.user)
    team_list = list(teams)
    form = RuleForm(
        request.POST if request.method == "POST" else None,
        # Someone with one team shouldn't have to pick it; with several, they choose on purpose.
        initial={"team": team_list[0] if len(team_list) == 1 else None},
        courses=list(
            Course.objects.published().with_live_content().order_by("published_version__title")
        ),
        paths=list(LearningPath.objects.published().order_by("title")),
        teams=teams,
    )
    if request.method == "POST" and form.is_valid():
        course, path = form.chosen_training()
        team = form.cleaned_data["team"]
        try:
            rule = rules.rule_create(
                actor=request.user,
                team=team,
                course=course,
                path=path,
                due_within_days=form.cleaned_data["due_within_days"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Done. Everyone in %(team)s has “%(training)s” now, and so will anyone "
                    "who joins."
                )
                % {"team": team.name, "training": rule.training_title},
            )
            return redirect("assignment_rules")
    rule_rows = list(
        permissions.rules_visible_to(request.user)
        .active()
        .with_people_assigned()
        .select_related("team", "course__published_version", "path", "created_by")
        .order_by("team__path", "created_at", "pk")
    )
    return render(
        request,
        "progress/rules.html",
        {"form": form, "rules": rule_rows, "has_teams": bool(team_list)},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def rule_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    rule = permissions.get_rule_for(request.user, pk)
    rules.rule_remove(actor=request.user, rule=rule)
    messages.success(
        request,
        _(
            "Rule removed. New people in %(team)s won't get “%(training)s” from now on; "
            "everyone who has it keeps it."
        )
        % {"team": rule.team.name, "training": rule.training_title},
    )
    return redirect("assignment_rules")
