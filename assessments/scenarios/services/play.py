"""Playing a scenario (runs and replies) and the read models its pages show.

`ScenarioGraph` loads a scenario's lines and replies once (two queries) and answers the chat so
far, the preview walk and the debrief without further queries."""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.events import announce_run_finished
from assessments.models import Scenario, ScenarioNode, ScenarioReply, ScenarioRun
from learners.models import User

if TYPE_CHECKING:
    # A dev-only package: type names only, never imported at run time.
    from django_stubs_ext import StrOrPromise
from courses.events import announce_learner_progressed

from ..specs import BEHAVIOURS, reply_total

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
        announce_learner_progressed(user_id=run.user_id, course_id=run.scenario.course_id)
    run.save()
    if run.finished_at is not None:
        # Its decision points become review items for spaced refreshers.
        announce_run_finished(run_id=run.pk)
    return run


def reply_order(*, run: ScenarioRun, replies: Sequence[ScenarioReply]) -> list[ScenarioReply]:
    """`replies` (one line's) in the order `run` shows them: shuffled, with the run and the
    line as the seed, so a reload or a resent page shows the same order and another play of
    the conversation a new one. No query.

    Authors tend to write the best reply first, or longest; learners would soon learn to pick
    by position instead of by judgement."""
    ordered = sorted(replies, key=lambda reply: reply.pk)
    if ordered:
        # A string seed is hashed with SHA-512, the same in every process (unlike hash()).
        rng = random.Random(f"scenario-run:{run.pk}:{ordered[0].node_id}")  # noqa: S311 - not security
        rng.shuffle(ordered)
    return ordered


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

    def scored_behaviours(self) -> dict[str, int]:
        """For each behaviour some reply scores (not zero), how many lines score it; the
        others are left out."""
        lines: dict[str, int] = {}
        for node in self.nodes:
            keys = {k for r in self.choices(node) for k, v in (r.scores or {}).items() if v}
            for key in keys:
                lines[key] = lines.get(key, 0) + 1
        return lines

    def totals(self, path: Sequence[int]) -> dict[str, int]:
        """Behaviour totals of the replies in `path` (for the preview; runs store theirs)."""
        totals: dict[str, int] = {}
        for turn in self.history(path):
            for key, value in (turn.reply.scores or {}).items():
                totals[key] = totals.get(key, 0) + int(value)
        return totals


def behaviour_totals(
    totals: Mapping[str, int], keys: Collection[str] | None = None
) -> list[BehaviourTotal]:
    """One row per behaviour in BEHAVIOURS order (0 when missing), with a bar length relative
    to the largest absolute total. With `keys`, only those behaviours (and any in `totals`):
    a debrief leaves out what its conversation never scores, where a 0 would mean nothing."""
    shown = [k for k in BEHAVIOURS if keys is None or k in keys or totals.get(k)]
    values = {key: int(totals.get(key, 0)) for key in shown}
    largest = max((abs(v) for v in values.values()), default=0) or 1
    return [
        BehaviourTotal(key, label, values[key], round(100 * abs(values[key]) / largest))
        for key, label in BEHAVIOURS.items()
        if key in values
    ]
