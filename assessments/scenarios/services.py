"""Every write to scenarios and practice runs, and the read models their pages show.

Writes: authoring (`scenario_create`, `node_create`, `reply_update`, ..., `scenario_publish`),
importing from files (`scenario_import`) and playing (`run_start`, `run_reply`). Each runs in
one transaction and raises ValidationError (with field names where there is a field) when the
change is refused.

A published scenario must stay playable: an authoring change that would leave it with a
validation problem is refused (unpublish it to rework it). Learners therefore never meet a
broken conversation; a run left on a line that an edit to an unpublished scenario removed is
simply started again (`run_start`).

Reads: `ScenarioGraph` loads a scenario's lines and replies once (two queries) and answers the
chat so far, the preview walk and the debrief without further queries.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Scenario, ScenarioNode, ScenarioReply, ScenarioRun
from courses.models import Course, Module
from learners.models import User

from .validation import Problem, scenario_problems, spec_problems

if TYPE_CHECKING:
    # A dev-only package: type names only, never imported at run time.
    from django_stubs_ext import StrOrPromise

BEHAVIOURS: dict[str, StrOrPromise] = {
    "acknowledges_emotion": gettext_lazy("Acknowledges emotion"),
    "stays_calm": gettext_lazy("Stays calm"),
    "takes_ownership": gettext_lazy("Takes ownership"),
    "offers_options": gettext_lazy("Offers options"),
    "builds_rapport": gettext_lazy("Builds rapport"),
}
SCORE_MIN = -2
SCORE_MAX = 2

Mood = ScenarioNode.Mood
Outcome = ScenarioNode.Outcome


# --- Specs: a scenario as plain data (what files and tests state) ----------------------------


@dataclass(frozen=True)
class ReplySpec:
    text: str
    next: str | None
    feedback: str = ""
    scores: dict[str, int] = field(default_factory=dict)
    source_line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class NodeSpec:
    name: str
    line: str
    mood: str = Mood.CALM
    outcome: str = ""
    outcome_text: str = ""
    replies: tuple[ReplySpec, ...] = ()
    source_line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ScenarioSpec:
    """One scenario as plain data. Two specs are equal when they describe the same content;
    `file`, `field_lines` and the `source_line`s only say where it was written."""

    slug: str
    course: str  # the course's slug
    title: str
    start: str
    nodes: tuple[NodeSpec, ...]
    intro: str = ""
    module_key: uuid.UUID | None = None
    required: bool = True
    file: str = field(default="", compare=False)
    field_lines: dict[str, int] = field(default_factory=dict, compare=False)


# --- Scores ----------------------------------------------------------------------------------


def scores_clean(scores: Mapping[str, object]) -> dict[str, int]:
    """The scores with zeros left out. Raises ValidationError for an unknown behaviour or a
    value that is not a whole number from SCORE_MIN to SCORE_MAX."""
    cleaned: dict[str, int] = {}
    for key, value in scores.items():
        if key not in BEHAVIOURS:
            raise ValidationError({"scores": _("Unknown behaviour “%(key)s”.") % {"key": key}})
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError({"scores": _("Scores must be whole numbers.")})
        if not SCORE_MIN <= value <= SCORE_MAX:
            raise ValidationError(
                {
                    key: _("Choose a score from %(lo)d to %(hi)d.")
                    % {"lo": SCORE_MIN, "hi": SCORE_MAX}
                }
            )
        if value:
            cleaned[key] = value
    return cleaned


def reply_total(reply: ScenarioReply) -> int:
    """The sum of a reply's behaviour scores; 0 when it has none. No query."""
    return sum(int(v) for v in (reply.scores or {}).values())


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
    scenario.course = course
    scenario.title = spec.title
    scenario.intro = spec.intro
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
) -> Scenario:
    """A new, unpublished scenario with no lines yet. Raises ValidationError (title, slug)."""
    errors = _scenario_errors(title=title, slug=slug, exclude=None)
    if errors:
        raise ValidationError(errors)
    return Scenario.objects.create(
        course=course,
        title=title.strip(),
        slug=slug,
        intro=intro.strip(),
        required=required,
        module_key=module_key,
    )


@transaction.atomic
def scenario_update(
    *, scenario: Scenario, course: Course, title: str, slug: str, intro: str, required: bool
) -> Scenario:
    """Change a scenario's details. Moving it to another course forgets its module (module
    keys belong to a course). Raises ValidationError (title, slug)."""
    errors = _scenario_errors(title=title, slug=slug, exclude=scenario.pk)
    if errors:
        raise ValidationError(errors)
    if course.pk != scenario.course_id:
        scenario.module_key = None
    scenario.course = course
    scenario.title = title.strip()
    scenario.slug = slug
    scenario.intro = intro.strip()
    scenario.required = required
    scenario.save()
    return scenario


@transaction.atomic
def scenario_publish(*, scenario: Scenario) -> Scenario:
    """Make the scenario playable by learners (of a live course). Raises ValidationError with
    every validation problem when it has any; then nothing changes."""
    problems = scenario_problems(scenario)
    if problems:
        raise ValidationError(problems)
    scenario.is_published = True
    scenario.save(update_fields=["is_published"])
    return scenario


@transaction.atomic
def scenario_unpublish(*, scenario: Scenario) -> Scenario:
    """Hide the scenario from learners; their runs are kept."""
    scenario.is_published = False
    scenario.save(update_fields=["is_published"])
    return scenario


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


# --- Playing ---------------------------------------------------------------------------------


def _open_runs(*, user: User, scenario: Scenario) -> QuerySet[ScenarioRun]:
    return ScenarioRun.objects.filter(scenario=scenario, user=user, finished_at__isnull=True)


@transaction.atomic
def run_start(*, user: User, scenario: Scenario) -> ScenarioRun:
    """The learner's unfinished run of `scenario`, or a new one at its start (so "Start" and
    "Play again" are the same action, and two clicks make one run).

    An unfinished run stranded by an edit (its line deleted) is deleted and replaced. Raises
    ValidationError when the scenario isn't published or has no start.
    """
    if not scenario.is_published or scenario.start_id is None:
        raise ValidationError(_("This practice conversation isn't available right now."))
    run = _open_runs(user=user, scenario=scenario).select_for_update().first()
    if run is not None and run.current_id is not None:
        return run
    if run is not None:
        run.delete()
    try:
        with transaction.atomic():
            return ScenarioRun.objects.create(
                scenario=scenario, user=user, current_id=scenario.start_id
            )
    except IntegrityError:
        # Another request started one between our read and our insert: use theirs.
        return _open_runs(user=user, scenario=scenario).get()


@transaction.atomic
def run_reply(*, run: ScenarioRun, reply_id: int, step: int | None = None) -> ScenarioRun:
    """Record the learner choosing reply `reply_id` on the run's current line and move on;
    at an ending the run finishes (`finished_at`, `outcome`). Returns the run.

    `step` is how many replies the learner had chosen when the page was shown. Sending the
    last choice again for the step before (a double click, a resent form) changes nothing.

    Raises ValidationError with code "finished" when the run has ended, "stale" when the page
    was out of date, and "not_a_choice" when the reply isn't one of the current line's.
    """
    run = ScenarioRun.objects.select_for_update().get(pk=run.pk)
    if step is not None and step != len(run.path):
        if run.path and step == len(run.path) - 1 and run.path[-1] == reply_id:
            return run
        raise ValidationError(
            _("That page was out of date; here is where the conversation is now."), code="stale"
        )
    if run.finished_at is not None:
        raise ValidationError(_("This conversation has already finished."), code="finished")
    reply = (
        ScenarioReply.objects.select_related("next_node")
        .filter(pk=reply_id, node_id=run.current_id, next_node__isnull=False)
        .first()
    )
    if reply is None or reply.next_node is None or run.current_id is None:
        raise ValidationError(
            _("That isn't one of the replies you can choose here."), code="not_a_choice"
        )
    totals = {key: int(value) for key, value in (run.totals or {}).items()}
    for key, value in (reply.scores or {}).items():
        totals[key] = totals.get(key, 0) + int(value)
    run.path = [*run.path, reply.pk]
    run.totals = totals
    run.current = reply.next_node
    if reply.next_node.is_end:
        run.finished_at = timezone.now()
        run.outcome = reply.next_node.outcome
        # Finishing may complete the course (practice counts like a quiz).
        user_id, course_id = run.user_id, scenario_course_id(run)
        transaction.on_commit(lambda: refresh_enrolment(user_id, course_id))
    run.save()
    return run


def scenario_course_id(run: ScenarioRun) -> int:
    return Scenario.objects.values_list("course_id", flat=True).get(pk=run.scenario_id)


def refresh_enrolment(user_id: int, course_id: int) -> None:
    from assessments.attempts import _refresh_enrolment

    _refresh_enrolment(user_id, course_id)


def scenario_completed(user: User, scenario: Scenario) -> bool:
    """True when the user has played `scenario` to an ending at least once. One query."""
    return ScenarioRun.objects.filter(
        user=user, scenario=scenario, finished_at__isnull=False
    ).exists()


# --- Reading: the chat so far, the preview walk and the debrief ------------------------------


@dataclass(frozen=True)
class Turn:
    """The customer said `node.line`; the learner answered `reply`."""

    node: ScenarioNode
    reply: ScenarioReply


@dataclass(frozen=True)
class DebriefStep:
    node: ScenarioNode
    reply: ScenarioReply
    better: ScenarioReply | None  # the best-scoring reply of the line, when it beats `reply`


@dataclass(frozen=True)
class BehaviourTotal:
    key: str
    label: StrOrPromise
    value: int
    percent: int  # bar length, relative to the largest total (0-100)


@dataclass
class Walk:
    """Where following a path of replies from the start leads: the turns taken and the line
    reached (None when a reply led nowhere), or `error` when the path isn't a valid one."""

    turns: list[Turn]
    current: ScenarioNode | None
    error: str = ""


class ScenarioGraph:
    """A scenario's lines with their replies, loaded once (two queries); every method below is
    query-free."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.nodes: list[ScenarioNode] = list(scenario.nodes.prefetch_related("replies"))
        self.by_id = {node.pk: node for node in self.nodes}
        self.replies = {reply.pk: reply for node in self.nodes for reply in node.replies.all()}

    @property
    def start(self) -> ScenarioNode | None:
        return self.by_id.get(self.scenario.start_id) if self.scenario.start_id else None

    def node(self, pk: int | None) -> ScenarioNode | None:
        return self.by_id.get(pk) if pk is not None else None

    def choices(self, node: ScenarioNode | None) -> list[ScenarioReply]:
        """The replies offered at `node`; [] at an ending or for None."""
        return [] if node is None or node.is_end else list(node.replies.all())

    def next_of(self, reply: ScenarioReply) -> ScenarioNode | None:
        return self.node(reply.next_node_id)

    def history(self, path: Sequence[int]) -> list[Turn]:
        """The turns of a run's recorded path, each reply with the line it answered. Replies
        deleted since are left out."""
        return [
            Turn(node=self.by_id[reply.node_id], reply=reply)
            for reply in (self.replies.get(pk) for pk in path)
            if reply is not None
        ]

    def walk(self, path: Sequence[int]) -> Walk:
        """Follow `path` (reply ids) from the start, as the author preview does. Stops with an
        `error` at the first reply that isn't offered where the walk has got to."""
        turns: list[Turn] = []
        node = self.start
        for pk in path:
            reply = self.replies.get(pk)
            if node is None or reply is None or reply.node_id != node.pk or node.is_end:
                return Walk(turns, node, _("That path doesn't follow the conversation."))
            turns.append(Turn(node=node, reply=reply))
            node = self.next_of(reply)
        return Walk(turns, node)

    def debrief(self, path: Sequence[int]) -> list[DebriefStep]:
        """For each recorded turn, the reply chosen and, when one of the line's replies scores
        a higher total, the best of them (the first, on a tie)."""
        steps = []
        for turn in self.history(path):
            offered = list(turn.node.replies.all())
            best = max(offered, key=reply_total) if offered else None
            better = (
                best if best is not None and reply_total(best) > reply_total(turn.reply) else None
            )
            steps.append(DebriefStep(node=turn.node, reply=turn.reply, better=better))
        return steps

    def totals(self, path: Sequence[int]) -> dict[str, int]:
        """Behaviour totals of the replies in `path` (for the preview; runs store theirs)."""
        totals: dict[str, int] = {}
        for turn in self.history(path):
            for key, value in (turn.reply.scores or {}).items():
                totals[key] = totals.get(key, 0) + int(value)
        return totals


def behaviour_totals(totals: Mapping[str, int]) -> list[BehaviourTotal]:
    """One row per behaviour in BEHAVIOURS order (0 when missing), with a bar length relative
    to the largest absolute total."""
    values = {key: int(totals.get(key, 0)) for key in BEHAVIOURS}
    largest = max((abs(v) for v in values.values()), default=0) or 1
    return [
        BehaviourTotal(key, label, values[key], round(100 * abs(values[key]) / largest))
        for key, label in BEHAVIOURS.items()
    ]
