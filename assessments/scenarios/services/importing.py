"""Importing a scenario from its file form (`ScenarioSpec`), keeping runs working."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from assessments.models import Scenario, ScenarioNode, ScenarioReply, ScenarioRun
from courses.events import announce_requirements_changed
from courses.models import Course, Module

from ..specs import NodeSpec, ReplySpec, ScenarioSpec
from ..validation import Problem, spec_problems

# --- Importing from files --------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioImported:
    scenario: Scenario
    status: Literal["created", "updated", "unchanged"]
    runs_restarted: int = 0


def scenario_import_problems(*, spec: ScenarioSpec) -> list[Problem]:
    """Why `spec` can't be imported: its graph's problems, a course that doesn't exist, a module
    that isn't in that course. [] when it can be. One or two queries."""
    problems = spec_problems(spec)
    course = Course.objects.filter(slug=spec.course).first()
    if course is None:
        problems.append(
            Problem(_("There is no course “%(slug)s”.") % {"slug": spec.course}, field="course")
        )
    elif (
        spec.module_key is not None
        and not Module.objects.filter(version__course=course, key=spec.module_key).exists()
    ):
        problems.append(
            Problem(
                _("Course “%(slug)s” has no module %(key)s.")
                % {"slug": spec.course, "key": spec.module_key},
                field="module",
            )
        )
    return problems


@transaction.atomic
def scenario_import(*, spec: ScenarioSpec) -> ScenarioImported:
    """Create or update the scenario with `spec.slug` so it matches `spec`, published.

    Idempotent: importing the same content again writes nothing ("unchanged"). Raises
    ValidationError listing every problem (see `scenario_import_problems`); nothing is written.

    Changed content is applied in place, so learners' runs survive it: lines are matched by
    name and replies by their place in the line, keeping their ids, and finished runs keep
    their outcome and totals (stored on the run) and their path. Lines and replies no longer in
    the file are deleted; a finished run's debrief then skips those steps. An unfinished run
    whose current line was deleted or has become an ending can't go on, so it is deleted and
    counted in `runs_restarted`: the learner starts that practice again.
    """
    problems = scenario_import_problems(spec=spec)
    if problems:
        raise ValidationError([problem.message for problem in problems])
    course = Course.objects.get(slug=spec.course)
    scenario = (
        Scenario.objects.select_for_update(of=("self",))
        .select_related("course")
        .filter(slug=spec.slug)
        .first()
    )
    nodes: list[ScenarioNode] = []
    if scenario is None:
        scenario = Scenario(slug=spec.slug)
    else:
        nodes = list(scenario.nodes.prefetch_related("replies"))
        if scenario.is_published and _spec_of(scenario, nodes) == spec:
            return ScenarioImported(scenario, "unchanged")
    created = scenario.pk is None
    if scenario.pk is not None and scenario.is_published:
        announce_requirements_changed(course_id=scenario.course_id)
    announce_requirements_changed(course_id=course.pk)
    scenario.course = course
    scenario.title = spec.title
    scenario.intro = spec.intro
    scenario.channel = spec.channel
    scenario.module_key = spec.module_key
    scenario.required = spec.required
    scenario.is_published = True
    scenario.save()

    existing = {node.name: node for node in nodes}
    kept: dict[str, ScenarioNode] = {}
    for position, node_spec in enumerate(spec.nodes):
        node = existing.get(node_spec.name) or ScenarioNode(scenario=scenario, name=node_spec.name)
        node.position = position
        node.line = node_spec.line
        node.mood = node_spec.mood
        node.outcome = node_spec.outcome
        node.outcome_text = node_spec.outcome_text
        node.save()
        kept[node_spec.name] = node
    for node_spec in spec.nodes:
        node = kept[node_spec.name]
        old = list(node.replies.all()) if node_spec.name in existing else []
        for position, reply_spec in enumerate(node_spec.replies):
            reply = old[position] if position < len(old) else ScenarioReply(node=node)
            reply.position = position
            reply.text = reply_spec.text
            reply.next_node = kept[reply_spec.next] if reply_spec.next else None
            reply.feedback = reply_spec.feedback
            reply.scores = dict(reply_spec.scores)
            reply.save()
        ScenarioReply.objects.filter(pk__in=[r.pk for r in old[len(node_spec.replies) :]]).delete()
    scenario.start = kept[spec.start]
    scenario.save(update_fields=["start"])
    removed = [node.pk for node in nodes if node.name not in kept]
    ScenarioReply.objects.filter(node__in=removed).delete()
    ScenarioNode.objects.filter(pk__in=removed).delete()
    restarted, _by_model = (
        ScenarioRun.objects.filter(scenario=scenario, finished_at__isnull=True)
        .filter(Q(current__isnull=True) | ~Q(current__outcome=""))
        .delete()
    )
    return ScenarioImported(scenario, "created" if created else "updated", restarted)


def _spec_of(scenario: Scenario, nodes: Sequence[ScenarioNode]) -> ScenarioSpec:
    """The scenario as a spec (compares equal to the spec it was imported from). No query:
    `nodes` have their replies prefetched and `scenario.course` is loaded."""
    names = {node.pk: node.name for node in nodes}
    return ScenarioSpec(
        slug=scenario.slug,
        course=scenario.course.slug,
        title=scenario.title,
        intro=scenario.intro,
        channel=scenario.channel,
        start=names.get(scenario.start_id, "") if scenario.start_id else "",
        module_key=scenario.module_key,
        required=scenario.required,
        nodes=tuple(
            NodeSpec(
                name=node.name,
                line=node.line,
                mood=node.mood,
                outcome=node.outcome,
                outcome_text=node.outcome_text,
                replies=tuple(
                    ReplySpec(
                        text=reply.text,
                        next=names.get(reply.next_node_id) if reply.next_node_id else None,
                        feedback=reply.feedback,
                        scores=dict(reply.scores or {}),
                    )
                    for reply in node.replies.all()
                ),
            )
            for node in nodes
        ),
    )
