"""What makes a scenario playable: one start, every line reachable, every line going on or
ending, an ending always within reach, and a real choice (2 to 4 replies) at every turn.

The same rules apply to a scenario in the database (`scenario_problems`) and to a spec read
from a file (`spec_problems`): both are turned into a small graph of names first. Publishing
and importing are refused while any problem exists; authors see the list under "Check".
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

if TYPE_CHECKING:
    from assessments.models import Scenario, ScenarioNode

    from .specs import ScenarioSpec

MIN_REPLIES = 2
MAX_REPLIES = 4


@dataclass(frozen=True)
class Problem:
    """One reason a scenario can't be played. `node` names the line it is about, `reply` is
    the 0-based index of the reply within that line, `field` the scenario field (e.g. "start",
    "course") for problems not about one line. `label` is a few words for the line's box on
    the branch map; `message` says the whole of it."""

    message: str
    node: str | None = None
    reply: int | None = None
    field: str | None = None
    code: str = ""  # what kind of problem, for a short label on the branch map (see LABELS)

    def __str__(self) -> str:
        return self.message

    @property
    def label(self) -> str:
        """A few words naming the problem (the reply's number included); the message when the
        problem has no short form."""
        if self.code not in LABELS:
            return self.message
        return str(LABELS[self.code]) % {"n": (self.reply or 0) + 1}


LABELS = {
    "unreachable": gettext_lazy("Can't be reached from the start"),
    "end_with_replies": gettext_lazy("An ending with replies"),
    "dead_end": gettext_lazy("Dead end: no replies, no outcome"),
    "reply_count": gettext_lazy("Needs 2 to 4 replies"),
    "unlinked": gettext_lazy("Reply %(n)s leads nowhere yet"),
    "unknown_target": gettext_lazy("Reply %(n)s leads to a missing line"),
    "no_way_out": gettext_lazy("No ending can be reached from here"),
}


@dataclass(frozen=True)
class GraphReply:
    text: str
    next: str | None  # the name of the line it leads to; None when not chosen yet


@dataclass(frozen=True)
class GraphNode:
    name: str
    is_end: bool
    replies: tuple[GraphReply, ...]


def graph_problems(*, start: str | None, nodes: Sequence[GraphNode]) -> list[Problem]:
    """Every problem with the conversation graph, scenario-wide ones first, then line by line
    in the order given. [] when it can be played from start to an ending whatever is chosen."""
    if not nodes:
        return [Problem(_("The scenario has no lines yet. Add what the customer says first."))]
    problems: list[Problem] = []
    by_name = {node.name: node for node in nodes}
    start_known = start is not None and start in by_name
    if start is None:
        problems.append(
            Problem(
                _("There is no start: choose the line the conversation opens with."), field="start"
            )
        )
    elif not start_known:
        problems.append(
            Problem(
                _("The start “%(name)s” isn't one of the lines.") % {"name": start}, field="start"
            )
        )
    has_ending = any(node.is_end for node in nodes)
    if not has_ending:
        problems.append(
            Problem(
                _(
                    "No line ends the conversation: give at least one line an outcome "
                    "(calmed and loyal, resolved but cold, or escalated)."
                )
            )
        )

    reachable = _reachable(start, by_name) if start_known and start is not None else None
    can_end = _can_reach_an_ending(nodes)
    for node in nodes:
        name = {"name": node.name}
        count = len(node.replies)
        if reachable is not None and node.name not in reachable:
            problems.append(
                Problem(
                    _(
                        "“%(name)s” can't be reached: no reply on the way from the start leads "
                        "to it."
                    )
                    % name,
                    node=node.name,
                    code="unreachable",
                )
            )
        if node.is_end and count:
            problems.append(
                Problem(
                    _(
                        "“%(name)s” is an ending (it has an outcome) but also has replies: remove "
                        "the replies, or clear the outcome."
                    )
                    % name,
                    node=node.name,
                    code="end_with_replies",
                )
            )
        elif not node.is_end and not count:
            problems.append(
                Problem(
                    _(
                        "“%(name)s” is a dead end: it has no replies and no outcome. Add 2 to 4 "
                        "replies, or give it an outcome to make it an ending."
                    )
                    % name,
                    node=node.name,
                    code="dead_end",
                )
            )
        elif not node.is_end and not MIN_REPLIES <= count <= MAX_REPLIES:
            problems.append(
                Problem(
                    ngettext(
                        "“%(name)s” has %(count)d reply; offer 2 to 4 so there is a real choice.",
                        "“%(name)s” has %(count)d replies; offer 2 to 4 so there is a real choice.",
                        count,
                    )
                    % {"name": node.name, "count": count},
                    node=node.name,
                    code="reply_count",
                )
            )
        for index, reply in enumerate(node.replies):
            about = {
                "name": node.name,
                "n": index + 1,
                "text": Truncator(reply.text).chars(40),
                "next": reply.next,
            }
            if reply.next is None:
                problems.append(
                    Problem(
                        _(
                            "“%(name)s”, reply %(n)d (“%(text)s”) doesn't lead anywhere: choose "
                            "the line that follows it."
                        )
                        % about,
                        node=node.name,
                        reply=index,
                        code="unlinked",
                    )
                )
            elif reply.next not in by_name:
                problems.append(
                    Problem(
                        _(
                            "“%(name)s”, reply %(n)d (“%(text)s”) leads to “%(next)s”, which "
                            "isn't a line in this scenario."
                        )
                        % about,
                        node=node.name,
                        reply=index,
                        code="unknown_target",
                    )
                )
        if (
            has_ending
            and count
            and not node.is_end
            and (reachable is None or node.name in reachable)
            and node.name not in can_end
        ):
            problems.append(
                Problem(
                    _(
                        "No ending can be reached from “%(name)s”: its replies lead round in a "
                        "loop or into dead ends."
                    )
                    % name,
                    node=node.name,
                    code="no_way_out",
                )
            )
    return problems


def _reachable(start: str, by_name: dict[str, GraphNode]) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        for reply in by_name[queue.popleft()].replies:
            if reply.next in by_name and reply.next not in seen:
                seen.add(reply.next)
                queue.append(reply.next)
    return seen


def _can_reach_an_ending(nodes: Sequence[GraphNode]) -> set[str]:
    """Names of the lines from which some choice of replies reaches an ending."""
    leads_here: dict[str, set[str]] = {}
    for node in nodes:
        for reply in node.replies:
            if reply.next is not None:
                leads_here.setdefault(reply.next, set()).add(node.name)
    done = {node.name for node in nodes if node.is_end}
    queue = deque(done)
    while queue:
        for previous in leads_here.get(queue.popleft(), ()):
            if previous not in done:
                done.add(previous)
                queue.append(previous)
    return done


def scenario_problem_list(
    scenario: Scenario, nodes: Sequence[ScenarioNode] | None = None
) -> list[Problem]:
    """`graph_problems` for a scenario in the database. `nodes` are its lines with `replies`
    prefetched (no query); when None they are fetched (two queries)."""
    if nodes is None:
        nodes = list(scenario.nodes.prefetch_related("replies"))
    names = {node.pk: node.name for node in nodes}
    graph = [
        GraphNode(
            name=node.name,
            is_end=node.is_end,
            replies=tuple(
                GraphReply(
                    reply.text, names.get(reply.next_node_id) if reply.next_node_id else None
                )
                for reply in node.replies.all()
            ),
        )
        for node in nodes
    ]
    start = names.get(scenario.start_id) if scenario.start_id is not None else None
    return graph_problems(start=start, nodes=graph)


def scenario_problems(scenario: Scenario, nodes: Sequence[ScenarioNode] | None = None) -> list[str]:
    """What stops `scenario` from being played, one sentence per problem naming the line; []
    when it is ready to publish. Queries as for `scenario_problem_list`."""
    return [problem.message for problem in scenario_problem_list(scenario, nodes)]


def spec_problems(spec: ScenarioSpec) -> list[Problem]:
    """`graph_problems` for a spec read from a file (no query). Whether its course exists is
    checked by `services.importing.scenario_import_problems`."""
    graph = [
        GraphNode(
            name=node.name,
            is_end=bool(node.outcome),
            replies=tuple(GraphReply(reply.text, reply.next) for reply in node.replies),
        )
        for node in spec.nodes
    ]
    return graph_problems(start=spec.start or None, nodes=graph)
