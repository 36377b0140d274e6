"""Authoring practice conversations, for training admins (everyone else gets 404).

The editor is one page: the scenario's details, its lines with their replies, and forms to add
a line; a line and a reply are edited on pages of their own. "Check" lists the validation
problems; "Preview" plays the scenario without recording anything (the path so far is in the
address, ?path=<reply ids>). Every change goes through services; a form with errors comes
back with status 400 and everything typed kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.models import Scenario, ScenarioNode, ScenarioReply
from config.forms import add_service_errors
from config.http import AuthedRequest
from learners.permissions import require_author

from . import permissions
from .forms import NodeForm, ReplyForm, ScenarioForm
from .services import editing
from .services.play import ScenarioGraph, Walk
from .specs import BEHAVIOURS
from .validation import Problem, scenario_problem_list
from .views import Option, conversation_context, debrief_context, outcome_label

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _errors_to_form(form: Form, exc: ValidationError) -> None:
    # A reply's scores are five fields that the service reports under one name per behaviour.
    if isinstance(form, ReplyForm) and hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for error in errors:
                form.add_service_error(name, error)
        return
    add_service_errors(form, exc)


def _line_url(node: ScenarioNode) -> str:
    """The editor, scrolled to `node`."""
    return f"{reverse('author_scenario', args=[node.scenario_id])}#line-{node.name}"


@dataclass(frozen=True)
class ReplyRow:
    reply: ScenarioReply
    next: ScenarioNode | None
    scores: list[tuple[StrOrPromise, int]]


@dataclass(frozen=True)
class NodeRow:
    node: ScenarioNode
    is_start: bool
    replies: list[ReplyRow]
    problems: list[Problem] = field(default_factory=list)


@login_required
def scenario_list(request: AuthedRequest) -> HttpResponse:
    require_author(request.user)
    scenarios = list(
        permissions.scenarios_editable_by(request.user)
        .select_related("course__published_version")
        .prefetch_related("nodes__replies")
        .order_by("course__slug", "title")
    )
    rows = [
        (scenario, len(scenario_problem_list(scenario, list(scenario.nodes.all()))))
        for scenario in scenarios
    ]
    return render(request, "assessments/scenarios/author_list.html", {"rows": rows})


@login_required
def scenario_new(request: AuthedRequest) -> HttpResponse:
    require_author(request.user)
    form = ScenarioForm(request.POST or None, initial={"course": request.GET.get("course")})
    if request.method == "POST" and form.is_valid():
        try:
            scenario = editing.scenario_create(
                course=form.cleaned_data["course"],
                title=form.cleaned_data["title"],
                slug=form.cleaned_data["slug"],
                intro=form.cleaned_data["intro"],
                required=form.cleaned_data["required"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Scenario created. Add the customer's first line."))
            return redirect("author_scenario", pk=scenario.pk)
    return render(
        request,
        "assessments/scenarios/author_new.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def _editor(
    request: AuthedRequest,
    scenario: Scenario,
    *,
    form: ScenarioForm | None = None,
    node_form: NodeForm | None = None,
    checked: bool = False,
    status: int = 200,
) -> HttpResponse:
    graph = ScenarioGraph(scenario)
    problems = scenario_problem_list(scenario, graph.nodes)
    rows = [
        NodeRow(
            node=node,
            is_start=node.pk == scenario.start_id,
            replies=[
                ReplyRow(
                    reply=reply,
                    next=graph.next_of(reply),
                    scores=[
                        (label, int(reply.scores[key]))
                        for key, label in BEHAVIOURS.items()
                        if reply.scores.get(key)
                    ],
                )
                for reply in node.replies.all()
            ],
            problems=[p for p in problems if p.node == node.name] if checked else [],
        )
        for node in graph.nodes
    ]
    context: dict[str, Any] = {
        "scenario": scenario,
        "rows": rows,
        "problems": problems,
        "checked": checked,
        "form": form
        or ScenarioForm(
            initial={
                "title": scenario.title,
                "slug": scenario.slug,
                "course": scenario.course_id,
                "intro": scenario.intro,
                "required": scenario.required,
            }
        ),
        "node_form": node_form or NodeForm(prefix="node"),
    }
    return render(request, "assessments/scenarios/author_edit.html", context, status=status)


@login_required
def scenario_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    scenario = permissions.get_authored_scenario(request.user, pk)
    if request.method != "POST":
        return _editor(request, scenario)
    form = ScenarioForm(request.POST)
    if form.is_valid():
        try:
            editing.scenario_update(
                scenario=scenario,
                course=form.cleaned_data["course"],
                title=form.cleaned_data["title"],
                slug=form.cleaned_data["slug"],
                intro=form.cleaned_data["intro"],
                required=form.cleaned_data["required"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("author_scenario", pk=scenario.pk)
    return _editor(request, scenario, form=form, status=400)


@login_required
def scenario_check(request: AuthedRequest, pk: int) -> HttpResponse:
    scenario = permissions.get_authored_scenario(request.user, pk)
    if request.htmx:
        problems = scenario_problem_list(scenario)
        return render(
            request,
            "assessments/scenarios/_author_problems.html",
            {"scenario": scenario, "problems": problems, "checked": True},
        )
    return _editor(request, scenario, checked=True)


@login_required
@require_POST
def scenario_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    scenario = permissions.get_authored_scenario(request.user, pk)
    try:
        editing.scenario_publish(scenario=scenario, actor=request.user)
    except ValidationError:
        messages.error(request, _("Not published: fix the problems listed below first."))
        return _editor(request, scenario, checked=True, status=400)
    messages.success(request, _("Published. Learners of the course can practise it now."))
    return redirect("author_scenario", pk=scenario.pk)


@login_required
@require_POST
def scenario_unpublish(request: AuthedRequest, pk: int) -> HttpResponse:
    scenario = permissions.get_authored_scenario(request.user, pk)
    editing.scenario_unpublish(scenario=scenario, actor=request.user)
    messages.success(request, _("Hidden from learners. Their runs are kept."))
    return redirect("author_scenario", pk=scenario.pk)


@login_required
def scenario_preview(request: AuthedRequest, pk: int) -> HttpResponse:
    scenario = permissions.get_authored_scenario(request.user, pk)
    graph = ScenarioGraph(scenario)
    try:
        path = [int(part) for part in request.GET.get("path", "").split(",") if part.strip()]
    except ValueError:
        path = None
    walk = (
        graph.walk(path)
        if path is not None
        else Walk([], graph.start, _("That path doesn't follow the conversation."))
    )
    path = path or []
    base = reverse("author_scenario_preview", args=[scenario.pk])
    context: dict[str, Any] = {"scenario": scenario, "error": walk.error, "restart": base}
    if not walk.error and walk.current is not None and walk.current.is_end:
        context.update(debrief_context(graph, path, graph.totals(path), walk.current))
        context.update({"outcome": outcome_label(walk.current.outcome), "ended": True})
    else:
        options = []
        if not walk.error:
            options = [
                Option(reply, f"{base}?path={','.join(str(p) for p in [*path, reply.pk])}")
                for reply in graph.choices(walk.current)
            ]
        context.update(conversation_context(graph, walk.turns, walk.current, options))
        context.update({"preview": True, "ended": False})
    return render(
        request,
        "assessments/scenarios/preview.html",
        context,
        status=400 if walk.error else 200,
    )


# --- Lines -----------------------------------------------------------------------------------


def _node_input(form: NodeForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "line": data["line"],
        "mood": data["mood"],
        "outcome": data["outcome"],
        "outcome_text": data["outcome_text"],
        "is_start": data["is_start"],
    }


@login_required
@require_POST
def node_new(request: AuthedRequest, pk: int) -> HttpResponse:
    scenario = permissions.get_authored_scenario(request.user, pk)
    form = NodeForm(request.POST, prefix="node")
    if form.is_valid():
        try:
            node = editing.node_create(scenario=scenario, **_node_input(form))
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Line “%(name)s” added.") % {"name": node.name})
            return redirect(_line_url(node))
    # node_create may have set the start before a refusal rolled it back.
    scenario.refresh_from_db(fields=["start"])
    return _editor(request, scenario, node_form=form, status=400)


@login_required
def node_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    node = permissions.get_authored_node(request.user, pk)
    scenario = node.scenario
    initial = {
        "name": node.name,
        "mood": node.mood,
        "line": node.line,
        "outcome": node.outcome,
        "outcome_text": node.outcome_text,
        "is_start": scenario.start_id == node.pk,
    }
    form = NodeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            editing.node_update(node=node, **_node_input(form))
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Line saved."))
            return redirect(_line_url(node))
    return render(
        request,
        "assessments/scenarios/author_node.html",
        {"scenario": scenario, "node": node, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def node_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    node = permissions.get_authored_node(request.user, pk)
    scenario_pk = node.scenario_id
    try:
        editing.node_delete(node=node)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Line “%(name)s” deleted.") % {"name": node.name})
    return redirect("author_scenario", pk=scenario_pk)


# --- Replies ---------------------------------------------------------------------------------


def _reply_page(
    request: AuthedRequest, form: ReplyForm, node: ScenarioNode, reply: ScenarioReply | None
) -> HttpResponse:
    return render(
        request,
        "assessments/scenarios/author_reply.html",
        {"scenario": node.scenario, "node": node, "reply": reply, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def reply_new(request: AuthedRequest, pk: int) -> HttpResponse:
    node = permissions.get_authored_node(request.user, pk)
    form = ReplyForm(request.POST or None, nodes=node.scenario.nodes.all())
    if request.method == "POST" and form.is_valid():
        try:
            editing.reply_create(
                node=node,
                text=form.cleaned_data["text"],
                next_node=form.cleaned_data["next_node"],
                feedback=form.cleaned_data["feedback"],
                scores=form.scores(),
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Reply added."))
            return redirect(_line_url(node))
    return _reply_page(request, form, node, None)


@login_required
def reply_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    reply = permissions.get_authored_reply(request.user, pk)
    node = reply.node
    initial = ReplyForm.initial_for(
        text=reply.text,
        next_node=reply.next_node_id,
        feedback=reply.feedback,
        scores=reply.scores or {},
    )
    form = ReplyForm(request.POST or None, initial=initial, nodes=node.scenario.nodes.all())
    if request.method == "POST" and form.is_valid():
        try:
            editing.reply_update(
                reply=reply,
                text=form.cleaned_data["text"],
                next_node=form.cleaned_data["next_node"],
                feedback=form.cleaned_data["feedback"],
                scores=form.scores(),
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Reply saved."))
            return redirect(_line_url(node))
    return _reply_page(request, form, node, reply)


@login_required
@require_POST
def reply_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    reply = permissions.get_authored_reply(request.user, pk)
    node = reply.node
    try:
        editing.reply_delete(reply=reply)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Reply deleted."))
    return redirect(_line_url(node))
