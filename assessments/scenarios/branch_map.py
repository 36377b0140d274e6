"""The branch map the scenario editor shows: each line as a box in a column by how many replies
it is from the start, with its replies, where each leads, and its problems in words.

Built from a loaded `ScenarioGraph` and its problems, so it costs no query. The page lays the
columns side by side on a wide screen and as an outline indented by step on a phone; the
replies are links to the boxes they lead to, so the map reads the same without the arrows that
static/js/author.js draws between boxes.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from django.utils.text import Truncator
from django.utils.translation import gettext as _

from assessments.models import ScenarioNode, ScenarioReply

from .services.play import ScenarioGraph
from .validation import Problem


@dataclass(frozen=True)
class MapReply:
    reply: ScenarioReply
    number: int  # 1-based, as problems and the editor count them
    excerpt: str
    target: ScenarioNode | None
    total: int  # the sum of its behaviour scores
    problem: str = ""


@dataclass
class MapBox:
    node: ScenarioNode
    step: int | None  # replies from the start; None when it can't be reached
    is_start: bool
    excerpt: str
    replies: list[MapReply] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    selected: bool = False

    @property
    def targets(self) -> str:
        """The names of the lines its replies lead to, space-separated (for the arrows)."""
        return " ".join(dict.fromkeys(r.target.name for r in self.replies if r.target))


@dataclass(frozen=True)
class MapColumn:
    title: str
    step: int | None
    boxes: list[MapBox]


def _steps(graph: ScenarioGraph) -> dict[int, int]:
    """Line id → the fewest replies it takes to get there from the start."""
    start = graph.start
    if start is None:
        return {}
    steps = {start.pk: 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for reply in node.replies.all():
            target = graph.next_of(reply)
            if target is not None and target.pk not in steps:
                steps[target.pk] = steps[node.pk] + 1
                queue.append(target)
    return steps


def branch_map(
    graph: ScenarioGraph, problems: list[Problem], *, selected: int | None = None
) -> list[MapColumn]:
    """The map's columns: the start, then each further step, then the lines that can't be
    reached (if any). Within a column, lines keep their authored order. No query; [] for a
    scenario without lines."""
    steps = _steps(graph)
    by_name: dict[str, list[Problem]] = {}
    for problem in problems:
        if problem.node is not None:
            by_name.setdefault(problem.node, []).append(problem)
    boxes = []
    for node in graph.nodes:
        own = by_name.get(node.name, [])
        reply_problems = {p.reply: p.label for p in own if p.reply is not None}
        boxes.append(
            MapBox(
                node=node,
                step=steps.get(node.pk),
                is_start=node.pk == graph.scenario.start_id,
                excerpt=Truncator(node.line).chars(90),
                replies=[
                    MapReply(
                        reply=reply,
                        number=index + 1,
                        excerpt=Truncator(reply.text).chars(60),
                        target=graph.next_of(reply),
                        total=sum(int(v) for v in (reply.scores or {}).values()),
                        problem=reply_problems.get(index, ""),
                    )
                    for index, reply in enumerate(node.replies.all())
                ],
                problems=[p for p in own if p.reply is None],
                selected=node.pk == selected,
            )
        )
    columns = []
    for step in sorted({b.step for b in boxes if b.step is not None}):
        title = _("Start") if step == 0 else _("Step %(n)s") % {"n": step + 1}
        columns.append(MapColumn(title, step, [b for b in boxes if b.step == step]))
    stranded = [b for b in boxes if b.step is None]
    if stranded:
        columns.append(MapColumn(_("Not reached from the start"), None, stranded))
    return columns
