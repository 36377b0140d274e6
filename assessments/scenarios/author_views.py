"""Authoring practice conversations, for training admins (everyone else gets 404).

The editor is one page: the scenario's details, a branch map of its lines (`branch_map`), and
the selected line (?line=<pk>) edited in place with all its replies in one form; with htmx,
choosing a line or saving it swaps the map and the editor (#scenario-workspace) without a page
load, and without script the same links and forms load the page. The old per-line and per-reply
addresses lead to the line in the editor. "Check" lists the validation problems; "Preview"
plays the scenario without recording anything (the path so far is in the address,
?path=<reply ids>). Every change goes through services; a form with errors comes back with
status 400 and everything typed kept.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assessments import content_check
from assessments.models import Scenario, ScenarioNode
from config.forms import add_service_errors
from config.http import AuthedRequest
from config.parsing import ascii_int
from learners.permissions import require_author

from . import permissions
from .branch_map import branch_map
from .forms import (
    NodeForm,
    ReplyRowForm,
    ScenarioForm,
    line_choices,
    reply_rows_class,
)
from .services import editing
from .services.play import ScenarioGraph, Walk
from .validation import scenario_problem_list
from .views import Option, conversation_context, debrief_context, outcome_label


def _errors_to_form(form: Form, exc: ValidationError) -> None:
    add_service_errors(form, exc)


WORKSPACE = "scenario-workspace"


def _line_url(node: ScenarioNode) -> str:
    """The editor with `node` chosen, scrolled to it."""
    return f"{reverse('author_scenario', args=[node.scenario_id])}?line={node.pk}#line-editor"


def _node_initial(node: ScenarioNode) -> dict[str, Any]:
    return {
        "name": node.name,
        "mood": node.mood,
        "line": node.line,
        "outcome": node.outcome,
        "outcome_text": node.outcome_text,
        "is_start": node.scenario.start_id == node.pk,
    }


def _reply_rows(node: ScenarioNode, lines: list[tuple[int, str]], extra: int) -> forms.BaseFormSet:
    """The line's replies as an unbound set of rows, plus `extra` blank ones."""
    return reply_rows_class(extra)(
        prefix="reply",
        initial=[ReplyRowForm.initial_for(r) for r in node.replies.all()],
        form_kwargs={"lines": lines},
    )


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
                channel=form.cleaned_data["channel"] or Scenario.Channel.IN_PERSON,
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


def _selected(graph: ScenarioGraph, raw: str | None) -> ScenarioNode | None:
    """The line chosen in ?line=, else the start, else the first line; None without lines."""
    try:
        chosen = graph.node(int(raw)) if raw else None
    except ValueError:
        chosen = None
    return chosen or graph.start or (graph.nodes[0] if graph.nodes else None)


def _editor(
    request: AuthedRequest,
    scenario: Scenario,
    *,
    form: ScenarioForm | None = None,
    node_form: NodeForm | None = None,
    selected: ScenarioNode | None = None,
    line_form: NodeForm | None = None,
    reply_rows: Any = None,
    saved: str = "",
    checked: bool = False,
    status: int = 200,
) -> HttpResponse:
    """The editor page, or with htmx aimed at the workspace, just the map and the line editor.
    Two queries for the lines and replies, whatever their number."""
    graph = ScenarioGraph(scenario)
    problems = scenario_problem_list(scenario, graph.nodes)
    if selected is None:
        selected = _selected(graph, request.GET.get("line"))
    else:
        selected = graph.node(selected.pk) or selected
    lines = line_choices(graph.nodes)
    context: dict[str, Any] = {
        "scenario": scenario,
        "columns": branch_map(graph, problems, selected=selected.pk if selected else None),
        "problems": problems,
        "general_problems": [p for p in problems if p.node is None],
        "checked": checked,
        "selected": selected,
        "selected_problems": [p for p in problems if selected and p.node == selected.name],
        "is_start": selected is not None and selected.pk == scenario.start_id,
        "saved": saved,
    }
    if selected is not None:
        context["line_form"] = line_form or NodeForm(initial=_node_initial(selected), prefix="line")
        context["reply_rows"] = reply_rows or _reply_rows(
            selected, lines, extra=0 if selected.is_end else 1
        )
    if request.htmx and request.htmx.target == WORKSPACE:
        return render(
            request, "assessments/scenarios/_author_workspace.html", context, status=status
        )
    context.update(
        {
            "form": form
            or ScenarioForm(
                initial={
                    "title": scenario.title,
                    "slug": scenario.slug,
                    "course": scenario.course_id,
                    "intro": scenario.intro,
                    "required": scenario.required,
                    "channel": scenario.channel,
                }
            ),
            "node_form": node_form or NodeForm(prefix="node"),
            "content_report": content_check.scenario_check(scenario),
        }
    )
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
                channel=form.cleaned_data["channel"] or None,
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


def _reply_changes(
    node: ScenarioNode, rows: Any, graph_nodes: dict[int, ScenarioNode]
) -> tuple[list[editing.ReplyChange], list[Any]] | None:
    """The reply rows typed, as changes for `editing.node_save`, with the row each came from
    (blank new rows left out). None when a row names a reply that isn't this line's."""
    own = {reply.pk: reply for reply in node.replies.all()}
    changes: list[editing.ReplyChange] = []
    sources: list[Any] = []
    for row in rows.forms:
        data = row.cleaned_data
        if not data:  # a blank row left empty
            continue
        reply = None
        if data.get("reply") is not None:
            reply = own.get(data["reply"])
            if reply is None:
                return None
        elif data.get("remove"):
            continue  # a new row ticked for removal: nothing to remove
        changes.append(
            editing.ReplyChange(
                reply=reply,
                text=data.get("text", ""),
                next_node=graph_nodes.get(data["next_node"]) if data.get("next_node") else None,
                feedback=data.get("feedback", ""),
                scores=row.scores(),
                remove=bool(data.get("remove")),
            )
        )
        sources.append(row)
    return changes, sources


def _service_errors(
    exc: ValidationError, line_form: NodeForm, rows: Any, sources: list[Any]
) -> None:
    """Each of node_save's errors next to its field: the line's, or a reply row's."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            line_form.add_error(None, message)
        return
    for key, found in exc.message_dict.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "replies":
            row = sources[int(parts[1])]
            for message in found:
                row.add_service_error(parts[2], message)
            continue
        for message in found:
            line_form.add_error(key if key in line_form.fields else None, message)


@login_required
def node_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """A line and its replies. GET: the editor with this line chosen (with htmx, just the
    workspace). POST: save the line and every reply row in one go (`editing.node_save`);
    "Add another reply" (more=1) shows one more blank row and saves nothing."""
    node = permissions.get_authored_node(request.user, pk)
    scenario = node.scenario
    if request.method != "POST":
        if request.htmx:
            return _editor(request, scenario, selected=node)
        return redirect(_line_url(node))
    graph = ScenarioGraph(scenario)
    lines = line_choices(graph.nodes)
    data = request.POST.copy()
    more = bool(data.get("more"))
    if more:
        total = ascii_int(data.get("reply-TOTAL_FORMS"))
        data["reply-TOTAL_FORMS"] = str(total + 1 if total is not None else 1)
    line_form = NodeForm(data, prefix="line")
    rows = reply_rows_class()(data, prefix="reply", form_kwargs={"lines": lines})
    if more:
        return _editor(request, scenario, selected=node, line_form=line_form, reply_rows=rows)
    line_ok, rows_ok = line_form.is_valid(), rows.is_valid()
    if line_ok and rows_ok:
        parsed = _reply_changes(node, rows, graph.by_id)
        if parsed is None:
            line_form.add_error(
                None, _("Some replies changed since you opened this line. Reload the page.")
            )
        else:
            changes, sources = parsed
            try:
                editing.node_save(
                    node=node,
                    **_node_input(line_form),
                    replies=changes,
                )
            except ValidationError as exc:
                _service_errors(exc, line_form, rows, sources)
            else:
                saved = _("Line “%(name)s” and its replies saved.") % {"name": node.name}
                if not request.htmx:
                    messages.success(request, saved)
                    return redirect(_line_url(node))
                scenario.refresh_from_db()
                return _editor(request, scenario, selected=node, saved=saved)
    # node_save may have moved the start before a refusal rolled it back.
    scenario.refresh_from_db(fields=["start"])
    return _editor(
        request, scenario, selected=node, line_form=line_form, reply_rows=rows, status=400
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


# --- Replies: edited with their line; the old addresses lead there --------------------------


@login_required
@require_GET
def reply_new(request: AuthedRequest, pk: int) -> HttpResponse:
    """Replies are added in their line's editor, which always offers a blank one."""
    node = permissions.get_authored_node(request.user, pk)
    return redirect(_line_url(node))


@login_required
@require_GET
def reply_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """A reply is edited in its line's editor."""
    reply = permissions.get_authored_reply(request.user, pk)
    return redirect(_line_url(reply.node))


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
