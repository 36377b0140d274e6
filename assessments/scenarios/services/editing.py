"""Authoring: creating and changing scenarios, their lines and replies, and publishing.

A published scenario must stay playable: a change that would leave it with a validation
problem is refused (unpublish it to rework it)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from assessments.models import Scenario, ScenarioNode, ScenarioReply
from courses.events import announce_requirements_changed
from courses.models import Course
from learners.audit import audit_record
from learners.models import User

from ..specs import Mood, Outcome, scores_clean
from ..validation import scenario_problems

# --- Authoring -------------------------------------------------------------------------------


def _scenario_errors(*, title: str, slug: str, exclude: int | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("Give the scenario a title.")
    try:
        validate_slug(slug)
    except ValidationError:
        errors["slug"] = _("Use only letters, numbers and dashes.")
    else:
        others = Scenario.objects.filter(slug=slug)
        if exclude is not None:
            others = others.exclude(pk=exclude)
        if others.exists():
            errors["slug"] = _("Another scenario already uses this web address.")
    return errors


@transaction.atomic
def scenario_create(
    *,
    course: Course,
    title: str,
    slug: str,
    intro: str = "",
    required: bool = True,
    module_key: uuid.UUID | None = None,
    channel: str = Scenario.Channel.IN_PERSON,
) -> Scenario:
    """A new, unpublished scenario with no lines yet. Raises ValidationError (title, slug,
    channel)."""
    errors = _scenario_errors(title=title, slug=slug, exclude=None)
    if channel not in Scenario.Channel.values:
        errors["channel"] = _("Choose in person, on the phone or in a chat.")
    if errors:
        raise ValidationError(errors)
    return Scenario.objects.create(
        course=course,
        title=title.strip(),
        slug=slug,
        intro=intro.strip(),
        required=required,
        module_key=module_key,
        channel=channel,
    )


@transaction.atomic
def scenario_update(
    *,
    scenario: Scenario,
    course: Course,
    title: str,
    slug: str,
    intro: str,
    required: bool,
    channel: str | None = None,
) -> Scenario:
    """Change a scenario's details (`channel` None keeps it). Moving it to another course
    forgets its module (module keys belong to a course). Raises ValidationError (title, slug,
    channel)."""
    errors = _scenario_errors(title=title, slug=slug, exclude=scenario.pk)
    if channel is not None and channel not in Scenario.Channel.values:
        errors["channel"] = _("Choose in person, on the phone or in a chat.")
    if errors:
        raise ValidationError(errors)
    if scenario.is_published and (course.pk != scenario.course_id or required != scenario.required):
        announce_requirements_changed(course_id=scenario.course_id)
        announce_requirements_changed(course_id=course.pk)
    if course.pk != scenario.course_id:
        scenario.module_key = None
    scenario.course = course
    scenario.title = title.strip()
    scenario.slug = slug
    scenario.intro = intro.strip()
    scenario.required = required
    if channel is not None:
        scenario.channel = channel
    scenario.save()
    return scenario


@transaction.atomic
def scenario_publish(*, scenario: Scenario, actor: User | None) -> Scenario:
    """Make the scenario playable by learners (of a live course). Raises ValidationError with
    every validation problem when it has any; then nothing changes."""
    problems = scenario_problems(scenario)
    if problems:
        raise ValidationError(problems)
    was_published = scenario.is_published
    scenario.is_published = True
    scenario.save(update_fields=["is_published"])
    announce_requirements_changed(course_id=scenario.course_id)
    _audit(actor, "scenario.publish", scenario, was_published)
    return scenario


@transaction.atomic
def scenario_unpublish(*, scenario: Scenario, actor: User | None) -> Scenario:
    """Hide the scenario from learners; their runs are kept."""
    was_published = scenario.is_published
    scenario.is_published = False
    scenario.save(update_fields=["is_published"])
    announce_requirements_changed(course_id=scenario.course_id)
    _audit(actor, "scenario.unpublish", scenario, was_published)
    return scenario


def _audit(actor: User | None, action: str, scenario: Scenario, was_published: bool) -> None:
    audit_record(
        actor=actor,
        action=action,
        target_type="scenario",
        target_id=scenario.pk,
        target_label=scenario.title,
        changes={"published": (was_published, action == "scenario.publish")},
    )


def _keep_playable(scenario: Scenario) -> None:
    """Raise ValidationError when `scenario` is published and no longer valid, so the
    surrounding transaction rolls the change back. Two queries when published."""
    if not scenario.is_published:
        return
    problems = scenario_problems(scenario)
    if problems:
        raise ValidationError(
            _(
                "Learners are practising this scenario, so it must stay playable, and this "
                "change would break it: %(problems)s Unpublish it to rework it."
            )
            % {"problems": " ".join(problems)}
        )


def _node_errors(
    *,
    scenario: Scenario,
    name: str,
    line: str,
    mood: str,
    outcome: str,
    outcome_text: str,
    exclude: int | None,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    try:
        validate_slug(name)
    except ValidationError:
        errors["name"] = _("Use a short label of letters, numbers and dashes, e.g. “calmer”.")
    else:
        others = scenario.nodes.filter(name=name)
        if exclude is not None:
            others = others.exclude(pk=exclude)
        if len(name) > 60:
            errors["name"] = _("Keep the label to 60 characters.")
        elif others.exists():
            errors["name"] = _("Another line in this scenario already has this label.")
    if not line.strip():
        errors["line"] = _("Write what the customer says.")
    if mood not in Mood.values:
        errors["mood"] = _("Choose the customer's mood.")
    if outcome and outcome not in Outcome.values:
        errors["outcome"] = _("Choose how the conversation ends, or leave it going on.")
    if outcome_text.strip() and not outcome:
        errors["outcome_text"] = _("Only an ending has this. Choose an outcome, or clear it.")
    return errors


@transaction.atomic
def node_create(
    *,
    scenario: Scenario,
    name: str,
    line: str,
    mood: str = Mood.CALM,
    outcome: str = "",
    outcome_text: str = "",
    is_start: bool = False,
) -> ScenarioNode:
    """A new line at the end of the scenario. It becomes the start when `is_start` or when
    the scenario has no start yet. Raises ValidationError (name, line, mood, outcome,
    outcome_text), or a general one when a published scenario would stop being playable."""
    errors = _node_errors(
        scenario=scenario,
        name=name,
        line=line,
        mood=mood,
        outcome=outcome,
        outcome_text=outcome_text,
        exclude=None,
    )
    if errors:
        raise ValidationError(errors)
    last = scenario.nodes.aggregate(last=Max("position"))["last"]
    node = ScenarioNode.objects.create(
        scenario=scenario,
        name=name,
        line=line.strip(),
        mood=mood,
        outcome=outcome,
        outcome_text=outcome_text.strip(),
        position=0 if last is None else last + 1,
    )
    if is_start or scenario.start_id is None:
        scenario.start = node
        scenario.save(update_fields=["start"])
    _keep_playable(scenario)
    return node


@transaction.atomic
def node_update(
    *,
    node: ScenarioNode,
    name: str,
    line: str,
    mood: str,
    outcome: str,
    outcome_text: str,
    is_start: bool,
) -> ScenarioNode:
    """Change a line. `is_start` makes it the start; unticking it on the start leaves the
    scenario without one. Raises ValidationError as `node_create`."""
    scenario = node.scenario
    errors = _node_errors(
        scenario=scenario,
        name=name,
        line=line,
        mood=mood,
        outcome=outcome,
        outcome_text=outcome_text,
        exclude=node.pk,
    )
    if errors:
        raise ValidationError(errors)
    _apply_node(
        node,
        name=name,
        line=line,
        mood=mood,
        outcome=outcome,
        outcome_text=outcome_text,
        is_start=is_start,
    )
    _keep_playable(scenario)
    return node


def _apply_node(
    node: ScenarioNode,
    *,
    name: str,
    line: str,
    mood: str,
    outcome: str,
    outcome_text: str,
    is_start: bool,
) -> None:
    """Write validated values to the line (and the scenario's start). The caller checks the
    scenario stays playable once all its changes are made."""
    scenario = node.scenario
    node.name = name
    node.line = line.strip()
    node.mood = mood
    node.outcome = outcome
    node.outcome_text = outcome_text.strip()
    node.save()
    if is_start and scenario.start_id != node.pk:
        scenario.start = node
        scenario.save(update_fields=["start"])
    elif not is_start and scenario.start_id == node.pk:
        scenario.start = None
        scenario.save(update_fields=["start"])


@dataclass(frozen=True)
class ReplyChange:
    """One reply as the line editor sends it: an existing `reply` to change or remove, or a
    new one (`reply` None)."""

    reply: ScenarioReply | None
    text: str
    next_node: ScenarioNode | None
    feedback: str = ""
    scores: Mapping[str, object] = field(default_factory=dict)
    remove: bool = False


def reply_error_key(index: int, name: str) -> str:
    """How `node_save` names an error about field `name` of reply `index` (0-based)."""
    return f"replies.{index}.{name}"


@transaction.atomic
def node_save(
    *,
    node: ScenarioNode,
    name: str,
    line: str,
    mood: str,
    outcome: str,
    outcome_text: str,
    is_start: bool,
    replies: Sequence[ReplyChange],
) -> ScenarioNode:
    """Change a line and its replies together, as the line editor shows them: each existing
    reply changed or removed, new ones added after them. All or nothing.

    Raises ValidationError with every problem at once: the line's own (as `node_update`), each
    reply's under `reply_error_key(index, field)` (text, next_node, a behaviour's key), and a
    general one when a published scenario would stop being playable. A reply of another line
    is refused as not found.
    """
    scenario = node.scenario
    errors: dict[str, str] = dict(
        _node_errors(
            scenario=scenario,
            name=name,
            line=line,
            mood=mood,
            outcome=outcome,
            outcome_text=outcome_text,
            exclude=node.pk,
        )
    )
    cleaned: list[dict[str, int]] = []
    for index, change in enumerate(replies):
        if change.reply is not None and change.reply.node_id != node.pk:
            raise ValidationError(_("That reply belongs to another line. Reload the page."))
        scores: dict[str, int] = {}
        if not change.remove:
            for key, message in _reply_errors(
                node=node, text=change.text, next_node=change.next_node
            ).items():
                errors[reply_error_key(index, key)] = message
            try:
                scores = scores_clean(change.scores)
            except ValidationError as exc:
                for key, messages in exc.message_dict.items():
                    errors[reply_error_key(index, key)] = " ".join(messages)
        cleaned.append(scores)
    if errors:
        raise ValidationError(errors)
    _apply_node(
        node,
        name=name,
        line=line,
        mood=mood,
        outcome=outcome,
        outcome_text=outcome_text,
        is_start=is_start,
    )
    last = node.replies.aggregate(last=Max("position"))["last"]
    position = 0 if last is None else last + 1
    for change, scores in zip(replies, cleaned, strict=True):
        if change.remove:
            if change.reply is not None:
                change.reply.delete()
            continue
        reply = change.reply or ScenarioReply(node=node, position=position)
        if change.reply is None:
            position += 1
        reply.text = change.text.strip()
        reply.next_node = change.next_node
        reply.feedback = change.feedback.strip()
        reply.scores = scores
        reply.save()
    _keep_playable(scenario)
    return node


@transaction.atomic
def node_delete(*, node: ScenarioNode) -> None:
    """Delete a line and its replies. Refused (ValidationError) while replies of other lines
    lead to it, naming them, or when a published scenario would stop being playable."""
    leading_here = sorted(
        set(
            ScenarioReply.objects.filter(next_node=node)
            .exclude(node=node)
            .values_list("node__name", flat=True)
        )
    )
    if leading_here:
        raise ValidationError(
            _("Replies in %(names)s lead to “%(name)s”. Point them elsewhere first.")
            % {"names": ", ".join(f"“{n}”" for n in leading_here), "name": node.name}
        )
    scenario = node.scenario
    node.replies.all().delete()
    node.delete()
    scenario.refresh_from_db(fields=["start"])
    _keep_playable(scenario)


def _reply_errors(
    *, node: ScenarioNode, text: str, next_node: ScenarioNode | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not text.strip():
        errors["text"] = _("Write what the learner could say.")
    if next_node is not None and next_node.scenario_id != node.scenario_id:
        errors["next_node"] = _("Choose a line of this scenario.")
    return errors


@transaction.atomic
def reply_create(
    *,
    node: ScenarioNode,
    text: str,
    next_node: ScenarioNode | None,
    feedback: str = "",
    scores: Mapping[str, object] | None = None,
) -> ScenarioReply:
    """A new reply at the end of the line's replies. `next_node` may be None while drafting
    (validation reports it). Raises ValidationError (text, next_node, a behaviour's key), or a
    general one when a published scenario would stop being playable."""
    errors = _reply_errors(node=node, text=text, next_node=next_node)
    if errors:
        raise ValidationError(errors)
    last = node.replies.aggregate(last=Max("position"))["last"]
    reply = ScenarioReply.objects.create(
        node=node,
        text=text.strip(),
        next_node=next_node,
        feedback=feedback.strip(),
        scores=scores_clean(scores or {}),
        position=0 if last is None else last + 1,
    )
    _keep_playable(node.scenario)
    return reply


@transaction.atomic
def reply_update(
    *,
    reply: ScenarioReply,
    text: str,
    next_node: ScenarioNode | None,
    feedback: str,
    scores: Mapping[str, object],
) -> ScenarioReply:
    """Change a reply. Runs that already chose it keep their recorded totals. Raises
    ValidationError as `reply_create`."""
    errors = _reply_errors(node=reply.node, text=text, next_node=next_node)
    if errors:
        raise ValidationError(errors)
    reply.text = text.strip()
    reply.next_node = next_node
    reply.feedback = feedback.strip()
    reply.scores = scores_clean(scores)
    reply.save()
    _keep_playable(reply.node.scenario)
    return reply


@transaction.atomic
def reply_delete(*, reply: ScenarioReply) -> None:
    """Delete a reply; finished runs that chose it keep their outcome and totals. Refused when
    a published scenario would stop being playable."""
    scenario = reply.node.scenario
    reply.delete()
    _keep_playable(scenario)
