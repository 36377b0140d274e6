"""The learner's side of practice conversations: set-up, the chat, the debrief.

A run has one address, /practice/<slug>/runs/<id>/: the chat while it is going on, the debrief
once it has ended. Replies are plain form posts (a redirect back to the chat, or to the debrief
at the end); with htmx the chat is swapped in place instead. Feedback and scores are never in
the page before the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from assessments.models import Scenario, ScenarioNode, ScenarioReply, ScenarioRun
from config.http import AuthedRequest

from . import permissions
from .services import play
from .services.play import ScenarioGraph


@dataclass(frozen=True)
class Option:
    """A reply the learner can choose; `href` is set in the author preview (a link, not a
    form)."""

    reply: ScenarioReply
    href: str = ""


def outcome_label(code: str) -> str:
    """The outcome's name for people ("Calmed and loyal"); the code itself if unknown."""
    try:
        return str(ScenarioNode.Outcome(code).label)
    except ValueError:
        return code


def run_url(scenario: Scenario, run: ScenarioRun) -> str:
    return reverse("scenario_run", args=[scenario.slug, run.pk])


@login_required
def scenario_detail(request: AuthedRequest, slug: str) -> HttpResponse:
    scenario = permissions.get_scenario_for(request.user, slug)
    runs = list(
        permissions.runs_visible_to(request.user).filter(scenario=scenario, user=request.user)[:11]
    )
    # run_start never opens a second run, so an unfinished run is always the newest one.
    open_run = runs[0] if runs and runs[0].finished_at is None else None
    finished = [(run, outcome_label(run.outcome)) for run in runs if run.finished_at][:10]
    return render(
        request,
        "assessments/scenarios/detail.html",
        {
            "scenario": scenario,
            "open_run": open_run,
            "finished": finished,
            "can_play": permissions.can_play_scenario(request.user, scenario),
        },
    )


@login_required
@require_POST
def scenario_start(request: AuthedRequest, slug: str) -> HttpResponse:
    scenario = permissions.get_scenario_for(request.user, slug)
    if not permissions.can_play_scenario(request.user, scenario):
        raise PermissionDenied
    try:
        run = play.run_start(user=request.user, scenario=scenario)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("scenario_detail", slug=scenario.slug)
    return redirect(run_url(scenario, run))


@login_required
def scenario_run(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    scenario = permissions.get_scenario_for(request.user, slug)
    # Only the learner reaches a run that is going on; their manager sees finished debriefs.
    run = permissions.get_run_for_review(request.user, scenario, pk)
    graph = ScenarioGraph(scenario)
    if run.finished_at is not None:
        return _debrief(request, scenario, run, graph)
    return _conversation(request, scenario, run, graph)


@login_required
@require_POST
def scenario_reply(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    scenario = permissions.get_scenario_for(request.user, slug)
    run = permissions.get_run_for(request.user, scenario, pk)
    if not permissions.can_play_scenario(request.user, scenario):
        raise PermissionDenied
    try:
        reply_id = int(request.POST.get("reply", ""))
        step = int(request.POST["step"]) if request.POST.get("step") else None
    except ValueError:
        return _conversation(
            request,
            scenario,
            run,
            ScenarioGraph(scenario),
            error=_("Choose one of the replies below."),
            status=400,
        )
    try:
        run = play.run_reply(run=run, reply_id=reply_id, step=step)
    except ValidationError as exc:
        message = " ".join(exc.messages)
        graph = ScenarioGraph(scenario)
        if exc.code == "stale":
            if not request.htmx:
                messages.info(request, message)
                return redirect(run_url(scenario, run))
            return _conversation(request, scenario, run, graph, error=message)
        if exc.code == "finished":
            if request.htmx:
                return HttpResponseClientRedirect(run_url(scenario, run))
            return _debrief(request, scenario, run, graph, error=message, status=400)
        return _conversation(request, scenario, run, graph, error=message, status=400)
    url = run_url(scenario, run)
    if run.finished_at is not None:
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if request.htmx:
        return _conversation(request, scenario, run, ScenarioGraph(scenario), focus=True)
    return redirect(f"{url}#latest")


def conversation_context(
    graph: ScenarioGraph,
    turns: list[play.Turn],
    current: ScenarioNode | None,
    options: list[Option],
) -> dict[str, Any]:
    """What templates/assessments/scenarios/_conversation.html shows (runs and preview)."""
    return {
        "scenario": graph.scenario,
        "turns": turns,
        "current": current,
        "options": options,
        "step": len(turns),
    }


def _conversation(
    request: AuthedRequest,
    scenario: Scenario,
    run: ScenarioRun,
    graph: ScenarioGraph,
    *,
    error: str = "",
    status: int = 200,
    focus: bool = False,
) -> HttpResponse:
    current = graph.node(run.current_id)
    context = conversation_context(
        graph,
        graph.history(run.path),
        current,
        [Option(reply) for reply in play.reply_order(run=run, replies=graph.choices(current))],
    )
    context.update(
        {
            "run": run,
            "step": len(run.path),
            "error": error,
            "focus_latest": focus,
            # A run stranded on a line an edit removed: it can only be started again.
            "stranded": current is None or (not current.is_end and not context["options"]),
        }
    )
    template = (
        "assessments/scenarios/_conversation.html"
        if request.htmx
        else "assessments/scenarios/run.html"
    )
    return render(request, template, context, status=status)


def debrief_context(
    graph: ScenarioGraph, path: list[int], totals: dict[str, int], end: ScenarioNode | None
) -> dict[str, Any]:
    """What templates/assessments/scenarios/_debrief.html shows (runs and preview)."""
    steps = graph.debrief(path)
    return {
        "scenario": graph.scenario,
        "steps": steps,
        "missing_steps": len(path) - len(steps),
        "totals": play.behaviour_totals(totals, keys=graph.scored_behaviours()),
        "end": end if end is not None and end.is_end else None,
    }


def _debrief(
    request: AuthedRequest,
    scenario: Scenario,
    run: ScenarioRun,
    graph: ScenarioGraph,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = debrief_context(graph, run.path, run.totals, graph.node(run.current_id))
    context.update(
        {
            "run": run,
            "outcome": outcome_label(run.outcome),
            "error": error,
            # A manager reading someone's debrief: the same page, about them, without "Play".
            "someone_else": run.user if run.user_id != request.user.pk else None,
        }
    )
    return render(request, "assessments/scenarios/debrief.html", context, status=status)
